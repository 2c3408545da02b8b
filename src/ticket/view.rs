//! What a requester may see of their tickets: [`RequesterTicket`] and
//! [`RequesterEvent`], built in one place from the staff view.
//!
//! Both are allow-lists: they copy only the fields named below, so a field
//! added to [`Ticket`] or a kind of event added to [`EventKind`] stays
//! hidden from requesters until someone decides it should show.
//!
//! | ticket field | requester sees | why |
//! |---|---|---|
//! | id, reference, subject, description, channel, created, updated | yes | their own request |
//! | requester name, email, phone, organization | yes | their own contact details |
//! | requester tier (`vip`, ...) | no | a staff classification |
//! | status | yes, with its label and category | |
//! | priority level | yes | what to expect; Zendesk shows it too |
//! | priority origin and explanation, impact, urgency | no | they name staff rules and overrides |
//! | category, tags, custom fields | no | internal taxonomy and notes |
//! | assignee | the display name only | as Zendesk shows the agent's name |
//! | group, watchers | no | internal organisation |
//! | links to other tickets | kind and ticket id | their follow-ups, splits, merges |
//! | version | no | bookkeeping |
//!
//! | event | requester sees |
//! |---|---|
//! | created | subject, description, channel |
//! | customer message | yes |
//! | public reply | yes, with the agent's display name |
//! | status change | the new status and its label; not the reason, which may be internal |
//! | linked, split, merged | the other ticket's id |
//! | contact details corrected | that they were |
//! | internal note, priority, assignment, group, routing, escalation, watchers, SLA records, field changes | no |

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Channel, EventActor, EventKind, Lifecycle, LinkKind, StatusCategory, Ticket, TicketEvent,
};
use crate::id::{AgentId, CustomerId, StatusId, TicketId, TicketRef};
use crate::priority::Priority;

/// A ticket as its requester sees it. See the [module docs](self) for what
/// is in it and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequesterTicket {
    /// The stable id.
    pub id: TicketId,
    /// The reference to quote, e.g. `#1042`.
    pub reference: TicketRef,
    /// One-line summary.
    pub subject: String,
    /// The original description.
    pub description: Arc<str>,
    /// Their contact details as the desk holds them.
    pub contact: Contact,
    /// Where the ticket came from.
    pub channel: Channel,
    /// The status.
    pub status: StatusId,
    /// The status's label, e.g. `Waiting for you`.
    pub status_label: String,
    /// The status's category (`None` for a status the lifecycle no longer has).
    pub status_category: Option<StatusCategory>,
    /// The priority level.
    pub priority: Priority,
    /// The display name of the agent working on it, when known.
    pub assignee_name: Option<String>,
    /// Links to other tickets (follow-ups, splits, merges).
    pub links: Vec<(LinkKind, TicketId)>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A requester's contact details, as shown to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// Their customer id.
    pub id: CustomerId,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Organization.
    pub organization: Option<String>,
}

/// Who did something, as a requester reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Author {
    /// The requester.
    Requester,
    /// Support staff, with their display name when known.
    Staff {
        /// The name to show, e.g. `Ana`.
        name: Option<String>,
    },
    /// The desk itself.
    Desk,
}

/// One entry of a requester's timeline. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequesterEvent {
    /// Position in the ticket's full timeline.
    pub seq: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub by: Author,
    /// What happened.
    pub kind: RequesterEventKind,
}

/// What happened, as a requester may read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RequesterEventKind {
    /// The ticket was opened.
    Opened {
        /// Its subject.
        subject: String,
        /// Its description.
        description: Arc<str>,
        /// Where it came in.
        channel: Channel,
    },
    /// The requester wrote.
    Message {
        /// The text.
        body: String,
        /// Where it came in.
        channel: Channel,
    },
    /// Support replied.
    Reply {
        /// The text.
        body: String,
    },
    /// The status changed.
    StatusChanged {
        /// The new status.
        to: StatusId,
        /// Its label.
        label: String,
    },
    /// A link to another ticket was added (a follow-up, say).
    Linked {
        /// What the link means.
        kind: LinkKind,
        /// The other ticket.
        ticket: TicketId,
    },
    /// Parts of the request were split off into new tickets.
    Split {
        /// The new tickets.
        into: Vec<TicketId>,
    },
    /// The ticket was merged into another.
    MergedInto {
        /// The ticket it continues in.
        ticket: TicketId,
    },
    /// Another request was merged into this one.
    MergedFrom {
        /// The merged request.
        ticket: TicketId,
    },
    /// Their contact details were corrected.
    ContactUpdated,
}

/// How requester views name staff: a display name per agent, when known
/// (the routing configuration's agent names, say).
pub trait AgentNames {
    /// The name to show requesters for `agent`.
    fn name_of(&self, agent: AgentId) -> Option<String>;
}

/// No names known: staff show as "support".
impl AgentNames for () {
    fn name_of(&self, _: AgentId) -> Option<String> {
        None
    }
}

impl RequesterTicket {
    /// The requester's view of `ticket`.
    pub fn of(ticket: &Ticket, lifecycle: &Lifecycle, names: &dyn AgentNames) -> Self {
        let r = &ticket.requester;
        let def = lifecycle.def(&ticket.status);
        RequesterTicket {
            id: ticket.id,
            reference: ticket.reference,
            subject: ticket.subject.clone(),
            description: ticket.description.clone(),
            contact: Contact {
                id: r.id,
                name: r.name.clone(),
                email: r.email.clone(),
                phone: r.phone.clone(),
                organization: r.organization.clone(),
            },
            channel: ticket.channel.clone(),
            status: ticket.status.clone(),
            status_label: def.map_or_else(|| ticket.status.to_string(), |d| d.label.clone()),
            status_category: def.map(|d| d.category),
            priority: ticket.priority,
            assignee_name: ticket.assignee.and_then(|a| names.name_of(a)),
            links: ticket.links.iter().map(|l| (l.kind, l.target)).collect(),
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
        }
    }
}

impl RequesterEvent {
    /// The requester's view of `event`, or `None` for what they may not see.
    pub fn of(event: &TicketEvent, lifecycle: &Lifecycle, names: &dyn AgentNames) -> Option<Self> {
        let kind = match &event.kind {
            EventKind::Created(c) => RequesterEventKind::Opened {
                subject: c.subject.clone(),
                description: c.description.clone(),
                channel: c.channel.clone(),
            },
            EventKind::CustomerMessage { body, channel } => RequesterEventKind::Message {
                body: body.clone(),
                channel: channel.clone(),
            },
            EventKind::Reply { body } => RequesterEventKind::Reply { body: body.clone() },
            EventKind::StatusChanged { to, .. } => RequesterEventKind::StatusChanged {
                to: to.clone(),
                label: lifecycle
                    .def(to)
                    .map_or_else(|| to.to_string(), |d| d.label.clone()),
            },
            EventKind::Linked { link } => RequesterEventKind::Linked {
                kind: link.kind,
                ticket: link.target,
            },
            EventKind::Split { children } => RequesterEventKind::Split {
                into: children.clone(),
            },
            EventKind::MergedInto { into } => RequesterEventKind::MergedInto { ticket: *into },
            EventKind::MergedFrom { source } => RequesterEventKind::MergedFrom { ticket: *source },
            EventKind::RequesterUpdated { .. } => RequesterEventKind::ContactUpdated,
            // Everything else is staff bookkeeping; new kinds stay hidden
            // until they are added above on purpose.
            _ => return None,
        };
        let by = match event.actor {
            EventActor::Requester(_) => Author::Requester,
            EventActor::Agent(a) => Author::Staff {
                name: names.name_of(a),
            },
            EventActor::System => Author::Desk,
        };
        Some(RequesterEvent {
            seq: event.seq,
            at: event.at,
            by,
            kind,
        })
    }
}
