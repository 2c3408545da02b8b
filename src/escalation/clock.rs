use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::{EscalationPolicy, Metric, Targets};
use crate::calendar::BusinessCalendar;
use crate::error::Result;
use crate::ticket::{EventKind, Lifecycle, StatusCategory, Ticket, TicketEvent};

/// A stretch of time in which a clock runs; `end: None` means it still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// When the clock started (again).
    pub start: DateTime<Utc>,
    /// When it stopped, if it did.
    pub end: Option<DateTime<Utc>>,
}

/// One metric's clock in the current cycle: its target and the spans in
/// which it ran. This is the planner's whole view of time, so any source of
/// clocks (the desk's own reading of the history, or SLA status) can feed it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricClock {
    /// Which metric.
    pub metric: Metric,
    /// Its target (business time).
    pub target: Duration,
    /// The SLA cycle (1, then +1 per reopening).
    pub cycle: u32,
    /// When it ran, in order.
    pub spans: Vec<Span>,
    /// The metric was fulfilled (e.g. the first response was given): its
    /// levels no longer fire, even those a later, shorter target would put
    /// in the past.
    pub met: bool,
}

impl MetricClock {
    /// A clock.
    pub fn new(metric: Metric, target: Duration, cycle: u32, spans: Vec<Span>) -> Self {
        MetricClock {
            metric,
            target,
            cycle,
            spans,
            met: false,
        }
    }

    /// Marks the clock as met (or not).
    pub fn met(mut self, met: bool) -> Self {
        self.met = met;
        self
    }

    /// The instant at which the clock shows `elapsed` of business time in
    /// `calendar` (past or future), or `None` when it stopped before that.
    ///
    /// ```
    /// use chrono::{DateTime, Duration, Utc};
    /// use helpdesk::BusinessCalendar;
    /// use helpdesk::escalation::{Metric, MetricClock, Span};
    /// let t0: DateTime<Utc> = "2026-03-06T10:00:00Z".parse()?;
    /// let clock = MetricClock::new(Metric::Resolution, Duration::hours(4), 1, vec![
    ///     Span { start: t0, end: Some(t0 + Duration::hours(1)) },   // then paused 2h
    ///     Span { start: t0 + Duration::hours(3), end: None },
    /// ]);
    /// let due = clock.instant_at(&BusinessCalendar::always_open(), Duration::hours(4))?;
    /// assert_eq!(due, Some(t0 + Duration::hours(6)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn instant_at(
        &self,
        calendar: &BusinessCalendar,
        elapsed: Duration,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut acc = Duration::zero();
        for s in &self.spans {
            match s.end {
                None => return Ok(Some(calendar.add(s.start, elapsed - acc)?)),
                Some(end) => {
                    let len = calendar.between(s.start, end)?;
                    if acc + len >= elapsed {
                        return Ok(Some(calendar.add(s.start, elapsed - acc)?));
                    }
                    acc += len;
                }
            }
        }
        Ok(None)
    }
}

/// A level of a policy that has not fired yet in this cycle, with the
/// instant it fires (it may be past: then it is due now).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedLevel {
    /// Index of the level in its policy.
    pub index: usize,
    /// The level's name.
    pub name: String,
    /// The SLA cycle it fires in.
    pub cycle: u32,
    /// When it fires.
    pub fire_at: DateTime<Utc>,
}

impl EscalationPolicy {
    /// The levels still to fire for `ticket`, earliest first (ties in level
    /// order): those whose condition matches, that have not fired in the
    /// clock's cycle (`fired` holds `(cycle, level name)`), and whose
    /// metric's clock reaches the trigger point. Pure: no clock is read.
    pub fn plan(
        &self,
        ticket: &Ticket,
        clocks: &[MetricClock],
        fired: &BTreeSet<(u32, String)>,
        calendar: &BusinessCalendar,
    ) -> Result<Vec<PlannedLevel>> {
        let mut out = Vec::new();
        for (index, level) in self.levels.iter().enumerate() {
            let Some(clock) = clocks.iter().find(|c| c.metric == level.trigger.metric()) else {
                continue;
            };
            // A scan, not `contains`: the key would need a cloned name per
            // level, and a cycle holds only the few levels that fired.
            if clock.met
                || fired
                    .iter()
                    .any(|(c, n)| *c == clock.cycle && *n == level.name)
                || !level.when.matches(ticket)
            {
                continue;
            }
            let at = level.trigger.threshold(clock.target);
            if let Some(fire_at) = clock.instant_at(calendar, at)? {
                out.push(PlannedLevel {
                    index,
                    name: level.name.clone(),
                    cycle: clock.cycle,
                    fire_at,
                });
            }
        }
        out.sort_by_key(|p| (p.fire_at, p.index));
        Ok(out)
    }
}

/// What escalation needs from a ticket's timeline: the current SLA cycle,
/// its status periods, replies, fired levels and sent update reminders.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct History {
    /// The current cycle: 1, plus one per reopening (a move out of a `done` status).
    pub cycle: u32,
    /// When the current cycle started.
    pub cycle_start: DateTime<Utc>,
    /// Status periods of the current cycle: start and category; each lasts until the next.
    segments: Vec<(DateTime<Utc>, StatusCategory)>,
    first_reply: Option<DateTime<Utc>>,
    last_update: DateTime<Utc>,
    /// Fired levels: `(cycle, level name)`.
    pub fired: BTreeSet<(u32, String)>,
    reminded: BTreeSet<DateTime<Utc>>,
}

impl History {
    /// Reads a ticket's full timeline. Statuses unknown to `lifecycle` count as active.
    pub fn read<'a>(
        events: impl IntoIterator<Item = &'a TicketEvent>,
        lifecycle: &Lifecycle,
    ) -> History {
        let cat = |s| lifecycle.category(s).unwrap_or(StatusCategory::Active);
        let mut events = events.into_iter().peekable();
        let start = events.peek().map_or(DateTime::<Utc>::MIN_UTC, |e| e.at);
        let mut h = History {
            cycle: 1,
            cycle_start: start,
            segments: Vec::new(),
            first_reply: None,
            last_update: start,
            fired: BTreeSet::new(),
            reminded: BTreeSet::new(),
        };
        for e in events {
            match &e.kind {
                EventKind::Created(c) => h.segments.push((e.at, cat(&c.status))),
                EventKind::StatusChanged { from, to, .. } => {
                    let (before, after) = (cat(from), cat(to));
                    if before == StatusCategory::Done && after != StatusCategory::Done {
                        h.cycle += 1;
                        h.cycle_start = e.at;
                        h.segments.clear();
                        h.first_reply = None;
                        h.last_update = e.at;
                    }
                    h.segments.push((e.at, after));
                }
                EventKind::Reply { .. } => {
                    h.first_reply.get_or_insert(e.at);
                    h.last_update = e.at;
                }
                EventKind::Escalated {
                    level,
                    cycle,
                    manual: false,
                    ..
                } => {
                    h.fired.insert((*cycle, level.clone()));
                }
                EventKind::UpdateDue { since } => {
                    h.reminded.insert(*since);
                }
                _ => {}
            }
        }
        h
    }

    /// Whether the ticket is done (resolved, closed) now.
    pub fn is_done(&self) -> bool {
        self.segments
            .last()
            .is_some_and(|s| s.1 == StatusCategory::Done)
    }

    /// Spans from `from` (clipped) to `until`, in which `running` holds.
    fn spans(
        &self,
        from: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
        running: impl Fn(StatusCategory) -> bool,
    ) -> Vec<Span> {
        let mut out = Vec::new();
        for (i, (start, c)) in self.segments.iter().enumerate() {
            if !running(*c) {
                continue;
            }
            let end = self.segments.get(i + 1).map(|n| n.0);
            let (s, mut e) = ((*start).max(from), end);
            if let Some(u) = until {
                e = Some(e.map_or(u, |e| e.min(u)));
            }
            if e.is_some_and(|e| e <= s) {
                continue;
            }
            out.push(Span { start: s, end: e });
        }
        out
    }

    /// The clocks of the current cycle with targets from `targets` at `ticket`'s priority.
    pub fn clocks(&self, targets: &Targets, ticket: &Ticket) -> Vec<MetricClock> {
        self.clocks_with(|m| targets.get(m, ticket.priority))
    }

    /// The clocks of the current cycle, each metric with the target `target` gives it.
    pub fn clocks_with(&self, target: impl Fn(Metric) -> Option<Duration>) -> Vec<MetricClock> {
        let mut out = Vec::new();
        if let Some(t) = target(Metric::FirstResponse) {
            // Waiting on the customer does not excuse a missing first answer.
            let spans = self.spans(self.cycle_start, self.first_reply, |c| {
                c != StatusCategory::Done
            });
            out.push(
                MetricClock::new(Metric::FirstResponse, t, self.cycle, spans)
                    .met(self.first_reply.is_some()),
            );
        }
        if let Some(t) = target(Metric::Resolution) {
            let spans = self.spans(self.cycle_start, None, |c| {
                matches!(c, StatusCategory::Initial | StatusCategory::Active)
            });
            out.push(MetricClock::new(Metric::Resolution, t, self.cycle, spans));
        }
        out
    }

    /// When the customer is due a progress update: `every` of active
    /// business time after the last public reply (or the cycle start).
    /// Returns `(last update, due)`, or `None` when the ticket is not
    /// active or the reminder for this last update was already sent.
    pub fn update_due(
        &self,
        calendar: &BusinessCalendar,
        every: Duration,
    ) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
        let active = self
            .segments
            .last()
            .is_some_and(|s| matches!(s.1, StatusCategory::Initial | StatusCategory::Active));
        if !active || self.reminded.contains(&self.last_update) {
            return Ok(None);
        }
        let spans = self.spans(self.last_update, None, |c| {
            matches!(c, StatusCategory::Initial | StatusCategory::Active)
        });
        let clock = MetricClock::new(Metric::Resolution, every, self.cycle, spans);
        Ok(clock
            .instant_at(calendar, every)?
            .map(|due| (self.last_update, due)))
    }
}
