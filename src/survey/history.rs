//! What a ticket's timeline records about its surveys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Exclusion, Rating};
use crate::id::{AgentId, GroupId};

/// An invitation went out for a resolution cycle: the payload of the
/// timeline's `SurveySent` event (its instant is the event's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Invited {
    /// The resolution cycle asked about.
    pub cycle: u32,
    /// When its token stops being accepted.
    pub expires_at: DateTime<Utc>,
}

impl Invited {
    /// An invitation for `cycle`, answerable until `expires_at`.
    pub fn new(cycle: u32, expires_at: DateTime<Utc>) -> Self {
        Invited { cycle, expires_at }
    }
}

/// No invitation went out for a resolution cycle, and why: the payload of
/// the timeline's `SurveySkipped` event, so the cycle is not looked at again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The resolution cycle.
    pub cycle: u32,
    /// Why.
    pub exclusion: Exclusion,
}

impl Skipped {
    /// A skipped `cycle`.
    pub fn new(cycle: u32, exclusion: Exclusion) -> Self {
        Skipped { cycle, exclusion }
    }
}

/// The requester rated a resolution cycle: the payload of the timeline's
/// `SatisfactionRated` event. A later rating of the same cycle replaces it.
///
/// The assignee and group are those at rating time, so a rating stays
/// with the agent and group who resolved the ticket even if it moves on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rated {
    /// The resolution cycle rated.
    pub cycle: u32,
    /// The answer.
    pub rating: Rating,
    /// The ticket's assignee when it was rated.
    pub assignee: Option<AgentId>,
    /// The ticket's group when it was rated.
    pub group: Option<GroupId>,
}

/// One survey record of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SurveyRecord {
    /// An invitation went out.
    Invited(Invited),
    /// A cycle got no invitation.
    Skipped(Skipped),
    /// The requester rated.
    Rated(Rated),
}

/// A survey record and its instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SurveyEntry {
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// What.
    pub record: SurveyRecord,
}

/// A ticket's survey records, oldest first: its invitations, skipped
/// cycles and ratings.
///
/// These are events of the ticket's timeline (`SurveySent`,
/// `SurveySkipped`, `SatisfactionRated`); until the timeline carries them,
/// the caller collects them here, and the decisions read them from here.
///
/// ```
/// use helpdesk::survey::{Invited, Rating, Rated, Score, SurveyHistory, SurveyRecord};
/// let mut h = SurveyHistory::new();
/// h.push("2026-03-02T10:00:00Z".parse()?, SurveyRecord::Invited(Invited::new(1, "2026-03-30T10:00:00Z".parse()?)));
/// assert!(h.handled(1));
/// assert!(!h.handled(2));
/// assert!(h.latest_rating().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SurveyHistory {
    entries: Vec<SurveyEntry>,
}

impl SurveyHistory {
    /// No records.
    pub fn new() -> Self {
        SurveyHistory::default()
    }

    /// Appends a record (records come in time order).
    pub fn push(&mut self, at: DateTime<Utc>, record: SurveyRecord) {
        self.entries.push(SurveyEntry { at, record });
    }

    /// All records, oldest first.
    pub fn entries(&self) -> &[SurveyEntry] {
        &self.entries
    }

    /// The invitation sent for `cycle`, with its instant.
    pub fn invitation(&self, cycle: u32) -> Option<(DateTime<Utc>, &Invited)> {
        self.entries.iter().find_map(|e| match &e.record {
            SurveyRecord::Invited(i) if i.cycle == cycle => Some((e.at, i)),
            _ => None,
        })
    }

    /// The latest invitation, with its instant.
    pub fn last_invitation(&self) -> Option<(DateTime<Utc>, &Invited)> {
        self.entries.iter().rev().find_map(|e| match &e.record {
            SurveyRecord::Invited(i) => Some((e.at, i)),
            _ => None,
        })
    }

    /// Whether `cycle` was invited or skipped already: nothing more to send.
    pub fn handled(&self, cycle: u32) -> bool {
        self.entries.iter().any(|e| match &e.record {
            SurveyRecord::Invited(i) => i.cycle == cycle,
            SurveyRecord::Skipped(s) => s.cycle == cycle,
            SurveyRecord::Rated(_) => false,
        })
    }

    /// The latest rating of any cycle, with its instant: the ticket's rating.
    pub fn latest_rating(&self) -> Option<(DateTime<Utc>, &Rated)> {
        self.entries.iter().rev().find_map(|e| match &e.record {
            SurveyRecord::Rated(r) => Some((e.at, r)),
            _ => None,
        })
    }

    /// The latest rating of `cycle`, with its instant.
    pub fn rating(&self, cycle: u32) -> Option<(DateTime<Utc>, &Rated)> {
        self.entries.iter().rev().find_map(|e| match &e.record {
            SurveyRecord::Rated(r) if r.cycle == cycle => Some((e.at, r)),
            _ => None,
        })
    }
}

impl SurveyHistory {
    /// The survey records of a ticket's timeline: its `SurveySent`,
    /// `SurveySkipped` and `SatisfactionRated` events, in order.
    pub fn of_timeline<'a>(
        events: impl IntoIterator<Item = &'a crate::ticket::TicketEvent>,
    ) -> Self {
        use crate::ticket::EventKind;
        events
            .into_iter()
            .filter_map(|e| {
                let record = match &e.kind {
                    EventKind::SurveySent(i) => SurveyRecord::Invited(*i),
                    EventKind::SurveySkipped(s) => SurveyRecord::Skipped(s.clone()),
                    EventKind::SatisfactionRated(r) => SurveyRecord::Rated(r.clone()),
                    _ => return None,
                };
                Some(SurveyEntry::new(e.at, record))
            })
            .collect()
    }
}

impl FromIterator<SurveyEntry> for SurveyHistory {
    fn from_iter<I: IntoIterator<Item = SurveyEntry>>(iter: I) -> Self {
        SurveyHistory {
            entries: iter.into_iter().collect(),
        }
    }
}

impl SurveyEntry {
    /// A record at `at`.
    pub fn new(at: DateTime<Utc>, record: SurveyRecord) -> Self {
        SurveyEntry { at, record }
    }
}
