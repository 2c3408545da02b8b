//! The privacy port: wrapped per-requester data keys, the erasure audit
//! trail, and the few privileged writes that erasure needs.
//!
//! The desk's [`EncryptedStore`](crate::privacy::EncryptedStore) keeps a
//! requester's personal data sealed under a data key of their own; this
//! port stores those keys *wrapped* (encrypted under the key-encryption
//! key of a [`KeyProvider`](crate::privacy::KeyProvider)), never in clear.
//! Destroying a requester's keys (crypto-shredding) makes every ciphertext
//! sealed under them unreadable for good, in every copy and backup of the
//! database, without rewriting the append-only timeline.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;
use crate::id::{CustomerId, TicketId};
use crate::privacy::{AccessRecord, ErasureRecord};
use crate::ticket::{Ticket, TicketEvent};

/// One requester's data key as stored: wrapped under the key-encryption key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WrappedKey {
    /// The key's id, which every ciphertext sealed under it carries.
    pub id: Uuid,
    /// Whose data it seals.
    pub customer: CustomerId,
    /// Which key-encryption key wrapped it ([`KeyProvider::kek_id`](crate::privacy::KeyProvider::kek_id)).
    pub kek_id: String,
    /// The wrapped bytes, as the key provider returned them.
    pub wrapped: Vec<u8>,
}

impl WrappedKey {
    /// A wrapped key.
    pub fn new(
        id: Uuid,
        customer: CustomerId,
        kek_id: impl Into<String>,
        wrapped: Vec<u8>,
    ) -> Self {
        WrappedKey {
            id,
            customer,
            kek_id: kek_id.into(),
            wrapped,
        }
    }
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bytes are wrapped, but logs have no use for them.
        f.debug_struct("WrappedKey")
            .field("id", &self.id)
            .field("customer", &self.customer)
            .field("kek_id", &self.kek_id)
            .field("wrapped", &format_args!("[{} bytes]", self.wrapped.len()))
            .finish()
    }
}

/// What the store knows of a key id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyLookup {
    /// The key exists.
    Live(WrappedKey),
    /// The key existed and was destroyed (its requester was erased).
    Destroyed,
    /// The store never held a key of this id.
    Unknown,
}

/// Wrapped data keys, erasure records and the privileged writes of erasure.
///
/// Contract (checked by `store::conformance::privacy`):
///
/// - A requester has at most one *live* key: [`add_data_key`](Self::add_data_key)
///   keeps the first one stored and returns it to every later caller, so
///   two nodes sealing data of a new requester at once agree on one key.
/// - [`destroy_data_keys`](Self::destroy_data_keys) removes the wrapped
///   bytes of every key of the requester for good; the id stays known as
///   destroyed, so a read tells an erased value from a corrupt one. A later
///   `add_data_key` for the same requester stores a fresh key.
/// - [`drop_pending_notifications`](Self::drop_pending_notifications)
///   deletes undelivered outbox entries; delivered ones stay as they are.
/// - [`rewrite_events`](Self::rewrite_events) and
///   [`delete_ticket`](Self::delete_ticket) are the **only** writes that
///   change or remove stored events (redaction, retention). They are fenced
///   by the ticket's version like a commit, and the SQL back ends allow them
///   past the append-only triggers for their own transaction only.
#[async_trait]
pub trait PrivacyStore: Send + Sync + fmt::Debug {
    /// The live data key of `customer`, if any.
    async fn live_data_key(&self, customer: CustomerId) -> Result<Option<WrappedKey>>;

    /// What the store knows of key `id`.
    async fn data_key(&self, id: Uuid) -> Result<KeyLookup>;

    /// Stores `key` unless its requester already has a live key; returns
    /// the requester's live key (the one stored first).
    async fn add_data_key(&self, key: WrappedKey) -> Result<WrappedKey>;

    /// Destroys every live key of `customer` (at `at`); returns how many.
    async fn destroy_data_keys(&self, customer: CustomerId, at: DateTime<Utc>) -> Result<u64>;

    /// Deletes the undelivered outbox entries of these tickets; returns how many.
    async fn drop_pending_notifications(&self, tickets: &[TicketId]) -> Result<u64>;

    /// Replaces ticket `ticket.id`'s snapshot with `ticket` and each of
    /// `events` (matched by seq) in place, if the stored version is still
    /// `ticket.version` (else [`Error::Conflict`](crate::Error::Conflict)).
    /// The old content is overwritten, not kept. Nothing else may rewrite history.
    async fn rewrite_events(&self, ticket: &Ticket, events: &[TicketEvent]) -> Result<()>;

    /// Deletes ticket `id` with its events, tags, schedule and every outbox
    /// entry, if it is still at `version`; `false` when it changed or is gone.
    async fn delete_ticket(&self, id: TicketId, version: u64) -> Result<bool>;

    /// Appends an erasure record to the audit trail.
    async fn record_erasure(&self, record: &ErasureRecord) -> Result<()>;

    /// The erasure records, oldest first; only `customer`'s when given.
    async fn erasures(&self, customer: Option<CustomerId>) -> Result<Vec<ErasureRecord>>;

    /// Appends a record to the access audit.
    async fn record_access(&self, record: &AccessRecord) -> Result<()>;

    /// The access records of `customer`'s data, oldest first.
    async fn accesses(&self, customer: CustomerId) -> Result<Vec<AccessRecord>>;
}
