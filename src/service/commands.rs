//! Staff commands and reads: load, authorise, let the domain decide, commit.

use super::{Draft, HelpDesk, single};
use crate::BusinessDuration;
use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::id::{AgentId, GroupId, TicketId, TicketRef};
use crate::priority::Priority;
use crate::store::{Page, Sort, TicketFilter, TicketQuery};
use crate::ticket::decide::{self, Command, ContactUpdate, Context, SplitPart, opens_follow_up};
use crate::ticket::{Channel, EventKind, LinkKind, NewTicket, Ticket, TicketEvent, TicketUpdate};

/// The action a command needs the actor to be allowed.
fn action_of(command: &Command) -> Action {
    match command {
        Command::Message { .. } => Action::Message,
        Command::Reply { .. } => Action::Reply,
        Command::Note { .. } => Action::Note,
        Command::Transition { .. } => Action::Transition,
        Command::Assign { .. } => Action::Assign,
        Command::ChangeGroup { .. } => Action::ChangeGroup,
        Command::SetPriority { .. } => Action::SetPriority,
        Command::Update(_) => Action::Update,
        Command::UpdateRequester(_) => Action::UpdateRequester,
    }
}

/// Commands carried out at most once per idempotency key: the same key
/// again returns the first result and writes nothing, on every back end.
/// See [`HelpDesk::idempotent`].
#[derive(Debug, Clone, Copy)]
pub struct Idempotent<'a> {
    desk: &'a HelpDesk,
    key: &'a str,
}

impl Idempotent<'_> {
    /// [`HelpDesk::open`] under the key.
    pub async fn open(self, actor: &Actor, new: NewTicket) -> Result<Ticket> {
        staff(actor, Action::Open)?;
        self.desk.open_as(actor, new, Some(self.key)).await
    }

    /// [`HelpDesk::execute`] under the key.
    pub async fn execute(self, actor: &Actor, id: TicketId, command: Command) -> Result<Ticket> {
        staff(actor, action_of(&command))?;
        self.desk.run(actor, id, command, Some(self.key)).await
    }
}

/// Requesters work through [`HelpDesk::portal`], whose views hold only
/// what they may see; the staff methods refuse them, before looking at any
/// ticket (so they learn nothing about which tickets exist).
pub(super) fn staff(actor: &Actor, action: Action) -> Result<()> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(Error::Forbidden {
            actor: actor.kind(),
            action,
            ticket: None,
        })
    }
}

impl HelpDesk {
    /// The ticket `id` if `actor` may see it; a ticket they may not see is
    /// not found, exactly like a missing one.
    pub(super) async fn load_visible(&self, actor: &Actor, id: TicketId) -> Result<Ticket> {
        match self.inner.store.load(id).await? {
            Some(t) if actor.can_see(&t) => Ok(t),
            _ => Err(Error::not_found("ticket", id)),
        }
    }

    /// The ticket with `reference` if `actor` may see it (else not found).
    pub(super) async fn load_visible_by_reference(
        &self,
        actor: &Actor,
        reference: TicketRef,
    ) -> Result<Ticket> {
        match self.inner.store.load_by_reference(reference).await? {
            Some(t) if actor.can_see(&t) => Ok(t),
            _ => Err(Error::not_found("ticket", reference)),
        }
    }

    pub(super) fn context(&self, actor: &Actor) -> Context<'_> {
        Context::new(
            &self.inner.lifecycle,
            &self.inner.classifier,
            actor.event_actor(),
        )
    }

    /// Carries out commands under an idempotency key: a request retried by a
    /// client, a webhook delivered twice, a mail fetched twice.
    ///
    /// ```
    /// use helpdesk::{Actor, AgentId, Channel, CustomerId, HelpDesk, NewTicket, Requester};
    /// use helpdesk::ticket::decide::Command;
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let desk = HelpDesk::builder().build()?;
    /// let agent = Actor::supervisor(AgentId::new());
    /// let ada = CustomerId::new();
    /// let new = NewTicket::new(Requester::new(ada, "Ada"), Channel::Phone, "No dial tone", "Since 9am.");
    /// let first = desk.idempotent("call-7781").open(&agent, new.clone()).await?;
    /// let again = desk.idempotent("call-7781").open(&agent, new).await?;
    /// assert_eq!(first, again); // one ticket, opened once
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn idempotent<'a>(&'a self, key: &'a str) -> Idempotent<'a> {
        Idempotent { desk: self, key }
    }

    /// Carries out `command` on ticket `id` for staff `actor`: the domain
    /// decides the events ([`ticket::decide`](crate::ticket::decide)), and
    /// the change is committed with its notifications. Returns the ticket
    /// after it. A customer message to a closed ticket opens a follow-up,
    /// which is returned instead.
    pub async fn execute(&self, actor: &Actor, id: TicketId, command: Command) -> Result<Ticket> {
        staff(actor, action_of(&command))?;
        self.run(actor, id, command, None).await
    }

    /// [`execute`](Self::execute) for any actor (the portal's too).
    pub(super) async fn run(
        &self,
        actor: &Actor,
        id: TicketId,
        command: Command,
        key: Option<&str>,
    ) -> Result<Ticket> {
        // `decide` validates the command (and `follow_up` the message).
        let action = action_of(&command);
        let command = &command;
        let work = self.once(key, || async move {
            let ticket = self.load_visible(actor, id).await?;
            actor.authorize(action, Some(&ticket))?;
            if let Command::Message { body, channel } = command
                && opens_follow_up(&ticket, &self.inner.lifecycle)
            {
                // Boxed: the follow-up's future is twice the size of the
                // common path's, and every command's future would carry it
                // (desk bench, callgrind: 23.5k -> 22.9k instructions a command).
                return Box::pin(self.follow_up(actor, ticket, body, channel.clone(), key)).await;
            }
            let events = decide::decide(&ticket, command, &self.context(actor))?;
            let mut d = Draft::on(ticket, self.inner.clock.now());
            d.record_all(events)?;
            self.write(vec![d], key).await
        });
        single(
            self.traced(command.name(), Some(id), actor.kind(), work)
                .await?,
        )
    }

    /// Opens a ticket on a customer's behalf (a phone call, a walk-in, an
    /// integration). The requester is sent an acknowledgment with the
    /// reference. Customers open their own through [`portal`](Self::portal).
    pub async fn open(&self, actor: &Actor, new: NewTicket) -> Result<Ticket> {
        staff(actor, Action::Open)?;
        self.open_as(actor, new, None).await
    }

    /// [`open`](Self::open) for any actor.
    pub(super) async fn open_as(
        &self,
        actor: &Actor,
        new: NewTicket,
        key: Option<&str>,
    ) -> Result<Ticket> {
        actor.authorize(Action::Open, None)?;
        if let Actor::Requester { id } = actor
            && new.requester.id != *id
        {
            return Err(Error::Forbidden {
                actor: actor.kind(),
                action: Action::OpenForOther,
                ticket: None,
            });
        }
        // `decide::open` validates the ticket.
        let new = &new;
        let work = self.once(key, || async move {
            let reference = self.inner.store.next_reference().await?;
            let created = decide::open(new.clone(), reference, Vec::new(), &self.context(actor))?;
            let mut d = self.new_draft(actor, created)?;
            self.route_new(&mut d).await?;
            self.write(vec![d], key).await
        });
        single(self.traced("open", None, actor.kind(), work).await?)
    }

    /// The draft of a new ticket from its decided `Created` event.
    pub(super) fn new_draft(
        &self,
        actor: &Actor,
        created: crate::ticket::TicketCreated,
    ) -> Result<Draft> {
        let at = self.inner.clock.now();
        Draft::created(TicketEvent::new(
            TicketId::new(),
            1,
            at,
            actor.event_actor(),
            EventKind::Created(Box::new(created)),
        ))
    }

    async fn follow_up(
        &self,
        actor: &Actor,
        closed: Ticket,
        body: &str,
        channel: Channel,
        key: Option<&str>,
    ) -> Result<Vec<Ticket>> {
        let reference = self.inner.store.next_reference().await?;
        let id = TicketId::new();
        let f = decide::follow_up(
            &closed,
            body,
            channel,
            (id, reference),
            &self.context(actor),
        )?;
        let at = self.inner.clock.now();
        let mut new = Draft::created(TicketEvent::new(
            id,
            1,
            at,
            actor.event_actor(),
            EventKind::Created(Box::new(f.created)),
        ))?;
        self.route_new(&mut new).await?;
        let mut original = Draft::on(closed, at);
        original.record_all(f.closed)?;
        self.write(vec![new, original], key).await
    }

    /// Records a message from the customer, logged by staff (from a phone
    /// call, say). A reply to a waiting or resolved ticket moves it per the
    /// lifecycle (Pending -> Open, Resolved -> Open reopens it). A message to
    /// a ticket in a final status (Closed) opens a follow-up ticket linked
    /// to it, which is returned.
    pub async fn add_message(
        &self,
        actor: &Actor,
        id: TicketId,
        body: &str,
        channel: Channel,
    ) -> Result<Ticket> {
        let body = body.to_owned();
        self.execute(actor, id, Command::Message { body, channel })
            .await
    }

    /// A public reply by staff; the requester is notified. A reply to a new
    /// ticket opens it (per the lifecycle's `on_agent_reply`).
    pub async fn reply(&self, actor: &Actor, id: TicketId, body: &str) -> Result<Ticket> {
        self.execute(actor, id, Command::reply(body)).await
    }

    /// An internal note: visible to staff only.
    pub async fn note(&self, actor: &Actor, id: TicketId, body: &str) -> Result<Ticket> {
        self.execute(actor, id, Command::note(body)).await
    }

    /// Moves the ticket to status `to` (an id or a label, ignoring case), if
    /// the lifecycle allows it: otherwise [`Error::InvalidTransition`]
    /// naming the allowed targets, or [`Error::UnknownStatus`] listing the
    /// statuses there are.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: TicketId,
        to: &str,
        reason: Option<&str>,
    ) -> Result<Ticket> {
        self.execute(actor, id, Command::transition(to, reason))
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
        self.execute(actor, id, Command::Assign { agent }).await
    }

    /// Moves the ticket to another group (`None` takes it out of any group).
    pub async fn change_group(
        &self,
        actor: &Actor,
        id: TicketId,
        group: Option<GroupId>,
    ) -> Result<Ticket> {
        self.execute(actor, id, Command::ChangeGroup { group })
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
        let reason = reason.to_owned();
        self.execute(actor, id, Command::SetPriority { priority, reason })
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
        self.execute(actor, id, Command::Update(update)).await
    }

    /// Corrects the requester's contact details on a ticket (an event, so
    /// the timeline shows who changed what). A changed organization may
    /// change the priority. Requesters correct their own through the portal.
    pub async fn update_requester(
        &self,
        actor: &Actor,
        id: TicketId,
        contact: ContactUpdate,
    ) -> Result<Ticket> {
        self.execute(actor, id, Command::UpdateRequester(contact))
            .await
    }

    /// Splits a contact about several problems into separate tickets, one
    /// per part, each linked to the original as its child and classified
    /// and routed on its own. All tickets are written atomically. Returns
    /// the new tickets.
    pub async fn split(
        &self,
        actor: &Actor,
        id: TicketId,
        parts: Vec<SplitPart>,
    ) -> Result<Vec<Ticket>> {
        staff(actor, Action::Split)?;
        let parts = &parts;
        let work = self.once(None, || async move {
            let original = self.load_visible(actor, id).await?;
            actor.authorize(Action::Split, Some(&original))?;
            let mut ids = Vec::with_capacity(parts.len());
            for _ in parts {
                ids.push((TicketId::new(), self.inner.store.next_reference().await?));
            }
            let split = decide::split(&original, parts, &ids, &self.context(actor))?;
            let at = self.inner.clock.now();
            let mut drafts = vec![Draft::on(original, at)];
            drafts[0].record_all(split.original)?;
            for (created, (child, _)) in split.parts.into_iter().zip(&ids) {
                let mut d = Draft::created(TicketEvent::new(
                    *child,
                    1,
                    at,
                    actor.event_actor(),
                    EventKind::Created(Box::new(created)),
                ))?;
                self.route_new(&mut d).await?;
                drafts.push(d);
            }
            let mut written = self.write(drafts, None).await?;
            // The first is the original; the rest are the new tickets.
            Ok(written.split_off(1))
        });
        self.traced("split", Some(id), actor.kind(), work).await
    }

    /// Merges duplicate `source` into `target`: the source is linked as a
    /// duplicate of the target and moved to the lifecycle's final status
    /// (Closed); its timeline stays readable. Returns the target.
    pub async fn merge(&self, actor: &Actor, source: TicketId, target: TicketId) -> Result<Ticket> {
        staff(actor, Action::Merge)?;
        let work = self.once(None, || async move {
            let s = self.load_visible(actor, source).await?;
            let t = self.load_visible(actor, target).await?;
            actor.authorize(Action::Merge, Some(&s))?;
            actor.authorize(Action::Merge, Some(&t))?;
            let m = decide::merge(&s, &t, &self.context(actor))?;
            let at = self.inner.clock.now();
            let mut sd = Draft::on(s, at);
            let mut td = Draft::on(t, at);
            sd.record_all(m.source)?;
            td.record_all(m.target)?;
            let mut written = self.write(vec![sd, td], None).await?;
            Ok(written.split_off(1))
        });
        single(
            self.traced("merge", Some(source), actor.kind(), work)
                .await?,
        )
    }

    /// Links two tickets; the reverse link is added to `to` in the same write.
    /// Linking twice changes nothing. Returns `from`.
    pub async fn link(
        &self,
        actor: &Actor,
        from: TicketId,
        kind: LinkKind,
        to: TicketId,
    ) -> Result<Ticket> {
        staff(actor, Action::Link)?;
        let work = self.once(None, || async move {
            let a = self.load_visible(actor, from).await?;
            let b = self.load_visible(actor, to).await?;
            actor.authorize(Action::Link, Some(&a))?;
            actor.authorize(Action::Link, Some(&b))?;
            let (on_a, on_b) = decide::link(&a, kind, &b, &self.context(actor))?;
            let at = self.inner.clock.now();
            let mut ad = Draft::on(a, at);
            let mut bd = Draft::on(b, at);
            ad.record_all(on_a)?;
            bd.record_all(on_b)?;
            let mut written = self.write(vec![ad, bd], None).await?;
            written.truncate(1);
            Ok(written)
        });
        single(self.traced("link", Some(from), actor.kind(), work).await?)
    }

    /// A ticket, if the staff actor may see it (else [`Error::NotFound`],
    /// as for a missing one).
    pub async fn get(&self, actor: &Actor, id: TicketId) -> Result<Ticket> {
        staff(actor, Action::View)?;
        let t = self.load_visible(actor, id).await?;
        self.audit_read(actor, &t, "get").await?;
        Ok(t)
    }

    /// A ticket by its reference (`#1042`), if the staff actor may see it.
    pub async fn get_by_reference(&self, actor: &Actor, reference: TicketRef) -> Result<Ticket> {
        staff(actor, Action::View)?;
        let t = self.load_visible_by_reference(actor, reference).await?;
        self.audit_read(actor, &t, "get_by_reference").await?;
        Ok(t)
    }

    /// The ticket's full timeline, internal notes and bookkeeping included,
    /// for staff who may see the ticket.
    pub async fn timeline(&self, actor: &Actor, id: TicketId) -> Result<Vec<TicketEvent>> {
        staff(actor, Action::View)?;
        let t = self.load_visible(actor, id).await?;
        self.audit_read(actor, &t, "timeline").await?;
        self.inner.store.timeline(id).await
    }

    /// One page of the tickets the staff actor may see that match the
    /// query's filter, in its order (the query's visibility is replaced by
    /// the actor's). Pass the returned [`Page::next`] to continue.
    ///
    /// ```
    /// use helpdesk::store::{Sort, TicketFilter, TicketQuery};
    /// use helpdesk::{Actor, AgentId, HelpDesk};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let desk = HelpDesk::builder().build()?;
    /// let queue = TicketQuery::new(TicketFilter::default().status(["new", "open"]), 50)
    ///     .sort(Sort::Priority);
    /// let page = desk.list(&Actor::supervisor(AgentId::new()), queue).await?;
    /// assert!(page.items.is_empty() && page.next.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn list(&self, actor: &Actor, query: TicketQuery) -> Result<Page<Ticket>> {
        staff(actor, Action::View)?;
        let query = query.visibility(actor.visibility());
        self.inner.store.list(&query).await
    }

    /// Tickets the staff actor may see whose next SLA due falls within
    /// `within` of business time from now, in each ticket's own SLA calendar
    /// (overdue ones included), earliest due first. Needs SLA policies.
    pub async fn breaching_soon(
        &self,
        actor: &Actor,
        within: BusinessDuration,
        limit: usize,
    ) -> Result<Page<Ticket>> {
        staff(actor, Action::View)?;
        let sla = self.inner.sla.as_ref().ok_or(Error::NotConfigured {
            what: "SLA policy",
            how: "add one with HelpDeskBuilder::sla or an [sla] table in the desk configuration",
        })?;
        let now = self.inner.clock.now();
        let mut filter = TicketFilter::default();
        for s in sla.selections() {
            let by = s.calendar.add(now, within.as_duration())?;
            filter = filter.sla_due_by(s.policy.name.clone(), by);
        }
        let query = TicketQuery::new(filter, limit)
            .sort(Sort::NextDue)
            .visibility(actor.visibility());
        self.inner.store.list(&query).await
    }
}
