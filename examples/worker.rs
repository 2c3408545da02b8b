//! An escalation worker: a tokio loop that calls `HelpDesk::run_due` every
//! two seconds. Run it on every node; claims keep the work from being done
//! twice. This demo drives a simulated clock three business hours ahead per
//! round (a real worker uses `SystemClock`) and stops after a few rounds.
//!
//! `cargo run --example worker`

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use helpdesk::escalation::load_desk_toml;
use helpdesk::{
    Actor, Channel, Clock, CustomerId, HelpDesk, ManualClock, NewTicket, RecordingNotifier,
    Requester,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (routing, escalation) = load_desk_toml(include_str!("config/desk.toml"))?;
    let start: DateTime<Utc> = "2026-03-06T20:00:00Z".parse()?; // Friday 15:00 in New York
    let clock = Arc::new(ManualClock::new(start));
    let notifier = Arc::new(RecordingNotifier::new());
    let mut builder = HelpDesk::builder()
        .clock(clock.clone())
        .notifier(notifier.clone());
    if let Some(r) = routing {
        builder = builder.routing(r);
    }
    if let Some(e) = escalation {
        builder = builder.escalation(e);
    }
    let desk = builder.build()?;

    let ada = CustomerId::new();
    let ticket = desk
        .open(
            &Actor::requester(ada),
            NewTicket::new(
                Requester::new(ada, "Ada").email("ada@example.com"),
                Channel::Portal,
                "Wifi keeps dropping on floor 3",
                "Since this morning.",
            )
            .category("network/wifi"),
        )
        .await?;
    println!(
        "opened {} -> group {:?}, assignee {:?}",
        ticket.reference, ticket.group, ticket.assignee
    );

    let mut tick = tokio::time::interval(StdDuration::from_secs(2));
    for round in 1..=4 {
        tick.tick().await;
        // Jump to the next business morning, then three hours at a time.
        let step = if round == 1 {
            Duration::hours(90)
        } else {
            Duration::hours(3)
        };
        clock.advance(step);
        let report = desk.run_due(clock.now(), 100).await?;
        println!(
            "round {round} at {}: claimed {}, fired {}, reminders {}, failed {}",
            clock.now(),
            report.claimed,
            report.fired,
            report.reminders,
            report.failed.len()
        );
        for n in notifier.take() {
            println!("  -> {} to {}: {}", n.kind, n.recipient, n.subject);
        }
    }
    let t = desk.get(&Actor::System, ticket.id).await?;
    println!(
        "now: group {:?}, priority {}, watchers {}",
        t.group,
        t.priority,
        t.watchers.len()
    );
    Ok(())
}
