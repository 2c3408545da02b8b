use std::sync::{Arc, Mutex};

use chrono::Duration;

use super::{HelpDesk, Inner, RetryPolicy};
use crate::classify::Classifier;
use crate::clock::{Clock, SystemClock};
use crate::config::{DeskConfig, NotificationsConfig};
use crate::error::{ConfigError, Result};
use crate::escalation::EscalationConfig;
use crate::notify::{Notifier, Render, TemplateRenderer};
use crate::routing::RoutingConfig;
use crate::sla::SlaConfig;
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
    notifications: Option<NotificationsConfig>,
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
            notifications,
        } = config;
        self.lifecycle = lifecycle.or(self.lifecycle);
        self.classifier = classifier.or(self.classifier);
        self.sla = sla.or(self.sla);
        self.routing = routing.or(self.routing);
        self.escalation = escalation.or(self.escalation);
        self.retry = retry.or(self.retry);
        self.notifications = notifications.or(self.notifications);
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
        // Templates are read and checked now, so a bad one stops the build
        // rather than every delivery. A renderer given by hand wins.
        let renderer = match (self.renderer, &self.notifications) {
            (Some(r), _) => r,
            (None, Some(n)) if n.words_anything() => Arc::new(n.renderer()?),
            (None, _) => TemplateRenderer::builtin(),
        };
        Ok(HelpDesk {
            inner: Arc::new(Inner {
                store: self.store.unwrap_or_else(|| Arc::new(InMemoryStore::new())),
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
