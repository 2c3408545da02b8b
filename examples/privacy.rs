//! Privacy on SQLite: personal data encrypted at rest, a requester erased
//! on request, the audit record, and a weekly report that does not change.
//!
//! ```sh
//! cargo run --example privacy
//! ```
//!
//! The desk seals each requester's name, contact details and messages under
//! a data key of their own (wrapped by the key-encryption key of a
//! [`LocalKeyProvider`]; in production, your KMS). A week of tickets is
//! opened and resolved; the example then shows that the requester's email
//! is nowhere in the database file, erases one requester (the right to
//! erasure), prints the audit record, reads the erased ticket back as
//! `[erased]`, and compares the week's report before and after: the same.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use helpdesk::privacy::LocalKeyProvider;
use helpdesk::report::{BucketSize, Figure, ReportQuery, Stat};
use helpdesk::store::SqliteStore;
use helpdesk::survey::TimeBasis;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, GroupId, HelpDesk, ManualClock, NewTicket, Requester,
};

const EMAIL: &str = "zephyrine.quibble@example.org";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("helpdesk-privacy-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("privacy.db");
    let store = Arc::new(SqliteStore::open(&path).await?);
    // Monday 2 March 2026, 09:00 UTC.
    let start: DateTime<Utc> = "2026-03-02T09:00:00Z".parse()?;
    let clock = Arc::new(ManualClock::new(start));
    // A demo key; a real desk reads its key from a secret store
    // (`LocalKeyProvider::from_env`) or implements `KeyProvider` over a KMS.
    let kek = LocalKeyProvider::from_bytes([0x5a; 32]);
    let desk = HelpDesk::builder()
        .backend(store.clone())
        .privacy(store.clone(), Arc::new(kek))
        .clock(clock.clone())
        .build()?;
    desk.verify_privacy().await?;

    // A week of tickets: one from Zephyrine, the rest from others.
    let support = GroupId::new("support")?;
    let ana = Actor::agent(AgentId::new(), [support.clone()]);
    let zephyrine = CustomerId::new();
    let mut theirs = None;
    for day in 0..5 {
        for n in 0..3 {
            clock.set(start + Duration::days(day) + Duration::hours(n * 2));
            let (who, requester) = if day == 1 && n == 0 {
                let r = Requester::new(zephyrine, "Zephyrine Quibbleworth")
                    .email(EMAIL)
                    .phone("+33 6 98 76 54 32");
                (zephyrine, r)
            } else {
                let who = CustomerId::new();
                (who, Requester::new(who, format!("Customer {day}-{n}")))
            };
            let t = desk
                .portal(who)
                .open(
                    NewTicket::new(
                        requester,
                        Channel::Portal,
                        "Cannot print",
                        "My passport number is XK7719034, the scan will not print.",
                    )
                    .group(support.clone()),
                )
                .await?;
            if who == zephyrine {
                theirs = Some(t.id);
            }
            clock.advance(Duration::minutes(30));
            desk.reply(&ana, t.id, "Try the other tray, please.")
                .await?;
            clock.advance(Duration::minutes(30));
            desk.transition(&ana, t.id, "resolved", None).await?;
        }
    }
    let theirs = theirs.expect("Zephyrine opened a ticket");
    clock.set(start + Duration::days(7));

    let raw = std::fs::read(&path)?;
    let found = raw.windows(EMAIL.len()).any(|w| w == EMAIL.as_bytes());
    println!(
        "15 tickets on SQLite ({}); {EMAIL} in the file's bytes: {found}",
        path.display()
    );

    let boss = Actor::supervisor(AgentId::new());
    let monday: DateTime<Utc> = "2026-03-02T00:00:00Z".parse()?;
    let week = ReportQuery::new(monday, monday + Duration::days(7), BucketSize::Week);
    let before = desk.report(&boss, &week).await?;

    let admin = Actor::admin(AgentId::new());
    let record = desk
        .erase_requester(&admin, zephyrine, "GDPR art. 17(1)(a), request 2026-114")
        .await?;
    println!("\nerasure record (the audit trail keeps counts, never the data):");
    println!("  id       {}", record.id);
    println!("  customer {}", record.customer);
    println!(
        "  by       {}",
        record
            .by
            .map_or_else(|| "the desk".to_owned(), |a| a.to_string())
    );
    println!("  at       {}", record.at);
    println!("  basis    {}", record.basis);
    println!(
        "  touched  {} ticket(s), {} event(s), {} notification(s), {} data key(s)",
        record.tickets, record.events, record.notifications, record.keys
    );
    for (what, n) in &record.elsewhere {
        println!("           {n} {what}");
    }
    assert_eq!(desk.erasures(&admin, Some(zephyrine)).await?, vec![record]);

    let t = desk.get(&boss, theirs).await?;
    println!(
        "\nticket {} now reads: requester {:?}, email {:?}, description {:?}; status {}",
        t.reference, t.requester.name, t.requester.email, &*t.description, t.status
    );

    let after = desk.report(&boss, &week).await?;
    let (b, a) = (&before.rows[0].figures, &after.rows[0].figures);
    let median = Figure::FirstReply(Stat::Median, TimeBasis::Calendar);
    println!(
        "\nthe week's report, before / after: created {} / {}, resolved {} / {}, \
         median first reply {:?} / {:?} s",
        b.created,
        a.created,
        b.resolved,
        a.resolved,
        median.value(b),
        median.value(a)
    );
    assert_eq!(before, after, "erasure changed the report");
    println!("unchanged: erasure keeps the statistics");

    store.close().await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
