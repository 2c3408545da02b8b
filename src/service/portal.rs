//! The customer's side of the desk: what a self-service page needs.

use super::HelpDesk;
use crate::access::{Action, Actor};
use crate::error::Result;
use crate::id::{AgentId, CustomerId, TicketId, TicketRef};
use crate::routing::RoutingConfig;
use crate::store::{Page, TicketQuery};
use crate::ticket::decide::{Command, ContactUpdate};
use crate::ticket::view::AgentNames;
use crate::ticket::{Channel, NewTicket, RequesterEvent, RequesterTicket, Ticket};

/// One customer's view of the desk: their own tickets, as
/// [`RequesterTicket`]s and [`RequesterEvent`]s that hold only what a
/// requester may see (no internal notes, priority reasons, groups,
/// watchers or SLA internals; see [`ticket::view`](crate::ticket::view)).
/// A ticket of someone else is [`Error::NotFound`](crate::Error::NotFound),
/// exactly like a missing one, so ticket numbers cannot be probed.
///
/// Get one with [`HelpDesk::portal`]; the embedding app decides who the
/// customer is (its own login).
///
/// ```
/// use helpdesk::{Channel, CustomerId, ErrorKind, HelpDesk, NewTicket, PortalQuery, Requester};
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let desk = HelpDesk::builder().build()?;
/// let (ada, bob) = (CustomerId::new(), CustomerId::new());
/// let t = desk.portal(ada)
///     .open(NewTicket::new(Requester::new(ada, "Ada"), Channel::Portal, "VPN drops", "Hourly."))
///     .await?;
/// let mine = desk.portal(ada).tickets(PortalQuery::default()).await?;
/// assert_eq!(mine.items[0].reference, t.reference);
/// // Bob cannot tell Ada's ticket from one that does not exist.
/// let err = desk.portal(bob).ticket(t.id).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Portal<'a> {
    desk: &'a HelpDesk,
    actor: Actor,
    key: Option<&'a str>,
}

/// Agent names from the routing configuration.
struct Names<'a>(Option<&'a RoutingConfig>);

impl AgentNames for Names<'_> {
    fn name_of(&self, agent: AgentId) -> Option<String> {
        self.0?.agent_name(agent).map(str::to_owned)
    }
}

impl HelpDesk {
    /// The self-service view of the desk for `customer`.
    pub fn portal(&self, customer: CustomerId) -> Portal<'_> {
        Portal {
            desk: self,
            actor: Actor::requester(customer),
            key: None,
        }
    }
}

impl<'a> Portal<'a> {
    pub(super) fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        match self.actor {
            Actor::Requester { id } => id,
            // `HelpDesk::portal` only makes requester portals.
            _ => CustomerId::from_uuid(uuid::Uuid::nil()),
        }
    }

    /// The desk behind the portal.
    pub(super) fn desk(&self) -> &'a HelpDesk {
        self.desk
    }

    /// The same portal, carrying out the next command at most once per
    /// idempotency `key` (a form submitted twice, a retried request).
    pub fn idempotent(&self, key: &'a str) -> Portal<'a> {
        Portal {
            key: Some(key),
            ..self.clone()
        }
    }

    pub(super) fn view(&self, t: &Ticket) -> RequesterTicket {
        RequesterTicket::of(
            t,
            &self.desk.inner.lifecycle,
            &Names(self.desk.inner.routing.as_ref()),
        )
    }

    /// Opens a ticket for the customer (the requester must be them); they
    /// are sent an acknowledgment with the reference.
    pub async fn open(&self, new: NewTicket) -> Result<RequesterTicket> {
        let t = self.desk.open_as(&self.actor, new, self.key).await?;
        Ok(self.view(&t))
    }

    /// The customer writes on their ticket through the portal. A message to
    /// a closed ticket opens a follow-up, which is returned.
    pub async fn reply(&self, id: TicketId, body: &str) -> Result<RequesterTicket> {
        self.message(id, body, Channel::Portal).await
    }

    /// The customer writes on their ticket, through `channel`.
    pub async fn message(
        &self,
        id: TicketId,
        body: &str,
        channel: Channel,
    ) -> Result<RequesterTicket> {
        let command = Command::Message {
            body: body.to_owned(),
            channel,
        };
        let t = self.desk.run(&self.actor, id, command, self.key).await?;
        Ok(self.view(&t))
    }

    /// The customer corrects their name, email or phone on a ticket.
    pub async fn update_contact(
        &self,
        id: TicketId,
        contact: ContactUpdate,
    ) -> Result<RequesterTicket> {
        let command = Command::UpdateRequester(contact);
        let t = self.desk.run(&self.actor, id, command, self.key).await?;
        Ok(self.view(&t))
    }

    /// One of the customer's tickets.
    pub async fn ticket(&self, id: TicketId) -> Result<RequesterTicket> {
        let t = self.desk.load_visible(&self.actor, id).await?;
        Ok(self.view(&t))
    }

    /// One of the customer's tickets, by its reference (`#1042`).
    pub async fn ticket_by_reference(&self, reference: TicketRef) -> Result<RequesterTicket> {
        let t = self
            .desk
            .load_visible_by_reference(&self.actor, reference)
            .await?;
        Ok(self.view(&t))
    }

    /// The public timeline of one of the customer's tickets.
    pub async fn timeline(&self, id: TicketId) -> Result<Vec<RequesterEvent>> {
        self.desk.load_visible(&self.actor, id).await?;
        let names = Names(self.desk.inner.routing.as_ref());
        let lc = &self.desk.inner.lifecycle;
        Ok(self
            .desk
            .inner
            .store
            .timeline(id)
            .await?
            .iter()
            .filter_map(|e| RequesterEvent::of(e, lc, &names))
            .collect())
    }

    /// A page of the customer's tickets matching `query` (its visibility is
    /// replaced by the customer's own). `Default::default()` lists the 50
    /// most recently changed.
    pub async fn tickets(&self, query: PortalQuery) -> Result<Page<RequesterTicket>> {
        self.actor.authorize(Action::View, None)?;
        let q = TicketQuery::new(query.filter, query.limit)
            .sort(query.sort)
            .after(query.after)
            .visibility(self.actor.visibility());
        let page = self.desk.inner.store.list(&q).await?;
        Ok(page.map(|t| self.view(&t)))
    }

    /// The files the customer may see on one of their tickets: those of
    /// public messages (their own and the desk's), not raw messages.
    pub async fn attachments(&self, id: TicketId) -> Result<Vec<crate::store::AttachmentInfo>> {
        self.desk.requester_attachments(&self.actor, id).await
    }

    /// One file the customer may see (else not found, as for a missing one).
    pub async fn attachment(&self, id: crate::AttachmentId) -> Result<crate::store::Attachment> {
        self.desk.requester_attachment(&self.actor, id).await
    }
}

/// Which of their tickets a customer lists.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortalQuery {
    /// What to list (status, text, dates, ...).
    pub filter: crate::store::TicketFilter,
    /// The order.
    pub sort: crate::store::Sort,
    /// Page size, 1..=1000 (default 50).
    pub limit: usize,
    /// Continue after this cursor.
    pub after: Option<crate::store::Cursor>,
}

impl Default for PortalQuery {
    fn default() -> Self {
        PortalQuery {
            filter: crate::store::TicketFilter::default(),
            sort: crate::store::Sort::Updated,
            limit: 50,
            after: None,
        }
    }
}
