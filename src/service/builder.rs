use std::sync::{Arc, Mutex};

use chrono::Duration;

use super::{HelpDesk, Inner, RetryPolicy};
use crate::classify::Classifier;
use crate::clock::{Clock, SystemClock};
use crate::config::{DeskConfig, NotificationsConfig};
use crate::error::{ConfigError, Result};
use crate::escalation::EscalationConfig;
use crate::intake::IntakeConfig;
use crate::kb::KnowledgeConfig;
use crate::notify::{Notifier, Render, TemplateRenderer};
use crate::privacy::{EncryptedStore, ErasureHook, KeyProvider, RetentionConfig};
use crate::routing::RoutingConfig;
use crate::sla::SlaConfig;
use crate::store::{InMemoryStore, KnowledgeStore, PrivacyStore, Store};
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
    knowledge: Option<Arc<dyn KnowledgeStore>>,
    knowledge_config: Option<KnowledgeConfig>,
    reports: Option<Arc<dyn crate::store::ReportStore>>,
    metric_rules: Option<crate::report::MetricRules>,
    spike_rule: Option<crate::report::SpikeRule>,
    intake: Option<IntakeConfig>,
    privacy: Option<(Arc<dyn PrivacyStore>, Arc<dyn KeyProvider>)>,
    erasure_hooks: Vec<Arc<dyn ErasureHook>>,
    retention: Option<RetentionConfig>,
    audit_reads: Option<bool>,
    notifications: Option<NotificationsConfig>,
    surveys: Option<crate::survey::SurveyPolicy>,
    survey_key: Option<crate::survey::SurveyKey>,
    attachment_store: Option<Arc<dyn crate::store::AttachmentStore>>,
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
            knowledge,
            reports,
            spikes,
            intake,
            retention,
            audit_reads,
            notifications,
            surveys,
        } = config;
        self.lifecycle = lifecycle.or(self.lifecycle);
        self.classifier = classifier.or(self.classifier);
        self.sla = sla.or(self.sla);
        self.routing = routing.or(self.routing);
        self.escalation = escalation.or(self.escalation);
        self.retry = retry.or(self.retry);
        self.knowledge_config = knowledge.or(self.knowledge_config);
        self.metric_rules = reports.or(self.metric_rules);
        self.spike_rule = spikes.or(self.spike_rule);
        self.intake = intake.or(self.intake);
        self.retention = retention.or(self.retention);
        self.audit_reads = audit_reads.or(self.audit_reads);
        self.notifications = notifications.or(self.notifications);
        self.surveys = surveys.or(self.surveys);
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
    /// How notifications are worded at delivery (default: the built-in
    /// templates of [`TemplateRenderer`], in the recipient's language).
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

    /// Where knowledge base articles live. Without it, a desk on the
    /// default in-memory store keeps them in that store; a desk given
    /// another [`store`](Self::store) has no knowledge base, and its
    /// knowledge methods say so ([`Error::NotConfigured`](crate::Error::NotConfigured)).
    /// Every back end of this crate is both: pass the same store twice.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use helpdesk::{HelpDesk, InMemoryStore};
    /// let store = Arc::new(InMemoryStore::new());
    /// let desk = HelpDesk::builder().store(store.clone()).knowledge(store).build()?;
    /// # let _ = desk;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn knowledge(mut self, store: Arc<dyn KnowledgeStore>) -> Self {
        self.knowledge = Some(store);
        self
    }
    /// The knowledge base's settings (default: [`KnowledgeConfig::default`]).
    pub fn knowledge_config(mut self, config: KnowledgeConfig) -> Self {
        self.knowledge_config = Some(config);
        self
    }
    /// Where reports read the metric rows that the store's commits write
    /// (see [`ReportStore`](crate::store::ReportStore)): the same back end
    /// as [`store`](Self::store). With it, every commit also writes the
    /// ticket's metric row, and [`HelpDesk::report`] and
    /// [`HelpDesk::spikes`] work. Without it (and with a store of your own)
    /// the desk keeps no rows; [`HelpDesk::backfill_metrics`] writes the
    /// missing ones later. The default in-memory store is both.
    pub fn reports(mut self, reports: Arc<dyn crate::store::ReportStore>) -> Self {
        self.reports = Some(reports);
        self
    }
    /// One back end for every port: the [`store`](Self::store), the
    /// [`reports`](Self::reports) and the [`knowledge`](Self::knowledge)
    /// base, e.g. a `SqliteStore` (every back end of this crate is all of them).
    pub fn backend<S>(self, backend: Arc<S>) -> Self
    where
        S: Store + crate::store::ReportStore + KnowledgeStore + 'static,
    {
        self.store(backend.clone())
            .reports(backend.clone())
            .knowledge(backend)
    }
    /// Which statuses count as waiting on the requester in metric rows
    /// (default: Pending).
    pub fn metric_rules(mut self, rules: crate::report::MetricRules) -> Self {
        self.metric_rules = Some(rules);
        self
    }
    /// What [`HelpDesk::spikes`] counts as a spike (default:
    /// [`SpikeRule::default`](crate::report::SpikeRule)).
    pub fn spike_rule(mut self, rule: crate::report::SpikeRule) -> Self {
        self.spike_rule = Some(rule);
        self
    }
    /// How messages are taken in ([`HelpDesk::receive`]): the mail domain
    /// of the desk's own Message-IDs, the subject tag and the size limits
    /// (default: [`IntakeConfig::default`]).
    pub fn intake(mut self, intake: IntakeConfig) -> Self {
        self.intake = Some(intake);
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

    /// Sends satisfaction surveys by `policy` (also `[surveys]` in the
    /// configuration). Needs a [`survey_key`](Self::survey_key).
    pub fn surveys(mut self, policy: crate::survey::SurveyPolicy) -> Self {
        self.surveys = Some(policy);
        self
    }

    /// The key survey links are signed with. It comes from the application
    /// (a secret store, an environment variable), never from the
    /// configuration file; a survey policy without it fails
    /// [`build`](Self::build). Without a policy the key is unused. Keep it
    /// stable: a new key invalidates the links already sent.
    ///
    /// ```
    /// use helpdesk::survey::{SurveyKey, SurveyPolicy};
    /// use helpdesk::HelpDesk;
    /// let key = SurveyKey::new(*b"an application secret of 32 byte")?;
    /// let _desk = HelpDesk::builder().surveys(SurveyPolicy::default()).survey_key(key).build()?;
    /// let err = HelpDesk::builder().surveys(SurveyPolicy::default()).build().unwrap_err();
    /// assert!(err.to_string().contains("survey_key"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn survey_key(mut self, key: crate::survey::SurveyKey) -> Self {
        self.survey_key = Some(key);
        self
    }

    /// Where attachment contents are kept, apart from the
    /// [`store`](Self::store): e.g. a
    /// [`DirAttachmentStore`](crate::store::DirAttachmentStore), a
    /// directory on disk, while tickets and the attachments' rows (name,
    /// declared and sniffed type, size, hash) stay in SQLite, PostgreSQL or
    /// memory. Without it the store keeps the contents itself, in the
    /// ticket's commit. Contents the store took in before this was plugged
    /// in are still read from it.
    ///
    /// ```
    /// # #[cfg(feature = "dir-attachments")] {
    /// use std::sync::Arc;
    /// use helpdesk::store::DirAttachmentStore;
    /// use helpdesk::HelpDesk;
    /// let dir = tempfile::tempdir()?;
    /// let desk = HelpDesk::builder()
    ///     .attachments(Arc::new(DirAttachmentStore::open(dir.path().join("files"))?))
    ///     .build()?;
    /// # let _ = desk;
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn attachments(mut self, store: Arc<dyn crate::store::AttachmentStore>) -> Self {
        self.attachment_store = Some(store);
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
        let knowledge_config = self.knowledge_config.unwrap_or_default();
        knowledge_config.validate()?;
        let spike_rule = self.spike_rule.unwrap_or_default();
        spike_rule.validate()?;
        // The default in-memory store serves every port; a store of the
        // application's serves only the ports it is given for.
        let (store, knowledge, reports): (Arc<dyn Store>, _, _) = if let Some(store) = self.store {
            (store, self.knowledge, self.reports)
        } else {
            let memory = Arc::new(InMemoryStore::new());
            let knowledge = self
                .knowledge
                .unwrap_or_else(|| memory.clone() as Arc<dyn KnowledgeStore>);
            let reports = self
                .reports
                .unwrap_or_else(|| memory.clone() as Arc<dyn crate::store::ReportStore>);
            (memory, Some(knowledge), Some(reports))
        };
        let intake = self.intake.unwrap_or_default();
        intake.validate().map_err(|e| e.prefixed("intake"))?;
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
        let (store, privacy) = match self.privacy {
            Some((keys, provider)) => {
                let encrypted = Arc::new(EncryptedStore::new(store, keys, provider));
                (encrypted.clone() as Arc<dyn Store>, Some(encrypted))
            }
            None => (store, None),
        };
        // Templates are read and checked now, so a bad one stops the build
        // rather than every delivery. A renderer given by hand wins.
        let renderer = match (self.renderer, &self.notifications) {
            (Some(r), _) => r,
            (None, Some(n)) if n.words_anything() => Arc::new(n.renderer()?),
            (None, _) => TemplateRenderer::builtin(),
        };
        let surveys = match (self.surveys, self.survey_key) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "surveys",
                    None,
                    "surveys need a signing key for their links: pass one with \
                     HelpDeskBuilder::survey_key (keys never come from the configuration)",
                )
                .into());
            }
            (Some(policy), Some(key)) => {
                policy.validate().map_err(|e| e.prefixed("surveys"))?;
                Some(super::surveys::Surveys { policy, key })
            }
        };
        Ok(HelpDesk {
            inner: Arc::new(Inner {
                store,
                notifier: self.notifier,
                renderer,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                classifier,
                lifecycle,
                retry,
                routing: self.routing,
                escalation: self.escalation,
                turns: Mutex::default(),
                sla: self.sla,
                knowledge,
                kb: knowledge_config,
                reports,
                metric_rules: self.metric_rules.unwrap_or_default(),
                spike_rule,
                open_calendar: crate::BusinessCalendar::always_open(),
                intake,
                privacy,
                erasure_hooks: self.erasure_hooks,
                retention: self.retention,
                audit_reads,
                surveys,
                attachment_store: self.attachment_store,
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
