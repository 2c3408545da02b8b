//! Which levels fire when: read off the SLA evaluation.

use chrono::{DateTime, Utc};

use super::{EscalationPolicy, Metric};
use crate::sla::{Reached, Watch};
use crate::ticket::{EventKind, Ticket, TicketEvent};

/// A level that has not fired yet in its metric's cycle, with the instant
/// it fires (it may be past: then it is due now).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedLevel {
    /// Index of the level in its policy.
    pub index: usize,
    /// The level's name.
    pub name: String,
    /// The metric it watches.
    pub metric: Metric,
    /// The metric's cycle it fires in.
    pub cycle: u32,
    /// When it fires.
    pub fire_at: DateTime<Utc>,
}

impl PlannedLevel {
    /// Level `index` (named `name`) of a policy, on `metric`, to fire in
    /// `cycle` at `fire_at`.
    pub fn new(
        index: usize,
        name: impl Into<String>,
        metric: Metric,
        cycle: u32,
        fire_at: DateTime<Utc>,
    ) -> Self {
        PlannedLevel {
            index,
            name: name.into(),
            metric,
            cycle,
            fire_at,
        }
    }
}

impl EscalationPolicy {
    /// The points on the SLA clocks the policy's levels watch, one per
    /// level, in level order: what the SLA evaluation reports on.
    pub(crate) fn watches(&self) -> Vec<Watch> {
        self.levels
            .iter()
            .map(|l| Watch {
                metric: l.trigger.metric(),
                point: l.trigger.point(),
            })
            .collect()
    }

    /// The levels still to fire for `ticket`, earliest first (ties in level
    /// order), given when the SLA evaluation says each level's point is
    /// reached (`reached[i]` for level `i`, from [`watches`](Self::watches)):
    /// those whose condition matches, whose metric's cycle is still open and
    /// has not fired them (`fired` holds `(cycle, level name)`), and whose
    /// point is reached or will be.
    pub(crate) fn plan(
        &self,
        ticket: &Ticket,
        reached: &[Reached],
        fired: &[(u32, &str)],
    ) -> Vec<PlannedLevel> {
        let mut out: Vec<PlannedLevel> = self
            .levels
            .iter()
            .zip(reached)
            .enumerate()
            .filter_map(|(index, (level, r))| {
                let fire_at = r.at?;
                let done = fired.contains(&(r.cycle, level.name.as_str()));
                (!done && level.when.matches(ticket)).then(|| PlannedLevel {
                    index,
                    name: level.name.clone(),
                    metric: level.trigger.metric(),
                    cycle: r.cycle,
                    fire_at,
                })
            })
            .collect();
        out.sort_by_key(|p| (p.fire_at, p.index));
        out
    }
}

/// The levels that fired on a ticket, as `(cycle, level name)`: its
/// automatic `Escalated` events (an escalation by hand is no level).
pub fn fired_levels<'a>(events: impl IntoIterator<Item = &'a TicketEvent>) -> Vec<(u32, &'a str)> {
    events
        .into_iter()
        .filter_map(|e| match &e.kind {
            EventKind::Escalated {
                level,
                cycle,
                manual: false,
                ..
            } => Some((*cycle, level.as_str())),
            _ => None,
        })
        .collect()
}
