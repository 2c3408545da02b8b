//! The figures of one bucket and group, and the arithmetic that makes them.
//!
//! Every figure is kept with the counts it is made of (a rate with its
//! numerator and denominator, a mean with its count and sum), and every
//! derived number (rate, mean, score) is computed by this module from
//! those integers. A SQL back end returns the integers and the
//! percentiles; the in-memory fold computes the same integers; both then
//! go through the same constructors, so the reports agree to the bit.

use serde::{Deserialize, Serialize};

use crate::sla::Metric;

/// The `p`-quantile of sorted values by linear interpolation between the
/// two nearest ranks: exactly PostgreSQL's `percentile_cont(p)`.
///
/// With `n` values, the position is `pos = p * (n - 1)` (0-based), and the
/// result `lo + (hi - lo) * (pos - floor(pos))` where `lo` and `hi` are the
/// values at ranks `floor(pos)` and `ceil(pos)`, all in `f64` in that order
/// (PostgreSQL's `float8_lerp`); when the ranks coincide, the value itself.
/// A SQL back end without `percentile_cont` (SQLite) picks the two ranks
/// with window functions and interpolates with the same formula. `None`
/// for no values or `p` outside `[0, 1]`.
///
/// ```
/// use helpdesk::report::percentile_cont;
/// assert_eq!(percentile_cont(&[10, 20, 30, 40], 0.5), Some(25.0));
/// assert_eq!(percentile_cont(&[10, 20, 30, 40], 0.9), Some(37.0));
/// assert_eq!(percentile_cont(&[7], 0.9), Some(7.0));
/// assert_eq!(percentile_cont(&[], 0.5), None);
/// ```
pub fn percentile_cont(sorted: &[i64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let pos = p * (sorted.len() - 1) as f64;
    // Within 0..=n-1, as p is within [0, 1].
    let (lo_rank, hi_rank) = (pos.floor() as usize, pos.ceil() as usize);
    let lo = sorted[lo_rank] as f64;
    if lo_rank == hi_rank {
        return Some(lo);
    }
    let hi = sorted[hi_rank] as f64;
    Some(lo + (hi - lo) * (pos - lo_rank as f64))
}

/// `count / of`, `None` when `of` is 0.
fn rate(count: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| count as f64 / of as f64)
}

/// Mean, median and 90th percentile of a set of durations in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stats {
    /// How many values.
    pub count: u64,
    /// Their sum.
    pub sum: i64,
    /// `sum / count`.
    pub mean: Option<f64>,
    /// [`percentile_cont`] at 0.5.
    pub median: Option<f64>,
    /// [`percentile_cont`] at 0.9.
    pub p90: Option<f64>,
}

impl Stats {
    /// The statistics of `values` (sorted here).
    pub fn of(mut values: Vec<i64>) -> Self {
        values.sort_unstable();
        let sum = values.iter().sum();
        Stats::from_parts(
            values.len() as u64,
            sum,
            percentile_cont(&values, 0.5),
            percentile_cont(&values, 0.9),
        )
    }

    /// The statistics from their parts, as a SQL back end computes them
    /// (`count(*)`, `sum(x)`, and the two percentiles).
    pub fn from_parts(count: u64, sum: i64, median: Option<f64>, p90: Option<f64>) -> Self {
        Stats {
            count,
            sum,
            mean: (count > 0).then(|| sum as f64 / count as f64),
            median,
            p90,
        }
    }
}

/// A duration figure in calendar and in business seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TimeStats {
    /// In calendar seconds.
    pub calendar: Stats,
    /// In business seconds of each ticket's SLA calendar.
    pub business: Stats,
}

impl TimeStats {
    /// From the two statistics.
    pub fn new(calendar: Stats, business: Stats) -> Self {
        TimeStats { calendar, business }
    }
}

/// A share: `count` of `of`, and their ratio.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Ratio {
    /// The numerator.
    pub count: u64,
    /// The denominator.
    pub of: u64,
    /// `count / of` (`None` when `of` is 0).
    pub rate: Option<f64>,
}

impl Ratio {
    /// `count` of `of`.
    pub fn new(count: u64, of: u64) -> Self {
        Ratio {
            count,
            of,
            rate: rate(count, of),
        }
    }
}

/// An average of small integer scores (stars, CES).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mean {
    /// How many scores.
    pub count: u64,
    /// Their sum.
    pub sum: u64,
    /// `sum / count`.
    pub mean: Option<f64>,
}

impl Mean {
    /// From a count and a sum.
    pub fn new(count: u64, sum: u64) -> Self {
        Mean {
            count,
            sum,
            mean: rate(sum, count),
        }
    }
}

/// Net Promoter Score: the share of promoters (9-10) minus the share of
/// detractors (0-6), in points from -100 to 100 (Bain & Company's
/// definition; passives, 7-8, count in the total only).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Nps {
    /// Answers 9 or 10.
    pub promoters: u64,
    /// Answers 7 or 8.
    pub passives: u64,
    /// Answers 0 to 6.
    pub detractors: u64,
    /// `(promoters - detractors) / total * 100`.
    pub score: Option<f64>,
}

impl Nps {
    /// From the three counts.
    pub fn new(promoters: u64, passives: u64, detractors: u64) -> Self {
        let total = promoters + passives + detractors;
        Nps {
            promoters,
            passives,
            detractors,
            score: (total > 0)
                .then(|| (promoters as f64 - detractors as f64) / total as f64 * 100.0),
        }
    }
}

/// SLA compliance per metric: cycles met of cycles met or breached.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SlaFigures {
    /// First response.
    pub first_response: Ratio,
    /// Next response.
    pub next_response: Ratio,
    /// Periodic update.
    pub periodic_update: Ratio,
    /// Resolution.
    pub resolution: Ratio,
}

impl SlaFigures {
    /// The compliance of one metric.
    pub fn get(&self, metric: Metric) -> Ratio {
        match metric {
            Metric::FirstResponse => self.first_response,
            Metric::NextResponse => self.next_response,
            Metric::PeriodicUpdate => self.periodic_update,
            Metric::Resolution => self.resolution,
        }
    }

    /// Sets the compliance of one metric.
    pub fn set(&mut self, metric: Metric, ratio: Ratio) {
        match metric {
            Metric::FirstResponse => self.first_response = ratio,
            Metric::NextResponse => self.next_response = ratio,
            Metric::PeriodicUpdate => self.periodic_update = ratio,
            Metric::Resolution => self.resolution = ratio,
        }
    }
}

/// The figures of one bucket and one group. See the [module docs](super)
/// for each definition and the bucket each ticket counts in.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Figures {
    /// Tickets created in the bucket.
    pub created: u64,
    /// Tickets whose latest resolution falls in the bucket and that are
    /// still resolved.
    pub resolved: u64,
    /// Tickets unresolved at the end of the bucket.
    pub backlog: u64,
    /// First reply time of the tickets created in the bucket (those replied to).
    pub first_reply: TimeStats,
    /// Full resolution time of the tickets resolved in the bucket.
    pub full_resolution: TimeStats,
    /// Resolved tickets with fewer than 2 public agent replies, of resolved tickets.
    pub one_touch: Ratio,
    /// Resolved tickets reopened at least once, of resolved tickets.
    pub reopened: Ratio,
    /// SLA cycles met, of met or breached, of the tickets created in the bucket.
    pub sla: SlaFigures,
    /// CSAT: good ratings of good or bad ratings given in the bucket.
    pub csat: Ratio,
    /// Star ratings given in the bucket.
    pub stars: Mean,
    /// NPS answers given in the bucket.
    pub nps: Nps,
    /// CES answers given in the bucket.
    pub ces: Mean,
    /// Invitations sent in the bucket that were answered, of invitations sent.
    pub survey_response: Ratio,
}

/// Which statistic of a duration figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stat {
    /// The mean.
    Mean,
    /// The median ([`percentile_cont`] at 0.5).
    Median,
    /// The 90th percentile.
    P90,
}

impl Stat {
    fn of(self, s: &Stats) -> Option<f64> {
        match self {
            Stat::Mean => s.mean,
            Stat::Median => s.median,
            Stat::P90 => s.p90,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Stat::Mean => "mean",
            Stat::Median => "median",
            Stat::P90 => "p90",
        }
    }
}

/// What a figure's numbers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Unit {
    /// A number of tickets.
    Count,
    /// A duration in seconds.
    Seconds,
    /// A share from 0 to 1.
    Share,
    /// A score on its own scale (stars 1-5, CES 1-7, NPS -100 to 100).
    Score,
}

/// One number of [`Figures`], to chart or to pick out of a report.
///
/// Named in exports and APIs as e.g. `created`, `first_reply_median_business_secs`,
/// `sla_first_response_compliance`; [`Figure::all`] lists them, and
/// [`str::parse`] reads a name back.
///
/// ```
/// use helpdesk::report::{Figure, Stat};
/// use helpdesk::survey::TimeBasis;
/// let f: Figure = "first_reply_median_business_secs".parse()?;
/// assert_eq!(f, Figure::FirstReply(Stat::Median, TimeBasis::Business));
/// assert_eq!(f.label(), "first reply time, median (business hours)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Figure {
    /// Tickets created.
    Created,
    /// Tickets resolved.
    Resolved,
    /// Tickets unresolved at the bucket's end.
    Backlog,
    /// First reply time.
    FirstReply(Stat, crate::survey::TimeBasis),
    /// Full resolution time.
    FullResolution(Stat, crate::survey::TimeBasis),
    /// One-touch resolution rate.
    OneTouchRate,
    /// Reopen rate.
    ReopenRate,
    /// SLA compliance of one metric.
    SlaCompliance(Metric),
    /// CSAT.
    Csat,
    /// Average stars.
    StarsMean,
    /// Net Promoter Score.
    NpsScore,
    /// Average CES.
    CesMean,
    /// Survey response rate.
    SurveyResponseRate,
}

impl Figure {
    /// Every figure, in export order.
    pub fn all() -> Vec<Figure> {
        use crate::survey::TimeBasis::{Business, Calendar};
        let mut out = vec![Figure::Created, Figure::Resolved, Figure::Backlog];
        for make in [Figure::FirstReply, Figure::FullResolution] {
            for basis in [Calendar, Business] {
                for stat in [Stat::Mean, Stat::Median, Stat::P90] {
                    out.push(make(stat, basis));
                }
            }
        }
        out.extend([Figure::OneTouchRate, Figure::ReopenRate]);
        out.extend(Metric::ALL.map(Figure::SlaCompliance));
        out.extend([
            Figure::Csat,
            Figure::StarsMean,
            Figure::NpsScore,
            Figure::CesMean,
            Figure::SurveyResponseRate,
        ]);
        out
    }

    /// Its value in `f` (`None` where it is undefined, e.g. a rate of nothing).
    pub fn value(self, f: &Figures) -> Option<f64> {
        use crate::survey::TimeBasis;
        let time = |t: &TimeStats, basis| match basis {
            TimeBasis::Calendar => t.calendar,
            TimeBasis::Business => t.business,
        };
        match self {
            Figure::Created => Some(f.created as f64),
            Figure::Resolved => Some(f.resolved as f64),
            Figure::Backlog => Some(f.backlog as f64),
            Figure::FirstReply(s, b) => s.of(&time(&f.first_reply, b)),
            Figure::FullResolution(s, b) => s.of(&time(&f.full_resolution, b)),
            Figure::OneTouchRate => f.one_touch.rate,
            Figure::ReopenRate => f.reopened.rate,
            Figure::SlaCompliance(m) => f.sla.get(m).rate,
            Figure::Csat => f.csat.rate,
            Figure::StarsMean => f.stars.mean,
            Figure::NpsScore => f.nps.score,
            Figure::CesMean => f.ces.mean,
            Figure::SurveyResponseRate => f.survey_response.rate,
        }
    }

    /// The name in exports and APIs.
    pub fn name(self) -> String {
        use crate::survey::TimeBasis;
        let basis = |b| match b {
            TimeBasis::Calendar => "calendar",
            TimeBasis::Business => "business",
        };
        match self {
            Figure::Created => "created".into(),
            Figure::Resolved => "resolved".into(),
            Figure::Backlog => "backlog".into(),
            Figure::FirstReply(s, b) => format!("first_reply_{}_{}_secs", s.as_str(), basis(b)),
            Figure::FullResolution(s, b) => {
                format!("full_resolution_{}_{}_secs", s.as_str(), basis(b))
            }
            Figure::OneTouchRate => "one_touch_rate".into(),
            Figure::ReopenRate => "reopen_rate".into(),
            Figure::SlaCompliance(m) => format!("sla_{}_compliance", m.as_str()),
            Figure::Csat => "csat".into(),
            Figure::StarsMean => "stars_mean".into(),
            Figure::NpsScore => "nps".into(),
            Figure::CesMean => "ces_mean".into(),
            Figure::SurveyResponseRate => "survey_response_rate".into(),
        }
    }

    /// A label for people, e.g. `first reply time, median (business hours)`.
    pub fn label(self) -> String {
        use crate::survey::TimeBasis;
        let hours = |b| match b {
            TimeBasis::Calendar => "calendar hours",
            TimeBasis::Business => "business hours",
        };
        let stat = |s| match s {
            Stat::Mean => "mean",
            Stat::Median => "median",
            Stat::P90 => "90th percentile",
        };
        match self {
            Figure::Created => "tickets created".into(),
            Figure::Resolved => "tickets resolved".into(),
            Figure::Backlog => "backlog at bucket end".into(),
            Figure::FirstReply(s, b) => format!("first reply time, {} ({})", stat(s), hours(b)),
            Figure::FullResolution(s, b) => {
                format!("full resolution time, {} ({})", stat(s), hours(b))
            }
            Figure::OneTouchRate => "one-touch resolution rate".into(),
            Figure::ReopenRate => "reopen rate".into(),
            Figure::SlaCompliance(m) => format!("SLA compliance, {}", m.label()),
            Figure::Csat => "CSAT".into(),
            Figure::StarsMean => "average stars".into(),
            Figure::NpsScore => "NPS".into(),
            Figure::CesMean => "average CES".into(),
            Figure::SurveyResponseRate => "survey response rate".into(),
        }
    }

    /// What its numbers are.
    pub fn unit(self) -> Unit {
        match self {
            Figure::Created | Figure::Resolved | Figure::Backlog => Unit::Count,
            Figure::FirstReply(..) | Figure::FullResolution(..) => Unit::Seconds,
            Figure::OneTouchRate
            | Figure::ReopenRate
            | Figure::SlaCompliance(_)
            | Figure::Csat
            | Figure::SurveyResponseRate => Unit::Share,
            Figure::StarsMean | Figure::NpsScore | Figure::CesMean => Unit::Score,
        }
    }
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl std::str::FromStr for Figure {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Figure::all()
            .into_iter()
            .find(|f| f.name() == s.trim())
            .ok_or_else(|| {
                crate::Error::validation("figure", format!("`{s}` is not a report figure"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What PostgreSQL 15 answers (`set extra_float_digits = 3; select
    /// percentile_cont(0.5) within group (order by x), percentile_cont(0.9)
    /// within group (order by x) from unnest(array[...]::bigint[]) x`),
    /// to the last bit of the `f64`.
    #[test]
    fn percentiles_match_postgresql() {
        let cases: [(&[i64], f64, f64); 7] = [
            (&[1], 1.0, 1.0),
            (&[1, 2], 1.5, 1.9),
            (&[3, 1, 2], 2.0, 2.8),
            (&[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 55.0, 91.0),
            (&[0, 0, 0, 3600, 86_400], 0.0, 53_280.000_000_000_01),
            (&[1, 2, 3, 4, 5, 6, 7], 4.0, 6.4),
            (
                &[7, 100, 3, 3, 3, 1000, 12, 13],
                9.5,
                369.999_999_999_999_83,
            ),
        ];
        for (values, median, p90) in cases {
            let s = Stats::of(values.to_vec());
            assert_eq!((s.median, s.p90), (Some(median), Some(p90)), "{values:?}");
        }
    }

    #[test]
    fn derived_numbers_come_from_the_counts() {
        assert_eq!(Ratio::new(3, 4).rate, Some(0.75));
        assert_eq!(Ratio::new(0, 0).rate, None);
        assert_eq!(Mean::new(4, 18).mean, Some(4.5));
        assert_eq!(Nps::new(5, 3, 2).score, Some(30.0));
        assert_eq!(Nps::new(0, 0, 0).score, None);
        assert_eq!(Stats::of(vec![]).mean, None);
        assert_eq!(Stats::of(vec![1, 2]).mean, Some(1.5));
    }

    #[test]
    fn figure_names_are_unique_and_parse_back() {
        let all = Figure::all();
        let names: std::collections::BTreeSet<String> = all.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), all.len());
        for f in all {
            assert_eq!(f.name().parse::<Figure>().unwrap(), f);
        }
        assert!("median".parse::<Figure>().is_err());
    }
}
