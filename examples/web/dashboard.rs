//! The supervisor's figures from the desk's reports: the week's KPIs next
//! to the three weeks before (created, resolved, backlog, first reply and
//! resolution times in business hours, SLA success, CSAT), the weekly
//! volume chart by channel as inline SVG, and the spikes the desk sees.
//! Every number is the store's report over the metric rows its commits
//! wrote; nothing is computed here but the formatting.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use helpdesk::report::{
    BucketSize, Chart, Dimension, Figure, Figures, Ratio, Report, ReportQuery, SpikeKey, Stat,
};
use helpdesk::survey::TimeBasis;
use helpdesk::{Actor, HelpDesk, Result};
use serde_json::{Value, json};

use super::app::AppState;
use super::html::esc;
use super::persona::Persona;
use super::problem::ApiError;

/// The weeks shown: this one and the three before.
const WEEKS: i64 = 4;

/// The demo's office time zone (the README's `[calendars.office]`): weeks
/// start on Monday at midnight there.
const OFFICE: Tz = chrono_tz::America::New_York;

/// The dashboard's API routes, relative to `/api/v1`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/supervisor/report", get(api_report))
        .route("/supervisor/chart.svg", get(api_chart))
}

/// Midnight in the office at the start of `day` (a day's length changes
/// with daylight saving time, so weeks are counted in dates, not hours).
fn midnight(day: NaiveDate, fallback: DateTime<Utc>) -> DateTime<Utc> {
    OFFICE
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map_or(fallback, |t| t.with_timezone(&Utc))
}

/// The four weeks' query, ungrouped or grouped by `by`.
fn weeks(now: DateTime<Utc>, by: Option<Dimension>) -> ReportQuery {
    let today = now.with_timezone(&OFFICE).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let q = ReportQuery::new(
        midnight(monday - Duration::weeks(WEEKS - 1), now),
        midnight(monday + Duration::weeks(1), now),
        BucketSize::Week,
    )
    .time_zone(OFFICE);
    match by {
        Some(d) => q.group_by(d),
        None => q,
    }
}

/// The weekly report and the chart of tickets per week by channel.
pub(crate) struct Figures4 {
    report: Report,
    chart: String,
}

async fn figures(desk: &HelpDesk, actor: &Actor) -> Result<Figures4> {
    let now = desk.clock().now();
    let report = desk.report(actor, &weeks(now, None)).await?;
    let by_channel = desk
        .report(actor, &weeks(now, Some(Dimension::Channel)))
        .await?;
    let chart = Chart::bars(&by_channel, Figure::Created)
        .title("Tickets per week by channel")
        .size(720, 320)
        .to_svg();
    Ok(Figures4 { report, chart })
}

fn hours(secs: Option<f64>) -> String {
    secs.map_or_else(
        || "—".to_owned(),
        |s| {
            // Whole minutes of a non-negative duration: the cast cannot lose
            // anything that matters on a page.
            #[allow(clippy::cast_possible_truncation)]
            let m = (s / 60.0).round() as i64;
            format!("{}h {:02}m", m / 60, m % 60)
        },
    )
}

fn share(r: Ratio) -> String {
    r.rate.map_or_else(
        || "—".to_owned(),
        |v| {
            format!(
                "{:.0}% <span class=\"muted\">({}/{})</span>",
                v * 100.0,
                r.count,
                r.of
            )
        },
    )
}

/// The rows of the KPI table: label and how to show it from a week's figures.
type Row = (&'static str, fn(&Figures) -> String);

const ROWS: &[Row] = &[
    ("Created", |f| f.created.to_string()),
    ("Resolved", |f| f.resolved.to_string()),
    ("Backlog at the end", |f| f.backlog.to_string()),
    ("First reply, median (business hours)", |f| {
        hours(Figure::FirstReply(Stat::Median, TimeBasis::Business).value(f))
    }),
    ("First reply, 90th percentile (business hours)", |f| {
        hours(Figure::FirstReply(Stat::P90, TimeBasis::Business).value(f))
    }),
    ("Resolution, median (business hours)", |f| {
        hours(Figure::FullResolution(Stat::Median, TimeBasis::Business).value(f))
    }),
    ("SLA first response met", |f| share(f.sla.first_response)),
    ("SLA resolution met", |f| share(f.sla.resolution)),
    ("CSAT (good of rated)", |f| share(f.csat)),
];

/// The dashboard's section: KPI table, chart and spikes, as HTML.
pub(crate) async fn section(desk: &HelpDesk, who: Persona) -> Result<String> {
    let actor = who.actor();
    let Figures4 { report, chart } = figures(desk, &actor).await?;
    let mut s = String::from(
        r#"<h2>This week and the three before</h2><div class="table-wrap"><table id="kpis"><caption>Figures from the desk's report (weeks from Monday, New York time)</caption><thead><tr><th scope="col">Figure</th>"#,
    );
    for (i, b) in report.buckets.iter().enumerate().rev() {
        let this = if i + 1 == report.buckets.len() {
            " (this week)"
        } else {
            ""
        };
        let _ = write!(s, r#"<th scope="col">{}{this}</th>"#, esc(&b.label));
    }
    s.push_str("</tr></thead><tbody>");
    for (label, show) in ROWS {
        let _ = write!(s, r#"<tr><th scope="row">{label}</th>"#);
        for i in (0..report.buckets.len()).rev() {
            let cell = report.cell(i, 0).map_or_else(|| "—".to_owned(), show);
            let _ = write!(s, "<td>{cell}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    if report
        .buckets
        .iter()
        .enumerate()
        .all(|(i, _)| report.cell(i, 0).is_none_or(|f| f.csat.of == 0))
    {
        s.push_str(r#"<p class="muted">CSAT stays empty until customers rate resolutions: in the portal, or through the survey link the desk sends a minute after a ticket is resolved.</p>"#);
    }
    // The chart is the library's SVG, built from numbers and escaped labels.
    let _ = write!(
        s,
        r#"<figure class="chart" id="volume-chart">{chart}<figcaption>Tickets created per week by channel.</figcaption></figure>"#
    );
    s.push_str(&spikes_html(desk, who).await?);
    Ok(s)
}

async fn spikes_html(desk: &HelpDesk, who: Persona) -> Result<String> {
    if who != Persona::Supervisor {
        return Ok(String::new());
    }
    let found = desk.spikes(&who.actor(), desk.clock().now()).await?;
    let mut s = String::from("<h2>Spikes</h2>");
    if found.is_empty() {
        s.push_str("<p>No category or organization has unusually many new tickets right now.</p>");
        return Ok(s);
    }
    s.push_str(r#"<ul id="spikes">"#);
    for sp in &found {
        let (what, name) = key(&sp.key);
        let _ = write!(
            s,
            "<li><strong>{what} {}</strong>: {} new tickets in the window, above {:.1} (mean {:.1} in the weeks before)</li>",
            esc(name),
            sp.count,
            sp.threshold,
            sp.mean
        );
    }
    s.push_str("</ul>");
    Ok(s)
}

fn key(k: &SpikeKey) -> (&'static str, &str) {
    match k {
        SpikeKey::Category(c) => ("category", c),
        SpikeKey::Organization(o) => ("organization", o),
    }
}

async fn api_report(State(app): State<AppState>, who: Persona) -> Result<Json<Value>, ApiError> {
    let actor = who.actor();
    let desk = &app.desk;
    let report = desk
        .report(&actor, &weeks(desk.clock().now(), None))
        .await?;
    let weeks: Vec<Value> = report
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            json!({
                "label": b.label,
                "start": b.start,
                "end": b.end,
                "figures": report.cell(i, 0),
            })
        })
        .collect();
    let spikes = if who == Persona::Supervisor {
        desk.spikes(&actor, desk.clock().now())
            .await?
            .iter()
            .map(|sp| {
                let (what, name) = key(&sp.key);
                json!({"dimension": what, "value": name, "count": sp.count, "threshold": sp.threshold, "mean": sp.mean, "tickets": sp.tickets.len()})
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Json(json!({"weeks": weeks, "spikes": spikes})))
}

async fn api_chart(State(app): State<AppState>, who: Persona) -> Result<Response, ApiError> {
    let Figures4 { chart, .. } = figures(&app.desk, &who.actor()).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], chart).into_response())
}
