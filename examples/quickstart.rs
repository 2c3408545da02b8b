//! The help desk in a few minutes: tickets from several channels, priorities
//! with their reasons, assignment, replies, a split, resolve, a reopen by the
//! customer, and the timeline and notifications that result.
//!
//! Run: `cargo run --example quickstart`

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use helpdesk::ticket::{EventKind, TicketEvent};
use helpdesk::{
    Actor, AgentId, Channel, Classifier, CustomerId, GroupId, HelpDesk, InMemoryStore, ManualClock,
    NewTicket, Recipient, RecordingNotifier, Requester, SplitPart,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Company-defined criteria: outages are critical, VIPs are urgent.
    let classifier = Classifier::from_toml(
        r#"
        [[rules]]
        name = "outage"
        when = { words = ["outage", "down"] }
        priority = "critical"

        [[rules]]
        name = "vip customers"
        when = { requester_tier = ["vip"] }
        urgency = "high"

        [[rules]]
        name = "company-wide"
        when = { tags = ["all-staff"] }
        impact = "high"
        "#,
    )?;
    let notifier = Arc::new(RecordingNotifier::new());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 6, 14, 0, 0)
            .single()
            .ok_or("bad date")?,
    ));
    let desk = HelpDesk::builder()
        .store(Arc::new(InMemoryStore::new()))
        .notifier(notifier.clone())
        .clock(clock.clone())
        .classifier(classifier)
        .build()?;

    let l1 = GroupId::new("service-desk")?;
    let sam_id = AgentId::new();
    let sam = Actor::agent(sam_id, [l1.clone()]);
    let ada_id = CustomerId::new();
    let ada = Requester::new(ada_id, "Ada Lovelace")
        .email("ada@example.com")
        .organization("Analytical Engines");
    let bob_id = CustomerId::new();
    let bob = Requester::new(bob_id, "Bob Babbage")
        .email("bob@example.com")
        .tier("vip")
        .phone("+44 20 7946 0000");

    println!("== Tickets arrive from several channels\n");
    let outage = desk
        .open(
            &Actor::requester(ada_id),
            NewTicket::new(
                ada.clone(),
                Channel::Email,
                "Email is down for everyone",
                "No mail since 13:40.",
            )
            .tag("all-staff")
            .group(l1.clone()),
        )
        .await?;
    // Sam takes a phone call and files it for Bob (several problems in one call).
    let call = desk
        .open(
            &sam,
            NewTicket::new(
                bob.clone(),
                Channel::Phone,
                "Phone call: laptop and licence",
                "Laptop fan is loud; also the CAD licence expired.",
            )
            .field("laptop_model", "ThinkPad T14s")
            .field("licence_number", "CAD-2291-X")
            .field("location", "Building 2, room 4.12")
            .group(l1.clone()),
        )
        .await?;
    let chat = desk
        .open(
            &Actor::requester(ada_id),
            NewTicket::new(
                ada.clone(),
                Channel::Chat,
                "How do I share a calendar?",
                "Want to share with my team.",
            )
            .group(l1.clone()),
        )
        .await?;
    for t in [&outage, &call, &chat] {
        let why = match &desk.timeline(&sam, t.id).await?[0].kind {
            EventKind::Created(c) => c.explanation.clone(),
            _ => String::new(),
        };
        println!(
            "{} [{}] {:<34} priority {:<8} because {}",
            t.reference,
            t.channel,
            t.subject,
            t.priority.to_string(),
            why
        );
    }

    println!("\n== Sam assigns, replies and splits the phone call into one ticket per problem\n");
    desk.assign(&sam, outage.id, Some(sam_id)).await?;
    desk.reply(
        &sam,
        outage.id,
        "We are on it: the mail relay is being restarted.",
    )
    .await?;
    desk.note(&sam, outage.id, "Relay disk full; cleaning up /var/spool.")
        .await?;
    let parts = desk
        .split(
            &sam,
            call.id,
            vec![
                SplitPart::new("Laptop fan is loud", "ThinkPad T14s fan noise")
                    .category("hardware"),
                SplitPart::new("CAD licence expired", "Licence CAD-2291-X expired")
                    .category("licensing"),
            ],
        )
        .await?;
    for p in &parts {
        println!(
            "{} split from {}: {} (priority {})",
            p.reference, call.reference, p.subject, p.priority
        );
    }

    println!("\n== Resolved, then reopened by the customer's reply\n");
    clock.advance(Duration::minutes(45));
    let t = desk
        .transition(
            &sam,
            outage.id,
            "resolved",
            Some("relay restarted, queue drained"),
        )
        .await?;
    println!("{} is {}", t.reference, t.status);
    clock.advance(Duration::minutes(20));
    let t = desk
        .add_message(
            &Actor::requester(ada_id),
            outage.id,
            "Still not receiving external mail!",
            Channel::Email,
        )
        .await?;
    println!("{} is {} again after Ada's reply", t.reference, t.status);
    desk.reply(&sam, outage.id, "External MX fixed too; please confirm.")
        .await?;
    desk.transition(&sam, outage.id, "resolved", Some("MX record corrected"))
        .await?;

    println!("\n== Timeline of {} as staff see it\n", outage.reference);
    for e in desk.timeline(&sam, outage.id).await? {
        println!("  {}", describe(&e));
    }
    println!("\n== ... and as Ada sees it (no internal notes)\n");
    for e in desk.timeline(&Actor::requester(ada_id), outage.id).await? {
        println!("  {}", describe(&e));
    }

    println!("\n== Notifications sent\n");
    for n in notifier.delivered() {
        let to = match &n.recipient {
            Recipient::Agent { id } if *id == sam_id => "agent Sam".to_owned(),
            other => other.to_string(),
        };
        println!("  to {to:<28} {:<16} {}", n.kind.to_string(), n.subject);
    }
    Ok(())
}

fn describe(e: &TicketEvent) -> String {
    let what = match &e.kind {
        EventKind::Created(c) => format!("opened via {}: {}", c.channel, c.subject),
        EventKind::CustomerMessage { body, channel } => {
            format!("customer wrote ({channel}): {body}")
        }
        EventKind::Reply { body } => format!("reply: {body}"),
        EventKind::InternalNote { body } => format!("internal note: {body}"),
        EventKind::StatusChanged { from, to, reason } => {
            format!(
                "status {from} -> {to}{}",
                reason
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            )
        }
        EventKind::Assigned { to: Some(_), .. } => "assigned to Sam".to_owned(),
        other => other.name().replace('_', " "),
    };
    format!("{} {:<10} {what}", e.at.format("%H:%M"), actor_label(e))
}

fn actor_label(e: &TicketEvent) -> &'static str {
    match e.actor {
        helpdesk::ticket::EventActor::Requester(_) => "customer",
        helpdesk::ticket::EventActor::Agent(_) => "agent",
        helpdesk::ticket::EventActor::System => "system",
    }
}
