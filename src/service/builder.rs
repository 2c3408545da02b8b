use std::sync::{Arc, Mutex};

use chrono::Duration;

use super::{HelpDesk, Inner, RetryPolicy};
use crate::classify::Classifier;
use crate::clock::{Clock, SystemClock};
use crate::config::DeskConfig;
use crate::error::{ConfigError, Result};
use crate::escalation::EscalationConfig;
use crate::notify::{EnglishRenderer, Notifier, Render};
use crate::privacy::{EncryptedStore, ErasureHook, KeyProvider, RetentionConfig};
use crate::routing::RoutingConfig;
use crate::sla::SlaConfig;
use crate::store::PrivacyStore;
use crate::store::{InMemoryStore, Store};
use crate::ticket::Lifecycle;

/// Builds a [`HelpDesk`]. Every part has a sensible default.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use helpdesk::{HelpDesk, InMemoryStore, ManualClock, RecordingNotifier};
/// use chrono::Utc;
/// let notifier = Arc::new(RecordingNotifier::new());
/// let desk = HelpDesk::builder()
///     .store(Arc::new(InMemoryStore::new()))
///     .notifier(notifier.clone())
///     .clock(Arc::new(ManualClock::new(Utc::now())))
///     .build()?;
/// # let _ = desk;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct HelpDeskBuilder {
    store: Option<Arc<dyn Store>>,
    notifier: Option<Arc<dyn Notifier>>,
    renderer: Option<Arc<dyn Render>>,
    clock: Option<Arc<dyn Clock>>,
    classifier: Option<Classifier>,
    lifecycle: Option<Lifecycle>,
    retry: Option<RetryPolicy>,
    routing: Option<RoutingConfig>,
    escalation: Option<EscalationConfig>,
    sla: Option<SlaConfig>,
    privacy: Option<(Arc<dyn PrivacyStore>, Arc<dyn KeyProvider>)>,
    erasure_hooks: Vec<Arc<dyn ErasureHook>>,
    retention: Option<RetentionConfig>,
    audit_reads: Option<bool>,
}

impl HelpDeskBuilder {
    /// Takes every part `config` sets (see [`DeskConfig`]); parts it leaves
    /// out keep what the builder has.
    pub fn config(mut self, config: DeskConfig) -> Self {
        let DeskConfig {
            lifecycle,
            classifier,
            sla,
            routing,
            escalation,
            retry,
            retention,
            audit_reads,
        } = config;
        self.lifecycle = lifecycle.or(self.lifecycle);
        self.classifier = classifier.or(self.classifier);
        self.sla = sla.or(self.sla);
        self.routing = routing.or(self.routing);
        self.escalation = escalation.or(self.escalation);
        self.retry = retry.or(self.retry);
        self.retention = retention.or(self.retention);
        self.audit_reads = audit_reads.or(self.audit_reads);
        self
    }

    /// Where tickets live (default: a new [`InMemoryStore`]).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }
    /// Who delivers notifications. Without one, notifications wait in the
    /// outbox until a desk with a notifier calls [`HelpDesk::dispatch_pending`].
    pub fn notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = Some(notifier);
        self
    }
    /// How notifications are worded at delivery (default: [`EnglishRenderer`]).
    pub fn renderer(mut self, renderer: Arc<dyn Render>) -> Self {
        self.renderer = Some(renderer);
        self
    }
    /// The clock (default: [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
    /// The priority classifier (default: the ITIL matrix, no rules).
    pub fn classifier(mut self, classifier: Classifier) -> Self {
        self.classifier = Some(classifier);
        self
    }
    /// The lifecycle (default: New, Open, Pending, On-hold, Resolved, Closed).
    pub fn lifecycle(mut self, lifecycle: Lifecycle) -> Self {
        self.lifecycle = Some(lifecycle);
        self
    }
    /// How failed deliveries are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Groups, agents and routing rules: new tickets are then queued and
    /// assigned on open (without it, tickets keep the group and assignee they
    /// were opened with).
    pub fn routing(mut self, routing: RoutingConfig) -> Self {
        self.routing = Some(routing);
        self
    }
    /// Escalation policies; [`HelpDesk::run_due`] fires their levels. Their
    /// triggers are points on the SLA clocks, so a desk with escalation
    /// needs [`sla`](Self::sla) too ([`build`](Self::build) says so).
    pub fn escalation(mut self, escalation: EscalationConfig) -> Self {
        self.escalation = Some(escalation);
        self
    }
    /// SLA policies (default: none, and no SLA clocks or deadlines).
    /// Their pause statuses are checked against the lifecycle at [`build`](Self::build).
    pub fn sla(mut self, sla: SlaConfig) -> Self {
        self.sla = Some(sla);
        self
    }

    /// Encrypts requesters' personal data at rest: data keys wrapped by
    /// `provider` are kept in `keys` (usually the same back end as the
    /// [`store`](Self::store)), and the store is wrapped in an
    /// [`EncryptedStore`]. Needed by [`HelpDesk::erase_requester`]. Without
    /// it the desk stores everything in clear (see [`privacy`](crate::privacy)).
    /// Call [`HelpDesk::verify_privacy`] at start to fail early on a wrong
    /// key-encryption key.
    pub fn privacy(mut self, keys: Arc<dyn PrivacyStore>, provider: Arc<dyn KeyProvider>) -> Self {
        self.privacy = Some((keys, provider));
        self
    }
    /// Erases requesters' data kept outside tickets on every
    /// [`HelpDesk::erase_requester`] (call once per hook).
    pub fn erasure_hook(mut self, hook: Arc<dyn ErasureHook>) -> Self {
        self.erasure_hooks.push(hook);
        self
    }

    /// Retention policies for closed tickets, carried out by
    /// [`HelpDesk::run_retention`] (which needs [`privacy`](Self::privacy)).
    pub fn retention(mut self, retention: RetentionConfig) -> Self {
        self.retention = Some(retention);
        self
    }

    /// Records every staff read of a ticket (`get`, `get_by_reference`,
    /// `timeline`) in the access audit, which admins query with
    /// [`HelpDesk::accesses`]. Needs [`privacy`](Self::privacy) (whose store
    /// keeps the records). Off by default.
    pub fn audit_reads(mut self, on: bool) -> Self {
        self.audit_reads = Some(on);
        self
    }

    /// Validates the configuration and builds the desk.
    pub fn build(self) -> Result<HelpDesk> {
        let lifecycle = self.lifecycle.unwrap_or_default();
        lifecycle.validate()?;
        let classifier = self.classifier.unwrap_or_default();
        classifier.validate()?;
        let retry = self.retry.unwrap_or_default();
        retry.validate()?;
        if let Some(r) = &self.routing {
            r.validate_at("routing.")?;
        }
        if let Some(e) = &self.escalation {
            if self.sla.is_none() {
                return Err(ConfigError::new(
                    "escalation",
                    None,
                    "escalation levels fire on SLA clocks, so the desk needs SLA policies \
                     too (HelpDeskBuilder::sla, or an [sla] table in the desk configuration)",
                )
                .into());
            }
            e.check(self.routing.as_ref(), true)
                .map_err(|err| err.prefixed("escalation"))?;
        }
        if let Some(sla) = &self.sla {
            sla.validate_for(&lifecycle)?;
        }
        if let Some(r) = &self.retention {
            r.validate()?;
        }
        let audit_reads = self.audit_reads.unwrap_or(false);
        if audit_reads && self.privacy.is_none() {
            return Err(ConfigError::new(
                "privacy.audit_reads",
                Some("true".into()),
                "the access audit is kept by the privacy store: plug one in with HelpDeskBuilder::privacy",
            )
            .into());
        }
        let store = self.store.unwrap_or_else(|| Arc::new(InMemoryStore::new()));
        let (store, privacy) = match self.privacy {
            Some((keys, provider)) => {
                let encrypted = Arc::new(EncryptedStore::new(store, keys, provider));
                (encrypted.clone() as Arc<dyn Store>, Some(encrypted))
            }
            None => (store, None),
        };
        Ok(HelpDesk {
            inner: Arc::new(Inner {
                store,
                notifier: self.notifier,
                renderer: self.renderer.unwrap_or_else(|| Arc::new(EnglishRenderer)),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                classifier,
                lifecycle,
                retry,
                routing: self.routing,
                escalation: self.escalation,
                turns: Mutex::default(),
                sla: self.sla,
                privacy,
                erasure_hooks: self.erasure_hooks,
                retention: self.retention,
                audit_reads,
            }),
        })
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay: Duration::seconds(10),
            max_delay: Duration::hours(1),
            inline_lease: Duration::seconds(60),
            batch: 100,
        }
    }
}
