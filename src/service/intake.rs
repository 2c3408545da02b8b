//! Intake: inbound messages from every channel become tickets and customer
//! messages ([`HelpDesk::receive`]), and their attachments are read back.

use super::commands::staff;
use super::{Draft, HelpDesk};
use crate::access::{Action, Actor};
use crate::error::{Error, ErrorKind, Result};
use crate::id::{AgentId, AttachmentId, CustomerId, EventId, TicketId};
use crate::intake::{InboundMessage, Sender, text};
use crate::notify::thread::{self, ThreadId};
use crate::store::{
    Attachment, AttachmentInfo, ContactKey, InboundEntry, InboundRecord, IntakeStore, NewAttachment,
};
use crate::ticket::decide::{self, Command, opens_follow_up};
use crate::ticket::view::AgentNames;
use crate::ticket::{
    Channel, EventKind, MAX_SUBJECT_CHARS, NewTicket, Requester, RequesterEvent, Ticket,
    TicketEvent,
};

/// What [`HelpDesk::receive`] did with an inbound message.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Received {
    /// Nothing pointed to an existing ticket: a new one was opened.
    Opened {
        /// The new ticket.
        ticket: Ticket,
        /// True when the sender was not known and became a new requester.
        new_requester: bool,
    },
    /// The message was added to the ticket it answers.
    Added {
        /// The ticket after it.
        ticket: Ticket,
    },
    /// The message answered a closed ticket, so it opened a follow-up
    /// linked to it (as the lifecycle does for any customer message there).
    FollowUp {
        /// The new follow-up ticket.
        ticket: Ticket,
        /// The closed ticket it follows.
        closed: TicketId,
    },
    /// The same `(channel, external id)` was taken in before: nothing was
    /// written. Says where it went the first time.
    Duplicate {
        /// The ticket the first delivery opened or joined.
        ticket_id: TicketId,
        /// The event that holds its text.
        event_id: EventId,
    },
    /// The email is not to become a ticket (an auto-reply, a bounce, bulk
    /// mail, the desk's own mail), and why ([`HelpDesk::receive_email`]).
    #[cfg(feature = "email")]
    #[cfg_attr(docsrs, doc(cfg(feature = "email")))]
    Skipped(crate::intake::email::Skipped),
}

impl Received {
    /// The ticket the message is on (opened, added to, followed up, or the
    /// first delivery's); `None` when it was skipped.
    pub fn ticket_id(&self) -> Option<TicketId> {
        match self {
            Received::Opened { ticket, .. }
            | Received::Added { ticket }
            | Received::FollowUp { ticket, .. } => Some(ticket.id),
            Received::Duplicate { ticket_id, .. } => Some(*ticket_id),
            #[cfg(feature = "email")]
            Received::Skipped(_) => None,
        }
    }

    /// The ticket written, for the outcomes that wrote one.
    pub fn ticket(&self) -> Option<&Ticket> {
        match self {
            Received::Opened { ticket, .. }
            | Received::Added { ticket }
            | Received::FollowUp { ticket, .. } => Some(ticket),
            _ => None,
        }
    }
}

/// The sender as the desk knows them.
struct Matched {
    requester: Requester,
    new: bool,
    /// The sender's contact keys that nobody else holds: indexed for them.
    claim: Vec<ContactKey>,
}

/// Attachment visibility checks name no agent.
struct NoNames;

impl AgentNames for NoNames {
    fn name_of(&self, _agent: AgentId) -> Option<String> {
        None
    }
}

impl HelpDesk {
    /// Takes in a message from a customer, from any channel: matches the
    /// sender to a requester (by email, phone or handle; else a new
    /// requester), finds the ticket it belongs to and adds it there as the
    /// customer's message, or opens a new ticket. A message to a closed
    /// ticket opens a follow-up. Attachments and the raw message are stored
    /// with it, in the same atomic write.
    ///
    /// Threading, in order: the ticket reference the sender named (the
    /// subject tag), then the message ids it answers (`In-Reply-To`, then
    /// `References`): the desk's own Message-IDs (a notification's or a
    /// ticket's thread root, in [`IntakeConfig::mail_domain`](crate::intake::IntakeConfig::mail_domain))
    /// and the ids of messages taken in before on the same channel. A
    /// ticket found so counts only when the sender is its requester, so
    /// nobody can write into someone else's ticket by quoting its number;
    /// otherwise a new ticket is opened.
    ///
    /// The same `(channel, external id)` twice is one message
    /// ([`Received::Duplicate`]), on every back end and however many desks
    /// race. A message over the [limits](crate::intake::IntakeLimits) is an
    /// [`Error::Validation`] naming the limit, and nothing is stored. The
    /// store must support intake ([`TicketStore::intake`](crate::TicketStore::intake)).
    ///
    /// ```
    /// use helpdesk::intake::{InboundMessage, Sender};
    /// use helpdesk::{Channel, HelpDesk, Received};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let desk = HelpDesk::builder().build()?;
    /// let msg = InboundMessage::new(Channel::Chat, "wamid.1", Sender::new().phone("+30 210 555 0100"), "Ο εκτυπωτής δεν τυπώνει.");
    /// let Received::Opened { ticket, new_requester } = desk.receive(msg.clone()).await? else { panic!() };
    /// assert!(new_requester);
    /// // The platform retries its webhook: still one message.
    /// assert_eq!(desk.receive(msg).await?.ticket_id(), Some(ticket.id));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn receive(&self, message: InboundMessage) -> Result<Received> {
        self.take_in(None, message).await
    }

    /// [`receive`](Self::receive) with staff `actor` as the one who records
    /// it on the customer's behalf (a phone call an agent logs): the
    /// timeline shows the agent wrote the customer's words.
    pub async fn receive_as(&self, actor: &Actor, message: InboundMessage) -> Result<Received> {
        staff(actor, Action::Message)?;
        self.take_in(Some(actor), message).await
    }

    /// Parses a raw RFC 5322 email (a file from a Maildir, an inbound-mail
    /// webhook's body) with the desk's [`IntakeConfig`](crate::intake::IntakeConfig)
    /// and [receives](Self::receive) it; an auto-reply, a bounce, bulk mail
    /// or the desk's own mail is [`Received::Skipped`] with the reason.
    /// Unreadable mail and mail over the limits are [`Error::Validation`].
    #[cfg(feature = "email")]
    #[cfg_attr(docsrs, doc(cfg(feature = "email")))]
    pub async fn receive_email(&self, raw: &[u8]) -> Result<Received> {
        use crate::intake::email::{Parsed, parse};
        match parse(raw, &self.inner.intake.email())? {
            Parsed::Message(m) => self.receive(*m).await,
            Parsed::Skipped(s) => {
                tracing::info!(reason = %s.reason, message_id = s.message_id.as_deref(), "email skipped");
                Ok(Received::Skipped(s))
            }
        }
    }

    fn intake_store(&self) -> Result<&dyn IntakeStore> {
        self.inner.store.intake().ok_or(Error::NotConfigured {
            what: "intake store",
            how: "use a store with intake (InMemoryStore, SqliteStore, PostgresStore)",
        })
    }

    async fn take_in(&self, by: Option<&Actor>, message: InboundMessage) -> Result<Received> {
        let intake = self.intake_store()?;
        message.validate(&self.inner.intake.limits)?;
        let msg = &message;
        let work = async {
            let result = self
                .retrying(|| async move {
                    if let Some(e) = intake.inbound(&msg.channel, &msg.external_id).await? {
                        return Ok(duplicate(&e));
                    }
                    self.put_contents(msg).await?;
                    let matched = self.match_sender(intake, &msg.sender, &msg.channel).await?;
                    let actor = by
                        .cloned()
                        .unwrap_or_else(|| Actor::requester(matched.requester.id));
                    match self
                        .thread_of(intake, msg, &matched.requester, &actor)
                        .await?
                    {
                        Some(t) => self.add_to(&actor, t, msg, matched).await,
                        None => self.open_from(&actor, msg, matched).await,
                    }
                })
                .await;
            match result {
                // Another desk took the same message in first.
                Err(e) if e.kind() == ErrorKind::Duplicate => {
                    match intake.inbound(&msg.channel, &msg.external_id).await? {
                        Some(entry) => Ok(duplicate(&entry)),
                        None => Err(e),
                    }
                }
                other => other,
            }
        };
        let kind = by.map_or(crate::ActorKind::Requester, Actor::kind);
        self.traced("receive", None, kind, work).await
    }

    /// The requester the sender is (by email, then phone, then handle), or
    /// a new one.
    async fn match_sender(
        &self,
        intake: &dyn IntakeStore,
        sender: &Sender,
        channel: &Channel,
    ) -> Result<Matched> {
        let keys: Vec<ContactKey> = [
            sender.email.as_deref().and_then(ContactKey::email),
            sender.phone.as_deref().and_then(ContactKey::phone),
            sender
                .handle
                .as_deref()
                .and_then(|h| ContactKey::handle(channel, h)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut held = Vec::with_capacity(keys.len());
        for k in &keys {
            held.push(intake.contact(k).await?);
        }
        let found = held.iter().flatten().next().cloned();
        let new = found.is_none();
        let mut requester = found.unwrap_or_else(|| {
            let name = [&sender.name, &sender.email, &sender.phone, &sender.handle]
                .into_iter()
                .flatten()
                .next()
                .cloned()
                .unwrap_or_default();
            Requester::new(CustomerId::new(), name)
        });
        if requester.email.is_none() {
            requester.email.clone_from(&sender.email);
        }
        if requester.phone.is_none() {
            requester.phone.clone_from(&sender.phone);
        }
        // Keys another customer holds stay theirs: one sender's message
        // never moves someone else's contact.
        let claim = keys
            .into_iter()
            .zip(held)
            .filter(|(_, h)| h.as_ref().is_none_or(|r| r.id == requester.id))
            .map(|(k, _)| k)
            .collect();
        Ok(Matched {
            requester,
            new,
            claim,
        })
    }

    /// The ticket the message belongs to, if any (see [`receive`](Self::receive)).
    async fn thread_of(
        &self,
        intake: &dyn IntakeStore,
        msg: &InboundMessage,
        requester: &Requester,
        actor: &Actor,
    ) -> Result<Option<Ticket>> {
        let store = &self.inner.store;
        let ours = |t: &Ticket| t.requester.id == requester.id && actor.can_see(t);
        if let Some(reference) = msg.thread.ticket_ref
            && let Some(t) = store.load_by_reference(reference).await?
            && ours(&t)
        {
            return Ok(Some(t));
        }
        let domain = self.inner.intake.mail_domain.as_deref();
        for id in msg.thread.message_ids() {
            let ticket = match domain.and_then(|d| thread::parse(id, d)) {
                Some(ThreadId::Ticket(t)) => Some(t),
                Some(ThreadId::Notification(n)) => intake.notification_ticket(n).await?,
                None => intake.inbound(&msg.channel, id).await?.map(|e| e.ticket_id),
            };
            if let Some(id) = ticket
                && let Some(t) = store.load(id).await?
                && ours(&t)
            {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    /// Adds the message to `ticket` (or opens its follow-up when closed).
    async fn add_to(
        &self,
        actor: &Actor,
        ticket: Ticket,
        msg: &InboundMessage,
        matched: Matched,
    ) -> Result<Received> {
        let body = timeline_text(msg);
        let channel = msg.channel.clone();
        if opens_follow_up(&ticket, &self.inner.lifecycle) {
            let closed = ticket.id;
            let reference = self.inner.store.next_reference().await?;
            let id = TicketId::new();
            let f = decide::follow_up(
                &ticket,
                &body,
                channel,
                (id, reference),
                &self.context(actor),
            )?;
            let at = self.inner.clock.now();
            let created = TicketEvent::new(
                id,
                1,
                at,
                actor.event_actor(),
                EventKind::Created(Box::new(f.created)),
            );
            let record = self.record(msg, (id, created.id), matched, at);
            let mut new = Draft::created(created)?;
            self.route_new(&mut new).await?;
            let mut original = Draft::on(ticket, at);
            original.record_all(f.closed)?;
            let mut written = self.write_inbound(vec![new, original], record).await?;
            written.truncate(1);
            let ticket = super::single(written)?;
            return Ok(Received::FollowUp { ticket, closed });
        }
        actor.authorize(Action::Message, Some(&ticket))?;
        let events = decide::decide(
            &ticket,
            &Command::Message { body, channel },
            &self.context(actor),
        )?;
        let at = self.inner.clock.now();
        let mut d = Draft::on(ticket, at);
        d.record_all(events)?;
        let event = d
            .events
            .iter()
            .find(|e| matches!(e.kind, EventKind::CustomerMessage { .. }))
            .map(|e| e.id)
            .ok_or_else(|| Error::internal("a customer message recorded no message event"))?;
        let record = self.record(msg, (d.ticket.id, event), matched, at);
        let ticket = super::single(self.write_inbound(vec![d], record).await?)?;
        Ok(Received::Added { ticket })
    }

    /// Opens a new ticket with the message.
    async fn open_from(
        &self,
        actor: &Actor,
        msg: &InboundMessage,
        matched: Matched,
    ) -> Result<Received> {
        actor.authorize(Action::Open, None)?;
        let new = NewTicket::new(
            matched.requester.clone(),
            msg.channel.clone(),
            new_subject(msg, &self.inner.intake.subject_tag),
            timeline_text(msg),
        );
        let reference = self.inner.store.next_reference().await?;
        let created = decide::open(new, reference, Vec::new(), &self.context(actor))?;
        let mut d = self.new_draft(actor, created)?;
        self.route_new(&mut d).await?;
        let event = d.events[0].id;
        let new_requester = matched.new;
        let record = self.record(msg, (d.ticket.id, event), matched, d.at);
        let ticket = super::single(self.write_inbound(vec![d], record).await?)?;
        Ok(Received::Opened {
            ticket,
            new_requester,
        })
    }

    /// A ticket's attachments (and raw messages), for staff who may see it.
    pub async fn attachments(
        &self,
        actor: &Actor,
        ticket: TicketId,
    ) -> Result<Vec<AttachmentInfo>> {
        staff(actor, Action::View)?;
        self.load_visible(actor, ticket).await?;
        self.intake_store()?.attachments(ticket).await
    }

    /// One attachment with its content, for staff who may see its ticket
    /// (else [`Error::NotFound`], as for a missing one).
    pub async fn attachment(&self, actor: &Actor, id: AttachmentId) -> Result<Attachment> {
        staff(actor, Action::View)?;
        let info = self
            .intake_store()?
            .attachment_info(id)
            .await?
            .ok_or_else(|| Error::not_found("attachment", id))?;
        self.load_visible(actor, info.ticket_id)
            .await
            .map_err(|_| Error::not_found("attachment", id))?;
        self.with_content(info).await
    }

    /// The attachments requester `actor` may see on `ticket`: the files of
    /// their public messages (not the raw messages, not files on anything
    /// staff-only).
    pub(super) async fn requester_attachments(
        &self,
        actor: &Actor,
        ticket: TicketId,
    ) -> Result<Vec<AttachmentInfo>> {
        self.load_visible(actor, ticket).await?;
        let timeline = self.inner.store.timeline(ticket).await?;
        let lc = &self.inner.lifecycle;
        let public = |event: EventId| {
            timeline
                .iter()
                .find(|e| e.id == event)
                .is_some_and(|e| RequesterEvent::of(e, lc, &NoNames).is_some())
        };
        Ok(self
            .intake_store()?
            .attachments(ticket)
            .await?
            .into_iter()
            .filter(|a| !a.raw_message && public(a.event_id))
            .collect())
    }

    /// One attachment requester `actor` may see (else not found).
    pub(super) async fn requester_attachment(
        &self,
        actor: &Actor,
        id: AttachmentId,
    ) -> Result<Attachment> {
        let missing = || Error::not_found("attachment", id);
        let info = self
            .intake_store()?
            .attachment_info(id)
            .await?
            .ok_or_else(missing)?;
        let visible = self
            .requester_attachments(actor, info.ticket_id)
            .await
            .map_err(|_| missing())?;
        if visible.iter().any(|v| v.id == id) {
            self.with_content(info).await
        } else {
            Err(missing())
        }
    }

    /// Stores the message's contents in the attachment store apart, if the
    /// desk has one, before the commit writes their rows. Putting is
    /// idempotent, so a retried intake puts nothing new.
    async fn put_contents(&self, msg: &InboundMessage) -> Result<()> {
        let Some(files) = &self.inner.attachment_store else {
            return Ok(());
        };
        for bytes in msg
            .attachments
            .iter()
            .map(|a| &a.bytes)
            .chain(msg.raw.as_ref())
        {
            files.put_content(bytes).await?;
        }
        Ok(())
    }

    /// The attachment `info` describes, with its content: from the
    /// attachment store apart when the desk has one (falling back to the
    /// store, for contents taken in before it was plugged in), else from
    /// the store.
    async fn with_content(&self, info: AttachmentInfo) -> Result<Attachment> {
        let id = info.id;
        if let Some(files) = &self.inner.attachment_store
            && let Some(bytes) = files.content(&info.sha256).await?
        {
            return Ok(Attachment::new(info, bytes));
        }
        match self.intake_store()?.attachment(id).await? {
            Some(a) => Ok(a),
            None => Err(Error::corrupt(
                format!(
                    "the content {} of attachment {id} is in no attachment store",
                    info.sha256
                ),
                None,
            )),
        }
    }

    /// The content keys of ticket `id`'s attachments, when the desk keeps
    /// contents apart (else none: the store deletes its own with the ticket).
    pub(super) async fn contents_apart_of(&self, id: TicketId) -> Result<Vec<String>> {
        if self.inner.attachment_store.is_none() {
            return Ok(Vec::new());
        }
        let Some(intake) = self.inner.store.intake() else {
            return Ok(Vec::new());
        };
        let mut keys: Vec<String> = intake
            .attachments(id)
            .await?
            .into_iter()
            .map(|a| a.sha256)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        Ok(keys)
    }

    /// Removes from the attachment store apart the contents of `keys` that
    /// no attachment refers to any more (after a retention delete).
    pub(super) async fn remove_unreferenced(&self, keys: Vec<String>) -> Result<()> {
        let (Some(files), Some(intake)) = (&self.inner.attachment_store, self.inner.store.intake())
        else {
            return Ok(());
        };
        for key in keys {
            if !intake.content_referenced(&key).await? {
                files.remove_content(&key).await?;
            }
        }
        Ok(())
    }

    /// What the commit stores about `msg`, taken into `event` of `ticket`.
    fn record(
        &self,
        msg: &InboundMessage,
        at_event: (TicketId, EventId),
        matched: Matched,
        at: chrono::DateTime<chrono::Utc>,
    ) -> InboundRecord {
        let r = record(msg, at_event, matched, at);
        if self.inner.attachment_store.is_some() {
            r.keep_contents_apart()
        } else {
            r
        }
    }
}

fn duplicate(e: &InboundEntry) -> Received {
    Received::Duplicate {
        ticket_id: e.ticket_id,
        event_id: e.event_id,
    }
}

/// What the commit stores about `msg`, taken into `event` of `ticket`.
fn record(
    msg: &InboundMessage,
    at_event: (TicketId, EventId),
    matched: Matched,
    at: chrono::DateTime<chrono::Utc>,
) -> InboundRecord {
    let mut r = InboundRecord::new(
        msg.channel.clone(),
        msg.external_id.clone(),
        at_event,
        matched.requester,
        at,
    )
    .contacts(matched.claim);
    for a in &msg.attachments {
        r = r.attachment(NewAttachment::file(
            a.filename.clone(),
            a.content_type.clone(),
            a.bytes.clone(),
        ));
    }
    if let Some(raw) = &msg.raw {
        let (name, kind) = match msg.channel {
            Channel::Email => ("message.eml", "message/rfc822"),
            _ => ("message.raw", "application/octet-stream"),
        };
        r = r.attachment(NewAttachment::raw_message(name, kind, raw.clone()));
    }
    r
}

/// The text for the timeline: the trimmed text; the full text when
/// trimming left nothing; else a line naming the attachments, so a message
/// of files alone still shows on the timeline.
fn timeline_text(msg: &InboundMessage) -> String {
    if !msg.text.trim().is_empty() {
        return msg.text.clone();
    }
    if !msg.full_text.trim().is_empty() {
        return msg.full_text.trim().to_owned();
    }
    let names: Vec<&str> = msg
        .attachments
        .iter()
        .map(|a| a.filename.as_str())
        .collect();
    if names.is_empty() {
        // `validate` lets through a message with only a subject.
        msg.subject.trim().to_owned()
    } else {
        format!("(attached: {})", names.join(", "))
    }
}

/// A new ticket's subject: the cleaned subject, else the text's first
/// line, cut to the longest subject allowed.
fn new_subject(msg: &InboundMessage, tag: &crate::intake::SubjectTag) -> String {
    let cleaned = text::clean_subject(&msg.subject, tag);
    let s = if cleaned.trim().is_empty() {
        timeline_text(msg)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("(no subject)")
            .to_owned()
    } else {
        cleaned
    };
    if s.chars().count() > MAX_SUBJECT_CHARS {
        let mut cut: String = s.chars().take(MAX_SUBJECT_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        s
    }
}
