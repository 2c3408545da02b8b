//! Reports: the figures of a help desk per period and group, their export
//! and charts, and early warning of spreading problems.
//!
//! # How it works
//!
//! When a command commits, the desk derives the ticket's [`MetricRow`] from
//! its timeline ([`MetricRow::from_timeline`]) and stores it with the
//! ticket. A report reads rows only: [`compute`] folds them in memory for a
//! [`ReportQuery`] (a period cut into buckets in a time zone, grouped by
//! dimensions, filtered); the SQL back ends run the same definitions as SQL
//! over their row tables and build the [`Figures`] with the same
//! constructors, so all agree exactly. A [`Report`] exports as CSV and JSON
//! ([`Report::to_csv`], [`Report::to_json`]) and draws as SVG ([`Chart`]).
//! [`spikes`] finds categories and organizations with unusually many new
//! tickets.
//!
//! # Definitions
//!
//! Durations are measured from the ticket's creation, in calendar seconds
//! and in business seconds of the ticket's SLA calendar (its open hours
//! only), and summarised by mean, median and 90th percentile. Percentiles
//! interpolate linearly between the two nearest ranks, exactly as
//! PostgreSQL's `percentile_cont` ([`percentile_cont`]).
//!
//! | figure | definition | bucket | convention |
//! |---|---|---|---|
//! | created | tickets opened | creation | |
//! | resolved | tickets whose latest move into a Done status falls in the bucket, while still Done | latest resolution | Zendesk "solved tickets" |
//! | backlog | tickets unresolved (not Done) at the bucket's end | each bucket's end | |
//! | first reply time | creation to the first public agent reply; tickets without one are left out | creation | Zendesk "first reply time" |
//! | full resolution time | creation to the latest resolution | latest resolution | Zendesk "full resolution time" |
//! | one-touch resolution rate | resolved tickets with fewer than 2 public agent replies / resolved tickets | latest resolution | Zendesk one-touch (1 reply) and zero-touch (0) together |
//! | reopen rate | resolved tickets reopened at least once / resolved tickets | latest resolution | Zendesk "% reopened" |
//! | SLA compliance, per metric | cycles met / (met + breached); a cycle is breached once its due passed, fulfilled late or still running | creation | JSM "SLA success" |
//! | CSAT | good / (good + bad); unrated tickets and other scales are left out | latest rating | Zendesk CSAT |
//! | average stars, average CES | mean of the scores | latest rating | |
//! | NPS | % promoters (9-10) − % detractors (0-6), −100 to 100 | latest rating | Bain & Company NPS |
//! | survey response rate | latest invitations answered (the latest rating is about their cycle) / latest invitations | latest invitation | |
//!
//! Requester wait and agent wait (Zendesk's "requester wait time" and
//! "agent wait time") are on every row: time in statuses waiting on the
//! desk (New, Open, On-hold) and on the requester (Pending). The knowledge
//! base's deflection rate joins the figures once suggestions and their
//! outcomes are recorded.
//!
//! A ticket is grouped by its dimensions as of its row (where it is now),
//! and each rating carries the assignee and group at rating time in the
//! timeline.
//!
//! # Example
//!
//! ```
//! use helpdesk::report::{compute, BucketSize, Chart, Dimension, Figure, MetricRow, ReportQuery, RowContext};
//! use helpdesk::ticket::Lifecycle;
//! use helpdesk::BusinessCalendar;
//! # let events = helpdesk::doc_support::doc_resolved_timeline("2026-03-06T14:00:00Z".parse()?, "2026-03-09T16:00:00Z".parse()?);
//! let (lifecycle, calendar) = (Lifecycle::default(), BusinessCalendar::always_open());
//! // The desk writes a row with every commit; here, one ticket's.
//! let row = MetricRow::from_timeline(&events, &RowContext::new(&lifecycle, &calendar, "2026-03-10T00:00:00Z".parse()?))?;
//!
//! let query = ReportQuery::new("2026-03-01T23:00:00Z".parse()?, "2026-03-15T23:00:00Z".parse()?, BucketSize::Week)
//!     .time_zone(chrono_tz::Europe::Paris) // two weeks from Monday midnight in Paris
//!     .group_by(Dimension::Channel);
//! let report = compute(&[row], &query)?;
//! assert_eq!(report.group_label(0), "portal");
//! assert_eq!(report.series(0, Figure::Created), [Some(1.0), Some(0.0)]);
//! assert_eq!(report.series(0, Figure::Resolved), [Some(0.0), Some(1.0)]);
//!
//! let csv = report.to_csv();
//! let svg = Chart::bars(&report, Figure::Created).to_svg();
//! # assert!(csv.contains("2026-W10") && svg.contains("portal"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bucket;
mod chart;
mod compute;
mod export;
mod figures;
mod query;
mod row;
mod spikes;

pub use bucket::Bucket;
pub use chart::{Chart, ChartKind};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use compute::Counts;
pub use compute::{GroupKey, Report, ReportRow, compute};
pub use figures::{
    Figure, Figures, Mean, Nps, Ratio, SlaFigures, Stat, Stats, TimeStats, Unit, percentile_cont,
};
pub use query::{BucketSize, Dimension, Filter, MAX_BUCKETS, ReportError, ReportQuery};
pub use row::{Elapsed, MetricRow, MetricRules, RowContext, SlaCycles, Span};
pub use spikes::{Arrival, Spike, SpikeKey, SpikeRule, arrivals, spikes};
