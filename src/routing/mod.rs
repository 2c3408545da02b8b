//! Routing: support groups in tiers, agents, and the rules that queue a new
//! ticket at the right group and pick an agent.
//!
//! A [`RoutingConfig`] has three parts:
//!
//! - **groups** (support centers, queues): each has a [`GroupId`] slug, a
//!   tier (1 = first line, 2, 3, ...), a technical area (`network`,
//!   `applications`, ...), an optional lead, an optional next-tier group
//!   (where escalation moves a ticket) and an assignment [`Strategy`];
//! - **agents**: skills, groups, an optional shift calendar (none = always on
//!   shift) and an optional capacity (most open tickets at once);
//! - **rules**: ordered; the first whose [`Condition`] matches chooses the
//!   group (by id, or the first-line group of an area) and may require skills.
//!
//! When no rule matches, the ticket goes to the first-line (lowest tier)
//! group of the area named by its category's first segment (`network/vpn`
//! -> `network`), else to `default_group`, else to the lowest-tier group.
//!
//! Routing is pure: [`RoutingConfig::choose_group`] and
//! [`RoutingConfig::pick_agent`] take the ticket, the time and the agents'
//! loads and return a decision with its reason. The [`HelpDesk`](crate::HelpDesk)
//! records that decision as an [`EventKind::Routed`](crate::ticket::EventKind::Routed) event.
//!
//! ```
//! use helpdesk::routing::RoutingConfig;
//! let routing = RoutingConfig::from_toml(r#"
//!     [[groups]]
//!     id = "network-l1"
//!     tier = 1
//!     area = "network"
//!     next_tier = "network-l2"
//!     strategy = "least_open"
//!
//!     [[groups]]
//!     id = "network-l2"
//!     tier = 2
//!     area = "network"
//!
//!     [[rules]]
//!     name = "vpn"
//!     when = { category = ["network/vpn"] }
//!     group = "network-l1"
//!     skills = ["vpn"]
//! "#)?;
//! assert_eq!(routing.next_tier(&"network-l1".parse()?).map(|g| g.id.as_str()), Some("network-l2"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::condition::Condition;
use crate::error::{ConfigError, Result};
use crate::id::{AgentId, GroupId};
use crate::ticket::Ticket;

/// How a group's tickets get an assignee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Strategy {
    /// Nobody is assigned automatically; agents pick from the queue.
    #[default]
    Manual,
    /// Take turns among the eligible agents.
    RoundRobin,
    /// The eligible agent with the fewest open tickets.
    LeastOpen,
    /// Agents having every skill the rule requires, then the least loaded.
    Skills,
}

/// A support group (support center, queue). See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GroupDef {
    /// The group's id, e.g. `network-l1`.
    pub id: GroupId,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The tier: 1 is first line, higher tiers are more specialized.
    pub tier: u8,
    /// The technical area, e.g. `network`.
    pub area: String,
    /// The group lead (notified by escalations that ask for them).
    #[serde(default)]
    pub lead: Option<AgentId>,
    /// Where hierarchical escalation moves tickets from this group.
    #[serde(default)]
    pub next_tier: Option<GroupId>,
    /// How tickets get an assignee.
    #[serde(default)]
    pub strategy: Strategy,
}

/// An agent as routing sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AgentDef {
    /// The agent's id.
    pub id: AgentId,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The groups they take tickets from.
    pub groups: Vec<GroupId>,
    /// Their skills (compared ignoring case).
    #[serde(default)]
    pub skills: BTreeSet<String>,
    /// When they work; none means always on shift.
    #[serde(default)]
    pub shift: Option<BusinessCalendar>,
    /// The most open tickets they hold at once; none means no limit.
    #[serde(default)]
    pub capacity: Option<u32>,
}

impl AgentDef {
    /// Whether the agent works at `t`.
    pub fn on_shift(&self, t: DateTime<Utc>) -> bool {
        self.shift.as_ref().is_none_or(|c| c.is_open(t))
    }

    /// Whether the agent has every skill in `skills`.
    pub fn has_skills(&self, skills: &BTreeSet<String>) -> bool {
        skills
            .iter()
            .all(|s| self.skills.iter().any(|h| h.eq_ignore_ascii_case(s)))
    }
}

/// A routing rule: when `when` matches, queue at `group` (or at the
/// first-line group of `area`), requiring `skills` of the assignee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RoutingRule {
    /// The rule's name, quoted in the routing reason.
    pub name: String,
    /// When the rule applies.
    #[serde(default)]
    pub when: Condition,
    /// The group to queue at.
    #[serde(default)]
    pub group: Option<GroupId>,
    /// Or: the first-line (lowest tier) group of this area.
    #[serde(default)]
    pub area: Option<String>,
    /// Skills the assignee must have (used by the `skills` strategy).
    #[serde(default)]
    pub skills: BTreeSet<String>,
}

/// Groups, agents and routing rules. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RoutingConfig {
    /// Where tickets go when no rule matches and their category names no area.
    #[serde(default)]
    pub default_group: Option<GroupId>,
    /// The groups.
    #[serde(default)]
    pub groups: Vec<GroupDef>,
    /// The agents.
    #[serde(default)]
    pub agents: Vec<AgentDef>,
    /// The rules, tried in order.
    #[serde(default)]
    pub rules: Vec<RoutingRule>,
}

/// Which group a ticket goes to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupChoice {
    /// The group.
    pub group: GroupId,
    /// The rule that chose it, if any.
    pub rule: Option<String>,
    /// Skills the assignee must have.
    pub skills: BTreeSet<String>,
    /// A human-readable account.
    pub reason: String,
}

/// An agent picked for a ticket, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgentChoice {
    /// The agent.
    pub agent: AgentId,
    /// The group they were picked in.
    pub group: GroupId,
    /// A human-readable account.
    pub reason: String,
}

impl RoutingConfig {
    /// Reads and validates a routing configuration from TOML (at the root of the document).
    pub fn from_toml(s: &str) -> Result<Self> {
        let c: RoutingConfig = crate::load::toml(s)?;
        c.validate_at("")?;
        Ok(c)
    }

    /// Validates the configuration: ids unique, every referenced group
    /// and agent defined, rules well formed.
    pub fn validate(&self) -> Result<()> {
        self.validate_at("")
    }

    /// [`validate`](Self::validate) with error paths under `prefix` (e.g. `routing.`).
    pub(crate) fn validate_at(&self, prefix: &str) -> Result<()> {
        let err = |path: String, value: &str, msg: &str| -> crate::Error {
            ConfigError::new(format!("{prefix}{path}"), Some(value.to_owned()), msg).into()
        };
        for (i, g) in self.groups.iter().enumerate() {
            if self.groups[..i].iter().any(|o| o.id == g.id) {
                return Err(err(
                    format!("groups[{i}].id"),
                    g.id.as_str(),
                    "duplicate group id",
                ));
            }
            if g.tier == 0 {
                return Err(err(format!("groups[{i}].tier"), "0", "tiers start at 1"));
            }
            if g.area.trim().is_empty() {
                return Err(err(
                    format!("groups[{i}].area"),
                    &g.area,
                    "a group needs an area",
                ));
            }
            if let Some(n) = &g.next_tier {
                if self.group(n).is_none() {
                    return Err(err(
                        format!("groups[{i}].next_tier"),
                        n.as_str(),
                        "unknown group",
                    ));
                }
                if *n == g.id {
                    return Err(err(
                        format!("groups[{i}].next_tier"),
                        n.as_str(),
                        "a group cannot be its own next tier",
                    ));
                }
            }
        }
        for (i, a) in self.agents.iter().enumerate() {
            if self.agents[..i].iter().any(|o| o.id == a.id) {
                return Err(err(
                    format!("agents[{i}].id"),
                    &a.id.to_string(),
                    "duplicate agent id",
                ));
            }
            for (j, g) in a.groups.iter().enumerate() {
                if self.group(g).is_none() {
                    return Err(err(
                        format!("agents[{i}].groups[{j}]"),
                        g.as_str(),
                        "unknown group",
                    ));
                }
            }
            if a.capacity == Some(0) {
                return Err(err(
                    format!("agents[{i}].capacity"),
                    "0",
                    "capacity must be at least 1",
                ));
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            if r.name.trim().is_empty() {
                return Err(err(
                    format!("rules[{i}].name"),
                    &r.name,
                    "a rule needs a name",
                ));
            }
            if self.rules[..i].iter().any(|o| o.name == r.name) {
                return Err(err(
                    format!("rules[{i}].name"),
                    &r.name,
                    "duplicate rule name",
                ));
            }
            match (&r.group, &r.area) {
                (Some(g), None) if self.group(g).is_none() => {
                    return Err(err(
                        format!("rules[{i}].group"),
                        g.as_str(),
                        "unknown group",
                    ));
                }
                (None, Some(a)) if self.first_line(a).is_none() => {
                    return Err(err(format!("rules[{i}].area"), a, "no group has this area"));
                }
                (Some(_), None) | (None, Some(_)) => {}
                _ => {
                    return Err(err(
                        format!("rules[{i}]"),
                        &r.name,
                        "a rule sets exactly one of `group` and `area`",
                    ));
                }
            }
        }
        if let Some(d) = &self.default_group
            && self.group(d).is_none()
        {
            return Err(err("default_group".into(), d.as_str(), "unknown group"));
        }
        if self.groups.is_empty() && !self.rules.is_empty() {
            return Err(err("groups".into(), "[]", "rules need at least one group"));
        }
        Ok(())
    }

    /// A group by id.
    pub fn group(&self, id: &GroupId) -> Option<&GroupDef> {
        self.groups.iter().find(|g| g.id == *id)
    }

    /// An agent by id.
    pub fn agent(&self, id: AgentId) -> Option<&AgentDef> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// The next-tier group of `group`, if it has one.
    pub fn next_tier(&self, group: &GroupId) -> Option<&GroupDef> {
        self.group(group)?
            .next_tier
            .as_ref()
            .and_then(|n| self.group(n))
    }

    /// The first-line (lowest tier, then first listed) group of an area.
    pub fn first_line(&self, area: &str) -> Option<&GroupDef> {
        self.groups
            .iter()
            .filter(|g| g.area.eq_ignore_ascii_case(area))
            .min_by_key(|g| g.tier)
    }

    /// The group a new ticket goes to: see the [module docs](self) for the order.
    /// `None` only when no group is configured.
    pub fn choose_group(&self, ticket: &Ticket) -> Option<GroupChoice> {
        for r in &self.rules {
            if !r.when.matches(ticket) {
                continue;
            }
            let g = match (&r.group, &r.area) {
                (Some(g), _) => self.group(g),
                (None, Some(a)) => self.first_line(a),
                (None, None) => None,
            };
            if let Some(g) = g {
                return Some(GroupChoice {
                    group: g.id.clone(),
                    rule: Some(r.name.clone()),
                    skills: r.skills.clone(),
                    reason: format!("rule `{}` matched: queued at {}", r.name, g.id),
                });
            }
        }
        let area = ticket
            .category
            .as_deref()
            .map(|c| c.split('/').next().unwrap_or(c));
        if let Some(g) = area.and_then(|a| self.first_line(a)) {
            return Some(GroupChoice {
                group: g.id.clone(),
                rule: None,
                skills: BTreeSet::new(),
                reason: format!(
                    "no rule matched: first line of area `{}` ({})",
                    g.area, g.id
                ),
            });
        }
        let g = match &self.default_group {
            Some(d) => self.group(d),
            None => self.groups.iter().min_by_key(|g| g.tier),
        }?;
        Some(GroupChoice {
            group: g.id.clone(),
            rule: None,
            skills: BTreeSet::new(),
            reason: format!("no rule matched: default group {}", g.id),
        })
    }

    /// Why a ticket routed to `group` has no assignee.
    pub fn unassigned_reason(&self, group: &GroupId) -> &'static str {
        match self.group(group).map(|g| g.strategy) {
            Some(Strategy::Manual) | None => "left in the queue (manual assignment)",
            Some(_) => "left in the queue: no agent on shift, skilled and under capacity",
        }
    }

    /// The name to show for `agent` (requesters see it on their tickets).
    pub fn agent_name(&self, agent: AgentId) -> Option<&str> {
        self.agent(agent).and_then(|a| a.name.as_deref())
    }

    /// Agents who could take a ticket in `group` at `now`: members, on
    /// shift, with the required skills when the group's strategy is `skills`.
    /// Capacity is checked by [`pick_agent`](Self::pick_agent), which knows the loads.
    pub fn candidates(
        &self,
        group: &GroupId,
        skills: &BTreeSet<String>,
        now: DateTime<Utc>,
    ) -> Vec<&AgentDef> {
        let needs_skills = self
            .group(group)
            .is_some_and(|g| g.strategy == Strategy::Skills);
        self.agents
            .iter()
            .filter(|a| a.groups.contains(group) && a.on_shift(now))
            .filter(|a| !needs_skills || a.has_skills(skills))
            .collect()
    }

    /// Picks an assignee in `group` by its strategy among `candidates`,
    /// given each candidate's open-ticket count in `loads` (missing = 0).
    /// Agents at capacity are skipped. `turn` drives round-robin: pass a
    /// counter that grows by one per routed ticket of the group.
    /// `None` for manual groups and when nobody is available.
    pub fn pick_agent(
        &self,
        group: &GroupId,
        candidates: &[&AgentDef],
        loads: &BTreeMap<AgentId, u32>,
        turn: usize,
    ) -> Option<AgentChoice> {
        let strategy = self.group(group)?.strategy;
        let load = |a: &AgentDef| loads.get(&a.id).copied().unwrap_or(0);
        let free: Vec<&AgentDef> = candidates
            .iter()
            .copied()
            .filter(|a| a.capacity.is_none_or(|c| load(a) < c))
            .collect();
        let label = |a: &AgentDef| a.name.clone().unwrap_or_else(|| a.id.to_string());
        match strategy {
            Strategy::Manual => None,
            Strategy::RoundRobin => {
                let a = free.get(turn % free.len().max(1))?;
                Some(AgentChoice {
                    agent: a.id,
                    group: group.clone(),
                    reason: format!(
                        "round robin in {group}: {} ({} of {} available)",
                        label(a),
                        turn % free.len() + 1,
                        free.len()
                    ),
                })
            }
            Strategy::LeastOpen | Strategy::Skills => {
                // Ties go to the agent listed first, so the choice is reproducible.
                let a = free
                    .iter()
                    .enumerate()
                    .min_by_key(|(i, a)| (load(a), *i))
                    .map(|(_, a)| *a)?;
                let how = if strategy == Strategy::Skills {
                    "skills match, least loaded"
                } else {
                    "least open tickets"
                };
                Some(AgentChoice {
                    agent: a.id,
                    group: group.clone(),
                    reason: format!("{how} in {group}: {} ({} open)", label(a), load(a)),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn config() -> RoutingConfig {
        RoutingConfig::from_toml(
            r#"
            default_group = "desk"
            [[groups]]
            id = "desk"
            tier = 1
            area = "general"
            strategy = "round_robin"
            [[groups]]
            id = "net-l1"
            tier = 1
            area = "network"
            next_tier = "net-l2"
            strategy = "skills"
            [[groups]]
            id = "net-l2"
            tier = 2
            area = "network"
            [[rules]]
            name = "vpn"
            when = { words = ["vpn"] }
            group = "net-l1"
            skills = ["vpn"]
            "#,
        )
        .unwrap()
    }

    fn ticket(subject: &str, category: Option<&str>) -> Ticket {
        crate::escalation::test_ticket(subject, category)
    }

    #[test]
    fn rules_then_area_then_default() {
        let c = config();
        let g = c.choose_group(&ticket("VPN broken", None)).unwrap();
        assert_eq!(
            (g.group.as_str(), g.rule.as_deref()),
            ("net-l1", Some("vpn"))
        );
        let g = c
            .choose_group(&ticket("slow", Some("network/wifi")))
            .unwrap();
        assert_eq!(g.group.as_str(), "net-l1");
        let g = c
            .choose_group(&ticket("printer", Some("hardware")))
            .unwrap();
        assert_eq!(g.group.as_str(), "desk");
    }

    #[test]
    fn unknown_groups_are_named() {
        let Err(Error::Config(e)) = RoutingConfig::from_toml(
            "[[groups]]\nid = \"a\"\ntier = 1\narea = \"x\"\nnext_tier = \"nope\"",
        ) else {
            panic!("expected a config error")
        };
        assert_eq!(
            (e.path.as_str(), e.value.as_deref()),
            ("groups[0].next_tier", Some("nope"))
        );
        let Err(Error::Config(e)) = RoutingConfig::from_toml(
            "[[groups]]\nid = \"a\"\ntier = 1\narea = \"x\"\n[[groups]]\nid = \"a\"\ntier = 2\narea = \"x\"",
        ) else {
            panic!("expected a config error")
        };
        assert_eq!(e.path, "groups[1].id");
    }

    #[test]
    fn strategies_respect_capacity_and_skills() {
        let mut c = config();
        let (a, b) = (AgentId::new(), AgentId::new());
        let g: GroupId = "net-l1".parse().unwrap();
        c.agents = vec![
            AgentDef {
                id: a,
                name: Some("A".into()),
                groups: vec![g.clone()],
                skills: ["VPN".to_owned()].into(),
                shift: None,
                capacity: Some(1),
            },
            AgentDef {
                id: b,
                name: Some("B".into()),
                groups: vec![g.clone()],
                skills: BTreeSet::new(),
                shift: None,
                capacity: None,
            },
        ];
        let skills: BTreeSet<String> = ["vpn".to_owned()].into();
        let cands = c.candidates(&g, &skills, Utc::now());
        assert_eq!(cands.len(), 1);
        let pick = c.pick_agent(&g, &cands, &BTreeMap::new(), 0).unwrap();
        assert_eq!(pick.agent, a);
        let full: BTreeMap<_, _> = [(a, 1)].into();
        assert!(c.pick_agent(&g, &cands, &full, 0).is_none());
    }
}
