//! The whole desk's configuration, from one TOML or JSON file.
//!
//! A [`DeskConfig`] holds every part a [`HelpDesk`](crate::HelpDesk) can be
//! configured with, each optional (a missing part takes the builder's
//! default): the lifecycle, the priority classifier, named business
//! calendars, SLA policies, routing, escalation and delivery retries.
//! [`HelpDeskBuilder::config`](crate::HelpDeskBuilder::config) takes it.
//!
//! ```toml
//! [lifecycle]            # statuses and moves (default: New, Open, Pending, On-hold, Resolved, Closed)
//! [classifier]           # priority labels, the Impact x Urgency matrix, rules
//! [calendars.office]     # business calendars, named; SLA policies refer to them
//! [sla]                  # SLA policies: default, [[sla.policies]]
//! [routing]              # groups in tiers, agents, routing rules
//! [escalation]           # escalation policies and the supervisor
//! [retry]                # notification retries: first_delay, max_delay, inline_lease, batch
//! [knowledge]            # knowledge base: default_locale, suggestions, draft_category, [[knowledge.categories]]
//! [reports]              # awaiting_requester: statuses that count as waiting on the requester
//! [spikes]               # what counts as a spike of new tickets
//! [intake]               # mail_domain, subject_tag, limits, accepted_list_ids
//! [retention]            # what happens to closed tickets after N days: [[retention.policies]]
//! [privacy]              # audit_reads = true: record staff reads of tickets (needs a key provider)
//! [notifications]        # default locale, desk name, template overrides, smtp, webhook
//! ```
//!
//! Each part has the format its own type documents. A mistake anywhere is
//! a [`ConfigError`] naming the full path, the value and the reason, e.g.
//! `invalid configuration at sla.policies[1].resolution.targets.high: a
//! target must be positive (value: 0m)`. The complete example the README
//! describes is `examples/config/desk.toml`.
//!
//! ```
//! use helpdesk::{DeskConfig, HelpDesk};
//! let config = DeskConfig::from_toml(r#"
//!     [calendars.office]
//!     time_zone = "Europe/Paris"
//!     week = { mon = ["09:00-17:00"], tue = ["09:00-17:00"] }
//!
//!     [sla]
//!     default = "standard"
//!     [[sla.policies]]
//!     name = "standard"
//!     calendar = "office"
//!     first_response = { target = "4h" }
//! "#)?;
//! let desk = HelpDesk::builder().config(config).build()?;
//! assert!(desk.sla().is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod notifications;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::BusinessDuration;
use crate::calendar::BusinessCalendar;
use crate::classify::Classifier;
use crate::error::{ConfigError, Error, Result};
use crate::escalation::EscalationConfig;
use crate::intake::IntakeConfig;
use crate::routing::RoutingConfig;
use crate::service::RetryPolicy;
use crate::sla::SlaConfig;
use crate::sla::config::SlaConfigFile;
use crate::ticket::Lifecycle;

pub use notifications::NotificationsConfig;

/// Everything a desk is configured with. See the [module docs](self).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct DeskConfig {
    /// The lifecycle (default: [`Lifecycle::default`]).
    pub lifecycle: Option<Lifecycle>,
    /// The priority classifier (default: the ITIL matrix, no rules).
    pub classifier: Option<Classifier>,
    /// SLA policies, with the named calendars they count in.
    pub sla: Option<SlaConfig>,
    /// Groups, agents and routing rules.
    pub routing: Option<RoutingConfig>,
    /// Escalation policies (they need `sla`).
    pub escalation: Option<EscalationConfig>,
    /// How failed deliveries are retried.
    pub retry: Option<RetryPolicy>,
    /// The knowledge base: default locale, suggestion count, categories.
    pub knowledge: Option<crate::kb::KnowledgeConfig>,
    /// `[reports]`: which statuses count as waiting on the requester in
    /// metric rows (see [`MetricRules`](crate::report::MetricRules)).
    pub reports: Option<crate::report::MetricRules>,
    /// `[spikes]`: what [`HelpDesk::spikes`](crate::HelpDesk::spikes)
    /// counts as a spike (see [`SpikeRule`](crate::report::SpikeRule)).
    pub spikes: Option<crate::report::SpikeRule>,
    /// How messages are taken in (`[intake]`: mail domain, subject tag, limits).
    pub intake: Option<IntakeConfig>,
    /// Retention policies for closed tickets ([`crate::privacy::retention`]).
    pub retention: Option<crate::privacy::RetentionConfig>,
    /// Whether staff reads are recorded in the access audit (`[privacy] audit_reads`).
    pub audit_reads: Option<bool>,
    /// How notifications are worded and sent.
    pub notifications: Option<NotificationsConfig>,
    /// `[surveys]`: the satisfaction survey sent after a resolution
    /// ([`SurveyPolicy`](crate::survey::SurveyPolicy)). Its signing key is
    /// not configuration: the application passes it to
    /// [`HelpDeskBuilder::survey_key`](crate::HelpDeskBuilder::survey_key).
    pub surveys: Option<crate::survey::SurveyPolicy>,
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeskFile {
    #[serde(default)]
    lifecycle: Option<Lifecycle>,
    #[serde(default)]
    classifier: Option<Classifier>,
    #[serde(default)]
    calendars: BTreeMap<String, BusinessCalendar>,
    #[serde(default)]
    sla: Option<SlaConfigFile>,
    #[serde(default)]
    routing: Option<RoutingConfig>,
    #[serde(default)]
    escalation: Option<EscalationConfig>,
    #[serde(default)]
    retry: Option<RetryFile>,
    #[serde(default)]
    knowledge: Option<crate::kb::KnowledgeConfig>,
    reports: Option<crate::report::MetricRules>,
    #[serde(default)]
    spikes: Option<crate::report::SpikeRule>,
    intake: Option<IntakeConfig>,
    retention: Option<crate::privacy::RetentionConfig>,
    #[serde(default)]
    privacy: Option<PrivacyFile>,
    #[serde(default)]
    notifications: Option<NotificationsConfig>,
    #[serde(default)]
    surveys: Option<crate::survey::SurveyPolicy>,
}

/// `[privacy]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivacyFile {
    #[serde(default)]
    audit_reads: Option<bool>,
}

/// `[retry]`: durations written like `"10s"`, `"1h"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryFile {
    #[serde(default)]
    first_delay: Option<BusinessDuration>,
    #[serde(default)]
    max_delay: Option<BusinessDuration>,
    #[serde(default)]
    inline_lease: Option<BusinessDuration>,
    #[serde(default)]
    batch: Option<usize>,
}

impl DeskConfig {
    /// Reads and validates a desk configuration from TOML.
    pub fn from_toml(s: &str) -> Result<Self> {
        DeskConfig::build(crate::load::toml(s)?)
    }

    /// Reads and validates a desk configuration from JSON (same structure).
    pub fn from_json(s: &str) -> Result<Self> {
        DeskConfig::build(crate::load::json(s)?)
    }

    /// Reads a configuration file: JSON when its name ends in `.json`, TOML otherwise.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new("", None, format!("cannot read {}: {e}", path.display()))
        })?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            DeskConfig::from_json(&text)
        } else {
            DeskConfig::from_toml(&text)
        }
    }

    fn build(f: DeskFile) -> Result<Self> {
        let lifecycle = f.lifecycle;
        if let Some(lc) = &lifecycle {
            lc.validate().map_err(|e| at("lifecycle", e))?;
        }
        if let Some(c) = &f.classifier {
            c.validate().map_err(|e| at("classifier", e))?;
        }
        let sla = match f.sla {
            Some(s) => {
                // One registry: the top-level calendars, and any the SLA
                // table names itself (not under the same name twice).
                let mut calendars = f.calendars;
                for (name, cal) in s.calendars {
                    if calendars.contains_key(&name) {
                        return Err(ConfigError::new(
                            format!("sla.calendars.{name}"),
                            Some(name),
                            "a calendar of this name is already defined in [calendars]",
                        )
                        .into());
                    }
                    calendars.insert(name, cal);
                }
                let sla = SlaConfig::build(calendars, s.policies, &s.default)
                    .map_err(|e| e.prefixed("sla"))?;
                if let Some(lc) = &lifecycle {
                    sla.validate_for(lc).map_err(|e| at("sla", e))?;
                }
                Some(sla)
            }
            None => None,
        };
        if let Some(r) = &f.routing {
            r.validate_at("").map_err(|e| at("routing", e))?;
        }
        if let Some(e) = &f.escalation {
            e.check(f.routing.as_ref(), true)
                .map_err(|e| e.prefixed("escalation"))?;
            if sla.is_none() {
                return Err(ConfigError::new(
                    "escalation",
                    None,
                    "escalation levels fire on SLA clocks: add an [sla] table",
                )
                .into());
            }
        }
        let retry = f.retry.map(|r| {
            let d = RetryPolicy::default();
            let secs = |v: Option<BusinessDuration>, or: chrono::Duration| {
                v.map_or(or, BusinessDuration::as_duration)
            };
            let mut p = RetryPolicy::new(
                secs(r.first_delay, d.first_delay),
                secs(r.max_delay, d.max_delay),
            );
            p.inline_lease = secs(r.inline_lease, d.inline_lease);
            p.batch = r.batch.unwrap_or(d.batch);
            p
        });
        if let Some(r) = &retry {
            r.validate()?;
        }
        if let Some(k) = &f.knowledge {
            k.validate().map_err(|e| at("knowledge", e))?;
        }
        if let Some(rules) = &f.reports {
            let lc = lifecycle.clone().unwrap_or_default();
            for (i, s) in rules.awaiting_requester.iter().enumerate() {
                if lc.category(s).is_none() {
                    return Err(ConfigError::new(
                        format!("reports.awaiting_requester[{i}]"),
                        Some(s.to_string()),
                        "no status of this name in the lifecycle",
                    )
                    .into());
                }
            }
        }
        if let Some(rule) = &f.spikes {
            rule.validate().map_err(|e| e.prefixed("spikes"))?;
        }
        if let Some(i) = &f.intake {
            i.validate().map_err(|e| e.prefixed("intake"))?;
        }
        if let Some(r) = &f.retention {
            r.validate()?;
        }
        if let Some(p) = &f.surveys {
            p.validate().map_err(|e| e.prefixed("surveys"))?;
        }
        Ok(DeskConfig {
            reports: f.reports,
            spikes: f.spikes,
            lifecycle,
            classifier: f.classifier,
            sla,
            routing: f.routing,
            escalation: f.escalation,
            retry,
            knowledge: f.knowledge,
            intake: f.intake,
            retention: f.retention,
            audit_reads: f.privacy.and_then(|p| p.audit_reads),
            notifications: f.notifications,
            surveys: f.surveys,
        })
    }
}

/// `e` with its configuration path put under `prefix`.
fn at(prefix: &str, e: Error) -> Error {
    match e {
        Error::Config(c) => Error::Config(c.prefixed(prefix)),
        other => other,
    }
}
