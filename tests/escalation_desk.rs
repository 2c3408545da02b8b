//! Escalation end to end on the example configuration, with a manual clock
//! across a weekend, a holiday (Mon 2026-03-09) and the US DST switch
//! (Sun 2026-03-08): Friday is EST (UTC-5), Tuesday is EDT (UTC-4).
//!
//! Escalation levels fire on the SLA clocks (one clock): the standard
//! policy's office hours, its targets (medium: first response 4h,
//! resolution 8h, periodic update 4h) and its pauses.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use helpdesk::escalation::EscalationConfig;
use helpdesk::prelude::*;
use helpdesk::sla::{Metric, SlaConfig};
use helpdesk::ticket::EventKind;
use helpdesk::ticket::view::RequesterEventKind;
use helpdesk::{
    Actor, AgentId, Channel, ConfigError, CustomerId, DeskConfig, Error, GroupId, HelpDesk,
    InMemoryStore, ManualClock, NewTicket, NotificationKind, Priority, PriorityOrigin, Recipient,
    RecordingNotifier, Requester, TicketId,
};

const DESK_TOML: &str = include_str!("../examples/config/desk.toml");

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}
fn agent(n: u8) -> AgentId {
    format!("01936f6e-0000-7000-8000-0000000000{n:02}")
        .parse()
        .unwrap()
}
fn group(s: &str) -> GroupId {
    s.parse().unwrap()
}

fn desk(store: Arc<dyn Store>, clock: Arc<ManualClock>, n: Arc<RecordingNotifier>) -> HelpDesk {
    HelpDesk::builder()
        .config(DeskConfig::from_toml(DESK_TOML).unwrap())
        .store(store)
        .clock(clock)
        .notifier(n)
        .build()
        .unwrap()
}

async fn escalations(desk: &HelpDesk, id: TicketId) -> Vec<(String, bool)> {
    desk.timeline(&Actor::System, id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::Escalated { level, manual, .. } => Some((level, manual)),
            _ => None,
        })
        .collect()
}

/// Cy opens a wifi ticket through the portal at the desk clock's now.
async fn open_wifi(desk: &HelpDesk, c: CustomerId) -> TicketId {
    desk.portal(c)
        .open(
            NewTicket::new(
                Requester::new(c, "Cy").email("cy@example.com"),
                Channel::Portal,
                "Wifi drops",
                "...",
            )
            .category("network/wifi"),
        )
        .await
        .unwrap()
        .id
}

fn kinds(sent: &[helpdesk::notify::Delivered], kind: NotificationKind) -> Vec<Recipient> {
    sent.iter()
        .filter(|n| n.notification.kind == kind)
        .map(|n| n.notification.recipient.clone())
        .collect()
}

#[test]
fn escalation_without_sla_is_a_configuration_error() {
    let e = EscalationConfig::from_toml(
        "[[policies]]\nname = \"p\"\n[[policies.levels]]\nname = \"l\"\n\
         trigger = { kind = \"at_breach\", metric = \"resolution\" }\nactions = [{ notify = [\"assignee\"] }]",
    )
    .unwrap();
    let Err(Error::Config(err)) = HelpDesk::builder().escalation(e).build() else {
        panic!("expected a config error")
    };
    assert_eq!(err.path, "escalation");
    assert!(err.message.contains("SLA"), "{err}");
}

#[test]
fn config_errors_name_path_and_value() {
    let err = |toml: &str| -> ConfigError {
        match DeskConfig::from_toml(toml) {
            Err(Error::Config(e)) => e,
            other => panic!("expected a config error, got {other:?}"),
        }
    };
    let e = err(&DESK_TOML.replace("next_tier = \"network-l2\"", "next_tier = \"network-l9\""));
    assert_eq!(e.path, "routing.groups[1].next_tier");
    assert_eq!(e.value.as_deref(), Some("network-l9"));

    let e = err(&DESK_TOML.replace("percent = 75", "percent = 175"));
    assert_eq!(e.path, "escalation.policies[1].levels[1].trigger.percent");
    assert_eq!(e.value.as_deref(), Some("175"));

    let e = err(&DESK_TOML.replace("calendar = \"office\"", "calendar = \"offices\""));
    assert_eq!(
        (e.path.as_str(), e.value.as_deref()),
        ("sla.policies[1].calendar", Some("offices"))
    );

    let e = err(&DESK_TOML.replace("name = \"raise-after-breach\"", "name = \"warn-75\""));
    assert_eq!(e.path, "escalation.policies[1].levels[3].name");

    let e = err(&DESK_TOML.replace(
        "actions = [{ reassign = \"next_tier\" }, { notify = [\"group_lead\", \"supervisor\"] }]",
        "actions = [{ reassign = { group = \"nowhere\" } }]",
    ));
    assert_eq!(
        e.path,
        "escalation.policies[1].levels[2].actions[0].reassign.group"
    );
}

#[tokio::test]
async fn levels_fire_once_across_weekend_holiday_and_dst() {
    let clock = Arc::new(ManualClock::new(t("2026-03-06T20:00:00Z"))); // Fri 15:00 EST
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let notes = Arc::new(RecordingNotifier::new());
    let a = desk(store.clone(), clock.clone(), notes.clone());
    let b = desk(store.clone(), clock.clone(), notes.clone());
    let c = CustomerId::new();
    let id = open_wifi(&a, c).await;
    let ticket = a.get(&Actor::System, id).await.unwrap();
    // No rule matches: first line of the `network` area; `skills` strategy, tie -> Ana.
    assert_eq!(ticket.group, Some(group("network-l1")));
    assert_eq!(ticket.assignee, Some(agent(11)));
    // The acknowledgment promises the first response in business hours.
    let ack = notes
        .delivered()
        .into_iter()
        .find(|n| n.notification.kind == NotificationKind::Acknowledged)
        .unwrap();
    assert!(
        ack.message
            .text
            .contains("within 4 business hours, by Tue 2026-03-10 11:00 EDT"),
        "{}",
        ack.message.text
    );

    // Ana answers on Friday: first response met; the periodic update clock
    // starts. Its warning (80% of 4h): Fri 16-17 EST, then Tue 09:00-11:12 EDT.
    clock.set(t("2026-03-06T21:00:00Z"));
    a.reply(
        &Actor::agent(agent(11), [group("network-l1")]),
        id,
        "Looking into it.",
    )
    .await
    .unwrap();
    assert_eq!(
        store.next_deadline(id).await.unwrap(),
        Some(t("2026-03-10T15:12:00Z"))
    );

    // Monday (holiday): nothing is due.
    clock.set(t("2026-03-09T15:00:00Z"));
    assert_eq!(a.run_due(clock.now(), 100).await.unwrap().claimed, 0);

    // Tue 11:12 EDT, then 12:00 EDT: Ana is told the customer is due an
    // update, then that it is overdue; each once.
    notes.take();
    clock.set(t("2026-03-10T15:12:00Z"));
    let r = a.run_due(clock.now(), 100).await.unwrap();
    assert_eq!((r.claimed, r.recorded, r.fired), (1, 1, 0));
    clock.set(t("2026-03-10T16:00:00Z"));
    let r = a.run_due(clock.now(), 100).await.unwrap();
    assert_eq!((r.claimed, r.recorded, r.fired), (1, 1, 0));
    assert_eq!(a.run_due(clock.now(), 100).await.unwrap().claimed, 0);
    let sent = notes.take();
    let subjects: Vec<_> = sent.iter().map(|n| n.message.subject.as_str()).collect();
    let r = ticket.reference;
    assert_eq!(
        subjects,
        [
            format!("[{r}] Customer update due soon: Wifi drops"),
            format!("[{r}] Customer update overdue: Wifi drops")
        ]
    );
    assert!(
        sent.iter()
            .all(|n| n.notification.recipient == Recipient::Agent { id: agent(11) })
    );

    // 75% of 8h = 6h: 2h on Friday + 4h on Tuesday = Tue 13:00 EDT: the
    // SLA warning and the warn-75 level.
    assert_eq!(
        store.next_deadline(id).await.unwrap(),
        Some(t("2026-03-10T17:00:00Z"))
    );
    clock.set(t("2026-03-10T16:59:59Z"));
    assert_eq!(a.run_due(clock.now(), 100).await.unwrap().claimed, 0);
    clock.set(t("2026-03-10T17:00:00Z"));
    assert_eq!(a.run_due(clock.now(), 100).await.unwrap().fired, 1);
    assert_eq!(a.run_due(clock.now(), 100).await.unwrap().fired, 0);
    let sent = notes.take();
    assert_eq!(
        kinds(&sent, NotificationKind::Escalated),
        [
            Recipient::Agent { id: agent(11) },
            Recipient::Agent { id: agent(2) }
        ]
    );
    assert_eq!(
        kinds(&sent, NotificationKind::SlaWarning),
        [Recipient::Agent { id: agent(11) }]
    );
    // The message says which point was reached and when, in the calendar's zone.
    let escalated = sent
        .iter()
        .find(|n| n.notification.kind == NotificationKind::Escalated)
        .unwrap();
    assert!(
        escalated.message.text.contains(
            "was escalated (warn-75): 75% of the resolution target elapsed (due Tue 2026-03-10 13:00 EDT)."
        ),
        "{}",
        escalated.message.text
    );

    // Breach at 8h = Tue 15:00 EDT: two desks at once; it fires once.
    clock.set(t("2026-03-10T19:00:00Z"));
    let (ra, rb) = tokio::join!(a.run_due(clock.now(), 100), b.run_due(clock.now(), 100));
    assert_eq!(ra.unwrap().fired + rb.unwrap().fired, 1);
    let now = a.get(&Actor::System, id).await.unwrap();
    assert_eq!(now.group, Some(group("network-l2")));
    assert_eq!(now.assignee, Some(agent(13)), "least open in network-l2");
    let sent = notes.take();
    assert_eq!(
        kinds(&sent, NotificationKind::Escalated),
        [
            Recipient::Agent { id: agent(3) }, // the lead of the new group
            Recipient::Address {
                address: "duty-manager@example.com".into()
            },
        ]
    );
    assert!(kinds(&sent, NotificationKind::Assigned).contains(&Recipient::Agent { id: agent(13) }));

    // 30 business minutes after the breach: priority one step up, once,
    // even when a desk whose lease view is stale runs again later.
    clock.set(t("2026-03-10T19:29:59Z"));
    assert_eq!(b.run_due(clock.now(), 100).await.unwrap().fired, 0);
    clock.set(t("2026-03-10T19:30:00Z"));
    let (ra, rb) = tokio::join!(b.run_due(clock.now(), 100), a.run_due(clock.now(), 100));
    assert_eq!(ra.unwrap().fired + rb.unwrap().fired, 1);
    clock.advance(Duration::minutes(5));
    assert_eq!(a.run_due(clock.now(), 100).await.unwrap().fired, 0);
    let now = a.get(&Actor::System, id).await.unwrap();
    assert_eq!(now.priority, Priority::High);
    assert_eq!(
        now.priority_origin,
        PriorityOrigin::Escalation {
            level: "raise-after-breach".into()
        }
    );
    assert!(now.watchers.contains(&agent(3)));
    assert_eq!(
        store.next_deadline(id).await.unwrap(),
        None,
        "nothing left to fire"
    );

    let fired = escalations(&a, id).await;
    let names: Vec<&str> = fired.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["warn-75", "l2-at-breach", "raise-after-breach"]);

    // The requester sees none of it: their timeline is the conversation
    // and the status.
    let mine = a.portal(c).timeline(id).await.unwrap();
    assert!(mine.iter().all(|e| matches!(
        e.kind,
        RequesterEventKind::Opened { .. }
            | RequesterEventKind::Reply { .. }
            | RequesterEventKind::StatusChanged { .. }
    )));
}

#[tokio::test]
async fn a_reopened_ticket_starts_a_new_cycle_and_a_priority_change_replans() {
    let clock = Arc::new(ManualClock::new(t("2026-03-06T20:00:00Z")));
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let a = desk(
        store.clone(),
        clock.clone(),
        Arc::new(RecordingNotifier::new()),
    );
    let c = CustomerId::new();
    let ana = Actor::agent(agent(11), [group("network-l1")]);
    let id = open_wifi(&a, c).await;
    clock.set(t("2026-03-06T21:00:00Z"));
    a.reply(&ana, id, "On it").await.unwrap();
    // Raised by hand to high: target 6h, so 75% = 4.5h: Fri 2h + Tue 2.5h = 11:30 EDT.
    let boss = Actor::supervisor(AgentId::new());
    a.set_priority(&boss, id, Priority::High, "customer escalated by phone")
        .await
        .unwrap();
    clock.set(t("2026-03-10T15:29:59Z"));
    assert_eq!(a.run_due(clock.now(), 10).await.unwrap().fired, 0);
    clock.set(t("2026-03-10T15:30:00Z"));
    assert_eq!(a.run_due(clock.now(), 10).await.unwrap().fired, 1);
    // Back to medium: 75% of 8h lies later, but warn-75 already fired this cycle.
    a.set_priority(&boss, id, Priority::Medium, "calmer now")
        .await
        .unwrap();
    clock.set(t("2026-03-10T17:00:00Z"));
    assert_eq!(a.run_due(clock.now(), 10).await.unwrap().fired, 0);
    // Resolve: no clock runs. The customer's reply reopens: a new
    // resolution cycle, in which warn-75 may fire again.
    a.transition(&ana, id, "resolved", None).await.unwrap();
    assert_eq!(store.next_deadline(id).await.unwrap(), None);
    a.portal(c).reply(id, "Still broken").await.unwrap();
    clock.set(t("2026-03-12T17:00:00Z"));
    a.run_due(clock.now(), 10).await.unwrap();
    let names: Vec<String> = escalations(&a, id).await.into_iter().map(|e| e.0).collect();
    assert_eq!(
        names.iter().filter(|n| *n == "warn-75").count(),
        2,
        "{names:?}"
    );
    // The timeline says in which SLA cycle each fired.
    let cycles: Vec<u32> = a
        .timeline(&Actor::System, id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::Escalated { level, cycle, .. } if level == "warn-75" => Some(cycle),
            _ => None,
        })
        .collect();
    assert_eq!(cycles, [1, 2]);
}

#[tokio::test]
async fn manual_escalation_goes_to_the_next_tier() {
    let clock = Arc::new(ManualClock::new(t("2026-03-06T20:00:00Z")));
    let a = desk(
        Arc::new(InMemoryStore::new()),
        clock,
        Arc::new(RecordingNotifier::new()),
    );
    let c = CustomerId::new();
    let id = a
        .portal(c)
        .open(
            NewTicket::new(Requester::new(c, "Cy"), Channel::Email, "VPN", "...")
                .category("network/vpn"),
        )
        .await
        .unwrap()
        .id;
    let err = a
        .escalate(&Actor::requester(c), id, "please")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
    let t1 = a
        .escalate(
            &Actor::agent(agent(11), [group("network-l1")]),
            id,
            "needs BGP know-how",
        )
        .await
        .unwrap();
    assert_eq!(t1.group, Some(group("network-l2")));
    assert_eq!(escalations(&a, id).await, [("manual".to_owned(), true)]);
    let err = a
        .escalate(&Actor::supervisor(AgentId::new()), id, "again")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "network-l2 has no next tier"
    );
}

#[tokio::test]
async fn the_worker_records_sla_events_and_escalates_on_the_same_clock() {
    let sla = SlaConfig::from_toml(
        r#"default = "standard"
        [calendars.office]
        time_zone = "America/New_York"
        holidays = ["2026-03-09"]
        week = { mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }
        [[policies]]
        name = "standard"
        calendar = "office"
        resolution = { target = "8h", warning = "75%" }"#,
    )
    .unwrap();
    let escalation = EscalationConfig::from_toml(
        r#"[[policies]]
        name = "p"
        [[policies.levels]]
        name = "l2"
        trigger = { kind = "at_breach", metric = "resolution" }
        actions = [{ reassign = "next_tier" }]"#,
    )
    .unwrap();
    let routing = DeskConfig::from_toml(DESK_TOML).unwrap().routing.unwrap();
    let clock = Arc::new(ManualClock::new(t("2026-03-06T20:00:00Z")));
    let notes = Arc::new(RecordingNotifier::new());
    let desk = HelpDesk::builder()
        .clock(clock.clone())
        .notifier(notes.clone())
        .routing(routing)
        .sla(sla)
        .escalation(escalation)
        .build()
        .unwrap();
    let c = CustomerId::new();
    let id = open_wifi(&desk, c).await;
    // The SLA warning (75% of 8h) is the first deadline: Tue 13:00 EDT.
    assert_eq!(
        desk.store().next_deadline(id).await.unwrap(),
        Some(t("2026-03-10T17:00:00Z"))
    );
    clock.set(t("2026-03-10T17:00:00Z"));
    notes.take();
    let r = desk.run_due(clock.now(), 10).await.unwrap();
    assert_eq!((r.claimed, r.fired, r.recorded), (1, 0, 1));
    assert!(!kinds(&notes.take(), NotificationKind::SlaWarning).is_empty());
    assert_eq!(desk.run_due(clock.now(), 10).await.unwrap().claimed, 0);
    // The breach: the SLA records it and the level fires at the same instant, once.
    clock.set(t("2026-03-10T19:00:00Z"));
    assert_eq!(desk.run_due(clock.now(), 10).await.unwrap().fired, 1);
    assert_eq!(desk.run_due(clock.now(), 10).await.unwrap().claimed, 0);
    let tl = desk.timeline(&Actor::System, id).await.unwrap();
    let count = |name: &str| tl.iter().filter(|e| e.kind.name() == name).count();
    assert_eq!(
        (
            count("sla_warning"),
            count("sla_breached"),
            count("escalated")
        ),
        (1, 1, 1)
    );
    let breach = tl
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::SlaBreached { metric, due, .. } => Some((*metric, *due)),
            _ => None,
        })
        .unwrap();
    assert_eq!(breach, (Metric::Resolution, t("2026-03-10T19:00:00Z")));
    assert_eq!(
        desk.get(&Actor::System, id).await.unwrap().group,
        Some(group("network-l2"))
    );
}

#[tokio::test]
async fn waiting_on_the_customer_stops_the_clocks() {
    let clock = Arc::new(ManualClock::new(t("2026-03-06T20:00:00Z")));
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let a = desk(
        store.clone(),
        clock.clone(),
        Arc::new(RecordingNotifier::new()),
    );
    let c = CustomerId::new();
    let ana = Actor::agent(agent(11), [group("network-l1")]);
    let id = open_wifi(&a, c).await;
    clock.set(t("2026-03-06T21:00:00Z"));
    a.reply(&ana, id, "Can you send a screenshot?")
        .await
        .unwrap();
    // Tue 10:00 EDT: 3h of resolution time used, 2h of the periodic update;
    // pending stops both (first response was met).
    clock.set(t("2026-03-10T14:00:00Z"));
    a.transition(&ana, id, "pending", None).await.unwrap();
    assert_eq!(store.next_deadline(id).await.unwrap(), None);
    clock.set(t("2026-03-11T13:00:00Z")); // Wed 09:00 EDT
    assert_eq!(a.run_due(clock.now(), 10).await.unwrap().claimed, 0);
    a.transition(&ana, id, "open", None).await.unwrap();
    // The update warning: 3h12m of update time, 2h used: Wed 10:12 EDT.
    assert_eq!(
        store.next_deadline(id).await.unwrap(),
        Some(t("2026-03-11T14:12:00Z"))
    );
    // The update is overdue at Wed 11:00 EDT; warn-75 (6h): 3h used + 3h
    // from Wed 09:00 -> 12:00 EDT.
    clock.set(t("2026-03-11T15:00:00Z"));
    assert_eq!(a.run_due(clock.now(), 10).await.unwrap().recorded, 1);
    assert_eq!(
        store.next_deadline(id).await.unwrap(),
        Some(t("2026-03-11T16:00:00Z"))
    );
}
