//! [`MetricRow`]: one ticket's figures, derived from its timeline when a
//! command commits, so reports read rows and never replay.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::id::{AgentId, GroupId, TicketId, TicketRef};
use crate::priority::Priority;
use crate::sla::{Metric, MetricState, SlaStatus};
use crate::survey::{Score, SurveyHistory};
use crate::ticket::{
    Channel, EventActor, EventKind, Lifecycle, StatusCategory, StatusId, Ticket, TicketEvent,
};

/// A duration measured twice: in calendar seconds, and in business seconds
/// of the ticket's SLA calendar (open hours only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Elapsed {
    /// Every second between the two instants.
    pub calendar_secs: i64,
    /// The seconds of open time of the SLA calendar between them.
    pub business_secs: i64,
}

impl Elapsed {
    fn between(
        calendar: &BusinessCalendar,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> crate::Result<Elapsed> {
        Ok(Elapsed {
            calendar_secs: (b - a).num_seconds(),
            business_secs: calendar.between(a, b)?.num_seconds(),
        })
    }

    fn add(&mut self, other: Elapsed) {
        self.calendar_secs += other.calendar_secs;
        self.business_secs += other.business_secs;
    }
}

/// A period in which a ticket was unresolved: from its creation or a
/// reopening until its next resolution (`None`: still unresolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// When it began.
    pub from: DateTime<Utc>,
    /// When it ended, if it did.
    pub until: Option<DateTime<Utc>>,
}

impl Span {
    /// Whether the ticket was unresolved at the last instant before `t`:
    /// `from < t <= until`. This is "in the backlog at the end of a
    /// bucket that ends at `t`".
    pub fn open_just_before(&self, t: DateTime<Utc>) -> bool {
        self.from < t && self.until.is_none_or(|u| u >= t)
    }
}

/// How many cycles of one SLA metric were met and how many breached.
///
/// A cycle counts as breached once its due has passed, whether or not it
/// was fulfilled since (late) and whether or not it is still running: so
/// compliance does not look better while breaches are still open (JSM
/// counts them the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaCycles {
    /// Cycles fulfilled before their due.
    pub met: u32,
    /// Cycles whose due passed.
    pub breached: u32,
}

/// What the metric row needs to know besides the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MetricRules {
    /// Statuses in which the ticket waits on its requester (their time is
    /// agent wait time, Zendesk's "Pending"); default `["pending"]`. Every
    /// other status that is not Done (New, Open, On-hold, ...) is requester
    /// wait time.
    #[serde(default = "default_awaiting")]
    pub awaiting_requester: Vec<StatusId>,
}

fn default_awaiting() -> Vec<StatusId> {
    vec![StatusId::new("pending")]
}

impl Default for MetricRules {
    fn default() -> Self {
        MetricRules {
            awaiting_requester: default_awaiting(),
        }
    }
}

/// The inputs of [`MetricRow::from_timeline`] besides the timeline itself.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RowContext<'a> {
    /// The desk's lifecycle (which statuses are Done, which final).
    pub lifecycle: &'a Lifecycle,
    /// The calendar of the ticket's SLA policy (business seconds are
    /// counted in it); [`BusinessCalendar::always_open`] without SLA.
    pub calendar: &'a BusinessCalendar,
    /// The ticket's SLA status at `as_of`, when it has a policy.
    pub sla: Option<&'a SlaStatus>,
    /// The ticket's survey records.
    pub surveys: Option<&'a SurveyHistory>,
    /// Which statuses wait on the requester (default: Pending).
    pub rules: Option<&'a MetricRules>,
    /// The instant the row is written at (the commit's): open waits are
    /// counted up to it.
    pub as_of: DateTime<Utc>,
}

impl<'a> RowContext<'a> {
    /// A context without SLA status, survey records or custom rules.
    pub fn new(
        lifecycle: &'a Lifecycle,
        calendar: &'a BusinessCalendar,
        as_of: DateTime<Utc>,
    ) -> Self {
        RowContext {
            lifecycle,
            calendar,
            sla: None,
            surveys: None,
            rules: None,
            as_of,
        }
    }

    /// With the ticket's SLA status.
    pub fn sla(mut self, status: &'a SlaStatus) -> Self {
        self.sla = Some(status);
        self
    }

    /// With the ticket's survey records.
    pub fn surveys(mut self, history: &'a SurveyHistory) -> Self {
        self.surveys = Some(history);
        self
    }

    /// With rules other than the default.
    pub fn rules(mut self, rules: &'a MetricRules) -> Self {
        self.rules = Some(rules);
        self
    }
}

/// One ticket's figures, as of the last commit: the row the store writes
/// with every commit, and all a report reads.
///
/// Every duration is measured from the ticket's creation and given in
/// calendar seconds and in business seconds of the ticket's SLA calendar
/// ([`Elapsed`]). The definitions, with the convention each follows:
///
/// - **First reply** (Zendesk "first reply time"): creation to the first
///   public reply by an agent. Internal notes, customer messages and replies
///   by the system do not count.
/// - **First resolution** (Zendesk "first resolution time"): creation to
///   the first move into a status of category Done.
/// - **Full resolution** (Zendesk "full resolution time"): creation to the
///   latest move into a Done status. A ticket counts as resolved in
///   reports while it is in a Done status (resolved or closed).
/// - **Reopens** (Zendesk "reopens"): moves from a Done status back to one
///   that is not Done.
/// - **Agent replies** (Zendesk "agent replies"): public replies by agents.
///   A ticket resolved with fewer than 2 is *one-touch* (Zendesk counts
///   one-touch, exactly one reply, and zero-touch, none, apart; here they
///   are one figure, as the issue asks).
/// - **Requester wait** (Zendesk "requester wait time"): time in statuses
///   in which the requester waits on the desk: every status that is not
///   Done and not in [`MetricRules::awaiting_requester`] (New, Open,
///   On-hold). **Agent wait** (Zendesk "agent wait time"): time in the
///   statuses that wait on the requester (Pending). Time in Done statuses is
///   neither; an open wait is counted up to `as_of`.
/// - **SLA** ([`SlaCycles`]): per metric, cycles met and cycles breached,
///   from the timeline's `SlaMet` / `SlaBreached` events joined with the SLA
///   status at `as_of` (so a breach not recorded yet still counts).
///   Compliance is met / (met + breached), JSM's "SLA success".
/// - **Rating**: the requester's latest rating, of any cycle; and the
///   latest invitation, to measure the response rate.
///
/// Dimensions (channel, category, group, assignee, priority, organization)
/// are the ticket's as of `as_of`, so a report groups a ticket where it is
/// now, as Zendesk's reports do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetricRow {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its reference, e.g. `#1042`.
    pub reference: TicketRef,
    /// The instant the row describes (the last commit's).
    pub as_of: DateTime<Utc>,

    /// Where the ticket came from.
    pub channel: Channel,
    /// Its category.
    pub category: Option<String>,
    /// Its group.
    pub group: Option<GroupId>,
    /// Its assignee.
    pub assignee: Option<AgentId>,
    /// Its priority.
    pub priority: Priority,
    /// The requester's organization.
    pub organization: Option<String>,
    /// Its status.
    pub status: StatusId,
    /// Whether that status is of category Done (resolved or closed).
    pub resolved: bool,
    /// Since when the ticket is in `status` (what [`MetricRow::advance`]
    /// continues the open wait from).
    pub status_since: DateTime<Utc>,

    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// The first public agent reply.
    pub first_reply_at: Option<DateTime<Utc>>,
    /// Creation to the first public agent reply.
    pub first_reply: Option<Elapsed>,
    /// The first move into a Done status.
    pub first_resolved_at: Option<DateTime<Utc>>,
    /// Creation to the first resolution.
    pub first_resolution: Option<Elapsed>,
    /// The latest move into a Done status.
    pub latest_resolved_at: Option<DateTime<Utc>>,
    /// Creation to the latest resolution.
    pub full_resolution: Option<Elapsed>,
    /// The periods the ticket was unresolved, oldest first; the last is
    /// open (`until: None`) while the ticket is unresolved.
    pub unresolved: Vec<Span>,

    /// Moves from Done back to a status that is not Done.
    pub reopens: u32,
    /// Public agent replies.
    pub agent_replies: u32,
    /// Time the requester waited on the desk.
    pub requester_wait: Elapsed,
    /// Time the desk waited on the requester.
    pub agent_wait: Elapsed,
    /// SLA cycles met and breached per metric, in the order of [`Metric::ALL`].
    pub sla: [SlaCycles; 4],

    /// The resolution cycle of the latest invitation.
    pub survey_cycle: Option<u32>,
    /// When the latest invitation went out.
    pub survey_sent_at: Option<DateTime<Utc>>,
    /// The latest rating, of any cycle.
    pub rating: Option<Score>,
    /// The cycle that rating is about.
    pub rating_cycle: Option<u32>,
    /// When it was given (or last changed).
    pub rated_at: Option<DateTime<Utc>>,
}

impl MetricRow {
    /// The row of a ticket from its full timeline.
    ///
    /// ```
    /// use helpdesk::report::{MetricRow, RowContext};
    /// use helpdesk::ticket::Lifecycle;
    /// use helpdesk::BusinessCalendar;
    /// # let events = helpdesk::doc_support::doc_resolved_timeline("2026-03-06T14:00:00Z".parse()?, "2026-03-06T16:00:00Z".parse()?);
    /// // `events`: opened Friday 14:00 UTC, resolved at 16:00 without a reply.
    /// let calendar = BusinessCalendar::always_open();
    /// let lifecycle = Lifecycle::default();
    /// let row = MetricRow::from_timeline(&events, &RowContext::new(&lifecycle, &calendar, "2026-03-06T16:00:00Z".parse()?))?;
    /// assert_eq!(row.full_resolution.map(|e| e.calendar_secs), Some(7200));
    /// assert_eq!((row.agent_replies, row.reopens, row.resolved), (0, 0, true));
    /// assert_eq!(row.requester_wait.calendar_secs, 7200); // New until resolved
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A timeline that does not replay (see [`Ticket::replay`]), and
    /// instants the calendar cannot place.
    pub fn from_timeline(events: &[TicketEvent], ctx: &RowContext<'_>) -> crate::Result<Self> {
        let ticket = Ticket::replay(events)?;
        let created = ticket.created_at;
        // The status in force and since when, starting with the created one.
        let status = match events.first().map(|e| &e.kind) {
            Some(EventKind::Created(c)) => c.status.clone(),
            _ => ticket.status.clone(),
        };
        let mut fold = Fold::new(ctx);
        fold.begin(status, created);
        for e in events.iter().skip(1) {
            fold.step(e)?;
        }
        let sla = sla_cycles(events, ctx.sla);
        fold.finish(&ticket, sla)
    }

    /// The row after `events`, which continue the timeline this row was
    /// derived from, with `ticket` the snapshot after them: what
    /// [`from_timeline`](Self::from_timeline) gives for the whole timeline,
    /// without replaying it. The desk writes a row with every commit, so
    /// this keeps that cost in proportion to the command, not the history.
    ///
    /// It assumes what the desk guarantees: the SLA outcomes the status
    /// knows are recorded as `SlaMet` / `SlaBreached` events in the same
    /// commit (so counting the new events is counting the outcomes), and
    /// `ctx.calendar` is the calendar the row was measured in so far (the
    /// desk replays the timeline when the SLA policy changes).
    ///
    /// ```
    /// use helpdesk::report::{MetricRow, RowContext};
    /// use helpdesk::ticket::Lifecycle;
    /// use helpdesk::{BusinessCalendar, Ticket};
    /// # let events = helpdesk::doc_support::doc_resolved_timeline("2026-03-06T14:00:00Z".parse()?, "2026-03-06T16:00:00Z".parse()?);
    /// let (lifecycle, calendar) = (Lifecycle::default(), BusinessCalendar::always_open());
    /// let ctx = |at: &str| -> Result<_, chrono::ParseError> { Ok(RowContext::new(&lifecycle, &calendar, at.parse()?)) };
    /// let (head, tail) = events.split_at(1);
    /// let first = MetricRow::from_timeline(head, &ctx("2026-03-06T15:00:00Z")?)?;
    /// let next = first.advance(&Ticket::replay(&events)?, tail, &ctx("2026-03-06T16:00:00Z")?)?;
    /// assert_eq!(next, MetricRow::from_timeline(&events, &ctx("2026-03-06T16:00:00Z")?)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Instants the calendar cannot place, and events of another ticket.
    pub fn advance(
        &self,
        ticket: &Ticket,
        events: &[TicketEvent],
        ctx: &RowContext<'_>,
    ) -> crate::Result<MetricRow> {
        if ticket.id != self.ticket_id || events.iter().any(|e| e.ticket_id != self.ticket_id) {
            return Err(crate::Error::validation(
                "events",
                format!("events of another ticket than {}", self.ticket_id),
            ));
        }
        let mut fold = Fold::new(ctx);
        fold.first_reply_at = self.first_reply_at;
        fold.agent_replies = self.agent_replies;
        fold.first_resolved_at = self.first_resolved_at;
        fold.latest_resolved_at = self.latest_resolved_at;
        fold.reopens = self.reopens;
        fold.unresolved.clone_from(&self.unresolved);
        fold.requester_wait = self.requester_wait;
        fold.agent_wait = self.agent_wait;
        fold.created = self.created_at;
        fold.status = self.status.clone();
        fold.since = self.status_since;
        fold.invited = self.survey_cycle.zip(self.survey_sent_at);
        fold.rated = match (self.rating, self.rating_cycle, self.rated_at) {
            (Some(s), Some(c), Some(at)) => Some((s, c, at)),
            _ => None,
        };
        // The open wait was counted up to the row's instant; it is counted
        // again up to the new one (the same computation, so it cancels
        // exactly, truncation and all).
        fold.interval(self.status_since, self.as_of.max(self.status_since), -1)?;
        let mut sla = self.sla;
        for e in events {
            fold.step(e)?;
            match &e.kind {
                EventKind::SlaMet { metric, cycle, .. } if *cycle > 0 => {
                    sla[slot(*metric)].met += 1;
                }
                EventKind::SlaBreached { metric, cycle, .. } if *cycle > 0 => {
                    sla[slot(*metric)].breached += 1;
                }
                _ => {}
            }
        }
        fold.finish(ticket, sla)
    }

    /// The SLA cycles of one metric.
    pub fn sla_cycles(&self, metric: Metric) -> SlaCycles {
        self.sla[slot(metric)]
    }

    /// Whether the latest invitation was answered: the latest rating is
    /// about the latest invitation's cycle.
    pub fn survey_answered(&self) -> bool {
        self.survey_cycle.is_some() && self.rating_cycle == self.survey_cycle
    }

    /// Whether the ticket, resolved, took fewer than 2 public agent replies
    /// (zero- or one-touch).
    pub fn one_touch(&self) -> bool {
        self.agent_replies < 2
    }
}

/// [`MetricRules::default`], for contexts without rules of their own.
static DEFAULT_RULES: std::sync::LazyLock<MetricRules> =
    std::sync::LazyLock::new(MetricRules::default);

/// The walk over a timeline that [`MetricRow::from_timeline`] and
/// [`MetricRow::advance`] share.
struct Fold<'c> {
    ctx: &'c RowContext<'c>,
    rules: &'c MetricRules,
    created: DateTime<Utc>,
    first_reply_at: Option<DateTime<Utc>>,
    agent_replies: u32,
    first_resolved_at: Option<DateTime<Utc>>,
    latest_resolved_at: Option<DateTime<Utc>>,
    reopens: u32,
    unresolved: Vec<Span>,
    requester_wait: Elapsed,
    agent_wait: Elapsed,
    /// The status in force and since when.
    status: StatusId,
    since: DateTime<Utc>,
    /// The latest invitation seen (cycle, instant), when the context
    /// carries no survey records: the timeline's own survey events.
    invited: Option<(u32, DateTime<Utc>)>,
    /// The latest rating seen (score, cycle, instant), likewise.
    rated: Option<(Score, u32, DateTime<Utc>)>,
}

impl<'c> Fold<'c> {
    fn new(ctx: &'c RowContext<'c>) -> Self {
        Fold {
            ctx,
            rules: ctx.rules.unwrap_or_else(|| &DEFAULT_RULES),
            created: ctx.as_of,
            first_reply_at: None,
            agent_replies: 0,
            first_resolved_at: None,
            latest_resolved_at: None,
            reopens: 0,
            unresolved: Vec::new(),
            requester_wait: Elapsed::default(),
            agent_wait: Elapsed::default(),
            status: StatusId::new("new"),
            since: ctx.as_of,
            invited: None,
            rated: None,
        }
    }

    fn is_done(&self, s: &StatusId) -> bool {
        self.ctx.lifecycle.category(s) == Some(StatusCategory::Done)
    }

    /// Starts at the creation, in the created status.
    fn begin(&mut self, status: StatusId, created: DateTime<Utc>) {
        self.created = created;
        self.since = created;
        if self.is_done(&status) {
            self.first_resolved_at = Some(created);
            self.latest_resolved_at = Some(created);
        } else {
            self.unresolved.push(Span {
                from: created,
                until: None,
            });
        }
        self.status = status;
    }

    /// Adds (`sign` 1) or takes back (-1) the wait in the current status
    /// over `[from, to)`.
    fn interval(&mut self, from: DateTime<Utc>, to: DateTime<Utc>, sign: i64) -> crate::Result<()> {
        if self.is_done(&self.status) || to <= from {
            return Ok(());
        }
        let e = Elapsed::between(self.ctx.calendar, from, to)?;
        let e = Elapsed {
            calendar_secs: sign * e.calendar_secs,
            business_secs: sign * e.business_secs,
        };
        if self.rules.awaiting_requester.contains(&self.status) {
            self.agent_wait.add(e);
        } else {
            self.requester_wait.add(e);
        }
        Ok(())
    }

    fn step(&mut self, e: &TicketEvent) -> crate::Result<()> {
        match &e.kind {
            EventKind::SurveySent(i) => self.invited = Some((i.cycle, e.at)),
            EventKind::SatisfactionRated(r) => {
                self.rated = Some((r.rating.score, r.cycle, e.at));
            }
            EventKind::Reply { .. } if matches!(e.actor, EventActor::Agent(_)) => {
                self.agent_replies += 1;
                self.first_reply_at.get_or_insert(e.at);
            }
            EventKind::StatusChanged { to, .. } => {
                self.interval(self.since, e.at, 1)?;
                match (self.is_done(&self.status), self.is_done(to)) {
                    (false, true) => {
                        self.first_resolved_at.get_or_insert(e.at);
                        self.latest_resolved_at = Some(e.at);
                        if let Some(open) = self.unresolved.last_mut() {
                            open.until = Some(e.at);
                        }
                    }
                    (true, false) => {
                        self.reopens += 1;
                        self.unresolved.push(Span {
                            from: e.at,
                            until: None,
                        });
                    }
                    _ => {}
                }
                self.status = to.clone();
                self.since = e.at;
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(mut self, ticket: &Ticket, sla: [SlaCycles; 4]) -> crate::Result<MetricRow> {
        let ctx = self.ctx;
        self.interval(self.since, ctx.as_of.max(self.since), 1)?;
        let (cal, created) = (ctx.calendar, self.created);
        let since_creation = |t: Option<DateTime<Utc>>| -> crate::Result<Option<Elapsed>> {
            t.map(|t| Elapsed::between(cal, created, t)).transpose()
        };
        // Records given in the context win over the timeline's own events.
        let (invited, rated) = match ctx.surveys {
            Some(h) => (
                h.last_invitation().map(|(at, i)| (i.cycle, at)),
                h.latest_rating()
                    .map(|(at, r)| (r.rating.score, r.cycle, at)),
            ),
            None => (self.invited, self.rated),
        };
        Ok(MetricRow {
            ticket_id: ticket.id,
            reference: ticket.reference,
            as_of: ctx.as_of,
            resolved: self.is_done(&ticket.status),
            status_since: self.since,
            channel: ticket.channel.clone(),
            category: ticket.category.clone(),
            group: ticket.group.clone(),
            assignee: ticket.assignee,
            priority: ticket.priority,
            organization: ticket.requester.organization.clone(),
            status: ticket.status.clone(),
            created_at: created,
            first_reply_at: self.first_reply_at,
            first_reply: since_creation(self.first_reply_at)?,
            first_resolved_at: self.first_resolved_at,
            first_resolution: since_creation(self.first_resolved_at)?,
            latest_resolved_at: self.latest_resolved_at,
            full_resolution: since_creation(self.latest_resolved_at)?,
            unresolved: self.unresolved,
            reopens: self.reopens,
            agent_replies: self.agent_replies,
            requester_wait: self.requester_wait,
            agent_wait: self.agent_wait,
            sla,
            survey_cycle: invited.map(|(c, _)| c),
            survey_sent_at: invited.map(|(_, at)| at),
            rating: rated.map(|(s, _, _)| s),
            rating_cycle: rated.map(|(_, c, _)| c),
            rated_at: rated.map(|(_, _, at)| at),
        })
    }
}

/// Per metric, the cycles met and breached: the timeline's `SlaMet` and
/// `SlaBreached` events, joined with what `status` (at the row's instant)
/// knows of the current and previous cycle but no event records yet. A
/// cycle breached and later fulfilled counts as breached.
fn sla_cycles(events: &[TicketEvent], status: Option<&SlaStatus>) -> [SlaCycles; 4] {
    let mut outcome: BTreeMap<(Metric, u32), MetricState> = BTreeMap::new();
    let mut note = |metric: Metric, cycle: u32, state: MetricState| match state {
        _ if cycle == 0 => {}
        MetricState::Breached => {
            outcome.insert((metric, cycle), MetricState::Breached);
        }
        MetricState::Met => {
            outcome.entry((metric, cycle)).or_insert(MetricState::Met);
        }
        _ => {}
    };
    for e in events {
        match &e.kind {
            EventKind::SlaMet { metric, cycle, .. } => note(*metric, *cycle, MetricState::Met),
            EventKind::SlaBreached { metric, cycle, .. } => {
                note(*metric, *cycle, MetricState::Breached);
            }
            _ => {}
        }
    }
    for s in status.map(|st| &st.metrics[..]).unwrap_or_default() {
        if let Some(p) = s.previous {
            note(s.metric, p.cycle, p.state);
        }
        note(s.metric, s.cycle, s.state);
    }
    let mut out = [SlaCycles::default(); 4];
    for ((metric, _), state) in outcome {
        let c = &mut out[slot(metric)];
        if state == MetricState::Met {
            c.met += 1;
        } else {
            c.breached += 1;
        }
    }
    out
}

/// A metric's place in [`MetricRow::sla`], the order of [`Metric::ALL`].
fn slot(metric: Metric) -> usize {
    match metric {
        Metric::FirstResponse => 0,
        Metric::NextResponse => 1,
        Metric::PeriodicUpdate => 2,
        Metric::Resolution => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::testing::*;
    use crate::survey::{Invited, Rated, Rating, SurveyRecord};

    fn row(t: &Timeline, as_of: &str) -> MetricRow {
        let lc = Lifecycle::default();
        let cal = office_calendar();
        MetricRow::from_timeline(&t.events, &RowContext::new(&lc, &cal, at(as_of))).unwrap()
    }

    #[test]
    fn first_reply_and_resolutions_in_calendar_and_business_seconds() {
        // Friday 16:00 UTC; the office calendar is open weekdays 09-17 UTC.
        let mut t = Timeline::new(at("2026-03-06T16:00:00Z"));
        t.note("2026-03-06T16:10:00Z")
            .message("2026-03-06T16:20:00Z")
            .reply("2026-03-09T10:00:00Z") // Monday
            .status("resolved", "2026-03-09T11:00:00Z")
            .status("open", "2026-03-10T09:00:00Z")
            .reply("2026-03-10T09:30:00Z")
            .status("resolved", "2026-03-10T10:00:00Z")
            .status("closed", "2026-03-14T10:00:00Z");
        let r = row(&t, "2026-03-14T10:00:00Z");
        let h = 3600;
        assert_eq!(r.first_reply_at, Some(at("2026-03-09T10:00:00Z")));
        assert_eq!(
            r.first_reply,
            Some(Elapsed {
                calendar_secs: 66 * h,
                business_secs: 2 * h
            })
        );
        assert_eq!(
            r.first_resolution,
            Some(Elapsed {
                calendar_secs: 67 * h,
                business_secs: 3 * h
            })
        );
        assert_eq!(
            r.full_resolution,
            // Friday 16-17, Monday 9-17, Tuesday 9-10.
            Some(Elapsed {
                calendar_secs: 90 * h,
                business_secs: 10 * h
            })
        );
        assert_eq!((r.reopens, r.agent_replies, r.resolved), (1, 2, true));
        assert_eq!(
            r.unresolved,
            vec![
                Span {
                    from: at("2026-03-06T16:00:00Z"),
                    until: Some(at("2026-03-09T11:00:00Z"))
                },
                Span {
                    from: at("2026-03-10T09:00:00Z"),
                    until: Some(at("2026-03-10T10:00:00Z"))
                },
            ]
        );
        // New/Open until the first resolution (67 h, 3 business), then 1 h after the reopening.
        assert_eq!(
            r.requester_wait,
            Elapsed {
                calendar_secs: 68 * h,
                business_secs: 4 * h
            }
        );
        assert_eq!(r.agent_wait, Elapsed::default());
    }

    #[test]
    fn pending_is_agent_wait_and_on_hold_requester_wait() {
        let mut t = Timeline::new(at("2026-03-09T09:00:00Z")); // Monday
        t.reply("2026-03-09T10:00:00Z")
            .status("pending", "2026-03-09T10:00:00Z")
            .message("2026-03-09T12:00:00Z")
            .status("on_hold", "2026-03-09T12:00:00Z")
            .status("open", "2026-03-09T15:00:00Z");
        let r = row(&t, "2026-03-09T16:00:00Z");
        let h = 3600;
        assert_eq!(
            r.agent_wait,
            Elapsed {
                calendar_secs: 2 * h,
                business_secs: 2 * h
            }
        );
        // New 1 h + On-hold 3 h + Open up to as_of 1 h.
        assert_eq!(
            r.requester_wait,
            Elapsed {
                calendar_secs: 5 * h,
                business_secs: 5 * h
            }
        );
        assert!(!r.resolved);
        assert_eq!(
            r.unresolved,
            vec![Span {
                from: at("2026-03-09T09:00:00Z"),
                until: None
            }]
        );
        let custom = MetricRules {
            awaiting_requester: vec!["pending".into(), "on_hold".into()],
        };
        let lc = Lifecycle::default();
        let cal = office_calendar();
        let ctx = RowContext::new(&lc, &cal, at("2026-03-09T16:00:00Z")).rules(&custom);
        let r = MetricRow::from_timeline(&t.events, &ctx).unwrap();
        assert_eq!(r.agent_wait.calendar_secs, 5 * h);
    }

    #[test]
    fn sla_cycles_join_events_and_the_status() {
        let mut t = Timeline::new(at("2026-03-09T09:00:00Z"));
        t.sla_met(Metric::FirstResponse, 1, "2026-03-09T09:30:00Z")
            .sla_met(Metric::NextResponse, 1, "2026-03-09T11:00:00Z")
            .sla_breached(Metric::NextResponse, 2, "2026-03-09T14:00:00Z")
            .sla_breached(Metric::NextResponse, 2, "2026-03-09T14:00:00Z");
        let r = row(&t, "2026-03-09T16:00:00Z");
        assert_eq!(
            r.sla_cycles(Metric::FirstResponse),
            SlaCycles {
                met: 1,
                breached: 0
            }
        );
        assert_eq!(
            r.sla_cycles(Metric::NextResponse),
            SlaCycles {
                met: 1,
                breached: 1
            }
        );
        assert_eq!(r.sla_cycles(Metric::Resolution), SlaCycles::default());

        // A resolution breach the status knows of but no event records yet counts too.
        let policy = crate::sla::SlaPolicy::new("p").resolution(crate::sla::MetricPolicy::new(
            crate::BusinessDuration::hours(2),
        ));
        let lc = Lifecycle::default();
        let cal = BusinessCalendar::always_open();
        let status =
            crate::sla::evaluate(&policy, &cal, &lc, &t.events, at("2026-03-09T16:00:00Z"))
                .unwrap();
        let ctx = RowContext::new(&lc, &cal, at("2026-03-09T16:00:00Z")).sla(&status);
        let r = MetricRow::from_timeline(&t.events, &ctx).unwrap();
        assert_eq!(
            r.sla_cycles(Metric::Resolution),
            SlaCycles {
                met: 0,
                breached: 1
            }
        );
    }

    #[test]
    fn dimensions_are_the_current_ones_and_ratings_the_latest() {
        let mut t = Timeline::opened(at("2026-03-09T09:00:00Z"), |c| {
            c.channel = Channel::Email;
            c.category = Some("network/vpn".into());
            let mut r = (*c.requester).clone();
            r.organization = Some("Acme".into());
            c.requester = r.into();
        });
        t.group("network-l1", "2026-03-09T09:01:00Z")
            .assign("2026-03-09T09:02:00Z")
            .priority(Priority::High, "2026-03-09T09:03:00Z")
            .status("resolved", "2026-03-09T10:00:00Z");
        let mut h = SurveyHistory::new();
        h.push(
            at("2026-03-10T10:00:00Z"),
            SurveyRecord::Invited(Invited::new(1, at("2026-04-07T10:00:00Z"))),
        );
        let rated = |score| {
            SurveyRecord::Rated(Rated {
                cycle: 1,
                rating: Rating::new(score),
                assignee: None,
                group: None,
            })
        };
        h.push(at("2026-03-10T11:00:00Z"), rated(Score::Bad));
        h.push(at("2026-03-10T12:00:00Z"), rated(Score::Good));
        let lc = Lifecycle::default();
        let cal = office_calendar();
        let ctx = RowContext::new(&lc, &cal, at("2026-03-10T12:00:00Z")).surveys(&h);
        let r = MetricRow::from_timeline(&t.events, &ctx).unwrap();
        assert_eq!(r.channel, Channel::Email);
        assert_eq!(r.category.as_deref(), Some("network/vpn"));
        assert_eq!(r.group.as_ref().map(GroupId::as_str), Some("network-l1"));
        assert_eq!(r.assignee, Some(t.agent));
        assert_eq!(r.priority, Priority::High);
        assert_eq!(r.organization.as_deref(), Some("Acme"));
        assert_eq!(
            (r.rating, r.rated_at),
            (Some(Score::Good), Some(at("2026-03-10T12:00:00Z")))
        );
        assert!(r.survey_answered());
    }

    #[test]
    fn advancing_a_row_equals_replaying_the_whole_timeline() {
        let mut t = Timeline::new(at("2026-03-06T16:00:00Z"));
        t.note("2026-03-06T16:10:00Z")
            .message("2026-03-06T16:20:00Z")
            .reply("2026-03-09T10:00:00Z")
            .status("pending", "2026-03-09T10:30:00Z")
            .status("resolved", "2026-03-09T11:00:00Z")
            .status("open", "2026-03-10T09:00:00Z")
            .sla_met(Metric::FirstResponse, 1, "2026-03-10T09:00:00Z")
            .reply("2026-03-10T09:30:00Z")
            .sla_breached(Metric::Resolution, 2, "2026-03-10T09:40:00Z")
            .status("resolved", "2026-03-10T10:00:00Z")
            .status("closed", "2026-03-14T10:00:00Z");
        let lc = Lifecycle::default();
        let cal = office_calendar();
        let end = at("2026-03-16T12:00:00Z");
        let full = MetricRow::from_timeline(&t.events, &RowContext::new(&lc, &cal, end)).unwrap();
        let ticket = Ticket::replay(&t.events).unwrap();
        for k in 1..t.events.len() {
            // Written at the last event of the prefix, and a little later.
            for late in [0, 1234] {
                let as_of = t.events[k - 1].at + chrono::Duration::seconds(late);
                let head =
                    MetricRow::from_timeline(&t.events[..k], &RowContext::new(&lc, &cal, as_of))
                        .unwrap();
                let next = head
                    .advance(&ticket, &t.events[k..], &RowContext::new(&lc, &cal, end))
                    .unwrap();
                assert_eq!(next, full, "split after {k} events, {late} s late");
            }
        }
    }

    #[test]
    fn a_broken_timeline_is_an_error_not_a_panic() {
        let lc = Lifecycle::default();
        let cal = office_calendar();
        let ctx = RowContext::new(&lc, &cal, at("2026-03-10T12:00:00Z"));
        assert!(MetricRow::from_timeline(&[], &ctx).is_err());
        let t = Timeline::new(at("2026-03-09T09:00:00Z"));
        assert!(MetricRow::from_timeline(&t.events[..0], &ctx).is_err());
    }
}
