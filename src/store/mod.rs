//! The storage ports and their back ends.
//!
//! The desk needs three things from a database, each a port (an
//! object-safe `#[async_trait]` trait):
//!
//! - [`TicketStore`]: atomic commits of ticket snapshots, their events, the
//!   derived schedule and outgoing notifications; loading, timelines,
//!   filtered and sorted listings with cursor pagination, counts, and the
//!   record of commands already carried out (idempotency keys);
//! - [`DueIndex`]: the deadline index that time-driven work (SLA,
//!   escalation) is claimed from, with leases fenced by version;
//! - [`Outbox`]: notifications waiting for delivery, claimed with leases,
//!   retried with backoff, never delivered twice.
//!
//! [`Store`] is all three: every full back end gets it by a blanket impl,
//! so an `Arc<dyn Store>` is what the desk holds. Later areas (knowledge
//! base, reports, privacy) add ports of their own next to these, so a
//! third-party ticket store need not implement them all.
//!
//! | back end | feature | use it for |
//! |---|---|---|
//! | [`InMemoryStore`] | always | tests, demos, caches |
//! | `SqliteStore` | `sqlite` (default) | one node, embedded, no server |
//! | `PostgresStore` | `postgres` | many app nodes sharing one database |
//!
//! Each port has a conformance suite that every back end runs (and yours
//! can, with the `test-util` feature): see `store::conformance`.

pub mod attachments;
pub mod intake;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod kb_sql;
pub mod knowledge;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod privacy;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod report_sql;
mod reports;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql_common;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod conformance;

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::access::Visibility;
use crate::error::{Error, Result};
use crate::id::{AgentId, CustomerId, GroupId, NotificationId, TicketId, TicketRef};
use crate::notify::Notification;
use crate::priority::Priority;
use crate::ticket::{Channel, StatusId, Ticket, TicketEvent};

pub use attachments::AttachmentStore;
#[cfg(feature = "dir-attachments")]
#[cfg_attr(docsrs, doc(cfg(feature = "dir-attachments")))]
pub use attachments::DirAttachmentStore;
pub use intake::{
    Attachment, AttachmentInfo, ContactKey, InboundEntry, InboundRecord, IntakeErasure,
    IntakeStore, NewAttachment, channel_key,
};
pub use knowledge::KnowledgeStore;
pub use memory::InMemoryStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::PostgresStore;
pub use privacy::{KeyLookup, PrivacyStore, WrappedKey};
pub use reports::{MAX_BACKFILL_BATCH, ReportStore};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteStore;

/// What the desk derived for a ticket at a commit, besides the snapshot:
/// when time-driven work is next due (the [`DueIndex`]) and the SLA due
/// that listings sort and filter by.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Schedule {
    /// When time-driven work (an SLA warning or breach, an escalation
    /// level) is next due; `None` when nothing is.
    pub next_deadline: Option<DateTime<Utc>>,
    /// The earliest due of the ticket's running SLA metrics.
    pub sla_due: Option<DateTime<Utc>>,
    /// The SLA policy in force (its calendar turns "within 2 business
    /// hours" into an instant for [`TicketFilter::sla_due_by`]).
    pub sla_policy: Option<String>,
}

impl Schedule {
    /// A schedule with only a next deadline.
    pub fn deadline(next_deadline: Option<DateTime<Utc>>) -> Self {
        Schedule {
            next_deadline,
            ..Schedule::default()
        }
    }

    /// Sets the SLA due and the policy it is measured by.
    pub fn sla(mut self, due: Option<DateTime<Utc>>, policy: Option<String>) -> Self {
        self.sla_due = due;
        self.sla_policy = policy;
        self
    }
}

/// One ticket's part of a [`Commit`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TicketWrite {
    /// The snapshot after `events`.
    pub ticket: Ticket,
    /// The new events, in order, continuing the stored timeline.
    pub events: Vec<TicketEvent>,
    /// The version the change was based on; `None` inserts a new ticket.
    pub expected_version: Option<u64>,
    /// The derived schedule. `Some` replaces the stored one and ends any
    /// lease on the ticket; `None` keeps what is stored (a new ticket then
    /// has nothing due), so writing a ticket never silently drops it from
    /// the deadline index.
    pub schedule: Option<Schedule>,
    /// The ticket's metric row after this write, for reports
    /// ([`ReportStore`]). `Some` replaces the stored row in the same
    /// transaction; `None` keeps what is stored. Boxed: a write moves
    /// several times on its way to the store, and the row is most of its
    /// size.
    pub metrics: Option<Box<crate::report::MetricRow>>,
}

impl TicketWrite {
    /// A write of `ticket` after `events`, based on `expected_version`
    /// (`None`: a new ticket), keeping the stored schedule.
    pub fn new(ticket: Ticket, events: Vec<TicketEvent>, expected_version: Option<u64>) -> Self {
        TicketWrite {
            ticket,
            events,
            expected_version,
            schedule: None,
            metrics: None,
        }
    }

    /// Replaces the stored schedule with `schedule`.
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = Some(schedule);
        self
    }

    /// Replaces the stored metric row with `row` (which must be this
    /// ticket's).
    pub fn metrics(mut self, row: crate::report::MetricRow) -> Self {
        self.metrics = Some(Box::new(row));
        self
    }
}

/// A command carried out under an idempotency key: the key and the ticket
/// versions it produced. Stored in the commit that carries it out, so a
/// second command with the same key finds it and writes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommandRecord {
    /// The caller's key.
    pub key: String,
    /// Every ticket the command wrote, with its version right after it, in
    /// the order the command returns them.
    pub tickets: Vec<(TicketId, u64)>,
    /// When the command was carried out.
    pub at: DateTime<Utc>,
}

impl CommandRecord {
    /// A record of `key`'s command, which wrote `tickets` at `at`.
    pub fn new(key: impl Into<String>, tickets: Vec<(TicketId, u64)>, at: DateTime<Utc>) -> Self {
        CommandRecord {
            key: key.into(),
            tickets,
            at,
        }
    }
}

/// Everything one command writes, applied atomically: all or nothing.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
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
    /// The command's idempotency record. A key the store already holds
    /// fails the whole commit with [`Error::Duplicate`].
    pub command: Option<CommandRecord>,
    /// The inbound message the command takes in, stored with it (see
    /// [`IntakeStore`] for the contract). Only for a store whose
    /// [`TicketStore::intake`] is `Some`.
    pub inbound: Option<Box<InboundRecord>>,
}

impl Commit {
    /// A commit of these ticket writes, with no notifications.
    pub fn tickets(tickets: Vec<TicketWrite>) -> Self {
        Commit {
            tickets,
            ..Commit::default()
        }
    }

    /// Adds notifications to enqueue.
    pub fn outbox(mut self, outbox: Vec<Notification>) -> Self {
        self.outbox = outbox;
        self
    }

    /// Holds the notifications back from other dispatchers until `at`.
    pub fn outbox_not_before(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.outbox_not_before = at;
        self
    }

    /// Records the command under its idempotency key.
    pub fn command(mut self, record: CommandRecord) -> Self {
        self.command = Some(record);
        self
    }

    /// Stores the inbound message the command takes in.
    pub fn inbound(mut self, record: InboundRecord) -> Self {
        self.inbound = Some(Box::new(record));
        self
    }
}

/// A notification waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OutboxEntry {
    /// The notification.
    pub notification: Notification,
    /// Failed delivery attempts so far.
    pub attempts: u32,
    /// The last delivery error.
    pub last_error: Option<String>,
}

impl OutboxEntry {
    /// An entry as a store hands it out.
    pub fn new(notification: Notification, attempts: u32, last_error: Option<String>) -> Self {
        OutboxEntry {
            notification,
            attempts,
            last_error,
        }
    }
}

/// A half-open span of time `[from, to)`; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TimeRange {
    /// From this instant on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// `[from, to)`.
    pub fn new(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Self {
        TimeRange { from, to }
    }
    /// Whether `t` lies in the range.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t < e)
    }
}

/// Filters for listing tickets; every part that is set must match.
///
/// ```
/// use helpdesk::store::TicketFilter;
/// use helpdesk::{AgentId, Channel, Priority};
/// let queue = TicketFilter::default()
///     .status(["new", "open"])
///     .assignee(AgentId::new())
///     .priority([Priority::Critical, Priority::High])
///     .category("network")          // network and everything below it
///     .tag("vip")
///     .channel([Channel::Email, Channel::Phone]);
/// assert_eq!(queue.status.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketFilter {
    /// Status is one of these (empty: any).
    #[serde(default)]
    pub status: Vec<StatusId>,
    /// In this group.
    #[serde(default)]
    pub group: Option<GroupId>,
    /// Assigned to this agent.
    #[serde(default)]
    pub assignee: Option<AgentId>,
    /// Priority is one of these (empty: any).
    #[serde(default)]
    pub priority: Vec<Priority>,
    /// Asked by this customer.
    #[serde(default)]
    pub requester: Option<CustomerId>,
    /// The subject contains this text (case-insensitive).
    #[serde(default)]
    pub text: Option<String>,
    /// The category is this one or lies below it (`network` matches
    /// `network/vpn`), ignoring ASCII case, as [`Condition`](crate::Condition) does.
    #[serde(default)]
    pub category: Option<String>,
    /// The ticket has every one of these tags (ignoring ASCII case).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The channel is one of these (empty: any).
    #[serde(default)]
    pub channel: Vec<Channel>,
    /// Opened within this range.
    #[serde(default)]
    pub created: Option<TimeRange>,
    /// Last changed within this range.
    #[serde(default)]
    pub updated: Option<TimeRange>,
    /// "Breaching soon": the ticket's SLA due ([`Schedule::sla_due`]) is at
    /// or before the instant given for its SLA policy. A ticket without an
    /// SLA due, or under a policy not listed, does not match. Empty: no
    /// such condition. [`HelpDesk::breaching_soon`](crate::HelpDesk::breaching_soon)
    /// fills this from a business duration and each policy's calendar.
    #[serde(default)]
    pub sla_due_by: Vec<(String, DateTime<Utc>)>,
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
    /// In this category or below it.
    pub fn category(mut self, c: impl Into<String>) -> Self {
        self.category = Some(c.into());
        self
    }
    /// Has this tag (as well as any added before).
    pub fn tag(mut self, t: impl Into<String>) -> Self {
        self.tags.push(t.into());
        self
    }
    /// Came in through one of these channels.
    pub fn channel(mut self, c: impl IntoIterator<Item = Channel>) -> Self {
        self.channel = c.into_iter().collect();
        self
    }
    /// Opened within `[from, to)`.
    pub fn created(mut self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Self {
        self.created = Some(TimeRange::new(from, to));
        self
    }
    /// Last changed within `[from, to)`.
    pub fn updated(mut self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Self {
        self.updated = Some(TimeRange::new(from, to));
        self
    }
    /// SLA due at or before `by` for tickets under `policy` (may be given
    /// for several policies).
    pub fn sla_due_by(mut self, policy: impl Into<String>, by: DateTime<Utc>) -> Self {
        self.sla_due_by.push((policy.into(), by));
        self
    }

    /// Whether `ticket`, with its stored `schedule`, passes the filter;
    /// back ends that filter in memory use this.
    pub fn matches(&self, ticket: &Ticket, schedule: Option<&Schedule>) -> bool {
        let lower_contains =
            |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.to_lowercase());
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
                .is_none_or(|t| lower_contains(&ticket.subject, t))
            && self.category.as_ref().is_none_or(|want| {
                ticket
                    .category
                    .as_deref()
                    .is_some_and(|c| crate::condition::category_within(c, want))
            })
            && self
                .tags
                .iter()
                .all(|t| ticket.tags.iter().any(|have| have.eq_ignore_ascii_case(t)))
            && (self.channel.is_empty() || self.channel.contains(&ticket.channel))
            && self.created.is_none_or(|r| r.contains(ticket.created_at))
            && self.updated.is_none_or(|r| r.contains(ticket.updated_at))
            && (self.sla_due_by.is_empty()
                || schedule.is_some_and(|s| match (&s.sla_policy, s.sla_due) {
                    (Some(p), Some(due)) => self
                        .sla_due_by
                        .iter()
                        .any(|(policy, by)| policy == p && due <= *by),
                    _ => false,
                }))
    }
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Sort {
    /// Oldest first (by id, which is by creation).
    #[default]
    Created,
    /// Earliest SLA due first ([`Schedule::sla_due`]); tickets without one
    /// last; ties by id.
    NextDue,
    /// Most urgent first; ties by id.
    Priority,
    /// Most recently changed first; ties by id, descending.
    Updated,
}

/// Where a listing stands: the sort key of the last ticket returned and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Position {
    /// [`Sort::Created`]: after this id.
    Created(TicketId),
    /// [`Sort::NextDue`]: after this SLA due (`None`: among those without
    /// one), then this id.
    NextDue(Option<DateTime<Utc>>, TicketId),
    /// [`Sort::Priority`]: after this priority, then this id.
    Priority(Priority, TicketId),
    /// [`Sort::Updated`]: before this instant, then before this id.
    Updated(DateTime<Utc>, TicketId),
}

impl Position {
    /// The position of `ticket` (with its stored `schedule`) in a listing sorted by `sort`.
    pub fn of(sort: Sort, ticket: &Ticket, schedule: Option<&Schedule>) -> Self {
        match sort {
            Sort::Created => Position::Created(ticket.id),
            Sort::NextDue => Position::NextDue(schedule.and_then(|s| s.sla_due), ticket.id),
            Sort::Priority => Position::Priority(ticket.priority, ticket.id),
            Sort::Updated => Position::Updated(ticket.updated_at, ticket.id),
        }
    }

    /// The sort this position belongs to.
    pub fn sort(&self) -> Sort {
        match self {
            Position::Created(_) => Sort::Created,
            Position::NextDue(..) => Sort::NextDue,
            Position::Priority(..) => Sort::Priority,
            Position::Updated(..) => Sort::Updated,
        }
    }

    /// The id of the ticket the position is at.
    pub fn ticket_id(&self) -> TicketId {
        match *self {
            Position::Created(id)
            | Position::NextDue(_, id)
            | Position::Priority(_, id)
            | Position::Updated(_, id) => id,
        }
    }
}

/// An opaque position in a listing: pass [`Page::next`] back to get the
/// next page. It holds the sort key of the last ticket returned, so pages
/// stay consistent while tickets are added.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// The cursor after `position`.
    pub fn at(position: Position) -> Self {
        let micros = |t: DateTime<Utc>| t.timestamp_micros();
        Cursor(match position {
            Position::Created(id) => id.to_string(),
            Position::NextDue(Some(due), id) => format!("d{}.{id}", micros(due)),
            Position::NextDue(None, id) => format!("d-.{id}"),
            Position::Priority(p, id) => format!("p{}.{id}", p.as_str()),
            Position::Updated(t, id) => format!("u{}.{id}", micros(t)),
        })
    }

    /// The cursor after `id` in creation order.
    pub fn after(id: TicketId) -> Self {
        Cursor::at(Position::Created(id))
    }

    /// The position the cursor stands at.
    pub fn position(&self) -> Result<Position> {
        let bad = || Error::validation("cursor", format!("`{}` is not a cursor", self.0));
        let s = self.0.as_str();
        let Some((head, id)) = s.split_once('.') else {
            return s.parse().map(Position::Created).map_err(|_| bad());
        };
        let id: TicketId = id.parse().map_err(|_| bad())?;
        let instant = |v: &str| {
            v.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_micros)
                .ok_or_else(bad)
        };
        match head.split_at_checked(1) {
            Some(("d", "-")) => Ok(Position::NextDue(None, id)),
            Some(("d", v)) => Ok(Position::NextDue(Some(instant(v)?), id)),
            Some(("p", v)) => Ok(Position::Priority(v.parse().map_err(|_| bad())?, id)),
            Some(("u", v)) => Ok(Position::Updated(instant(v)?, id)),
            _ => Err(bad()),
        }
    }

    /// The id of the ticket the cursor points after.
    pub fn ticket_id(&self) -> Result<TicketId> {
        self.position().map(|p| p.ticket_id())
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
        c.position()?;
        Ok(c)
    }
}

/// A listing request: filter, visibility, order, page size and position.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TicketQuery {
    /// What to list.
    pub filter: TicketFilter,
    /// Whose view.
    pub visibility: Visibility,
    /// The order.
    pub sort: Sort,
    /// Page size, 1..=1000.
    pub limit: usize,
    /// Continue after this cursor (which must come from the same sort).
    pub after: Option<Cursor>,
}

impl TicketQuery {
    /// The largest page a store returns.
    pub const MAX_LIMIT: usize = 1000;

    /// The first page of `filter`, up to `limit` tickets, oldest first, seen by everyone.
    pub fn new(filter: TicketFilter, limit: usize) -> Self {
        TicketQuery {
            filter,
            visibility: Visibility::All,
            sort: Sort::Created,
            limit,
            after: None,
        }
    }
    /// Restricts to what `visibility` allows.
    pub fn visibility(mut self, v: Visibility) -> Self {
        self.visibility = v;
        self
    }
    /// Orders by `sort`.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = sort;
        self
    }
    /// Continues after `cursor`.
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.after = cursor;
        self
    }
    /// The position to continue after, checked against the sort.
    pub fn position(&self) -> Result<Option<Position>> {
        let Some(c) = &self.after else {
            return Ok(None);
        };
        let p = c.position()?;
        if p.sort() != self.sort {
            return Err(Error::validation(
                "cursor",
                format!("`{c}` belongs to another sort order than {:?}", self.sort),
            ));
        }
        Ok(Some(p))
    }
    /// Validates the limit and cursor.
    pub fn validate(&self) -> Result<()> {
        if self.limit == 0 || self.limit > Self::MAX_LIMIT {
            return Err(Error::validation(
                "limit",
                format!("{} is not within 1..={}", self.limit, Self::MAX_LIMIT),
            ));
        }
        self.position().map(|_| ())
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items, in the listing's order.
    pub items: Vec<T>,
    /// The cursor for the next page, `None` on the last page.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// A page of `items`, continued at `next`.
    pub fn new(items: Vec<T>, next: Option<Cursor>) -> Self {
        Page { items, next }
    }

    /// The same page with every item turned by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// Counts of outbox entries, for monitoring and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OutboxStats {
    /// Not yet delivered.
    pub pending: u64,
    /// Delivered.
    pub delivered: u64,
    /// Given up: the transport refused them for good
    /// ([`Outbox::mark_abandoned`]).
    pub abandoned: u64,
}

/// A notification the outbox gave up ([`Outbox::mark_abandoned`]), as
/// [`Outbox::abandoned`] lists it for an admin to look into.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AbandonedEntry {
    /// The notification.
    pub notification: Notification,
    /// Delivery attempts, the last (refused) one included.
    pub attempts: u32,
    /// Why the transport refused it.
    pub last_error: Option<String>,
    /// When it was given up.
    pub abandoned_at: DateTime<Utc>,
}

impl AbandonedEntry {
    /// An entry as a store hands it out.
    pub fn new(
        notification: Notification,
        attempts: u32,
        last_error: Option<String>,
        abandoned_at: DateTime<Utc>,
    ) -> Self {
        AbandonedEntry {
            notification,
            attempts,
            last_error,
            abandoned_at,
        }
    }
}

/// The largest page [`Outbox::abandoned`] is asked for.
pub const MAX_ABANDONED_PAGE: usize = 1000;

/// Tickets, their timelines and the commands carried out on them. See the
/// [module docs](self).
///
/// All writes go through [`commit`](TicketStore::commit), which must be
/// atomic: either every ticket, event, schedule, outbox entry and command
/// record of the commit is stored, or none is. A ticket whose stored
/// version differs from `expected_version` (or that exists already, on
/// insert) fails the whole commit with [`Error::Conflict`]. A notification
/// whose idempotency key is already stored (past or present), or a command
/// record whose key is, fails it with [`Error::Duplicate`].
#[async_trait]
pub trait TicketStore: Send + Sync + fmt::Debug {
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

    /// One page of tickets matching the query, in its order.
    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket>>;

    /// How many tickets match `filter` within `visibility` (e.g. an agent's
    /// open tickets, for routing by load).
    async fn count(&self, filter: &TicketFilter, visibility: &Visibility) -> Result<u64>;

    /// The command carried out under idempotency key `key`, if any.
    async fn command(&self, key: &str) -> Result<Option<CommandRecord>>;

    /// The store's intake port, when it has one: then its commits store
    /// [`Commit::inbound`] and index new tickets' requesters (see
    /// [`IntakeStore`]). `None` (the default) for a store without intake.
    fn intake(&self) -> Option<&dyn IntakeStore> {
        None
    }

    /// Inserts a new ticket with its first events and notifications.
    async fn insert(
        &self,
        ticket: Ticket,
        events: Vec<TicketEvent>,
        outbox: Vec<Notification>,
    ) -> Result<()> {
        self.commit(Commit::tickets(vec![TicketWrite::new(ticket, events, None)]).outbox(outbox))
            .await
    }

    /// Saves a changed ticket if its stored version is still
    /// `expected_version`, keeping its schedule.
    async fn save(
        &self,
        ticket: Ticket,
        events: Vec<TicketEvent>,
        expected_version: u64,
        outbox: Vec<Notification>,
    ) -> Result<()> {
        self.commit(
            Commit::tickets(vec![TicketWrite::new(
                ticket,
                events,
                Some(expected_version),
            )])
            .outbox(outbox),
        )
        .await
    }
}

/// The deadline index: when each ticket's time-driven work is next due,
/// and leased claims of the due ones. See the [module docs](self).
#[async_trait]
pub trait DueIndex: Send + Sync + fmt::Debug {
    /// The deadline stored for a ticket.
    async fn next_deadline(&self, id: TicketId) -> Result<Option<DateTime<Utc>>>;

    /// Claims up to `limit` tickets whose deadline is at or before `now` and
    /// that nobody holds a lease on, earliest deadline first, and leases
    /// them until `lease_until`. Two callers at once never get the same
    /// ticket. A commit that replaces the ticket's schedule ends its lease.
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
    /// deadline with a stale one. An unknown ticket is [`Error::NotFound`].
    async fn release_due(
        &self,
        id: TicketId,
        version: u64,
        next_deadline: Option<DateTime<Utc>>,
    ) -> Result<bool>;
}

/// Notifications waiting for delivery. See the [module docs](self).
#[async_trait]
pub trait Outbox: Send + Sync + fmt::Debug {
    /// Claims up to `limit` undelivered entries that are available at `now`
    /// (oldest first), hiding them from other claimers until `lease_until`.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxEntry>>;

    /// Marks an entry delivered at `at`; it is never handed out again.
    async fn mark_delivered(&self, id: NotificationId, at: DateTime<Utc>) -> Result<()>;

    /// Records a failed attempt; the entry becomes claimable again at
    /// `retry_at`. An unknown or delivered entry is [`Error::NotFound`].
    async fn mark_failed(
        &self,
        id: NotificationId,
        retry_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()>;

    /// Outbox counts.
    async fn outbox_stats(&self) -> Result<OutboxStats>;

    /// Gives an entry up at `at`: the transport refused it for good
    /// ([`Error::Undeliverable`]), so it is never handed out again; the
    /// attempt and `error` are recorded and it counts as
    /// [`abandoned`](OutboxStats::abandoned). An unknown, delivered or
    /// already abandoned entry is [`Error::NotFound`].
    async fn mark_abandoned(
        &self,
        id: NotificationId,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<()>;

    /// Up to `limit` abandoned entries, oldest first (by notification id,
    /// which grows with creation), after the entry `after` (`None`: from
    /// the first). Pass the last id of a page to get the next; a page
    /// shorter than `limit` is the last. Entries a retention delete or an
    /// erasure dropped are gone from it.
    async fn abandoned(
        &self,
        after: Option<NotificationId>,
        limit: usize,
    ) -> Result<Vec<AbandonedEntry>>;
}

/// A full back end: [`TicketStore`] + [`DueIndex`] + [`Outbox`], which the
/// desk holds as an `Arc<dyn Store>`. Implemented for every type that
/// implements the three.
pub trait Store: TicketStore + DueIndex + Outbox {}

impl<T: TicketStore + DueIndex + Outbox + ?Sized> Store for T {}

/// Checks the shape of a commit before any back end touches storage, so all
/// back ends reject the same malformed commits the same way.
pub(crate) fn check_commit(commit: &Commit) -> Result<()> {
    for (i, w) in commit.tickets.iter().enumerate() {
        if commit.tickets[..i]
            .iter()
            .any(|o| o.ticket.id == w.ticket.id)
        {
            return Err(Error::validation(
                "commit.tickets",
                format!("commit writes ticket {} twice", w.ticket.id),
            ));
        }
        let base = w.expected_version.unwrap_or(0);
        let mut seq = base;
        for e in &w.events {
            seq += 1;
            if e.ticket_id != w.ticket.id || e.seq != seq {
                return Err(Error::validation(
                    "commit.tickets.events",
                    format!(
                        "event {} of ticket {} has seq {}, expected {seq}",
                        e.id, w.ticket.id, e.seq
                    ),
                ));
            }
        }
        if let Some(row) = &w.metrics
            && row.ticket_id != w.ticket.id
        {
            return Err(Error::validation(
                "commit.tickets.metrics",
                format!(
                    "the metric row of ticket {} is written with ticket {}",
                    row.ticket_id, w.ticket.id
                ),
            ));
        }
        if seq != w.ticket.version || w.events.is_empty() {
            return Err(Error::validation(
                "commit.tickets.ticket",
                format!(
                    "ticket {} snapshot version {} does not match its {} new events on version {base}",
                    w.ticket.id,
                    w.ticket.version,
                    w.events.len()
                ),
            ));
        }
    }
    for (i, n) in commit.outbox.iter().enumerate() {
        if commit.outbox[..i]
            .iter()
            .any(|o| o.idempotency_key == n.idempotency_key)
        {
            return Err(Error::Duplicate {
                what: "idempotency key",
                key: n.idempotency_key.clone(),
            });
        }
    }
    Ok(())
}
