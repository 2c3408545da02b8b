//! Routing on open, assignment within a group, and manual escalation.
//!
//! Agents' loads (open tickets) are counted from the store's listing
//! (`assignee = agent`, status not of category `done`), bounded by the
//! agent's capacity + 1 (or 1000): correct on every node and after restarts,
//! since it reads the same data every writer writes, and cheap where the
//! store indexes assignees (the SQL back ends). It is counted only for
//! strategies that need it (least open, skills) or agents with a capacity.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::{Draft, HelpDesk};
use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::escalation::History;
use crate::id::{AgentId, GroupId, TicketId};
use crate::notify::Recipient;
use crate::routing::{AgentChoice, RoutingConfig, Strategy};
use crate::store::{TicketFilter, TicketQuery};
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
                None => (None, format!("{why}; {}", unassigned_why(r, &group))),
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
                loads.insert(a.id, self.open_load(a.id, a.capacity).await?);
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

    /// Open tickets of `agent`, counted up to `capacity + 1` (or 1000).
    async fn open_load(&self, agent: AgentId, capacity: Option<u32>) -> Result<u32> {
        let open: Vec<_> = self
            .inner
            .lifecycle
            .statuses
            .iter()
            .filter(|s| s.category != StatusCategory::Done)
            .map(|s| s.id.clone())
            .collect();
        let limit = capacity.map_or(TicketQuery::MAX_LIMIT, |c| {
            (c as usize + 1).min(TicketQuery::MAX_LIMIT)
        });
        let page = self
            .inner
            .store
            .list(&TicketQuery::new(
                TicketFilter::default().status(open).assignee(agent),
                limit,
            ))
            .await?;
        Ok(page.items.len() as u32)
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
    /// let t = desk.open(&Actor::requester(ada),
    ///     NewTicket::new(Requester::new(ada, "Ada"), Channel::Email, "Odd bug", "...")).await?;
    /// assert_eq!(t.group.as_ref().map(|g| g.as_str()), Some("desk"));
    /// let agent = Actor::agent(AgentId::new(), ["desk".parse()?]);
    /// let t = desk.escalate(&agent, t.id, "needs a specialist").await?;
    /// assert_eq!(t.group.as_ref().map(|g| g.as_str()), Some("experts"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn escalate(&self, actor: &Actor, id: TicketId, reason: &str) -> Result<Ticket> {
        if reason.trim().is_empty() {
            return Err(Error::validation("reason", "an escalation needs a reason"));
        }
        crate::ticket::new::validate_body("reason", reason)?;
        let routing = self.inner.routing.as_ref().ok_or_else(|| {
            Error::validation("routing", "manual escalation needs a routing configuration")
        })?;
        self.retrying(|| async move {
            let ticket = self.load(id).await?;
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
            let cycle = History::read(&history, &self.inner.lifecycle).cycle;
            let mut d = Draft::on(ticket, now, actor.event_actor());
            let how = pick
                .as_ref()
                .map_or_else(|| unassigned_why(routing, &next.id), |c| c.reason.clone());
            d.record(EventKind::Routed {
                group: Some(next.id.clone()),
                assignee: pick.map(|c| c.agent),
                reason: format!("escalated by hand from {group}: {how}"),
            })?;
            let notified: Vec<Recipient> = next
                .lead
                .map(|id| Recipient::Agent { id })
                .into_iter()
                .collect();
            d.record(EventKind::Escalated {
                level: "manual".into(),
                policy: String::new(),
                cycle,
                actions: vec![format!("moved from {group} to {}", next.id)],
                notified,
                manual: true,
                reason: reason.to_owned(),
            })?;
            self.commit_one(d).await
        })
        .await
    }
}

fn unassigned_why(r: &RoutingConfig, group: &GroupId) -> String {
    match r.group(group).map(|g| g.strategy) {
        Some(Strategy::Manual) | None => "left in the queue (manual assignment)".into(),
        Some(_) => "left in the queue: no agent on shift, skilled and under capacity".into(),
    }
}
