//! Five weeks of help desk traffic on SQLite, then the week's KPIs.
//!
//! ```sh
//! cargo run --example report            # writes report.csv and report.svg here
//! ```
//!
//! Tickets arrive through several channels into two groups, agents reply
//! (some quickly, some after hours), resolve and sometimes reopen; in the
//! last hour a VPN outage floods one category. The example prints a weekly
//! KPI table per group, computed in SQL by the store, writes the report as
//! CSV and a chart of weekly volume by channel as SVG, and lists the spike
//! the desk warns about.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use helpdesk::report::{BucketSize, Chart, Dimension, Figure, ReportQuery, Stat};
use helpdesk::sla::SlaConfig;
use helpdesk::store::SqliteStore;
use helpdesk::survey::TimeBasis;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, GroupId, HelpDesk, ManualClock, NewTicket, Requester,
};

const SLA: &str = r#"
default = "standard"
[calendars.office]
time_zone = "Europe/Paris"
week = { mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }
[[policies]]
name = "standard"
calendar = "office"
first_response = { target = "4h" }
resolution = { target = "16h" }
"#;

/// A small deterministic generator, so every run tells the same story.
struct Draw(u64);
impl Draw {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile_dir()?;
    let store = Arc::new(SqliteStore::open(dir.join("report.db")).await?);
    // Monday 2 March 2026, 08:00 in Paris.
    let start: DateTime<Utc> = "2026-03-02T07:00:00Z".parse()?;
    let clock = Arc::new(ManualClock::new(start));
    let desk = HelpDesk::builder()
        .backend(store.clone())
        .clock(clock.clone())
        .sla(SlaConfig::from_toml(SLA)?)
        .build()?;

    let groups = [GroupId::new("network")?, GroupId::new("apps")?];
    let agents: Vec<Actor> = (0..4)
        .map(|i| Actor::agent(AgentId::new(), [groups[i % 2].clone()]))
        .collect();
    let channels = [
        Channel::Email,
        Channel::Portal,
        Channel::Phone,
        Channel::Chat,
    ];
    let categories = [["network/vpn", "network/wifi"], ["apps/mail", "apps/crm"]];
    let mut draw = Draw(42);

    // Five weeks, a ticket every 40 minutes or so during the working day.
    let mut t = start;
    // Friday of the fifth week, 14:00 in Paris: the outage begins.
    let end = start + Duration::weeks(4) + Duration::days(4) + Duration::hours(6);
    let mut opened = 0;
    while t < end {
        t += Duration::minutes(20 + i64::try_from(draw.below(40))?);
        let local_hour = (t + Duration::hours(1))
            .format("%H")
            .to_string()
            .parse::<u32>()?;
        if !(8..18).contains(&local_hour) || t.format("%u").to_string().parse::<u32>()? > 5 {
            continue;
        }
        clock.set(t);
        let g = usize::try_from(draw.below(2))?;
        let who = CustomerId::new();
        let requester = Requester::new(who, "Customer").email("c@example.com");
        let ticket = desk
            .portal(who)
            .open(
                NewTicket::new(
                    requester,
                    channels[usize::try_from(draw.below(4))?].clone(),
                    "Something is wrong",
                    "Details.",
                )
                .group(groups[g].clone())
                .category(categories[g][usize::try_from(draw.below(2))?]),
            )
            .await?;
        opened += 1;
        let agent = &agents[g + 2 * usize::try_from(draw.below(2))?];
        // First reply after 10 minutes to 6 hours; resolution a little later.
        clock.set(t + Duration::minutes(10 + i64::try_from(draw.below(360))?));
        desk.reply(agent, ticket.id, "Looking into it.").await?;
        if draw.below(3) == 0 {
            clock.advance(Duration::minutes(30));
            desk.reply(agent, ticket.id, "Please try again now.")
                .await?;
        }
        clock.advance(Duration::minutes(15 + i64::try_from(draw.below(240))?));
        desk.transition(agent, ticket.id, "resolved", None).await?;
        if draw.below(12) == 0 {
            clock.advance(Duration::hours(2));
            desk.transition(agent, ticket.id, "open", Some("still broken"))
                .await?;
            clock.advance(Duration::hours(1));
            desk.transition(agent, ticket.id, "resolved", None).await?;
        }
    }
    // The outage: 15 VPN tickets in the next hour, still open.
    let now = end + Duration::hours(1);
    for i in 0..15 {
        clock.set(end + Duration::minutes(4 * i + 2));
        let who = CustomerId::new();
        desk.portal(who)
            .open(
                NewTicket::new(
                    Requester::new(who, "Customer"),
                    Channel::Email,
                    "VPN down",
                    "Cannot connect.",
                )
                .group(groups[0].clone())
                .category("network/vpn"),
            )
            .await?;
        opened += 1;
    }
    clock.set(now);
    println!(
        "{opened} tickets over five weeks on SQLite ({})\n",
        dir.display()
    );

    let boss = Actor::supervisor(AgentId::new());
    // Five weeks from Monday midnight in Paris (the clocks change on March 29).
    let weeks = ReportQuery::new(
        "2026-03-01T23:00:00Z".parse()?,
        "2026-04-05T22:00:00Z".parse()?,
        BucketSize::Week,
    )
    .time_zone(chrono_tz::Europe::Paris);
    let by_group = desk
        .report(&boss, &weeks.clone().group_by(Dimension::Group))
        .await?;
    println!(
        "{:<9} {:<8} {:>7} {:>8} {:>8} {:>13} {:>13} {:>9} {:>8}",
        "week",
        "group",
        "created",
        "resolved",
        "backlog",
        "1st reply med",
        "(business)",
        "one-touch",
        "reopened"
    );
    for (b, bucket) in by_group.buckets.iter().enumerate() {
        for g in 0..by_group.groups.len() {
            let f = by_group.cell(b, g).expect("dense report");
            let minutes =
                |v: Option<f64>| v.map_or("-".to_owned(), |s| format!("{:.0} min", s / 60.0));
            let pct = |v: Option<f64>| v.map_or("-".to_owned(), |r| format!("{:.0}%", r * 100.0));
            println!(
                "{:<9} {:<8} {:>7} {:>8} {:>8} {:>13} {:>13} {:>9} {:>8}",
                bucket.label,
                by_group.group_label(g),
                f.created,
                f.resolved,
                f.backlog,
                minutes(Figure::FirstReply(Stat::Median, TimeBasis::Calendar).value(f)),
                minutes(Figure::FirstReply(Stat::Median, TimeBasis::Business).value(f)),
                pct(Figure::OneTouchRate.value(f)),
                pct(Figure::ReopenRate.value(f)),
            );
        }
    }
    std::fs::write("report.csv", by_group.to_csv())?;
    let by_channel = desk
        .report(&boss, &weeks.group_by(Dimension::Channel))
        .await?;
    std::fs::write(
        "report.svg",
        Chart::bars(&by_channel, Figure::Created)
            .title("Tickets per week by channel")
            .to_svg(),
    )?;
    println!("\nwrote report.csv and report.svg");

    for spike in desk.spikes(&boss, now).await? {
        println!(
            "spike: {:?}: {} tickets in the last hour, baseline {:?} (threshold {:.1})",
            spike.key, spike.count, spike.baseline, spike.threshold
        );
    }
    store.close().await?;
    Ok(())
}

/// A fresh directory for the database.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("helpdesk-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
