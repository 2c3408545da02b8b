//! SLA evaluation: a pure function of the policy, the calendar, the
//! lifecycle, the ticket's events and the instant asked about.
//!
//! Business time is measured once per distinct event instant as a running
//! total from the ticket's creation (`B(t) = between(created, t)`); every
//! metric's elapsed and paused time is a difference of such totals, and a
//! due is `add(created, B)`. So the calendar is asked at most once per event
//! whatever the number of metrics, and nothing is allocated per event.

use chrono::{DateTime, Duration, Utc};

use super::{
    CycleOutcome, Metric, MetricPolicy, MetricState, MetricStatus, Reopen, SlaPolicy, SlaStatus,
};
use crate::calendar::BusinessCalendar;
use crate::error::{Error, Result};
use crate::priority::Priority;
use crate::ticket::{EventKind, Lifecycle, StatusCategory, StatusId, TicketEvent};

const FR: usize = 0;
const NR: usize = 1;
const PU: usize = 2;
const RES: usize = 3;

/// A ticket's SLA status at `now`, from its full event history.
///
/// `policy` is applied to the whole history with its `calendar` (the desk
/// passes the policy currently in force on the ticket). The target of an
/// open cycle is that of the ticket's current priority; a finished cycle
/// keeps the target in force when it finished. When a priority change
/// lowers the target below the time already used, the breach (or warning)
/// happens at the change, never retroactively.
///
/// Events later than `now` are taken as they are, and `now` is then raised
/// to the last event's instant.
///
/// ```
/// use chrono::{DateTime, Duration, Utc};
/// use helpdesk::sla::{evaluate, Metric, MetricPolicy, MetricState, SlaDuration, SlaPolicy};
/// use helpdesk::ticket::{EventActor, EventKind, Lifecycle, TicketCreated, TicketEvent};
/// use helpdesk::{BusinessCalendar, CustomerId, EventId, TicketId};
/// # let created: TicketEvent = helpdesk::sla::doc_created_event("2026-03-06T14:00:00Z".parse()?);
/// // `created` is the ticket's `Created` event (Friday 14:00 UTC).
/// let policy = SlaPolicy::new("standard")
///     .first_response(MetricPolicy::new(SlaDuration::hours(4)));
/// let status = evaluate(
///     &policy,
///     &BusinessCalendar::always_open(),
///     &Lifecycle::default(),
///     &[created],
///     "2026-03-06T15:00:00Z".parse()?,
/// )?;
/// let fr = status.metric(Metric::FirstResponse);
/// assert_eq!(fr.state, MetricState::Running);
/// assert_eq!(fr.due, Some("2026-03-06T18:00:00Z".parse::<DateTime<Utc>>()?));
/// assert_eq!(fr.remaining, Some(Duration::hours(3)));
/// assert_eq!(status.next_deadline, fr.warn_at); // 80% of 4h: 17:12
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(
    policy: &SlaPolicy,
    calendar: &BusinessCalendar,
    lifecycle: &Lifecycle,
    events: &[TicketEvent],
    now: DateTime<Utc>,
) -> Result<SlaStatus> {
    let Some((first, rest)) = events.split_first() else {
        return Err(Error::store_msg("cannot evaluate an SLA without events"));
    };
    let EventKind::Created(created) = &first.kind else {
        return Err(Error::store_msg(format!(
            "ticket {} does not start with a created event",
            first.ticket_id
        )));
    };
    let mut clk = BizClock {
        cal: calendar,
        t0: first.at,
        last_t: first.at,
        last_b: 0,
    };
    let mps: [Option<&MetricPolicy>; 4] = Metric::ALL.map(|m| policy.metric(m));
    let mut priority = created.priority;
    let mut status: &StatusId = &created.status;
    let mut cat = lifecycle.category(status);
    let mut tracks = [Track::default(); 4];
    let mut replied = false;
    let ctx = Ctx { mps };
    for m in [Metric::FirstResponse, Metric::Resolution] {
        if ctx.measured(m) {
            let r = ctx.runs(m, status, cat);
            tracks[m.index()].start(0, first.at, r);
        }
    }
    for e in rest {
        let at = e.at;
        match &e.kind {
            EventKind::Reply { .. } => {
                let b = clk.b(at)?;
                for i in [FR, NR, PU] {
                    let tr = &mut tracks[i];
                    if tr.phase == Phase::Open {
                        ctx.check(tr, i, priority, b, at, &clk)?;
                        tr.complete(b, at, ctx.target(i, priority));
                    }
                }
                if ctx.mps[PU].is_some() && cat != Some(StatusCategory::Done) {
                    let r = ctx.runs(Metric::PeriodicUpdate, status, cat);
                    tracks[PU].start(b, at, r);
                }
                replied = true;
            }
            EventKind::CustomerMessage { .. }
                if replied && ctx.mps[NR].is_some() && tracks[NR].phase != Phase::Open =>
            {
                let b = clk.b(at)?;
                let r = ctx.runs(Metric::NextResponse, status, cat);
                tracks[NR].start(b, at, r);
            }
            EventKind::StatusChanged { to, .. } => {
                let new_cat = lifecycle.category(to);
                let was_done = cat == Some(StatusCategory::Done);
                let now_done = new_cat == Some(StatusCategory::Done);
                status = to;
                cat = new_cat;
                if !tracks.iter().any(|t| t.phase != Phase::Idle) && ctx.mps[PU].is_none() {
                    continue;
                }
                let b = clk.b(at)?;
                if now_done && !was_done {
                    for (i, tr) in tracks.iter_mut().enumerate() {
                        if tr.phase == Phase::Open {
                            ctx.check(tr, i, priority, b, at, &clk)?;
                            let t = ctx.target(i, priority);
                            if i == RES {
                                tr.complete(b, at, t);
                            } else {
                                tr.cancel(b, t);
                            }
                        }
                    }
                } else if was_done && !now_done {
                    let res = &mut tracks[RES];
                    if ctx.mps[RES].is_some() && res.phase != Phase::Open {
                        let r = ctx.runs(Metric::Resolution, status, cat);
                        match (policy.reopen, res.phase) {
                            (Reopen::Continue, Phase::Completed) => res.resume(b, at, r),
                            _ => res.start(b, at, r),
                        }
                    }
                    if replied && ctx.mps[PU].is_some() && tracks[PU].phase != Phase::Open {
                        let r = ctx.runs(Metric::PeriodicUpdate, status, cat);
                        tracks[PU].start(b, at, r);
                    }
                }
                for (i, tr) in tracks.iter_mut().enumerate() {
                    if tr.phase != Phase::Open {
                        continue;
                    }
                    let r = ctx.runs(Metric::ALL[i], status, cat);
                    if tr.running && !r {
                        ctx.check(tr, i, priority, b, at, &clk)?;
                    }
                    tr.set_running(r, b, at);
                }
            }
            EventKind::PriorityChanged { to, .. } => {
                if *to == priority {
                    continue;
                }
                if tracks.iter().any(|t| t.phase == Phase::Open) {
                    let b = clk.b(at)?;
                    for (i, tr) in tracks.iter_mut().enumerate() {
                        if tr.phase == Phase::Open {
                            // Close the old target's account up to the change, then
                            // measure the carried-over time against the new one.
                            ctx.check(tr, i, priority, b, at, &clk)?;
                            tr.split(b, at);
                            ctx.check(tr, i, *to, b, at, &clk)?;
                        }
                    }
                }
                priority = *to;
            }
            _ => {}
        }
    }
    let now = now.max(clk.last_t);
    let b_now = clk.b(now)?;
    let mut next_deadline: Option<DateTime<Utc>> = None;
    let mut metrics = [MetricStatus::empty(Metric::FirstResponse); 4];
    for (i, tr) in tracks.iter_mut().enumerate() {
        let m = Metric::ALL[i];
        let current = ctx.target(i, priority);
        let mut s = MetricStatus::empty(m);
        s.previous = tr.previous;
        s.cycle = tr.cycle;
        s.started_at = tr.started_at;
        s.elapsed = Duration::seconds(tr.elapsed(b_now));
        s.paused = Duration::seconds(tr.paused_total(b_now));
        s.completed_at = tr.completed_at;
        s.warn_at = tr.warn_at;
        s.breached_at = tr.breached_at;
        let target = match tr.phase {
            Phase::Idle => current,
            Phase::Open => {
                ctx.check(tr, i, priority, b_now, now, &clk)?;
                s.warn_at = tr.warn_at;
                s.breached_at = tr.breached_at;
                current
            }
            Phase::Completed | Phase::Cancelled => tr.target,
        };
        s.target = target.map(Duration::seconds);
        s.remaining = target.map(|t| Duration::seconds((t - tr.elapsed(b_now)).max(0)));
        s.state = match (tr.phase, target) {
            (Phase::Idle, _) | (Phase::Open, None) => MetricState::NotApplicable,
            (_, _) if tr.breached_at.is_some() => MetricState::Breached,
            (Phase::Open, Some(t)) => {
                if tr.running {
                    let due = tr.at_elapsed(t, &clk)?;
                    s.due = Some(due);
                    let w = ctx.warn_after(i, t);
                    let next = if tr.warn_at.is_none() {
                        let warn = tr.at_elapsed(w, &clk)?;
                        s.warn_at = Some(warn);
                        warn
                    } else {
                        due
                    };
                    next_deadline = Some(next_deadline.map_or(next, |d| d.min(next)));
                    MetricState::Running
                } else {
                    MetricState::Paused
                }
            }
            (Phase::Completed, _) => {
                s.met_at = tr.completed_at;
                MetricState::Met
            }
            (Phase::Cancelled, _) => MetricState::NotApplicable,
        };
        if s.state == MetricState::Breached {
            s.due = tr.breached_at;
        }
        metrics[i] = s;
    }
    Ok(SlaStatus {
        policy: policy.name.clone(),
        at: now,
        metrics,
        next_deadline,
    })
}

/// Business time since creation, asked of the calendar once per new instant.
struct BizClock<'a> {
    cal: &'a BusinessCalendar,
    t0: DateTime<Utc>,
    last_t: DateTime<Utc>,
    last_b: i64,
}

impl BizClock<'_> {
    fn b(&mut self, t: DateTime<Utc>) -> Result<i64> {
        if t != self.last_t {
            // `between` is additive, so summing steps equals between(t0, t).
            self.last_b += self.cal.between(self.last_t, t)?.num_seconds();
            self.last_t = t;
        }
        Ok(self.last_b)
    }

    /// The earliest instant at which `b` business seconds since creation are used up.
    fn instant(&self, b: i64) -> Result<DateTime<Utc>> {
        Ok(self.cal.add(self.t0, Duration::seconds(b.max(0)))?)
    }
}

struct Ctx<'a> {
    mps: [Option<&'a MetricPolicy>; 4],
}

impl Ctx<'_> {
    fn measured(&self, m: Metric) -> bool {
        self.mps[m.index()].is_some()
    }

    fn runs(&self, m: Metric, s: &StatusId, cat: Option<StatusCategory>) -> bool {
        cat != Some(StatusCategory::Done)
            && self.mps[m.index()].is_some_and(|mp| !mp.pauses(m, s, cat))
    }

    fn target(&self, i: usize, p: Priority) -> Option<i64> {
        self.mps[i]
            .and_then(|mp| mp.target_for(p))
            .map(super::SlaDuration::as_secs)
    }

    fn warn_after(&self, i: usize, t: i64) -> i64 {
        self.mps[i].map_or(t, |mp| mp.warn_after(t))
    }

    #[allow(clippy::many_single_char_names)] // the letters of the module docs: b(t), target t, warning w
    /// Records the instants at which the cycle reached its warning threshold
    /// and its target, if it has by `b` (business time at `at`).
    fn check(
        &self,
        tr: &mut Track,
        i: usize,
        p: Priority,
        b: i64,
        at: DateTime<Utc>,
        clk: &BizClock<'_>,
    ) -> Result<()> {
        let Some(t) = self.target(i, p) else {
            return Ok(());
        };
        let e = tr.elapsed(b);
        let w = self.warn_after(i, t);
        if tr.warn_at.is_none() && e >= w {
            tr.warn_at = Some(tr.crossing(w, at, clk)?);
        }
        if tr.breached_at.is_none() && e >= t {
            tr.breached_at = Some(tr.crossing(t, at, clk)?);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    Idle,
    Open,
    Completed,
    Cancelled,
}

/// One metric's latest cycle, in business seconds since creation.
#[derive(Debug, Clone, Copy)]
struct Track {
    cycle: u32,
    phase: Phase,
    running: bool,
    /// Business time and instant at which the current running segment began.
    seg_b: i64,
    seg_t: DateTime<Utc>,
    /// Elapsed business time before the current segment.
    base: i64,
    pause_b: i64,
    paused: i64,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    /// The target at the end of a finished cycle.
    target: Option<i64>,
    warn_at: Option<DateTime<Utc>>,
    breached_at: Option<DateTime<Utc>>,
    previous: Option<CycleOutcome>,
}

impl Default for Track {
    fn default() -> Self {
        Track {
            cycle: 0,
            phase: Phase::Idle,
            running: false,
            seg_b: 0,
            seg_t: DateTime::<Utc>::MIN_UTC,
            base: 0,
            pause_b: 0,
            paused: 0,
            started_at: None,
            completed_at: None,
            target: None,
            warn_at: None,
            breached_at: None,
            previous: None,
        }
    }
}

impl Track {
    fn elapsed(&self, b: i64) -> i64 {
        if self.phase == Phase::Open && self.running {
            self.base + (b - self.seg_b)
        } else {
            self.base
        }
    }

    fn paused_total(&self, b: i64) -> i64 {
        if self.phase == Phase::Open && !self.running {
            self.paused + (b - self.pause_b)
        } else {
            self.paused
        }
    }

    /// When elapsed time reaches `x`: inside the running segment if it got
    /// there in it, else at `at` (the target was lowered below the time used).
    fn crossing(&self, x: i64, at: DateTime<Utc>, clk: &BizClock<'_>) -> Result<DateTime<Utc>> {
        if self.running && self.base <= x {
            self.at_elapsed(x, clk)
        } else {
            Ok(at)
        }
    }

    /// The instant the running segment brings elapsed time to `x`.
    fn at_elapsed(&self, x: i64, clk: &BizClock<'_>) -> Result<DateTime<Utc>> {
        // `add` answers the earliest such instant, which for x == base may
        // lie in closed time before the segment began; the segment start bounds it.
        Ok(clk.instant(self.seg_b + x - self.base)?.max(self.seg_t))
    }

    fn start(&mut self, b: i64, at: DateTime<Utc>, running: bool) {
        if matches!(self.phase, Phase::Completed | Phase::Cancelled) {
            self.previous = Some(self.outcome());
        }
        *self = Track {
            cycle: self.cycle + 1,
            phase: Phase::Open,
            running,
            seg_b: b,
            seg_t: at,
            pause_b: b,
            started_at: Some(at),
            previous: self.previous,
            ..Track::default()
        };
    }

    fn set_running(&mut self, running: bool, b: i64, at: DateTime<Utc>) {
        if self.running == running {
            return;
        }
        if self.running {
            self.base += b - self.seg_b;
            self.pause_b = b;
        } else {
            self.paused += b - self.pause_b;
            self.seg_b = b;
            self.seg_t = at;
        }
        self.running = running;
    }

    fn split(&mut self, b: i64, at: DateTime<Utc>) {
        if self.running {
            self.base += b - self.seg_b;
            self.seg_b = b;
            self.seg_t = at;
        }
    }

    fn complete(&mut self, b: i64, at: DateTime<Utc>, target: Option<i64>) {
        if !self.running {
            self.paused += b - self.pause_b;
        }
        self.close_counted(b, target, Phase::Completed);
        self.completed_at = Some(at);
    }

    fn cancel(&mut self, b: i64, target: Option<i64>) {
        if !self.running {
            self.paused += b - self.pause_b;
        }
        self.close_counted(b, target, Phase::Cancelled);
    }

    fn close_counted(&mut self, b: i64, target: Option<i64>, phase: Phase) {
        if self.running {
            self.base += b - self.seg_b;
        }
        self.running = false;
        self.pause_b = b;
        self.phase = phase;
        self.target = target;
    }

    fn resume(&mut self, b: i64, at: DateTime<Utc>, running: bool) {
        self.phase = Phase::Open;
        self.completed_at = None;
        self.running = running;
        self.seg_b = b;
        self.seg_t = at;
        self.pause_b = b;
    }

    fn outcome(&self) -> CycleOutcome {
        let state = match (self.phase, self.breached_at) {
            (_, Some(_)) => MetricState::Breached,
            (Phase::Completed, None) => MetricState::Met,
            _ => MetricState::NotApplicable,
        };
        CycleOutcome {
            cycle: self.cycle,
            state,
            completed_at: self.completed_at,
            warn_at: self.warn_at,
            breached_at: self.breached_at,
        }
    }
}

impl MetricStatus {
    fn empty(metric: Metric) -> Self {
        MetricStatus {
            metric,
            state: MetricState::NotApplicable,
            cycle: 0,
            target: None,
            due: None,
            warn_at: None,
            started_at: None,
            elapsed: Duration::zero(),
            paused: Duration::zero(),
            remaining: None,
            met_at: None,
            breached_at: None,
            completed_at: None,
            previous: None,
        }
    }
}
