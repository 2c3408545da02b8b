//! Privacy: personal data encrypted at rest under per-requester keys,
//! erasure by destroying those keys (crypto-shredding), and its audit trail.
//!
//! # What is personal, what stays clear
//!
//! With a [`KeyProvider`] plugged in ([`HelpDeskBuilder::privacy`](crate::HelpDeskBuilder::privacy)),
//! the desk seals each requester's personal data under a data key of their
//! own with XChaCha20-Poly1305 before anything reaches the store:
//!
//! - the requester's name, email, phone and organization (snapshot,
//!   `Created` and `RequesterUpdated` events, notifications' recipient);
//! - the description and every message body (customer messages, replies,
//!   internal notes: replies quote and answer the requester), also in the
//!   outbox's notification facts;
//! - every custom-field value (of the snapshot, `Created` and
//!   `FieldChanged` events);
//! - the free-text comment of a satisfaction survey answer (the score and
//!   reason code stay clear for the CSAT figures).
//!
//! Ids, statuses, times, priorities, groups, assignees, category, tags,
//! channel, the requester's service tier and the **subject** stay clear, so
//! queues, listings, text search, SLA clocks and reports work on the
//! database as before. Keep personal data out of subjects (or redact it).
//!
//! Data keys are stored wrapped (encrypted) by the key-encryption key that
//! the [`KeyProvider`] holds; the desk never stores a key in clear, and
//! wipes keys from memory when it drops them ([`zeroize`]).
//!
//! # Without a key provider
//!
//! A desk built without [`HelpDeskBuilder::privacy`](crate::HelpDeskBuilder::privacy)
//! stores everything in clear, exactly as before, and
//! [`HelpDesk::erase_requester`](crate::HelpDesk::erase_requester) answers
//! [`Error::NotConfigured`](crate::Error::NotConfigured): erasure that only hid data would be a promise
//! the database does not keep.
//!
//! # Plugging a KMS
//!
//! Implement [`KeyProvider`] over your KMS's *encrypt* and *decrypt* calls
//! (AWS KMS `Encrypt`/`Decrypt`, Google Cloud KMS, Azure Key Vault
//! `wrapKey`/`unwrapKey`, HashiCorp Vault transit): `wrap` sends the 32
//! key bytes and returns the KMS's ciphertext blob, `unwrap` the reverse.
//! Pass the customer id as the encryption context where the KMS supports
//! one. The desk caches unwrapped keys for a short while
//! ([`EncryptedStore::with_cache_ttl`]), so the KMS sees one call per
//! requester per minute, not one per read.

mod encrypted;
mod envelope;
mod keys;
pub mod retention;
pub(crate) mod seal;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::id::{AgentId, CustomerId};

pub use encrypted::EncryptedStore;
pub use keys::{DataKey, KeyProvider, LocalKeyProvider};
pub use retention::{RetentionAction, RetentionConfig, RetentionPolicy, RetentionReport};

/// What a personal field reads as once its requester was erased.
pub const ERASED: &str = "[erased]";

/// What a redacted message or field reads as.
pub const REDACTED: &str = "[redacted]";

/// The audit record of one erasure: who, when, why and how much; never the
/// data itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErasureRecord {
    /// The record's id.
    pub id: Uuid,
    /// Whose data was erased.
    pub customer: CustomerId,
    /// The admin who erased it (`None`: the desk itself, e.g. retention).
    pub by: Option<AgentId>,
    /// When.
    pub at: DateTime<Utc>,
    /// The legal basis given, e.g. `GDPR art. 17(1)(a), request 2026-114`.
    pub basis: String,
    /// Tickets of the requester that were marked erased.
    pub tickets: u64,
    /// Events whose personal data became unreadable.
    pub events: u64,
    /// Undelivered notifications dropped.
    pub notifications: u64,
    /// Data keys destroyed.
    pub keys: u64,
    /// What each [`ErasureHook`] erased
    /// elsewhere (knowledge base votes, survey comments, ...), by its name.
    #[serde(default)]
    pub elsewhere: std::collections::BTreeMap<String, u64>,
}

/// One read of a requester's personal data by staff (the access audit,
/// on with [`HelpDeskBuilder::audit_reads`](crate::HelpDeskBuilder::audit_reads)):
/// who read which ticket of whose, when, and through which call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessRecord {
    /// The record's id.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// The staff member (`None`: the desk itself).
    pub by: Option<AgentId>,
    /// Their kind (agent, supervisor, admin, system).
    pub actor: crate::ActorKind,
    /// The ticket read.
    pub ticket: crate::TicketId,
    /// Whose data it holds.
    pub customer: CustomerId,
    /// The call: `get`, `get_by_reference` or `timeline`.
    pub read: String,
}

/// Erases a requester's data kept outside tickets (knowledge base votes,
/// survey comments, attachments, your own tables): plugged in with
/// [`HelpDeskBuilder::erasure_hook`](crate::HelpDeskBuilder::erasure_hook),
/// called by every [`HelpDesk::erase_requester`](crate::HelpDesk::erase_requester)
/// after the tickets are done. Must be idempotent: an erasure is retried
/// after a failure.
#[async_trait::async_trait]
pub trait ErasureHook: Send + Sync + std::fmt::Debug {
    /// A short name for the audit record, e.g. `kb_votes`.
    fn name(&self) -> &'static str;

    /// Erases `customer`'s data at `at`; returns how many items it touched.
    async fn erase(&self, customer: CustomerId, at: DateTime<Utc>) -> crate::Result<u64>;
}
