//! SLA queries and the time-driven refresh the escalation worker calls.

use super::HelpDesk;
use super::commands::staff;
use super::derive::policy_for;
use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::id::TicketId;
use crate::sla::{SlaStatus, evaluate};
use crate::ticket::Ticket;

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
    ///     .portal(ada)
    ///     .open(NewTicket::new(Requester::new(ada, "Ada"), Channel::Portal, "VPN down", "Since 9am."))
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
        staff(actor, Action::ViewSla)?;
        let ticket = self.load_visible(actor, id).await?;
        actor.authorize(Action::ViewSla, Some(&ticket))?;
        let config = self.inner.sla.as_ref().ok_or(Error::NotConfigured {
            what: "SLA policy",
            how: "add one with HelpDeskBuilder::sla or an [sla] table in the desk configuration",
        })?;
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

    /// Brings one ticket's time-driven state up to the clock now: what
    /// [`run_due`](Self::run_due) does for each ticket it claims (records the
    /// SLA warnings and breaches whose instants have passed, fires the
    /// escalation levels due, stores the next deadline). Returns the
    /// updated ticket, or `None` when nothing was due.
    pub async fn refresh_time_driven(&self, id: TicketId) -> Result<Option<Ticket>> {
        match self.run_one(id, self.inner.clock.now()).await? {
            super::due::Outcome::Idle => Ok(None),
            _ => self.inner.store.load(id).await,
        }
    }
}
