//! [`RatingStatus`]: where a ticket's rating stands, for the page that
//! shows a customer their rating and lets them give or change it.

use chrono::{DateTime, Utc};

use super::{Rating, RatingRefused, SurveyHistory, may_rate, resolution_state};
use crate::ticket::{EventActor, Lifecycle, TicketEvent};

/// Where the rating of a ticket's resolution cycle stands for `by`: the
/// answer given so far, and whether a rating is taken now (else why not).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RatingStatus {
    /// The resolution cycle concerned: the one asked about, or the
    /// ticket's latest (0: never resolved).
    pub cycle: u32,
    /// The current answer for that cycle, if any.
    pub rating: Option<Rating>,
    /// When that answer was given.
    pub rated_at: Option<DateTime<Utc>>,
    /// Why a rating is not taken now; `None`: a rating (or a new one,
    /// replacing the current answer) is accepted.
    pub refused: Option<RatingRefused>,
}

impl RatingStatus {
    /// Whether a rating is taken now.
    pub fn open(&self) -> bool {
        self.refused.is_none()
    }
}

/// Where the rating of `cycle` (`None`: the latest) of the ticket with
/// timeline `events` stands for `by`: what [`rate`](super::rate) would
/// refuse, and the latest answer recorded for that cycle.
///
/// ```
/// use helpdesk::survey::{rating_status, RatingRefused};
/// use helpdesk::ticket::{EventActor, Lifecycle};
/// # let events = helpdesk::doc_support::doc_resolved_timeline("2026-03-06T14:00:00Z".parse()?, "2026-03-06T16:00:00Z".parse()?);
/// # let ada = match &events[0].actor { EventActor::Requester(id) => *id, _ => unreachable!() };
/// // `events`: Ada's ticket, resolved and not rated yet.
/// let st = rating_status(&events, &Lifecycle::default(), &EventActor::Requester(ada), None);
/// assert_eq!((st.cycle, st.rating.is_none(), st.open()), (1, true, true));
/// let st = rating_status(&events, &Lifecycle::default(), &EventActor::System, None);
/// assert_eq!(st.refused, Some(RatingRefused::NotRequester));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rating_status(
    events: &[TicketEvent],
    lifecycle: &Lifecycle,
    by: &EventActor,
    cycle: Option<u32>,
) -> RatingStatus {
    let cycle = cycle.unwrap_or_else(|| resolution_state(events, lifecycle).cycle);
    let refused = may_rate(events, lifecycle, by, cycle).err();
    let history = SurveyHistory::of_timeline(events);
    let (rated_at, rating) = history
        .rating(cycle)
        .map_or((None, None), |(at, r)| (Some(at), Some(r.rating.clone())));
    RatingStatus {
        cycle,
        rating,
        rated_at,
        refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::testing::*;
    use crate::survey::{Rated, Score};
    use crate::ticket::EventKind;

    fn rated(t: &mut Timeline, cycle: u32, score: Score, when: &str) {
        let by = EventActor::Requester(t.requester);
        let r = Rated {
            cycle,
            rating: Rating::new(score),
            assignee: None,
            group: None,
        };
        t.push(by, EventKind::SatisfactionRated(r), when);
    }

    #[test]
    fn shows_the_latest_answer_of_the_cycle_until_closed() {
        let lc = Lifecycle::default();
        let mut t = Timeline::new(at("2026-03-02T09:00:00Z"));
        let ada = EventActor::Requester(t.requester);
        let st = rating_status(&t.events, &lc, &ada, None);
        assert_eq!(st.refused, Some(RatingRefused::NotResolved { cycle: 0 }));

        t.status("resolved", "2026-03-02T10:00:00Z");
        rated(&mut t, 1, Score::Bad, "2026-03-02T11:00:00Z");
        rated(&mut t, 1, Score::Good, "2026-03-02T12:00:00Z");
        let st = rating_status(&t.events, &lc, &ada, None);
        assert_eq!(st.rating.as_ref().map(|r| r.score), Some(Score::Good));
        assert_eq!(st.rated_at, Some(at("2026-03-02T12:00:00Z")));
        assert!(st.open());

        // Reopened and resolved again: cycle 2 has no answer; cycle 1's
        // token is superseded but its answer still shows.
        t.status("open", "2026-03-03T09:00:00Z");
        t.status("resolved", "2026-03-03T10:00:00Z");
        let st = rating_status(&t.events, &lc, &ada, None);
        assert_eq!((st.cycle, st.rating.is_none(), st.open()), (2, true, true));
        let st = rating_status(&t.events, &lc, &ada, Some(1));
        assert_eq!(
            st.refused,
            Some(RatingRefused::Superseded {
                cycle: 1,
                current: 2
            })
        );
        assert_eq!(st.rating.map(|r| r.score), Some(Score::Good));

        t.status("closed", "2026-03-04T10:00:00Z");
        let st = rating_status(&t.events, &lc, &ada, None);
        assert!(matches!(st.refused, Some(RatingRefused::Closed { .. })));
    }
}
