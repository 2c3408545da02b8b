mod kb;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

mod reports;

use super::{
    CommandRecord, Commit, Cursor, DueIndex, Outbox, OutboxEntry, OutboxStats, Page, Position,
    Schedule, Sort, TicketFilter, TicketQuery, TicketStore, Visibility, check_commit,
};
use crate::error::{Error, Result};
use crate::id::{AgentId, NotificationId, TicketId, TicketRef};
use crate::notify::Notification;
use crate::ticket::{Ticket, TicketEvent};

mod privacy;

/// A thread-safe store that keeps everything in memory.
///
/// Fast and dependency-free: the default for tests, demos and simulations.
/// Claims of due work and of the outbox cost in proportion to what is due,
/// not to the number of tickets held; counting an agent's tickets costs in
/// proportion to that agent's tickets. Listings in creation order walk an
/// ordered index; other orders sort the matching tickets. Nothing survives
/// the process.
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
    /// The knowledge base, under its own lock (see `memory/kb.rs`).
    kb: Mutex<kb::KbState>,
    /// Data keys and erasure records (the privacy port).
    privacy: Mutex<privacy::Tables>,
}

/// The maps' hasher: the keys are ids with random bits and strings the
/// desk makes itself, not keys an attacker picks, so SipHash's flood
/// resistance buys nothing here and a fast hash (foldhash, randomly
/// seeded) serves better.
type Fast = foldhash::fast::RandomState;

#[derive(Debug, Default)]
struct Inner {
    last_ref: u64,
    /// Rows by id. Boxed, so that growing the table moves pointers, not tickets.
    tickets: HashMap<TicketId, Box<Row>, Fast>,
    /// Every ticket id in order, for listings.
    order: BTreeSet<TicketId>,
    by_ref: HashMap<TicketRef, TicketId, Fast>,
    /// Each agent's tickets, so counting an agent's load is not a scan.
    by_assignee: HashMap<AgentId, HashSet<TicketId, Fast>, Fast>,
    /// Unleased tickets by deadline.
    deadlines: BTreeSet<(DateTime<Utc>, TicketId)>,
    /// Leased tickets by lease end; they return to `deadlines` when it
    /// passes. Entries are not removed when a lease ends early (a commit, a
    /// release): an entry counts only while its row still holds that lease,
    /// which spares every claim and commit an ordered-set update.
    leases: BTreeMap<DateTime<Utc>, Vec<TicketId>>,
    outbox: HashMap<NotificationId, OutRow, Fast>,
    /// Every idempotency key ever enqueued, delivered or not.
    keys: HashSet<String, Fast>,
    /// Undelivered entries by the instant they become claimable.
    queue: BTreeSet<(DateTime<Utc>, NotificationId)>,
    delivered: u64,
    commands: HashMap<String, CommandRecord, Fast>,
    /// Metric rows by ticket, for reports (`ReportStore`, in `reports`).
    metrics: HashMap<TicketId, crate::report::MetricRow, Fast>,
    /// Requesters opted out of surveys, and since when (`ReportStore`).
    survey_opt_outs: HashMap<crate::id::CustomerId, DateTime<Utc>, Fast>,
    /// Contacts, inbound messages and attachments ([`IntakeStore`]).
    intake: super::intake::memory::Tables,
    /// The entries given up, by id (which is by creation).
    abandoned_entries: std::collections::BTreeMap<NotificationId, super::AbandonedEntry>,
}

#[derive(Debug)]
struct Row {
    ticket: Ticket,
    events: Vec<TicketEvent>,
    schedule: Schedule,
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
    /// need not look it up again.
    fn set_deadline(
        &mut self,
        id: TicketId,
        deadline: Option<DateTime<Utc>>,
        deadlines: &mut BTreeSet<(DateTime<Utc>, TicketId)>,
    ) {
        // A leased row's deadline left the index when it was claimed.
        if let (Some(old), None) = (self.schedule.next_deadline, self.lease_until.take()) {
            deadlines.remove(&(old, id));
        }
        self.schedule.next_deadline = deadline;
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
                if let Some(d) = row.schedule.next_deadline {
                    self.deadlines.insert((d, id));
                }
            }
        }
    }

    fn check_commit(&self, commit: &Commit) -> Result<()> {
        for w in &commit.tickets {
            let actual = self.tickets.get(&w.ticket.id).map(|r| r.ticket.version);
            let ok = match (w.expected_version, actual) {
                (None, None) => !self.by_ref.contains_key(&w.ticket.reference),
                (Some(e), Some(a)) => e == a,
                _ => false,
            };
            if !ok {
                return Err(Error::ticket_conflict(
                    w.ticket.id,
                    w.expected_version.unwrap_or(0),
                    actual.unwrap_or(0),
                ));
            }
        }
        for (i, n) in commit.outbox.iter().enumerate() {
            if self.keys.contains(&n.idempotency_key) {
                return Err(Error::Duplicate {
                    what: "idempotency key",
                    key: n.idempotency_key.clone(),
                });
            }
            // Twice in this commit (under two keys) would leave two queue
            // entries for one row.
            if self.outbox.contains_key(&n.id) || commit.outbox[..i].iter().any(|o| o.id == n.id) {
                return Err(Error::Duplicate {
                    what: "notification",
                    key: n.id.to_string(),
                });
            }
        }
        if let Some(c) = &commit.command
            && self.commands.contains_key(&c.key)
        {
            return Err(Error::Duplicate {
                what: "command idempotency key",
                key: c.key.clone(),
            });
        }
        Ok(())
    }

    /// Keeps `by_assignee` in step with a ticket's assignee.
    fn reassign(&mut self, id: TicketId, from: Option<AgentId>, to: Option<AgentId>) {
        if from == to {
            return;
        }
        if let Some(a) = from
            && let Some(set) = self.by_assignee.get_mut(&a)
        {
            set.remove(&id);
        }
        if let Some(a) = to {
            self.by_assignee.entry(a).or_default().insert(id);
        }
    }

    /// Tickets matching `filter` within `visibility`, by id order from `start`.
    fn matching<'a>(
        &'a self,
        filter: &'a TicketFilter,
        visibility: &'a Visibility,
        start: Bound<TicketId>,
    ) -> impl Iterator<Item = &'a Row> + 'a {
        self.order
            .range((start, Bound::Unbounded))
            .filter_map(|id| self.tickets.get(id).map(|r| &**r))
            .filter(move |r| {
                visibility.allows(&r.ticket) && filter.matches(&r.ticket, Some(&r.schedule))
            })
    }
}

/// The order of `sort` between two rows: `Less` when `a` comes first.
fn compare(sort: Sort, a: &Row, b: &Row) -> std::cmp::Ordering {
    position_order(
        &Position::of(sort, &a.ticket, Some(&a.schedule)),
        &Position::of(sort, &b.ticket, Some(&b.schedule)),
    )
}

/// The listing order of two positions of the same sort.
fn position_order(a: &Position, b: &Position) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Position::Created(x), Position::Created(y)) => x.cmp(y),
        (Position::NextDue(due_a, id_a), Position::NextDue(due_b, id_b)) => {
            // Tickets without an SLA due come last.
            let key = |d: &Option<DateTime<Utc>>| (d.is_none(), *d);
            key(due_a).cmp(&key(due_b)).then(id_a.cmp(id_b))
        }
        (Position::Priority(p_a, id_a), Position::Priority(p_b, id_b)) => {
            p_a.cmp(p_b).then(id_a.cmp(id_b))
        }
        // Most recent first.
        (Position::Updated(at_a, id_a), Position::Updated(at_b, id_b)) => {
            at_b.cmp(at_a).then(id_b.cmp(id_a))
        }
        _ => Ordering::Equal,
    }
}

#[async_trait]
impl TicketStore for InMemoryStore {
    async fn next_reference(&self) -> Result<TicketRef> {
        let mut inner = self.lock();
        inner.last_ref += 1;
        Ok(TicketRef(inner.last_ref + 1000))
    }

    async fn commit(&self, commit: Commit) -> Result<()> {
        check_commit(&commit)?;
        let mut inner = self.lock();
        inner.check_commit(&commit)?;
        inner.intake.check(&commit)?;
        let inner = &mut *inner;
        inner.intake.apply(&commit);
        for w in commit.tickets {
            let id = w.ticket.id;
            let assignee = w.ticket.assignee;
            if let Some(row) = w.metrics {
                inner.metrics.insert(id, *row);
            }
            if let Some(row) = inner.tickets.get_mut(&id) {
                let before = row.ticket.assignee;
                row.ticket = w.ticket;
                row.events.extend(w.events);
                if let Some(s) = w.schedule {
                    row.set_deadline(id, s.next_deadline, &mut inner.deadlines);
                    row.schedule = s;
                }
                inner.reassign(id, before, assignee);
            } else {
                inner.by_ref.insert(w.ticket.reference, id);
                let mut row = Box::new(Row {
                    ticket: w.ticket,
                    events: w.events,
                    schedule: Schedule::default(),
                    lease_until: None,
                });
                if let Some(s) = w.schedule {
                    row.set_deadline(id, s.next_deadline, &mut inner.deadlines);
                    row.schedule = s;
                }
                inner.tickets.insert(id, row);
                inner.order.insert(id);
                inner.reassign(id, None, assignee);
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
        if let Some(c) = commit.command {
            inner.commands.insert(c.key.clone(), c);
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
        let position = query.position()?;
        let inner = self.lock();
        let (f, v) = (&query.filter, &query.visibility);
        let mut rows: Vec<&Row> = if query.sort == Sort::Created {
            // Already in order: stop after one more than the page.
            let start = position.map_or(Bound::Unbounded, |p| Bound::Excluded(p.ticket_id()));
            inner.matching(f, v, start).take(query.limit + 1).collect()
        } else {
            let mut all: Vec<&Row> = inner
                .matching(f, v, Bound::Unbounded)
                .filter(|r| {
                    position.is_none_or(|p| {
                        let here = Position::of(query.sort, &r.ticket, Some(&r.schedule));
                        position_order(&here, &p).is_gt()
                    })
                })
                .collect();
            all.sort_by(|a, b| compare(query.sort, a, b));
            all.truncate(query.limit + 1);
            all
        };
        let next = if rows.len() > query.limit {
            rows.truncate(query.limit);
            rows.last()
                .map(|r| Cursor::at(Position::of(query.sort, &r.ticket, Some(&r.schedule))))
        } else {
            None
        };
        Ok(Page::new(
            rows.into_iter().map(|r| r.ticket.clone()).collect(),
            next,
        ))
    }

    async fn count(&self, filter: &TicketFilter, visibility: &Visibility) -> Result<u64> {
        let inner = self.lock();
        let counted =
            |r: &Row| visibility.allows(&r.ticket) && filter.matches(&r.ticket, Some(&r.schedule));
        let n = match filter.assignee {
            Some(a) => inner.by_assignee.get(&a).map_or(0, |ids| {
                ids.iter()
                    .filter_map(|id| inner.tickets.get(id))
                    .filter(|r| counted(r))
                    .count()
            }),
            None => inner.tickets.values().filter(|r| counted(r)).count(),
        };
        Ok(n as u64)
    }

    async fn command(&self, key: &str) -> Result<Option<CommandRecord>> {
        Ok(self.lock().commands.get(key).cloned())
    }

    fn intake(&self) -> Option<&dyn super::IntakeStore> {
        Some(self)
    }
}

#[async_trait]
impl DueIndex for InMemoryStore {
    async fn next_deadline(&self, id: TicketId) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .lock()
            .tickets
            .get(&id)
            .and_then(|r| r.schedule.next_deadline))
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
}

#[async_trait]
impl Outbox for InMemoryStore {
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
                out.push(OutboxEntry::new(
                    row.notification.clone(),
                    row.attempts,
                    row.last_error.clone(),
                ));
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
            abandoned: inner.abandoned_entries.len() as u64,
        })
    }

    async fn mark_abandoned(
        &self,
        id: NotificationId,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        let mut inner = self.lock();
        let Some(row) = inner.outbox.remove(&id) else {
            return Err(Error::not_found("notification", id));
        };
        inner.queue.remove(&(row.available_at, id));
        inner.abandoned_entries.insert(
            id,
            super::AbandonedEntry::new(
                row.notification,
                row.attempts + 1,
                Some(error.to_owned()),
                at,
            ),
        );
        Ok(())
    }

    async fn abandoned(
        &self,
        after: Option<NotificationId>,
        limit: usize,
    ) -> Result<Vec<super::AbandonedEntry>> {
        use std::ops::Bound;
        let inner = self.lock();
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        Ok(inner
            .abandoned_entries
            .range((from, Bound::Unbounded))
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect())
    }
}

#[async_trait]
impl super::IntakeStore for InMemoryStore {
    async fn contact(&self, key: &super::ContactKey) -> Result<Option<crate::ticket::Requester>> {
        Ok(self.lock().intake.contact(key))
    }

    async fn inbound(
        &self,
        channel: &crate::ticket::Channel,
        external_id: &str,
    ) -> Result<Option<super::InboundEntry>> {
        let channel = super::intake::channel_key(channel);
        Ok(self.lock().intake.inbound(&channel, external_id))
    }

    async fn notification_ticket(&self, id: NotificationId) -> Result<Option<TicketId>> {
        Ok(self.lock().intake.notification_ticket(id))
    }

    async fn attachments(&self, ticket: TicketId) -> Result<Vec<super::AttachmentInfo>> {
        Ok(self.lock().intake.attachments(ticket))
    }

    async fn attachment(&self, id: crate::id::AttachmentId) -> Result<Option<super::Attachment>> {
        Ok(self.lock().intake.attachment(id))
    }

    async fn attachment_info(
        &self,
        id: crate::id::AttachmentId,
    ) -> Result<Option<super::AttachmentInfo>> {
        Ok(self.lock().intake.attachment_info(id))
    }

    async fn content_referenced(&self, sha256: &str) -> Result<bool> {
        Ok(self.lock().intake.content_referenced(sha256))
    }

    async fn erase_requester(
        &self,
        customer: crate::id::CustomerId,
        tickets: &[TicketId],
    ) -> Result<super::IntakeErasure> {
        Ok(self.lock().intake.erase_requester(customer, tickets))
    }
}

#[async_trait]
impl super::AttachmentStore for InMemoryStore {
    async fn put_content(&self, bytes: &[u8]) -> Result<String> {
        // Hash outside the lock: a large file must not hold up other callers.
        let sha256 = super::intake::sha256_hex(bytes);
        self.lock().intake.put_content(sha256.clone(), bytes);
        Ok(sha256)
    }

    async fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        super::attachments::check_key(sha256)?;
        Ok(self.lock().intake.content(sha256))
    }

    async fn remove_content(&self, sha256: &str) -> Result<bool> {
        super::attachments::check_key(sha256)?;
        Ok(self.lock().intake.remove_content(sha256))
    }
}
