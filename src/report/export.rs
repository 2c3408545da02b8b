//! Reports as CSV and JSON.

use std::fmt::Write as _;

use super::{Figure, Figures, Report};
use crate::sla::Metric;
use crate::survey::TimeBasis;

/// One CSV column after the bucket and group columns.
enum Column {
    /// A derived figure (a rate, a mean, a percentile, a count).
    Figure(Figure),
    /// One of the integers a figure is made of.
    Count(&'static str, fn(&Figures) -> u64),
}

/// The figure columns, each derived figure after the counts it is made
/// of, so a spreadsheet can add buckets up again.
fn columns() -> Vec<Column> {
    use super::Stat::{Mean, Median, P90};
    use Column::{Count, Figure as F};
    let mut out = vec![F(Figure::Created), F(Figure::Resolved), F(Figure::Backlog)];
    for (name, count, make) in [
        (
            "first_reply_count",
            (|f: &Figures| f.first_reply.calendar.count) as fn(&Figures) -> u64,
            Figure::FirstReply as fn(_, _) -> Figure,
        ),
        (
            "full_resolution_count",
            |f: &Figures| f.full_resolution.calendar.count,
            Figure::FullResolution,
        ),
    ] {
        out.push(Count(name, count));
        for basis in [TimeBasis::Calendar, TimeBasis::Business] {
            out.extend([Mean, Median, P90].map(|s| F(make(s, basis))));
        }
    }
    out.extend([
        Count("one_touch", |f| f.one_touch.count),
        F(Figure::OneTouchRate),
        Count("reopened", |f| f.reopened.count),
        F(Figure::ReopenRate),
    ]);
    for metric in Metric::ALL {
        out.extend([
            Count(sla_name(metric, true), met_getter(metric)),
            Count(sla_name(metric, false), breached_getter(metric)),
            F(Figure::SlaCompliance(metric)),
        ]);
    }
    out.extend([
        Count("good", |f| f.csat.count),
        Count("bad", |f| f.csat.of - f.csat.count),
        F(Figure::Csat),
        Count("stars_count", |f| f.stars.count),
        F(Figure::StarsMean),
        Count("nps_promoters", |f| f.nps.promoters),
        Count("nps_passives", |f| f.nps.passives),
        Count("nps_detractors", |f| f.nps.detractors),
        F(Figure::NpsScore),
        Count("ces_count", |f| f.ces.count),
        F(Figure::CesMean),
        Count("surveys_sent", |f| f.survey_response.of),
        Count("surveys_answered", |f| f.survey_response.count),
        F(Figure::SurveyResponseRate),
    ]);
    out
}

/// `sla_<metric>_met` or `sla_<metric>_breached`.
fn sla_name(metric: Metric, met: bool) -> &'static str {
    match (metric, met) {
        (Metric::FirstResponse, true) => "sla_first_response_met",
        (Metric::FirstResponse, false) => "sla_first_response_breached",
        (Metric::NextResponse, true) => "sla_next_response_met",
        (Metric::NextResponse, false) => "sla_next_response_breached",
        (Metric::PeriodicUpdate, true) => "sla_periodic_update_met",
        (Metric::PeriodicUpdate, false) => "sla_periodic_update_breached",
        (Metric::Resolution, true) => "sla_resolution_met",
        (Metric::Resolution, false) => "sla_resolution_breached",
    }
}

/// Cycles met of one metric.
fn met_getter(metric: Metric) -> fn(&Figures) -> u64 {
    match metric {
        Metric::FirstResponse => |f| f.sla.first_response.count,
        Metric::NextResponse => |f| f.sla.next_response.count,
        Metric::PeriodicUpdate => |f| f.sla.periodic_update.count,
        Metric::Resolution => |f| f.sla.resolution.count,
    }
}

/// Cycles breached of one metric: met or breached, less met.
fn breached_getter(metric: Metric) -> fn(&Figures) -> u64 {
    match metric {
        Metric::FirstResponse => |f| f.sla.first_response.of - f.sla.first_response.count,
        Metric::NextResponse => |f| f.sla.next_response.of - f.sla.next_response.count,
        Metric::PeriodicUpdate => |f| f.sla.periodic_update.of - f.sla.periodic_update.count,
        Metric::Resolution => |f| f.sla.resolution.of - f.sla.resolution.count,
    }
}

impl Column {
    fn name(&self) -> String {
        match self {
            Column::Figure(f) => f.name(),
            Column::Count(name, _) => (*name).to_owned(),
        }
    }

    fn value(&self, f: &Figures) -> String {
        match self {
            // Counts print as integers; undefined figures as an empty cell.
            Column::Figure(fig) => fig.value(f).map(|v| v.to_string()).unwrap_or_default(),
            Column::Count(_, get) => get(f).to_string(),
        }
    }
}

impl Report {
    /// The report as CSV (RFC 4180, `\r\n` line ends): one line per bucket
    /// and group, with the bucket's start and end (RFC 3339, UTC) and
    /// label, one column per grouping dimension, then every figure with the
    /// counts it is made of. Durations are in seconds, shares from 0 to 1;
    /// an undefined figure (the CSAT of no rating) is an empty cell.
    ///
    /// Group values that a spreadsheet would run as a formula (starting
    /// with `=`, `+`, `-`, `@`, a tab or a carriage return) are prefixed
    /// with `'`, as OWASP advises against CSV injection.
    ///
    /// ```
    /// use helpdesk::report::{compute, BucketSize, ReportQuery};
    /// let q = ReportQuery::new("2026-03-02T00:00:00Z".parse()?, "2026-03-04T00:00:00Z".parse()?, BucketSize::Day);
    /// let csv = compute(&[], &q)?.to_csv();
    /// let mut lines = csv.lines();
    /// assert!(lines.next().unwrap().starts_with("bucket_start,bucket_end,bucket,created,resolved,backlog,"));
    /// assert!(lines.next().unwrap().starts_with("2026-03-02T00:00:00Z,2026-03-03T00:00:00Z,2026-03-02,0,0,0,"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_csv(&self) -> String {
        let columns = columns();
        let mut out = String::new();
        let mut header: Vec<String> = ["bucket_start", "bucket_end", "bucket"]
            .map(str::to_owned)
            .into();
        header.extend(self.query.group_by.iter().map(|d| d.as_str().to_owned()));
        header.extend(columns.iter().map(Column::name));
        push_line(&mut out, header.iter().map(String::as_str));
        for row in &self.rows {
            let mut cells = vec![
                row.bucket
                    .start
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                row.bucket
                    .end
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                row.bucket.label.clone(),
            ];
            cells.extend(
                row.group
                    .iter()
                    .map(|v| v.as_deref().map(defuse).unwrap_or_default()),
            );
            cells.extend(columns.iter().map(|c| c.value(&row.figures)));
            push_line(&mut out, cells.iter().map(String::as_str));
        }
        out
    }

    /// The report as JSON: the query, the buckets, the groups and the rows
    /// with all their figures, as [`Report`] serializes (serde).
    pub fn to_json(&self) -> String {
        // Proven: every field serializes (no maps with non-text keys).
        serde_json::to_string_pretty(self).expect("a report serializes")
    }
}

fn push_line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            let _ = write!(out, "\"{}\"", cell.replace('"', "\"\""));
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

/// A text value that a spreadsheet will not run as a formula.
fn defuse(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{BucketSize, Dimension, MetricRow, ReportQuery, RowContext, compute};
    use crate::survey::testing::*;
    use crate::ticket::Lifecycle;

    fn report() -> Report {
        let mut t = Timeline::opened(at("2026-03-09T09:00:00Z"), |c| {
            c.category = Some("=HYPERLINK(\"x\"), \"quoted\"".into());
        });
        t.reply("2026-03-09T09:30:00Z")
            .status("resolved", "2026-03-09T11:00:00Z");
        let lc = Lifecycle::default();
        let cal = office_calendar();
        let row = MetricRow::from_timeline(
            &t.events,
            &RowContext::new(&lc, &cal, at("2026-03-09T12:00:00Z")),
        )
        .unwrap();
        let q = ReportQuery::new(
            at("2026-03-09T00:00:00Z"),
            at("2026-03-11T00:00:00Z"),
            BucketSize::Day,
        )
        .group_by(Dimension::Category);
        compute(&[row], &q).unwrap()
    }

    #[test]
    fn csv_has_one_line_per_bucket_and_group_with_every_column() {
        let csv = report().to_csv();
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3);
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(
            &header[..4],
            ["bucket_start", "bucket_end", "bucket", "category"]
        );
        assert!(header.contains(&"first_reply_median_business_secs"));
        assert!(header.contains(&"sla_resolution_breached"));
        assert_eq!(header.len(), 4 + columns().len());
        // The category is quoted (it has a comma and quotes) and defused.
        assert!(
            lines[1].starts_with(
                "2026-03-09T00:00:00Z,2026-03-10T00:00:00Z,2026-03-09,\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\",1,1,0,1,1800,"
            ),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn undefined_figures_are_empty_cells() {
        let mut r = report();
        r.query.group_by.clear();
        for row in &mut r.rows {
            row.group.clear();
        }
        let csv = r.to_csv();
        let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
        let col = |name: &str| lines[0].iter().position(|h| *h == name).unwrap();
        assert!(lines.iter().all(|l| l.len() == lines[0].len()));
        assert_eq!(lines[1][col("csat")], "");
        assert_eq!(lines[1][col("good")], "0");
        assert_eq!(lines[1][col("one_touch_rate")], "1");
        assert_eq!(lines[1][col("full_resolution_mean_business_secs")], "7200");
    }

    #[test]
    fn json_carries_the_query_the_groups_and_the_figures() {
        let r = report();
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["query"]["bucket"], "day");
        assert_eq!(v["groups"][0][0], "=HYPERLINK(\"x\"), \"quoted\"");
        assert_eq!(v["rows"].as_array().unwrap().len(), 2);
        assert_eq!(
            v["rows"][0]["figures"]["first_reply"]["calendar"]["median"],
            1800.0
        );
        assert_eq!(
            v["rows"][0]["figures"]["csat"]["rate"],
            serde_json::Value::Null
        );
        assert_eq!(v["rows"][1]["bucket"]["label"], "2026-03-10");
    }
}
