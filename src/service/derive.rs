//! What the desk derives from a ticket's events before each commit: the
//! time-driven state (SLA clocks, escalation) that the domain computes from
//! the full history, and the deadline the store indexes.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Draft, HelpDesk};
use crate::calendar::BusinessCalendar;
use crate::error::Result;
use crate::notify::plan::notification;
use crate::notify::{Notification, NotificationKind, Recipient};
use crate::sla::{
    CalendarRef, Metric, MetricState, Selected, SlaConfig, SlaStatus, evaluate_events,
};
use crate::ticket::{EventActor, EventKind, TicketEvent};

/// The derived part of a commit for one ticket.
#[derive(Debug, Default)]
pub(super) struct Derived {
    /// When time-driven work is next due (stored in the deadline index).
    pub(super) next_deadline: Option<DateTime<Utc>>,
    /// The requester-facing first-response promise for the acknowledgment.
    pub(super) first_response: Option<String>,
    /// Extra notifications (SLA, escalation) beyond the event planner's.
    pub(super) notifications: Vec<Notification>,
}

impl HelpDesk {
    /// May record further events on `draft` (e.g. an SLA target met) and
    /// returns what the commit needs besides the events.
    ///
    /// SLA first (see `derive_sla`), then escalation: the ticket's deadline
    /// is the earliest of the SLA's and the next escalation level's (or
    /// update reminder's), and routing and escalation events get their
    /// notifications.
    pub(super) async fn derive(&self, draft: &mut Draft) -> Result<Derived> {
        let stored = self.stored_timeline(draft).await?;
        let stored = stored.as_deref().map_or(&[][..], Vec::as_slice);
        let mut derived = self.derive_sla(draft, stored)?;
        let escalation = self.escalation_deadline(draft, stored)?;
        derived.next_deadline = derived.next_deadline.into_iter().chain(escalation).min();
        derived.notifications.extend(Self::own_notifications(draft));
        Ok(derived)
    }

    /// The SLA part of [`derive`](Self::derive).
    ///
    /// With SLA policies configured: chooses the policy (recording
    /// `SlaPolicyApplied` when the choice differs from the one in force),
    /// evaluates the full history at the draft's instant, records `SlaMet`,
    /// `SlaWarning` and `SlaBreached` not recorded before (the recorded
    /// events are the memory that makes each happen once per metric and
    /// cycle), and returns the next SLA deadline.
    fn derive_sla(&self, draft: &mut Draft, stored: &[TicketEvent]) -> Result<Derived> {
        let Some(config) = &self.inner.sla else {
            return Ok(Derived::default());
        };
        let selected = config.select(&draft.ticket);
        let in_force = policy_in_force(stored.iter().chain(&draft.events));
        if in_force != Some(selected.policy.name.as_str()) {
            draft.record_as(
                EventActor::System,
                EventKind::SlaPolicyApplied {
                    policy: selected.policy.name.clone(),
                    reason: selected.reason(),
                },
            )?;
        }
        let now = draft.at;
        let status = evaluate_events(
            selected.policy,
            selected.calendar,
            &self.inner.lifecycle,
            stored.iter().chain(&draft.events),
            now,
        )?;
        for kind in due_events(&status, &stored.iter().chain(&draft.events), now) {
            draft.record_as(EventActor::System, kind)?;
        }
        let first_response = draft
            .base_version
            .is_none()
            .then(|| promise(&status, selected))
            .flatten();
        // Every SLA event of this command notifies, including those a
        // previous derive of the same draft recorded (see refresh_time_driven).
        let notifications = draft
            .events
            .iter()
            .filter_map(|e| sla_notification(draft, e, selected.calendar))
            .collect();
        Ok(Derived {
            next_deadline: status.next_deadline,
            first_response,
            notifications,
        })
    }
}

impl HelpDesk {
    /// The stored timeline `draft` is based on, when derive needs it: read
    /// from the store once per command and kept on the draft.
    async fn stored_timeline(&self, draft: &mut Draft) -> Result<Option<Arc<Vec<TicketEvent>>>> {
        let Some(version) = draft.base_version else {
            return Ok(None);
        };
        let needed = self.inner.sla.is_some()
            || (self.inner.escalation.is_some() && draft.planned_deadline().is_none());
        if !needed {
            return Ok(None);
        }
        if draft.stored.is_none() {
            let mut t = self.inner.store.timeline(draft.ticket.id).await?;
            // A concurrent writer's newer events would fail the commit
            // anyway; derive from what this draft is based on.
            t.truncate(usize::try_from(version).unwrap_or(usize::MAX));
            draft.stored = Some(Arc::new(t));
        }
        Ok(draft.stored.clone())
    }
}

/// The name of the policy last applied to the ticket.
pub(super) fn policy_in_force<'a>(
    events: impl DoubleEndedIterator<Item = &'a TicketEvent>,
) -> Option<&'a str> {
    events.rev().find_map(|e| match &e.kind {
        EventKind::SlaPolicyApplied { policy, .. } => Some(policy.as_str()),
        _ => None,
    })
}

/// The policy in force on a ticket, or a fresh choice when none (or an
/// unknown one) was recorded.
pub(super) fn policy_for<'a, 'e>(
    config: &'a SlaConfig,
    events: impl DoubleEndedIterator<Item = &'e TicketEvent>,
    ticket: &crate::Ticket,
) -> Selected<'a> {
    policy_in_force(events)
        .and_then(|name| config.get(name))
        .unwrap_or_else(|| config.select(ticket))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Warning,
    Breached,
    Met,
}

/// The SLA events `status` calls for that `events` do not hold yet.
fn due_events<'a>(
    status: &SlaStatus,
    events: &(impl Iterator<Item = &'a TicketEvent> + Clone),
    now: DateTime<Utc>,
) -> Vec<EventKind> {
    let recorded = |kind: Kind, metric: Metric, cycle: u32| {
        events.clone().any(|e| match &e.kind {
            EventKind::SlaWarning {
                metric: m,
                cycle: c,
                ..
            } => kind == Kind::Warning && *m == metric && *c == cycle,
            EventKind::SlaBreached {
                metric: m,
                cycle: c,
                ..
            } => kind == Kind::Breached && *m == metric && *c == cycle,
            EventKind::SlaMet {
                metric: m,
                cycle: c,
                ..
            } => kind == Kind::Met && *m == metric && *c == cycle,
            _ => false,
        })
    };
    let mut out = Vec::new();
    for s in &status.metrics {
        let m = s.metric;
        if let Some(p) = s.previous {
            if let (MetricState::Met, Some(at)) = (p.state, p.completed_at) {
                if !recorded(Kind::Met, m, p.cycle) {
                    out.push(EventKind::SlaMet {
                        metric: m,
                        cycle: p.cycle,
                        at,
                    });
                }
            }
            if let Some(due) = p.breached_at {
                if !recorded(Kind::Breached, m, p.cycle) {
                    out.push(EventKind::SlaBreached {
                        metric: m,
                        cycle: p.cycle,
                        due,
                    });
                }
            }
        }
        if s.cycle == 0 {
            continue;
        }
        match s.state {
            MetricState::Met => {
                if let Some(at) = s.met_at {
                    if !recorded(Kind::Met, m, s.cycle) {
                        out.push(EventKind::SlaMet {
                            metric: m,
                            cycle: s.cycle,
                            at,
                        });
                    }
                }
            }
            MetricState::Running => {
                if let (Some(w), Some(due)) = (s.warn_at, s.due) {
                    if w <= now
                        && !recorded(Kind::Warning, m, s.cycle)
                        && !recorded(Kind::Breached, m, s.cycle)
                    {
                        out.push(EventKind::SlaWarning {
                            metric: m,
                            cycle: s.cycle,
                            due,
                        });
                    }
                }
            }
            _ => {}
        }
        if let Some(due) = s.breached_at {
            if !recorded(Kind::Breached, m, s.cycle) {
                out.push(EventKind::SlaBreached {
                    metric: m,
                    cycle: s.cycle,
                    due,
                });
            }
        }
    }
    out
}

/// The acknowledgment's promise, e.g. "within 4 business hours, by Mon 2026-03-09 10:00 EDT".
fn promise(status: &SlaStatus, selected: Selected<'_>) -> Option<String> {
    let fr = status.metric(Metric::FirstResponse);
    let (target, due) = (fr.target?, fr.due?);
    let business = if matches!(selected.policy.calendar, CalendarRef::AlwaysOpen) {
        ""
    } else {
        "business "
    };
    let secs = target.num_seconds();
    let amount = match (secs % 3600, secs % 60) {
        (0, _) => plural(secs / 3600, &format!("{business}hour")),
        (_, 0) => plural(secs / 60, &format!("{business}minute")),
        _ => format!(
            "{} of {business}time",
            crate::BusinessDuration::from_secs(secs)
        ),
    };
    Some(format!(
        "within {amount}, by {}",
        local(due, selected.calendar)
    ))
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// An instant as people at the desk read it, e.g. `Mon 2026-03-09 10:00 EDT`.
pub(super) fn local(t: DateTime<Utc>, calendar: &BusinessCalendar) -> String {
    t.with_timezone(&calendar.time_zone())
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The staff notification for an SLA warning or breach: to the assignee,
/// or the group when nobody is assigned.
fn sla_notification(
    draft: &Draft,
    e: &TicketEvent,
    calendar: &BusinessCalendar,
) -> Option<Notification> {
    let (kind, metric, due, what) = match &e.kind {
        EventKind::SlaWarning { metric, due, .. } => {
            (NotificationKind::SlaWarning, *metric, *due, "is due soon")
        }
        EventKind::SlaBreached { metric, due, .. } => (
            NotificationKind::SlaBreached,
            *metric,
            *due,
            "missed its target",
        ),
        _ => return None,
    };
    let t = &draft.ticket;
    let to = match (t.assignee, &t.group) {
        (Some(a), _) => Recipient::Agent { id: a },
        (None, Some(g)) => Recipient::Group { id: g.clone() },
        (None, None) => return None,
    };
    let r = t.reference;
    let due = local(due, calendar);
    let label = metric.label();
    Some(notification(
        t,
        e,
        to,
        kind,
        format!("[{r}] SLA: {label} {what} ({due})"),
        format!(
            "The {label} of ticket {r} \"{}\" ({}) {what}: due {due}.",
            t.subject, t.priority
        ),
    ))
}
