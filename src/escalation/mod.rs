//! Escalation: policies of levels that fire as a ticket's clocks run out.
//!
//! An [`EscalationPolicy`] is chosen per ticket by its [`Condition`] (first
//! match wins). Each [`EscalationLevel`] has a [`Trigger`] on a [`Metric`]
//! (first response, resolution) and a list of [`EscalationAction`]s:
//! notify people, move the ticket to the next tier's group or a named group
//! (functional escalation), raise its priority, tag it, add a watcher.
//!
//! Triggers are points on the metric's clock, in business time of the
//! policy's calendar: a percent of the target elapsed, some time before the
//! due, the breach itself, or some time after it. Clocks stop while the
//! ticket waits (a status of category `paused`) and end when it is done.
//!
//! Every level fires **at most once per ticket and SLA cycle** (reopening a
//! ticket starts a new cycle). Fired levels are events
//! ([`EventKind::Escalated`](crate::ticket::EventKind::Escalated)) keyed by
//! the level's *name*: when a ticket's priority or policy changes, the
//! remaining levels are planned again, and a level whose name already fired
//! in this cycle never fires again, whichever policy it comes from.
//!
//! Planning is pure ([`EscalationPolicy::plan`] over [`MetricClock`]s); the
//! [`HelpDesk`](crate::HelpDesk) stores the earliest unfired level's instant
//! in the store's deadline index and fires due levels in
//! [`HelpDesk::run_due`](crate::HelpDesk::run_due).
//!
//! ```
//! use helpdesk::escalation::EscalationConfig;
//! let config = EscalationConfig::from_toml(r#"
//!     supervisor = { address = "duty-manager@example.com" }
//!     [targets.resolution]
//!     critical = "4h"
//!     high = "8h"
//!     medium = "24h"
//!     low = "72h"
//!
//!     [[policies]]
//!     name = "standard"
//!     update_every = "4h"
//!     [[policies.levels]]
//!     name = "warn"
//!     trigger = { kind = "percent", metric = "resolution", percent = 75 }
//!     actions = [{ notify = ["assignee", "group_lead"] }]
//!     [[policies.levels]]
//!     name = "breach"
//!     trigger = { kind = "at_breach", metric = "resolution" }
//!     actions = [{ reassign = "next_tier" }, { notify = ["supervisor"] }]
//!     [[policies.levels]]
//!     name = "raise"
//!     trigger = { kind = "after_breach", metric = "resolution", offset = "30m" }
//!     actions = [{ raise_priority = "one_step" }]
//! "#)?;
//! assert_eq!(config.policies[0].levels.len(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod clock;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::BusinessDuration;
use crate::calendar::BusinessCalendar;
use crate::condition::Condition;
use crate::error::{ConfigError, Result};
use crate::id::{AgentId, GroupId};
use crate::priority::Priority;
use crate::routing::RoutingConfig;

pub use clock::{History, MetricClock, PlannedLevel, Span};

/// A clock that escalation triggers watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Metric {
    /// From the start of the cycle to the first public agent reply.
    FirstResponse,
    /// From the start of the cycle to resolution; stops while paused.
    Resolution,
}

impl Metric {
    /// The configuration name (`first_response`, `resolution`).
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::FirstResponse => "first_response",
            Metric::Resolution => "resolution",
        }
    }
}

/// When a level fires, as a point on a metric's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Trigger {
    /// When `percent` of the target has elapsed (e.g. 75).
    Percent {
        /// The metric.
        metric: Metric,
        /// Percent of the target, 1..=100.
        percent: u32,
    },
    /// `offset` of business time before the due.
    BeforeDue {
        /// The metric.
        metric: Metric,
        /// How long before the due.
        offset: BusinessDuration,
    },
    /// At the breach (the due).
    AtBreach {
        /// The metric.
        metric: Metric,
    },
    /// `offset` of business time after the breach.
    AfterBreach {
        /// The metric.
        metric: Metric,
        /// How long after the breach.
        offset: BusinessDuration,
    },
}

impl Trigger {
    /// The metric the trigger watches.
    pub fn metric(self) -> Metric {
        match self {
            Trigger::Percent { metric, .. }
            | Trigger::BeforeDue { metric, .. }
            | Trigger::AtBreach { metric }
            | Trigger::AfterBreach { metric, .. } => metric,
        }
    }

    /// The business time on the metric's clock at which the trigger fires,
    /// for a metric with `target`: the signed offset from the due, applied.
    /// Never negative (a `before_due` longer than the target fires at the start).
    pub fn threshold(self, target: Duration) -> Duration {
        let t = match self {
            Trigger::Percent { percent, .. } => {
                Duration::seconds(target.num_seconds() * i64::from(percent) / 100)
            }
            Trigger::BeforeDue { offset, .. } => target - offset.as_duration(),
            Trigger::AtBreach { .. } => target,
            Trigger::AfterBreach { offset, .. } => target + offset.as_duration(),
        };
        t.max(Duration::zero())
    }
}

/// Someone to notify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotifyTarget {
    /// The ticket's assignee (skipped when unassigned).
    Assignee,
    /// The lead of the ticket's group (needs routing; skipped when none).
    GroupLead,
    /// The configured supervisor.
    Supervisor,
    /// The ticket's requester.
    Requester,
    /// Everyone in the ticket's group.
    Group,
    /// A named address, e.g. `{ address = "noc@example.com" }`.
    Address(String),
}

/// Where a reassignment moves the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReassignTarget {
    /// The next tier of the ticket's group (hierarchical escalation).
    NextTier,
    /// A named group (functional escalation), e.g. `{ group = "security" }`.
    Group(GroupId),
}

/// How far a priority is raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Raise {
    /// One step more urgent.
    OneStep,
    /// To this level, unless already more urgent: `{ to = "critical" }`.
    To(Priority),
}

/// What a level does when it fires. Written as one-key tables in TOML:
/// `{ notify = ["assignee", { address = "noc@example.com" }] }`,
/// `{ reassign = "next_tier" }`, `{ reassign = { group = "security" } }`,
/// `{ raise_priority = "one_step" }`, `{ raise_priority = { to = "high" } }`,
/// `{ add_tag = "escalated" }`, `{ add_watcher = "<agent uuid>" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EscalationAction {
    /// Notify these people.
    Notify(Vec<NotifyTarget>),
    /// Move the ticket to another group (and assign by its strategy).
    Reassign(ReassignTarget),
    /// Raise the priority.
    RaisePriority(Raise),
    /// Add a tag.
    AddTag(String),
    /// Add an agent as a watcher.
    AddWatcher(AgentId),
}

/// One level of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EscalationLevel {
    /// The level's name; fired levels are remembered by it.
    pub name: String,
    /// Fires only for tickets that match (e.g. `priority = ["critical"]`).
    #[serde(default)]
    pub when: Condition,
    /// When it fires.
    pub trigger: Trigger,
    /// What it does, in order.
    pub actions: Vec<EscalationAction>,
}

/// An escalation policy. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EscalationPolicy {
    /// The policy's name.
    pub name: String,
    /// Which tickets it applies to (priority, group, category, requester tier, ...).
    #[serde(default)]
    pub when: Condition,
    /// The name of the calendar its business time runs in (default: 24/7).
    #[serde(default)]
    pub calendar: Option<String>,
    /// Remind the assignee when the customer has had no public update for this long.
    #[serde(default)]
    pub update_every: Option<BusinessDuration>,
    /// The levels.
    #[serde(default)]
    pub levels: Vec<EscalationLevel>,
}

/// The supervisor that `notify = ["supervisor"]` reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Supervisor {
    /// An agent: `{ agent = "<uuid>" }`.
    Agent(AgentId),
    /// An address: `{ address = "duty@example.com" }`.
    Address(String),
}

/// Targets per priority, for one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PriorityTargets {
    /// For critical tickets.
    #[serde(default)]
    pub critical: Option<BusinessDuration>,
    /// For high tickets.
    #[serde(default)]
    pub high: Option<BusinessDuration>,
    /// For medium tickets.
    #[serde(default)]
    pub medium: Option<BusinessDuration>,
    /// For low tickets.
    #[serde(default)]
    pub low: Option<BusinessDuration>,
}

impl PriorityTargets {
    /// The target for `p`.
    pub fn get(&self, p: Priority) -> Option<Duration> {
        match p {
            Priority::Critical => self.critical,
            Priority::High => self.high,
            Priority::Medium => self.medium,
            Priority::Low => self.low,
        }
        .map(BusinessDuration::as_duration)
    }
}

/// The metric targets escalation uses (until the desk takes them from its SLA policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Targets {
    /// First-response targets.
    #[serde(default)]
    pub first_response: Option<PriorityTargets>,
    /// Resolution targets.
    #[serde(default)]
    pub resolution: Option<PriorityTargets>,
}

impl Targets {
    /// The target of `metric` at priority `p`.
    pub fn get(&self, metric: Metric, p: Priority) -> Option<Duration> {
        match metric {
            Metric::FirstResponse => self.first_response,
            Metric::Resolution => self.resolution,
        }
        .and_then(|t| t.get(p))
    }
}

/// Escalation configuration: policies, calendars, targets, the supervisor.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EscalationConfig {
    /// Who `notify = ["supervisor"]` reaches.
    #[serde(default)]
    pub supervisor: Option<Supervisor>,
    /// Named calendars that policies run in.
    #[serde(default)]
    pub calendars: BTreeMap<String, BusinessCalendar>,
    /// Metric targets per priority.
    #[serde(default)]
    pub targets: Targets,
    /// The policies, tried in order; the first that matches applies.
    #[serde(default)]
    pub policies: Vec<EscalationPolicy>,
}

impl EscalationConfig {
    /// Reads and validates an escalation configuration (at the root of a TOML document).
    /// Group references are checked against routing when the desk is built.
    pub fn from_toml(s: &str) -> Result<Self> {
        let c: EscalationConfig = toml::from_str(s).map_err(|e| ConfigError::from_toml(&e))?;
        c.validate_at("", Checks::Alone)?;
        Ok(c)
    }

    /// Whether any policy's or level's condition looks at tags.
    pub(crate) fn reads_tags(&self) -> bool {
        self.policies
            .iter()
            .any(|p| p.when.tags.is_some() || p.levels.iter().any(|l| l.when.tags.is_some()))
    }

    /// The policy for a ticket: the first whose condition matches.
    pub fn policy_for(&self, ticket: &crate::Ticket) -> Option<&EscalationPolicy> {
        self.policies.iter().find(|p| p.when.matches(ticket))
    }

    /// The calendar a policy runs in (24/7 when it names none).
    pub fn calendar_of(&self, policy: &EscalationPolicy) -> BusinessCalendar {
        // One shared 24/7 calendar: a calendar compiles its year tables on
        // first use and caches them, so a fresh one per call would redo that
        // work for every ticket.
        static ALWAYS_OPEN: OnceLock<BusinessCalendar> = OnceLock::new();
        policy
            .calendar
            .as_ref()
            .and_then(|c| self.calendars.get(c))
            .unwrap_or_else(|| ALWAYS_OPEN.get_or_init(BusinessCalendar::always_open))
            .clone()
    }

    /// Validates the configuration, and its group references against
    /// `routing`. Every metric a trigger watches needs a target in
    /// `targets`, unless `sla_targets`: then the desk's SLA policies supply
    /// the targets `targets` leaves out.
    pub fn validate(&self, routing: Option<&RoutingConfig>, sla_targets: bool) -> Result<()> {
        self.validate_at(
            "",
            Checks::Desk {
                routing,
                need_targets: !sla_targets,
            },
        )
    }

    pub(crate) fn validate_at(&self, prefix: &str, checks: Checks<'_>) -> Result<()> {
        let (routing, need_targets, alone) = match checks {
            Checks::Alone => (None, false, true),
            Checks::WithRouting(r) => (r, false, false),
            Checks::Desk {
                routing,
                need_targets,
            } => (routing, need_targets, false),
        };
        let err = |path: String, value: &str, msg: &str| -> crate::Error {
            ConfigError::new(format!("{prefix}{path}"), Some(value.to_owned()), msg).into()
        };
        if let Some(Supervisor::Address(a)) = &self.supervisor {
            if a.trim().is_empty() {
                return Err(err("supervisor.address".into(), a, "empty address"));
            }
        }
        for (i, p) in self.policies.iter().enumerate() {
            let path = format!("policies[{i}]");
            if p.name.trim().is_empty() {
                return Err(err(
                    format!("{path}.name"),
                    &p.name,
                    "a policy needs a name",
                ));
            }
            if self.policies[..i].iter().any(|o| o.name == p.name) {
                return Err(err(
                    format!("{path}.name"),
                    &p.name,
                    "duplicate policy name",
                ));
            }
            if let Some(c) = &p.calendar {
                if !self.calendars.contains_key(c) {
                    return Err(err(format!("{path}.calendar"), c, "unknown calendar"));
                }
            }
            if let Some(u) = p.update_every {
                if u.as_duration() <= Duration::zero() {
                    return Err(err(
                        format!("{path}.update_every"),
                        &u.to_string(),
                        "must be positive",
                    ));
                }
            }
            for (j, l) in p.levels.iter().enumerate() {
                let path = format!("{path}.levels[{j}]");
                if l.name.trim().is_empty() {
                    return Err(err(format!("{path}.name"), &l.name, "a level needs a name"));
                }
                if p.levels[..j].iter().any(|o| o.name == l.name) {
                    return Err(err(format!("{path}.name"), &l.name, "duplicate level name"));
                }
                if let Trigger::Percent { percent, .. } = l.trigger {
                    if !(1..=100).contains(&percent) {
                        return Err(err(
                            format!("{path}.trigger.percent"),
                            &percent.to_string(),
                            "must be within 1..=100",
                        ));
                    }
                }
                let metric = l.trigger.metric();
                if need_targets
                    && Priority::ALL
                        .iter()
                        .all(|pr| self.targets.get(metric, *pr).is_none())
                {
                    return Err(err(
                        format!("{path}.trigger.metric"),
                        metric.as_str(),
                        "no target is configured for this metric (see `targets`)",
                    ));
                }
                if l.actions.is_empty() {
                    return Err(err(
                        format!("{path}.actions"),
                        "[]",
                        "a level needs an action",
                    ));
                }
                for (k, a) in l.actions.iter().enumerate() {
                    let apath = format!("{path}.actions[{k}]");
                    match a {
                        EscalationAction::Notify(t) if t.is_empty() => {
                            return Err(err(format!("{apath}.notify"), "[]", "notify whom?"));
                        }
                        EscalationAction::Notify(t)
                            if t.contains(&NotifyTarget::Supervisor)
                                && self.supervisor.is_none() =>
                        {
                            return Err(err(
                                format!("{apath}.notify"),
                                "supervisor",
                                "no `supervisor` is configured",
                            ));
                        }
                        EscalationAction::Reassign(ReassignTarget::NextTier)
                            if routing.is_none() && !alone =>
                        {
                            return Err(err(
                                format!("{apath}.reassign"),
                                "next_tier",
                                "reassignment needs a routing configuration",
                            ));
                        }
                        EscalationAction::Reassign(ReassignTarget::Group(g))
                            if routing.is_some_and(|r| r.group(g).is_none()) =>
                        {
                            return Err(err(
                                format!("{apath}.reassign.group"),
                                g.as_str(),
                                "unknown group",
                            ));
                        }
                        EscalationAction::AddTag(t) if t.trim().is_empty() => {
                            return Err(err(format!("{apath}.add_tag"), t, "empty tag"));
                        }
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    }
}

/// How much of the desk an escalation configuration is validated against.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Checks<'a> {
    /// On its own: group references wait for the desk.
    Alone,
    /// With the routing it comes with (`None`: none).
    WithRouting(Option<&'a RoutingConfig>),
    /// At build: routing, and whether the targets must all be here (no SLA).
    Desk {
        routing: Option<&'a RoutingConfig>,
        need_targets: bool,
    },
}

/// Reads a desk configuration file with `[routing]` and `[escalation]`
/// tables (either may be missing) and validates both together. Whether
/// every trigger's metric has a target is checked when the desk is built
/// (an SLA configuration may supply them).
///
/// ```
/// let (routing, escalation) = helpdesk::escalation::load_desk_toml(r#"
///     [[routing.groups]]
///     id = "desk"
///     tier = 1
///     area = "general"
///     [escalation.targets.resolution]
///     medium = "8h"
/// "#)?;
/// assert!(routing.is_some() && escalation.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_desk_toml(s: &str) -> Result<(Option<RoutingConfig>, Option<EscalationConfig>)> {
    #[derive(Deserialize)]
    struct File {
        routing: Option<RoutingConfig>,
        escalation: Option<EscalationConfig>,
    }
    let f: File = toml::from_str(s).map_err(|e| ConfigError::from_toml(&e))?;
    if let Some(r) = &f.routing {
        r.validate_at("routing.")?;
    }
    if let Some(e) = &f.escalation {
        e.validate_at("escalation.", Checks::WithRouting(f.routing.as_ref()))?;
    }
    Ok((f.routing, f.escalation))
}

/// A ticket for unit tests.
#[cfg(test)]
pub(crate) fn test_ticket(subject: &str, category: Option<&str>) -> crate::Ticket {
    use crate::ticket::{EventActor, EventKind, TicketCreated};
    use crate::{Channel, CustomerId, EventId, Requester, TicketId, TicketRef};
    let created = TicketCreated {
        reference: TicketRef(1),
        subject: subject.into(),
        description: "".into(),
        requester: Requester::new(CustomerId::new(), "C").into(),
        channel: Channel::Email,
        category: category.map(str::to_owned),
        tags: std::collections::BTreeSet::new(),
        fields: BTreeMap::new(),
        impact: crate::Impact::Medium,
        urgency: crate::Urgency::Medium,
        priority: Priority::Medium,
        priority_origin: crate::PriorityOrigin::Rule { rule: "t".into() },
        explanation: String::new(),
        status: "new".into(),
        assignee: None,
        group: None,
        links: Vec::new(),
    };
    let e = crate::TicketEvent {
        id: EventId::new(),
        ticket_id: TicketId::new(),
        seq: 1,
        at: chrono::Utc::now(),
        actor: EventActor::System,
        kind: EventKind::Created(Box::new(created)),
    };
    crate::Ticket::created(&e).expect("a created event")
}
