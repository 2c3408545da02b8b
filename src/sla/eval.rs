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
use crate::calendar::{BusinessCalendar, CalendarError, Mark, YearHint, datetime_from_secs};
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
/// use helpdesk::BusinessDuration;
/// use helpdesk::sla::{evaluate, Metric, MetricPolicy, MetricState, SlaPolicy};
/// use helpdesk::ticket::{EventActor, EventKind, Lifecycle, TicketCreated, TicketEvent};
/// use helpdesk::{BusinessCalendar, CustomerId, EventId, TicketId};
/// # let created: TicketEvent = helpdesk::doc_support::created_event("2026-03-06T14:00:00Z".parse()?);
/// // `created` is the ticket's `Created` event (Friday 14:00 UTC).
/// let policy = SlaPolicy::new("standard")
///     .first_response(MetricPolicy::new(BusinessDuration::hours(4)));
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
    evaluate_events(policy, calendar, lifecycle, events, now, &[]).map(|(status, _)| status)
}

/// [`evaluate`] over events in any container, also reporting when each of
/// `watches` (points on a metric's clock, such as escalation triggers) is
/// or will be reached in the metric's current cycle.
///
/// The desk holds a ticket's stored timeline and a command's new events
/// apart, and joining them for every command would copy the whole history.
pub(crate) fn evaluate_events<'a>(
    policy: &SlaPolicy,
    calendar: &BusinessCalendar,
    lifecycle: &Lifecycle,
    events: impl IntoIterator<Item = &'a TicketEvent>,
    now: DateTime<Utc>,
    watches: &[Watch],
) -> Result<(SlaStatus, Vec<Reached>)> {
    let mut rest = events.into_iter();
    let Some(first) = rest.next() else {
        return Err(Error::internal(
            "an SLA evaluation needs the ticket's events",
        ));
    };
    let EventKind::Created(created) = &first.kind else {
        return Err(Error::corrupt(
            format!(
                "ticket {} does not start with a created event",
                first.ticket_id
            ),
            None,
        ));
    };
    // The 24/7 calendar's business time is real time: no lookups needed.
    let always_open = matches!(policy.calendar, super::CalendarRef::AlwaysOpen);
    let mut clk = BizClock::new(calendar, always_open, first.at);
    let mps: [Option<&MetricPolicy>; 4] = Metric::ALL.map(|m| policy.metric(m));
    let mut priority = created.priority;
    let mut ctx = Ctx {
        mps,
        lims: [None; 4],
    };
    ctx.lims = ctx.limits(priority);
    let mut st = StatusInfo::of(&ctx, lifecycle, &created.status);
    let mut tracks = [Track::default(); 4];
    let mut marks = Marks::new(watches);
    let mut replied = false;
    for m in [Metric::FirstResponse, Metric::Resolution] {
        if ctx.measured(m) {
            start(&mut tracks, &mut marks, m.index(), 0, first.at, st.runs(m));
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
                        check(tr, &mut marks, i, ctx.lims[i], b, at, &clk)?;
                        tr.complete(b, at, ctx.target(i));
                    }
                }
                if ctx.mps[PU].is_some() && st.cat != Some(StatusCategory::Done) {
                    let runs = st.runs(Metric::PeriodicUpdate);
                    start(&mut tracks, &mut marks, PU, b, at, runs);
                }
                replied = true;
            }
            EventKind::CustomerMessage { .. }
                if replied && ctx.mps[NR].is_some() && tracks[NR].phase != Phase::Open =>
            {
                let b = clk.b(at)?;
                let runs = st.runs(Metric::NextResponse);
                start(&mut tracks, &mut marks, NR, b, at, runs);
            }
            EventKind::StatusChanged { to, .. } => {
                let new = StatusInfo::of(&ctx, lifecycle, to);
                let was_done = st.cat == Some(StatusCategory::Done);
                let now_done = new.cat == Some(StatusCategory::Done);
                st = new;
                if !tracks.iter().any(|t| t.phase != Phase::Idle) && ctx.mps[PU].is_none() {
                    continue;
                }
                let b = clk.b(at)?;
                if now_done && !was_done {
                    for (i, tr) in tracks.iter_mut().enumerate() {
                        if tr.phase == Phase::Open {
                            check(tr, &mut marks, i, ctx.lims[i], b, at, &clk)?;
                            let t = ctx.target(i);
                            if i == RES {
                                tr.complete(b, at, t);
                            } else {
                                tr.cancel(b, t);
                            }
                        }
                    }
                } else if was_done && !now_done {
                    if ctx.mps[RES].is_some() && tracks[RES].phase != Phase::Open {
                        let r = st.runs(Metric::Resolution);
                        match (policy.reopen, tracks[RES].phase) {
                            (Reopen::Continue, Phase::Completed) => tracks[RES].resume(b, at, r),
                            _ => start(&mut tracks, &mut marks, RES, b, at, r),
                        }
                    }
                    if replied && ctx.mps[PU].is_some() && tracks[PU].phase != Phase::Open {
                        let runs = st.runs(Metric::PeriodicUpdate);
                        start(&mut tracks, &mut marks, PU, b, at, runs);
                    }
                }
                for (i, tr) in tracks.iter_mut().enumerate() {
                    if tr.phase != Phase::Open {
                        continue;
                    }
                    let r = st.runs(Metric::ALL[i]);
                    if tr.running && !r {
                        check(tr, &mut marks, i, ctx.lims[i], b, at, &clk)?;
                    }
                    tr.set_running(r, b, at);
                }
            }
            EventKind::PriorityChanged { to, .. } => {
                if *to == priority {
                    continue;
                }
                let new = ctx.limits(*to);
                if tracks.iter().any(|t| t.phase == Phase::Open) {
                    let b = clk.b(at)?;
                    for (i, tr) in tracks.iter_mut().enumerate() {
                        if tr.phase == Phase::Open {
                            // Close the old target's account up to the change, then
                            // measure the carried-over time against the new one.
                            check(tr, &mut marks, i, ctx.lims[i], b, at, &clk)?;
                            tr.split(b, at);
                            check(tr, &mut marks, i, new[i], b, at, &clk)?;
                        }
                    }
                }
                priority = *to;
                ctx.lims = new;
            }
            _ => {}
        }
    }
    let now = now.max(clk.last_t);
    let b_now = clk.b(now)?;
    let mut next_deadline: Option<DateTime<Utc>> = None;
    let mut out = SlaStatus {
        policy: policy.name.clone(),
        at: now,
        metrics: Metric::ALL.map(MetricStatus::empty),
        next_deadline: None,
        next_due: None,
    };
    let mut next_due: Option<DateTime<Utc>> = None;
    for (i, (tr, s)) in tracks.iter_mut().zip(&mut out.metrics).enumerate() {
        let current = ctx.target(i);
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
                check(tr, &mut marks, i, ctx.lims[i], b_now, now, &clk)?;
                s.warn_at = tr.warn_at;
                s.breached_at = tr.breached_at;
                marks.project(tr, i, ctx.lims[i], &clk)?;
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
                    // An open cycle with a target has its limits in force.
                    let w = ctx.lims[i].map_or(t, |(_, w)| w);
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
        if let (Phase::Open, Some(due)) = (tr.phase, s.due) {
            next_due = Some(next_due.map_or(due, |d| d.min(due)));
        }
    }
    out.next_deadline = next_deadline;
    out.next_due = next_due;
    let reached = marks
        .reached
        .iter()
        .zip(watches)
        .map(|(at, w)| {
            let tr = &tracks[w.metric.index()];
            Reached {
                cycle: tr.cycle,
                at: at.filter(|_| tr.phase == Phase::Open),
            }
        })
        .collect();
    Ok((out, reached))
}

/// Whether [`evaluate_events`] reads events of this kind: the rest (tags,
/// watchers, moves, notes, SLA and escalation records) leave every clock
/// where it was. Kept beside the evaluation's `match`, which it mirrors.
pub(crate) fn clock_reads(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Created(_)
            | EventKind::Reply { .. }
            | EventKind::CustomerMessage { .. }
            | EventKind::StatusChanged { .. }
            | EventKind::PriorityChanged { .. }
    )
}

/// A point on a metric's clock to watch: the desk's escalation triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Watch {
    pub(crate) metric: Metric,
    pub(crate) point: ClockPoint,
}

/// Where on a metric's clock a point lies, relative to its target (so it
/// moves with the target when the priority changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClockPoint {
    /// This percentage of the target.
    Percent(u32),
    /// This many business seconds after the due (negative: before it).
    FromDue(i64),
}

impl ClockPoint {
    /// The elapsed business time at which the point lies, for target `t`;
    /// never negative (a point before the start lies at the start).
    fn threshold(self, t: i64) -> i64 {
        match self {
            ClockPoint::Percent(p) => t * i64::from(p) / 100,
            ClockPoint::FromDue(d) => t + d,
        }
        .max(0)
    }
}

/// When a watched point is reached in its metric's current cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reached {
    /// The metric's current cycle (0: none started).
    pub(crate) cycle: u32,
    /// When it was reached (at or before the evaluation instant), or will be
    /// if the clock keeps running; `None` when the cycle is over (met, or
    /// ended by resolving), when it is not reached and the clock is stopped,
    /// or when the metric has no target.
    pub(crate) at: Option<DateTime<Utc>>,
}

/// The watched points' crossings, kept beside the tracks.
struct Marks<'w> {
    watches: &'w [Watch],
    reached: Vec<Option<DateTime<Utc>>>,
}

impl<'w> Marks<'w> {
    fn new(watches: &'w [Watch]) -> Self {
        Marks {
            watches,
            reached: vec![None; watches.len()],
        }
    }

    /// Forgets the crossings of metric `i`: a new cycle starts.
    fn reset(&mut self, i: usize) {
        for (w, r) in self.watches.iter().zip(&mut self.reached) {
            if w.metric.index() == i {
                *r = None;
            }
        }
    }

    /// Records the crossings of metric `i` up to business time `b` (at
    /// `at`), as [`Track::check`] does for the warning and the due.
    #[allow(clippy::many_single_char_names)] // the letters of the module docs, as in Track::check
    fn check(
        &mut self,
        tr: &Track,
        i: usize,
        lim: Option<(i64, i64)>,
        b: i64,
        at: DateTime<Utc>,
        clk: &BizClock<'_>,
    ) -> Result<(), CalendarError> {
        let Some((t, _)) = lim else { return Ok(()) };
        let e = tr.elapsed(b);
        for (w, r) in self.watches.iter().zip(&mut self.reached) {
            let x = w.point.threshold(t);
            if w.metric.index() == i && r.is_none() && e >= x {
                *r = Some(tr.crossing(x, at, clk)?);
            }
        }
        Ok(())
    }

    /// Projects the points of a running metric `i` not reached yet.
    fn project(
        &mut self,
        tr: &Track,
        i: usize,
        lim: Option<(i64, i64)>,
        clk: &BizClock<'_>,
    ) -> Result<(), CalendarError> {
        let (Some((t, _)), true) = (lim, tr.running) else {
            return Ok(());
        };
        for (w, r) in self.watches.iter().zip(&mut self.reached) {
            if w.metric.index() == i && r.is_none() {
                *r = Some(tr.at_elapsed(w.point.threshold(t), clk)?);
            }
        }
        Ok(())
    }
}

/// [`Track::check`] of metric `i` and its watched points.
fn check(
    tr: &mut Track,
    marks: &mut Marks<'_>,
    i: usize,
    lim: Option<(i64, i64)>,
    b: i64,
    at: DateTime<Utc>,
    clk: &BizClock<'_>,
) -> Result<(), CalendarError> {
    tr.check(lim, b, at, clk)?;
    marks.check(tr, i, lim, b, at, clk)
}

/// Starts a new cycle of metric `i`.
fn start(
    tracks: &mut [Track; 4],
    marks: &mut Marks<'_>,
    i: usize,
    b: i64,
    at: DateTime<Utc>,
    running: bool,
) {
    tracks[i].start(b, at, running);
    marks.reset(i);
}

/// Business time since creation, `B(t) = between(created, t)`, for
/// instants asked in (mostly) increasing order.
///
/// It remembers where the last instant asked stands in the calendar (a
/// [`Mark`]), so the next lookup is one search and a difference, and the
/// open block after it, so instants before that block ends cost no lookup
/// at all: a ticket's events cluster within a few blocks.
struct BizClock<'a> {
    cal: &'a BusinessCalendar,
    always_open: bool,
    t0: DateTime<Utc>,
    /// `t0` in whole seconds, kept to spare a date conversion per event.
    t0_s: i64,
    /// `t0`'s year, where the 24/7 dues usually fall.
    t0_year: YearHint,
    /// `t0`'s mark, from which dues are found; `None` when the calendar
    /// cannot place `t0` (the calendar's own calls then report why).
    origin: Option<Mark>,
    last_t: DateTime<Utc>,
    /// `last_t` in whole seconds, truncated as the calendar does.
    last_s: i64,
    last_b: i64,
    /// `last_t`'s mark (its `block` is the one after the last lookup, and
    /// `last_s` never passes its end).
    last: Option<Mark>,
}

impl<'a> BizClock<'a> {
    fn new(cal: &'a BusinessCalendar, always_open: bool, t0: DateTime<Utc>) -> Self {
        let origin = if always_open { None } else { cal.mark(t0).ok() };
        let t0_s = t0.timestamp();
        BizClock {
            cal,
            always_open,
            t0,
            t0_s,
            t0_year: YearHint::of(t0),
            origin,
            last_t: t0,
            last_s: t0_s,
            last_b: 0,
            last: origin,
        }
    }

    // Inlined (always: `evaluate` is too big for the heuristics to agree):
    // called for most events, and the call with its `Result` return cost
    // about as much as the fast paths themselves.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn b(&mut self, t: DateTime<Utc>) -> Result<i64, CalendarError> {
        if t == self.last_t {
            return Ok(self.last_b);
        }
        let s = t.timestamp();
        if self.always_open {
            self.last_b = s - self.t0_s;
        } else {
            match self.last {
                // Within the last block, or in the closed time before it.
                Some(last) if s >= self.last_s && s < last.block.1 => {
                    let d = (s - last.block.0.max(self.last_s)).max(0);
                    self.last_b += d;
                    self.last = Some(last.advanced(d));
                }
                _ => self.last_b += self.step(t)?,
            }
        }
        self.last_t = t;
        self.last_s = s;
        Ok(self.last_b)
    }

    /// Business time from `last_t` to `t` by asking the calendar, which
    /// also moves the remembered mark; kept out of line so that `b`'s
    /// fast paths stay small enough to inline.
    #[inline(never)]
    fn step(&mut self, t: DateTime<Utc>) -> Result<i64, CalendarError> {
        if let (Some(last), Ok(mark)) = (self.last, self.cal.mark(t)) {
            self.last = Some(mark);
            return Ok(self.cal.between_marks(last, mark));
        }
        // An instant the calendar cannot place: `between` says which.
        let d = self.cal.between(self.last_t, t)?.num_seconds();
        self.last = self.cal.mark(t).ok();
        Ok(d)
    }

    /// The earliest instant at which `b` business seconds since creation are used up.
    fn instant(&self, b: i64) -> Result<DateTime<Utc>, CalendarError> {
        if self.always_open {
            if let Some(t) = datetime_from_secs(self.t0_s + b.max(0), self.t0_year) {
                return Ok(t);
            }
        } else if let (true, Some(origin)) = (b > 0, self.origin) {
            return self.cal.add_to_mark(origin, b);
        }
        self.cal.add(self.t0, Duration::seconds(b.max(0)))
    }
}

struct Ctx<'a> {
    mps: [Option<&'a MetricPolicy>; 4],
    /// Per metric, `(target, warn_after)` in seconds at the current
    /// priority: resolved once per priority rather than at every check.
    lims: [Option<(i64, i64)>; 4],
}

impl Ctx<'_> {
    fn measured(&self, m: Metric) -> bool {
        self.mps[m.index()].is_some()
    }

    fn runs(&self, m: Metric, s: &StatusId, cat: Option<StatusCategory>) -> bool {
        cat != Some(StatusCategory::Done)
            && self.mps[m.index()].is_some_and(|mp| !mp.pauses(m, s, cat))
    }

    fn limits(&self, p: Priority) -> [Option<(i64, i64)>; 4] {
        // A plain loop: `array::map` went through a generic `try_map` that
        // cost a few more instructions per metric (runs once per priority).
        let mut out = [None; 4];
        for (lim, mp) in out.iter_mut().zip(self.mps) {
            if let Some((mp, t)) = mp.and_then(|mp| Some((mp, mp.target_for(p)?.as_secs()))) {
                *lim = Some((t, mp.warn_after(t)));
            }
        }
        out
    }

    /// The target of metric `i` at the current priority.
    fn target(&self, i: usize) -> Option<i64> {
        self.lims[i].map(|(t, _)| t)
    }
}

/// What a status means to the metrics: its category and which metrics'
/// clocks run in it.
#[derive(Debug, Clone, Copy)]
struct StatusInfo {
    cat: Option<StatusCategory>,
    /// Bit `i` set when metric `i` runs.
    runs: u8,
}

impl StatusInfo {
    fn of(ctx: &Ctx<'_>, lifecycle: &Lifecycle, id: &StatusId) -> Self {
        let cat = lifecycle.category(id);
        let mut runs = 0;
        for m in Metric::ALL {
            if ctx.runs(m, id, cat) {
                runs |= 1 << m.index();
            }
        }
        StatusInfo { cat, runs }
    }

    fn runs(self, m: Metric) -> bool {
        self.runs & (1 << m.index()) != 0
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
    #[allow(clippy::many_single_char_names)] // the letters of the module docs: b(t), target t, warning w
    /// Records the instants at which the cycle reached its warning threshold
    /// and its target `lim` (`(target, warn_after)`), if it has by `b`
    /// (business time at `at`).
    #[inline]
    fn check(
        &mut self,
        lim: Option<(i64, i64)>,
        b: i64,
        at: DateTime<Utc>,
        clk: &BizClock<'_>,
    ) -> Result<(), CalendarError> {
        let Some((t, w)) = lim else {
            return Ok(());
        };
        let e = self.elapsed(b);
        if self.warn_at.is_none() && e >= w {
            self.warn_at = Some(self.crossing(w, at, clk)?);
        }
        if self.breached_at.is_none() && e >= t {
            self.breached_at = Some(self.crossing(t, at, clk)?);
        }
        Ok(())
    }

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
    fn crossing(
        &self,
        x: i64,
        at: DateTime<Utc>,
        clk: &BizClock<'_>,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if self.running && self.base <= x {
            self.at_elapsed(x, clk)
        } else {
            Ok(at)
        }
    }

    /// The instant the running segment brings elapsed time to `x`.
    fn at_elapsed(&self, x: i64, clk: &BizClock<'_>) -> Result<DateTime<Utc>, CalendarError> {
        // `add` answers the earliest such instant, which for x == base may
        // lie in closed time before the segment began; the segment start bounds it.
        Ok(clk.instant(self.seg_b + x - self.base)?.max(self.seg_t))
    }

    fn start(&mut self, b: i64, at: DateTime<Utc>, running: bool) {
        if matches!(self.phase, Phase::Completed | Phase::Cancelled) {
            self.previous = Some(self.outcome());
        }
        // Field by field rather than a fresh `Track`: this runs at every
        // reply and the whole-struct copy showed up in profiles.
        self.cycle += 1;
        self.phase = Phase::Open;
        self.running = running;
        self.seg_b = b;
        self.seg_t = at;
        self.base = 0;
        self.pause_b = b;
        self.paused = 0;
        self.started_at = Some(at);
        self.completed_at = None;
        self.target = None;
        self.warn_at = None;
        self.breached_at = None;
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

#[cfg(test)]
mod tests {
    use chrono::Weekday;

    use super::*;
    use crate::BusinessDuration;
    use crate::doc_support::created_event as doc_created_event;
    use crate::id::{AgentId, CustomerId, EventId};
    use crate::priority::PriorityOrigin;
    use crate::sla::{CalendarRef, SlaConfig, Warning};
    use crate::ticket::EventActor;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// A timeline under construction.
    struct H(Vec<TicketEvent>);

    impl H {
        fn new(at: &str) -> H {
            H(vec![doc_created_event(t(at))])
        }
        fn push(&mut self, at: &str, kind: EventKind) -> &mut Self {
            let first = &self.0[0];
            let actor = match kind {
                EventKind::CustomerMessage { .. } => EventActor::Requester(CustomerId::new()),
                _ => EventActor::Agent(AgentId::new()),
            };
            self.0.push(TicketEvent {
                id: EventId::new(),
                ticket_id: first.ticket_id,
                seq: self.0.len() as u64 + 1,
                at: t(at),
                actor,
                kind,
            });
            self
        }
        fn reply(&mut self, at: &str) -> &mut Self {
            self.push(at, EventKind::Reply { body: "hi".into() })
        }
        fn message(&mut self, at: &str) -> &mut Self {
            self.push(
                at,
                EventKind::CustomerMessage {
                    body: "?".into(),
                    channel: crate::ticket::Channel::Email,
                },
            )
        }
        fn status(&mut self, at: &str, from: &str, to: &str) -> &mut Self {
            self.push(
                at,
                EventKind::StatusChanged {
                    from: from.into(),
                    to: to.into(),
                    reason: None,
                },
            )
        }
        fn priority(&mut self, at: &str, from: Priority, to: Priority) -> &mut Self {
            self.push(
                at,
                EventKind::PriorityChanged {
                    from,
                    to,
                    origin: PriorityOrigin::Manual {
                        agent: None,
                        reason: "test".into(),
                    },
                    explanation: String::new(),
                },
            )
        }
    }

    fn office() -> BusinessCalendar {
        let mut b = BusinessCalendar::builder("America/New_York");
        for d in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            b = b.hours(d, &["09:00-17:00"]);
        }
        b.build().unwrap()
    }

    fn eval(p: &SlaPolicy, cal: &BusinessCalendar, h: &H, now: &str) -> SlaStatus {
        evaluate(p, cal, &Lifecycle::default(), &h.0, t(now)).unwrap()
    }

    fn policy() -> SlaPolicy {
        SlaPolicy::new("p")
            .calendar(CalendarRef::Named("office".into()))
            .first_response(MetricPolicy::new(BusinessDuration::minutes(30)))
            .resolution(
                MetricPolicy::new(BusinessDuration::hours(16))
                    .with_target(Priority::High, BusinessDuration::hours(8))
                    .with_target(Priority::Critical, BusinessDuration::hours(2)),
            )
    }

    #[test]
    fn business_clock_agrees_with_between() {
        let mut b = BusinessCalendar::builder("America/New_York");
        for d in [Weekday::Mon, Weekday::Tue, Weekday::Fri] {
            b = b.hours(d, &["09:00-12:00", "13:00-17:00"]);
        }
        let cal = b
            .hours(Weekday::Sat, &["22:00-24:00"])
            .hours(Weekday::Sun, &["00:00-03:00"])
            .holiday(chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap())
            .build()
            .unwrap();
        let t0 = t("2026-03-02T14:00:00.250Z");
        let mut clk = BizClock::new(&cal, false, t0);
        // A deterministic walk over three weeks across the DST switch, with
        // sub-second instants, repeats and an occasional step back.
        let mut at = t0;
        let mut x: i64 = 7;
        for i in 0..2000 {
            x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
            let step = match i % 5 {
                0 => x % 60,
                1 => x % 3_600,
                2 => 0,
                3 => x % 40_000,
                _ => -(x % 300),
            };
            at += Duration::seconds(step) + Duration::milliseconds(x % 1000);
            let want = cal.between(t0, at).unwrap().num_seconds();
            assert_eq!(clk.b(at).unwrap(), want, "at {at}");
        }
        // Dues from the creation's mark, within the weeks walked and past them.
        for b in [-5, 0, 1, 3_599, 3_600, 25_200, 250_000, 40_000_000] {
            let want = cal.add(t0, Duration::seconds(b.max(0))).unwrap();
            assert_eq!(clk.instant(b).unwrap(), want, "b {b}");
        }
        let always = BusinessCalendar::always_open();
        let clk = BizClock::new(&always, true, t0);
        for b in [-5, 0, 1, 40_000_000] {
            let want = always.add(t0, Duration::seconds(b.max(0))).unwrap();
            assert_eq!(clk.instant(b).unwrap(), want, "b {b}");
        }
    }

    #[test]
    fn empty_or_headless_history_is_an_error() {
        let p = policy();
        assert!(
            evaluate(
                &p,
                &office(),
                &Lifecycle::default(),
                &[],
                t("2026-03-02T14:00:00Z")
            )
            .is_err()
        );
        let mut h = H::new("2026-03-02T14:00:00Z");
        h.reply("2026-03-02T14:10:00Z");
        assert!(
            evaluate(
                &p,
                &office(),
                &Lifecycle::default(),
                &h.0[1..],
                t("2026-03-02T15:00:00Z")
            )
            .is_err()
        );
    }

    #[test]
    fn reply_one_second_before_the_due_meets_and_at_the_due_breaches() {
        let p = policy();
        let cal = office();
        // Monday 2026-03-02 10:00 EST = 15:00Z; due 10:30.
        let mut h = H::new("2026-03-02T15:00:00Z");
        h.reply("2026-03-02T15:29:59Z");
        let s = eval(&p, &cal, &h, "2026-03-02T16:00:00Z");
        let fr = s.metric(Metric::FirstResponse);
        assert_eq!(fr.state, MetricState::Met);
        assert_eq!(fr.met_at, Some(t("2026-03-02T15:29:59Z")));
        assert_eq!(fr.breached_at, None);

        let mut h = H::new("2026-03-02T15:00:00Z");
        h.reply("2026-03-02T15:30:00Z");
        let fr = *eval(&p, &cal, &h, "2026-03-02T16:00:00Z").metric(Metric::FirstResponse);
        assert_eq!(fr.state, MetricState::Breached);
        assert_eq!(fr.breached_at, Some(t("2026-03-02T15:30:00Z")));
        assert_eq!(fr.met_at, None);
        assert_eq!(fr.completed_at, Some(t("2026-03-02T15:30:00Z")));
    }

    #[test]
    fn running_metric_breaches_when_now_reaches_the_due() {
        let p = policy();
        let h = H::new("2026-03-02T15:00:00Z");
        let s = eval(&p, &office(), &h, "2026-03-02T15:29:59Z");
        assert_eq!(s.metric(Metric::FirstResponse).state, MetricState::Running);
        assert_eq!(s.next_deadline, Some(t("2026-03-02T15:30:00Z")));
        let s = eval(&p, &office(), &h, "2026-03-02T15:30:00Z");
        assert_eq!(s.metric(Metric::FirstResponse).state, MetricState::Breached);
        // Resolution's warning (80% of 16h = 12h48m) is what comes next.
        assert_eq!(s.next_deadline, s.metric(Metric::Resolution).warn_at);
    }

    #[test]
    fn first_response_ignores_pending_unless_configured() {
        let cal = office();
        let mut h = H::new("2026-03-02T15:00:00Z");
        h.status("2026-03-02T15:10:00Z", "new", "pending");
        let s = eval(&policy(), &cal, &h, "2026-03-02T15:20:00Z");
        assert_eq!(s.metric(Metric::FirstResponse).state, MetricState::Running);
        assert_eq!(s.metric(Metric::Resolution).state, MetricState::Paused);
        assert_eq!(s.metric(Metric::Resolution).paused, Duration::minutes(10));

        let p = policy().first_response(
            MetricPolicy::new(BusinessDuration::minutes(30)).pause([StatusId::new("pending")]),
        );
        let fr = *eval(&p, &cal, &h, "2026-03-02T15:20:00Z").metric(Metric::FirstResponse);
        assert_eq!(
            (fr.state, fr.elapsed, fr.due),
            (MetricState::Paused, Duration::minutes(10), None)
        );
    }

    #[test]
    fn warning_before_due_and_priority_without_target() {
        let p = SlaPolicy::new("p").resolution(
            MetricPolicy {
                target: None,
                ..MetricPolicy::new(BusinessDuration::hours(1))
            }
            .with_target(Priority::High, BusinessDuration::hours(4))
            .warning(Warning::Before(BusinessDuration::minutes(30))),
        );
        let cal = BusinessCalendar::always_open();
        let h = H::new("2026-03-02T15:00:00Z");
        // Medium has no resolution target.
        let res = *eval(&p, &cal, &h, "2026-03-02T16:00:00Z").metric(Metric::Resolution);
        assert_eq!(
            (res.state, res.target, res.elapsed),
            (MetricState::NotApplicable, None, Duration::hours(1))
        );
        let mut h = H::new("2026-03-02T15:00:00Z");
        h.priority("2026-03-02T16:00:00Z", Priority::Medium, Priority::High);
        let res = *eval(&p, &cal, &h, "2026-03-02T16:00:00Z").metric(Metric::Resolution);
        assert_eq!(res.due, Some(t("2026-03-02T19:00:00Z")));
        assert_eq!(res.warn_at, Some(t("2026-03-02T18:30:00Z")));
    }

    #[test]
    fn lowering_the_target_below_time_used_breaches_at_the_change_not_before() {
        let p = policy();
        let cal = office();
        // Monday 10:00 EST open; 3h used by 13:00; Critical's 2h is already past.
        let mut h = H::new("2026-03-02T15:00:00Z");
        h.priority("2026-03-02T18:00:00Z", Priority::Medium, Priority::Critical);
        let res = *eval(&p, &cal, &h, "2026-03-02T18:30:00Z").metric(Metric::Resolution);
        assert_eq!(res.state, MetricState::Breached);
        assert_eq!(res.breached_at, Some(t("2026-03-02T18:00:00Z")));
        assert_eq!(res.warn_at, Some(t("2026-03-02T18:00:00Z")));
        assert_eq!(res.remaining, Some(Duration::zero()));
    }

    #[test]
    fn lowering_priority_extends_the_due() {
        let p = policy();
        let cal = office();
        let mut h = H::new("2026-03-02T15:00:00Z");
        h.priority("2026-03-02T15:00:00Z", Priority::Medium, Priority::High)
            .priority("2026-03-02T17:00:00Z", Priority::High, Priority::Medium);
        let res = *eval(&p, &cal, &h, "2026-03-02T17:00:00Z").metric(Metric::Resolution);
        assert_eq!(res.target, Some(Duration::hours(16)));
        assert_eq!(res.elapsed, Duration::hours(2));
        // 14h left from Mon 12:00 EST: 5h Mon + 8h Tue + 1h Wed -> Wed 10:00 EST.
        assert_eq!(res.due, Some(t("2026-03-04T15:00:00Z")));
    }

    #[test]
    fn resolving_before_any_reply_leaves_first_response_not_applicable() {
        let p = policy();
        let mut h = H::new("2026-03-02T15:00:00Z");
        h.status("2026-03-02T15:05:00Z", "new", "resolved");
        let s = eval(&p, &office(), &h, "2026-03-02T18:00:00Z");
        assert_eq!(
            s.metric(Metric::FirstResponse).state,
            MetricState::NotApplicable
        );
        assert_eq!(s.metric(Metric::Resolution).state, MetricState::Met);
        assert_eq!(s.next_deadline, None);
    }

    #[test]
    fn next_response_waits_for_the_first_reply() {
        let p = policy().next_response(MetricPolicy::new(BusinessDuration::hours(1)));
        let cal = BusinessCalendar::always_open();
        let mut h = H::new("2026-03-02T15:00:00Z");
        h.message("2026-03-02T15:05:00Z");
        let nr = *eval(&p, &cal, &h, "2026-03-02T15:10:00Z").metric(Metric::NextResponse);
        assert_eq!((nr.state, nr.cycle), (MetricState::NotApplicable, 0));
        h.reply("2026-03-02T15:20:00Z")
            .message("2026-03-02T16:00:00Z")
            .message("2026-03-02T16:10:00Z");
        let nr = *eval(&p, &cal, &h, "2026-03-02T16:30:00Z").metric(Metric::NextResponse);
        // The second message joins the cycle the first one started.
        assert_eq!(
            (nr.state, nr.cycle, nr.elapsed),
            (MetricState::Running, 1, Duration::minutes(30))
        );
        assert_eq!(nr.due, Some(t("2026-03-02T17:00:00Z")));
        h.reply("2026-03-02T16:40:00Z")
            .message("2026-03-02T17:00:00Z");
        let nr = *eval(&p, &cal, &h, "2026-03-02T17:00:00Z").metric(Metric::NextResponse);
        assert_eq!(nr.cycle, 2);
        assert_eq!(nr.previous.unwrap().state, MetricState::Met);
    }

    #[test]
    fn events_after_now_raise_now() {
        let p = policy();
        let mut h = H::new("2026-03-02T15:00:00Z");
        h.reply("2026-03-02T15:10:00Z");
        let s = eval(&p, &office(), &h, "2026-03-02T14:00:00Z");
        assert_eq!(s.at, t("2026-03-02T15:10:00Z"));
        assert_eq!(s.metric(Metric::Resolution).elapsed, Duration::minutes(10));
    }

    #[test]
    fn config_errors_name_path_and_value() {
        let cases = [
            (
                r#"default = "x"
                [[policies]]
                name = "p"
                calendar = "ofice"
                first_response = { target = "1h" }"#,
                &["policies[0].calendar", "ofice"][..],
            ),
            (
                r#"default = "x"
                [[policies]]
                name = "p"
                first_response = { target = "1h" }"#,
                &["at default:", "(value: x)"],
            ),
            (
                r#"default = "p"
                [[policies]]
                name = "p"
                first_response = { target = "2d" }"#,
                &[
                    "at policies[0].first_response.target:",
                    "(value: 2d)",
                    "hours",
                ],
            ),
            (
                r#"default = "p"
                [[policies]]
                name = "p"
                resolution = { targets = { high = "0m" } }"#,
                &["policies[0].resolution.targets.high", "0m"],
            ),
            (
                r#"default = "p"
                [[policies]]
                name = "p"
                resolution = { target = "1h", warning = "0%" }"#,
                &["policies[0].resolution.warning", "0%"],
            ),
            (
                r#"default = "p"
                [[policies]]
                name = "p"
                resolution = { warning = "50%" }"#,
                &["policies[0].resolution", "target"],
            ),
            (
                r#"default = "p"
                [[policies]]
                name = "p"
                [[policies]]
                name = "p""#,
                &["policies[1].name", "duplicate"],
            ),
            (
                r#"default = "p"
                [[policies]]
                name = "p"
                calendar = { time_zone = "Mars/Olympus" }"#,
                &["Mars/Olympus"],
            ),
        ];
        for (toml, wants) in cases {
            let e = SlaConfig::from_toml(toml).unwrap_err().to_string();
            for w in wants {
                assert!(e.contains(w), "{e} should mention {w}");
            }
        }
    }

    #[test]
    fn json_inline_calendar_and_pause_validation() {
        let c = SlaConfig::from_json(
            r#"{"default": "p", "policies": [{"name": "p",
                "calendar": {"time_zone": "Europe/Paris", "week": {"mon": ["09:00-17:00"]}},
                "resolution": {"target": "4h", "pause": ["waiting"]}}]}"#,
        )
        .unwrap();
        assert!(matches!(c.policies()[0].calendar, CalendarRef::Inline(_)));
        let e = c
            .validate_for(&Lifecycle::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("policies[0].resolution.pause[0]") && e.contains("waiting"),
            "{e}"
        );
    }

    #[test]
    fn selection_is_first_match_else_default() {
        let c = SlaConfig::from_toml(
            r#"default = "std"
            [[policies]]
            name = "vip"
            when = { requester_tier = ["vip"] }
            [[policies]]
            name = "std"
            when = { category = ["nothing-matches"] }"#,
        )
        .unwrap();
        let mut ticket =
            crate::Ticket::created(&doc_created_event(t("2026-03-02T15:00:00Z"))).unwrap();
        let s = c.select(&ticket);
        assert_eq!((s.policy.name.as_str(), s.matched), ("std", false));
        assert!(s.reason().contains("default"));
        std::sync::Arc::make_mut(&mut ticket.requester).tier = Some("VIP".into());
        let s = c.select(&ticket);
        assert_eq!((s.policy.name.as_str(), s.matched), ("vip", true));
    }
}
