//! The help desk in a few minutes, on the embedded default (an SQLite file)
//! and the one configuration file (`examples/config/desk.toml`): tickets
//! from email, phone and chat, each classified with its reason, routed,
//! promised an SLA in business hours; a reply, an internal note, a phone
//! call split into one ticket per problem, a resolution reopened by the
//! customer's reply; then the timeline as staff and as the customer see it,
//! and every notification sent.
//!
//! Run: `cargo run --example quickstart`

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use helpdesk::sla::{Metric, MetricState};
use helpdesk::store::SqliteStore;
use helpdesk::ticket::view::{Author, RequesterEventKind};
use helpdesk::ticket::{EventActor, EventKind, TicketEvent};
use helpdesk::{
    Actor, AgentId, Channel, Clock, CustomerId, DeskConfig, HelpDesk, ManualClock, NewTicket,
    Recipient, RecordingNotifier, Requester, SplitPart, Ticket,
};

/// Friday 6 March 2026, 09:00 in New York.
const START: &str = "2026-03-06T14:00:00Z";
const ANA: &str = "01936f6e-0000-7000-8000-000000000011";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("quickstart.db");
    let config = DeskConfig::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/config/desk.toml"
    ))?;
    let notifier = Arc::new(RecordingNotifier::new());
    let clock = Arc::new(ManualClock::new(START.parse()?));
    let desk = HelpDesk::builder()
        .config(config)
        .store(Arc::new(SqliteStore::open(&db).await?))
        .notifier(notifier.clone())
        .clock(clock.clone())
        .build()?;
    let office = desk
        .sla()
        .and_then(|s| s.calendars().get("office"))
        .map_or(Tz::UTC, helpdesk::BusinessCalendar::time_zone);
    let show = Show {
        desk: &desk,
        tz: office,
    };
    println!("A help desk on SQLite ({}),", db.display());
    println!("configured by examples/config/desk.toml: office hours 09:00-17:00 {office}.\n");

    let ana_id: AgentId = ANA.parse()?;
    let ana = Actor::agent(ana_id, ["service-desk".parse()?, "network-l1".parse()?]);
    let ada = CustomerId::new();
    let ada_contact = Requester::new(ada, "Ada Lovelace")
        .email("ada@example.com")
        .organization("Analytical Engines");
    let bob = Requester::new(CustomerId::new(), "Bob Babbage")
        .email("bob@example.com")
        .phone("+44 20 7946 0000")
        .tier("vip");

    show.heading(clock.now(), "Tickets arrive from three channels");
    let outage = desk
        .portal(ada)
        .open(NewTicket::new(
            ada_contact.clone(),
            Channel::Email,
            "Mail server is down for everyone",
            "No mail since 08:40, inbound or outbound.",
        ))
        .await?;
    show.ticket(outage.id).await?;
    // Ana takes a phone call and files it for Bob: two problems in one call.
    let call = desk
        .open(
            &ana,
            NewTicket::new(
                bob,
                Channel::Phone,
                "Phone call: laptop fan and CAD licence",
                "The laptop fan is loud; also the CAD licence expired yesterday.",
            )
            .field("laptop_model", "ThinkPad T14s")
            .field("licence_number", "CAD-2291-X"),
        )
        .await?;
    show.ticket(call.id).await?;
    clock.advance(Duration::minutes(5));
    let chat = desk
        .portal(ada)
        .open(NewTicket::new(
            ada_contact,
            Channel::Chat,
            "How do I share a calendar?",
            "I want my team to see my calendar.",
        ))
        .await?;
    show.ticket(chat.id).await?;

    clock.advance(Duration::minutes(10));
    show.heading(clock.now(), "Ana answers, notes, and splits the phone call");
    desk.reply(
        &ana,
        outage.id,
        "We are on it: the mail relay is being restarted.",
    )
    .await?;
    desk.note(&ana, outage.id, "Relay disk full; cleaning up /var/spool.")
        .await?;
    let parts = desk
        .split(
            &ana,
            call.id,
            vec![
                SplitPart::new(
                    "Laptop fan is loud",
                    "ThinkPad T14s fan noise under light load.",
                )
                .category("hardware"),
                SplitPart::new(
                    "CAD licence expired",
                    "Licence CAD-2291-X expired yesterday.",
                )
                .category("licensing"),
            ],
        )
        .await?;
    for p in &parts {
        println!("{} split off {}:", p.reference, call.reference);
        show.ticket(p.id).await?;
    }

    clock.advance(Duration::minutes(40));
    show.heading(
        clock.now(),
        "Resolved, then reopened by the customer's reply",
    );
    desk.transition(
        &ana,
        outage.id,
        "resolved",
        Some("relay restarted, queue drained"),
    )
    .await?;
    println!("{} is Resolved.", outage.reference);
    clock.advance(Duration::minutes(20));
    let again = desk
        .portal(ada)
        .message(outage.id, "Still no external mail!", Channel::Email)
        .await?;
    println!(
        "{} is {} again after Ada's reply.",
        again.reference, again.status_label
    );
    clock.advance(Duration::minutes(15));
    desk.reply(
        &ana,
        outage.id,
        "The external MX record is fixed too; please confirm.",
    )
    .await?;
    desk.transition(&ana, outage.id, "resolved", Some("MX record corrected"))
        .await?;
    let status = desk.sla_status(&ana, outage.id).await?;
    let fr = status.metric(Metric::FirstResponse);
    let res = status.metric(Metric::Resolution);
    println!(
        "SLA {}: first response {}, resolution {} (cycle {}).\n",
        status.policy,
        state(fr.state),
        state(res.state),
        res.cycle
    );

    show.heading(
        clock.now(),
        &format!("{} as staff see it", outage.reference),
    );
    for e in desk.timeline(&ana, outage.id).await? {
        println!("  {}", show.staff_line(&e));
    }
    println!();
    show.heading(clock.now(), &format!("{} as Ada sees it", outage.reference));
    for e in desk.portal(ada).timeline(outage.id).await? {
        let who = match &e.by {
            Author::Requester => "Ada".to_owned(),
            Author::Staff { name } => name.clone().unwrap_or_else(|| "Support".into()),
            _ => "Help desk".to_owned(),
        };
        let what = match &e.kind {
            RequesterEventKind::Opened { subject, .. } => format!("opened \"{subject}\""),
            RequesterEventKind::Message { body, .. } | RequesterEventKind::Reply { body } => {
                format!("\"{body}\"")
            }
            RequesterEventKind::StatusChanged { label, .. } => format!("status: {label}"),
            other => format!("{other:?}"),
        };
        println!("  {}  {who:<10} {what}", show.time(e.at));
    }
    println!();

    show.heading(clock.now(), "Notifications sent");
    for d in notifier.delivered() {
        let to = match &d.notification.recipient {
            Recipient::Agent { id } if *id == ana_id => "Ana".to_owned(),
            Recipient::Agent { .. } => "an agent".to_owned(),
            Recipient::Requester { email: Some(e), .. } => e.clone(),
            Recipient::Group { id } => format!("group {id}"),
            other => other.to_string(),
        };
        println!("  to {to:<18} {}", d.message.subject);
    }
    let ack = notifier
        .delivered()
        .into_iter()
        .find(|d| d.notification.ticket_id == outage.id)
        .ok_or("no acknowledgment")?;
    println!(
        "\nWhat Ada read first:\n  {}",
        ack.message.text.replace('\n', "\n  ")
    );
    Ok(())
}

/// Prints tickets and times as the desk's screens would.
struct Show<'a> {
    desk: &'a HelpDesk,
    tz: Tz,
}

impl Show<'_> {
    fn time(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz)
            .format("%a %-d %b %H:%M %Z")
            .to_string()
    }

    fn heading(&self, now: DateTime<Utc>, title: &str) {
        println!("== {title}  ({})\n", self.time(now));
    }

    async fn ticket(&self, id: helpdesk::TicketId) -> Result<(), Box<dyn std::error::Error>> {
        let t: Ticket = self.desk.get(&Actor::System, id).await?;
        let label = self.desk.classifier().label(t.priority);
        let who = match &t.requester.organization {
            Some(org) => format!("{} ({org})", t.requester.name),
            None => t.requester.name.clone(),
        };
        println!(
            "{} via {:<6} \"{}\", from {who}",
            t.reference,
            t.channel.to_string(),
            t.subject
        );
        println!("      Priority  {label}");
        println!("      Why       {}", t.priority_explanation);
        let queue = match (&t.group, t.assignee) {
            (Some(g), Some(a)) => format!("{g}, assigned to {}", self.agent(a)),
            (Some(g), None) => format!("{g}, waiting in the queue"),
            _ => "not queued".to_owned(),
        };
        println!("      Queue     {queue}");
        if let Ok(s) = self.desk.sla_status(&Actor::System, id).await {
            let due = |m| {
                s.metric(m)
                    .due
                    .map_or_else(|| "none".to_owned(), |d| self.time(d))
            };
            println!(
                "      SLA       {}: first response by {}, resolution by {}",
                s.policy,
                due(Metric::FirstResponse),
                due(Metric::Resolution)
            );
        }
        println!();
        Ok(())
    }

    fn agent(&self, id: AgentId) -> String {
        self.desk
            .routing()
            .and_then(|r| r.agent_name(id))
            .map_or_else(|| "an agent".to_owned(), str::to_owned)
    }

    fn staff_line(&self, e: &TicketEvent) -> String {
        let who = match e.actor {
            EventActor::Requester(_) => "customer".to_owned(),
            EventActor::Agent(a) => self.agent(a),
            EventActor::System => "desk".to_owned(),
        };
        let what = match &e.kind {
            EventKind::Created(c) => format!("opened via {}: \"{}\"", c.channel, c.subject),
            EventKind::CustomerMessage { body, .. } => format!("customer wrote: \"{body}\""),
            EventKind::Reply { body } => format!("replied: \"{body}\""),
            EventKind::InternalNote { body } => format!("internal note: \"{body}\""),
            EventKind::StatusChanged { from, to, reason } => {
                let why = reason
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                format!("status {from} -> {to}{why}")
            }
            EventKind::Routed { reason, .. } => format!("routed: {reason}"),
            EventKind::SlaPolicyApplied { policy, .. } => format!("SLA policy {policy} applies"),
            EventKind::SlaMet { metric, .. } => format!("SLA {} met", metric.label()),
            other => other.name().replace('_', " "),
        };
        format!("{}  {who:<9} {what}", self.time(e.at))
    }
}

fn state(s: MetricState) -> &'static str {
    match s {
        MetricState::Running => "running",
        MetricState::Paused => "paused",
        MetricState::Met => "met",
        MetricState::Breached => "breached",
        MetricState::NotApplicable => "not applicable",
    }
}
