//! The time-driven engine: [`HelpDesk::run_due`] records the SLA warnings
//! and breaches whose instants have passed and fires the escalation levels
//! that have come due.
//!
//! Only tickets whose stored deadline has passed are touched: they are
//! claimed from the store's deadline index with a lease, so the cost grows
//! with the due tickets, not the open ones, and several nodes can run the
//! engine at once. Exactly-once effects rest on three things: the claim
//! (two callers never get the same ticket while its lease lasts), optimistic
//! concurrency (a commit based on a stale version fails and is re-planned
//! from a fresh load), and the fired levels and SLA records being events
//! (a re-plan never records one twice).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tracing::Instrument;

use super::{Draft, HelpDesk};
use crate::error::{Error, Result};
use crate::escalation::{FireContext, fire, reassign_target};
use crate::id::TicketId;
use crate::ticket::Ticket;

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
    /// Tickets whose SLA warnings or breaches were recorded (without a level firing).
    pub recorded: usize,
    /// Claimed tickets with nothing to do (their deadline was moved on).
    pub idle: usize,
    /// Tickets that failed, with the error; their lease runs out and they are retried.
    pub failed: Vec<(TicketId, String)>,
}

/// What one claimed ticket came to.
pub(super) enum Outcome {
    Idle,
    Recorded,
    Fired(usize),
}

impl HelpDesk {
    /// Records what has come due at `now` (SLA warnings and breaches) and
    /// fires the escalation levels due, for up to `limit` tickets (earliest
    /// deadline first). Safe to call often, and from several desks sharing
    /// one store at once: every record and level happens once.
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
        let span = tracing::info_span!(
            "helpdesk.run_due",
            %now,
            limit,
            claimed = tracing::field::Empty,
            fired = tracing::field::Empty,
            failed = tracing::field::Empty,
        );
        let handle = span.clone();
        async move {
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
                    Ok(Outcome::Idle) => report.idle += 1,
                    Ok(Outcome::Recorded) => report.recorded += 1,
                    Ok(Outcome::Fired(n)) => report.fired += n,
                    Err(e) => {
                        tracing::warn!(ticket = %id, error = %e, "due work failed; retried when the lease ends");
                        report.failed.push((id, e.to_string()));
                    }
                }
            }
            let span = handle;
            span.record("claimed", report.claimed);
            span.record("fired", report.fired);
            span.record("failed", report.failed.len());
            Ok(report)
        }
        .instrument(span)
        .await
    }

    /// Records and fires what is due on one claimed ticket.
    pub(super) async fn run_one(&self, id: TicketId, now: DateTime<Utc>) -> Result<Outcome> {
        self.retrying(|| async move {
            // The snapshot is the fold of the timeline; replaying it saves a
            // second store read per ticket.
            let events = Arc::new(self.inner.store.timeline(id).await?);
            if events.is_empty() {
                return Err(Error::not_found("ticket", id));
            }
            let ticket = Ticket::replay(&events)?;
            let mut d = Draft::on(ticket, now);
            d.stored = Some(events);
            // Each step fires one level that has not fired in its cycle, so
            // the loop ends; it is bounded all the same.
            let max_steps = self.inner.escalation.as_ref().map_or(0, |e| {
                e.policies.iter().map(|p| p.levels.len()).sum::<usize>()
            });
            let mut fired = 0;
            let mut derived = self.derive(&mut d).await?;
            for _ in 0..max_steps {
                let Some((policy, planned)) = derived.due_level(now) else {
                    break;
                };
                let planned = planned.clone();
                let from = d.events.len();
                self.fire_level(&mut d, policy, &planned).await?;
                fired += 1;
                derived = self.derive_after_fire(&mut d, derived, from).await?;
            }
            if let Some(due) = derived.survey.filter(|s| s.due_at <= now) {
                self.invite(&mut d, due).await?;
                derived = self.derive(&mut d).await?;
            }
            if !d.is_changed() {
                self.inner
                    .store
                    .release_due(id, d.ticket.version, derived.schedule.next_deadline)
                    .await?;
                return Ok(Outcome::Idle);
            }
            d.keep_derived(derived);
            self.write(vec![d], None).await?;
            Ok(if fired > 0 {
                Outcome::Fired(fired)
            } else {
                Outcome::Recorded
            })
        })
        .await
    }

    /// Fires one planned level of policy `policy` (an index into the
    /// escalation configuration): picks the assignee where it moves the
    /// ticket, then records what the level does.
    async fn fire_level(
        &self,
        d: &mut Draft,
        policy: usize,
        planned: &crate::escalation::PlannedLevel,
    ) -> Result<()> {
        let config = self
            .inner
            .escalation
            .as_ref()
            .ok_or_else(|| Error::internal("a level was planned without escalation"))?;
        let policy = &config.policies[policy];
        let level = &policy.levels[planned.index];
        let routing = self.inner.routing.as_ref();
        let pick = match reassign_target(level, &d.ticket, routing) {
            Some(g) => self.pick_in(&g.id, &BTreeSet::new(), d.at).await?,
            None => None,
        };
        let ctx = FireContext {
            routing,
            supervisor: config.supervisor.as_ref(),
            classifier: &self.inner.classifier,
            pick: pick.as_ref(),
        };
        d.record_all(fire(&d.ticket, policy, level, planned, &ctx))
    }
}
