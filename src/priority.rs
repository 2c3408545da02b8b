//! Priority levels, impact and urgency, the Impact x Urgency matrix, and
//! where a ticket's priority came from ([`PriorityOrigin`]).
//!
//! The [`Classifier`](crate::classify::Classifier) that decides a ticket's
//! priority by rules and this matrix is in [`classify`](crate::classify).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::AgentId;

/// Priority levels, most urgent first (`Critical < High` in `Ord`, so sorting
/// ascending puts the most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Company-wide outage or critical situation.
    Critical,
    /// Serious problem, many users or an important customer.
    High,
    /// Regular problem.
    Medium,
    /// Scheduled service, planned events, questions.
    Low,
}

impl Priority {
    /// All levels, most urgent first.
    pub const ALL: [Priority; 4] = [
        Priority::Critical,
        Priority::High,
        Priority::Medium,
        Priority::Low,
    ];

    /// One step more urgent (Critical stays Critical).
    pub fn raised(self) -> Priority {
        match self {
            Priority::Critical | Priority::High => Priority::Critical,
            Priority::Medium => Priority::High,
            Priority::Low => Priority::Medium,
        }
    }

    /// The lowercase name used in configuration (`critical`, `high`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Priority {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                crate::Error::validation(
                    "priority",
                    format!("`{s}` is not one of critical, high, medium, low"),
                )
            })
    }
}

macro_rules! level {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            /// High.
            High,
            /// Medium (the default).
            #[default]
            Medium,
            /// Low.
            Low,
        }

        impl $name {
            fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self {
                    $name::High => "high",
                    $name::Medium => "medium",
                    $name::Low => "low",
                })
            }
        }
    };
}

level!(
    /// How widely a problem affects the business (many users, one user).
    Impact
);
level!(
    /// How fast the problem must be dealt with.
    Urgency
);

/// Where a ticket's priority came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum PriorityOrigin {
    /// The Impact x Urgency matrix cell.
    Matrix {
        /// The impact used.
        impact: Impact,
        /// The urgency used.
        urgency: Urgency,
    },
    /// A classification rule set the priority directly.
    Rule {
        /// The rule's name.
        rule: String,
    },
    /// An agent set it by hand; sticks until changed by hand again.
    Manual {
        /// Who.
        agent: Option<AgentId>,
        /// Why.
        reason: String,
    },
    /// An escalation level raised it.
    Escalation {
        /// The escalation level's name.
        level: String,
    },
}

impl PriorityOrigin {
    /// True when a person chose the priority; automatic reclassification then leaves it alone.
    pub fn is_manual(&self) -> bool {
        matches!(self, PriorityOrigin::Manual { .. })
    }
}

impl fmt::Display for PriorityOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PriorityOrigin::Matrix { impact, urgency } => {
                write!(f, "matrix: impact {impact} x urgency {urgency}")
            }
            PriorityOrigin::Rule { rule } => write!(f, "rule `{rule}`"),
            PriorityOrigin::Manual { reason, .. } => write!(f, "set by an agent: {reason}"),
            PriorityOrigin::Escalation { level } => write!(f, "raised by escalation `{level}`"),
        }
    }
}

/// The Impact x Urgency matrix; rows are impact (high, medium, low), columns urgency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityMatrix {
    /// Priorities for high impact, by urgency high, medium, low.
    pub high: [Priority; 3],
    /// Priorities for medium impact.
    pub medium: [Priority; 3],
    /// Priorities for low impact.
    pub low: [Priority; 3],
}

impl Default for PriorityMatrix {
    /// The ITIL matrix, folded to four levels.
    fn default() -> Self {
        use Priority::{Critical, High, Low, Medium};
        PriorityMatrix {
            high: [Critical, High, Medium],
            medium: [High, Medium, Low],
            low: [Medium, Low, Low],
        }
    }
}

impl PriorityMatrix {
    /// The cell for `impact` and `urgency`.
    pub fn get(&self, impact: Impact, urgency: Urgency) -> Priority {
        [&self.high, &self.medium, &self.low][impact.index()][urgency.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_matrix_is_itil() {
        let m = PriorityMatrix::default();
        assert_eq!(m.get(Impact::High, Urgency::High), Priority::Critical);
        assert_eq!(m.get(Impact::Medium, Urgency::Medium), Priority::Medium);
        assert_eq!(m.get(Impact::Low, Urgency::Low), Priority::Low);
        assert_eq!(m.get(Impact::Low, Urgency::High), Priority::Medium);
    }

    #[test]
    fn priority_orders_most_urgent_first_and_raises() {
        assert!(Priority::Critical < Priority::Low);
        assert_eq!(Priority::Low.raised(), Priority::Medium);
        assert_eq!(Priority::Critical.raised(), Priority::Critical);
        assert_eq!("HIGH".parse::<Priority>().unwrap(), Priority::High);
        assert!("urgent".parse::<Priority>().is_err());
    }
}
