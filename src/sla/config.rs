//! SLA policies and their selection.

use std::collections::BTreeMap;
use std::fmt;

use chrono::Duration;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Metric;
use crate::BusinessDuration;
use crate::calendar::BusinessCalendar;
use crate::condition::Condition;
use crate::error::{ConfigError, Result};
use crate::priority::Priority;
use crate::ticket::{Lifecycle, StatusCategory, StatusId, Ticket};

/// The SLA configuration of a desk: named calendars, policies tried in
/// order, and the default policy. See the [module docs](super) for the format.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaConfig {
    calendars: BTreeMap<String, BusinessCalendar>,
    policies: Vec<SlaPolicy>,
    default: usize,
    /// The resolved calendar of each policy, parallel to `policies`.
    resolved: Vec<BusinessCalendar>,
}

/// The SLA configuration as written; [`SlaConfig::build`] validates it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlaConfigFile {
    #[serde(default)]
    pub(crate) calendars: BTreeMap<String, BusinessCalendar>,
    pub(crate) policies: Vec<SlaPolicy>,
    pub(crate) default: String,
}

/// The policy chosen for a ticket, and why.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Selected<'a> {
    /// The policy.
    pub policy: &'a SlaPolicy,
    /// Its calendar.
    pub calendar: &'a BusinessCalendar,
    /// Whether it was chosen by its condition (`false`: the default).
    pub matched: bool,
}

impl Selected<'_> {
    /// A human-readable reason, recorded with the choice.
    pub fn reason(&self) -> String {
        if self.matched {
            format!(
                "the ticket matches the conditions of policy `{}`",
                self.policy.name
            )
        } else {
            "no policy's conditions match; the default applies".to_owned()
        }
    }
}

impl SlaConfig {
    /// Parses and validates a configuration from TOML.
    ///
    /// ```
    /// use helpdesk::sla::{Metric, SlaConfig};
    /// use helpdesk::Priority;
    /// let config = SlaConfig::from_toml(r#"
    ///     default = "standard"
    ///     [[policies]]
    ///     name = "standard"
    ///     calendar = "24x7"
    ///     first_response = { targets = { critical = "30m", high = "1h", medium = "4h", low = "8h" } }
    ///     resolution = { target = "40h", warning = "2h" }
    /// "#)?;
    /// let p = config.policy("standard").unwrap();
    /// assert_eq!(p.target(Metric::FirstResponse, Priority::High), Some(chrono::Duration::hours(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_toml(s: &str) -> Result<Self> {
        let f: SlaConfigFile = crate::load::toml(s)?;
        Ok(SlaConfig::build(f.calendars, f.policies, &f.default)?)
    }

    /// Parses and validates a configuration from JSON (same structure).
    pub fn from_json(s: &str) -> Result<Self> {
        let f: SlaConfigFile = crate::load::json(s)?;
        Ok(SlaConfig::build(f.calendars, f.policies, &f.default)?)
    }

    /// A configuration built in code.
    ///
    /// ```
    /// use helpdesk::BusinessDuration;
    /// use helpdesk::sla::{CalendarRef, MetricPolicy, SlaConfig, SlaPolicy};
    /// use helpdesk::BusinessCalendar;
    /// let policy = SlaPolicy::new("standard")
    ///     .calendar(CalendarRef::Named("office".into()))
    ///     .first_response(MetricPolicy::new(BusinessDuration::hours(4)));
    /// let config = SlaConfig::new(
    ///     [("office".to_owned(), BusinessCalendar::always_open())],
    ///     vec![policy],
    ///     "standard",
    /// )?;
    /// assert_eq!(config.policies().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        calendars: impl IntoIterator<Item = (String, BusinessCalendar)>,
        policies: Vec<SlaPolicy>,
        default: &str,
    ) -> Result<Self> {
        Ok(SlaConfig::build(
            calendars.into_iter().collect(),
            policies,
            default,
        )?)
    }

    pub(crate) fn build(
        calendars: BTreeMap<String, BusinessCalendar>,
        policies: Vec<SlaPolicy>,
        default: &str,
    ) -> std::result::Result<Self, ConfigError> {
        if policies.is_empty() {
            return Err(ConfigError::new(
                "policies",
                None,
                "at least one policy is needed",
            ));
        }
        let mut resolved = Vec::with_capacity(policies.len());
        for (i, p) in policies.iter().enumerate() {
            p.validate(i)?;
            if policies[..i].iter().any(|o| o.name == p.name) {
                return Err(ConfigError::new(
                    format!("policies[{i}].name"),
                    Some(p.name.clone()),
                    "duplicate policy name",
                ));
            }
            resolved.push(match &p.calendar {
                CalendarRef::AlwaysOpen => BusinessCalendar::always_open(),
                CalendarRef::Inline(c) => c.clone(),
                CalendarRef::Named(n) => calendars.get(n).cloned().ok_or_else(|| {
                    ConfigError::new(
                        format!("policies[{i}].calendar"),
                        Some(n.clone()),
                        "no such calendar in [calendars] (or use \"24x7\")",
                    )
                })?,
            });
        }
        let default = policies
            .iter()
            .position(|p| p.name == default)
            .ok_or_else(|| {
                ConfigError::new(
                    "default",
                    Some(default.to_owned()),
                    "no policy has this name",
                )
            })?;
        Ok(SlaConfig {
            calendars,
            policies,
            default,
            resolved,
        })
    }

    /// Checks that every pause status exists in `lifecycle`.
    pub fn validate_for(&self, lifecycle: &Lifecycle) -> Result<()> {
        for (i, p) in self.policies.iter().enumerate() {
            for m in Metric::ALL {
                let Some(mp) = p.metric(m) else { continue };
                for (j, s) in mp.pause.iter().flatten().enumerate() {
                    if lifecycle.def(s).is_none() {
                        return Err(ConfigError::new(
                            format!("policies[{i}].{m}.pause[{j}]"),
                            Some(s.to_string()),
                            "not a status of the lifecycle",
                        )
                        .into());
                    }
                }
            }
        }
        Ok(())
    }

    /// The policies, in the order they are tried.
    pub fn policies(&self) -> &[SlaPolicy] {
        &self.policies
    }

    /// The named calendars.
    pub fn calendars(&self) -> &BTreeMap<String, BusinessCalendar> {
        &self.calendars
    }

    /// A policy by name.
    pub fn policy(&self, name: &str) -> Option<&SlaPolicy> {
        self.policies.iter().find(|p| p.name == name)
    }

    /// A policy by name with its calendar.
    pub fn get(&self, name: &str) -> Option<Selected<'_>> {
        let i = self.policies.iter().position(|p| p.name == name)?;
        Some(self.selected(i, false))
    }

    /// Every policy with its calendar, in the order they are tried.
    pub fn selections(&self) -> impl Iterator<Item = Selected<'_>> {
        (0..self.policies.len()).map(|i| self.selected(i, false))
    }

    /// The default policy.
    pub fn default_policy(&self) -> &SlaPolicy {
        &self.policies[self.default]
    }

    fn selected(&self, i: usize, matched: bool) -> Selected<'_> {
        Selected {
            policy: &self.policies[i],
            calendar: &self.resolved[i],
            matched,
        }
    }

    /// Chooses the policy for `ticket`: the first whose `when` matches
    /// (a policy without `when` matches every ticket), else the default.
    pub fn select(&self, ticket: &Ticket) -> Selected<'_> {
        self.policies
            .iter()
            .position(|p| p.when.as_ref().is_none_or(|c| c.matches(ticket)))
            .map_or_else(
                || self.selected(self.default, false),
                |i| self.selected(i, true),
            )
    }
}

/// One SLA policy: targets per metric and priority, a calendar, pause
/// statuses, warning thresholds and what reopening does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SlaPolicy {
    /// Unique name, recorded on tickets.
    pub name: String,
    /// When this policy applies (absent: always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Whose business hours count (default `"24x7"`).
    #[serde(default)]
    pub calendar: CalendarRef,
    /// What reopening a resolved ticket does to resolution.
    #[serde(default)]
    pub reopen: Reopen,
    /// First response targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<MetricPolicy>,
    /// Next response targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response: Option<MetricPolicy>,
    /// Periodic update targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodic_update: Option<MetricPolicy>,
    /// Resolution targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<MetricPolicy>,
}

impl SlaPolicy {
    /// A policy with no metrics, the 24/7 calendar and new resolution cycles on reopening.
    pub fn new(name: impl Into<String>) -> Self {
        SlaPolicy {
            name: name.into(),
            when: None,
            calendar: CalendarRef::AlwaysOpen,
            reopen: Reopen::NewCycle,
            first_response: None,
            next_response: None,
            periodic_update: None,
            resolution: None,
        }
    }
    /// Applies only when `c` matches.
    pub fn when(mut self, c: Condition) -> Self {
        self.when = Some(c);
        self
    }
    /// Sets the calendar.
    pub fn calendar(mut self, c: CalendarRef) -> Self {
        self.calendar = c;
        self
    }
    /// Sets what reopening does.
    pub fn reopen(mut self, r: Reopen) -> Self {
        self.reopen = r;
        self
    }
    /// Sets first response.
    pub fn first_response(mut self, m: MetricPolicy) -> Self {
        self.first_response = Some(m);
        self
    }
    /// Sets next response.
    pub fn next_response(mut self, m: MetricPolicy) -> Self {
        self.next_response = Some(m);
        self
    }
    /// Sets periodic update.
    pub fn periodic_update(mut self, m: MetricPolicy) -> Self {
        self.periodic_update = Some(m);
        self
    }
    /// Sets resolution.
    pub fn resolution(mut self, m: MetricPolicy) -> Self {
        self.resolution = Some(m);
        self
    }

    /// The settings of one metric (`None`: not measured).
    pub fn metric(&self, m: Metric) -> Option<&MetricPolicy> {
        match m {
            Metric::FirstResponse => self.first_response.as_ref(),
            Metric::NextResponse => self.next_response.as_ref(),
            Metric::PeriodicUpdate => self.periodic_update.as_ref(),
            Metric::Resolution => self.resolution.as_ref(),
        }
    }

    /// The target of metric `m` at priority `p`.
    pub fn target(&self, m: Metric, p: Priority) -> Option<Duration> {
        self.metric(m)
            .and_then(|mp| mp.target_for(p))
            .map(BusinessDuration::as_duration)
    }

    fn validate(&self, i: usize) -> std::result::Result<(), ConfigError> {
        if self.name.trim().is_empty() {
            return Err(ConfigError::new(
                format!("policies[{i}].name"),
                Some(self.name.clone()),
                "a policy needs a name",
            ));
        }
        for m in Metric::ALL {
            let Some(mp) = self.metric(m) else { continue };
            let path = |f: &str| format!("policies[{i}].{m}.{f}");
            let all = [
                mp.target,
                mp.targets.critical,
                mp.targets.high,
                mp.targets.medium,
                mp.targets.low,
            ];
            if all.iter().all(Option::is_none) {
                return Err(ConfigError::new(
                    format!("policies[{i}].{m}"),
                    None,
                    "set `target` or `targets` (per priority)",
                ));
            }
            for (name, t) in [("target", mp.target)]
                .into_iter()
                .chain(Priority::ALL.map(|p| (p.as_str(), mp.targets.get(p))))
            {
                if let Some(t) = t.filter(|t| t.as_secs() <= 0) {
                    let field = if name == "target" {
                        "target".to_owned()
                    } else {
                        format!("targets.{name}")
                    };
                    return Err(ConfigError::new(
                        path(&field),
                        Some(t.to_string()),
                        "a target must be positive",
                    ));
                }
            }
            if let Warning::Percent(p) = mp.warning
                && (p == 0 || p > 100)
            {
                return Err(ConfigError::new(
                    path("warning"),
                    Some(format!("{p}%")),
                    "a percentage must be between 1% and 100%",
                ));
            }
        }
        Ok(())
    }
}

/// Which calendar a policy counts business time in.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CalendarRef {
    /// Every second counts (written `"24x7"`).
    #[default]
    AlwaysOpen,
    /// A calendar from the configuration's `[calendars]` table.
    Named(String),
    /// A calendar written in place.
    Inline(BusinessCalendar),
}

impl Serialize for CalendarRef {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            CalendarRef::AlwaysOpen => s.serialize_str("24x7"),
            CalendarRef::Named(n) => s.serialize_str(n),
            CalendarRef::Inline(c) => c.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for CalendarRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        // A hand-written visitor instead of `untagged`, so an invalid inline
        // calendar reports its own error rather than "no variant matched".
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CalendarRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"24x7\", the name of a calendar, or an inline calendar table")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<CalendarRef, E> {
                Ok(if v == "24x7" {
                    CalendarRef::AlwaysOpen
                } else {
                    CalendarRef::Named(v.to_owned())
                })
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<CalendarRef, A::Error> {
                BusinessCalendar::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(CalendarRef::Inline)
            }
        }
        d.deserialize_any(V)
    }
}

/// What reopening a resolved ticket does to the resolution metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reopen {
    /// A new cycle with a fresh target starts at the reopening.
    #[default]
    NewCycle,
    /// The old cycle continues with its elapsed time (the time spent
    /// resolved does not count).
    Continue,
}

/// The settings of one metric within a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MetricPolicy {
    /// The target for priorities not listed in `targets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<BusinessDuration>,
    /// Per-priority targets.
    #[serde(default)]
    pub targets: Targets,
    /// When to warn (default `"80%"`).
    #[serde(default)]
    pub warning: Warning,
    /// Statuses that stop the clock. Default: the lifecycle's statuses of
    /// category Paused (Pending, On-hold) for next response, periodic update
    /// and resolution; none for first response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<Vec<StatusId>>,
}

impl MetricPolicy {
    /// One target for every priority, an 80% warning and the default pauses.
    pub fn new(target: BusinessDuration) -> Self {
        MetricPolicy {
            target: Some(target),
            targets: Targets::default(),
            warning: Warning::default(),
            pause: None,
        }
    }
    /// Sets the target of one priority.
    pub fn with_target(mut self, p: Priority, t: BusinessDuration) -> Self {
        *self.targets.get_mut(p) = Some(t);
        self
    }
    /// Sets the warning threshold.
    pub fn warning(mut self, w: Warning) -> Self {
        self.warning = w;
        self
    }
    /// Sets the pause statuses.
    pub fn pause(mut self, statuses: impl IntoIterator<Item = StatusId>) -> Self {
        self.pause = Some(statuses.into_iter().collect());
        self
    }

    /// The target at priority `p`.
    pub fn target_for(&self, p: Priority) -> Option<BusinessDuration> {
        self.targets.get(p).or(self.target)
    }

    /// The business time into a cycle at which to warn, for target `t`.
    pub(crate) fn warn_after(&self, t: i64) -> i64 {
        match self.warning {
            Warning::Percent(p) => t * i64::from(p) / 100,
            Warning::Before(b) => (t - b.as_secs()).max(0),
        }
    }

    /// Does status `s` (of category `cat`) stop this metric's clock?
    pub(crate) fn pauses(&self, m: Metric, s: &StatusId, cat: Option<StatusCategory>) -> bool {
        match &self.pause {
            Some(list) => list.contains(s),
            None => m != Metric::FirstResponse && cat == Some(StatusCategory::Paused),
        }
    }
}

/// Per-priority targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // one field per priority
pub struct Targets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<BusinessDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<BusinessDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<BusinessDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<BusinessDuration>,
}

impl Targets {
    /// The target of priority `p`.
    pub fn get(&self, p: Priority) -> Option<BusinessDuration> {
        match p {
            Priority::Critical => self.critical,
            Priority::High => self.high,
            Priority::Medium => self.medium,
            Priority::Low => self.low,
        }
    }
    fn get_mut(&mut self, p: Priority) -> &mut Option<BusinessDuration> {
        match p {
            Priority::Critical => &mut self.critical,
            Priority::High => &mut self.high,
            Priority::Medium => &mut self.medium,
            Priority::Low => &mut self.low,
        }
    }
}

/// When a metric warns: at a share of its target, or some business time before its due.
///
/// Written `"80%"` or as a duration (`"30m"`: 30 business minutes before the due).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// At this percentage of the target (1..=100).
    Percent(u8),
    /// This much business time before the due (at the start if the target is shorter).
    Before(BusinessDuration),
}

impl Default for Warning {
    fn default() -> Self {
        Warning::Percent(80)
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Percent(p) => write!(f, "{p}%"),
            Warning::Before(d) => write!(f, "{d}"),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Warning {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if let Some(p) = s.trim().strip_suffix('%') {
            return p.trim().parse::<u8>().map(Warning::Percent).map_err(|_| {
                de::Error::custom(format!(
                    "invalid warning `{s}`: write a percentage like \"80%\" or a duration like \"30m\""
                ))
            });
        }
        s.parse::<BusinessDuration>()
            .map(Warning::Before)
            .map_err(de::Error::custom)
    }
}
