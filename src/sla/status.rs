//! What [`evaluate`](super::evaluate) reports: per metric state and times.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use crate::ticket::Metric;

/// Where a metric stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricState {
    /// The clock is ticking.
    Running,
    /// The clock is stopped by a pause status.
    Paused,
    /// Fulfilled before its due.
    Met,
    /// Its due passed before it was fulfilled (fulfilled late, or not yet).
    Breached,
    /// No cycle is open or ever was, the policy sets no target for the
    /// ticket's priority, or the cycle ended without fulfilment and without
    /// breach (e.g. the ticket was resolved before any reply).
    NotApplicable,
}

/// The state of one metric's current (latest) cycle.
///
/// A breach happens at the instant `due`: the due is the first instant at
/// which the target is used up, so a fulfilment must come strictly before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetricStatus {
    /// Which metric.
    pub metric: Metric,
    /// Its state.
    pub state: MetricState,
    /// The cycle number, from 1; 0 when no cycle has started.
    pub cycle: u32,
    /// The business-time target in force (the current priority's for an
    /// open cycle, the one at the end for a finished cycle).
    pub target: Option<Duration>,
    /// When the target is (or was) used up: in the future for a running
    /// metric, `None` while paused (the due moves with the pause).
    pub due: Option<DateTime<Utc>>,
    /// When the warning threshold is (or was) reached.
    pub warn_at: Option<DateTime<Utc>>,
    /// When the cycle started.
    pub started_at: Option<DateTime<Utc>>,
    /// Business time counted so far in this cycle (paused time excluded).
    pub elapsed: Duration,
    /// Business time spent paused in this cycle.
    pub paused: Duration,
    /// Target minus elapsed, never negative (`None` without a target).
    pub remaining: Option<Duration>,
    /// When it was met (only in state [`MetricState::Met`]).
    pub met_at: Option<DateTime<Utc>>,
    /// When it was breached (only in state [`MetricState::Breached`]).
    pub breached_at: Option<DateTime<Utc>>,
    /// When the cycle was fulfilled, in time or late.
    pub completed_at: Option<DateTime<Utc>>,
    /// The outcome of the cycle before this one, for metrics with several
    /// cycles (next response, periodic update, resolution after reopening).
    pub previous: Option<CycleOutcome>,
}

/// How a finished cycle ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CycleOutcome {
    /// The cycle number.
    pub cycle: u32,
    /// [`MetricState::Met`], [`MetricState::Breached`] or [`MetricState::NotApplicable`].
    pub state: MetricState,
    /// When it was fulfilled.
    pub completed_at: Option<DateTime<Utc>>,
    /// When the warning threshold was reached, if it was.
    pub warn_at: Option<DateTime<Utc>>,
    /// When it was breached, if it was.
    pub breached_at: Option<DateTime<Utc>>,
}

/// A ticket's SLA status at one instant: see [`evaluate`](super::evaluate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SlaStatus {
    /// The policy evaluated.
    pub policy: String,
    /// The instant evaluated at.
    pub at: DateTime<Utc>,
    /// One entry per metric, in the order of [`Metric::ALL`].
    pub metrics: [MetricStatus; 4],
    /// The earliest instant after `at` when a running metric reaches its
    /// warning threshold or its due: when the desk must look again.
    pub next_deadline: Option<DateTime<Utc>>,
    /// The earliest due of the metrics whose cycle is still open: in the
    /// future for a running one, in the past for one already breached;
    /// paused metrics have none. What agents' queues sort by.
    pub next_due: Option<DateTime<Utc>>,
}

impl SlaStatus {
    /// The status of one metric.
    pub fn metric(&self, m: Metric) -> &MetricStatus {
        &self.metrics[m.index()]
    }
}
