//! The SLA metrics, named in the timeline's SLA events.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The measured SLA metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Creation -> the first public agent reply.
    FirstResponse,
    /// Each customer message awaiting a reply -> the next public agent reply
    /// (cycles start only after the first reply; before it, first response
    /// measures the wait).
    NextResponse,
    /// While the ticket is active, a public agent reply at least every
    /// target, counted from the previous reply.
    PeriodicUpdate,
    /// Creation (or a reopening, see [`Reopen`](crate::sla::Reopen)) -> a status
    /// of category Done.
    Resolution,
}

impl Metric {
    /// All metrics, in the order [`SlaStatus::metrics`](crate::sla::SlaStatus::metrics) holds them.
    pub const ALL: [Metric; 4] = [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::PeriodicUpdate,
        Metric::Resolution,
    ];

    /// The configuration name (`first_response`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::FirstResponse => "first_response",
            Metric::NextResponse => "next_response",
            Metric::PeriodicUpdate => "periodic_update",
            Metric::Resolution => "resolution",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// A label for people: `first response`, ...
    pub fn label(self) -> &'static str {
        match self {
            Metric::FirstResponse => "first response",
            Metric::NextResponse => "next response",
            Metric::PeriodicUpdate => "periodic update",
            Metric::Resolution => "resolution",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
