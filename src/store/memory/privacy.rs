//! The privacy port in memory.

use std::collections::{HashMap, HashSet};
use std::sync::PoisonError;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::InMemoryStore;
use crate::error::Error;
use crate::error::Result;
use crate::id::{CustomerId, TicketId};
use crate::privacy::{AccessRecord, ErasureRecord};
use crate::store::{KeyLookup, PrivacyStore, WrappedKey};
use crate::ticket::{Ticket, TicketEvent};

#[derive(Debug, Default)]
pub(super) struct Tables {
    /// Keys by id; `None` once destroyed.
    keys: HashMap<Uuid, Option<WrappedKey>>,
    live: HashMap<CustomerId, Uuid>,
    erasures: Vec<ErasureRecord>,
    accesses: Vec<AccessRecord>,
}

impl InMemoryStore {
    fn privacy(&self) -> std::sync::MutexGuard<'_, Tables> {
        // Every change below is applied whole, so a poisoned lock still
        // guards consistent tables.
        self.privacy.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl PrivacyStore for InMemoryStore {
    async fn live_data_key(&self, customer: CustomerId) -> Result<Option<WrappedKey>> {
        let t = self.privacy();
        Ok(t.live
            .get(&customer)
            .and_then(|id| t.keys.get(id).cloned().flatten()))
    }

    async fn data_key(&self, id: Uuid) -> Result<KeyLookup> {
        Ok(match self.privacy().keys.get(&id) {
            Some(Some(k)) => KeyLookup::Live(k.clone()),
            Some(None) => KeyLookup::Destroyed,
            None => KeyLookup::Unknown,
        })
    }

    async fn add_data_key(&self, key: WrappedKey) -> Result<WrappedKey> {
        let mut t = self.privacy();
        if let Some(id) = t.live.get(&key.customer)
            && let Some(Some(live)) = t.keys.get(id)
        {
            return Ok(live.clone());
        }
        t.live.insert(key.customer, key.id);
        t.keys.insert(key.id, Some(key.clone()));
        Ok(key)
    }

    async fn destroy_data_keys(&self, customer: CustomerId, _at: DateTime<Utc>) -> Result<u64> {
        let mut t = self.privacy();
        let mut n = 0;
        for k in t.keys.values_mut() {
            if k.as_ref().is_some_and(|k| k.customer == customer) {
                // Dropping the bytes is all memory can do; they were wrapped.
                *k = None;
                n += 1;
            }
        }
        t.live.remove(&customer);
        Ok(n)
    }

    async fn drop_pending_notifications(&self, tickets: &[TicketId]) -> Result<u64> {
        let tickets: HashSet<&TicketId> = tickets.iter().collect();
        let mut inner = self.lock();
        let gone: Vec<_> = inner
            .outbox
            .iter()
            .filter(|(_, r)| tickets.contains(&r.notification.ticket_id))
            .map(|(id, r)| (*id, r.available_at))
            .collect();
        for (id, at) in &gone {
            inner.outbox.remove(id);
            inner.queue.remove(&(*at, *id));
        }
        // Given-up entries are undelivered too, as the SQL stores count them.
        let before = inner.abandoned_entries.len();
        inner
            .abandoned_entries
            .retain(|_, e| !tickets.contains(&e.notification.ticket_id));
        Ok((gone.len() + before - inner.abandoned_entries.len()) as u64)
    }

    async fn rewrite_events(&self, ticket: &Ticket, events: &[TicketEvent]) -> Result<()> {
        let mut inner = self.lock();
        let Some(row) = inner.tickets.get_mut(&ticket.id) else {
            return Err(Error::not_found("ticket", ticket.id));
        };
        if row.ticket.version != ticket.version {
            return Err(Error::Conflict {
                what: "ticket",
                id: ticket.id.to_string(),
                expected: ticket.version,
                actual: row.ticket.version,
            });
        }
        // Check every seq before changing anything: all or nothing.
        let index = |seq: u64| usize::try_from(seq).ok().and_then(|s| s.checked_sub(1));
        for e in events {
            if e.ticket_id != ticket.id || index(e.seq).is_none_or(|i| i >= row.events.len()) {
                return Err(Error::validation(
                    "events",
                    format!("ticket {} has no event {}", ticket.id, e.seq),
                ));
            }
        }
        for e in events {
            if let Some(i) = index(e.seq) {
                row.events[i] = e.clone();
            }
        }
        row.ticket = ticket.clone();
        Ok(())
    }

    async fn delete_ticket(&self, id: TicketId, version: u64) -> Result<bool> {
        let mut inner = self.lock();
        if inner
            .tickets
            .get(&id)
            .is_none_or(|r| r.ticket.version != version)
        {
            return Ok(false);
        }
        let Some(row) = inner.tickets.remove(&id) else {
            return Ok(false);
        };
        inner.order.remove(&id);
        inner.by_ref.remove(&row.ticket.reference);
        inner.reassign(id, row.ticket.assignee, None);
        if let (Some(d), None) = (row.schedule.next_deadline, row.lease_until) {
            inner.deadlines.remove(&(d, id));
        }
        let gone: Vec<_> = inner
            .outbox
            .iter()
            .filter(|(_, r)| r.notification.ticket_id == id)
            .map(|(nid, r)| (*nid, r.available_at))
            .collect();
        for (nid, at) in gone {
            inner.outbox.remove(&nid);
            inner.queue.remove(&(at, nid));
        }
        inner.metrics.remove(&id);
        inner
            .abandoned_entries
            .retain(|_, e| e.notification.ticket_id != id);
        inner.intake.forget_ticket(id);
        Ok(true)
    }

    async fn record_erasure(&self, record: &ErasureRecord) -> Result<()> {
        self.privacy().erasures.push(record.clone());
        Ok(())
    }

    async fn erasures(&self, customer: Option<CustomerId>) -> Result<Vec<ErasureRecord>> {
        let mut out: Vec<ErasureRecord> = self
            .privacy()
            .erasures
            .iter()
            .filter(|r| customer.is_none_or(|c| r.customer == c))
            .cloned()
            .collect();
        out.sort_by_key(|r| (r.at, r.id));
        Ok(out)
    }

    async fn record_access(&self, record: &AccessRecord) -> Result<()> {
        self.privacy().accesses.push(record.clone());
        Ok(())
    }

    async fn accesses(&self, customer: CustomerId) -> Result<Vec<AccessRecord>> {
        let mut out: Vec<AccessRecord> = self
            .privacy()
            .accesses
            .iter()
            .filter(|r| r.customer == customer)
            .cloned()
            .collect();
        out.sort_by_key(|r| (r.at, r.id));
        Ok(out)
    }
}
