use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{AgentId, CustomerId, EventId, GroupId, TicketId, TicketRef};
use crate::priority::{Impact, Priority, PriorityOrigin, Urgency};

use super::{Channel, FieldValue, Link, LinkKind, Metric, Recipient, Requester, StatusId, Ticket};

/// One entry of a ticket's timeline: who did what, when.
///
/// Events are the truth; the [`Ticket`] snapshot is their fold
/// ([`Ticket::replay`]). New kinds of event will be added in minor releases,
/// so [`EventKind`] is `#[non_exhaustive]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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
        notified: Vec<Recipient>,
        /// True when an agent escalated by hand.
        manual: bool,
        /// Why.
        reason: String,
        /// The instant the level was due (an escalation by hand has none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
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
    /// The requester's contact details were corrected (by staff, or by the
    /// requester themself). Each part that is set replaces the old value.
    RequesterUpdated {
        /// New display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// New email address.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        /// New phone number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone: Option<String>,
        /// New organization.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        organization: Option<String>,
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
    /// A knowledge base article was linked to the ticket as what solved it.
    ArticleLinked {
        /// The article.
        article: crate::id::ArticleId,
        /// Its title when it was linked, in the desk's locale (or its first).
        title: String,
    },
    /// The requester's personal data was erased on request (their data key
    /// destroyed): every personal field of the ticket reads `[erased]`
    /// from here on, and in the events before, which stay in place.
    RequesterErased {
        /// The legal basis the admin gave.
        basis: String,
    },
    /// The content of event `seq` (a message body, the description, a
    /// custom field's value) was redacted: it reads `[redacted]`, and the
    /// original is overwritten in the store.
    Redacted {
        /// The event whose content was redacted.
        seq: u64,
        /// Why (never the content).
        reason: String,
    },
    /// A retention policy anonymised the ticket: every personal field
    /// reads `[erased]`, in this snapshot and in the events before, which
    /// were overwritten in the store.
    Anonymised {
        /// The policy's name.
        policy: String,
    },
    /// A satisfaction survey went out to the requester for a resolution
    /// cycle (the token itself is only in the notification).
    SurveySent(crate::survey::Invited),
    /// A resolution cycle got no survey, and why.
    SurveySkipped(crate::survey::Skipped),
    /// The requester rated a resolution cycle (a later rating of the same
    /// cycle replaces it).
    SatisfactionRated(crate::survey::Rated),
}

impl EventKind {
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
            EventKind::RequesterUpdated { .. } => "requester_updated",
            EventKind::ArticleLinked { .. } => "article_linked",
            EventKind::RequesterErased { .. } => "requester_erased",
            EventKind::Redacted { .. } => "redacted",
            EventKind::Anonymised { .. } => "anonymised",
            EventKind::SurveySent(_) => "survey_sent",
            EventKind::SurveySkipped(_) => "survey_skipped",
            EventKind::SatisfactionRated(_) => "satisfaction_rated",
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
            .ok_or_else(|| Error::corrupt("cannot replay an empty timeline", None))?;
        let mut ticket = Ticket::created(first)?;
        for e in rest {
            ticket.apply(e)?;
        }
        Ok(ticket)
    }

    /// The ticket as its `Created` event describes it.
    pub fn created(e: &TicketEvent) -> Result<Ticket> {
        let EventKind::Created(c) = &e.kind else {
            return Err(Error::corrupt(
                format!("ticket {} does not start with a created event", e.ticket_id),
                None,
            ));
        };
        if e.seq != 1 {
            return Err(Error::corrupt(
                format!("ticket {} created event has seq {}", e.ticket_id, e.seq),
                None,
            ));
        }
        let mut t = Ticket::from_created(e.ticket_id, c);
        t.created_at = e.at;
        t.updated_at = e.at;
        Ok(t)
    }

    /// The ticket `c` describes, before it has a time or a timeline: what
    /// the classifier and the rules look at while a new ticket is decided.
    pub(crate) fn from_created(id: TicketId, c: &TicketCreated) -> Ticket {
        let c = c.clone();
        Ticket {
            id,
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
            priority_explanation: c.explanation,
            status: c.status,
            assignee: c.assignee,
            group: c.group,
            links: c.links,
            watchers: BTreeSet::new(),
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
            version: 1,
        }
    }

    /// Applies one event to the snapshot. Events must come in order.
    pub fn apply(&mut self, e: &TicketEvent) -> Result<()> {
        if e.ticket_id != self.id || e.seq != self.version + 1 {
            return Err(Error::corrupt(
                format!(
                    "event {} (ticket {}, seq {}) does not follow ticket {} at version {}",
                    e.id, e.ticket_id, e.seq, self.id, self.version
                ),
                None,
            ));
        }
        if let EventKind::Created(_) = e.kind {
            return Err(Error::corrupt(
                format!("ticket {} has a second created event", self.id),
                None,
            ));
        }
        self.fold(&e.kind);
        self.version = e.seq;
        self.updated_at = e.at;
        Ok(())
    }

    /// What an event of `kind` changes in the snapshot, besides the
    /// version and time: decisions use it to look at the ticket as it would
    /// be after the events they have decided so far.
    pub(crate) fn fold(&mut self, kind: &EventKind) {
        match kind {
            // A second creation is refused by `apply`; SLA and escalation
            // records are bookkeeping read from the timeline, which the
            // snapshot does not carry; a redacted event is rewritten in the
            // store, and the snapshot replayed from the rewritten history.
            EventKind::Created(_)
            | EventKind::CustomerMessage { .. }
            | EventKind::Reply { .. }
            | EventKind::InternalNote { .. }
            | EventKind::Escalated { .. }
            | EventKind::UpdateDue { .. }
            | EventKind::SlaPolicyApplied { .. }
            | EventKind::SlaWarning { .. }
            | EventKind::SlaBreached { .. }
            | EventKind::SlaMet { .. }
            | EventKind::ArticleLinked { .. }
            | EventKind::Redacted { .. }
            | EventKind::SurveySent(_)
            | EventKind::SurveySkipped(_)
            | EventKind::SatisfactionRated(_) => {}
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
            EventKind::PriorityChanged {
                to,
                origin,
                explanation,
                ..
            } => {
                self.priority = *to;
                self.priority_origin = origin.clone();
                self.priority_explanation.clone_from(explanation);
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
            EventKind::RequesterUpdated {
                name,
                email,
                phone,
                organization,
            } => {
                let r = Arc::make_mut(&mut self.requester);
                if let Some(v) = name {
                    r.name.clone_from(v);
                }
                if let Some(v) = email {
                    r.email = Some(v.clone());
                }
                if let Some(v) = phone {
                    r.phone = Some(v.clone());
                }
                if let Some(v) = organization {
                    r.organization = Some(v.clone());
                }
            }
            EventKind::RequesterErased { .. } | EventKind::Anonymised { .. } => {
                self.erase_personal();
            }
        }
    }

    /// Every personal field replaced by `[erased]` (what the events before
    /// an erasure read as, once the requester's key is gone).
    fn erase_personal(&mut self) {
        const ERASED: &str = "[erased]";
        let r = Arc::make_mut(&mut self.requester);
        ERASED.clone_into(&mut r.name);
        for v in [&mut r.email, &mut r.phone, &mut r.organization]
            .into_iter()
            .flatten()
        {
            ERASED.clone_into(v);
        }
        self.description = ERASED.into();
        for v in self.fields.values_mut() {
            *v = FieldValue::Text(ERASED.to_owned());
        }
    }

    fn add_link(&mut self, link: Link) {
        if !self.links.contains(&link) {
            self.links.push(link);
        }
    }
}
