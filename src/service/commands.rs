use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{Draft, HelpDesk};
use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::id::{AgentId, GroupId, TicketId, TicketRef};
use crate::priority::{Priority, PriorityOrigin};
use crate::store::{Cursor, Page, TicketFilter, TicketQuery};
use crate::ticket::new::{validate_body, validate_subject};
use crate::ticket::{
    Channel, EventActor, EventKind, FieldChange, Link, LinkKind, NewTicket, Requester,
    StatusCategory, StatusId, Ticket, TicketCreated, TicketEvent, TicketUpdate,
};

/// One part split off a ticket by [`HelpDesk::split`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SplitPart {
    /// Subject of the new ticket.
    pub subject: String,
    /// What this part is about.
    pub description: String,
    /// Its category, if different from the original's.
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

impl HelpDesk {
    /// Runs `step` on a fresh draft of ticket `id` and commits, re-running it
    /// from a fresh load when another writer got there first.
    async fn change<F>(
        &self,
        actor: &Actor,
        id: TicketId,
        action: Action,
        step: F,
    ) -> Result<Ticket>
    where
        F: Fn(&HelpDesk, &mut Draft) -> Result<()>,
    {
        self.change_loaded(actor, id, None, action, step).await
    }

    /// [`change`](Self::change) whose first attempt starts from `loaded`, a
    /// ticket the caller has just read (retries read it afresh).
    async fn change_loaded<F>(
        &self,
        actor: &Actor,
        id: TicketId,
        loaded: Option<Ticket>,
        action: Action,
        step: F,
    ) -> Result<Ticket>
    where
        F: Fn(&HelpDesk, &mut Draft) -> Result<()>,
    {
        let step = &step;
        let mut loaded = loaded;
        self.retrying(|| {
            let loaded = loaded.take();
            async move {
                let ticket = match loaded {
                    Some(t) => t,
                    None => self.load(id).await?,
                };
                actor.authorize(action, Some(&ticket))?;
                let mut draft = Draft::on(ticket, self.inner.clock.now(), actor.event_actor());
                step(self, &mut draft)?;
                self.commit_one(draft).await
            }
        })
        .await
    }

    /// The new ticket (not yet stored) for `new`, classified, with its created event.
    async fn draft_new(
        &self,
        actor: &Actor,
        new: NewTicket,
        links: Vec<Link>,
        at: DateTime<Utc>,
    ) -> Result<Draft> {
        new.validate()?;
        let reference = self.inner.store.next_reference().await?;
        let id = TicketId::new();
        let created = TicketCreated {
            reference,
            subject: new.subject,
            description: new.description.into(),
            requester: new.requester.into(),
            channel: new.channel,
            category: new.category,
            tags: new.tags,
            fields: new.fields,
            impact: new.impact.unwrap_or_default(),
            urgency: new.urgency.unwrap_or_default(),
            priority: Priority::Medium,
            priority_origin: PriorityOrigin::Matrix {
                impact: new.impact.unwrap_or_default(),
                urgency: new.urgency.unwrap_or_default(),
            },
            explanation: String::new(),
            status: self.inner.lifecycle.initial.clone(),
            assignee: new.assignee,
            group: new.group,
            links,
        };
        let mut event = TicketEvent {
            id: crate::id::EventId::at(at),
            ticket_id: id,
            seq: 1,
            at,
            actor: actor.event_actor(),
            kind: EventKind::Created(Box::new(created)),
        };
        // Classify the ticket as it would be, then give both the ticket and
        // its created event the result, so the ticket stays the event's fold.
        let mut ticket = Ticket::created(&event)?;
        let c = self.inner.classifier.classify(&ticket);
        ticket.impact = c.impact;
        ticket.urgency = c.urgency;
        ticket.priority = c.priority;
        ticket.priority_origin.clone_from(&c.origin);
        if let EventKind::Created(created) = &mut event.kind {
            created.impact = c.impact;
            created.urgency = c.urgency;
            created.priority = c.priority;
            created.priority_origin = c.origin;
            created.explanation = c.explanation;
        }
        let mut draft = Draft::created(ticket, event);
        self.route_new(&mut draft).await?;
        Ok(draft)
    }

    /// Opens a ticket. Requesters may open tickets only for themselves;
    /// staff may open them on a customer's behalf (a phone call, a walk-in).
    /// The requester is sent an acknowledgment with the reference.
    pub async fn open(&self, actor: &Actor, new: NewTicket) -> Result<Ticket> {
        actor.authorize(Action::Open, None)?;
        if let Actor::Requester { id } = actor {
            if new.requester.id != *id {
                return Err(Error::Forbidden {
                    actor: actor.to_string(),
                    action: "open a ticket for another customer".into(),
                });
            }
        }
        let draft = self
            .draft_new(actor, new, Vec::new(), self.inner.clock.now())
            .await?;
        self.commit_one(draft).await
    }

    /// Records a message from the customer (written by the requester, or
    /// logged by an agent from a phone call). A reply to a waiting or
    /// resolved ticket moves it per the lifecycle (Pending -> Open,
    /// Resolved -> Open reopens it). A message to a ticket in a final status
    /// (Closed) opens a follow-up ticket linked to it, which is returned.
    pub async fn add_message(
        &self,
        actor: &Actor,
        id: TicketId,
        body: &str,
        channel: Channel,
    ) -> Result<Ticket> {
        validate_message(body)?;
        let ticket = self.load(id).await?;
        actor.authorize(Action::Message, Some(&ticket))?;
        if self.inner.lifecycle.is_final(&ticket.status) {
            return self.follow_up(actor, ticket, body, channel).await;
        }
        self.change_loaded(actor, id, Some(ticket), Action::Message, |desk, d| {
            d.record(EventKind::CustomerMessage {
                body: body.to_owned(),
                channel: channel.clone(),
            })?;
            d.auto_move(
                &desk.inner.lifecycle.on_customer_message,
                "the customer replied",
            )
        })
        .await
    }

    async fn follow_up(
        &self,
        actor: &Actor,
        closed: Ticket,
        body: &str,
        channel: Channel,
    ) -> Result<Ticket> {
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
        let draft = self
            .draft_new(
                actor,
                new,
                vec![Link {
                    kind: LinkKind::FollowUpOf,
                    target: closed.id,
                }],
                self.inner.clock.now(),
            )
            .await?;
        let mut original = Draft::on(closed, draft.at, EventActor::System);
        original.record(EventKind::Linked {
            link: Link {
                kind: LinkKind::FollowedUpBy,
                target: draft.ticket.id,
            },
        })?;
        // Conflicts here mean the closed ticket changed (a link was added); the
        // caller may simply send the message again.
        let written = self.commit(vec![draft, original]).await?;
        written
            .into_iter()
            .next()
            .ok_or_else(|| Error::store_msg("commit returned no snapshot"))
    }

    /// A public reply by staff; the requester is notified. A reply to a new
    /// ticket opens it (per the lifecycle's `on_agent_reply`).
    pub async fn reply(&self, actor: &Actor, id: TicketId, body: &str) -> Result<Ticket> {
        validate_message(body)?;
        self.change(actor, id, Action::Reply, |desk, d| {
            d.record(EventKind::Reply {
                body: body.to_owned(),
            })?;
            d.auto_move(&desk.inner.lifecycle.on_agent_reply, "an agent replied")
        })
        .await
    }

    /// An internal note: visible to staff only.
    pub async fn note(&self, actor: &Actor, id: TicketId, body: &str) -> Result<Ticket> {
        validate_message(body)?;
        self.change(actor, id, Action::Note, |_, d| {
            d.record(EventKind::InternalNote {
                body: body.to_owned(),
            })
        })
        .await
    }

    /// Moves the ticket to status `to`, if the lifecycle allows it; otherwise
    /// [`Error::InvalidTransition`] naming the allowed targets.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: TicketId,
        to: impl Into<StatusId>,
        reason: Option<&str>,
    ) -> Result<Ticket> {
        let to = to.into();
        if let Some(r) = reason {
            validate_body("reason", r)?;
        }
        self.change(actor, id, Action::Transition, |desk, d| {
            let from = d.ticket.status.clone();
            desk.inner.lifecycle.check(from.clone(), &to)?;
            d.record(EventKind::StatusChanged {
                from,
                to: to.clone(),
                reason: reason.map(str::to_owned),
            })
        })
        .await
    }

    /// Assigns the ticket to an agent (`None` unassigns). Assigning to the
    /// current assignee changes nothing.
    pub async fn assign(
        &self,
        actor: &Actor,
        id: TicketId,
        agent: Option<AgentId>,
    ) -> Result<Ticket> {
        self.change(actor, id, Action::Assign, |_, d| {
            if d.ticket.assignee != agent {
                d.record(EventKind::Assigned {
                    from: d.ticket.assignee,
                    to: agent,
                })?;
            }
            Ok(())
        })
        .await
    }

    /// Moves the ticket to another group (`None` takes it out of any group).
    pub async fn change_group(
        &self,
        actor: &Actor,
        id: TicketId,
        group: Option<GroupId>,
    ) -> Result<Ticket> {
        self.change(actor, id, Action::ChangeGroup, |_, d| {
            if d.ticket.group != group {
                d.record(EventKind::GroupChanged {
                    from: d.ticket.group.clone(),
                    to: group.clone(),
                })?;
            }
            Ok(())
        })
        .await
    }

    /// Overrides the priority by hand, with a reason. The override sticks:
    /// later reclassification leaves it alone until it is changed by hand again.
    pub async fn set_priority(
        &self,
        actor: &Actor,
        id: TicketId,
        priority: Priority,
        reason: &str,
    ) -> Result<Ticket> {
        if reason.trim().is_empty() {
            return Err(Error::validation(
                "reason",
                "a priority override needs a reason",
            ));
        }
        validate_body("reason", reason)?;
        let agent = actor.agent_id();
        self.change(actor, id, Action::SetPriority, |desk, d| {
            let origin = PriorityOrigin::Manual {
                agent,
                reason: reason.to_owned(),
            };
            let explanation = format!(
                "priority {} {origin}",
                desk.inner.classifier.label(priority)
            );
            d.record(EventKind::PriorityChanged {
                from: d.ticket.priority,
                to: priority,
                origin,
                explanation,
            })
        })
        .await
    }

    /// Edits descriptive fields (subject, category, tags, custom fields,
    /// impact, urgency). Unless the priority was set by hand, the ticket is
    /// then reclassified and a changed priority recorded with its explanation.
    pub async fn update(
        &self,
        actor: &Actor,
        id: TicketId,
        update: TicketUpdate,
    ) -> Result<Ticket> {
        update.validate()?;
        self.change(actor, id, Action::Update, |desk, d| {
            for change in field_changes(&d.ticket, &update) {
                d.record(EventKind::FieldChanged { change })?;
            }
            if d.is_changed() && !d.ticket.priority_origin.is_manual() {
                desk.reclassify(d)?;
            }
            Ok(())
        })
        .await
    }

    fn reclassify(&self, d: &mut Draft) -> Result<()> {
        let c = self.inner.classifier.classify(&d.ticket);
        if c.priority != d.ticket.priority || c.origin != d.ticket.priority_origin {
            d.record_as(
                EventActor::System,
                EventKind::PriorityChanged {
                    from: d.ticket.priority,
                    to: c.priority,
                    origin: c.origin,
                    explanation: c.explanation,
                },
            )?;
        }
        Ok(())
    }

    /// Splits a contact about several problems into separate tickets, one
    /// per part, each linked to the original as its child and classified on
    /// its own. All tickets are written atomically. Returns the new tickets.
    pub async fn split(
        &self,
        actor: &Actor,
        id: TicketId,
        parts: Vec<SplitPart>,
    ) -> Result<Vec<Ticket>> {
        if parts.is_empty() {
            return Err(Error::validation("parts", "split needs at least one part"));
        }
        for p in &parts {
            validate_subject("parts.subject", &p.subject)?;
            validate_body("parts.description", &p.description)?;
        }
        let parts = &parts;
        self.retrying(|| async move {
            let original = self.load(id).await?;
            actor.authorize(Action::Split, Some(&original))?;
            let now = self.inner.clock.now();
            let mut children = Vec::with_capacity(parts.len());
            for p in parts {
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
                children.push(
                    self.draft_new(
                        actor,
                        new,
                        vec![Link {
                            kind: LinkKind::Parent,
                            target: original.id,
                        }],
                        now,
                    )
                    .await?,
                );
            }
            let mut parent = Draft::on(original, now, actor.event_actor());
            parent.record(EventKind::Split {
                children: children.iter().map(|c| c.ticket.id).collect(),
            })?;
            let mut all = vec![parent];
            all.extend(children);
            let mut written = self.commit(all).await?;
            // The first is the original; the rest are the new tickets.
            Ok(written.split_off(1))
        })
        .await
    }

    /// Merges duplicate `source` into `target`: the source is linked as a
    /// duplicate of the target and moved to the lifecycle's final status
    /// (Closed); its timeline stays readable. Returns the target.
    pub async fn merge(&self, actor: &Actor, source: TicketId, target: TicketId) -> Result<Ticket> {
        if source == target {
            return Err(Error::validation(
                "target",
                "a ticket cannot be merged into itself",
            ));
        }
        let closed = &self.final_status()?;
        self.retrying(|| async move {
            let (s, t) = (self.load(source).await?, self.load(target).await?);
            actor.authorize(Action::Merge, Some(&s))?;
            actor.authorize(Action::Merge, Some(&t))?;
            if s.links_of(LinkKind::DuplicateOf).next().is_some() {
                return Err(Error::validation(
                    "source",
                    format!("ticket {} is already merged", s.reference),
                ));
            }
            if self.inner.lifecycle.is_final(&t.status) {
                return Err(Error::validation(
                    "target",
                    format!(
                        "ticket {} is {}; merge into an open ticket",
                        t.reference, t.status
                    ),
                ));
            }
            let now = self.inner.clock.now();
            let mut sd = Draft::on(s, now, actor.event_actor());
            let mut td = Draft::on(t, now, actor.event_actor());
            sd.record(EventKind::MergedInto { into: target })?;
            let from = sd.ticket.status.clone();
            if from != *closed {
                self.inner.lifecycle.check(from.clone(), closed)?;
                let reason = format!("merged into {}", td.ticket.reference);
                sd.record(EventKind::StatusChanged {
                    from,
                    to: closed.clone(),
                    reason: Some(reason),
                })?;
            }
            td.record(EventKind::MergedFrom { source })?;
            let mut written = self.commit(vec![sd, td]).await?;
            written
                .pop()
                .ok_or_else(|| Error::store_msg("commit returned no snapshot"))
        })
        .await
    }

    /// The status merged duplicates end in: the first final status of category done.
    fn final_status(&self) -> Result<StatusId> {
        let lc = &self.inner.lifecycle;
        lc.statuses
            .iter()
            .find(|s| s.category == StatusCategory::Done && lc.is_final(&s.id))
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                Error::validation(
                    "lifecycle",
                    "merging needs a final status of category `done`",
                )
            })
    }

    /// Links two tickets; the reverse link is added to `to` in the same write.
    /// Linking twice changes nothing.
    pub async fn link(
        &self,
        actor: &Actor,
        from: TicketId,
        kind: LinkKind,
        to: TicketId,
    ) -> Result<Ticket> {
        if from == to {
            return Err(Error::validation(
                "to",
                "a ticket cannot be linked to itself",
            ));
        }
        self.retrying(|| async move {
            let (a, b) = (self.load(from).await?, self.load(to).await?);
            actor.authorize(Action::Link, Some(&a))?;
            actor.authorize(Action::Link, Some(&b))?;
            let now = self.inner.clock.now();
            let mut ad = Draft::on(a, now, actor.event_actor());
            let mut bd = Draft::on(b, now, actor.event_actor());
            let (fwd, back) = (
                Link { kind, target: to },
                Link {
                    kind: kind.inverse(),
                    target: from,
                },
            );
            if !ad.ticket.links.contains(&fwd) {
                ad.record(EventKind::Linked { link: fwd })?;
            }
            if !bd.ticket.links.contains(&back) {
                bd.record(EventKind::Linked { link: back })?;
            }
            let written = self.commit(vec![ad, bd]).await?;
            written
                .into_iter()
                .next()
                .ok_or_else(|| Error::store_msg("commit returned no snapshot"))
        })
        .await
    }

    /// A ticket, if the actor may see it.
    pub async fn get(&self, actor: &Actor, id: TicketId) -> Result<Ticket> {
        let t = self.load(id).await?;
        actor.authorize(Action::View, Some(&t))?;
        Ok(t)
    }

    /// A ticket by its reference (`#1042`), if the actor may see it.
    pub async fn get_by_reference(&self, actor: &Actor, reference: TicketRef) -> Result<Ticket> {
        let id = self.id_of(reference).await?;
        self.get(actor, id).await
    }

    /// The ticket's timeline as the actor may see it: requesters do not see
    /// internal notes or staff bookkeeping.
    pub async fn timeline(&self, actor: &Actor, id: TicketId) -> Result<Vec<TicketEvent>> {
        self.get(actor, id).await?;
        let mut events = self.inner.store.timeline(id).await?;
        if !actor.is_staff() {
            events.retain(|e| e.kind.visible_to_requester());
        }
        Ok(events)
    }

    /// One page of the tickets the actor may see that match `filter`, in
    /// creation order. Pass the returned [`Page::next`] to continue.
    pub async fn list(
        &self,
        actor: &Actor,
        filter: TicketFilter,
        limit: usize,
        after: Option<Cursor>,
    ) -> Result<Page<Ticket>> {
        let visibility = actor.visibility();
        self.inner
            .store
            .list(
                &TicketQuery::new(filter, limit)
                    .visibility(visibility)
                    .after(after),
            )
            .await
    }
}

fn validate_message(body: &str) -> Result<()> {
    if body.trim().is_empty() {
        return Err(Error::validation("body", "must not be empty"));
    }
    validate_body("body", body)
}

/// The field changes `update` makes to `t`, leaving out no-ops.
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
