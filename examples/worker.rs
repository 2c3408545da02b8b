//! The time-driven worker: a tokio loop that calls `HelpDesk::run_due`
//! (SLA warnings and breaches, escalation levels) and
//! `HelpDesk::dispatch_pending` (notifications left for a retry). Run it on
//! every node; claims keep the work from being done twice.
//!
//! This demo drives a simulated clock (a real worker uses `SystemClock`)
//! over a weekend, a holiday and the US spring-forward, on the example
//! configuration, and stops after a few rounds.
//!
//! `cargo run --example worker`

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use chrono_tz::America::New_York;
use helpdesk::{
    Actor, AgentId, Channel, Clock, CustomerId, DeskConfig, HelpDesk, ManualClock, NewTicket,
    Recipient, RecordingNotifier, Requester,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = DeskConfig::from_toml(include_str!("config/desk.toml"))?;
    let start: DateTime<Utc> = "2026-03-06T20:00:00Z".parse()?; // Friday 15:00 in New York
    let clock = Arc::new(ManualClock::new(start));
    let notifier = Arc::new(RecordingNotifier::new());
    let desk = HelpDesk::builder()
        .config(config)
        .clock(clock.clone())
        .notifier(notifier.clone())
        .build()?;
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&New_York)
            .format("%a %-d %b %H:%M %Z")
            .to_string()
    };
    let name = |id: AgentId| {
        desk.routing()
            .and_then(|r| r.agent_name(id))
            .map_or_else(|| "an agent".to_owned(), str::to_owned)
    };

    let ada = CustomerId::new();
    let mine = desk
        .portal(ada)
        .open(
            NewTicket::new(
                Requester::new(ada, "Ada").email("ada@example.com"),
                Channel::Portal,
                "Wifi keeps dropping on floor 3",
                "Since this morning.",
            )
            .category("network/wifi"),
        )
        .await?;
    let ticket = desk.get(&Actor::System, mine.id).await?;
    let group = ticket
        .group
        .as_ref()
        .map_or("no group".into(), ToString::to_string);
    let assignee = ticket.assignee.map_or("nobody".into(), name);
    println!(
        "{} opened {}: queued in {group}, assigned to {assignee}",
        ticket.reference,
        local(clock.now())
    );
    notifier.take();

    // The moments something comes due: Tuesday morning (Monday is a
    // holiday), then through the day as the resolution target runs out.
    let rounds = [
        "2026-03-10T14:12:00Z",
        "2026-03-10T14:30:00Z",
        "2026-03-10T15:00:00Z",
        "2026-03-10T17:00:00Z",
        "2026-03-10T19:00:00Z",
        "2026-03-10T19:30:00Z",
    ];
    let mut tick = tokio::time::interval(StdDuration::from_millis(500));
    for at in rounds {
        tick.tick().await;
        clock.set(at.parse()?);
        let report = desk.run_due(clock.now(), 100).await?;
        println!(
            "\n{}: {} ticket(s) due, {} escalation level(s) fired",
            local(clock.now()),
            report.claimed,
            report.fired,
        );
        for d in notifier.take() {
            let to = match &d.notification.recipient {
                Recipient::Agent { id } => name(*id),
                Recipient::Group { id } => format!("group {id}"),
                Recipient::Requester { email: Some(e), .. } => e.clone(),
                other => other.to_string(),
            };
            println!("  to {to:<26} {}", d.message.subject);
        }
        desk.dispatch_pending().await?;
    }
    let t = desk.get(&Actor::System, ticket.id).await?;
    println!(
        "\nNow {}: in {}, assigned to {}, priority {}, watched by {}.",
        t.reference,
        t.group
            .as_ref()
            .map_or("no group".into(), ToString::to_string),
        t.assignee.map_or("nobody".into(), name),
        desk.classifier().label(t.priority),
        t.watchers
            .iter()
            .map(|w| name(*w))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
