//! The storage port and its back ends.
//!
//! [`Store`] is what the desk needs from a database: atomic commits of
//! ticket snapshots, their events and outgoing notifications; timelines;
//! filtered, cursor-paginated listing; the deadline index that time-driven
//! work (SLA, escalation) is claimed from; and the outbox.
//!
//! | back end | feature | use it for |
//! |---|---|---|
//! | [`InMemoryStore`] | always | tests, demos, caches |
//! | `SqliteStore` | `sqlite` (default) | one node, embedded, no server |
//! | `PostgresStore` | `postgres` | many app nodes sharing one database |
//!
//! The trait is object safe: hold an `Arc<dyn Store>`.

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_common;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(any(test, feature = "test-util"))]
pub mod conformance;

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{AgentId, CustomerId, GroupId, NotificationId, TicketId, TicketRef};
use crate::notify::Notification;
use crate::priority::Priority;
use crate::ticket::{StatusId, Ticket, TicketEvent};

pub use memory::InMemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// One ticket's part of a [`Commit`].
#[derive(Debug, Clone, PartialEq)]
pub struct TicketWrite {
    /// The snapshot after `events`.
    pub ticket: Ticket,
    /// The new events, in order, continuing the stored timeline.
    pub events: Vec<TicketEvent>,
    /// The version the change was based on; `None` inserts a new ticket.
    pub expected_version: Option<u64>,
    /// When time-driven work is next due for the ticket (the deadline index).
    pub next_deadline: Option<DateTime<Utc>>,
}

/// Everything one command writes, applied atomically: all or nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Commit {
    /// The tickets written (several for split and merge).
    pub tickets: Vec<TicketWrite>,
    /// Notifications to enqueue in the outbox.
    pub outbox: Vec<Notification>,
    /// Outbox entries may not be claimed before this instant. The desk sets
    /// it a little ahead when it delivers them itself right after the
    /// commit, so other dispatchers do not deliver them a second time;
    /// `None` makes them claimable at once.
    pub outbox_not_before: Option<DateTime<Utc>>,
}

/// A notification waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// The notification.
    pub notification: Notification,
    /// Failed delivery attempts so far.
    pub attempts: u32,
    /// The last delivery error.
    pub last_error: Option<String>,
}

/// Who is asking for a listing; the store returns only what they may see.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Visibility {
    /// Everything (supervisors, admins, system).
    #[default]
    All,
    /// Only this customer's tickets.
    Requester(CustomerId),
    /// Tickets in these groups, assigned to this agent, or without a group.
    Agent {
        /// The agent.
        id: AgentId,
        /// Their groups.
        groups: Vec<GroupId>,
    },
}

impl Visibility {
    /// Whether `ticket` is visible; back ends that filter in memory use this.
    pub fn allows(&self, ticket: &Ticket) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Requester(id) => ticket.requester.id == *id,
            Visibility::Agent { id, groups } => {
                crate::access::agent_sees(*id, |g| groups.contains(g), ticket)
            }
        }
    }
}

/// Filters for listing tickets; every set part must match.
///
/// ```
/// use helpdesk::store::TicketFilter;
/// use helpdesk::{AgentId, Priority};
/// let queue = TicketFilter::default()
///     .status(["new", "open"])
///     .assignee(AgentId::new())
///     .priority([Priority::Critical, Priority::High]);
/// assert_eq!(queue.status.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketFilter {
    /// Status is one of these (empty: any).
    pub status: Vec<StatusId>,
    /// In this group.
    pub group: Option<GroupId>,
    /// Assigned to this agent.
    pub assignee: Option<AgentId>,
    /// Priority is one of these (empty: any).
    pub priority: Vec<Priority>,
    /// Asked by this customer.
    pub requester: Option<CustomerId>,
    /// The subject contains this text (case-insensitive).
    pub text: Option<String>,
}

impl TicketFilter {
    /// Status is one of these.
    pub fn status<S: Into<StatusId>>(mut self, s: impl IntoIterator<Item = S>) -> Self {
        self.status = s.into_iter().map(Into::into).collect();
        self
    }
    /// In this group.
    pub fn group(mut self, g: GroupId) -> Self {
        self.group = Some(g);
        self
    }
    /// Assigned to this agent.
    pub fn assignee(mut self, a: AgentId) -> Self {
        self.assignee = Some(a);
        self
    }
    /// Priority is one of these.
    pub fn priority(mut self, p: impl IntoIterator<Item = Priority>) -> Self {
        self.priority = p.into_iter().collect();
        self
    }
    /// Asked by this customer.
    pub fn requester(mut self, c: CustomerId) -> Self {
        self.requester = Some(c);
        self
    }
    /// Subject contains this text.
    pub fn text(mut self, t: impl Into<String>) -> Self {
        self.text = Some(t.into());
        self
    }

    /// Whether `ticket` passes the filter; back ends that filter in memory use this.
    pub fn matches(&self, ticket: &Ticket) -> bool {
        (self.status.is_empty() || self.status.contains(&ticket.status))
            && self
                .group
                .as_ref()
                .is_none_or(|g| ticket.group.as_ref() == Some(g))
            && self.assignee.is_none_or(|a| ticket.assignee == Some(a))
            && (self.priority.is_empty() || self.priority.contains(&ticket.priority))
            && self.requester.is_none_or(|r| ticket.requester.id == r)
            && self
                .text
                .as_ref()
                .is_none_or(|t| ticket.subject.to_lowercase().contains(&t.to_lowercase()))
    }
}

/// An opaque position in a listing: pass [`Page::next`] back to get the next page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// The cursor after `id` (listings are ordered by ticket id, i.e. by creation).
    pub fn after(id: TicketId) -> Self {
        Cursor(id.to_string())
    }
    /// The ticket id the cursor points after.
    pub fn ticket_id(&self) -> Result<TicketId> {
        self.0
            .parse()
            .map_err(|_| Error::validation("cursor", format!("`{}` is not a cursor", self.0)))
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Cursor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let c = Cursor(s.to_owned());
        c.ticket_id()?;
        Ok(c)
    }
}

/// A listing request: filter, visibility, page size and position.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TicketQuery {
    /// What to list.
    pub filter: TicketFilter,
    /// Whose view.
    pub visibility: Visibility,
    /// Page size, 1..=1000.
    pub limit: usize,
    /// Continue after this cursor.
    pub after: Option<Cursor>,
}

impl TicketQuery {
    /// The largest page a store returns.
    pub const MAX_LIMIT: usize = 1000;

    /// The first page of `filter`, up to `limit` tickets, seen by everyone.
    pub fn new(filter: TicketFilter, limit: usize) -> Self {
        TicketQuery {
            filter,
            visibility: Visibility::All,
            limit,
            after: None,
        }
    }
    /// Restricts to what `visibility` allows.
    pub fn visibility(mut self, v: Visibility) -> Self {
        self.visibility = v;
        self
    }
    /// Continues after `cursor`.
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.after = cursor;
        self
    }
    /// Validates the limit and cursor.
    pub fn validate(&self) -> Result<()> {
        if self.limit == 0 || self.limit > Self::MAX_LIMIT {
            return Err(Error::validation(
                "limit",
                format!("{} is not within 1..={}", self.limit, Self::MAX_LIMIT),
            ));
        }
        if let Some(c) = &self.after {
            c.ticket_id()?;
        }
        Ok(())
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in ticket-id (creation) order.
    pub items: Vec<T>,
    /// The cursor for the next page, `None` on the last page.
    pub next: Option<Cursor>,
}

/// Counts of outbox entries, for monitoring and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    /// Not yet delivered.
    pub pending: u64,
    /// Delivered.
    pub delivered: u64,
}

/// The storage port. See the [module docs](self).
///
/// All writes go through [`commit`](Store::commit), which must be atomic:
/// either every ticket, event and outbox entry of the commit is stored, or
/// none is. A ticket whose stored version differs from `expected_version`
/// (or that exists already, on insert) fails the whole commit with
/// [`Error::Conflict`]. Idempotency keys are unique across the outbox, past
/// and present: a notification whose key is already stored fails the commit
/// with [`Error::Store`].
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// Allocates the next human-friendly ticket number.
    async fn next_reference(&self) -> Result<TicketRef>;

    /// Applies a commit atomically. See the trait docs.
    async fn commit(&self, commit: Commit) -> Result<()>;

    /// Loads a ticket's snapshot.
    async fn load(&self, id: TicketId) -> Result<Option<Ticket>>;

    /// Loads a ticket by its reference.
    async fn load_by_reference(&self, reference: TicketRef) -> Result<Option<Ticket>>;

    /// The full timeline of a ticket, in order (empty for an unknown ticket).
    async fn timeline(&self, id: TicketId) -> Result<Vec<TicketEvent>>;

    /// One page of tickets matching the query, ordered by id.
    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket>>;

    /// The deadline stored for a ticket.
    async fn next_deadline(&self, id: TicketId) -> Result<Option<DateTime<Utc>>>;

    /// Claims up to `limit` tickets whose deadline is at or before `now` and
    /// that nobody holds a lease on, earliest deadline first, and leases
    /// them until `lease_until`. Two callers at once never get the same ticket.
    /// A commit that writes the ticket ends its lease.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<TicketId>>;

    /// Sets a ticket's deadline and ends its lease without writing events
    /// (when due work found nothing to do), provided the ticket is still at
    /// `version`. If a commit changed it since, that commit already stored
    /// the current deadline and ended the lease: nothing happens and `false`
    /// is returned, so a worker whose lease ran out cannot overwrite a newer
    /// deadline with a stale one.
    async fn release_due(
        &self,
        id: TicketId,
        version: u64,
        next_deadline: Option<DateTime<Utc>>,
    ) -> Result<bool>;

    /// Claims up to `limit` undelivered outbox entries that are available at
    /// `now` (oldest first), hiding them from other claimers until `lease_until`.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxEntry>>;

    /// Marks an entry delivered at `at`; it is never handed out again.
    async fn mark_delivered(&self, id: NotificationId, at: DateTime<Utc>) -> Result<()>;

    /// Records a failed attempt; the entry becomes claimable again at `retry_at`.
    async fn mark_failed(
        &self,
        id: NotificationId,
        retry_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()>;

    /// Outbox counts.
    async fn outbox_stats(&self) -> Result<OutboxStats>;

    /// Inserts a new ticket with its first events and notifications.
    async fn insert(
        &self,
        ticket: Ticket,
        events: Vec<TicketEvent>,
        outbox: Vec<Notification>,
    ) -> Result<()> {
        self.commit(Commit {
            tickets: vec![TicketWrite {
                ticket,
                events,
                expected_version: None,
                next_deadline: None,
            }],
            outbox,
            outbox_not_before: None,
        })
        .await
    }

    /// Saves a changed ticket if its stored version is still `expected_version`.
    async fn save(
        &self,
        ticket: Ticket,
        events: Vec<TicketEvent>,
        expected_version: u64,
        outbox: Vec<Notification>,
    ) -> Result<()> {
        self.commit(Commit {
            tickets: vec![TicketWrite {
                ticket,
                events,
                expected_version: Some(expected_version),
                next_deadline: None,
            }],
            outbox,
            outbox_not_before: None,
        })
        .await
    }
}

/// Checks the shape of a commit before any back end touches storage, so all
/// back ends reject the same malformed commits the same way.
pub(crate) fn check_commit(commit: &Commit) -> Result<()> {
    for (i, w) in commit.tickets.iter().enumerate() {
        if commit.tickets[..i]
            .iter()
            .any(|o| o.ticket.id == w.ticket.id)
        {
            return Err(Error::store_msg(format!(
                "commit writes ticket {} twice",
                w.ticket.id
            )));
        }
        let base = w.expected_version.unwrap_or(0);
        let mut seq = base;
        for e in &w.events {
            seq += 1;
            if e.ticket_id != w.ticket.id || e.seq != seq {
                return Err(Error::store_msg(format!(
                    "event {} of ticket {} has seq {}, expected {seq}",
                    e.id, w.ticket.id, e.seq
                )));
            }
        }
        if seq != w.ticket.version || w.events.is_empty() {
            return Err(Error::store_msg(format!(
                "ticket {} snapshot version {} does not match its {} new events on version {base}",
                w.ticket.id,
                w.ticket.version,
                w.events.len()
            )));
        }
    }
    Ok(())
}
