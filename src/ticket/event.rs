use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{AgentId, CustomerId, EventId, GroupId, TicketId, TicketRef};
use crate::priority::{Impact, Priority, PriorityOrigin, Urgency};
use crate::sla::Metric;

use super::{Channel, FieldValue, Link, LinkKind, Requester, StatusId, Ticket};

/// One entry of a ticket's timeline: who did what, when.
///
/// Events are the truth; the [`Ticket`] snapshot is their fold
/// ([`Ticket::replay`]). New kinds of event will be added in minor releases,
/// so [`EventKind`] is `#[non_exhaustive]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    /// Unique id of the event.
    pub id: EventId,
    /// The ticket it belongs to.
    pub ticket_id: TicketId,
    /// Position in the ticket's timeline, from 1; equals the ticket's version after it.
    pub seq: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: EventActor,
    /// What happened.
    pub kind: EventKind,
}

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", content = "id", rename_all = "snake_case")]
pub enum EventActor {
    /// The customer.
    Requester(CustomerId),
    /// Support staff (agent, supervisor or admin).
    Agent(AgentId),
    /// The desk itself (rules, SLA, escalation, automatic moves).
    System,
}

impl fmt::Display for EventActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventActor::Requester(id) => write!(f, "requester {id}"),
            EventActor::Agent(id) => write!(f, "agent {id}"),
            EventActor::System => f.write_str("system"),
        }
    }
}

/// The initial state of a ticket, carried by [`EventKind::Created`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields mirror `Ticket`'s, documented there
pub struct TicketCreated {
    pub reference: TicketRef,
    pub subject: String,
    pub description: Arc<str>,
    pub requester: Arc<Requester>,
    pub channel: Channel,
    pub category: Option<String>,
    pub tags: BTreeSet<String>,
    pub fields: BTreeMap<String, FieldValue>,
    pub impact: Impact,
    pub urgency: Urgency,
    pub priority: Priority,
    pub priority_origin: PriorityOrigin,
    /// The classifier's account of how the priority was decided.
    pub explanation: String,
    pub status: StatusId,
    pub assignee: Option<AgentId>,
    pub group: Option<GroupId>,
    pub links: Vec<Link>,
}

/// A change to a descriptive field of a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum FieldChange {
    /// The subject was edited.
    Subject {
        /// New subject.
        value: String,
    },
    /// The category was set or cleared.
    Category {
        /// New category.
        value: Option<String>,
    },
    /// Tags were added and/or removed.
    Tags {
        /// Added tags.
        added: BTreeSet<String>,
        /// Removed tags.
        removed: BTreeSet<String>,
    },
    /// A custom field was set or cleared.
    Custom {
        /// Field name.
        name: String,
        /// New value (`None` clears it).
        value: Option<FieldValue>,
    },
    /// Impact changed.
    Impact {
        /// New impact.
        value: Impact,
    },
    /// Urgency changed.
    Urgency {
        /// New urgency.
        value: Urgency,
    },
}

/// What happened. See each variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// The ticket was opened.
    Created(Box<TicketCreated>),
    /// The customer wrote (a reply, a new detail).
    CustomerMessage {
        /// The text.
        body: String,
        /// Where it came in.
        channel: Channel,
    },
    /// An agent's public reply, visible to the requester.
    Reply {
        /// The text.
        body: String,
    },
    /// An internal note: never shown to requesters.
    InternalNote {
        /// The text.
        body: String,
    },
    /// The status changed.
    StatusChanged {
        /// Old status.
        from: StatusId,
        /// New status.
        to: StatusId,
        /// Why, when given (automatic moves always say why).
        reason: Option<String>,
    },
    /// The priority changed.
    PriorityChanged {
        /// Old priority.
        from: Priority,
        /// New priority.
        to: Priority,
        /// What decided it (rule, matrix, manual override with its reason, escalation).
        origin: PriorityOrigin,
        /// A human-readable account.
        explanation: String,
    },
    /// The assignee changed.
    Assigned {
        /// Previous assignee.
        from: Option<AgentId>,
        /// New assignee (`None` unassigns).
        to: Option<AgentId>,
    },
    /// The group changed.
    GroupChanged {
        /// Previous group.
        from: Option<GroupId>,
        /// New group.
        to: Option<GroupId>,
    },
    /// A link to another ticket was added.
    Linked {
        /// The link.
        link: Link,
    },
    /// Parts of this ticket were split off into new tickets (each linked as a child).
    Split {
        /// The new tickets.
        children: Vec<TicketId>,
    },
    /// This ticket was merged into `into` as a duplicate.
    MergedInto {
        /// The surviving ticket.
        into: TicketId,
    },
    /// A duplicate was merged into this ticket.
    MergedFrom {
        /// The merged duplicate.
        source: TicketId,
    },
    /// A descriptive field changed.
    FieldChanged {
        /// What changed.
        change: FieldChange,
    },
    /// Routing queued the ticket at a group and/or picked its assignee.
    /// Sets both: `assignee: None` leaves it unassigned in the new group.
    Routed {
        /// The group chosen.
        group: Option<GroupId>,
        /// The agent chosen, if any.
        assignee: Option<AgentId>,
        /// Why (the rule, the strategy and its figures).
        reason: String,
    },
    /// An escalation level fired (or an agent escalated by hand). The
    /// level's effects are the events recorded just before it.
    Escalated {
        /// The level's name (`manual` for a manual escalation).
        level: String,
        /// The policy it belongs to (empty for a manual escalation).
        policy: String,
        /// The SLA cycle it fired in; a level fires once per cycle.
        cycle: u32,
        /// What was done, in words, e.g. `moved to network-l2`.
        actions: Vec<String>,
        /// Who was notified.
        notified: Vec<crate::notify::Recipient>,
        /// True when an agent escalated by hand.
        manual: bool,
        /// Why.
        reason: String,
    },
    /// An agent now watches the ticket.
    WatcherAdded {
        /// The watcher.
        agent: AgentId,
    },
    /// The assignee was reminded that the customer is due a progress update.
    UpdateDue {
        /// The last public update the reminder counts from.
        since: DateTime<Utc>,
    },
    /// An SLA policy was chosen for the ticket (on opening, or again after
    /// a change of a field its selection depends on).
    SlaPolicyApplied {
        /// The policy's name.
        policy: String,
        /// Why it was chosen.
        reason: String,
    },
    /// An SLA metric reached its warning threshold.
    SlaWarning {
        /// The metric.
        metric: Metric,
        /// Its cycle, from 1.
        cycle: u32,
        /// When it is due.
        due: DateTime<Utc>,
    },
    /// An SLA metric missed its target.
    SlaBreached {
        /// The metric.
        metric: Metric,
        /// Its cycle, from 1.
        cycle: u32,
        /// The due that passed.
        due: DateTime<Utc>,
    },
    /// An SLA metric was fulfilled in time.
    SlaMet {
        /// The metric.
        metric: Metric,
        /// Its cycle, from 1.
        cycle: u32,
        /// When it was fulfilled.
        at: DateTime<Utc>,
    },
}

impl EventKind {
    /// Whether the requester may see this event in their timeline. Internal
    /// notes and staff-side bookkeeping (assignment, priority reasons) are hidden.
    pub fn visible_to_requester(&self) -> bool {
        matches!(
            self,
            EventKind::Created(_)
                | EventKind::CustomerMessage { .. }
                | EventKind::Reply { .. }
                | EventKind::StatusChanged { .. }
                | EventKind::Linked { .. }
                | EventKind::Split { .. }
                | EventKind::MergedInto { .. }
                | EventKind::MergedFrom { .. }
        )
    }

    /// A short name of the kind, e.g. `customer_message`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created(_) => "created",
            EventKind::CustomerMessage { .. } => "customer_message",
            EventKind::Reply { .. } => "reply",
            EventKind::InternalNote { .. } => "internal_note",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::PriorityChanged { .. } => "priority_changed",
            EventKind::Assigned { .. } => "assigned",
            EventKind::GroupChanged { .. } => "group_changed",
            EventKind::Linked { .. } => "linked",
            EventKind::Split { .. } => "split",
            EventKind::MergedInto { .. } => "merged_into",
            EventKind::MergedFrom { .. } => "merged_from",
            EventKind::FieldChanged { .. } => "field_changed",
            EventKind::Routed { .. } => "routed",
            EventKind::Escalated { .. } => "escalated",
            EventKind::WatcherAdded { .. } => "watcher_added",
            EventKind::UpdateDue { .. } => "update_due",
            EventKind::SlaPolicyApplied { .. } => "sla_policy_applied",
            EventKind::SlaWarning { .. } => "sla_warning",
            EventKind::SlaBreached { .. } => "sla_breached",
            EventKind::SlaMet { .. } => "sla_met",
        }
    }
}

impl Ticket {
    /// Rebuilds a ticket from its full timeline. The result equals the
    /// stored snapshot: this is how the crate checks itself, and how a
    /// corrupt or hand-edited snapshot can be repaired.
    pub fn replay(events: &[TicketEvent]) -> Result<Ticket> {
        let (first, rest) = events
            .split_first()
            .ok_or_else(|| Error::store_msg("cannot replay an empty timeline"))?;
        let mut ticket = Ticket::created(first)?;
        for e in rest {
            ticket.apply(e)?;
        }
        Ok(ticket)
    }

    /// The ticket as its `Created` event describes it.
    pub fn created(e: &TicketEvent) -> Result<Ticket> {
        let EventKind::Created(c) = &e.kind else {
            return Err(Error::store_msg(format!(
                "ticket {} does not start with a created event",
                e.ticket_id
            )));
        };
        if e.seq != 1 {
            return Err(Error::store_msg(format!(
                "ticket {} created event has seq {}",
                e.ticket_id, e.seq
            )));
        }
        let c = (**c).clone();
        Ok(Ticket {
            id: e.ticket_id,
            reference: c.reference,
            subject: c.subject,
            description: c.description,
            requester: c.requester,
            channel: c.channel,
            category: c.category,
            tags: c.tags,
            fields: c.fields,
            impact: c.impact,
            urgency: c.urgency,
            priority: c.priority,
            priority_origin: c.priority_origin,
            status: c.status,
            assignee: c.assignee,
            group: c.group,
            links: c.links,
            watchers: BTreeSet::new(),
            created_at: e.at,
            updated_at: e.at,
            version: 1,
        })
    }

    /// Applies one event to the snapshot. Events must come in order.
    pub fn apply(&mut self, e: &TicketEvent) -> Result<()> {
        if e.ticket_id != self.id || e.seq != self.version + 1 {
            return Err(Error::store_msg(format!(
                "event {} (ticket {}, seq {}) does not follow ticket {} at version {}",
                e.id, e.ticket_id, e.seq, self.id, self.version
            )));
        }
        match &e.kind {
            EventKind::Created(_) => {
                return Err(Error::store_msg(format!(
                    "ticket {} has a second created event",
                    self.id
                )));
            }
            // SLA and escalation records are bookkeeping read from the
            // timeline; the snapshot does not carry them.
            EventKind::CustomerMessage { .. }
            | EventKind::Reply { .. }
            | EventKind::InternalNote { .. }
            | EventKind::Escalated { .. }
            | EventKind::UpdateDue { .. }
            | EventKind::SlaPolicyApplied { .. }
            | EventKind::SlaWarning { .. }
            | EventKind::SlaBreached { .. }
            | EventKind::SlaMet { .. } => {}
            EventKind::Routed {
                group, assignee, ..
            } => {
                self.group.clone_from(group);
                self.assignee = *assignee;
            }
            EventKind::WatcherAdded { agent } => {
                self.watchers.insert(*agent);
            }
            EventKind::StatusChanged { to, .. } => self.status.clone_from(to),
            EventKind::PriorityChanged { to, origin, .. } => {
                self.priority = *to;
                self.priority_origin = origin.clone();
            }
            EventKind::Assigned { to, .. } => self.assignee = *to,
            EventKind::GroupChanged { to, .. } => self.group.clone_from(to),
            EventKind::Linked { link } => self.add_link(*link),
            EventKind::Split { children } => {
                for c in children {
                    self.add_link(Link {
                        kind: LinkKind::Child,
                        target: *c,
                    });
                }
            }
            EventKind::MergedInto { into } => self.add_link(Link {
                kind: LinkKind::DuplicateOf,
                target: *into,
            }),
            EventKind::MergedFrom { source } => self.add_link(Link {
                kind: LinkKind::Duplicate,
                target: *source,
            }),
            EventKind::FieldChanged { change } => match change {
                FieldChange::Subject { value } => self.subject.clone_from(value),
                FieldChange::Category { value } => self.category.clone_from(value),
                FieldChange::Tags { added, removed } => {
                    self.tags.retain(|t| !removed.contains(t));
                    self.tags.extend(added.iter().cloned());
                }
                FieldChange::Custom {
                    name,
                    value: Some(v),
                } => {
                    self.fields.insert(name.clone(), v.clone());
                }
                FieldChange::Custom { name, value: None } => {
                    self.fields.remove(name);
                }
                FieldChange::Impact { value } => self.impact = *value,
                FieldChange::Urgency { value } => self.urgency = *value,
            },
        }
        self.version = e.seq;
        self.updated_at = e.at;
        Ok(())
    }

    fn add_link(&mut self, link: Link) {
        if !self.links.contains(&link) {
            self.links.push(link);
        }
    }
}
