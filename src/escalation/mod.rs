//! Escalation: policies of levels that fire as a ticket's SLA clocks run down.
//!
//! An [`EscalationPolicy`] is chosen per ticket by its [`Condition`] (first
//! match wins). Each [`EscalationLevel`] has a [`Trigger`] on an SLA
//! [`Metric`] (first response, next response, periodic update, resolution)
//! and a list of [`EscalationAction`]s: notify people, move the ticket to
//! the next tier's group or a named group (functional escalation), raise its
//! priority, tag it, add a watcher.
//!
//! **One clock.** Triggers are points on the SLA metric's own clock, read
//! off the same evaluation the SLA makes ([`crate::sla`]): the target of
//! the SLA policy in force at the ticket's priority, counted in that
//! policy's business calendar, paused where the SLA pauses, in the SLA's
//! cycles (a reopening starts a new resolution cycle or continues it, as
//! the SLA policy says). A trigger is a percent of the target elapsed, some
//! business time before the due, the breach itself, or some time after it.
//! So escalation needs SLA policies: a desk configured with escalation but
//! no SLA is a configuration error.
//!
//! Every level fires **at most once per metric cycle**. Fired levels are
//! events ([`EventKind::Escalated`](crate::ticket::EventKind::Escalated))
//! keyed by the level's *name* and the cycle: when a ticket's priority or
//! policy changes, the remaining levels are planned again, and a level
//! whose name already fired in this cycle never fires again. A metric that
//! was met, or a cycle that ended, fires no more levels.
//!
//! Planning (which levels fire when, from the SLA evaluation) and firing
//! ([`fire`]) are pure;
//! the [`HelpDesk`](crate::HelpDesk) stores the earliest unfired level's
//! instant in the store's deadline index and fires due levels in
//! [`HelpDesk::run_due`](crate::HelpDesk::run_due).
//!
//! ```
//! use helpdesk::escalation::EscalationConfig;
//! let config = EscalationConfig::from_toml(r#"
//!     supervisor = { address = "duty-manager@example.com" }
//!
//!     [[policies]]
//!     name = "standard"
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
//!     [[policies.levels]]
//!     name = "update-reminder"           # the customer is due a progress update
//!     trigger = { kind = "at_breach", metric = "periodic_update" }
//!     actions = [{ notify = ["assignee"] }]
//! "#)?;
//! assert_eq!(config.policies[0].levels.len(), 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod fire;
mod plan;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::BusinessDuration;
use crate::condition::Condition;
use crate::error::{ConfigError, Result};
use crate::id::{AgentId, GroupId};
use crate::priority::Priority;
use crate::routing::RoutingConfig;
use crate::sla::ClockPoint;

pub use crate::ticket::Metric;
pub use fire::{FireContext, escalate_by_hand, fire, reassign_target};
pub use plan::{PlannedLevel, fired_levels};

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

    /// The trigger as a point on the SLA clock, relative to the target.
    pub(crate) fn point(self) -> ClockPoint {
        match self {
            Trigger::Percent { percent, .. } => ClockPoint::Percent(percent),
            Trigger::BeforeDue { offset, .. } => ClockPoint::FromDue(-offset.as_secs()),
            Trigger::AtBreach { .. } => ClockPoint::FromDue(0),
            Trigger::AfterBreach { offset, .. } => ClockPoint::FromDue(offset.as_secs()),
        }
    }

    /// The trigger in words, e.g. `75% of the resolution target elapsed`.
    pub fn describe(self) -> String {
        match self {
            Trigger::Percent { metric, percent } => {
                format!("{percent}% of the {} target elapsed", metric.label())
            }
            Trigger::BeforeDue { metric, offset } => {
                format!("{offset} before the {} due", metric.label())
            }
            Trigger::AtBreach { metric } => format!("{} target breached", metric.label()),
            Trigger::AfterBreach { metric, offset } => {
                format!("{offset} after the {} breach", metric.label())
            }
        }
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

/// Escalation configuration: the policies and the supervisor. Targets,
/// calendars and pauses are the SLA policies' (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EscalationConfig {
    /// Who `notify = ["supervisor"]` reaches.
    #[serde(default)]
    pub supervisor: Option<Supervisor>,
    /// The policies, tried in order; the first that matches applies.
    #[serde(default)]
    pub policies: Vec<EscalationPolicy>,
}

impl EscalationConfig {
    /// Reads and validates an escalation configuration (at the root of a TOML document).
    /// Group references are checked against routing when the desk is built.
    pub fn from_toml(s: &str) -> Result<Self> {
        let c: EscalationConfig = crate::load::toml(s)?;
        c.validate()?;
        Ok(c)
    }

    /// Reads and validates an escalation configuration from JSON (same structure).
    pub fn from_json(s: &str) -> Result<Self> {
        let c: EscalationConfig = crate::load::json(s)?;
        c.validate()?;
        Ok(c)
    }

    /// The policy for a ticket: the first whose condition matches.
    pub fn policy_for(&self, ticket: &crate::Ticket) -> Option<&EscalationPolicy> {
        self.policies.iter().find(|p| p.when.matches(ticket))
    }

    /// Validates the configuration on its own (group references are checked
    /// against the routing when the desk is built).
    pub fn validate(&self) -> Result<()> {
        Ok(self.check(None, false)?)
    }

    /// Validates the configuration; with `desk`, against the desk's
    /// `routing` too (a group to reassign to must exist, a move to the next
    /// tier needs routing). Paths are relative to the escalation table.
    pub(crate) fn check(
        &self,
        routing: Option<&RoutingConfig>,
        desk: bool,
    ) -> std::result::Result<(), ConfigError> {
        let err = |path: String, value: &str, msg: &str| {
            ConfigError::new(path, Some(value.to_owned()), msg)
        };
        if let Some(Supervisor::Address(a)) = &self.supervisor
            && a.trim().is_empty()
        {
            return Err(err("supervisor.address".into(), a, "empty address"));
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
            for (j, l) in p.levels.iter().enumerate() {
                let path = format!("{path}.levels[{j}]");
                if l.name.trim().is_empty() {
                    return Err(err(format!("{path}.name"), &l.name, "a level needs a name"));
                }
                if p.levels[..j].iter().any(|o| o.name == l.name) {
                    return Err(err(format!("{path}.name"), &l.name, "duplicate level name"));
                }
                if let Trigger::Percent { percent, .. } = l.trigger
                    && !(1..=100).contains(&percent)
                {
                    return Err(err(
                        format!("{path}.trigger.percent"),
                        &percent.to_string(),
                        "must be within 1..=100",
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
                            if routing.is_none() && desk =>
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
        fields: std::collections::BTreeMap::new(),
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
