//! The survey decisions, as pure functions of a ticket's timeline: when an
//! invitation is due, whether a ticket is excluded, whether a rating is
//! accepted.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Rated, Rating, RatingError, SurveyHistory, SurveyPolicy, TimeBasis, TokenError};
use crate::calendar::BusinessCalendar;
use crate::id::{AgentId, CustomerId, GroupId};
use crate::ticket::{
    Channel, EventActor, EventKind, Lifecycle, StatusCategory, StatusId, Ticket, TicketEvent,
};

/// Where a ticket stands for surveys, read from its timeline.
///
/// A *resolution* is a move into a status of category Done that is not
/// final (Resolved, in the default lifecycle) from a status that is not
/// Done; its *cycle* counts them: 1 for the first, 2 after a reopen and a
/// second resolution. A ticket is *closed* once it is in a final status
/// (one with no way out, like Closed). Moving from Resolved to Closed, or
/// between two Done statuses, starts no cycle. A ticket created in a
/// resolved status (a phone call solved on the spot) has cycle 1 from its
/// creation.
///
/// Survey cycles count resolutions whatever the SLA policy's
/// [`Reopen`](crate::sla::Reopen) rule does with the resolution clock.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolutionState {
    /// Resolutions so far (0: never resolved).
    pub cycle: u32,
    /// When the current cycle was resolved, while the ticket is still
    /// resolved (not reopened, not closed).
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the ticket entered a final status, if it is in one.
    pub closed_at: Option<DateTime<Utc>>,
    /// The requester, from the `Created` event (`None` without one).
    pub requester: Option<CustomerId>,
    /// The current assignee.
    pub assignee: Option<AgentId>,
    /// The current group.
    pub group: Option<GroupId>,
}

/// Reads a ticket's [`ResolutionState`] from its timeline.
pub fn resolution_state(events: &[TicketEvent], lifecycle: &Lifecycle) -> ResolutionState {
    let mut st = ResolutionState {
        cycle: 0,
        resolved_at: None,
        closed_at: None,
        requester: None,
        assignee: None,
        group: None,
    };
    let done = |s: &StatusId| lifecycle.category(s) == Some(StatusCategory::Done);
    let mut in_done = false;
    let mut enter = |st: &mut ResolutionState, s: &StatusId, at: DateTime<Utc>| {
        if lifecycle.is_final(s) {
            st.closed_at.get_or_insert(at);
            st.resolved_at = None;
        } else {
            st.closed_at = None;
            if !done(s) {
                st.resolved_at = None;
            } else if !in_done {
                st.cycle += 1;
                st.resolved_at = Some(at);
            }
        }
        in_done = done(s);
    };
    for e in events {
        match &e.kind {
            EventKind::Created(c) => {
                st.requester = Some(c.requester.id);
                st.assignee = c.assignee;
                st.group.clone_from(&c.group);
                enter(&mut st, &c.status, e.at);
            }
            EventKind::StatusChanged { to, .. } => enter(&mut st, to, e.at),
            EventKind::Assigned { to, .. } => st.assignee = *to,
            EventKind::GroupChanged { to, .. } => st.group.clone_from(to),
            EventKind::Routed {
                group, assignee, ..
            } => {
                st.group.clone_from(group);
                st.assignee = *assignee;
            }
            _ => {}
        }
    }
    st
}

/// An invitation that should go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invitation {
    /// The resolution cycle it asks about.
    pub cycle: u32,
    /// When that cycle was resolved.
    pub resolved_at: DateTime<Utc>,
    /// When the invitation is due: the resolution plus the policy's delay,
    /// in calendar or business time.
    pub due_at: DateTime<Utc>,
}

/// The invitation a ticket is waiting for, if any: the current resolution
/// cycle's, while the ticket stays resolved (not reopened, not closed) and
/// the cycle was neither invited nor skipped yet.
///
/// The due is `resolved_at + delay`: in calendar time, or with
/// [`TimeBasis::Business`] in business time of `calendar` (the ticket's SLA
/// calendar), by [`BusinessCalendar::add`]. The desk files the due in its
/// deadline index; when it comes, [`exclusion`] decides between sending and
/// skipping. Check it again at that instant: a ticket reopened or closed
/// meanwhile has no invitation due any more.
///
/// ```
/// use helpdesk::survey::{invitation_due, SurveyHistory, SurveyPolicy};
/// use helpdesk::ticket::Lifecycle;
/// use helpdesk::BusinessCalendar;
/// # let events = helpdesk::doc_support::doc_resolved_timeline("2026-03-06T14:00:00Z".parse()?, "2026-03-06T16:00:00Z".parse()?);
/// // `events`: opened Friday 14:00 UTC, resolved at 16:00.
/// let due = invitation_due(&events, &Lifecycle::default(), &SurveyPolicy::default(),
///     &BusinessCalendar::always_open(), &SurveyHistory::new())?.unwrap();
/// assert_eq!(due.cycle, 1);
/// assert_eq!(due.due_at, "2026-03-07T16:00:00Z".parse::<chrono::DateTime<chrono::Utc>>()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn invitation_due(
    events: &[TicketEvent],
    lifecycle: &Lifecycle,
    policy: &SurveyPolicy,
    calendar: &BusinessCalendar,
    history: &SurveyHistory,
) -> crate::Result<Option<Invitation>> {
    let st = resolution_state(events, lifecycle);
    let Some(resolved_at) = st.resolved_at else {
        return Ok(None);
    };
    if history.handled(st.cycle) {
        return Ok(None);
    }
    let due_at = match policy.delay_time {
        TimeBasis::Calendar => resolved_at + policy.delay.as_duration(),
        TimeBasis::Business => calendar.add(resolved_at, policy.delay.as_duration())?,
    };
    Ok(Some(Invitation {
        cycle: st.cycle,
        resolved_at,
        due_at,
    }))
}

/// What the desk knows about a requester's surveys, across their tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RequesterSurveys {
    /// The requester asked not to be surveyed.
    pub opted_out: bool,
    /// When the requester was last sent an invitation, for any ticket.
    pub last_surveyed_at: Option<DateTime<Utc>>,
}

impl RequesterSurveys {
    /// A requester who has not opted out, last surveyed at `last` (if ever).
    pub fn new(opted_out: bool, last_surveyed_at: Option<DateTime<Utc>>) -> Self {
        RequesterSurveys {
            opted_out,
            last_surveyed_at,
        }
    }
}

/// Why a ticket gets no survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Exclusion {
    /// The requester opted out of surveys.
    OptedOut,
    /// The ticket has an excluded tag.
    Tag {
        /// The tag.
        tag: String,
    },
    /// The ticket came in through an excluded channel.
    Channel {
        /// The channel.
        channel: Channel,
    },
    /// The requester was surveyed too recently.
    Throttled {
        /// Their last invitation.
        last_surveyed_at: DateTime<Utc>,
        /// The first instant another one may go out.
        until: DateTime<Utc>,
    },
}

/// Whether `ticket` is excluded from surveys at `at` (the instant the
/// invitation would go out), and why: the requester opted out, an excluded
/// tag, an excluded channel, or the throttle (at most one invitation per
/// requester per `throttle_days`; one exactly that many days later may go).
/// Checked in that order; the first reason found is returned.
///
/// ```
/// use helpdesk::survey::{exclusion, Exclusion, RequesterSurveys, SurveyPolicy};
/// # let ticket = helpdesk::Ticket::created(&helpdesk::doc_support::created_event("2026-03-01T10:00:00Z".parse()?))?;
/// let policy = SurveyPolicy::from_toml("throttle_days = 30")?;
/// let ada = RequesterSurveys::new(false, Some("2026-03-01T10:00:00Z".parse()?));
/// let at = "2026-03-10T10:00:00Z".parse()?;
/// assert!(matches!(exclusion(&ticket, &policy, &ada, at), Some(Exclusion::Throttled { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn exclusion(
    ticket: &Ticket,
    policy: &SurveyPolicy,
    requester: &RequesterSurveys,
    at: DateTime<Utc>,
) -> Option<Exclusion> {
    if requester.opted_out {
        return Some(Exclusion::OptedOut);
    }
    if let Some(tag) = policy
        .exclude
        .tags
        .iter()
        .find(|t| ticket.tags.contains(*t))
    {
        return Some(Exclusion::Tag { tag: tag.clone() });
    }
    if policy.exclude.channels.contains(&ticket.channel) {
        return Some(Exclusion::Channel {
            channel: ticket.channel.clone(),
        });
    }
    if let (Some(days), Some(last)) = (policy.throttle_days, requester.last_surveyed_at) {
        let until = last + Duration::days(i64::from(days));
        if at < until {
            return Some(Exclusion::Throttled {
                last_surveyed_at: last,
                until,
            });
        }
    }
    None
}

/// Why a rating is not accepted, whatever its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RatingRefused {
    /// Only the ticket's requester rates it (also when the timeline has no
    /// `Created` event to name one).
    #[error("only the ticket's requester may rate it")]
    NotRequester,
    /// The cycle asked about was never resolved.
    #[error("resolution cycle {cycle} has not happened")]
    NotResolved {
        /// The cycle asked about.
        cycle: u32,
    },
    /// The ticket is closed: ratings are final.
    #[error("the ticket was closed at {closed_at}; its rating can no longer change")]
    Closed {
        /// When it was closed.
        closed_at: DateTime<Utc>,
    },
    /// The ticket was reopened and resolved again since: the survey of the
    /// new cycle asks again.
    #[error("resolution cycle {cycle} was superseded by cycle {current}")]
    Superseded {
        /// The cycle asked about.
        cycle: u32,
        /// The ticket's latest cycle.
        current: u32,
    },
}

/// Whether `by` may rate resolution cycle `cycle` of the ticket now.
///
/// Accepted when `by` is the ticket's requester, the ticket is not closed,
/// and `cycle` is its latest resolution cycle, even while the ticket is
/// reopened: a customer who reopens may well want to change the rating.
/// A rating can be changed the same way, any number of times, until the
/// ticket closes. A token's own expiry is checked by
/// [`verify`](super::verify); a rating without a token (signed in to the
/// portal) is bounded by the ticket's closing only.
pub fn may_rate(
    events: &[TicketEvent],
    lifecycle: &Lifecycle,
    by: &EventActor,
    cycle: u32,
) -> Result<ResolutionState, RatingRefused> {
    let st = resolution_state(events, lifecycle);
    match (by, st.requester) {
        (EventActor::Requester(who), Some(requester)) if *who == requester => {}
        _ => return Err(RatingRefused::NotRequester),
    }
    if let Some(closed_at) = st.closed_at {
        return Err(RatingRefused::Closed { closed_at });
    }
    if cycle == 0 || cycle > st.cycle {
        return Err(RatingRefused::NotResolved { cycle });
    }
    if cycle < st.cycle {
        return Err(RatingRefused::Superseded {
            cycle,
            current: st.cycle,
        });
    }
    Ok(st)
}

/// Decides a rating: checks who rates which cycle ([`may_rate`]) and the
/// value ([`SurveyPolicy::check`]), and returns the `SatisfactionRated`
/// payload with the assignee and group at rating time.
///
/// `cycle` is the token's ([`TokenClaims::cycle`](super::TokenClaims)),
/// or `None` for the ticket's latest cycle (a requester rating in the
/// portal).
///
/// ```
/// use helpdesk::survey::{rate, Rating, Score, SurveyError, SurveyPolicy, RatingRefused};
/// use helpdesk::ticket::{EventActor, Lifecycle};
/// # let events = helpdesk::doc_support::doc_resolved_timeline("2026-03-06T14:00:00Z".parse()?, "2026-03-06T16:00:00Z".parse()?);
/// # let ada = match &events[0].actor { EventActor::Requester(id) => *id, _ => unreachable!() };
/// let lc = Lifecycle::default();
/// let policy = SurveyPolicy::default();
/// let rated = rate(&events, &lc, &policy, &EventActor::Requester(ada), None, Rating::new(Score::Good))?;
/// assert_eq!(rated.cycle, 1);
/// let err = rate(&events, &lc, &policy, &EventActor::System, Some(1), Rating::new(Score::Good)).unwrap_err();
/// assert_eq!(err, SurveyError::Refused(RatingRefused::NotRequester));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rate(
    events: &[TicketEvent],
    lifecycle: &Lifecycle,
    policy: &SurveyPolicy,
    by: &EventActor,
    cycle: Option<u32>,
    rating: Rating,
) -> Result<Rated, SurveyError> {
    let latest = resolution_state(events, lifecycle).cycle;
    let st = may_rate(events, lifecycle, by, cycle.unwrap_or(latest))?;
    policy.check(&rating)?;
    Ok(Rated {
        cycle: st.cycle,
        rating,
        assignee: st.assignee,
        group: st.group,
    })
}

/// Any reason a survey answer is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SurveyError {
    /// The token is malformed, forged or expired.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The rating's value does not fit the policy.
    #[error(transparent)]
    Rating(#[from] RatingError),
    /// The ticket cannot be rated (by this actor, for this cycle, now).
    #[error(transparent)]
    Refused(#[from] RatingRefused),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::testing::*;
    use crate::survey::{Invited, Score, Skipped, SurveyRecord};

    #[test]
    fn cycles_count_resolutions_not_closings() {
        let lc = Lifecycle::default();
        let mut t = Timeline::new(at("2026-03-02T09:00:00Z"));
        assert_eq!(resolution_state(&t.events, &lc).cycle, 0);
        t.status("open", "2026-03-02T09:10:00Z");
        t.status("resolved", "2026-03-02T10:00:00Z");
        let st = resolution_state(&t.events, &lc);
        assert_eq!(
            (st.cycle, st.resolved_at),
            (1, Some(at("2026-03-02T10:00:00Z")))
        );
        t.status("open", "2026-03-03T10:00:00Z");
        let st = resolution_state(&t.events, &lc);
        assert_eq!((st.cycle, st.resolved_at), (1, None));
        t.status("resolved", "2026-03-04T10:00:00Z");
        t.status("closed", "2026-03-08T10:00:00Z");
        let st = resolution_state(&t.events, &lc);
        assert_eq!((st.cycle, st.resolved_at), (2, None));
        assert_eq!(st.closed_at, Some(at("2026-03-08T10:00:00Z")));
    }

    #[test]
    fn a_ticket_closed_without_resolution_has_no_cycle() {
        let lc = Lifecycle::default();
        let mut t = Timeline::new(at("2026-03-02T09:00:00Z"));
        t.status("closed", "2026-03-02T09:30:00Z");
        let st = resolution_state(&t.events, &lc);
        assert_eq!(
            (st.cycle, st.resolved_at.is_some(), st.closed_at.is_some()),
            (0, false, true)
        );
    }

    #[test]
    fn the_invitation_is_due_after_the_delay_in_calendar_or_business_time() {
        let lc = Lifecycle::default();
        let mut t = Timeline::new(at("2026-03-06T14:00:00Z")); // a Friday
        t.status("resolved", "2026-03-06T16:00:00Z");
        let office = office_calendar();
        let mut policy = SurveyPolicy::from_toml("delay = \"4h\"").unwrap();
        let h = SurveyHistory::new();
        let due = invitation_due(&t.events, &lc, &policy, &office, &h)
            .unwrap()
            .unwrap();
        assert_eq!(due.due_at, at("2026-03-06T20:00:00Z"));
        policy.delay_time = TimeBasis::Business;
        // One business hour left on Friday (to 17:00), three on Monday from 09:00.
        let due = invitation_due(&t.events, &lc, &policy, &office, &h)
            .unwrap()
            .unwrap();
        assert_eq!((due.cycle, due.due_at), (1, at("2026-03-09T12:00:00Z")));
    }

    #[test]
    fn no_invitation_when_reopened_closed_or_already_handled() {
        let lc = Lifecycle::default();
        let policy = SurveyPolicy::default();
        let cal = BusinessCalendar::always_open();
        let mut t = Timeline::new(at("2026-03-02T09:00:00Z"));
        t.status("resolved", "2026-03-02T10:00:00Z");
        let mut h = SurveyHistory::new();
        assert!(
            invitation_due(&t.events, &lc, &policy, &cal, &h)
                .unwrap()
                .is_some()
        );
        h.push(
            at("2026-03-03T10:00:00Z"),
            SurveyRecord::Invited(Invited::new(1, at("2026-03-31T10:00:00Z"))),
        );
        assert!(
            invitation_due(&t.events, &lc, &policy, &cal, &h)
                .unwrap()
                .is_none()
        );

        t.status("open", "2026-03-04T10:00:00Z");
        assert!(
            invitation_due(&t.events, &lc, &policy, &cal, &h)
                .unwrap()
                .is_none()
        );
        t.status("resolved", "2026-03-05T10:00:00Z");
        let due = invitation_due(&t.events, &lc, &policy, &cal, &h)
            .unwrap()
            .unwrap();
        assert_eq!((due.cycle, due.due_at), (2, at("2026-03-06T10:00:00Z")));
        h.push(
            due.due_at,
            SurveyRecord::Skipped(Skipped::new(2, Exclusion::OptedOut)),
        );
        assert!(
            invitation_due(&t.events, &lc, &policy, &cal, &h)
                .unwrap()
                .is_none()
        );

        let mut closed = Timeline::new(at("2026-03-02T09:00:00Z"));
        closed.status("resolved", "2026-03-02T10:00:00Z");
        closed.status("closed", "2026-03-02T11:00:00Z");
        let none = SurveyHistory::new();
        assert!(
            invitation_due(&closed.events, &lc, &policy, &cal, &none)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn exclusions_in_order() {
        let mut t = Timeline::new(at("2026-03-02T09:00:00Z"));
        t.tags(&["vip", "no_survey"], "2026-03-02T09:01:00Z");
        let ticket = Ticket::replay(&t.events).unwrap();
        let policy = SurveyPolicy::from_toml(
            "throttle_days = 7\n[exclude]\ntags = [\"spam\", \"no_survey\"]\nchannels = [\"portal\"]",
        )
        .unwrap();
        let now = at("2026-03-05T09:00:00Z");
        let fresh = RequesterSurveys::default();
        assert_eq!(
            exclusion(&ticket, &policy, &RequesterSurveys::new(true, None), now),
            Some(Exclusion::OptedOut)
        );
        assert_eq!(
            exclusion(&ticket, &policy, &fresh, now),
            Some(Exclusion::Tag {
                tag: "no_survey".into()
            })
        );
        let policy =
            SurveyPolicy::from_toml("throttle_days = 7\n[exclude]\nchannels = [\"portal\"]")
                .unwrap();
        assert_eq!(
            exclusion(&ticket, &policy, &fresh, now),
            Some(Exclusion::Channel {
                channel: Channel::Portal
            })
        );
        let policy = SurveyPolicy::from_toml("throttle_days = 7").unwrap();
        assert_eq!(exclusion(&ticket, &policy, &fresh, now), None);
        // Seven days after the last invitation another may go; a second earlier it may not.
        let last = at("2026-02-26T09:00:00Z");
        let until = at("2026-03-05T09:00:00Z");
        let recent = RequesterSurveys::new(false, Some(last));
        assert_eq!(
            exclusion(&ticket, &policy, &recent, until - Duration::seconds(1)),
            Some(Exclusion::Throttled {
                last_surveyed_at: last,
                until
            })
        );
        assert_eq!(exclusion(&ticket, &policy, &recent, until), None);
    }

    #[test]
    fn only_the_requester_rates_the_latest_cycle_until_closed() {
        let lc = Lifecycle::default();
        let policy = SurveyPolicy::default();
        let mut t = Timeline::new(at("2026-03-02T09:00:00Z"));
        let ada = EventActor::Requester(t.requester);
        let good = || Rating::new(Score::Good);
        assert_eq!(
            rate(&t.events, &lc, &policy, &ada, None, good()),
            Err(SurveyError::Refused(RatingRefused::NotResolved {
                cycle: 0
            }))
        );
        t.assign("2026-03-02T09:05:00Z");
        t.status("resolved", "2026-03-02T10:00:00Z");
        let rated = rate(&t.events, &lc, &policy, &ada, Some(1), good()).unwrap();
        assert_eq!((rated.cycle, rated.assignee), (1, Some(t.agent)));
        for someone_else in [
            EventActor::Requester(CustomerId::new()),
            EventActor::Agent(t.agent),
            EventActor::System,
        ] {
            assert_eq!(
                may_rate(&t.events, &lc, &someone_else, 1).unwrap_err(),
                RatingRefused::NotRequester
            );
        }
        // Reopened: cycle 1 can still be rated (changed); resolved again, it is superseded.
        t.status("open", "2026-03-03T10:00:00Z");
        assert!(may_rate(&t.events, &lc, &ada, 1).is_ok());
        assert_eq!(
            may_rate(&t.events, &lc, &ada, 2).unwrap_err(),
            RatingRefused::NotResolved { cycle: 2 }
        );
        t.status("resolved", "2026-03-04T10:00:00Z");
        assert_eq!(
            may_rate(&t.events, &lc, &ada, 1).unwrap_err(),
            RatingRefused::Superseded {
                cycle: 1,
                current: 2
            }
        );
        let bad = Rating::new(Score::Bad).reason("too_slow");
        assert_eq!(
            rate(&t.events, &lc, &policy, &ada, None, bad)
                .unwrap()
                .cycle,
            2
        );
        let wrong = Rating::new(Score::Stars(5));
        assert!(matches!(
            rate(&t.events, &lc, &policy, &ada, None, wrong),
            Err(SurveyError::Rating(RatingError::WrongScale { .. }))
        ));
        t.status("closed", "2026-03-08T10:00:00Z");
        assert_eq!(
            may_rate(&t.events, &lc, &ada, 2).unwrap_err(),
            RatingRefused::Closed {
                closed_at: at("2026-03-08T10:00:00Z")
            }
        );
    }
}
