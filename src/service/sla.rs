//! SLA queries and the time-driven refresh the escalation worker calls.

use super::derive::policy_for;
use super::{Draft, HelpDesk};
use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::id::TicketId;
use crate::sla::{SlaStatus, evaluate};
use crate::ticket::{EventActor, Ticket};

impl HelpDesk {
    /// The SLA status of a ticket now (at the desk clock's instant), under
    /// the policy in force on it. Staff only.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use chrono::{Duration, Utc};
    /// use helpdesk::sla::{Metric, MetricState, SlaConfig};
    /// use helpdesk::{Actor, AgentId, Channel, CustomerId, HelpDesk, ManualClock, NewTicket, Requester};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let clock = Arc::new(ManualClock::new("2026-03-02T14:00:00Z".parse()?));
    /// let desk = HelpDesk::builder()
    ///     .clock(clock.clone())
    ///     .sla(SlaConfig::from_toml(r#"
    ///         default = "standard"
    ///         [[policies]]
    ///         name = "standard"
    ///         first_response = { target = "4h" }
    ///     "#)?)
    ///     .build()?;
    /// let ada = CustomerId::new();
    /// let t = desk
    ///     .open(&Actor::requester(ada), NewTicket::new(
    ///         Requester::new(ada, "Ada"), Channel::Portal, "VPN down", "Since 9am."))
    ///     .await?;
    /// clock.advance(Duration::hours(1));
    /// let status = desk.sla_status(&Actor::supervisor(AgentId::new()), t.id).await?;
    /// let fr = status.metric(Metric::FirstResponse);
    /// assert_eq!(fr.state, MetricState::Running);
    /// assert_eq!(fr.remaining, Some(Duration::hours(3)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn sla_status(&self, actor: &Actor, id: TicketId) -> Result<SlaStatus> {
        let ticket = self.load(id).await?;
        actor.authorize(Action::View, Some(&ticket))?;
        if !actor.is_staff() {
            return Err(Error::Forbidden {
                actor: actor.to_string(),
                action: format!("see the SLA status of {}", ticket.reference),
            });
        }
        let config = self
            .inner
            .sla
            .as_ref()
            .ok_or_else(|| Error::not_found("SLA configuration", "on this desk"))?;
        let events = self.inner.store.timeline(id).await?;
        let selected = policy_for(config, events.iter(), &ticket);
        evaluate(
            selected.policy,
            selected.calendar,
            &self.inner.lifecycle,
            &events,
            self.inner.clock.now(),
        )
    }

    /// Brings a ticket's time-driven state up to the clock: records the SLA
    /// warnings and breaches whose instants have passed (each once per
    /// metric and cycle) and notifies the assignee, or the group when
    /// nobody is assigned. The events go through the normal atomic commit,
    /// which recomputes and stores the ticket's next deadline.
    ///
    /// This is what the worker that claims due tickets from the store's
    /// deadline index (`Store::claim_due`) calls for each one. Returns the
    /// updated ticket, or `None` when nothing was due; in that case the
    /// recomputed deadline is stored with `Store::release_due`, which also
    /// ends a claim's lease. Without SLA policies it only does the latter
    /// (with no deadline).
    pub async fn refresh_time_driven(&self, id: TicketId) -> Result<Option<Ticket>> {
        self.retrying(|| async move {
            let ticket = self.load(id).await?;
            let mut draft = Draft::on(ticket, self.inner.clock.now(), EventActor::System);
            let derived = self.derive(&mut draft).await?;
            if !draft.is_changed() {
                self.inner
                    .store
                    .release_due(id, draft.ticket.version, derived.next_deadline)
                    .await?;
                return Ok(None);
            }
            // The commit derives again from the same draft: it finds the
            // events just recorded, adds none, and notifies about them.
            self.commit_one(draft).await.map(Some)
        })
        .await
    }
}
