use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Commit, OutboxEntry, OutboxStats, Page, Store, TicketQuery, check_commit};
use crate::error::{Error, Result};
use crate::id::{NotificationId, TicketId, TicketRef};
use crate::notify::Notification;
use crate::store::Cursor;
use crate::ticket::{Ticket, TicketEvent};

/// A thread-safe store that keeps everything in memory.
///
/// Fast and dependency-free: the default for tests, demos and simulations.
/// Claims of due work and of the outbox cost in proportion to what is due,
/// not to the number of tickets held. Nothing survives the process.
///
/// ```
/// use std::sync::Arc;
/// use helpdesk::{InMemoryStore, Store};
/// let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
/// # let _ = store;
/// ```
#[derive(Debug, Default)]
pub struct InMemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    last_ref: u64,
    /// Rows by id, hashed: every command and every due ticket looks its
    /// row up, and among a million rows a hash lookup is a cache miss or
    /// two where a B-tree walk is several. Boxed, so that growing the table
    /// moves pointers, not tickets.
    tickets: HashMap<TicketId, Box<Row>, Fx>,
    /// Every ticket id in order, for listings.
    order: BTreeSet<TicketId>,
    by_ref: HashMap<TicketRef, TicketId, Fx>,
    /// Unleased tickets by deadline.
    deadlines: BTreeSet<(DateTime<Utc>, TicketId)>,
    /// Leased tickets by lease end; they return to `deadlines` when it
    /// passes. Entries are not removed when a lease ends early (a commit, a
    /// release): an entry counts only while its row still holds that lease,
    /// which spares every claim and commit an ordered-set update.
    leases: BTreeMap<DateTime<Utc>, Vec<TicketId>>,
    outbox: HashMap<NotificationId, OutRow, Fx>,
    /// Every idempotency key ever enqueued, delivered or not.
    keys: std::collections::HashSet<String, Fx>,
    /// Undelivered entries by the instant they become claimable.
    queue: BTreeSet<(DateTime<Utc>, NotificationId)>,
    delivered: u64,
}

#[derive(Debug)]
struct Row {
    ticket: Ticket,
    events: Vec<TicketEvent>,
    next_deadline: Option<DateTime<Utc>>,
    lease_until: Option<DateTime<Utc>>,
}

#[derive(Debug)]
struct OutRow {
    notification: Notification,
    available_at: DateTime<Utc>,
    attempts: u32,
    last_error: Option<String>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every mutation below validates first and then applies changes that
        // cannot panic, so a poisoned lock still guards consistent data.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Row {
    /// Moves the row in the deadline index and ends its lease. Takes the
    /// index apart from the ticket map so that a caller holding the row
    /// need not look it up again (a lookup among a million rows is mostly
    /// cache misses).
    fn set_deadline(
        &mut self,
        id: TicketId,
        deadline: Option<DateTime<Utc>>,
        deadlines: &mut BTreeSet<(DateTime<Utc>, TicketId)>,
    ) {
        // A leased row's deadline left the index when it was claimed.
        if let (Some(old), None) = (self.next_deadline.take(), self.lease_until.take()) {
            deadlines.remove(&(old, id));
        }
        self.next_deadline = deadline;
        if let Some(d) = deadline {
            deadlines.insert((d, id));
        }
    }
}

impl Inner {
    fn expire_leases(&mut self, now: DateTime<Utc>) {
        while let Some(entry) = self.leases.first_entry() {
            if *entry.key() > now {
                break;
            }
            let (until, ids) = entry.remove_entry();
            for id in ids {
                let Some(row) = self.tickets.get_mut(&id) else {
                    continue;
                };
                // Ended early, or leased again since: not this lease's to end.
                if row.lease_until != Some(until) {
                    continue;
                }
                row.lease_until = None;
                if let Some(d) = row.next_deadline {
                    self.deadlines.insert((d, id));
                }
            }
        }
    }
}

#[async_trait]
impl Store for InMemoryStore {
    async fn next_reference(&self) -> Result<TicketRef> {
        let mut inner = self.lock();
        inner.last_ref += 1;
        Ok(TicketRef(inner.last_ref + 1000))
    }

    async fn commit(&self, commit: Commit) -> Result<()> {
        check_commit(&commit)?;
        let mut inner = self.lock();
        for w in &commit.tickets {
            let actual = inner.tickets.get(&w.ticket.id).map(|r| r.ticket.version);
            let ok = match (w.expected_version, actual) {
                (None, None) => !inner.by_ref.contains_key(&w.ticket.reference),
                (Some(e), Some(a)) => e == a,
                _ => false,
            };
            if !ok {
                return Err(Error::Conflict {
                    ticket: w.ticket.id,
                    expected: w.expected_version.unwrap_or(0),
                    actual: actual.unwrap_or(0),
                });
            }
        }
        for (i, n) in commit.outbox.iter().enumerate() {
            // A commit carries a handful of notifications: comparing them
            // pairwise beats building a set.
            let repeated = commit.outbox[..i]
                .iter()
                .any(|o| o.idempotency_key == n.idempotency_key);
            if repeated || inner.keys.contains(&n.idempotency_key) {
                return Err(Error::store_msg(format!(
                    "idempotency key {} is already in the outbox",
                    n.idempotency_key
                )));
            }
            if inner.outbox.contains_key(&n.id) {
                return Err(Error::store_msg(format!(
                    "notification {} is already in the outbox",
                    n.id
                )));
            }
        }
        let inner = &mut *inner;
        for w in commit.tickets {
            let id = w.ticket.id;
            if let Some(row) = inner.tickets.get_mut(&id) {
                row.ticket = w.ticket;
                row.events.extend(w.events);
                row.set_deadline(id, w.next_deadline, &mut inner.deadlines);
            } else {
                inner.by_ref.insert(w.ticket.reference, id);
                let mut row = Box::new(Row {
                    ticket: w.ticket,
                    events: w.events,
                    next_deadline: None,
                    lease_until: None,
                });
                row.set_deadline(id, w.next_deadline, &mut inner.deadlines);
                inner.tickets.insert(id, row);
                inner.order.insert(id);
            }
        }
        let available_at = commit.outbox_not_before;
        for n in commit.outbox {
            let at = available_at.unwrap_or(n.created_at);
            inner.keys.insert(n.idempotency_key.clone());
            inner.queue.insert((at, n.id));
            inner.outbox.insert(
                n.id,
                OutRow {
                    notification: n,
                    available_at: at,
                    attempts: 0,
                    last_error: None,
                },
            );
        }
        Ok(())
    }

    async fn load(&self, id: TicketId) -> Result<Option<Ticket>> {
        Ok(self.lock().tickets.get(&id).map(|r| r.ticket.clone()))
    }

    async fn load_by_reference(&self, reference: TicketRef) -> Result<Option<Ticket>> {
        let inner = self.lock();
        Ok(inner
            .by_ref
            .get(&reference)
            .and_then(|id| inner.tickets.get(id))
            .map(|r| r.ticket.clone()))
    }

    async fn timeline(&self, id: TicketId) -> Result<Vec<TicketEvent>> {
        Ok(self
            .lock()
            .tickets
            .get(&id)
            .map(|r| r.events.clone())
            .unwrap_or_default())
    }

    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket>> {
        query.validate()?;
        let start = match &query.after {
            Some(c) => Bound::Excluded(c.ticket_id()?),
            None => Bound::Unbounded,
        };
        let inner = self.lock();
        let mut items: Vec<Ticket> = inner
            .order
            .range((start, Bound::Unbounded))
            .filter_map(|id| inner.tickets.get(id).map(|r| &r.ticket))
            .filter(|t| query.visibility.allows(t) && query.filter.matches(t))
            .take(query.limit + 1)
            .cloned()
            .collect();
        let next = if items.len() > query.limit {
            items.truncate(query.limit);
            items.last().map(|t| Cursor::after(t.id))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn next_deadline(&self, id: TicketId) -> Result<Option<DateTime<Utc>>> {
        Ok(self.lock().tickets.get(&id).and_then(|r| r.next_deadline))
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<TicketId>> {
        let mut inner = self.lock();
        inner.expire_leases(now);
        let inner = &mut *inner;
        let mut claimed = Vec::new();
        while claimed.len() < limit {
            let Some(&(due, id)) = inner.deadlines.first() else {
                break;
            };
            if due > now {
                break;
            }
            inner.deadlines.pop_first();
            if let Some(row) = inner.tickets.get_mut(&id) {
                row.lease_until = Some(lease_until);
            }
            claimed.push(id);
        }
        if !claimed.is_empty() {
            inner
                .leases
                .entry(lease_until)
                .or_default()
                .extend_from_slice(&claimed);
        }
        Ok(claimed)
    }

    async fn release_due(
        &self,
        id: TicketId,
        version: u64,
        next_deadline: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        match inner.tickets.get_mut(&id) {
            None => Err(Error::not_found("ticket", id)),
            Some(row) if row.ticket.version != version => Ok(false),
            Some(row) => {
                row.set_deadline(id, next_deadline, &mut inner.deadlines);
                Ok(true)
            }
        }
    }

    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxEntry>> {
        let mut inner = self.lock();
        let mut out = Vec::new();
        while out.len() < limit {
            let Some(&(at, id)) = inner.queue.first() else {
                break;
            };
            if at > now {
                break;
            }
            inner.queue.pop_first();
            inner.queue.insert((lease_until, id));
            if let Some(row) = inner.outbox.get_mut(&id) {
                row.available_at = lease_until;
                out.push(OutboxEntry {
                    notification: row.notification.clone(),
                    attempts: row.attempts,
                    last_error: row.last_error.clone(),
                });
            }
        }
        Ok(out)
    }

    async fn mark_delivered(&self, id: NotificationId, _at: DateTime<Utc>) -> Result<()> {
        let mut inner = self.lock();
        if let Some(row) = inner.outbox.remove(&id) {
            inner.queue.remove(&(row.available_at, id));
            inner.delivered += 1;
        }
        Ok(())
    }

    async fn mark_failed(
        &self,
        id: NotificationId,
        retry_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        let mut inner = self.lock();
        let Some(row) = inner.outbox.get_mut(&id) else {
            return Err(Error::not_found("notification", id));
        };
        let old = row.available_at;
        row.available_at = retry_at;
        row.attempts += 1;
        row.last_error = Some(error.to_owned());
        inner.queue.remove(&(old, id));
        inner.queue.insert((retry_at, id));
        Ok(())
    }

    async fn outbox_stats(&self) -> Result<OutboxStats> {
        let inner = self.lock();
        Ok(OutboxStats {
            pending: inner.outbox.len() as u64,
            delivered: inner.delivered,
        })
    }
}

/// The hasher of the store's maps: the keys are ids with random bits and
/// short strings the desk makes itself, so a simple word-at-a-time hash (as
/// rustc's own "Fx") serves better than the default flood-resistant SipHash,
/// which cost more than the rest of a commit.
type Fx = BuildHasherDefault<FxHasher>;

#[derive(Debug, Clone, Copy, Default)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let mut w = [0; 8];
        let rest = chunks.remainder();
        w[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(w));
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}
