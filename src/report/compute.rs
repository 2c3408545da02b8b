//! The in-memory report: a fold over metric rows.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Bucket, Figure, Figures, Mean, MetricRow, Nps, Ratio, ReportError, ReportQuery, SlaFigures,
    Stats, TimeStats,
};
use crate::sla::Metric;
use crate::survey::{NpsGroup, Score};

/// A group's values of the query's `group_by` dimensions, in that order
/// (`None`: the ticket has no value). Empty when the report is not grouped.
pub type GroupKey = Vec<Option<String>>;

/// The figures of one bucket and group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReportRow {
    /// The bucket.
    pub bucket: Bucket,
    /// The group.
    pub group: GroupKey,
    /// Its figures.
    pub figures: Figures,
}

/// A report: figures per bucket and group.
///
/// Dense: every bucket has a row for every group, in bucket order and,
/// within a bucket, in the order of [`Report::groups`] (sorted, tickets
/// without a value first). An ungrouped report has one group, the empty
/// key, even when no ticket counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// The query it answers.
    pub query: ReportQuery,
    /// Its buckets, in order.
    pub buckets: Vec<Bucket>,
    /// Its groups, sorted.
    pub groups: Vec<GroupKey>,
    /// `buckets.len() * groups.len()` rows, bucket by bucket.
    pub rows: Vec<ReportRow>,
}

impl Report {
    /// A report from the figures of the cells in which some ticket counts,
    /// as a SQL back end computes them: `(bucket index, group key,
    /// figures)`, in any order. Made dense and sorted here, the same way
    /// for every back end (group keys sort as Rust strings do, byte by
    /// byte, whatever the database's collation).
    ///
    /// A cell outside the query's buckets, or with a key that does not fit
    /// its `group_by`, is [`ReportError::BadCell`].
    pub fn from_cells(
        query: &ReportQuery,
        cells: impl IntoIterator<Item = (usize, GroupKey, Figures)>,
    ) -> Result<Report, ReportError> {
        let buckets = query.buckets()?;
        let mut by_group: BTreeMap<GroupKey, BTreeMap<usize, Figures>> = BTreeMap::new();
        if query.group_by.is_empty() {
            by_group.insert(Vec::new(), BTreeMap::new());
        }
        for (bucket, key, figures) in cells {
            if bucket >= buckets.len() || key.len() != query.group_by.len() {
                return Err(ReportError::BadCell {
                    bucket,
                    key_len: key.len(),
                });
            }
            by_group.entry(key).or_default().insert(bucket, figures);
        }
        let mut rows = Vec::with_capacity(buckets.len() * by_group.len());
        for (b, bucket) in buckets.iter().enumerate() {
            for (key, cells) in &by_group {
                rows.push(ReportRow {
                    bucket: bucket.clone(),
                    group: key.clone(),
                    figures: cells.get(&b).copied().unwrap_or_default(),
                });
            }
        }
        Ok(Report {
            query: query.clone(),
            buckets,
            groups: by_group.into_keys().collect(),
            rows,
        })
    }

    /// The figures of bucket `bucket` and group `group` (indices into
    /// [`buckets`](Self::buckets) and [`groups`](Self::groups)).
    pub fn cell(&self, bucket: usize, group: usize) -> Option<&Figures> {
        if group >= self.groups.len() {
            return None;
        }
        self.rows
            .get(bucket * self.groups.len() + group)
            .map(|r| &r.figures)
    }

    /// One figure of one group over the buckets.
    pub fn series(&self, group: usize, figure: Figure) -> Vec<Option<f64>> {
        (0..self.buckets.len())
            .map(|b| self.cell(b, group).and_then(|f| figure.value(f)))
            .collect()
    }

    /// A group's name for people: its values joined by ` / `, `(none)` for
    /// a missing value, `all` for the ungrouped report's one group.
    pub fn group_label(&self, group: usize) -> String {
        match self.groups.get(group) {
            None => String::new(),
            Some(key) if key.is_empty() => "all".to_owned(),
            Some(key) => key
                .iter()
                .map(|v| v.as_deref().unwrap_or("(none)"))
                .collect::<Vec<_>>()
                .join(" / "),
        }
    }
}

/// The integers one cell's figures are made of.
#[derive(Debug, Default)]
struct Tally {
    created: u64,
    resolved: u64,
    backlog: u64,
    first_reply: [Vec<i64>; 2],
    full_resolution: [Vec<i64>; 2],
    one_touch: u64,
    reopened: u64,
    sla_met: [u64; 4],
    sla_breached: [u64; 4],
    good: u64,
    bad: u64,
    stars: (u64, u64),
    ces: (u64, u64),
    nps: [u64; 3],
    surveys_sent: u64,
    surveys_answered: u64,
}

impl Tally {
    fn figures(self) -> Figures {
        let [frc, frb] = self.first_reply;
        let [fuc, fub] = self.full_resolution;
        Counts {
            created: self.created,
            resolved: self.resolved,
            backlog: self.backlog,
            first_reply: [Stats::of(frc), Stats::of(frb)],
            full_resolution: [Stats::of(fuc), Stats::of(fub)],
            one_touch: self.one_touch,
            reopened: self.reopened,
            sla_met: self.sla_met,
            sla_breached: self.sla_breached,
            good: self.good,
            bad: self.bad,
            stars: self.stars,
            ces: self.ces,
            nps: self.nps,
            surveys_sent: self.surveys_sent,
            surveys_answered: self.surveys_answered,
        }
        .figures()
    }
}

/// What one cell's figures are made of, as the fold and the SQL back ends
/// both produce it: counts, and the duration statistics (calendar,
/// business). [`Counts::figures`] is the one place they become figures.
#[derive(Debug, Default, Clone)]
pub(crate) struct Counts {
    pub(crate) created: u64,
    pub(crate) resolved: u64,
    pub(crate) backlog: u64,
    pub(crate) first_reply: [Stats; 2],
    pub(crate) full_resolution: [Stats; 2],
    pub(crate) one_touch: u64,
    pub(crate) reopened: u64,
    pub(crate) sla_met: [u64; 4],
    pub(crate) sla_breached: [u64; 4],
    pub(crate) good: u64,
    pub(crate) bad: u64,
    /// (count, sum)
    pub(crate) stars: (u64, u64),
    /// (count, sum)
    pub(crate) ces: (u64, u64),
    /// promoters, passives, detractors
    pub(crate) nps: [u64; 3],
    pub(crate) surveys_sent: u64,
    pub(crate) surveys_answered: u64,
}

impl Counts {
    pub(crate) fn figures(self) -> Figures {
        let [frc, frb] = self.first_reply;
        let [fuc, fub] = self.full_resolution;
        let mut sla = SlaFigures::default();
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            let (met, breached) = (self.sla_met[i], self.sla_breached[i]);
            sla.set(m, Ratio::new(met, met + breached));
        }
        Figures {
            created: self.created,
            resolved: self.resolved,
            backlog: self.backlog,
            first_reply: TimeStats::new(frc, frb),
            full_resolution: TimeStats::new(fuc, fub),
            one_touch: Ratio::new(self.one_touch, self.resolved),
            reopened: Ratio::new(self.reopened, self.resolved),
            sla,
            csat: Ratio::new(self.good, self.good + self.bad),
            stars: Mean::new(self.stars.0, self.stars.1),
            nps: Nps::new(self.nps[0], self.nps[1], self.nps[2]),
            ces: Mean::new(self.ces.0, self.ces.1),
            survey_response: Ratio::new(self.surveys_answered, self.surveys_sent),
        }
    }
}

/// The report of `rows` for `query`, computed in memory.
///
/// Each ticket counts in the buckets its figures belong to (see the
/// [module docs](super) for the definitions):
///
/// | figure | bucket of |
/// |---|---|
/// | created, first reply time, SLA compliance | creation |
/// | resolved, full resolution time, one-touch rate, reopen rate | latest resolution (while still resolved) |
/// | backlog | every bucket at whose end it is unresolved |
/// | CSAT, stars, NPS, CES | the latest rating |
/// | survey response rate | the latest invitation |
///
/// ```
/// use helpdesk::report::{compute, BucketSize, MetricRow, ReportQuery, RowContext};
/// use helpdesk::ticket::Lifecycle;
/// use helpdesk::BusinessCalendar;
/// # let events = helpdesk::doc_support::doc_resolved_timeline("2026-03-06T14:00:00Z".parse()?, "2026-03-09T16:00:00Z".parse()?);
/// // `events`: opened Friday March 6, resolved Monday March 9.
/// let (lifecycle, calendar) = (Lifecycle::default(), BusinessCalendar::always_open());
/// let row = MetricRow::from_timeline(&events, &RowContext::new(&lifecycle, &calendar, "2026-03-10T00:00:00Z".parse()?))?;
/// let query = ReportQuery::new("2026-03-05T00:00:00Z".parse()?, "2026-03-11T00:00:00Z".parse()?, BucketSize::Day);
/// let report = compute(&[row], &query)?;
/// let created: Vec<u64> = report.rows.iter().map(|r| r.figures.created).collect();
/// let backlog: Vec<u64> = report.rows.iter().map(|r| r.figures.backlog).collect();
/// assert_eq!(created, [0, 1, 0, 0, 0, 0]);
/// assert_eq!(backlog, [0, 1, 1, 1, 0, 0]); // unresolved at the end of Fri, Sat, Sun
/// assert_eq!(report.rows[4].figures.resolved, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compute(rows: &[MetricRow], query: &ReportQuery) -> Result<Report, ReportError> {
    let buckets = query.buckets()?;
    let bucket_of = |t: DateTime<Utc>| -> Option<usize> {
        let i = buckets.partition_point(|b| b.end <= t);
        buckets.get(i).filter(|b| b.start <= t).map(|_| i)
    };
    let mut cells: BTreeMap<GroupKey, BTreeMap<usize, Tally>> = BTreeMap::new();
    for row in rows.iter().filter(|r| query.keeps(r)) {
        let key: GroupKey = query.group_by.iter().map(|d| d.value(row)).collect();
        let group = cells.entry(key).or_default();
        if let Some(b) = bucket_of(row.created_at) {
            created(cell(group, b), row);
        }
        if let (true, Some(b)) = (row.resolved, row.latest_resolved_at.and_then(bucket_of)) {
            resolved(cell(group, b), row);
        }
        if let (Some(score), Some(b)) = (row.rating, row.rated_at.and_then(bucket_of)) {
            rated(cell(group, b), score);
        }
        if let Some(b) = row.survey_sent_at.and_then(bucket_of) {
            let t = cell(group, b);
            t.surveys_sent += 1;
            t.surveys_answered += u64::from(row.survey_answered());
        }
        for span in &row.unresolved {
            let first = buckets.partition_point(|b| b.end <= span.from);
            for (b, bucket) in buckets.iter().enumerate().skip(first) {
                if !span.open_just_before(bucket.end) {
                    break;
                }
                cell(group, b).backlog += 1;
            }
        }
    }
    let figures = cells.into_iter().flat_map(|(key, tallies)| {
        tallies
            .into_iter()
            .map(move |(b, tally)| (b, key.clone(), tally.figures()))
    });
    Report::from_cells(query, figures)
}

fn cell(group: &mut BTreeMap<usize, Tally>, bucket: usize) -> &mut Tally {
    group.entry(bucket).or_default()
}

fn created(t: &mut Tally, row: &MetricRow) {
    t.created += 1;
    if let Some(e) = row.first_reply {
        t.first_reply[0].push(e.calendar_secs);
        t.first_reply[1].push(e.business_secs);
    }
    for (i, c) in row.sla.iter().enumerate() {
        t.sla_met[i] += u64::from(c.met);
        t.sla_breached[i] += u64::from(c.breached);
    }
}

fn resolved(t: &mut Tally, row: &MetricRow) {
    t.resolved += 1;
    if let Some(e) = row.full_resolution {
        t.full_resolution[0].push(e.calendar_secs);
        t.full_resolution[1].push(e.business_secs);
    }
    t.one_touch += u64::from(row.one_touch());
    t.reopened += u64::from(row.reopens > 0);
}

fn rated(t: &mut Tally, score: Score) {
    match score {
        Score::Good => t.good += 1,
        Score::Bad => t.bad += 1,
        Score::Stars(v) => {
            t.stars.0 += 1;
            t.stars.1 += u64::from(v);
        }
        Score::Ces(v) => {
            t.ces.0 += 1;
            t.ces.1 += u64::from(v);
        }
        Score::Nps(_) => match score.nps_group() {
            Some(NpsGroup::Promoter) => t.nps[0] += 1,
            Some(NpsGroup::Passive) => t.nps[1] += 1,
            _ => t.nps[2] += 1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Priority;
    use crate::report::{BucketSize, Dimension, RowContext};
    use crate::survey::testing::*;
    use crate::survey::{Invited, Rated, Rating, SurveyHistory, SurveyRecord, TimeBasis};
    use crate::ticket::{Channel, Lifecycle};

    fn row_of(t: &Timeline, surveys: &SurveyHistory, as_of: &str) -> MetricRow {
        let lc = Lifecycle::default();
        let cal = office_calendar();
        let ctx = RowContext::new(&lc, &cal, at(as_of)).surveys(surveys);
        MetricRow::from_timeline(&t.events, &ctx).unwrap()
    }

    fn rated(cycle: u32, score: Score) -> SurveyRecord {
        SurveyRecord::Rated(Rated {
            cycle,
            rating: Rating::new(score),
            assignee: None,
            group: None,
        })
    }

    fn invited(cycle: u32) -> SurveyRecord {
        SurveyRecord::Invited(Invited::new(cycle, at("2026-04-30T00:00:00Z")))
    }

    /// Three tickets in the week of Monday 2026-03-09 (office hours 09-17 UTC).
    fn rows() -> Vec<MetricRow> {
        let none = SurveyHistory::new();
        // A: email, replied after 1 h, resolved Tuesday with one reply, rated good.
        let mut a = Timeline::opened(at("2026-03-09T09:00:00Z"), |c| c.channel = Channel::Email);
        a.reply("2026-03-09T10:00:00Z")
            .status("resolved", "2026-03-10T09:00:00Z");
        let mut ha = SurveyHistory::new();
        ha.push(at("2026-03-11T09:00:00Z"), invited(1));
        ha.push(at("2026-03-11T12:00:00Z"), rated(1, Score::Good));
        // B: email, replied twice, resolved Monday, reopened Tuesday, resolved Wednesday; invited, not answered.
        let mut b = Timeline::opened(at("2026-03-09T12:00:00Z"), |c| c.channel = Channel::Email);
        b.reply("2026-03-09T14:00:00Z")
            .status("resolved", "2026-03-09T15:00:00Z")
            .status("open", "2026-03-10T12:00:00Z")
            .reply("2026-03-10T13:00:00Z")
            .status("resolved", "2026-03-11T09:00:00Z")
            .sla_met(Metric::FirstResponse, 1, "2026-03-09T14:00:00Z")
            .sla_breached(Metric::Resolution, 2, "2026-03-11T08:00:00Z");
        let mut hb = SurveyHistory::new();
        hb.push(at("2026-03-12T09:00:00Z"), invited(2));
        hb.push(at("2026-03-12T10:00:00Z"), rated(1, Score::Bad));
        // C: phone, created Tuesday, never replied, still open.
        let mut c = Timeline::opened(at("2026-03-10T10:00:00Z"), |c| {
            c.channel = Channel::Phone;
            c.priority = Priority::High;
        });
        c.note("2026-03-10T11:00:00Z").sla_breached(
            Metric::FirstResponse,
            1,
            "2026-03-10T14:00:00Z",
        );
        vec![
            row_of(&a, &ha, "2026-03-13T00:00:00Z"),
            row_of(&b, &hb, "2026-03-13T00:00:00Z"),
            row_of(&c, &none, "2026-03-13T00:00:00Z"),
        ]
    }

    fn week() -> ReportQuery {
        ReportQuery::new(
            at("2026-03-09T00:00:00Z"),
            at("2026-03-13T00:00:00Z"),
            BucketSize::Day,
        )
    }

    fn column(r: &Report, g: usize, f: Figure) -> Vec<Option<f64>> {
        r.series(g, f)
    }

    #[test]
    fn counts_land_in_their_buckets() {
        let r = compute(&rows(), &week()).unwrap();
        assert_eq!(r.buckets.len(), 4);
        assert_eq!(r.groups, vec![Vec::<Option<String>>::new()]);
        let f = |fig| column(&r, 0, fig);
        assert_eq!(
            f(Figure::Created),
            [Some(2.0), Some(1.0), Some(0.0), Some(0.0)]
        );
        // A resolved Tuesday; B's latest resolution is Wednesday.
        assert_eq!(
            f(Figure::Resolved),
            [Some(0.0), Some(1.0), Some(1.0), Some(0.0)]
        );
        // Monday end: A open, B resolved. Tuesday end: B reopened, C open. Then C.
        assert_eq!(
            f(Figure::Backlog),
            [Some(1.0), Some(2.0), Some(1.0), Some(1.0)]
        );
    }

    #[test]
    fn times_rates_and_sla() {
        let r = compute(&rows(), &week()).unwrap();
        let mon = r.cell(0, 0).unwrap();
        // First replies of Monday's tickets: 1 h and 2 h.
        assert_eq!(mon.first_reply.calendar.count, 2);
        assert_eq!(mon.first_reply.calendar.median, Some(5400.0));
        assert_eq!(mon.first_reply.business.p90, Some(6840.0));
        assert_eq!(mon.sla.first_response, Ratio::new(1, 1));
        assert_eq!(mon.sla.resolution, Ratio::new(0, 1));
        let tue = r.cell(1, 0).unwrap();
        assert_eq!(
            tue.sla.first_response,
            Ratio::new(0, 1),
            "C breached, still unanswered"
        );
        assert_eq!(tue.full_resolution.calendar.mean, Some(24.0 * 3600.0));
        assert_eq!(tue.full_resolution.business.mean, Some(8.0 * 3600.0));
        assert_eq!(tue.one_touch, Ratio::new(1, 1));
        assert_eq!(tue.reopened, Ratio::new(0, 1));
        let wed = r.cell(2, 0).unwrap();
        assert_eq!(wed.one_touch, Ratio::new(0, 1), "B had two replies");
        assert_eq!(wed.reopened, Ratio::new(1, 1));
        // Surveys: A invited and answered Wednesday; B invited (cycle 2) Thursday,
        // its rating is about cycle 1, so unanswered.
        assert_eq!(wed.csat, Ratio::new(1, 1));
        assert_eq!(wed.survey_response, Ratio::new(1, 1));
        let thu = r.cell(3, 0).unwrap();
        assert_eq!(thu.csat, Ratio::new(0, 1));
        assert_eq!(thu.survey_response, Ratio::new(0, 1));
        assert_eq!(
            column(&r, 0, Figure::Csat),
            [None, None, Some(1.0), Some(0.0)]
        );
    }

    #[test]
    fn grouping_is_dense_and_sorted_and_filters_apply() {
        let q = week()
            .group_by(Dimension::Channel)
            .group_by(Dimension::Priority);
        let r = compute(&rows(), &q).unwrap();
        let some = |a: &str, b: &str| vec![Some(a.to_owned()), Some(b.to_owned())];
        assert_eq!(
            r.groups,
            vec![some("email", "medium"), some("phone", "high")]
        );
        assert_eq!(r.rows.len(), 4 * 2);
        assert_eq!(r.group_label(1), "phone / high");
        assert_eq!(
            column(&r, 1, Figure::Created),
            [Some(0.0), Some(1.0), Some(0.0), Some(0.0)]
        );
        assert_eq!(r.rows[3].group, some("phone", "high"));
        assert_eq!(r.rows[3].bucket.label, "2026-03-10");

        let phone = compute(&rows(), &week().filter(Dimension::Channel, [Some("phone")])).unwrap();
        assert_eq!(phone.rows.iter().map(|x| x.figures.created).sum::<u64>(), 1);
        let by_category = compute(&rows(), &week().group_by(Dimension::Category)).unwrap();
        assert_eq!(by_category.groups, vec![vec![None]]);
        assert_eq!(by_category.group_label(0), "(none)");
        let nothing = compute(
            &rows(),
            &week()
                .group_by(Dimension::Organization)
                .filter(Dimension::Channel, [Some("chat")]),
        )
        .unwrap();
        assert!(nothing.groups.is_empty() && nothing.rows.is_empty());
        let ungrouped = compute(&[], &week()).unwrap();
        assert_eq!((ungrouped.groups.len(), ungrouped.rows.len()), (1, 4));
    }

    #[test]
    fn from_cells_sorts_and_fills_what_a_back_end_returns() {
        let q = week().group_by(Dimension::Channel);
        let f = |created| Figures {
            created,
            ..Figures::default()
        };
        let cells = vec![
            (2, vec![Some("phone".to_owned())], f(3)),
            (0, vec![None], f(1)),
            (0, vec![Some("email".to_owned())], f(2)),
        ];
        let r = Report::from_cells(&q, cells).unwrap();
        assert_eq!(
            r.groups,
            vec![
                vec![None],
                vec![Some("email".into())],
                vec![Some("phone".into())]
            ]
        );
        assert_eq!(
            r.series(2, Figure::Created),
            [Some(0.0), Some(0.0), Some(3.0), Some(0.0)]
        );
        assert_eq!(
            Report::from_cells(&q, [(4, vec![None], f(1))]),
            Err(ReportError::BadCell {
                bucket: 4,
                key_len: 1
            })
        );
        assert!(Report::from_cells(&q, [(0, vec![], f(1))]).is_err());
    }

    #[test]
    fn business_and_calendar_figures_differ_over_a_weekend() {
        let mut t = Timeline::new(at("2026-03-06T16:00:00Z")); // Friday
        t.reply("2026-03-09T10:00:00Z");
        let row = row_of(&t, &SurveyHistory::new(), "2026-03-09T10:00:00Z");
        let q = ReportQuery::new(
            at("2026-03-02T00:00:00Z"),
            at("2026-03-16T00:00:00Z"),
            BucketSize::Week,
        );
        let r = compute(&[row], &q).unwrap();
        let cal = Figure::FirstReply(super::super::Stat::Median, TimeBasis::Calendar);
        let biz = Figure::FirstReply(super::super::Stat::Median, TimeBasis::Business);
        assert_eq!(r.series(0, cal), [Some(66.0 * 3600.0), None]);
        assert_eq!(r.series(0, biz), [Some(2.0 * 3600.0), None]);
    }
}
