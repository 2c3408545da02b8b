//! Classification: ordered rules and the Impact x Urgency matrix decide a
//! ticket's impact, urgency and priority, and explain why.
//!
//! A [`Classifier`] decides a new ticket's impact, urgency and priority and
//! explains why. Rules are tried in order; for each of impact, urgency and
//! priority the *first* matching rule that sets it decides it. A priority set
//! directly by a rule wins over the matrix; otherwise the matrix cell of the
//! final impact and urgency decides. An agent's manual override is recorded as
//! an event and sticks: later reclassification never undoes it.
//!
//! ```
//! use helpdesk::{Classifier, Priority};
//! let classifier = Classifier::from_toml(r#"
//!     [[rules]]
//!     name = "outage"
//!     when = { words = ["outage"] }
//!     priority = "critical"
//!
//!     [[rules]]
//!     name = "vip customers"
//!     when = { requester_tier = ["vip"] }
//!     urgency = "high"
//! "#)?;
//! assert_eq!(classifier.label(Priority::Critical), "Critical");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::error::{ConfigError, Result};
use crate::priority::{Impact, Priority, PriorityMatrix, PriorityOrigin, Urgency};
use crate::ticket::Ticket;

/// One classification rule: when the condition holds, set impact, urgency or priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassificationRule {
    /// A name, shown in the explanation.
    pub name: String,
    /// When the rule applies.
    #[serde(default)]
    pub when: Condition,
    /// The impact to set.
    #[serde(default)]
    pub impact: Option<Impact>,
    /// The urgency to set.
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// The priority to set directly (wins over the matrix).
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// Display labels for the priority levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PriorityLabels {
    /// Label of [`Priority::Critical`].
    pub critical: String,
    /// Label of [`Priority::High`].
    pub high: String,
    /// Label of [`Priority::Medium`].
    pub medium: String,
    /// Label of [`Priority::Low`].
    pub low: String,
}

impl Default for PriorityLabels {
    fn default() -> Self {
        PriorityLabels {
            critical: "Critical".into(),
            high: "High".into(),
            medium: "Medium".into(),
            low: "Low".into(),
        }
    }
}

/// Decides impact, urgency and priority for tickets. Loads from TOML or JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classifier {
    /// Display labels.
    #[serde(default)]
    pub labels: PriorityLabels,
    /// The Impact x Urgency matrix.
    #[serde(default)]
    pub matrix: PriorityMatrix,
    /// Ordered rules.
    #[serde(default)]
    pub rules: Vec<ClassificationRule>,
}

/// The outcome of classification, with its explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// Final impact.
    pub impact: Impact,
    /// Final urgency.
    pub urgency: Urgency,
    /// Final priority.
    pub priority: Priority,
    /// What decided the priority.
    pub origin: PriorityOrigin,
    /// A human-readable account of every decision, e.g.
    /// "urgency high by rule `vip customers`; priority high by matrix: impact medium x urgency high".
    pub explanation: String,
}

impl Classifier {
    /// Parses and validates a classifier from TOML.
    pub fn from_toml(s: &str) -> Result<Self> {
        let c: Classifier = crate::load::toml(s)?;
        c.validate()?;
        Ok(c)
    }

    /// Parses and validates a classifier from JSON.
    pub fn from_json(s: &str) -> Result<Self> {
        let c: Classifier = crate::load::json(s)?;
        c.validate()?;
        Ok(c)
    }

    /// Checks rule names are present and unique, and each rule sets something.
    pub fn validate(&self) -> Result<()> {
        for (i, r) in self.rules.iter().enumerate() {
            let path = format!("rules[{i}]");
            if r.name.trim().is_empty() {
                return Err(ConfigError::new(
                    format!("{path}.name"),
                    Some(r.name.clone()),
                    "a rule needs a name",
                )
                .into());
            }
            if r.impact.is_none() && r.urgency.is_none() && r.priority.is_none() {
                return Err(ConfigError::new(
                    path,
                    Some(r.name.clone()),
                    "the rule sets none of impact, urgency, priority",
                )
                .into());
            }
            if self.rules[..i].iter().any(|o| o.name == r.name) {
                return Err(ConfigError::new(
                    format!("{path}.name"),
                    Some(r.name.clone()),
                    "duplicate rule name",
                )
                .into());
            }
        }
        Ok(())
    }

    /// The configured label of a priority.
    pub fn label(&self, p: Priority) -> &str {
        match p {
            Priority::Critical => &self.labels.critical,
            Priority::High => &self.labels.high,
            Priority::Medium => &self.labels.medium,
            Priority::Low => &self.labels.low,
        }
    }

    /// Classifies `ticket`, starting from the impact and urgency it carries
    /// (what the requester or agent said, or the defaults).
    pub fn classify(&self, ticket: &Ticket) -> Classification {
        let mut impact: (Impact, Option<&str>) = (ticket.impact, None);
        let mut urgency: (Urgency, Option<&str>) = (ticket.urgency, None);
        let mut direct: Option<(Priority, &str)> = None;
        for rule in self.rules.iter().filter(|r| r.when.matches(ticket)) {
            if let (Some(v), None) = (rule.impact, impact.1) {
                impact = (v, Some(&rule.name));
            }
            if let (Some(v), None) = (rule.urgency, urgency.1) {
                urgency = (v, Some(&rule.name));
            }
            if let (Some(v), None) = (rule.priority, direct) {
                direct = Some((v, &rule.name));
            }
        }
        let mut parts = Vec::new();
        if let Some(r) = impact.1 {
            parts.push(format!("impact {} by rule `{r}`", impact.0));
        }
        if let Some(r) = urgency.1 {
            parts.push(format!("urgency {} by rule `{r}`", urgency.0));
        }
        let (priority, origin) = match direct {
            Some((p, rule)) => (
                p,
                PriorityOrigin::Rule {
                    rule: rule.to_owned(),
                },
            ),
            None => (
                self.matrix.get(impact.0, urgency.0),
                PriorityOrigin::Matrix {
                    impact: impact.0,
                    urgency: urgency.0,
                },
            ),
        };
        parts.push(format!("priority {} by {origin}", self.label(priority)));
        Classification {
            impact: impact.0,
            urgency: urgency.0,
            priority,
            origin,
            explanation: parts.join("; "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_name_the_rule() {
        let err = Classifier::from_toml("[[rules]]\nname = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("rules[0]"), "{err}");
        let err = Classifier::from_toml("[[rules]]\nname = \"x\"\npriority = \"urgent\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("urgent"), "{err}");
    }
}
