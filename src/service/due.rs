//! The time-driven engine: [`HelpDesk::run_due`] fires the escalation
//! levels and update reminders that have come due.
//!
//! Only tickets whose stored deadline has passed are touched: they are
//! claimed from the store's deadline index with a lease, so the cost grows
//! with the due tickets, not the open ones, and several nodes can run the
//! engine at once. Exactly-once effects rest on three things: the claim
//! (two callers never get the same ticket while its lease lasts), optimistic
//! concurrency (a commit based on a stale version fails and is re-planned
//! from a fresh load), and the fired levels being events (a re-plan never
//! fires a level that already fired in the cycle).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{Draft, HelpDesk};
use crate::error::Result;
use crate::escalation::{
    EscalationAction, EscalationConfig, EscalationLevel, EscalationPolicy, History, Metric,
    NotifyTarget, PlannedLevel, Raise, ReassignTarget, Supervisor, Trigger,
};
use crate::id::TicketId;
use crate::notify::plan::{notification, subject_line, ticket_line};
use crate::notify::{Notification, NotificationKind, Recipient};
use crate::priority::PriorityOrigin;
use crate::text::{Rfc3339, text};
use crate::ticket::{EventActor, EventKind, FieldChange, Ticket, TicketEvent};

/// How long a claimed ticket stays hidden from other runners.
const DUE_LEASE: Duration = Duration::minutes(2);

/// What one [`HelpDesk::run_due`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunReport {
    /// Tickets claimed from the deadline index.
    pub claimed: usize,
    /// Escalation levels fired.
    pub fired: usize,
    /// Update reminders sent.
    pub reminders: usize,
    /// Claimed tickets with nothing to do (their deadline was moved on).
    pub idle: usize,
    /// Tickets that failed, with the error; their lease runs out and they are retried.
    pub failed: Vec<(TicketId, String)>,
}

/// The escalation state of a ticket: its policy's plan and update reminder.
struct Work<'a> {
    policy: &'a EscalationPolicy,
    planned: Vec<PlannedLevel>,
    update: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Work<'_> {
    fn next(&self) -> Option<DateTime<Utc>> {
        let level = self.planned.first().map(|p| p.fire_at);
        let update = self.update.map(|u| u.1);
        level.into_iter().chain(update).min()
    }
}

impl HelpDesk {
    /// Fires the escalation levels and update reminders due at `now`, for up
    /// to `limit` tickets (earliest deadline first). Safe to call often, and
    /// from several desks sharing one store at once: every level fires once.
    ///
    /// ```
    /// use chrono::Utc;
    /// use helpdesk::HelpDesk;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let desk = HelpDesk::builder().build()?;
    /// let report = desk.run_due(Utc::now(), 100).await?;
    /// assert_eq!(report.claimed, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn run_due(&self, now: DateTime<Utc>, limit: usize) -> Result<RunReport> {
        let ids = self
            .inner
            .store
            .claim_due(now, limit, now + DUE_LEASE)
            .await?;
        let mut report = RunReport {
            claimed: ids.len(),
            ..RunReport::default()
        };
        for id in ids {
            match self.run_one(id, now).await {
                Ok((0, 0)) => report.idle += 1,
                Ok((fired, reminders)) => {
                    report.fired += fired;
                    report.reminders += reminders;
                }
                Err(e) => report.failed.push((id, e.to_string())),
            }
        }
        Ok(report)
    }

    /// Fires what is due on one claimed ticket; returns (levels fired, reminders).
    async fn run_one(&self, id: TicketId, now: DateTime<Utc>) -> Result<(usize, usize)> {
        self.retrying(|| async move {
            // The snapshot is the fold of the timeline; replaying it saves a
            // second store read per ticket.
            let events = Arc::new(self.inner.store.timeline(id).await?);
            if events.is_empty() {
                return Ok((0, 0));
            }
            let ticket = Ticket::replay(&events)?;
            let mut d = Draft::on(ticket, now, EventActor::System);
            d.stored = Some(events.clone());
            let (mut fired, mut reminders) = (0, 0);
            let max_steps = self.inner.escalation.as_ref().map_or(0, |e| {
                e.policies.iter().map(|p| p.levels.len()).sum::<usize>()
            });
            // Each step fires one level that has not fired in this cycle, so
            // the loop ends. The plan is remade after a level whose actions
            // may change the rest (a raised priority, a new group); after any
            // other, the rest of the plan stands.
            let mut work = self.work(&d.ticket, &events, &d.events, now)?;
            for _ in 0..=max_steps {
                let Some(w) = work.as_mut() else {
                    d.escalation_next = Some((d.ticket.version, None));
                    break;
                };
                let due = w.planned.first().filter(|p| p.fire_at <= now).cloned();
                if let Some(level) = due {
                    let policy = w.policy;
                    let def = &policy.levels[level.index];
                    self.fire(&mut d, policy, def, &level).await?;
                    fired += 1;
                    if self.changes_plan(def) {
                        work = self.work(&d.ticket, &events, &d.events, now)?;
                    } else {
                        w.planned.remove(0);
                        #[cfg(debug_assertions)]
                        self.check_kept_plan(w, &d, &events, now)?;
                    }
                    continue;
                }
                // This last plan is the one derive would make for the commit
                // (same events, same instant); a reminder recorded below
                // moves the version on and so discards it.
                d.escalation_next = Some((d.ticket.version, w.next()));
                if let Some((since, _)) = w.update.filter(|u| u.1 <= now) {
                    d.record(EventKind::UpdateDue { since })?;
                    reminders += 1;
                }
                break;
            }
            if !d.is_changed() {
                // SLA warnings and breaches that are due get recorded here.
                let derived = self.derive(&mut d).await?;
                if !d.is_changed() {
                    self.inner
                        .store
                        .release_due(id, d.ticket.version, derived.next_deadline)
                        .await?;
                    return Ok((0, 0));
                }
            }
            // Nobody reads the snapshot: skip its copy.
            self.write(vec![d], false).await?;
            Ok((fired, reminders))
        })
        .await
    }

    /// Whether firing `level` may change the plan of the levels after it:
    /// its actions change what planning reads (the priority, the group and
    /// assignee, or tags when some condition looks at tags). Notifying and
    /// adding a watcher never do; the `Escalated` event itself only marks
    /// the level fired.
    fn changes_plan(&self, level: &EscalationLevel) -> bool {
        level.actions.iter().any(|a| match a {
            EscalationAction::Notify(_) | EscalationAction::AddWatcher(_) => false,
            EscalationAction::AddTag(_) => {
                // An SLA policy chosen afresh may look at tags too.
                self.inner.sla.is_some()
                    || self
                        .inner
                        .escalation
                        .as_ref()
                        .is_some_and(EscalationConfig::reads_tags)
            }
            EscalationAction::Reassign(_) | EscalationAction::RaisePriority(_) => true,
        })
    }

    /// Debug builds check every kept plan against a fresh one, so that the
    /// test suite proves `changes_plan` right.
    #[cfg(debug_assertions)]
    fn check_kept_plan(
        &self,
        kept: &Work<'_>,
        d: &Draft,
        stored: &[TicketEvent],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let fresh = self.work(&d.ticket, stored, &d.events, now)?;
        let fresh = fresh
            .as_ref()
            .map(|f| (f.policy.name.as_str(), &f.planned, f.update));
        assert_eq!(
            fresh,
            Some((kept.policy.name.as_str(), &kept.planned, kept.update)),
            "a kept escalation plan differs from a fresh one"
        );
        Ok(())
    }

    /// The escalation plan of a ticket, given its full timeline (`stored`
    /// then `new` events). Targets come from the escalation configuration,
    /// or else from the SLA policy in force evaluated at `now`.
    fn work<'a>(
        &'a self,
        ticket: &Ticket,
        stored: &[TicketEvent],
        new: &[TicketEvent],
        now: DateTime<Utc>,
    ) -> Result<Option<Work<'a>>> {
        let Some(config) = &self.inner.escalation else {
            return Ok(None);
        };
        let Some(policy) = config.policy_for(ticket) else {
            return Ok(None);
        };
        let history = History::read(stored.iter().chain(new), &self.inner.lifecycle);
        if history.is_done() {
            return Ok(None);
        }
        let calendar = config.calendar_of(policy);
        let own = |m| config.targets.get(m, ticket.priority);
        let sla = match &self.inner.sla {
            Some(sla)
                if own(Metric::FirstResponse).is_none() || own(Metric::Resolution).is_none() =>
            {
                let all = || stored.iter().chain(new);
                let selected = super::derive::policy_for(sla, all(), ticket);
                Some(crate::sla::evaluate_events(
                    selected.policy,
                    selected.calendar,
                    &self.inner.lifecycle,
                    all(),
                    now,
                )?)
            }
            _ => None,
        };
        let clocks = history.clocks_with(|m| {
            own(m).or_else(|| {
                let theirs = match m {
                    Metric::FirstResponse => crate::sla::Metric::FirstResponse,
                    Metric::Resolution => crate::sla::Metric::Resolution,
                };
                sla.as_ref().and_then(|s| s.metric(theirs).target)
            })
        });
        let planned = policy.plan(ticket, &clocks, &history.fired, &calendar)?;
        let update = match policy.update_every {
            Some(every) if ticket.assignee.is_some() || ticket.group.is_some() => {
                history.update_due(&calendar, every.as_duration())?
            }
            _ => None,
        };
        Ok(Some(Work {
            policy,
            planned,
            update,
        }))
    }

    /// The deadline a commit stores for `d`'s ticket, whose stored
    /// timeline is `stored`.
    pub(super) fn escalation_deadline(
        &self,
        d: &Draft,
        stored: &[TicketEvent],
    ) -> Result<Option<DateTime<Utc>>> {
        if self.inner.escalation.is_none() {
            return Ok(None);
        }
        if let Some(super::draft::Planned(next)) = d.planned_deadline() {
            return Ok(next);
        }
        Ok(self
            .work(&d.ticket, stored, &d.events, d.at)?
            .and_then(|w| w.next()))
    }

    /// Fires one level: applies its actions, then records `Escalated`.
    async fn fire(
        &self,
        d: &mut Draft,
        policy: &EscalationPolicy,
        level: &EscalationLevel,
        planned: &PlannedLevel,
    ) -> Result<()> {
        let mut done = Vec::new();
        let mut notified: Vec<Recipient> = Vec::new();
        for action in &level.actions {
            match action {
                EscalationAction::Notify(targets) => {
                    for t in targets {
                        match self.recipient(t, &d.ticket) {
                            Some(r) if !notified.contains(&r) => notified.push(r),
                            Some(_) => {}
                            None => done.push(format!("nobody to notify as {}", target_name(t))),
                        }
                    }
                }
                EscalationAction::Reassign(target) => {
                    done.push(self.reassign(d, target, &level.name).await?);
                }
                EscalationAction::RaisePriority(raise) => {
                    let from = d.ticket.priority;
                    let to = match raise {
                        Raise::OneStep => from.raised(),
                        // More urgent sorts first, so the more urgent of the two is the min.
                        Raise::To(p) => (*p).min(from),
                    };
                    if to == from {
                        done.push(format!("priority already {from}"));
                    } else {
                        let origin = PriorityOrigin::Escalation {
                            level: level.name.clone(),
                        };
                        d.record(EventKind::PriorityChanged {
                            from,
                            to,
                            explanation: format!(
                                "priority {} {origin}",
                                self.inner.classifier.label(to)
                            ),
                            origin,
                        })?;
                        done.push(format!("priority raised from {from} to {to}"));
                    }
                }
                EscalationAction::AddTag(tag) => {
                    if !d.ticket.tags.contains(tag) {
                        d.record(EventKind::FieldChanged {
                            change: FieldChange::Tags {
                                added: BTreeSet::from([tag.clone()]),
                                removed: BTreeSet::new(),
                            },
                        })?;
                        done.push(text(&[&"tagged `", tag, &"`"]));
                    }
                }
                EscalationAction::AddWatcher(agent) => {
                    if !d.ticket.watchers.contains(agent) {
                        d.record(EventKind::WatcherAdded { agent: *agent })?;
                        done.push(format!("agent {agent} watches"));
                    }
                }
            }
        }
        d.record(EventKind::Escalated {
            level: level.name.clone(),
            policy: policy.name.clone(),
            cycle: planned.cycle,
            actions: done,
            notified,
            manual: false,
            reason: text(&[
                &trigger_text(level.trigger),
                &" (due ",
                &Rfc3339(planned.fire_at),
                &")",
            ]),
        })
    }

    async fn reassign(
        &self,
        d: &mut Draft,
        target: &ReassignTarget,
        level: &str,
    ) -> Result<String> {
        let Some(routing) = &self.inner.routing else {
            return Ok("not moved: no routing configuration".into());
        };
        let to = match target {
            ReassignTarget::NextTier => match &d.ticket.group {
                Some(g) => routing.next_tier(g),
                None => None,
            },
            ReassignTarget::Group(g) => routing.group(g),
        };
        let Some(to) = to else {
            return Ok("not moved: the group has no next tier".into());
        };
        if d.ticket.group.as_ref() == Some(&to.id) {
            return Ok(format!("already in {}", to.id));
        }
        let pick = self.pick_in(&to.id, &BTreeSet::new(), d.at).await?;
        let from = d
            .ticket
            .group
            .as_ref()
            .map_or_else(|| "no group".to_owned(), ToString::to_string);
        let how = pick
            .as_ref()
            .map_or_else(|| "left in the queue".to_owned(), |c| c.reason.clone());
        d.record(EventKind::Routed {
            group: Some(to.id.clone()),
            assignee: pick.map(|c| c.agent),
            reason: format!("escalation `{level}`: moved from {from}; {how}"),
        })?;
        Ok(format!("moved from {from} to {}", to.id))
    }

    fn recipient(&self, t: &NotifyTarget, ticket: &Ticket) -> Option<Recipient> {
        match t {
            NotifyTarget::Assignee => ticket.assignee.map(|id| Recipient::Agent { id }),
            NotifyTarget::GroupLead => {
                let g = ticket.group.as_ref()?;
                let lead = self.inner.routing.as_ref()?.group(g)?.lead?;
                Some(Recipient::Agent { id: lead })
            }
            NotifyTarget::Supervisor => {
                match self.inner.escalation.as_ref()?.supervisor.as_ref()? {
                    Supervisor::Agent(id) => Some(Recipient::Agent { id: *id }),
                    Supervisor::Address(a) => Some(Recipient::Address { address: a.clone() }),
                }
            }
            NotifyTarget::Requester => Some(Recipient::Requester {
                id: ticket.requester.id,
                email: ticket.requester.email.clone(),
            }),
            NotifyTarget::Group => ticket.group.clone().map(|id| Recipient::Group { id }),
            NotifyTarget::Address(a) => Some(Recipient::Address { address: a.clone() }),
        }
    }

    /// Notifications for the events routing and escalation record, which the
    /// event planner does not know about.
    pub(super) fn own_notifications(d: &Draft) -> Vec<Notification> {
        let t = &d.ticket;
        let (r, subj) = (t.reference, &t.subject);
        let mut out = Vec::new();
        for e in &d.events {
            match &e.kind {
                EventKind::Routed {
                    group, assignee, ..
                } => {
                    if let Some(a) = assignee {
                        out.push(notification(
                            t,
                            e,
                            Recipient::Agent { id: *a },
                            NotificationKind::Assigned,
                            subject_line(r, "Assigned to you: ", subj),
                            ticket_line(r, t.priority, "was assigned to you."),
                        ));
                    } else if let Some(g) = group {
                        out.push(notification(
                            t,
                            e,
                            Recipient::Group { id: g.clone() },
                            NotificationKind::Queued,
                            subject_line(r, "New in your queue: ", subj),
                            ticket_line(r, t.priority, "is in your queue."),
                        ));
                    }
                }
                EventKind::Escalated {
                    level,
                    actions,
                    notified,
                    reason,
                    ..
                } => {
                    for to in notified {
                        let body = if matches!(to, Recipient::Requester { .. }) {
                            format!(
                                "Your ticket {r} \"{subj}\" has been escalated; we are giving it extra attention."
                            )
                        } else {
                            format!(
                                "Ticket {r} ({}) was escalated ({level}): {reason}.\n{}",
                                t.priority,
                                actions.join("\n")
                            )
                        };
                        out.push(notification(
                            t,
                            e,
                            to.clone(),
                            NotificationKind::Escalated,
                            subject_line(r, "Escalated: ", subj),
                            body,
                        ));
                    }
                }
                EventKind::UpdateDue { since } => {
                    let to = match (t.assignee, &t.group) {
                        (Some(id), _) => Recipient::Agent { id },
                        (None, Some(g)) => Recipient::Group { id: g.clone() },
                        (None, None) => continue,
                    };
                    out.push(notification(
                        t,
                        e,
                        to,
                        NotificationKind::UpdateDue,
                        subject_line(r, "Customer update due: ", subj),
                        format!(
                            "The customer of {r} has had no update since {}; please let them know where things stand.",
                            since.format("%Y-%m-%d %H:%M UTC")
                        ),
                    ));
                }
                _ => {}
            }
        }
        out
    }
}

fn target_name(t: &NotifyTarget) -> &str {
    match t {
        NotifyTarget::Assignee => "assignee",
        NotifyTarget::GroupLead => "group lead",
        NotifyTarget::Supervisor => "supervisor",
        NotifyTarget::Requester => "requester",
        NotifyTarget::Group => "group",
        NotifyTarget::Address(a) => a,
    }
}

fn trigger_text(t: Trigger) -> String {
    match t {
        Trigger::Percent { metric, percent } => text(&[
            &u64::from(percent),
            &"% of the ",
            &metric.as_str(),
            &" target elapsed",
        ]),
        Trigger::BeforeDue { metric, offset } => text(&[
            &offset.to_string(),
            &" before the ",
            &metric.as_str(),
            &" due",
        ]),
        Trigger::AtBreach { metric } => text(&[&metric.as_str(), &" target breached"]),
        Trigger::AfterBreach { metric, offset } => text(&[
            &offset.to_string(),
            &" after the ",
            &metric.as_str(),
            &" breach",
        ]),
    }
}
