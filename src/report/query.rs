//! [`ReportQuery`]: what a report covers, how it is cut and grouped, and
//! who may run it.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::MetricRow;
use crate::access::{Actor, ActorKind};

/// The length of a report's buckets, in the query's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BucketSize {
    /// A wall-clock hour, `HH:00` to the next `HH:00`.
    Hour,
    /// A local day, midnight to midnight.
    Day,
    /// An ISO week, Monday 00:00 to the next Monday 00:00.
    Week,
    /// A calendar month, the 1st 00:00 to the next 1st 00:00.
    Month,
}

impl BucketSize {
    /// The name in queries: `hour`, `day`, `week`, `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            BucketSize::Hour => "hour",
            BucketSize::Day => "day",
            BucketSize::Week => "week",
            BucketSize::Month => "month",
        }
    }
}

/// What a report can group tickets by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The support group.
    Group,
    /// The assignee.
    Agent,
    /// The channel it came in through.
    Channel,
    /// The category.
    Category,
    /// The priority.
    Priority,
    /// The requester's organization.
    Organization,
}

impl Dimension {
    /// Every dimension.
    pub const ALL: [Dimension; 6] = [
        Dimension::Group,
        Dimension::Agent,
        Dimension::Channel,
        Dimension::Category,
        Dimension::Priority,
        Dimension::Organization,
    ];

    /// The name in queries and export headers: `group`, `agent`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Group => "group",
            Dimension::Agent => "agent",
            Dimension::Channel => "channel",
            Dimension::Category => "category",
            Dimension::Priority => "priority",
            Dimension::Organization => "organization",
        }
    }

    /// A row's value of this dimension, as text (`None`: not set). Agents
    /// are their id, priorities and channels their configuration names.
    pub fn value(self, row: &MetricRow) -> Option<String> {
        match self {
            Dimension::Group => row.group.as_ref().map(ToString::to_string),
            Dimension::Agent => row.assignee.map(|a| a.to_string()),
            Dimension::Channel => Some(row.channel.to_string()),
            Dimension::Category => row.category.clone(),
            Dimension::Priority => Some(row.priority.as_str().to_owned()),
            Dimension::Organization => row.organization.clone(),
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Keeps the tickets whose value of `dimension` is one of `values`
/// (`None` in the list keeps the tickets without a value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// The dimension looked at.
    pub dimension: Dimension,
    /// The values kept.
    pub values: Vec<Option<String>>,
}

impl Filter {
    /// Whether `row` passes.
    pub fn keeps(&self, row: &MetricRow) -> bool {
        self.values.contains(&self.dimension.value(row))
    }
}

/// The most buckets one report may have (a year of hours is 8784).
pub const MAX_BUCKETS: usize = 10_000;

/// What a report covers: a period cut into buckets in a time zone, the
/// dimensions its figures are grouped by, and filters.
///
/// The period is `[from, to)`. Buckets follow the wall clock of
/// `time_zone`: days from midnight to midnight (23 or 25 hours long on the
/// days DST changes), ISO weeks from Monday, months from the 1st; the first
/// and last bucket are cut at `from` and `to`. A local edge that does not
/// exist (midnight in a DST gap) resolves by the RFC 5545 "compatible" rule,
/// as the business calendars do; the hour skipped in spring has no bucket,
/// and the hour repeated in autumn is one bucket of two hours, just as
/// grouping by the local wall-clock hour (PostgreSQL's
/// `date_trunc('hour', t AT TIME ZONE tz)`) does.
///
/// ```
/// use helpdesk::report::{BucketSize, Dimension, ReportQuery};
/// let q = ReportQuery::new("2026-03-02T05:00:00Z".parse()?, "2026-03-30T04:00:00Z".parse()?, BucketSize::Week)
///     .time_zone(chrono_tz::America::New_York)
///     .group_by(Dimension::Channel)
///     .filter(Dimension::Priority, [Some("high"), Some("critical")]);
/// let weeks = q.buckets()?;
/// assert_eq!(weeks.len(), 4);
/// assert_eq!(weeks[0].label, "2026-W10");
/// // The week of the DST change (Sunday, March 8) is an hour shorter.
/// assert_eq!((weeks[0].end - weeks[0].start).num_hours(), 167);
/// assert_eq!((weeks[1].end - weeks[1].start).num_hours(), 168);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ReportQuery {
    /// The period's first instant.
    pub from: DateTime<Utc>,
    /// The instant after the period.
    pub to: DateTime<Utc>,
    /// The bucket length.
    pub bucket: BucketSize,
    /// The time zone whose wall clock cuts the buckets (default UTC).
    #[serde(default = "utc")]
    pub time_zone: Tz,
    /// The dimensions figures are grouped by, in order (none: one total).
    #[serde(default)]
    pub group_by: Vec<Dimension>,
    /// Every filter must keep a ticket for it to count.
    #[serde(default)]
    pub filters: Vec<Filter>,
}

fn utc() -> Tz {
    Tz::UTC
}

impl ReportQuery {
    /// A query over `[from, to)` in UTC buckets, ungrouped, unfiltered.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>, bucket: BucketSize) -> Self {
        ReportQuery {
            from,
            to,
            bucket,
            time_zone: Tz::UTC,
            group_by: Vec::new(),
            filters: Vec::new(),
        }
    }

    /// Cuts buckets in `tz`.
    pub fn time_zone(mut self, tz: Tz) -> Self {
        self.time_zone = tz;
        self
    }

    /// Groups by `dimension` too.
    pub fn group_by(mut self, dimension: Dimension) -> Self {
        self.group_by.push(dimension);
        self
    }

    /// Keeps only tickets whose `dimension` is one of `values`.
    pub fn filter<S: Into<String>>(
        mut self,
        dimension: Dimension,
        values: impl IntoIterator<Item = Option<S>>,
    ) -> Self {
        self.filters.push(Filter {
            dimension,
            values: values.into_iter().map(|v| v.map(Into::into)).collect(),
        });
        self
    }

    /// Checks the query: a non-empty period, each dimension grouped by
    /// once, no filter without values, at most [`MAX_BUCKETS`] buckets.
    pub fn validate(&self) -> Result<(), ReportError> {
        self.buckets().map(|_| ())
    }

    pub(crate) fn check_shape(&self) -> Result<(), ReportError> {
        if self.from >= self.to {
            return Err(ReportError::EmptyPeriod {
                from: self.from,
                to: self.to,
            });
        }
        for (i, d) in self.group_by.iter().enumerate() {
            if self.group_by[..i].contains(d) {
                return Err(ReportError::DuplicateDimension { dimension: *d });
            }
        }
        if let Some(f) = self.filters.iter().find(|f| f.values.is_empty()) {
            return Err(ReportError::EmptyFilter {
                dimension: f.dimension,
            });
        }
        Ok(())
    }

    /// Whether `row` passes every filter.
    pub fn keeps(&self, row: &MetricRow) -> bool {
        self.filters.iter().all(|f| f.keeps(row))
    }

    /// The query `actor` may run: the query itself for supervisors, admins
    /// and the system; for an agent, the query limited to their groups
    /// (a group filter naming only their groups is kept, one naming another
    /// group, or tickets without a group, is refused); requesters may not
    /// run reports.
    ///
    /// ```
    /// use helpdesk::report::{BucketSize, Dimension, ReportError, ReportQuery};
    /// use helpdesk::{Actor, AgentId, CustomerId, GroupId};
    /// let q = ReportQuery::new("2026-03-01T00:00:00Z".parse()?, "2026-04-01T00:00:00Z".parse()?, BucketSize::Day);
    /// let agent = Actor::agent(AgentId::new(), [GroupId::new("network-l1")?]);
    /// let scoped = q.authorize(&agent)?;
    /// assert_eq!(scoped.filters[0].dimension, Dimension::Group);
    /// assert_eq!(scoped.filters[0].values, vec![Some("network-l1".to_owned())]);
    /// assert!(matches!(q.authorize(&Actor::requester(CustomerId::new())), Err(ReportError::Forbidden { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorize(&self, actor: &Actor) -> Result<ReportQuery, ReportError> {
        let forbidden = || ReportError::Forbidden {
            actor: actor.kind(),
        };
        match actor {
            Actor::Supervisor { .. } | Actor::Admin { .. } | Actor::System => Ok(self.clone()),
            Actor::Agent { groups, .. } => {
                if groups.is_empty() {
                    return Err(forbidden());
                }
                let own = |v: &Option<String>| {
                    v.as_deref()
                        .is_some_and(|g| groups.iter().any(|x| x.as_str() == g))
                };
                let mut scoped = self.clone();
                let group_filters: Vec<&Filter> = self
                    .filters
                    .iter()
                    .filter(|f| f.dimension == Dimension::Group)
                    .collect();
                if group_filters.is_empty() {
                    scoped.filters.push(Filter {
                        dimension: Dimension::Group,
                        values: groups.iter().map(|g| Some(g.to_string())).collect(),
                    });
                } else if !group_filters.iter().all(|f| f.values.iter().all(own)) {
                    return Err(forbidden());
                }
                Ok(scoped)
            }
            _ => Err(forbidden()),
        }
    }
}

/// A report cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The period is empty or reversed.
    #[error("the report period is empty: from {from} is not before to {to}")]
    EmptyPeriod {
        /// Its start.
        from: DateTime<Utc>,
        /// Its end.
        to: DateTime<Utc>,
    },
    /// Too many buckets.
    #[error(
        "the report would have more than {max} buckets; choose a longer bucket or a shorter period"
    )]
    TooManyBuckets {
        /// The limit, [`MAX_BUCKETS`].
        max: usize,
    },
    /// A dimension is grouped by twice.
    #[error("the report groups by {dimension} twice")]
    DuplicateDimension {
        /// The dimension.
        dimension: Dimension,
    },
    /// A filter without values would keep nothing.
    #[error("the filter on {dimension} has no values")]
    EmptyFilter {
        /// The dimension.
        dimension: Dimension,
    },
    /// A bucket edge falls outside the dates the time zone arithmetic covers.
    #[error("the report period is outside the supported dates")]
    OutOfRange,
    /// A back end returned a cell outside the report: a bug in that back end.
    #[error("a report cell lies outside the report (bucket {bucket}, {key_len} group values)")]
    BadCell {
        /// Its bucket index.
        bucket: usize,
        /// How many group values its key has.
        key_len: usize,
    },
    /// The actor may not run this report.
    #[error("{actor} may not run this report")]
    Forbidden {
        /// Who tried.
        actor: ActorKind,
    },
}

impl ReportError {
    /// The query field at fault, for validation messages (`None` for
    /// [`ReportError::Forbidden`] and [`ReportError::BadCell`]).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ReportError::EmptyPeriod { .. } | ReportError::OutOfRange => Some("period"),
            ReportError::TooManyBuckets { .. } => Some("bucket"),
            ReportError::DuplicateDimension { .. } => Some("group_by"),
            ReportError::EmptyFilter { .. } => Some("filters"),
            ReportError::BadCell { .. } | ReportError::Forbidden { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{AgentId, GroupId};

    fn q() -> ReportQuery {
        ReportQuery::new(
            "2026-03-01T00:00:00Z".parse().unwrap(),
            "2026-03-08T00:00:00Z".parse().unwrap(),
            BucketSize::Day,
        )
    }

    #[test]
    fn invalid_queries_say_why() {
        let mut empty = q();
        empty.to = empty.from;
        assert!(matches!(
            empty.validate(),
            Err(ReportError::EmptyPeriod { .. })
        ));
        let twice = q()
            .group_by(Dimension::Channel)
            .group_by(Dimension::Channel);
        assert_eq!(
            twice.validate(),
            Err(ReportError::DuplicateDimension {
                dimension: Dimension::Channel
            })
        );
        let none = q().filter::<String>(Dimension::Group, []);
        assert_eq!(
            none.validate().unwrap_err().to_string(),
            "the filter on group has no values"
        );
        let mut long = q();
        long.bucket = BucketSize::Hour;
        long.to = "2028-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            long.validate(),
            Err(ReportError::TooManyBuckets { max: MAX_BUCKETS })
        );
    }

    #[test]
    fn agents_see_their_groups_only() {
        let l1 = GroupId::new("network-l1").unwrap();
        let agent = Actor::agent(AgentId::new(), [l1.clone()]);
        let own = q().filter(Dimension::Group, [Some("network-l1")]);
        assert_eq!(own.authorize(&agent).unwrap(), own);
        let other = q().filter(Dimension::Group, [Some("network-l1"), Some("billing")]);
        assert!(matches!(
            other.authorize(&agent),
            Err(ReportError::Forbidden {
                actor: ActorKind::Agent
            })
        ));
        let unrouted = q().filter::<String>(Dimension::Group, [None]);
        assert!(unrouted.authorize(&agent).is_err());
        let groupless = Actor::agent(AgentId::new(), []);
        assert!(q().authorize(&groupless).is_err());
        let boss = Actor::supervisor(AgentId::new());
        assert_eq!(other.authorize(&boss).unwrap(), other);
    }

    #[test]
    fn queries_read_from_json() {
        let q: ReportQuery = serde_json::from_str(
            r#"{"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z", "bucket": "week",
                "time_zone": "Europe/Paris", "group_by": ["channel", "priority"],
                "filters": [{"dimension": "category", "values": ["network/vpn", null]}]}"#,
        )
        .unwrap();
        assert_eq!(q.time_zone, chrono_tz::Europe::Paris);
        assert_eq!(q.group_by, vec![Dimension::Channel, Dimension::Priority]);
        assert_eq!(
            q.filters[0].values,
            vec![Some("network/vpn".to_owned()), None]
        );
    }
}
