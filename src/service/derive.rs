//! What the desk derives from a ticket's events before each commit: the
//! SLA clocks and the escalation plan, read off one SLA evaluation, and the
//! schedule the store indexes.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Draft, HelpDesk};
use crate::BusinessDuration;
use crate::error::Result;
use crate::escalation::{PlannedLevel, fired_levels};
use crate::notify::Promise;
use crate::sla::{
    CalendarRef, Metric, MetricState, Reached, SlaConfig, SlaStatus, clock_reads, evaluate_events,
};
use crate::store::Schedule;
use crate::ticket::{EventActor, EventKind, Ticket, TicketEvent};

/// The derived part of a commit for one ticket.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Derived {
    /// What the store indexes: the next deadline, the SLA due and policy.
    pub(crate) schedule: Schedule,
    /// The first-response promise, for a new ticket's acknowledgment.
    pub(crate) first_response: Option<Promise>,
    /// The SLA calendar's time zone, where notifications show instants.
    pub(crate) time_zone: Option<chrono_tz::Tz>,
    /// The escalation policy in force and its unfired levels.
    pub(crate) escalation: Option<Escalation>,
    /// The SLA clocks' own next deadline (a warning or a due), before the
    /// levels' are added.
    sla_deadline: Option<DateTime<Utc>>,
    /// The satisfaction survey the ticket waits for (its due is part of
    /// the next deadline).
    pub(crate) survey: Option<crate::survey::Invitation>,
}

/// The escalation part of [`Derived`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Escalation {
    /// The policy's index in the escalation configuration.
    pub(crate) policy: usize,
    /// When each of its levels' points is reached, from the SLA evaluation.
    reached: Vec<Reached>,
    /// Its unfired levels, earliest first.
    pub(crate) plan: Vec<PlannedLevel>,
}

impl Derived {
    /// The first level due at `now`, if any: its policy's index and the plan.
    pub(crate) fn due_level(&self, now: DateTime<Utc>) -> Option<(usize, &PlannedLevel)> {
        let e = self.escalation.as_ref()?;
        e.plan
            .first()
            .filter(|p| p.fire_at <= now)
            .map(|p| (e.policy, p))
    }
}

impl HelpDesk {
    /// Derives the draft's time-driven state at its instant.
    ///
    /// With SLA policies configured: chooses the policy (recording
    /// `SlaPolicyApplied` when the choice differs from the one in force),
    /// evaluates the full history once, with the escalation policy's
    /// trigger points watched, records the `SlaMet`, `SlaWarning` and
    /// `SlaBreached` events not recorded before (the recorded events are the
    /// memory that makes each happen once per metric and cycle), and plans
    /// the unfired levels. The next deadline is the earliest of the SLA's and
    /// the next level's. Without SLA policies nothing is time-driven.
    pub(super) async fn derive(&self, d: &mut Draft) -> Result<Derived> {
        let mut derived = match &self.inner.sla {
            Some(sla) => self.derive_sla(sla, d).await?,
            None => Derived::default(),
        };
        // A resolved ticket's survey invitation is time-driven work too.
        derived.survey = self.survey_due(d).await?;
        if let Some(s) = derived.survey {
            let next = &mut derived.schedule.next_deadline;
            *next = Some(next.map_or(s.due_at, |n| n.min(s.due_at)));
        }
        Ok(derived)
    }

    /// [`derive`](Self::derive) again after a level fired, where `before`
    /// was derived just before it and the draft's events from `from` on are
    /// what firing recorded.
    ///
    /// Most levels record nothing the SLA clocks read (a tag, a watcher, a
    /// move, the `Escalated` record itself) and change neither policy's
    /// choice; then the evaluation cannot have changed, and only the levels
    /// are planned again. In `run_due` that is a fifth of each due ticket's
    /// work (callgrind, escalation bench: 28.6k instructions per due ticket
    /// with a second full derivation, 22.3k with this). Debug builds check
    /// the shortcut against the full derivation.
    pub(super) async fn derive_after_fire(
        &self,
        d: &mut Draft,
        before: Derived,
        from: usize,
    ) -> Result<Derived> {
        let (Some(sla), Some(config)) = (&self.inner.sla, &self.inner.escalation) else {
            return self.derive(d).await;
        };
        let unchanged = |e: &Escalation| {
            !d.events[from..].iter().any(|e| clock_reads(&e.kind))
                && before.schedule.sla_policy.as_deref()
                    == Some(sla.select(&d.ticket).policy.name.as_str())
                && config
                    .policies
                    .iter()
                    .position(|p| p.when.matches(&d.ticket))
                    == Some(e.policy)
        };
        let Some(escalation) = before.escalation.filter(unchanged) else {
            return self.derive(d).await;
        };
        let stored = self.stored_timeline(d).await?;
        let stored: &[TicketEvent] = stored.as_deref().map_or(&[], Vec::as_slice);
        let fired = fired_levels(stored.iter().chain(&d.events));
        let policy = &config.policies[escalation.policy];
        let plan = policy.plan(&d.ticket, &escalation.reached, &fired);
        let next_level = plan.first().map(|p| p.fire_at);
        let derived = Derived {
            schedule: Schedule {
                next_deadline: before
                    .sla_deadline
                    .into_iter()
                    .chain(next_level)
                    .chain(before.survey.map(|s| s.due_at))
                    .min(),
                ..before.schedule
            },
            escalation: Some(Escalation { plan, ..escalation }),
            ..before
        };
        // Checked against the full derive in this crate's own test runs
        // (debug builds with `test-util`), never in an application's build.
        #[cfg(all(debug_assertions, feature = "test-util"))]
        {
            let mut full = d.clone();
            let expected = Box::pin(self.derive(&mut full)).await?;
            assert_eq!(derived, expected, "the shortcut after firing a level");
            assert_eq!(
                full.events.len(),
                d.events.len(),
                "records after firing a level"
            );
        }
        Ok(derived)
    }

    async fn derive_sla(&self, sla: &SlaConfig, d: &mut Draft) -> Result<Derived> {
        let stored = self.stored_timeline(d).await?;
        let stored: &[TicketEvent] = stored.as_deref().map_or(&[], Vec::as_slice);
        let selected = sla.select(&d.ticket);
        if policy_in_force(stored.iter().chain(&d.events)) != Some(selected.policy.name.as_str()) {
            d.record_as(
                EventActor::System,
                EventKind::SlaPolicyApplied {
                    policy: selected.policy.name.clone(),
                    reason: selected.reason(),
                },
            )?;
        }
        let escalation = self.inner.escalation.as_ref().and_then(|e| {
            let i = e.policies.iter().position(|p| p.when.matches(&d.ticket))?;
            Some((i, &e.policies[i]))
        });
        let watches = escalation.map(|(_, p)| p.watches()).unwrap_or_default();
        let (status, reached) = evaluate_events(
            selected.policy,
            selected.calendar,
            &self.inner.lifecycle,
            stored.iter().chain(&d.events),
            d.at,
            &watches,
        )?;
        let due = due_events(&status, stored.iter().chain(&d.events), d.at);
        for kind in due {
            d.record_as(EventActor::System, kind)?;
        }
        let escalation = escalation.map(|(policy, p)| {
            let fired = fired_levels(stored.iter().chain(&d.events));
            let plan = p.plan(&d.ticket, &reached, &fired);
            Escalation {
                policy,
                reached,
                plan,
            }
        });
        let next_level = escalation
            .as_ref()
            .and_then(|e| e.plan.first().map(|p| p.fire_at));
        let next_deadline = status.next_deadline.into_iter().chain(next_level).min();
        let first_response = d.base_version.is_none().then(|| {
            let fr = status.metric(Metric::FirstResponse);
            Some(Promise {
                target: BusinessDuration::from_secs(fr.target?.num_seconds()),
                due: fr.due?,
                business_hours: !matches!(selected.policy.calendar, CalendarRef::AlwaysOpen),
            })
        });
        Ok(Derived {
            schedule: Schedule::deadline(next_deadline)
                .sla(status.next_due, Some(selected.policy.name.clone())),
            first_response: first_response.flatten(),
            time_zone: Some(selected.calendar.time_zone()),
            escalation,
            sla_deadline: status.next_deadline,
            survey: None,
        })
    }

    /// The stored timeline the draft is based on: read from the store once
    /// per command and kept on the draft.
    pub(super) async fn stored_timeline(
        &self,
        d: &mut Draft,
    ) -> Result<Option<Arc<Vec<TicketEvent>>>> {
        let Some(version) = d.base_version else {
            return Ok(None);
        };
        if d.stored.is_none() {
            let mut t = self.inner.store.timeline(d.ticket.id).await?;
            // A concurrent writer's newer events would fail the commit
            // anyway; derive from what this draft is based on.
            t.truncate(usize::try_from(version).unwrap_or(usize::MAX));
            d.stored = Some(Arc::new(t));
        }
        Ok(d.stored.clone())
    }
}

/// The name of the SLA policy last applied to the ticket.
pub(super) fn policy_in_force<'a>(
    events: impl DoubleEndedIterator<Item = &'a TicketEvent>,
) -> Option<&'a str> {
    events.rev().find_map(|e| match &e.kind {
        EventKind::SlaPolicyApplied { policy, .. } => Some(policy.as_str()),
        _ => None,
    })
}

/// The SLA policy in force on a ticket, or a fresh choice when none (or an
/// unknown one) was recorded.
pub(super) fn policy_for<'a, 'e>(
    config: &'a SlaConfig,
    events: impl DoubleEndedIterator<Item = &'e TicketEvent>,
    ticket: &Ticket,
) -> crate::sla::Selected<'a> {
    policy_in_force(events)
        .and_then(|name| config.get(name))
        .unwrap_or_else(|| config.select(ticket))
}

/// An SLA record on the timeline: its kind, metric and cycle.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Record {
    Warning,
    Breached,
    Met,
}

/// The SLA events `status` calls for that `events` do not hold yet.
///
/// A warning is recorded only while its metric still runs: when the desk
/// first looks after the due (the worker was down, say), the breach is
/// recorded and the warning, which can no longer help, is not.
fn due_events<'a>(
    status: &SlaStatus,
    events: impl Iterator<Item = &'a TicketEvent>,
    now: DateTime<Utc>,
) -> Vec<EventKind> {
    let recorded: Vec<(Record, Metric, u32)> = events
        .filter_map(|e| match &e.kind {
            EventKind::SlaWarning { metric, cycle, .. } => Some((Record::Warning, *metric, *cycle)),
            EventKind::SlaBreached { metric, cycle, .. } => {
                Some((Record::Breached, *metric, *cycle))
            }
            EventKind::SlaMet { metric, cycle, .. } => Some((Record::Met, *metric, *cycle)),
            _ => None,
        })
        .collect();
    let has = |r: Record, m: Metric, c: u32| recorded.contains(&(r, m, c));
    let mut out = Vec::new();
    for s in &status.metrics {
        let m = s.metric;
        if let Some(p) = s.previous {
            if let (MetricState::Met, Some(at)) = (p.state, p.completed_at)
                && !has(Record::Met, m, p.cycle)
            {
                out.push(EventKind::SlaMet {
                    metric: m,
                    cycle: p.cycle,
                    at,
                });
            }
            if let Some(due) = p.breached_at
                && !has(Record::Breached, m, p.cycle)
            {
                out.push(EventKind::SlaBreached {
                    metric: m,
                    cycle: p.cycle,
                    due,
                });
            }
        }
        if s.cycle == 0 {
            continue;
        }
        match s.state {
            MetricState::Met => {
                if let Some(at) = s.met_at
                    && !has(Record::Met, m, s.cycle)
                {
                    out.push(EventKind::SlaMet {
                        metric: m,
                        cycle: s.cycle,
                        at,
                    });
                }
            }
            MetricState::Running => {
                if let (Some(w), Some(due)) = (s.warn_at, s.due)
                    && w <= now
                    && !has(Record::Warning, m, s.cycle)
                    && !has(Record::Breached, m, s.cycle)
                {
                    out.push(EventKind::SlaWarning {
                        metric: m,
                        cycle: s.cycle,
                        due,
                    });
                }
            }
            _ => {}
        }
        if let Some(due) = s.breached_at
            && !has(Record::Breached, m, s.cycle)
        {
            out.push(EventKind::SlaBreached {
                metric: m,
                cycle: s.cycle,
                due,
            });
        }
    }
    out
}
