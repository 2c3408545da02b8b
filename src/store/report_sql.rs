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

/// Inserts or replaces a ticket's row: `$1` ticket id, then
/// [`METRIC_COLUMNS`]. The body is [`UPSERT_METRIC_BODY`]'s.
pub(crate) static UPSERT_METRIC_ROW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let cols = METRIC_COLUMNS.join(", ");
    let set = METRIC_COLUMNS
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO metric_rows (ticket_id, {cols}) VALUES ({}) \
             ON CONFLICT (ticket_id) DO UPDATE SET {set}",
        placeholders(1, METRIC_COLUMNS.len() + 1)
    )
});

/// Inserts a row unless the ticket has one: same placeholders as
/// [`UPSERT_METRIC_ROW`]; zero rows when it has.
pub(crate) static INSERT_METRIC_ROW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO metric_rows (ticket_id, {}) VALUES ({}) \
             ON CONFLICT (ticket_id) DO NOTHING",
        METRIC_COLUMNS.join(", "),
        placeholders(1, METRIC_COLUMNS.len() + 1)
    )
});

/// Inserts or replaces ticket `$1`'s row body (`$2`, the whole
/// [`MetricRow`] as JSON): kept apart from the columns reports scan.
pub(crate) const UPSERT_METRIC_BODY: &str = "INSERT INTO metric_bodies (ticket_id, body) \
     VALUES ($1, $2) ON CONFLICT (ticket_id) DO UPDATE SET body = excluded.body";

/// Removes ticket `$1`'s spans (before writing its new ones).
pub(crate) const DELETE_METRIC_SPANS: &str = "DELETE FROM metric_spans WHERE ticket_id = $1";

/// One span: ticket, n, from, until.
pub(crate) const INSERT_METRIC_SPAN: &str =
    "INSERT INTO metric_spans (ticket_id, n, from_at, until_at) VALUES ($1, $2, $3, $4)";

/// Ticket `$1`'s row.
pub(crate) const LOAD_METRIC_ROW: &str = "SELECT body FROM metric_bodies WHERE ticket_id = $1";

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

/// Opts customer `$1` out of surveys at `$2` (microseconds), keeping an
/// earlier opt-out's instant.
pub(crate) const OPT_OUT: &str = "INSERT INTO survey_opt_outs (customer_id, opted_out_at) \
     VALUES ($1, $2) ON CONFLICT (customer_id) DO NOTHING";

/// Opts customer `$1` back in.
pub(crate) const OPT_IN: &str = "DELETE FROM survey_opt_outs WHERE customer_id = $1";

/// Since when customer `$1` has opted out.
pub(crate) const OPTED_OUT_AT: &str =
    "SELECT opted_out_at FROM survey_opt_outs WHERE customer_id = $1";

/// What one report statement computes, so its result rows can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// By creation: count, SLA met x4, SLA breached x4, then first reply
    /// (calendar count and sum, business count and sum); on PostgreSQL
    /// floats: median and p90, calendar then business.
    Created,
    /// By latest resolution: count, one-touch, reopened, then full
    /// resolution as [`Part::Created`] has first reply.
    Resolved,
    /// By latest rating: good, bad, stars (n, sum), CES (n, sum), NPS x3.
    Rated,
    /// By latest invitation: sent, answered.
    Surveys,
    /// Unresolved spans by the buckets they cover: the bucket column is the
    /// first bucket whose end the span covers, then the bucket after the
    /// last (`z`) and the count. Each counts in buckets `first..z`.
    Backlog,
    /// SQLite's percentiles: the values at the ranks around the median and
    /// the p90 of a duration (first reply or full resolution) on one clock
    /// (0 calendar, 1 business): `n`, rank, value.
    Ranks { resolution: bool, clock: usize },
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

/// The index of the bucket holding instant `col`, for `col` in
/// `[starts[0], to)`: computed in the row, so a report is one scan per
/// instant with no join to a bucket list. The buckets are contiguous
/// (each starts where the one before ends). When they are whole multiples
/// of one length from one origin (any zone without a DST change in the
/// period; the first and last may be cut by `from` and `to`), it is one
/// division; otherwise a binary search written as nested `CASE`s.
fn bucket_index(col: &str, starts: &[i64], to: i64) -> String {
    if let Some((origin, len)) = uniform(starts, to) {
        return format!("CAST(({col} - {origin}) / {len} AS BIGINT)");
    }
    format!("CAST({} AS BIGINT)", search(col, starts, 0, starts.len()))
}

/// `(origin, length)` when bucket `i` (`i >= 1`) starts at `origin + i *
/// length` and the first and last lie inside theirs.
fn uniform(starts: &[i64], to: i64) -> Option<(i64, i64)> {
    let (&s1, &s2) = (starts.get(1)?, starts.get(2)?);
    let len = s2 - s1;
    let origin = s1 - len;
    let n = i64::try_from(starts.len()).ok()?;
    let lined_up = (1_i64..)
        .zip(&starts[1..])
        .all(|(i, &s)| Some(s) == len.checked_mul(i).and_then(|d| origin.checked_add(d)));
    let fits = len.checked_mul(n).and_then(|d| origin.checked_add(d))? >= to;
    (len > 0 && lined_up && starts[0] >= origin && fits).then_some((origin, len))
}

/// The index `i` in `lo..hi` of the last bound `<= col` (the first bound,
/// `bounds[lo]`, is known to be).
fn search(col: &str, bounds: &[i64], lo: usize, hi: usize) -> String {
    if hi - lo <= 1 {
        return lo.to_string();
    }
    let mid = lo + (hi - lo) / 2;
    format!(
        "CASE WHEN {col} < {} THEN {} ELSE {} END",
        bounds[mid],
        search(col, bounds, lo, mid),
        search(col, bounds, mid, hi)
    )
}

/// How many of the sorted `ends` are `<= col`, for `count` in `lo..=hi`.
fn count_at_most(col: &str, ends: &[i64], lo: usize, hi: usize) -> String {
    if lo == hi {
        return lo.to_string();
    }
    let mid = lo + (hi - lo) / 2;
    format!(
        "CASE WHEN {col} < {} THEN {} ELSE {} END",
        ends[mid],
        count_at_most(col, ends, lo, mid),
        count_at_most(col, ends, mid + 1, hi)
    )
}

/// The statements of `query` (validated by the caller).
///
/// One scan of `metric_rows` per instant a figure is bucketed by, each
/// row's bucket computed in the row ([`bucket_index`]) and the cells
/// aggregated in one `GROUP BY`; the backlog is one scan of the spans,
/// grouped by the range of buckets each covers. SQLite adds a window
/// query per duration for its exact percentiles.
pub(crate) fn report_statements(
    query: &ReportQuery,
    dialect: Dialect,
) -> Result<Vec<ReportStatement>> {
    let buckets = query.buckets()?;
    // Integer literals the crate made itself: nothing of the caller's
    // reaches the SQL text but through placeholders.
    let starts: Vec<i64> = buckets.iter().map(|b| b.start.timestamp_micros()).collect();
    let ends: Vec<i64> = buckets.iter().map(|b| b.end.timestamp_micros()).collect();
    let (Some(&first), Some(&to)) = (starts.first(), ends.last()) else {
        return Ok(Vec::new());
    };
    let dims: Vec<String> = (0..query.group_by.len()).map(|k| format!("d{k}")).collect();
    let mut select_dims = String::new();
    for (k, d) in query.group_by.iter().enumerate() {
        let _ = write!(select_dims, ", m.{} AS d{k}", column(*d));
    }
    let group_dims = dims.iter().fold(String::new(), |mut out, d| {
        let _ = write!(out, ", {d}");
        out
    });
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
    let in_period = |at: &str| format!("m.{at} >= {first} AND m.{at} < {to}{filters}");
    let counts =
        |part: Part, at: &str, aggregates: &str, ints: usize, floats: usize| ReportStatement {
            part,
            sql: format!(
                "SELECT {} AS i{select_dims}, {aggregates} FROM metric_rows m \
                 WHERE {} GROUP BY i{group_dims}",
                bucket_index(&format!("m.{at}"), &starts, to),
                in_period(at)
            ),
            args: args.clone(),
            ints,
            floats,
        };
    // Count and sum of a duration on both clocks; on PostgreSQL its
    // percentiles too (NULLs, durations not reached, are skipped by all).
    let durations = |value: &str| {
        let mut ints = String::new();
        let mut floats = String::new();
        for clock in ["cal", "bus"] {
            let x = format!("m.{value}_{clock}");
            let _ = write!(ints, ", count({x}), CAST(sum({x}) AS BIGINT)");
            let _ = write!(
                floats,
                ", percentile_cont(0.5) WITHIN GROUP (ORDER BY {x}), \
                 percentile_cont(0.9) WITHIN GROUP (ORDER BY {x})"
            );
        }
        match dialect {
            Dialect::Postgres => (format!("{ints}{floats}"), 4),
            Dialect::Sqlite => (ints, 0),
        }
    };
    let (first_reply, fr_floats) = durations("first_reply");
    let (resolution, res_floats) = durations("full_resolution");
    let mut out = vec![
        counts(
            Part::Created,
            "created_at",
            &format!(
                "count(*), sum(m.sla_met_0), sum(m.sla_met_1), sum(m.sla_met_2), sum(m.sla_met_3), \
                 sum(m.sla_breached_0), sum(m.sla_breached_1), sum(m.sla_breached_2), \
                 sum(m.sla_breached_3){first_reply}"
            ),
            13,
            fr_floats,
        ),
        counts(
            Part::Resolved,
            "resolved_at",
            &format!("count(*), sum(m.one_touch), sum(m.reopened){resolution}"),
            7,
            res_floats,
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
            0,
        ),
        counts(
            Part::Surveys,
            "survey_sent_at",
            "count(*), sum(m.survey_answered)",
            2,
            0,
        ),
    ];
    // A span counts at bucket j's end E_j when from < E_j <= until (or it
    // is still open): in buckets from (ends <= from) to (ends <= until).
    let n = ends.len();
    out.push(ReportStatement {
        part: Part::Backlog,
        sql: format!(
            "SELECT CAST({} AS BIGINT) AS i{select_dims}, \
             CAST(CASE WHEN s.until_at IS NULL THEN {n} ELSE {} END AS BIGINT) AS z, count(*) \
             FROM metric_spans s JOIN metric_rows m ON m.ticket_id = s.ticket_id \
             WHERE s.from_at < {to} AND (s.until_at IS NULL OR s.until_at >= {}){filters} \
             GROUP BY i{group_dims}, z",
            count_at_most("s.from_at", &ends, 0, n),
            count_at_most("s.until_at", &ends, 0, n),
            ends[0],
        ),
        args: args.clone(),
        ints: 2,
        floats: 0,
    });
    if dialect == Dialect::Sqlite {
        let parts = format!("i{group_dims}");
        for (resolution, at, value) in [
            (false, "created_at", "first_reply"),
            (true, "resolved_at", "full_resolution"),
        ] {
            for (clock, suffix) in [(0, "cal"), (1, "bus")] {
                let x = format!("m.{value}_{suffix}");
                let rank = |p: &str| {
                    let pos = format!("({p} * (n - 1))");
                    let lo = format!("CAST({pos} AS INTEGER)");
                    [lo.clone(), format!("{lo} + ({pos} > {lo})")]
                };
                let ranks = [rank("0.5"), rank("0.9")].concat().join(", ");
                // One sort per duration: the rank and the cell's size come
                // from the same window; only the (at most four) rows at
                // the ranks around the percentiles leave the database.
                out.push(ReportStatement {
                    part: Part::Ranks { resolution, clock },
                    sql: format!(
                        "WITH r AS (SELECT {} AS i{select_dims}, {x} AS x FROM metric_rows m \
                         WHERE {x} IS NOT NULL AND {}), \
                         k AS (SELECT {parts}, x, row_number() OVER w - 1 AS k, count(*) OVER w AS n \
                         FROM r WINDOW w AS (PARTITION BY {parts} ORDER BY x \
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) \
                         SELECT {parts}, n, k, x FROM k WHERE k IN ({ranks})",
                        bucket_index(&format!("m.{at}"), &starts, to),
                        in_period(at)
                    ),
                    args: args.clone(),
                    ints: 3,
                    floats: 0,
                });
            }
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
    let (lo_rank, hi_rank) = ranks(n, p);
    let lo = lo as f64;
    if lo_rank == hi_rank {
        return lo;
    }
    lo + (hi as f64 - lo) * (pos - lo_rank as f64)
}

/// The ranks (from 0) around `p * (n - 1)`, as the SQL picks them.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
fn ranks(n: i64, p: f64) -> (i64, i64) {
    let pos = p * (n - 1) as f64;
    (pos.floor() as i64, pos.ceil() as i64)
}

/// The report from the statements' result rows, `(part, rows)`.
pub(crate) fn assemble(
    query: &ReportQuery,
    dialect: Dialect,
    results: Vec<(Part, Vec<CellRow>)>,
) -> Result<Report> {
    // SQLite's percentile ranks: (cell, duration, clock) -> (n, rank -> value).
    type Ranked = BTreeMap<(usize, GroupKey, bool, usize), (i64, BTreeMap<i64, i64>)>;
    let bucket_count = query.buckets()?.len();
    let mut cells: BTreeMap<(usize, GroupKey), Counts> = BTreeMap::new();
    let mut ranked: Ranked = BTreeMap::new();
    let index = |b: i64| {
        usize::try_from(b)
            .map_err(|_| crate::Error::internal(format!("report bucket {b} from the database")))
    };
    for (part, rows) in results {
        for r in rows {
            let bucket = index(r.bucket)?;
            let int = |i: usize| -> u64 {
                r.ints
                    .get(i)
                    .copied()
                    .flatten()
                    .and_then(|v| u64::try_from(v).ok())
                    .unwrap_or(0)
            };
            let raw = |i: usize| r.ints.get(i).copied().flatten().unwrap_or(0);
            let float = |i: usize| r.floats.get(i).copied().flatten();
            // A duration's count and sum at `at` (then its percentiles on
            // PostgreSQL, at `pct`): the percentiles of SQLite come later.
            let durations = |at: usize, pct: usize| {
                [0, 1].map(|clock| {
                    let (median, p90) = match dialect {
                        Dialect::Postgres => (float(pct + 2 * clock), float(pct + 2 * clock + 1)),
                        Dialect::Sqlite => (None, None),
                    };
                    Stats::from_parts(int(at + 2 * clock), raw(at + 2 * clock + 1), median, p90)
                })
            };
            match part {
                Part::Created => {
                    let c = cells.entry((bucket, r.key.clone())).or_default();
                    c.created = int(0);
                    for m in 0..4 {
                        c.sla_met[m] = int(1 + m);
                        c.sla_breached[m] = int(5 + m);
                    }
                    c.first_reply = durations(9, 0);
                }
                Part::Resolved => {
                    let c = cells.entry((bucket, r.key.clone())).or_default();
                    c.resolved = int(0);
                    c.one_touch = int(1);
                    c.reopened = int(2);
                    c.full_resolution = durations(3, 0);
                }
                Part::Rated => {
                    let c = cells.entry((bucket, r.key.clone())).or_default();
                    c.good = int(0);
                    c.bad = int(1);
                    c.stars = (int(2), int(3));
                    c.ces = (int(4), int(5));
                    c.nps = [int(6), int(7), int(8)];
                }
                Part::Surveys => {
                    let c = cells.entry((bucket, r.key.clone())).or_default();
                    c.surveys_sent = int(0);
                    c.surveys_answered = int(1);
                }
                Part::Backlog => {
                    let until = index(raw(0))?.min(bucket_count);
                    for b in bucket..until {
                        cells.entry((b, r.key.clone())).or_default().backlog += int(1);
                    }
                }
                Part::Ranks { resolution, clock } => {
                    let e = ranked
                        .entry((bucket, r.key.clone(), resolution, clock))
                        .or_default();
                    e.0 = raw(0);
                    e.1.insert(raw(1), raw(2));
                }
            }
        }
    }
    for ((bucket, key, resolution, clock), (n, values)) in ranked {
        let at = |p: f64| {
            let (lo, hi) = ranks(n, p);
            Some(lerp(n, p, *values.get(&lo)?, *values.get(&hi)?))
        };
        let c = cells.entry((bucket, key)).or_default();
        let stats = if resolution {
            &mut c.full_resolution[clock]
        } else {
            &mut c.first_reply[clock]
        };
        stats.median = at(0.5);
        stats.p90 = at(0.9);
    }
    Ok(Report::from_cells(
        query,
        cells
            .into_iter()
            .map(|((bucket, key), counts)| (bucket, key, counts.figures())),
    )?)
}
