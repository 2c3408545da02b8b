//! Escalation end to end on the example configuration, with a manual clock
//! across a weekend, a holiday (Mon 2026-03-09) and the US DST switch
//! (Sun 2026-03-08): Friday is EST (UTC-5), Tuesday is EDT (UTC-4).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use helpdesk::escalation::{EscalationConfig, load_desk_toml};
use helpdesk::routing::RoutingConfig;
use helpdesk::ticket::EventKind;
use helpdesk::{
    Actor, AgentId, Channel, Clock, CustomerId, Error, GroupId, HelpDesk, InMemoryStore,
    ManualClock, NewTicket, NotificationKind, Priority, PriorityOrigin, Recipient,
    RecordingNotifier, Requester, Store, TicketId,
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

fn configs() -> (RoutingConfig, EscalationConfig) {
    let (r, e) = load_desk_toml(DESK_TOML).unwrap();
    (r.unwrap(), e.unwrap())
}

fn desk(store: Arc<dyn Store>, clock: Arc<ManualClock>, n: Arc<RecordingNotifier>) -> HelpDesk {
    let (r, e) = configs();
    HelpDesk::builder()
        .store(store)
        .clock(clock)
        .notifier(n)
        .routing(r)
        .escalation(e)
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

#[test]
fn the_example_configuration_loads() {
    let (r, e) = configs();
    assert_eq!(r.groups.len(), 4);
    assert_eq!(e.policies.len(), 2);
    assert_eq!(
        r.next_tier(&group("network-l1")).unwrap().id,
        group("network-l2")
    );
}

#[test]
fn config_errors_name_path_and_value() {
    let bad = DESK_TOML.replace("next_tier = \"network-l2\"", "next_tier = \"network-l9\"");
    let Err(Error::Config(e)) = load_desk_toml(&bad) else {
        panic!("expected a config error")
    };
    assert_eq!(e.path, "routing.groups[1].next_tier");
    assert_eq!(e.value.as_deref(), Some("network-l9"));

    let bad = DESK_TOML.replace("percent = 75", "percent = 175");
    let Err(Error::Config(e)) = load_desk_toml(&bad) else {
        panic!("expected a config error")
    };
    assert_eq!(e.path, "escalation.policies[1].levels[1].trigger.percent");
    assert_eq!(e.value.as_deref(), Some("175"));

    let bad = DESK_TOML.replace("calendar = \"office\"", "calendar = \"offices\"");
    let Err(Error::Config(e)) = load_desk_toml(&bad) else {
        panic!("expected a config error")
    };
    assert_eq!(
        (e.path.as_str(), e.value.as_deref()),
        ("escalation.policies[1].calendar", Some("offices"))
    );

    let bad = DESK_TOML.replace("name = \"raise-after-breach\"", "name = \"warn-75\"");
    let Err(Error::Config(e)) = load_desk_toml(&bad) else {
        panic!("expected a config error")
    };
    assert_eq!(e.path, "escalation.policies[1].levels[3].name");

    let (r, _) = configs();
    let e = EscalationConfig::from_toml(
        "[targets.resolution]\nlow = \"1h\"\n[[policies]]\nname = \"p\"\n[[policies.levels]]\nname = \"l\"\n\
         trigger = { kind = \"at_breach\", metric = \"resolution\" }\nactions = [{ reassign = { group = \"nowhere\" } }]",
    )
    .unwrap();
    let Err(Error::Config(err)) = HelpDesk::builder().routing(r).escalation(e).build() else {
        panic!("expected a config error")
    };
    assert_eq!(
        err.path,
        "escalation.policies[0].levels[0].actions[0].reassign.group"
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
    let ticket = a
        .open(
            &Actor::requester(c),
            NewTicket::new(
                Requester::new(c, "Cy").email("cy@example.com"),
                Channel::Portal,
                "Wifi drops",
                "...",
            )
            .category("network/wifi"),
        )
        .await
        .unwrap();
    // No rule matches: first line of the `network` area; `skills` strategy, tie -> Ana.
    assert_eq!(ticket.group, Some(group("network-l1")));
    assert_eq!(ticket.assignee, Some(agent(11)));
    let id = ticket.id;

    // Ana answers on Friday: first response met, and the customer's last update is now.
    clock.set(t("2026-03-06T21:00:00Z"));
    a.reply(
        &Actor::agent(agent(11), [group("network-l1")]),
        id,
        "Looking into it.",
    )
    .await
    .unwrap();
    // Update due after 4 business hours: Fri 16-17 EST, then Tue 09-12 EDT (Mon is a holiday).
    assert_eq!(
        store.next_deadline(id).await.unwrap(),
        Some(t("2026-03-10T16:00:00Z"))
    );

    // Monday (holiday): nothing is due.
    clock.set(t("2026-03-09T15:00:00Z"));
    assert_eq!(a.run_due(clock.now(), 100).await.unwrap().claimed, 0);

    // Tue 12:00 EDT: the update reminder to Ana, once.
    clock.set(t("2026-03-10T16:00:00Z"));
    notes.take();
    let r = a.run_due(clock.now(), 100).await.unwrap();
    assert_eq!((r.claimed, r.reminders, r.fired), (1, 1, 0));
    assert_eq!(a.run_due(clock.now(), 100).await.unwrap().claimed, 0);
    let sent = notes.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, NotificationKind::UpdateDue);
    assert_eq!(sent[0].recipient, Recipient::Agent { id: agent(11) });

    // 75% of 8h = 6h: 2h on Friday + 4h on Tuesday = Tue 13:00 EDT.
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
    let to: Vec<_> = sent
        .iter()
        .filter(|n| n.kind == NotificationKind::Escalated)
        .map(|n| n.recipient.clone())
        .collect();
    assert_eq!(
        to,
        [
            Recipient::Agent { id: agent(11) },
            Recipient::Agent { id: agent(2) }
        ]
    );

    // Breach at 8h = Tue 15:00 EDT: two desks at once; it fires once.
    clock.set(t("2026-03-10T19:00:00Z"));
    let (ra, rb) = tokio::join!(a.run_due(clock.now(), 100), b.run_due(clock.now(), 100));
    assert_eq!(ra.unwrap().fired + rb.unwrap().fired, 1);
    let now = a.get(&Actor::System, id).await.unwrap();
    assert_eq!(now.group, Some(group("network-l2")));
    assert_eq!(now.assignee, Some(agent(13)), "least open in network-l2");
    let sent = notes.take();
    let to: Vec<_> = sent
        .iter()
        .filter(|n| n.kind == NotificationKind::Escalated)
        .map(|n| n.recipient.clone())
        .collect();
    assert_eq!(
        to,
        [
            Recipient::Agent { id: agent(3) }, // the lead of the new group
            Recipient::Address {
                address: "duty-manager@example.com".into()
            },
        ]
    );
    assert!(sent.iter().any(|n| n.kind == NotificationKind::Assigned
        && n.recipient == Recipient::Agent { id: agent(13) }));

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

    // Requesters do not see escalation bookkeeping.
    let mine = a.timeline(&Actor::requester(c), id).await.unwrap();
    assert!(mine.iter().all(|e| !matches!(
        e.kind,
        EventKind::Escalated { .. } | EventKind::Routed { .. }
    )));
}

#[tokio::test]
async fn a_reopened_ticket_starts_a_new_cycle_and_a_priority_change_replans() {
    let clock = Arc::new(ManualClock::new(t("2026-03-06T20:00:00Z")));
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let notes = Arc::new(RecordingNotifier::new());
    let a = desk(store.clone(), clock.clone(), notes);
    let c = CustomerId::new();
    let ana = Actor::agent(agent(11), [group("network-l1")]);
    let id = a
        .open(
            &Actor::requester(c),
            NewTicket::new(Requester::new(c, "Cy"), Channel::Email, "Wifi", "...")
                .category("network/wifi"),
        )
        .await
        .unwrap()
        .id;
    clock.set(t("2026-03-06T21:00:00Z"));
    a.reply(&ana, id, "On it").await.unwrap();
    // Raised by hand to high: target 6h, so 75% = 4.5h: Fri 2h + Tue 2.5h = 11:30 EDT.
    a.set_priority(
        &Actor::supervisor(AgentId::new()),
        id,
        Priority::High,
        "customer escalated by phone",
    )
    .await
    .unwrap();
    assert_eq!(
        store.next_deadline(id).await.unwrap(),
        Some(t("2026-03-10T15:30:00Z"))
    );
    clock.set(t("2026-03-10T15:30:00Z"));
    assert_eq!(a.run_due(clock.now(), 10).await.unwrap().fired, 1);
    // Back to medium: 75% of 8h lies later, but warn-75 already fired this cycle.
    a.set_priority(
        &Actor::supervisor(AgentId::new()),
        id,
        Priority::Medium,
        "calmer now",
    )
    .await
    .unwrap();
    clock.set(t("2026-03-10T17:00:00Z"));
    assert_eq!(a.run_due(clock.now(), 10).await.unwrap().fired, 0);
    // Resolve and reopen: a new cycle; warn-75 may fire again in it.
    a.transition(&ana, id, "resolved", None).await.unwrap();
    assert_eq!(store.next_deadline(id).await.unwrap(), None);
    a.add_message(&Actor::requester(c), id, "Still broken", Channel::Email)
        .await
        .unwrap();
    clock.set(t("2026-03-12T17:00:00Z"));
    a.run_due(clock.now(), 10).await.unwrap();
    let names: Vec<String> = escalations(&a, id).await.into_iter().map(|e| e.0).collect();
    assert_eq!(
        names.iter().filter(|n| *n == "warn-75").count(),
        2,
        "{names:?}"
    );
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
        .open(
            &Actor::requester(c),
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
async fn with_sla_targets_the_worker_records_sla_events_and_escalates() {
    use helpdesk::sla::SlaConfig;
    let office = r#"time_zone = "America/New_York"
holidays = ["2026-03-09"]
week = { mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }"#;
    let sla = SlaConfig::from_toml(&format!(
        "default = \"standard\"\n[[policies]]\nname = \"standard\"\ncalendar = {{ {} }}\nresolution = {{ target = \"8h\", warning = \"75%\" }}\n",
        office.replace('\n', ", ")
    ))
    .unwrap();
    let escalation = EscalationConfig::from_toml(&format!(
        "[calendars.office]\n{office}\n[[policies]]\nname = \"p\"\ncalendar = \"office\"\n[[policies.levels]]\nname = \"l2\"\n\
         trigger = {{ kind = \"at_breach\", metric = \"resolution\" }}\nactions = [{{ reassign = \"next_tier\" }}]\n"
    ))
    .unwrap();
    let (routing, _) = configs();
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
    let id = desk
        .open(
            &Actor::requester(c),
            NewTicket::new(Requester::new(c, "Cy"), Channel::Email, "Wifi", "...")
                .category("network/wifi"),
        )
        .await
        .unwrap()
        .id;
    // The SLA warning (75% of 8h) is the first deadline: Tue 13:00 EDT.
    assert_eq!(
        desk.store().next_deadline(id).await.unwrap(),
        Some(t("2026-03-10T17:00:00Z"))
    );
    clock.set(t("2026-03-10T17:00:00Z"));
    notes.take();
    let r = desk.run_due(clock.now(), 10).await.unwrap();
    assert_eq!((r.claimed, r.fired), (1, 0));
    assert!(
        notes
            .take()
            .iter()
            .any(|n| n.kind == NotificationKind::SlaWarning)
    );
    assert_eq!(desk.run_due(clock.now(), 10).await.unwrap().claimed, 0);
    // The breach: the SLA records it and the escalation level fires, once.
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
    let id = a
        .open(
            &Actor::requester(c),
            NewTicket::new(Requester::new(c, "Cy"), Channel::Email, "Wifi", "...")
                .category("network/wifi"),
        )
        .await
        .unwrap()
        .id;
    clock.set(t("2026-03-06T21:00:00Z"));
    a.reply(&ana, id, "Can you send a screenshot?")
        .await
        .unwrap();
    // Tue 10:00 EDT: 3h of resolution time used; pending stops every clock.
    clock.set(t("2026-03-10T14:00:00Z"));
    a.transition(&ana, id, "pending", None).await.unwrap();
    assert_eq!(store.next_deadline(id).await.unwrap(), None);
    clock.set(t("2026-03-11T13:00:00Z")); // Wed 09:00 EDT
    assert_eq!(a.run_due(clock.now(), 10).await.unwrap().claimed, 0);
    a.transition(&ana, id, "open", None).await.unwrap();
    // Update reminder: 1h Fri + 1h Tue + 2h from Wed 09:00 -> 11:00 EDT;
    // warn-75 (6h): 3h used + 3h from Wed 09:00 -> 12:00 EDT.
    assert_eq!(
        store.next_deadline(id).await.unwrap(),
        Some(t("2026-03-11T15:00:00Z"))
    );
    clock.set(t("2026-03-11T15:00:00Z"));
    assert_eq!(a.run_due(clock.now(), 10).await.unwrap().reminders, 1);
    assert_eq!(
        store.next_deadline(id).await.unwrap(),
        Some(t("2026-03-11T16:00:00Z"))
    );
}
