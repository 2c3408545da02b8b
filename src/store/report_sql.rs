//! The report SQL the SQLite and PostgreSQL back ends share: the metric
//! row's columns, and the statements a report is computed by.
//!
//! A report is a handful of aggregate queries over `metric_rows` (and
//! `metric_spans` for the backlog), one per instant a figure is bucketed
//! by (creation, latest resolution, latest rating, latest invitation, each
//! bucket's end). The buckets are cut in Rust ([`ReportQuery::buckets`]:
//! time zones and DST are the crate's rules, not the database's) and
//! enter the SQL as a `VALUES` list of integer literals; the rows are
//! joined to their bucket, grouped by bucket and dimensions, and counted
//! by the database. Percentiles are `percentile_cont` on PostgreSQL; on
//! SQLite the two ranks around each percentile are picked with window
//! functions and interpolated here by the same formula
//! ([`percentile_cont`](crate::report::percentile_cont)). Every cell's
//! integers then become figures through the same constructors as the
//! in-memory fold, so the back ends agree exactly.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::sql_common::Arg;
use crate::error::Result;
use crate::report::{Counts, Dimension, GroupKey, MetricRow, Report, ReportQuery, Stats};
use crate::survey::Score;

/// Which database the SQL is for, where the two differ (percentiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(all(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// The row's columns besides the ticket id and the JSON body, in the order
/// of [`UPSERT_METRIC_ROW`]'s placeholders `$3`...
pub(crate) const METRIC_COLUMNS: [&str; 27] = [
    "group_id",
    "agent",
    "channel",
    "category",
    "priority",
    "organization",
    "created_at",
    "resolved_at",
    "first_reply_cal",
    "first_reply_bus",
    "full_resolution_cal",
    "full_resolution_bus",
    "one_touch",
    "reopened",
    "sla_met_0",
    "sla_met_1",
    "sla_met_2",
    "sla_met_3",
    "sla_breached_0",
    "sla_breached_1",
    "sla_breached_2",
    "sla_breached_3",
    "rating_scale",
    "rating_value",
    "rated_at",
    "survey_sent_at",
    "survey_answered",
];

/// A metric row's column values, in [`METRIC_COLUMNS`] order.
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
}

/// The values of `row`'s columns.
pub(crate) fn metric_values(row: &MetricRow) -> Vec<Value> {
    use Value::{Int, Text};
    let micros = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp_micros());
    let (scale, value) = match row.rating {
        None => (None, None),
        Some(Score::Good) => (Some("good_bad"), Some(1)),
        Some(Score::Bad) => (Some("good_bad"), Some(0)),
        Some(Score::Stars(v)) => (Some("stars"), Some(i64::from(v))),
        Some(Score::Nps(v)) => (Some("nps"), Some(i64::from(v))),
        Some(Score::Ces(v)) => (Some("ces"), Some(i64::from(v))),
    };
    let dim = |d: Dimension| Text(d.value(row));
    let mut v = vec![
        dim(Dimension::Group),
        dim(Dimension::Agent),
        dim(Dimension::Channel),
        dim(Dimension::Category),
        dim(Dimension::Priority),
        dim(Dimension::Organization),
        Int(Some(row.created_at.timestamp_micros())),
        Int(micros(row.latest_resolved_at.filter(|_| row.resolved))),
        Int(row.first_reply.map(|e| e.calendar_secs)),
        Int(row.first_reply.map(|e| e.business_secs)),
        Int(row.full_resolution.map(|e| e.calendar_secs)),
        Int(row.full_resolution.map(|e| e.business_secs)),
        Int(Some(i64::from(row.one_touch()))),
        Int(Some(i64::from(row.reopens > 0))),
    ];
    v.extend(row.sla.iter().map(|c| Int(Some(i64::from(c.met)))));
    v.extend(row.sla.iter().map(|c| Int(Some(i64::from(c.breached)))));
    v.extend([
        Text(scale.map(str::to_owned)),
        Int(value),
        Int(micros(row.rated_at.filter(|_| row.rating.is_some()))),
        Int(micros(row.survey_sent_at)),
        Int(Some(i64::from(row.survey_answered()))),
    ]);
    v
}

/// The spans of `row` as `(n, from, until)` in microseconds.
pub(crate) fn metric_spans(row: &MetricRow) -> Vec<(i64, i64, Option<i64>)> {
    (0_i64..)
        .zip(&row.unresolved)
        .map(|(n, s)| {
            (
                n,
                s.from.timestamp_micros(),
                s.until.map(|u| u.timestamp_micros()),
            )
        })
        .collect()
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts or replaces a ticket's row: `$1` ticket id, `$2` body, then
/// [`METRIC_COLUMNS`].
pub(crate) static UPSERT_METRIC_ROW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let cols = METRIC_COLUMNS.join(", ");
    let set = METRIC_COLUMNS
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO metric_rows (ticket_id, body, {cols}) VALUES ({}) \
             ON CONFLICT (ticket_id) DO UPDATE SET body = excluded.body, {set}",
        placeholders(1, METRIC_COLUMNS.len() + 2)
    )
});

/// Inserts a row unless the ticket has one: same placeholders as
/// [`UPSERT_METRIC_ROW`]; zero rows when it has.
pub(crate) static INSERT_METRIC_ROW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO metric_rows (ticket_id, body, {}) VALUES ({}) \
             ON CONFLICT (ticket_id) DO NOTHING",
        METRIC_COLUMNS.join(", "),
        placeholders(1, METRIC_COLUMNS.len() + 2)
    )
});

/// Removes ticket `$1`'s spans (before writing its new ones).
pub(crate) const DELETE_METRIC_SPANS: &str = "DELETE FROM metric_spans WHERE ticket_id = $1";

/// One span: ticket, n, from, until.
pub(crate) const INSERT_METRIC_SPAN: &str =
    "INSERT INTO metric_spans (ticket_id, n, from_at, until_at) VALUES ($1, $2, $3, $4)";

/// Ticket `$1`'s row.
pub(crate) const LOAD_METRIC_ROW: &str = "SELECT body FROM metric_rows WHERE ticket_id = $1";

/// Whether ticket `$1` exists.
pub(crate) const TICKET_EXISTS: &str = "SELECT count(*) FROM tickets WHERE id = $1";

/// Arrivals since `$1`: ticket, created, category, organization.
pub(crate) const ARRIVALS: &str = "SELECT ticket_id, created_at, category, organization \
     FROM metric_rows WHERE created_at >= $1 ORDER BY created_at, ticket_id";

/// Up to `$2` tickets without a row after id `$1` (`$1` NULL: from the start).
pub(crate) const WITHOUT_METRICS_AFTER: &str = "SELECT t.id FROM tickets t \
     WHERE t.id > $1 AND NOT EXISTS (SELECT 1 FROM metric_rows m WHERE m.ticket_id = t.id) \
     ORDER BY t.id LIMIT $2";

/// Up to `$1` tickets without a row, from the start.
pub(crate) const WITHOUT_METRICS: &str = "SELECT t.id FROM tickets t \
     WHERE NOT EXISTS (SELECT 1 FROM metric_rows m WHERE m.ticket_id = t.id) \
     ORDER BY t.id LIMIT $1";

/// What one report statement computes, so its result rows can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// By creation: count, SLA met x4, SLA breached x4.
    Created,
    /// By latest resolution: count, one-touch, reopened.
    Resolved,
    /// By latest rating: good, bad, stars (n, sum), CES (n, sum), NPS x3.
    Rated,
    /// By latest invitation: sent, answered.
    Surveys,
    /// Unresolved at each bucket's end: count.
    Backlog,
    /// Duration statistics: which one (first reply, full resolution) and
    /// which clock (0 calendar, 1 business).
    Stats { resolution: bool, clock: usize },
}

/// A report statement: what it computes, its SQL, its bind values, and how
/// many integer and float columns follow the bucket and the dimensions.
#[derive(Debug)]
pub(crate) struct ReportStatement {
    pub(crate) part: Part,
    pub(crate) sql: String,
    pub(crate) args: Vec<Arg>,
    pub(crate) ints: usize,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) floats: usize,
}

/// One result row: bucket index, the group key, then integers and floats.
#[derive(Debug)]
pub(crate) struct CellRow {
    pub(crate) bucket: i64,
    pub(crate) key: GroupKey,
    pub(crate) ints: Vec<Option<i64>>,
    pub(crate) floats: Vec<Option<f64>>,
}

fn column(d: Dimension) -> &'static str {
    match d {
        Dimension::Group => "group_id",
        Dimension::Agent => "agent",
        Dimension::Channel => "channel",
        Dimension::Category => "category",
        Dimension::Priority => "priority",
        Dimension::Organization => "organization",
    }
}

/// The statements of `query` (validated by the caller).
pub(crate) fn report_statements(
    query: &ReportQuery,
    dialect: Dialect,
) -> Result<Vec<ReportStatement>> {
    let buckets = query.buckets()?;
    // Integer literals the crate made itself: nothing of the caller's
    // reaches the SQL text but through placeholders.
    let mut values = String::new();
    for (i, b) in buckets.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(
            values,
            "{sep}(CAST({i} AS BIGINT), {}, {})",
            b.start.timestamp_micros(),
            b.end.timestamp_micros()
        );
    }
    let with = format!("WITH b (i, lo, hi) AS (VALUES {values})");
    let dims: Vec<String> = (0..query.group_by.len()).map(|k| format!("d{k}")).collect();
    let mut select_dims = String::new();
    for (k, d) in query.group_by.iter().enumerate() {
        let _ = write!(select_dims, ", m.{} AS d{k}", column(*d));
    }
    let mut group_dims = String::new();
    for d in &dims {
        let _ = write!(group_dims, ", {d}");
    }
    let mut args = Vec::new();
    let mut filters = String::new();
    for f in &query.filters {
        let col = column(f.dimension);
        let mut alts = Vec::new();
        let texts: Vec<&String> = f.values.iter().flatten().collect();
        if !texts.is_empty() {
            let start = args.len() + 1;
            args.extend(texts.iter().map(|t| Arg::Text((*t).clone())));
            alts.push(format!("m.{col} IN ({})", placeholders(start, texts.len())));
        }
        if f.values.iter().any(Option::is_none) {
            alts.push(format!("m.{col} IS NULL"));
        }
        let _ = write!(filters, " AND ({})", alts.join(" OR "));
    }
    let by = |t: &str| format!("JOIN b ON m.{t} >= b.lo AND m.{t} < b.hi");
    let counts = |part: Part, at: &str, aggregates: &str, ints: usize| ReportStatement {
        part,
        sql: format!(
            "{with} SELECT b.i{select_dims}, {aggregates} FROM metric_rows m {} \
             WHERE TRUE{filters} GROUP BY b.i{group_dims}",
            by(at)
        ),
        args: args.clone(),
        ints,
        floats: 0,
    };
    let mut out = vec![
        counts(
            Part::Created,
            "created_at",
            "count(*), sum(m.sla_met_0), sum(m.sla_met_1), sum(m.sla_met_2), sum(m.sla_met_3), \
             sum(m.sla_breached_0), sum(m.sla_breached_1), sum(m.sla_breached_2), sum(m.sla_breached_3)",
            9,
        ),
        counts(
            Part::Resolved,
            "resolved_at",
            "count(*), sum(m.one_touch), sum(m.reopened)",
            3,
        ),
        counts(
            Part::Rated,
            "rated_at",
            "count(*) FILTER (WHERE m.rating_scale = 'good_bad' AND m.rating_value = 1), \
             count(*) FILTER (WHERE m.rating_scale = 'good_bad' AND m.rating_value = 0), \
             count(*) FILTER (WHERE m.rating_scale = 'stars'), \
             sum(m.rating_value) FILTER (WHERE m.rating_scale = 'stars'), \
             count(*) FILTER (WHERE m.rating_scale = 'ces'), \
             sum(m.rating_value) FILTER (WHERE m.rating_scale = 'ces'), \
             count(*) FILTER (WHERE m.rating_scale = 'nps' AND m.rating_value >= 9), \
             count(*) FILTER (WHERE m.rating_scale = 'nps' AND m.rating_value IN (7, 8)), \
             count(*) FILTER (WHERE m.rating_scale = 'nps' AND m.rating_value < 7)",
            9,
        ),
        counts(
            Part::Surveys,
            "survey_sent_at",
            "count(*), sum(m.survey_answered)",
            2,
        ),
        ReportStatement {
            part: Part::Backlog,
            sql: format!(
                "{with} SELECT b.i{select_dims}, count(*) FROM metric_spans s \
                 JOIN metric_rows m ON m.ticket_id = s.ticket_id \
                 JOIN b ON s.from_at < b.hi AND (s.until_at IS NULL OR s.until_at >= b.hi) \
                 WHERE TRUE{filters} GROUP BY b.i{group_dims}"
            ),
            args: args.clone(),
            ints: 1,
            floats: 0,
        },
    ];
    for (resolution, at, value) in [
        (false, "created_at", "first_reply"),
        (true, "resolved_at", "full_resolution"),
    ] {
        for (clock, suffix) in [(0, "cal"), (1, "bus")] {
            let x = format!("m.{value}_{suffix}");
            let part = Part::Stats { resolution, clock };
            out.push(match dialect {
                Dialect::Postgres => ReportStatement {
                    part,
                    sql: format!(
                        "{with} SELECT b.i{select_dims}, count(*), CAST(sum({x}) AS BIGINT), \
                         percentile_cont(0.5) WITHIN GROUP (ORDER BY {x}), \
                         percentile_cont(0.9) WITHIN GROUP (ORDER BY {x}) \
                         FROM metric_rows m {} WHERE {x} IS NOT NULL{filters} \
                         GROUP BY b.i{group_dims}",
                        by(at)
                    ),
                    args: args.clone(),
                    ints: 2,
                    floats: 2,
                },
                Dialect::Sqlite => {
                    let parts = if dims.is_empty() {
                        "i".to_owned()
                    } else {
                        format!("i, {}", dims.join(", "))
                    };
                    let rank = |p: &str| {
                        let pos = format!("({p} * (n - 1))");
                        let lo = format!("CAST({pos} AS INTEGER)");
                        (lo.clone(), format!("{lo} + ({pos} > {lo})"))
                    };
                    let (med_lo, med_hi) = rank("0.5");
                    let (p90_lo, p90_hi) = rank("0.9");
                    ReportStatement {
                        part,
                        sql: format!(
                            "{with}, r AS (SELECT b.i AS i{select_dims}, {x} AS x FROM metric_rows m {} \
                             WHERE {x} IS NOT NULL{filters}), \
                             k AS (SELECT r.*, row_number() OVER (PARTITION BY {parts} ORDER BY x) - 1 AS k, \
                             count(*) OVER (PARTITION BY {parts}) AS n FROM r) \
                             SELECT {parts}, n, sum(x), \
                             max(CASE WHEN k = {med_lo} THEN x END), max(CASE WHEN k = {med_hi} THEN x END), \
                             max(CASE WHEN k = {p90_lo} THEN x END), max(CASE WHEN k = {p90_hi} THEN x END) \
                             FROM k GROUP BY {parts}, n",
                            by(at)
                        ),
                        args: args.clone(),
                        ints: 6,
                        floats: 0,
                    }
                }
            });
        }
    }
    Ok(out)
}

/// `percentile_cont(p)` of `n` sorted values from the two values at the
/// ranks around `p * (n - 1)`: the same arithmetic as
/// [`percentile_cont`](crate::report::percentile_cont).
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn lerp(n: i64, p: f64, lo: i64, hi: i64) -> f64 {
    let pos = p * (n - 1) as f64;
    let (lo_rank, hi_rank) = (pos.floor() as i64, pos.ceil() as i64);
    let lo = lo as f64;
    if lo_rank == hi_rank {
        return lo;
    }
    lo + (hi as f64 - lo) * (pos - lo_rank as f64)
}

/// The report from the statements' result rows, `(part, rows)`.
pub(crate) fn assemble(
    query: &ReportQuery,
    dialect: Dialect,
    results: Vec<(Part, Vec<CellRow>)>,
) -> Result<Report> {
    let mut cells: BTreeMap<(usize, GroupKey), Counts> = BTreeMap::new();
    for (part, rows) in results {
        for r in rows {
            let bucket = usize::try_from(r.bucket).map_err(|_| {
                crate::Error::internal(format!("report bucket {} from the database", r.bucket))
            })?;
            let c = cells.entry((bucket, r.key)).or_default();
            let int = |i: usize| -> u64 {
                r.ints
                    .get(i)
                    .copied()
                    .flatten()
                    .and_then(|v| u64::try_from(v).ok())
                    .unwrap_or(0)
            };
            match part {
                Part::Created => {
                    c.created = int(0);
                    for m in 0..4 {
                        c.sla_met[m] = int(1 + m);
                        c.sla_breached[m] = int(5 + m);
                    }
                }
                Part::Resolved => {
                    c.resolved = int(0);
                    c.one_touch = int(1);
                    c.reopened = int(2);
                }
                Part::Rated => {
                    c.good = int(0);
                    c.bad = int(1);
                    c.stars = (int(2), int(3));
                    c.ces = (int(4), int(5));
                    c.nps = [int(6), int(7), int(8)];
                }
                Part::Surveys => {
                    c.surveys_sent = int(0);
                    c.surveys_answered = int(1);
                }
                Part::Backlog => c.backlog = int(0),
                Part::Stats { resolution, clock } => {
                    let raw = |i: usize| r.ints.get(i).copied().flatten().unwrap_or(0);
                    let (n, sum) = (raw(0), raw(1));
                    let (median, p90) = match dialect {
                        Dialect::Postgres => (
                            r.floats.first().copied().flatten(),
                            r.floats.get(1).copied().flatten(),
                        ),
                        Dialect::Sqlite => (
                            Some(lerp(n, 0.5, raw(2), raw(3))),
                            Some(lerp(n, 0.9, raw(4), raw(5))),
                        ),
                    };
                    let stats = Stats::from_parts(int(0), sum, median, p90);
                    if resolution {
                        c.full_resolution[clock] = stats;
                    } else {
                        c.first_reply[clock] = stats;
                    }
                }
            }
        }
    }
    Ok(Report::from_cells(
        query,
        cells
            .into_iter()
            .map(|((bucket, key), counts)| (bucket, key, counts.figures())),
    )?)
}
