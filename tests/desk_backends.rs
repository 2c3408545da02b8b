//! Desk behaviour that rests on the store, run on every back end: the
//! breaching-soon query and the next-due order (from the schedule the desk
//! derives at each commit), idempotent commands, contact corrections, and
//! what the worker records when it first runs after a due.
//!
//! Each scenario is one async function over a desk; `backends!` runs it on
//! the in-memory store, an SQLite file and PostgreSQL (when
//! `HELPDESK_TEST_POSTGRES_URL` is set; `.ci/run` always sets it), so test
//! names read `breaching_soon::sqlite`.
#![cfg(feature = "sqlite")]

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use helpdesk::sla::SlaConfig;
use helpdesk::store::{Sort, TicketFilter, TicketQuery};
use helpdesk::ticket::EventKind;
use helpdesk::ticket::view::RequesterEventKind;
use helpdesk::{
    Actor, AgentId, BusinessDuration, Channel, Clock, ContactUpdate, CustomerId, Error, HelpDesk,
    ManualClock, NewTicket, Priority, Requester, Store, Ticket,
};

#[path = "support/backends.rs"]
#[macro_use]
mod backends;

/// Monday 2026-03-02 09:00 in New York (EST).
const MONDAY_9: &str = "2026-03-02T14:00:00Z";

const SLA: &str = r#"
default = "standard"
[calendars.office]
time_zone = "America/New_York"
week = { mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }
[[policies]]
name = "vip"
when = { requester_tier = ["vip"] }
calendar = "24x7"
first_response = { target = "1h" }
[[policies]]
name = "standard"
calendar = "office"
first_response = { targets = { critical = "1h", high = "2h", medium = "4h", low = "8h" } }
resolution = { target = "40h" }
"#;

struct World {
    desk: HelpDesk,
    clock: Arc<ManualClock>,
}

impl World {
    fn new(store: Arc<dyn Store>) -> Self {
        let clock = Arc::new(ManualClock::new(MONDAY_9.parse().unwrap()));
        let desk = HelpDesk::builder()
            .store(store)
            .clock(clock.clone())
            .sla(SlaConfig::from_toml(SLA).unwrap())
            .build()
            .unwrap();
        World { desk, clock }
    }

    /// A customer opens a ticket of `priority` (by impact and urgency) now.
    async fn open(&self, subject: &str, urgency: helpdesk::Urgency, vip: bool) -> Ticket {
        let c = CustomerId::new();
        let mut r = Requester::new(c, "C").email("c@example.com");
        if vip {
            r = r.tier("vip");
        }
        let t = self
            .desk
            .portal(c)
            .open(NewTicket::new(r, Channel::Email, subject, "...").urgency(urgency))
            .await
            .unwrap();
        self.desk.get(&Actor::System, t.id).await.unwrap()
    }
}

fn boss() -> Actor {
    Actor::supervisor(AgentId::new())
}

/// Tickets whose next SLA due falls within two business hours of now, in
/// each ticket's own calendar; earliest due first; overdue ones included.
async fn breaching_soon(w: World) {
    use helpdesk::Urgency::{High, Low, Medium};
    // Monday 09:00 EST: the standard policy counts office hours, vip 24/7.
    let high = w.open("high: due 11:00", High, false).await; // medium impact x high urgency = high: 2h
    let medium = w.open("medium: due 13:00", Medium, false).await; // 4h
    let low = w.open("low: due 17:00", Low, false).await; // 8h
    let vip = w.open("vip: due 10:00", Low, true).await; // 1h around the clock
    assert_eq!(high.priority, Priority::High);
    let ids = |p: &helpdesk::store::Page<Ticket>| p.items.iter().map(|t| t.id).collect::<Vec<_>>();
    let soon = w
        .desk
        .breaching_soon(&boss(), BusinessDuration::hours(2), 50)
        .await
        .unwrap();
    assert_eq!(ids(&soon), [vip.id, high.id]);
    // Friday 16:30: two business hours reach Monday 09:30 for the office
    // tickets, and the weekend does not count; vip's hour is long gone.
    w.clock.set("2026-03-06T21:30:00Z".parse().unwrap());
    let soon = w
        .desk
        .breaching_soon(&boss(), BusinessDuration::hours(2), 50)
        .await
        .unwrap();
    assert_eq!(ids(&soon), [vip.id, high.id, medium.id, low.id]);
    // The same order sorts the agents' queue; tickets without a due come last.
    let fixed = w.desk.reply(&boss(), vip.id, "Answered").await.unwrap();
    assert_eq!(fixed.status.as_str(), "open");
    let queue = w
        .desk
        .list(
            &boss(),
            TicketQuery::new(TicketFilter::default(), 10).sort(Sort::NextDue),
        )
        .await
        .unwrap();
    assert_eq!(ids(&queue), [high.id, medium.id, low.id, vip.id]);
    let by_priority = w
        .desk
        .list(
            &boss(),
            TicketQuery::new(TicketFilter::default(), 10).sort(Sort::Priority),
        )
        .await
        .unwrap();
    assert_eq!(by_priority.items[0].id, high.id);
}

/// The same idempotency key twice is one effect, and returns the first
/// result, also when the two race.
async fn idempotent_commands(w: World) {
    let agent = boss();
    let c = CustomerId::new();
    let new = NewTicket::new(
        Requester::new(c, "C"),
        Channel::Phone,
        "No dial tone",
        "...",
    );
    let (a, b) = tokio::join!(
        w.desk.idempotent("call-1").open(&agent, new.clone()),
        w.desk.idempotent("call-1").open(&agent, new.clone()),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    let again = w.desk.idempotent("call-1").open(&agent, new).await.unwrap();
    assert_eq!(again, a);
    let all = w
        .desk
        .list(&agent, TicketQuery::new(TicketFilter::default(), 10))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1, "opened once");
    // A command on a ticket: the second delivery returns the ticket as the
    // first left it, even after later changes.
    let cmd = helpdesk::Command::reply("Try the other socket.");
    let first = w
        .desk
        .idempotent("reply-1")
        .execute(&agent, a.id, cmd.clone())
        .await
        .unwrap();
    w.desk.note(&agent, a.id, "later change").await.unwrap();
    let second = w
        .desk
        .idempotent("reply-1")
        .execute(&agent, a.id, cmd)
        .await
        .unwrap();
    assert_eq!(second, first);
    let replies = w
        .desk
        .timeline(&agent, a.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::Reply { .. }))
        .count();
    assert_eq!(replies, 1);
    // A requester's form submitted twice through the portal.
    let portal = w.desk.portal(c);
    let m1 = portal
        .idempotent("form-7")
        .reply(a.id, "It works now")
        .await
        .unwrap();
    let m2 = portal
        .idempotent("form-7")
        .reply(a.id, "It works now")
        .await
        .unwrap();
    assert_eq!(m1, m2);
}

/// Staff or the requester correct contact details; the timeline says so,
/// the snapshot follows, and a requester may not move themselves to
/// another organization.
async fn contact_corrections(w: World) {
    let t = w.open("VPN", helpdesk::Urgency::Medium, false).await;
    let c = t.requester.id;
    let mine = w
        .desk
        .portal(c)
        .update_contact(t.id, ContactUpdate::default().phone("+33 1 23 45 67 89"))
        .await
        .unwrap();
    assert_eq!(mine.contact.phone.as_deref(), Some("+33 1 23 45 67 89"));
    let err = w
        .desk
        .portal(c)
        .update_contact(t.id, ContactUpdate::default().organization("Rivals"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(ref v) if v.field == "organization"));
    let t = w
        .desk
        .update_requester(
            &boss(),
            t.id,
            ContactUpdate::default()
                .organization("Acme")
                .name("C. Smith"),
        )
        .await
        .unwrap();
    assert_eq!(t.requester.organization.as_deref(), Some("Acme"));
    assert_eq!(t.requester.name, "C. Smith");
    let events = w.desk.timeline(&boss(), t.id).await.unwrap();
    assert_eq!(Ticket::replay(&events).unwrap(), t);
    let theirs = w.desk.portal(c).timeline(t.id).await.unwrap();
    assert_eq!(
        theirs
            .iter()
            .filter(|e| e.kind == RequesterEventKind::ContactUpdated)
            .count(),
        2
    );
}

/// When the worker first runs after a due (it was down, say), the breach is
/// recorded and the warning, which can no longer help, is not.
async fn late_worker_records_the_breach_not_the_warning(w: World) {
    let t = w.open("Printer", helpdesk::Urgency::Medium, false).await;
    // First response: 4 business hours, due 13:00 EST, warning at 80%.
    w.clock.set("2026-03-02T18:30:00Z".parse().unwrap()); // 13:30: past the due
    let r = w.desk.run_due(w.clock.now(), 10).await.unwrap();
    assert_eq!(r.claimed, 1);
    let kinds: Vec<&'static str> = w
        .desk
        .timeline(&boss(), t.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind.name())
        .filter(|n| n.starts_with("sla_") && *n != "sla_policy_applied")
        .collect();
    assert_eq!(kinds, ["sla_breached"]);
    let due: DateTime<Utc> = "2026-03-02T18:00:00Z".parse().unwrap();
    let status = w.desk.sla_status(&boss(), t.id).await.unwrap();
    assert_eq!(
        status
            .metric(helpdesk::sla::Metric::FirstResponse)
            .breached_at,
        Some(due)
    );
    assert_eq!(
        w.desk
            .run_due(w.clock.now() + Duration::minutes(1), 10)
            .await
            .unwrap()
            .fired,
        0
    );
}

/// Without SLA policies the SLA status explains how to add them.
async fn sla_status_without_sla_says_how_to_add_one(w: World) {
    let desk = HelpDesk::builder()
        .store(w.desk.store().clone())
        .build()
        .unwrap();
    let c = CustomerId::new();
    let t = desk
        .portal(c)
        .open(NewTicket::new(
            Requester::new(c, "C"),
            Channel::Email,
            "x",
            "y",
        ))
        .await
        .unwrap();
    let err = desk.sla_status(&boss(), t.id).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "this desk has no SLA policy configured; add one with HelpDeskBuilder::sla or an [sla] \
         table in the desk configuration"
    );
}

backends!(
    breaching_soon,
    idempotent_commands,
    contact_corrections,
    late_worker_records_the_breach_not_the_warning,
    sla_status_without_sla_says_how_to_add_one,
);
