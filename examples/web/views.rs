//! What both the JSON API and the pages show, computed once: a queue page
//! with each ticket's SLA countdown, a ticket with its allowed moves, the
//! supervisor's figures. (Knowledge base suggestions, ratings and report
//! figures join here as fields of their own once the desk has them.)

use chrono::{DateTime, Utc};
use helpdesk::store::{Cursor, Page, Sort, TicketFilter, TicketQuery};
use helpdesk::ticket::StatusId;
use helpdesk::{
    Actor, AgentId, BusinessDuration, Channel, CustomerId, Error, GroupId, HelpDesk, Priority,
    RequesterTicket, Result, Ticket, TicketId, TicketRef,
};
use serde::{Deserialize, Serialize};

use super::countdown::{self, Countdown};

/// The largest queue page.
pub(crate) const MAX_PAGE: usize = 100;
/// "Breaching soon": an SLA due within this much business time.
pub(crate) const SOON: BusinessDuration = BusinessDuration::hours(2);

/// A ticket named in a path: its reference (`1042`, `#1042`) or UUID.
pub(crate) enum Key {
    Ref(TicketRef),
    Id(TicketId),
}

impl Key {
    /// An unparseable key is "not found", like a ticket one may not see.
    pub(crate) fn parse(s: &str) -> Result<Key> {
        if let Ok(r) = s.parse::<TicketRef>() {
            return Ok(Key::Ref(r));
        }
        s.parse::<TicketId>()
            .map(Key::Id)
            .map_err(|_| Error::not_found("ticket", s))
    }
}

/// The staff ticket behind `key`.
pub(crate) async fn ticket(desk: &HelpDesk, actor: &Actor, key: &str) -> Result<Ticket> {
    match Key::parse(key)? {
        Key::Ref(r) => desk.get_by_reference(actor, r).await,
        Key::Id(id) => desk.get(actor, id).await,
    }
}

/// The customer's view of the ticket behind `key`.
pub(crate) async fn own_ticket(
    desk: &HelpDesk,
    customer: CustomerId,
    key: &str,
) -> Result<RequesterTicket> {
    let portal = desk.portal(customer);
    match Key::parse(key)? {
        Key::Ref(r) => portal.ticket_by_reference(r).await,
        Key::Id(id) => portal.ticket(id).await,
    }
}

/// Queue filters, from a query string (`?status=new,open&priority=high`).
/// Lists are comma-separated; empty values mean "any".
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct QueueParams {
    pub(crate) status: Option<String>,
    pub(crate) priority: Option<String>,
    pub(crate) group: Option<String>,
    /// An agent's UUID, or `me`.
    pub(crate) assignee: Option<String>,
    pub(crate) channel: Option<String>,
    /// Text in the subject.
    pub(crate) text: Option<String>,
    /// `breaching`: the next SLA due falls within two business hours (or has passed).
    pub(crate) sla: Option<String>,
    /// `due` (default), `priority`, `created`, `updated`.
    pub(crate) sort: Option<String>,
    pub(crate) limit: Option<usize>,
    pub(crate) after: Option<String>,
}

fn list(s: Option<&str>) -> impl Iterator<Item = &str> {
    s.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn set(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

impl QueueParams {
    /// The store query these filters ask for, checked.
    pub(crate) fn query(&self, desk: &HelpDesk, actor: &Actor) -> Result<TicketQuery> {
        let mut f = TicketFilter::default();
        let statuses: Vec<&str> = list(self.status.as_deref()).collect();
        if !statuses.is_empty() {
            let lc = desk.lifecycle();
            let mut ids = Vec::new();
            for s in statuses {
                let id = lc.resolve(s).cloned().ok_or_else(|| {
                    Error::validation("status", format!("no status `{s}` in this lifecycle"))
                })?;
                ids.push(id);
            }
            f = f.status::<StatusId>(ids);
        }
        let priorities = list(self.priority.as_deref())
            .map(str::parse::<Priority>)
            .collect::<Result<Vec<_>>>()?;
        if !priorities.is_empty() {
            f = f.priority(priorities);
        }
        if let Some(g) = set(self.group.as_deref()) {
            f = f.group(GroupId::new(g)?);
        }
        match set(self.assignee.as_deref()) {
            Some("me") => {
                let me = actor
                    .agent_id()
                    .ok_or_else(|| Error::validation("assignee", "`me` needs a staff persona"))?;
                f = f.assignee(me);
            }
            Some(a) => f = f.assignee(a.parse::<AgentId>()?),
            None => {}
        }
        let channels: Vec<Channel> = list(self.channel.as_deref()).map(channel).collect();
        if !channels.is_empty() {
            f = f.channel(channels);
        }
        if let Some(t) = set(self.text.as_deref()) {
            if t.chars().count() > 200 {
                return Err(Error::validation("text", "at most 200 characters"));
            }
            f = f.text(t);
        }
        match set(self.sla.as_deref()) {
            Some("breaching") => {
                let sla = desk.sla().ok_or(Error::NotConfigured {
                    what: "SLA policy",
                    how: "add an [sla] table to the desk configuration",
                })?;
                let now = desk.clock().now();
                for s in sla.selections() {
                    let by = s.calendar.add(now, SOON.as_duration())?;
                    f = f.sla_due_by(s.policy.name.clone(), by);
                }
            }
            Some(other) => {
                return Err(Error::validation(
                    "sla",
                    format!("`{other}` is not an SLA filter; expected `breaching`"),
                ));
            }
            None => {}
        }
        let sort = match set(self.sort.as_deref()).unwrap_or("due") {
            "due" => Sort::NextDue,
            "priority" => Sort::Priority,
            "created" => Sort::Created,
            "updated" => Sort::Updated,
            other => {
                return Err(Error::validation(
                    "sort",
                    format!("`{other}` is not a sort; expected due, priority, created or updated"),
                ));
            }
        };
        let limit = self.limit.unwrap_or(50);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("a page holds 1 to {MAX_PAGE} tickets, not {limit}"),
            ));
        }
        let after = set(self.after.as_deref())
            .map(str::parse::<Cursor>)
            .transpose()?;
        let q = TicketQuery::new(f, limit).sort(sort).after(after);
        q.validate()?;
        Ok(q)
    }
}

/// A channel by name (`email`, `phone`, ...; anything else is "other").
pub(crate) fn channel(s: &str) -> Channel {
    match s.to_ascii_lowercase().as_str() {
        "phone" => Channel::Phone,
        "email" => Channel::Email,
        "chat" => Channel::Chat,
        "portal" => Channel::Portal,
        "social" => Channel::Social,
        "api" => Channel::Api,
        other => Channel::Other(other.to_owned()),
    }
}

/// One ticket of a queue, with its SLA countdown.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    pub(crate) ticket: Ticket,
    /// The SLA policy in force.
    pub(crate) sla_policy: Option<String>,
    /// The countdown to the next due; `None` when no clock is open.
    pub(crate) countdown: Option<Countdown>,
}

/// The countdown and policy of a ticket, if the desk has SLAs.
pub(crate) async fn sla_of(
    desk: &HelpDesk,
    actor: &Actor,
    id: TicketId,
) -> Result<(Option<String>, Option<Countdown>)> {
    let Some(config) = desk.sla() else {
        return Ok((None, None));
    };
    let status = desk.sla_status(actor, id).await?;
    let countdown = config
        .get(&status.policy)
        .and_then(|s| countdown::of(&status, s.calendar));
    Ok((Some(status.policy), countdown))
}

/// A page of the queue.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Queue {
    pub(crate) items: Vec<Row>,
    /// The cursor of the next page.
    pub(crate) next: Option<String>,
    pub(crate) at: DateTime<Utc>,
}

pub(crate) async fn queue(desk: &HelpDesk, actor: &Actor, params: &QueueParams) -> Result<Queue> {
    let query = params.query(desk, actor)?;
    let page: Page<Ticket> = desk.list(actor, query).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for ticket in page.items {
        let (sla_policy, countdown) = sla_of(desk, actor, ticket.id).await?;
        items.push(Row {
            ticket,
            sla_policy,
            countdown,
        });
    }
    Ok(Queue {
        items,
        next: page.next.map(|c| c.to_string()),
        at: desk.clock().now(),
    })
}

/// A ticket as staff see it, with what they can do next.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TicketView {
    pub(crate) ticket: Ticket,
    pub(crate) status_label: String,
    /// The statuses the lifecycle allows from here.
    pub(crate) allowed: Vec<StatusId>,
    pub(crate) sla_policy: Option<String>,
    pub(crate) countdown: Option<Countdown>,
    pub(crate) at: DateTime<Utc>,
}

pub(crate) async fn ticket_view(
    desk: &HelpDesk,
    actor: &Actor,
    ticket: Ticket,
) -> Result<TicketView> {
    // A command can take the ticket out of the actor's sight (an agent
    // escalating it to another tier): the result is still theirs to see,
    // without the SLA figures they may no longer read.
    let (sla_policy, countdown) = match sla_of(desk, actor, ticket.id).await {
        Err(e) if e.kind() == helpdesk::ErrorKind::NotFound => (None, None),
        other => other?,
    };
    let lc = desk.lifecycle();
    Ok(TicketView {
        status_label: lc
            .def(&ticket.status)
            .map_or_else(|| ticket.status.to_string(), |d| d.label.clone()),
        allowed: lc.allowed(&ticket.status).to_vec(),
        ticket,
        sla_policy,
        countdown,
        at: desk.clock().now(),
    })
}

/// The supervisor's figures that the desk has today: the open queue by
/// status, group and priority, and what breaches soon. (The week's KPIs and
/// the chart come from the reports API when it lands.)
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Summary {
    pub(crate) by_status: Vec<(String, u64)>,
    pub(crate) by_group: Vec<(String, u64)>,
    pub(crate) by_priority: Vec<(String, u64)>,
    pub(crate) breaching_soon: Vec<Row>,
    pub(crate) outbox_pending: u64,
    pub(crate) outbox_delivered: u64,
    pub(crate) at: DateTime<Utc>,
}

pub(crate) async fn summary(desk: &HelpDesk, actor: &Actor) -> Result<Summary> {
    // Staff only, checked the same way every listing is.
    desk.list(actor, TicketQuery::new(TicketFilter::default(), 1))
        .await?;
    let store = desk.store();
    let vis = actor.visibility();
    let lc = desk.lifecycle();
    let open: Vec<StatusId> = lc
        .statuses
        .iter()
        .filter(|s| !matches!(s.category, helpdesk::ticket::StatusCategory::Done))
        .map(|s| s.id.clone())
        .collect();
    let mut by_status = Vec::new();
    for s in &lc.statuses {
        let n = store
            .count(&TicketFilter::default().status([s.id.clone()]), &vis)
            .await?;
        by_status.push((s.label.clone(), n));
    }
    let mut by_group = Vec::new();
    if let Some(r) = desk.routing() {
        for g in &r.groups {
            let n = store
                .count(
                    &TicketFilter::default()
                        .status(open.clone())
                        .group(g.id.clone()),
                    &vis,
                )
                .await?;
            by_group.push((g.name.clone().unwrap_or_else(|| g.id.to_string()), n));
        }
    }
    let mut by_priority = Vec::new();
    for p in [
        Priority::Critical,
        Priority::High,
        Priority::Medium,
        Priority::Low,
    ] {
        let n = store
            .count(
                &TicketFilter::default().status(open.clone()).priority([p]),
                &vis,
            )
            .await?;
        by_priority.push((desk.classifier().label(p).to_owned(), n));
    }
    let soon = desk.breaching_soon(actor, SOON, 20).await?;
    let mut breaching_soon = Vec::new();
    for ticket in soon.items {
        let (sla_policy, countdown) = sla_of(desk, actor, ticket.id).await?;
        breaching_soon.push(Row {
            ticket,
            sla_policy,
            countdown,
        });
    }
    let stats = store.outbox_stats().await?;
    Ok(Summary {
        by_status,
        by_group,
        by_priority,
        breaching_soon,
        outbox_pending: stats.pending,
        outbox_delivered: stats.delivered,
        at: desk.clock().now(),
    })
}
