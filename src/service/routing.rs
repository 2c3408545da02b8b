//! Routing on open, assignment within a group, and escalation by hand.
//!
//! Which group and which agent are decided by the pure routing rules
//! ([`RoutingConfig`]); the desk gathers what they need from the store:
//! agents' loads (open tickets), counted by the store (`assignee = agent`,
//! status not of category `done`), which is correct on every node and after
//! restarts, since it reads the same data every writer writes, and cheap,
//! since every back end indexes assignees. Loads are counted only for
//! strategies that need them (least open, skills) or agents with a capacity.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::commands::staff;
use super::{Draft, HelpDesk, single};
use crate::access::{Action, Actor, Visibility};
use crate::error::{Error, Result};
use crate::escalation::escalate_by_hand;
use crate::id::{AgentId, GroupId, TicketId};
use crate::routing::{AgentChoice, RoutingConfig, Strategy};
use crate::store::TicketFilter;
use crate::ticket::{EventActor, EventKind, StatusCategory, Ticket};

impl HelpDesk {
    /// The routing configuration, if any.
    pub fn routing(&self) -> Option<&RoutingConfig> {
        self.inner.routing.as_ref()
    }

    /// Queues a new ticket and picks its assignee, recording a `Routed`
    /// event. A group given on open is kept; an assignee given on open is kept.
    pub(super) async fn route_new(&self, d: &mut Draft) -> Result<()> {
        let Some(r) = &self.inner.routing else {
            return Ok(());
        };
        if d.ticket.assignee.is_some() && d.ticket.group.is_some() {
            return Ok(());
        }
        let (group, skills, why) = match &d.ticket.group {
            Some(g) => (g.clone(), BTreeSet::new(), format!("opened in {g}")),
            None => match r.choose_group(&d.ticket) {
                Some(c) => (c.group, c.skills, c.reason),
                None => return Ok(()),
            },
        };
        let (assignee, reason) = match d.ticket.assignee {
            Some(a) => (Some(a), format!("{why}; assignee given on open")),
            None => match self.pick_in(&group, &skills, d.at).await? {
                Some(c) => (Some(c.agent), format!("{why}; {}", c.reason)),
                None => (None, format!("{why}; {}", r.unassigned_reason(&group))),
            },
        };
        d.record_as(
            EventActor::System,
            EventKind::Routed {
                group: Some(group),
                assignee,
                reason,
            },
        )
    }

    /// Picks an assignee in `group` by its strategy at `now`.
    pub(super) async fn pick_in(
        &self,
        group: &GroupId,
        skills: &BTreeSet<String>,
        now: DateTime<Utc>,
    ) -> Result<Option<AgentChoice>> {
        let Some(r) = &self.inner.routing else {
            return Ok(None);
        };
        let Some(g) = r.group(group) else {
            return Ok(None);
        };
        if g.strategy == Strategy::Manual {
            return Ok(None);
        }
        let candidates = r.candidates(group, skills, now);
        if candidates.is_empty() {
            return Ok(None);
        }
        let needs_loads =
            g.strategy != Strategy::RoundRobin || candidates.iter().any(|a| a.capacity.is_some());
        let mut loads = BTreeMap::new();
        if needs_loads {
            for a in &candidates {
                loads.insert(a.id, self.open_load(a.id).await?);
            }
        }
        let turn = {
            let mut turns = self
                .inner
                .turns
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let t = turns.entry(group.clone()).or_insert(0);
            *t += 1;
            *t - 1
        };
        Ok(r.pick_agent(group, &candidates, &loads, turn))
    }

    /// Open tickets of `agent` (status not of category `done`), as the store counts them.
    async fn open_load(&self, agent: AgentId) -> Result<u32> {
        let open: Vec<_> = self
            .inner
            .lifecycle
            .statuses
            .iter()
            .filter(|s| s.category != StatusCategory::Done)
            .map(|s| s.id.clone())
            .collect();
        let n = self
            .inner
            .store
            .count(
                &TicketFilter::default().status(open).assignee(agent),
                &Visibility::All,
            )
            .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Escalates a ticket by hand to the next tier of its group, with a
    /// reason: the ticket moves there (assigned by that group's strategy),
    /// its lead is notified, and an `Escalated` event records who and why.
    /// Needs routing; a ticket whose group has no next tier is a validation error.
    ///
    /// ```
    /// use helpdesk::{Actor, AgentId, Channel, CustomerId, HelpDesk, NewTicket, Requester};
    /// use helpdesk::routing::RoutingConfig;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let routing = RoutingConfig::from_toml(r#"
    ///     [[groups]]
    ///     id = "desk"
    ///     tier = 1
    ///     area = "general"
    ///     next_tier = "experts"
    ///     [[groups]]
    ///     id = "experts"
    ///     tier = 2
    ///     area = "general"
    /// "#)?;
    /// let desk = HelpDesk::builder().routing(routing).build()?;
    /// let ada = CustomerId::new();
    /// let t = desk.portal(ada)
    ///     .open(NewTicket::new(Requester::new(ada, "Ada"), Channel::Email, "Odd bug", "..."))
    ///     .await?;
    /// let agent = Actor::agent(AgentId::new(), ["desk".parse()?]);
    /// let t = desk.escalate(&agent, t.id, "needs a specialist").await?;
    /// assert_eq!(t.group.as_ref().map(|g| g.as_str()), Some("experts"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn escalate(&self, actor: &Actor, id: TicketId, reason: &str) -> Result<Ticket> {
        staff(actor, Action::Escalate)?;
        if reason.trim().is_empty() {
            return Err(Error::validation("reason", "an escalation needs a reason"));
        }
        crate::ticket::new::validate_body("reason", reason)?;
        let routing = self.inner.routing.as_ref().ok_or(Error::NotConfigured {
            what: "routing",
            how: "manual escalation moves tickets between groups: add [routing] groups with `next_tier`",
        })?;
        let work = self.once(None, || async move {
            let ticket = self.load_visible(actor, id).await?;
            actor.authorize(Action::Escalate, Some(&ticket))?;
            let group = ticket.group.clone().ok_or_else(|| {
                Error::validation(
                    "group",
                    format!(
                        "ticket {} is in no group to escalate from",
                        ticket.reference
                    ),
                )
            })?;
            let next = routing.next_tier(&group).ok_or_else(|| {
                Error::validation("group", format!("group {group} has no next tier"))
            })?;
            let now = self.inner.clock.now();
            let pick = self.pick_in(&next.id, &BTreeSet::new(), now).await?;
            let history = self.inner.store.timeline(id).await?;
            let cycle = resolution_cycle(&history, &self.inner.lifecycle);
            let events = escalate_by_hand(
                &ticket,
                next,
                pick.as_ref(),
                routing.unassigned_reason(&next.id),
                cycle,
                reason,
                actor.event_actor(),
            );
            let mut d = Draft::on(ticket, now);
            d.record_all(events)?;
            self.write(vec![d], None).await
        });
        single(
            self.traced("escalate", Some(id), actor.kind(), work)
                .await?,
        )
    }
}

/// The ticket's resolution cycle: 1, plus one per reopening (a move out of
/// a `done` status).
fn resolution_cycle(events: &[crate::ticket::TicketEvent], lc: &crate::ticket::Lifecycle) -> u32 {
    let done = |s| lc.category(s) == Some(StatusCategory::Done);
    let reopenings = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::StatusChanged { from, to, .. } if done(from) && !done(to)))
        .count();
    u32::try_from(reopenings).map_or(u32::MAX, |n| n.saturating_add(1))
}
