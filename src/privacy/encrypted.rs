//! [`EncryptedStore`]: any [`Store`] with personal data sealed on the way in
//! and opened on the way out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ERASED;
use super::envelope::{self, Sealed};
use super::keys::{DataKey, KeyProvider};
use super::seal::{self, Slot, Visit};
use crate::error::{ConfigError, Error, Result};
use crate::id::{CustomerId, NotificationId, TicketId, TicketRef};
use crate::notify::Notification;
use crate::store::{
    CommandRecord, Commit, DueIndex, KeyLookup, Outbox, OutboxEntry, OutboxStats, Page,
    PrivacyStore, Store, TicketFilter, TicketQuery, TicketStore, Visibility, WrappedKey,
};
use crate::ticket::{FieldValue, Ticket, TicketEvent};

/// How long an unwrapped key is kept in memory by default.
const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(60);

/// A [`Store`] that seals each requester's personal data (see the
/// [module docs](super) for what that is) under their data key before the
/// wrapped store sees it, and opens it on every read. The one encryption
/// path for every back end: the wrapped store (memory, SQLite, PostgreSQL,
/// yours) stores and indexes what it is given and never sees personal data
/// in clear. A value whose key was destroyed reads as [`ERASED`].
///
/// [`HelpDeskBuilder::privacy`](crate::HelpDeskBuilder::privacy) builds one
/// around the desk's store; build one yourself to read a store directly.
///
/// ```
/// use std::sync::Arc;
/// use helpdesk::privacy::{EncryptedStore, LocalKeyProvider};
/// use helpdesk::InMemoryStore;
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let backend = Arc::new(InMemoryStore::new());
/// let kek = Arc::new(LocalKeyProvider::from_bytes([7; 32]));
/// let store = EncryptedStore::new(backend.clone(), backend, kek);
/// store.verify().await?; // a wrong key-encryption key fails here, at start
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Unwrapped keys are cached in memory for a minute
/// ([`with_cache_ttl`](Self::with_cache_ttl)). An erasure on this node
/// drops its keys from the cache at once; another node that read them
/// in the last minute can open them until its cache entry expires.
#[derive(Debug)]
pub struct EncryptedStore {
    inner: Arc<dyn Store>,
    keys: Arc<dyn PrivacyStore>,
    provider: Arc<dyn KeyProvider>,
    ttl: Duration,
    cache: Mutex<Cache>,
}

#[derive(Debug, Default)]
struct Cache {
    /// Keys by id; `None`: destroyed.
    keys: HashMap<Uuid, (Option<Arc<DataKey>>, Instant)>,
    /// Each requester's live key id.
    live: HashMap<CustomerId, (Uuid, Instant)>,
}

/// The customer id the canary key of [`EncryptedStore::verify`] is stored
/// under: the nil UUID, which no requester gets.
const CANARY: CustomerId = CustomerId::from_uuid(Uuid::nil());

impl EncryptedStore {
    /// `inner`'s data sealed under keys kept (wrapped by `provider`) in `keys`,
    /// usually the same back end as `inner`.
    pub fn new(
        inner: Arc<dyn Store>,
        keys: Arc<dyn PrivacyStore>,
        provider: Arc<dyn KeyProvider>,
    ) -> Self {
        EncryptedStore {
            inner,
            keys,
            provider,
            ttl: DEFAULT_CACHE_TTL,
            cache: Mutex::default(),
        }
    }

    /// Keeps unwrapped keys in memory for `ttl` (default one minute; zero
    /// asks the key store, and the provider, on every use).
    pub fn with_cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The wrapped store, which holds only sealed personal data.
    pub fn inner(&self) -> &Arc<dyn Store> {
        &self.inner
    }

    /// The key store.
    pub fn keys(&self) -> &Arc<dyn PrivacyStore> {
        &self.keys
    }

    /// Checks that the provider's key-encryption key opens the keys stored:
    /// on first use it stores a canary key, afterwards it unwraps it. A
    /// wrong key-encryption key is [`Error::Config`] at `privacy.key_provider`.
    pub async fn verify(&self) -> Result<()> {
        let wrapped = match self.keys.live_data_key(CANARY).await? {
            Some(w) => w,
            None => self.create_key(CANARY).await?.1,
        };
        self.provider
            .unwrap(CANARY, &wrapped.wrapped)
            .await
            .map(drop)
            .map_err(|e| {
                ConfigError::new(
                    "privacy.key_provider",
                    Some(self.provider.kek_id().to_owned()),
                    format!(
                        "the key-encryption key does not open the data keys stored (wrapped by {}): {e}",
                        wrapped.kek_id
                    ),
                )
                .into()
            })
    }

    /// Forgets the cached keys of `customer` (after their erasure).
    pub(crate) fn forget(&self, customer: CustomerId) {
        let mut c = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        c.live.remove(&customer);
        // The cache does not index keys by requester; erasures are rare
        // enough that dropping every cached key costs nothing that matters.
        c.keys.clear();
    }

    async fn create_key(&self, customer: CustomerId) -> Result<(Arc<DataKey>, WrappedKey)> {
        let key = DataKey::generate()?;
        let wrapped = self.provider.wrap(customer, &key).await?;
        let mine = WrappedKey::new(Uuid::now_v7(), customer, self.provider.kek_id(), wrapped);
        let stored = self.keys.add_data_key(mine.clone()).await?;
        if stored.id == mine.id {
            Ok((Arc::new(key), stored))
        } else {
            // Another writer stored the requester's key first: use theirs.
            let key = self.provider.unwrap(customer, &stored.wrapped).await?;
            Ok((Arc::new(key), stored))
        }
    }

    /// `customer`'s live key and its id, made on first use.
    async fn live_key(&self, customer: CustomerId) -> Result<(Uuid, Arc<DataKey>)> {
        let now = Instant::now();
        {
            let c = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((id, t)) = c.live.get(&customer)
                && now.duration_since(*t) < self.ttl
                && let Some((Some(k), _)) = c.keys.get(id)
            {
                return Ok((*id, k.clone()));
            }
        }
        let (key, wrapped) = match self.keys.live_data_key(customer).await? {
            Some(w) => (
                Arc::new(self.provider.unwrap(customer, &w.wrapped).await?),
                w,
            ),
            None => self.create_key(customer).await?,
        };
        let mut c = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        c.keys.insert(wrapped.id, (Some(key.clone()), now));
        c.live.insert(customer, (wrapped.id, now));
        Ok((wrapped.id, key))
    }

    /// The key of id `id` (`None`: destroyed).
    async fn key_by_id(&self, id: Uuid) -> Result<Option<Arc<DataKey>>> {
        let now = Instant::now();
        {
            let c = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((k, t)) = c.keys.get(&id)
                && now.duration_since(*t) < self.ttl
            {
                return Ok(k.clone());
            }
        }
        let key = match self.keys.data_key(id).await? {
            KeyLookup::Live(w) => Some(Arc::new(
                self.provider.unwrap(w.customer, &w.wrapped).await?,
            )),
            KeyLookup::Destroyed => None,
            KeyLookup::Unknown => {
                return Err(Error::corrupt(
                    format!(
                        "a stored value is sealed under data key {id}, which the key store never held"
                    ),
                    None,
                ));
            }
        };
        let mut c = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        c.keys.insert(id, (key.clone(), now));
        Ok(key)
    }

    /// Seals every personal value `visit` reaches under `customer`'s key.
    async fn seal_with<T>(
        &self,
        customer: CustomerId,
        item: &mut T,
        visit: fn(&mut T, &mut Visit<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut needed = false;
        visit(item, &mut |slot| {
            needed |= !seal::slot_is_marker(&slot);
            Ok(())
        })?;
        if !needed {
            return Ok(());
        }
        let (id, key) = self.live_key(customer).await?;
        visit(item, &mut |slot| {
            if seal::slot_is_marker(&slot) {
                return Ok(());
            }
            match slot {
                Slot::Text(s) => *s = envelope::seal(&key, id, s)?,
                Slot::Field(v) => {
                    let json = serde_json::to_string(v).map_err(|e| {
                        Error::internal(format!("a field value does not serialize: {e}"))
                    })?;
                    *v = FieldValue::Text(envelope::seal(&key, id, &json)?);
                }
            }
            Ok(())
        })
    }

    /// Opens every sealed value `visit` reaches in `items`.
    async fn open_all<T>(
        &self,
        items: &mut [T],
        visit: fn(&mut T, &mut Visit<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut ids = Vec::new();
        for item in items.iter_mut() {
            visit(item, &mut |slot| {
                let text = match &slot {
                    Slot::Text(s) => s.as_str(),
                    Slot::Field(FieldValue::Text(s)) => s.as_str(),
                    Slot::Field(_) => return Ok(()),
                };
                if let Some(s) = envelope::parse(text)
                    && !ids.contains(&s.key_id)
                {
                    ids.push(s.key_id);
                }
                Ok(())
            })?;
        }
        if ids.is_empty() {
            return Ok(());
        }
        let mut keys = HashMap::with_capacity(ids.len());
        for id in ids {
            keys.insert(id, self.key_by_id(id).await?);
        }
        let open = |sealed: &Sealed| -> Result<Option<String>> {
            match keys.get(&sealed.key_id) {
                Some(Some(k)) => envelope::open(k, sealed).map(Some),
                _ => Ok(None),
            }
        };
        for item in items.iter_mut() {
            visit(item, &mut |slot| {
                match slot {
                    Slot::Text(s) => {
                        if let Some(sealed) = envelope::parse(s) {
                            *s = open(&sealed)?.unwrap_or_else(|| ERASED.to_owned());
                        }
                    }
                    Slot::Field(v) => {
                        let FieldValue::Text(s) = &*v else {
                            return Ok(());
                        };
                        let Some(sealed) = envelope::parse(s) else {
                            return Ok(());
                        };
                        *v = match open(&sealed)? {
                            Some(json) => serde_json::from_str(&json).map_err(|e| {
                                Error::corrupt(
                                    "a sealed field value is not a field value",
                                    Some(e.into()),
                                )
                            })?,
                            None => FieldValue::Text(ERASED.to_owned()),
                        };
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    async fn open_ticket(&self, t: Option<Ticket>) -> Result<Option<Ticket>> {
        let Some(t) = t else { return Ok(None) };
        let mut one = [t];
        self.open_all(&mut one, seal::ticket).await?;
        let [t] = one;
        Ok(Some(t))
    }

    /// Seals a commit's tickets, events and notifications.
    async fn seal_commit(&self, commit: &mut Commit) -> Result<()> {
        let mut owners: HashMap<TicketId, CustomerId> = HashMap::new();
        for w in &mut commit.tickets {
            let customer = w.ticket.requester.id;
            owners.insert(w.ticket.id, customer);
            self.seal_with(customer, &mut w.ticket, seal::ticket)
                .await?;
            for e in &mut w.events {
                self.seal_with(customer, e, seal::event).await?;
            }
            // Metric rows are read by SQL, so they cannot be sealed: the one
            // personal dimension, the requester's organization, is left out
            // (reports by organization need a desk without encryption).
            if let Some(row) = &mut w.metrics {
                row.organization = None;
            }
        }
        for n in &mut commit.outbox {
            let customer = match owners.get(&n.ticket_id) {
                Some(c) => *c,
                None => match self.inner.load(n.ticket_id).await? {
                    // The requester's id is stored in clear.
                    Some(t) => t.requester.id,
                    None => match &n.recipient {
                        crate::ticket::Recipient::Requester { id, .. } => *id,
                        _ => CANARY,
                    },
                },
            };
            self.seal_with(customer, n, seal::notification).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl TicketStore for EncryptedStore {
    async fn next_reference(&self) -> Result<TicketRef> {
        self.inner.next_reference().await
    }

    async fn commit(&self, mut commit: Commit) -> Result<()> {
        self.seal_commit(&mut commit).await?;
        self.inner.commit(commit).await
    }

    // Inbound messages and their attachments pass through unsealed: the
    // intake port is the wrapped back end's (see the privacy module docs).
    fn intake(&self) -> Option<&dyn crate::store::IntakeStore> {
        self.inner.intake()
    }

    async fn load(&self, id: TicketId) -> Result<Option<Ticket>> {
        let t = self.inner.load(id).await?;
        self.open_ticket(t).await
    }

    async fn load_by_reference(&self, reference: TicketRef) -> Result<Option<Ticket>> {
        let t = self.inner.load_by_reference(reference).await?;
        self.open_ticket(t).await
    }

    async fn timeline(&self, id: TicketId) -> Result<Vec<TicketEvent>> {
        let mut events = self.inner.timeline(id).await?;
        self.open_all(&mut events, seal::event).await?;
        Ok(events)
    }

    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket>> {
        let mut page = self.inner.list(query).await?;
        self.open_all(&mut page.items, seal::ticket).await?;
        Ok(page)
    }

    async fn count(&self, filter: &TicketFilter, visibility: &Visibility) -> Result<u64> {
        self.inner.count(filter, visibility).await
    }

    async fn command(&self, key: &str) -> Result<Option<CommandRecord>> {
        self.inner.command(key).await
    }
}

#[async_trait]
impl DueIndex for EncryptedStore {
    async fn next_deadline(&self, id: TicketId) -> Result<Option<DateTime<Utc>>> {
        self.inner.next_deadline(id).await
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<TicketId>> {
        self.inner.claim_due(now, limit, lease_until).await
    }

    async fn release_due(
        &self,
        id: TicketId,
        version: u64,
        next_deadline: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        self.inner.release_due(id, version, next_deadline).await
    }
}

#[async_trait]
impl Outbox for EncryptedStore {
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxEntry>> {
        let entries = self.inner.claim_outbox(now, limit, lease_until).await?;
        let mut notes: Vec<(Notification, u32, Option<String>)> = entries
            .into_iter()
            .map(|e| (e.notification, e.attempts, e.last_error))
            .collect();
        self.open_all(&mut notes, |(n, _, _), f| seal::notification(n, f))
            .await?;
        Ok(notes
            .into_iter()
            .map(|(n, a, l)| OutboxEntry::new(n, a, l))
            .collect())
    }

    async fn mark_delivered(&self, id: NotificationId, at: DateTime<Utc>) -> Result<()> {
        self.inner.mark_delivered(id, at).await
    }

    async fn mark_failed(
        &self,
        id: NotificationId,
        retry_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        self.inner.mark_failed(id, retry_at, error).await
    }

    async fn mark_abandoned(
        &self,
        id: NotificationId,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        self.inner.mark_abandoned(id, at, error).await
    }

    async fn outbox_stats(&self) -> Result<OutboxStats> {
        self.inner.outbox_stats().await
    }

    async fn abandoned(
        &self,
        after: Option<NotificationId>,
        limit: usize,
    ) -> Result<Vec<crate::store::AbandonedEntry>> {
        let mut entries = self.inner.abandoned(after, limit).await?;
        self.open_all(&mut entries, |e, f| {
            seal::notification(&mut e.notification, f)
        })
        .await?;
        Ok(entries)
    }
}

#[async_trait]
impl PrivacyStore for EncryptedStore {
    async fn live_data_key(&self, customer: CustomerId) -> Result<Option<WrappedKey>> {
        self.keys.live_data_key(customer).await
    }
    async fn data_key(&self, id: Uuid) -> Result<KeyLookup> {
        self.keys.data_key(id).await
    }
    async fn add_data_key(&self, key: WrappedKey) -> Result<WrappedKey> {
        self.keys.add_data_key(key).await
    }
    async fn destroy_data_keys(&self, customer: CustomerId, at: DateTime<Utc>) -> Result<u64> {
        let n = self.keys.destroy_data_keys(customer, at).await?;
        self.forget(customer);
        Ok(n)
    }
    async fn drop_pending_notifications(&self, tickets: &[TicketId]) -> Result<u64> {
        self.keys.drop_pending_notifications(tickets).await
    }
    async fn rewrite_events(&self, ticket: &Ticket, events: &[TicketEvent]) -> Result<()> {
        let customer = ticket.requester.id;
        let mut ticket = ticket.clone();
        self.seal_with(customer, &mut ticket, seal::ticket).await?;
        let mut events = events.to_vec();
        for e in &mut events {
            self.seal_with(customer, e, seal::event).await?;
        }
        self.keys.rewrite_events(&ticket, &events).await
    }
    async fn delete_ticket(&self, id: TicketId, version: u64) -> Result<bool> {
        self.keys.delete_ticket(id, version).await
    }
    async fn record_erasure(&self, record: &super::ErasureRecord) -> Result<()> {
        self.keys.record_erasure(record).await
    }
    async fn erasures(&self, customer: Option<CustomerId>) -> Result<Vec<super::ErasureRecord>> {
        self.keys.erasures(customer).await
    }
    async fn record_access(&self, record: &super::AccessRecord) -> Result<()> {
        self.keys.record_access(record).await
    }
    async fn accesses(&self, customer: CustomerId) -> Result<Vec<super::AccessRecord>> {
        self.keys.accesses(customer).await
    }
}
