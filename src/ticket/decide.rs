//! The help desk's rules for commands on tickets: pure functions from the
//! tickets as they are and a command to the events that record what
//! happens, as cqrs-es's `Aggregate::handle` does.
//!
//! Nothing here reads a clock, draws an id or touches a store: the
//! [`Context`] brings the lifecycle, the classifier and the actor, and new
//! tickets' ids and references come in as arguments. The desk
//! ([`HelpDesk`](crate::HelpDesk)) authorises, loads, asks these functions,
//! stamps the events with ids, sequence numbers and the instant, and
//! commits. So every rule can be tested given/when/then without a store:
//!
//! ```
//! use helpdesk::ticket::decide::{decide, Command, Context};
//! use helpdesk::ticket::{EventActor, EventKind, Lifecycle};
//! use helpdesk::{AgentId, Classifier};
//! # let ticket = helpdesk::doc_support::example_ticket("resolved");
//! let (lifecycle, classifier) = (Lifecycle::default(), Classifier::default());
//! let ctx = Context::new(&lifecycle, &classifier, EventActor::Requester(ticket.requester.id));
//! // Given a resolved ticket, when the customer writes, then the message is
//! // recorded and the ticket reopens.
//! let events = decide(&ticket, &Command::message("It broke again."), &ctx)?;
//! assert!(matches!(events[0].kind, EventKind::CustomerMessage { .. }));
//! assert!(matches!(&events[1].kind, EventKind::StatusChanged { to, .. } if to.as_str() == "open"));
//! assert_eq!(events[1].actor, EventActor::System);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::new::{validate_body, validate_short, validate_subject};
use super::{
    Channel, EventActor, EventKind, FieldChange, Lifecycle, Link, LinkKind, NewTicket, Requester,
    StatusCategory, StatusId, Ticket, TicketCreated, TicketUpdate,
};
use crate::classify::Classifier;
use crate::error::{Error, Result};
use crate::id::{AgentId, GroupId, TicketId, TicketRef};
use crate::priority::{Priority, PriorityOrigin};

/// What the rules need besides the tickets: the desk's lifecycle and
/// classifier, and who acts.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Context<'a> {
    /// The statuses and moves.
    pub lifecycle: &'a Lifecycle,
    /// How priorities are decided.
    pub classifier: &'a Classifier,
    /// Who performs the command.
    pub actor: EventActor,
}

impl<'a> Context<'a> {
    /// A context for `actor`.
    pub fn new(lifecycle: &'a Lifecycle, classifier: &'a Classifier, actor: EventActor) -> Self {
        Context {
            lifecycle,
            classifier,
            actor,
        }
    }
}

/// An event a rule decided, before the desk gives it an id, a sequence
/// number and the command's instant.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewEvent {
    /// Who it is recorded for: the command's actor, or the system for the
    /// desk's own moves (a reopening, a reclassification).
    pub actor: EventActor,
    /// What happened.
    pub kind: EventKind,
}

impl NewEvent {
    /// An event of `kind` by `actor`.
    pub fn new(actor: EventActor, kind: EventKind) -> Self {
        NewEvent { actor, kind }
    }

    fn by(actor: EventActor, kind: EventKind) -> Self {
        NewEvent { actor, kind }
    }
}

/// A command on one ticket. Commands that make or join several tickets
/// (opening, [`split`], [`merge`], [`link`], [`follow_up`]) have functions
/// of their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Command {
    /// A message from the customer: written by them, or logged by staff
    /// from a phone call. Moves the ticket per the lifecycle's
    /// `on_customer_message` (Pending -> Open, Resolved -> Open).
    Message {
        /// The text.
        body: String,
        /// Where it came in.
        channel: Channel,
    },
    /// A public reply by staff. Moves the ticket per `on_agent_reply` (New -> Open).
    Reply {
        /// The text.
        body: String,
    },
    /// An internal note, for staff only.
    Note {
        /// The text.
        body: String,
    },
    /// A move to another status, named by id or label, ignoring case.
    Transition {
        /// The status.
        to: String,
        /// Why, if given.
        #[serde(default)]
        reason: Option<String>,
    },
    /// A new assignee (`None` unassigns). The same assignee changes nothing.
    Assign {
        /// The agent.
        agent: Option<AgentId>,
    },
    /// Another group (`None`: out of any group). The same group changes nothing.
    ChangeGroup {
        /// The group.
        group: Option<GroupId>,
    },
    /// A priority set by hand, with a reason. It sticks: reclassification
    /// leaves it alone until it is set by hand again.
    SetPriority {
        /// The priority.
        priority: Priority,
        /// Why (required).
        reason: String,
    },
    /// Descriptive fields edited; unless the priority was set by hand, the
    /// ticket is then reclassified.
    Update(TicketUpdate),
    /// The requester's contact details corrected. Requesters may correct
    /// their own name, email and phone; the organization is staff's to set.
    UpdateRequester(ContactUpdate),
}

impl Command {
    /// A customer message through the portal.
    pub fn message(body: impl Into<String>) -> Self {
        Command::Message {
            body: body.into(),
            channel: Channel::Portal,
        }
    }
    /// A public reply.
    pub fn reply(body: impl Into<String>) -> Self {
        Command::Reply { body: body.into() }
    }
    /// An internal note.
    pub fn note(body: impl Into<String>) -> Self {
        Command::Note { body: body.into() }
    }
    /// A move to status `to`, with an optional reason.
    pub fn transition(to: impl Into<String>, reason: Option<&str>) -> Self {
        Command::Transition {
            to: to.into(),
            reason: reason.map(str::to_owned),
        }
    }

    /// The command's name, e.g. `reply` (for traces and logs).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Message { .. } => "message",
            Command::Reply { .. } => "reply",
            Command::Note { .. } => "note",
            Command::Transition { .. } => "transition",
            Command::Assign { .. } => "assign",
            Command::ChangeGroup { .. } => "change_group",
            Command::SetPriority { .. } => "set_priority",
            Command::Update(_) => "update",
            Command::UpdateRequester(_) => "update_requester",
        }
    }

    /// Checks the command's own input (text sizes, required reasons); the
    /// error names the field.
    pub fn validate(&self) -> Result<()> {
        match self {
            Command::Message { body, .. } | Command::Reply { body } | Command::Note { body } => {
                validate_message(body)
            }
            Command::Transition { reason, .. } => reason
                .as_deref()
                .map_or(Ok(()), |r| validate_body("reason", r)),
            Command::SetPriority { reason, .. } => {
                if reason.trim().is_empty() {
                    return Err(Error::validation(
                        "reason",
                        "a priority override needs a reason",
                    ));
                }
                validate_body("reason", reason)
            }
            Command::Update(u) => u.validate(),
            Command::UpdateRequester(c) => c.validate(),
            Command::Assign { .. } | Command::ChangeGroup { .. } => Ok(()),
        }
    }
}

/// Corrected contact details of a requester; unset parts stay as they are.
///
/// ```
/// use helpdesk::ticket::decide::ContactUpdate;
/// let fix = ContactUpdate::default().email("ada@new.example.com");
/// fix.validate()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContactUpdate {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New email address.
    #[serde(default)]
    pub email: Option<String>,
    /// New phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// New organization (staff only).
    #[serde(default)]
    pub organization: Option<String>,
}

impl ContactUpdate {
    /// Sets the name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }
    /// Sets the email address.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }
    /// Sets the phone number.
    pub fn phone(mut self, v: impl Into<String>) -> Self {
        self.phone = Some(v.into());
        self
    }
    /// Sets the organization.
    pub fn organization(mut self, v: impl Into<String>) -> Self {
        self.organization = Some(v.into());
        self
    }

    /// Checks each part as [`NewTicket::validate`] checks a requester.
    pub fn validate(&self) -> Result<()> {
        let mut r = Requester::new(crate::CustomerId::from_uuid(uuid::Uuid::nil()), "x");
        if let Some(n) = &self.name {
            r.name.clone_from(n);
        }
        r.email.clone_from(&self.email);
        r.phone.clone_from(&self.phone);
        r.organization.clone_from(&self.organization);
        super::new::validate_requester(&r)
    }
}

/// Whether a customer message to `ticket` opens a follow-up instead: a
/// ticket in a final status (Closed) takes no more messages.
pub fn opens_follow_up(ticket: &Ticket, lifecycle: &Lifecycle) -> bool {
    lifecycle.is_final(&ticket.status)
}

/// The events `command` records on `ticket`. An empty list means the
/// command changes nothing (assigning the current assignee, say).
///
/// A message to a ticket in a final status is not decided here: it opens a
/// follow-up ([`opens_follow_up`], [`follow_up`]).
pub fn decide(ticket: &Ticket, command: &Command, ctx: &Context<'_>) -> Result<Vec<NewEvent>> {
    command.validate()?;
    let me = ctx.actor;
    let lc = ctx.lifecycle;
    let mut out = Vec::new();
    match command {
        Command::Message { body, channel } => {
            if opens_follow_up(ticket, lc) {
                return Err(Error::internal(format!(
                    "a message to {} in final status {} opens a follow-up",
                    ticket.reference, ticket.status
                )));
            }
            out.push(NewEvent::by(
                me,
                EventKind::CustomerMessage {
                    body: body.clone(),
                    channel: channel.clone(),
                },
            ));
            out.extend(auto_move(
                ticket,
                &lc.on_customer_message,
                "the customer replied",
            ));
        }
        Command::Reply { body } => {
            out.push(NewEvent::by(me, EventKind::Reply { body: body.clone() }));
            out.extend(auto_move(ticket, &lc.on_agent_reply, "an agent replied"));
        }
        Command::Note { body } => {
            out.push(NewEvent::by(
                me,
                EventKind::InternalNote { body: body.clone() },
            ));
        }
        Command::Transition { to, reason } => {
            let from = ticket.status.clone();
            let to = lc.status(to, &from)?;
            lc.check(from.clone(), &to)?;
            out.push(NewEvent::by(
                me,
                EventKind::StatusChanged {
                    from,
                    to,
                    reason: reason.clone(),
                },
            ));
        }
        Command::Assign { agent } => {
            if ticket.assignee != *agent {
                out.push(NewEvent::by(
                    me,
                    EventKind::Assigned {
                        from: ticket.assignee,
                        to: *agent,
                    },
                ));
            }
        }
        Command::ChangeGroup { group } => {
            if ticket.group != *group {
                out.push(NewEvent::by(
                    me,
                    EventKind::GroupChanged {
                        from: ticket.group.clone(),
                        to: group.clone(),
                    },
                ));
            }
        }
        Command::SetPriority { priority, reason } => {
            let agent = match me {
                EventActor::Agent(a) => Some(a),
                _ => None,
            };
            let origin = PriorityOrigin::Manual {
                agent,
                reason: reason.clone(),
            };
            let explanation = format!("priority {} {origin}", ctx.classifier.label(*priority));
            out.push(NewEvent::by(
                me,
                EventKind::PriorityChanged {
                    from: ticket.priority,
                    to: *priority,
                    origin,
                    explanation,
                },
            ));
        }
        Command::Update(update) => {
            let mut after = ticket.clone();
            for change in field_changes(ticket, update) {
                let kind = EventKind::FieldChanged { change };
                after.fold(&kind);
                out.push(NewEvent::by(me, kind));
            }
            if !out.is_empty() {
                out.extend(reclassify(&after, ctx.classifier));
            }
        }
        Command::UpdateRequester(c) => {
            if c.organization.is_some() && matches!(me, EventActor::Requester(_)) {
                return Err(Error::validation(
                    "organization",
                    "a requester cannot change their organization; ask the service desk",
                ));
            }
            let r = &ticket.requester;
            let changed = |new: &Option<String>, old: Option<&str>| {
                new.as_ref().filter(|n| Some(n.as_str()) != old).cloned()
            };
            let kind = EventKind::RequesterUpdated {
                name: changed(&c.name, Some(&r.name)),
                email: changed(&c.email, r.email.as_deref()),
                phone: changed(&c.phone, r.phone.as_deref()),
                organization: changed(&c.organization, r.organization.as_deref()),
            };
            if kind
                != (EventKind::RequesterUpdated {
                    name: None,
                    email: None,
                    phone: None,
                    organization: None,
                })
            {
                let mut after = ticket.clone();
                after.fold(&kind);
                out.push(NewEvent::by(me, kind));
                // The organization can decide the priority.
                out.extend(reclassify(&after, ctx.classifier));
            }
        }
    }
    Ok(out)
}

/// The lifecycle's automatic move from the ticket's status, if `table` has
/// one, recorded as the system's with `reason`.
fn auto_move(
    ticket: &Ticket,
    table: &BTreeMap<StatusId, StatusId>,
    reason: &str,
) -> Option<NewEvent> {
    let to = table.get(&ticket.status)?;
    Some(NewEvent::by(
        EventActor::System,
        EventKind::StatusChanged {
            from: ticket.status.clone(),
            to: to.clone(),
            reason: Some(reason.to_owned()),
        },
    ))
}

/// A new priority when classification now decides otherwise, unless a
/// person set the priority by hand (which sticks).
fn reclassify(ticket: &Ticket, classifier: &Classifier) -> Option<NewEvent> {
    if ticket.priority_origin.is_manual() {
        return None;
    }
    let c = classifier.classify(ticket);
    (c.priority != ticket.priority || c.origin != ticket.priority_origin).then(|| {
        NewEvent::by(
            EventActor::System,
            EventKind::PriorityChanged {
                from: ticket.priority,
                to: c.priority,
                origin: c.origin,
                explanation: c.explanation,
            },
        )
    })
}

/// The field changes `u` makes to `t`, leaving out no-ops.
fn field_changes(t: &Ticket, u: &TicketUpdate) -> Vec<FieldChange> {
    let mut out = Vec::new();
    if let Some(s) = u.subject.as_ref().filter(|s| **s != t.subject) {
        out.push(FieldChange::Subject { value: s.clone() });
    }
    if let Some(c) = u.category.as_ref().filter(|c| **c != t.category) {
        out.push(FieldChange::Category { value: c.clone() });
    }
    let added: BTreeSet<String> = u
        .add_tags
        .iter()
        .filter(|x| !t.tags.contains(*x))
        .cloned()
        .collect();
    let removed: BTreeSet<String> = u
        .remove_tags
        .iter()
        .filter(|x| t.tags.contains(*x))
        .cloned()
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        out.push(FieldChange::Tags { added, removed });
    }
    for (name, value) in &u.fields {
        if t.fields.get(name) != value.as_ref() {
            out.push(FieldChange::Custom {
                name: name.clone(),
                value: value.clone(),
            });
        }
    }
    if let Some(v) = u.impact.filter(|v| *v != t.impact) {
        out.push(FieldChange::Impact { value: v });
    }
    if let Some(v) = u.urgency.filter(|v| *v != t.urgency) {
        out.push(FieldChange::Urgency { value: v });
    }
    out
}

/// A new ticket's `Created` event: `new` validated, in the lifecycle's
/// initial status, classified (impact, urgency, priority and why), with
/// `links` to other tickets.
pub fn open(
    new: NewTicket,
    reference: TicketRef,
    links: Vec<Link>,
    ctx: &Context<'_>,
) -> Result<TicketCreated> {
    new.validate()?;
    let (impact, urgency) = (
        new.impact.unwrap_or_default(),
        new.urgency.unwrap_or_default(),
    );
    let mut created = TicketCreated {
        reference,
        subject: new.subject,
        description: new.description.into(),
        requester: new.requester.into(),
        channel: new.channel,
        category: new.category,
        tags: new.tags,
        fields: new.fields,
        impact,
        urgency,
        priority: Priority::Medium,
        priority_origin: PriorityOrigin::Matrix { impact, urgency },
        explanation: String::new(),
        status: ctx.lifecycle.initial.clone(),
        assignee: new.assignee,
        group: new.group,
        links,
    };
    // Classify the ticket as it will be, and give the event the result, so
    // the ticket stays the event's fold.
    let c = ctx.classifier.classify(&Ticket::from_created(
        TicketId::from_uuid(uuid::Uuid::nil()),
        &created,
    ));
    created.impact = c.impact;
    created.urgency = c.urgency;
    created.priority = c.priority;
    created.priority_origin = c.origin;
    created.explanation = c.explanation;
    Ok(created)
}

/// One part split off a ticket by [`split`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SplitPart {
    /// Subject of the new ticket.
    pub subject: String,
    /// What this part is about.
    pub description: String,
    /// Its category, if different from the original's.
    #[serde(default)]
    pub category: Option<String>,
}

impl SplitPart {
    /// A part with a subject and description; the category is the original's.
    pub fn new(subject: impl Into<String>, description: impl Into<String>) -> Self {
        SplitPart {
            subject: subject.into(),
            description: description.into(),
            category: None,
        }
    }
    /// Gives the part its own category.
    pub fn category(mut self, c: impl Into<String>) -> Self {
        self.category = Some(c.into());
        self
    }
}

/// What splitting a ticket records.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Split {
    /// The original's `Split` event.
    pub original: Vec<NewEvent>,
    /// Each new ticket's `Created` event, in the order of the parts.
    pub parts: Vec<TicketCreated>,
}

/// Splits a contact about several problems into one new ticket per part
/// (`ids[i]` is part `i`'s id and reference): each keeps the requester,
/// channel, tags, fields and group of the original, is linked to it as a
/// child and classified on its own; the original records the split.
pub fn split(
    original: &Ticket,
    parts: &[SplitPart],
    ids: &[(TicketId, TicketRef)],
    ctx: &Context<'_>,
) -> Result<Split> {
    if parts.is_empty() {
        return Err(Error::validation("parts", "split needs at least one part"));
    }
    if parts.len() != ids.len() {
        return Err(Error::internal("split: one id per part"));
    }
    for p in parts {
        validate_subject("parts.subject", &p.subject)?;
        validate_body("parts.description", &p.description)?;
        if let Some(c) = &p.category {
            validate_short("parts.category", c)?;
        }
    }
    let mut created = Vec::with_capacity(parts.len());
    for (p, (_, reference)) in parts.iter().zip(ids) {
        let mut new = NewTicket::new(
            Requester::clone(&original.requester),
            original.channel.clone(),
            p.subject.clone(),
            p.description.clone(),
        );
        new.category = p.category.clone().or_else(|| original.category.clone());
        new.tags.clone_from(&original.tags);
        new.fields.clone_from(&original.fields);
        new.group.clone_from(&original.group);
        let link = Link {
            kind: LinkKind::Parent,
            target: original.id,
        };
        created.push(open(new, *reference, vec![link], ctx)?);
    }
    Ok(Split {
        original: vec![NewEvent::by(
            ctx.actor,
            EventKind::Split {
                children: ids.iter().map(|(id, _)| *id).collect(),
            },
        )],
        parts: created,
    })
}

/// The status merged duplicates end in: the lifecycle's first final status
/// of category done (Closed).
pub fn merge_status(lifecycle: &Lifecycle) -> Result<StatusId> {
    lifecycle
        .statuses
        .iter()
        .find(|s| s.category == StatusCategory::Done && lifecycle.is_final(&s.id))
        .map(|s| s.id.clone())
        .ok_or_else(|| {
            Error::validation(
                "lifecycle",
                "merging needs a final status of category `done`",
            )
        })
}

/// What merging a duplicate records on each ticket.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Merge {
    /// On the duplicate: merged into the target, then moved to the final status.
    pub source: Vec<NewEvent>,
    /// On the target: the duplicate merged from.
    pub target: Vec<NewEvent>,
}

/// Merges duplicate `source` into `target`: the source is linked as a
/// duplicate and moved to the final status (its timeline stays readable);
/// the target records where the duplicate went. A source merged before, or
/// a target already in a final status, is refused.
pub fn merge(source: &Ticket, target: &Ticket, ctx: &Context<'_>) -> Result<Merge> {
    if source.id == target.id {
        return Err(Error::validation(
            "target",
            "a ticket cannot be merged into itself",
        ));
    }
    if source.links_of(LinkKind::DuplicateOf).next().is_some() {
        return Err(Error::validation(
            "source",
            format!("ticket {} is already merged", source.reference),
        ));
    }
    if ctx.lifecycle.is_final(&target.status) {
        return Err(Error::validation(
            "target",
            format!(
                "ticket {} is {}; merge into an open ticket",
                target.reference, target.status
            ),
        ));
    }
    let closed = merge_status(ctx.lifecycle)?;
    let mut on_source = vec![NewEvent::by(
        ctx.actor,
        EventKind::MergedInto { into: target.id },
    )];
    if source.status != closed {
        ctx.lifecycle.check(source.status.clone(), &closed)?;
        on_source.push(NewEvent::by(
            ctx.actor,
            EventKind::StatusChanged {
                from: source.status.clone(),
                to: closed,
                reason: Some(format!("merged into {}", target.reference)),
            },
        ));
    }
    Ok(Merge {
        source: on_source,
        target: vec![NewEvent::by(
            ctx.actor,
            EventKind::MergedFrom { source: source.id },
        )],
    })
}

/// Links `from` to `to` with `kind`, and `to` back with the inverse kind.
/// Returns the events for each (none where the link exists already).
pub fn link(
    from: &Ticket,
    kind: LinkKind,
    to: &Ticket,
    ctx: &Context<'_>,
) -> Result<(Vec<NewEvent>, Vec<NewEvent>)> {
    if from.id == to.id {
        return Err(Error::validation(
            "to",
            "a ticket cannot be linked to itself",
        ));
    }
    let one = |t: &Ticket, link: Link| {
        (!t.links.contains(&link))
            .then(|| NewEvent::by(ctx.actor, EventKind::Linked { link }))
            .into_iter()
            .collect::<Vec<_>>()
    };
    Ok((
        one(
            from,
            Link {
                kind,
                target: to.id,
            },
        ),
        one(
            to,
            Link {
                kind: kind.inverse(),
                target: from.id,
            },
        ),
    ))
}

/// What a message to a closed ticket records.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FollowUp {
    /// The follow-up ticket's `Created` event (`id` is its id).
    pub created: TicketCreated,
    /// On the closed ticket: the link to its follow-up, by the system.
    pub closed: Vec<NewEvent>,
}

/// A customer message to a closed ticket opens a follow-up: a new ticket
/// (`id`, `reference`) with the message as its description, the closed
/// ticket's subject, requester, category, tags, fields and group, linked
/// both ways.
pub fn follow_up(
    closed: &Ticket,
    body: &str,
    channel: Channel,
    (id, reference): (TicketId, TicketRef),
    ctx: &Context<'_>,
) -> Result<FollowUp> {
    validate_message(body)?;
    let mut new = NewTicket::new(
        Requester::clone(&closed.requester),
        channel,
        closed.subject.clone(),
        body.to_owned(),
    );
    new.category.clone_from(&closed.category);
    new.tags.clone_from(&closed.tags);
    new.fields.clone_from(&closed.fields);
    new.group.clone_from(&closed.group);
    let link = Link {
        kind: LinkKind::FollowUpOf,
        target: closed.id,
    };
    Ok(FollowUp {
        created: open(new, reference, vec![link], ctx)?,
        closed: vec![NewEvent::by(
            EventActor::System,
            EventKind::Linked {
                link: Link {
                    kind: LinkKind::FollowedUpBy,
                    target: id,
                },
            },
        )],
    })
}

fn validate_message(body: &str) -> Result<()> {
    if body.trim().is_empty() {
        return Err(Error::validation("body", "must not be empty"));
    }
    validate_body("body", body)
}
