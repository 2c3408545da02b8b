//! Routing on open through the desk: rules, strategies, shifts, capacity.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use helpdesk::routing::RoutingConfig;
use helpdesk::ticket::EventKind;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, Error, GroupId, HelpDesk, ManualClock, NewTicket,
    Requester, Ticket,
};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}
fn g(s: &str) -> GroupId {
    s.parse().unwrap()
}

const ANA: &str = "01936f6e-0000-7000-8000-000000000011";
const BO: &str = "01936f6e-0000-7000-8000-000000000012";

fn config(strategy: &str, capacity: u32) -> RoutingConfig {
    RoutingConfig::from_toml(&format!(
        r#"
        [[groups]]
        id = "desk"
        tier = 1
        area = "general"
        strategy = "{strategy}"
        [[groups]]
        id = "net"
        tier = 1
        area = "network"
        strategy = "skills"
        [[agents]]
        id = "{ANA}"
        name = "Ana"
        groups = ["desk", "net"]
        skills = ["vpn"]
        capacity = {capacity}
        shift = {{ time_zone = "UTC", week = {{ mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }} }}
        [[agents]]
        id = "{BO}"
        name = "Bo"
        groups = ["desk", "net"]
        capacity = {capacity}
        [[rules]]
        name = "vpn"
        when = {{ words = ["vpn"] }}
        group = "net"
        skills = ["vpn"]
        "#
    ))
    .unwrap()
}

async fn open(desk: &HelpDesk, subject: &str) -> Ticket {
    let c = CustomerId::new();
    let mine = desk
        .portal(c)
        .open(NewTicket::new(
            Requester::new(c, "C"),
            Channel::Email,
            subject,
            "...",
        ))
        .await
        .unwrap();
    desk.get(&Actor::System, mine.id).await.unwrap()
}

fn desk(r: Option<RoutingConfig>, now: &str) -> HelpDesk {
    let mut b = HelpDesk::builder().clock(Arc::new(ManualClock::new(t(now))));
    if let Some(r) = r {
        b = b.routing(r);
    }
    b.build().unwrap()
}

const WEDNESDAY: &str = "2026-03-11T10:00:00Z";
const SATURDAY: &str = "2026-03-14T10:00:00Z";

#[tokio::test]
async fn without_routing_nothing_changes() {
    let d = desk(None, WEDNESDAY);
    let tk = open(&d, "VPN down").await;
    assert_eq!((tk.group, tk.assignee), (None, None));
    let tl = d.timeline(&Actor::System, tk.id).await.unwrap();
    assert_eq!(tl.len(), 1);
}

#[tokio::test]
async fn rules_choose_the_group_and_skills_the_agent_with_a_reason() {
    let d = desk(Some(config("manual", 10)), WEDNESDAY);
    let tk = open(&d, "VPN down").await;
    assert_eq!(tk.group, Some(g("net")));
    assert_eq!(
        tk.assignee,
        Some(ANA.parse().unwrap()),
        "only Ana has the vpn skill"
    );
    let tl = d.timeline(&Actor::System, tk.id).await.unwrap();
    let EventKind::Routed { reason, .. } = &tl[1].kind else {
        panic!("expected a routed event")
    };
    assert!(
        reason.contains("rule `vpn`") && reason.contains("skills match"),
        "{reason}"
    );
    // Manual strategy in the default group: queued, nobody assigned.
    let tk = open(&d, "Printer").await;
    assert_eq!((tk.group, tk.assignee), (Some(g("desk")), None));
}

#[tokio::test]
async fn off_shift_agents_are_skipped() {
    let d = desk(Some(config("manual", 10)), SATURDAY);
    let tk = open(&d, "VPN down").await;
    assert_eq!(
        (tk.group, tk.assignee),
        (Some(g("net")), None),
        "Ana is off shift, Bo lacks the skill"
    );
}

#[tokio::test]
async fn round_robin_takes_turns() {
    let d = desk(Some(config("round_robin", 100)), WEDNESDAY);
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(open(&d, "Printer").await.assignee.unwrap());
    }
    let (ana, bo): (AgentId, AgentId) = (ANA.parse().unwrap(), BO.parse().unwrap());
    assert_eq!(got, [ana, bo, ana, bo]);
}

#[tokio::test]
async fn least_open_balances_and_capacity_caps() {
    let d = desk(Some(config("least_open", 2)), WEDNESDAY);
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(open(&d, "Printer").await.assignee);
    }
    let (ana, bo): (AgentId, AgentId) = (ANA.parse().unwrap(), BO.parse().unwrap());
    assert_eq!(
        got,
        [Some(ana), Some(bo), Some(ana), Some(bo), None],
        "both full after two each"
    );
    // A resolved ticket frees capacity.
    let p = helpdesk::store::TicketFilter::default().assignee(ana);
    let page = d
        .list(&Actor::System, helpdesk::store::TicketQuery::new(p, 10))
        .await
        .unwrap();
    d.transition(&Actor::System, page.items[0].id, "resolved", None)
        .await
        .unwrap();
    assert_eq!(open(&d, "Printer").await.assignee, Some(ana));
}

#[tokio::test]
async fn a_group_or_assignee_given_on_open_is_kept() {
    let d = desk(Some(config("round_robin", 10)), WEDNESDAY);
    let c = CustomerId::new();
    let tk = d
        .open(
            &Actor::supervisor(AgentId::new()),
            NewTicket::new(Requester::new(c, "C"), Channel::Phone, "VPN down", "...")
                .group(g("desk")),
        )
        .await
        .unwrap();
    assert_eq!(
        tk.group,
        Some(g("desk")),
        "the rule does not override an explicit group"
    );
    assert!(tk.assignee.is_some());
}

#[test]
fn invalid_routing_is_a_config_error() {
    let bad = config("manual", 1);
    let mut bad2 = bad.clone();
    bad2.agents[1].groups.push(g("nowhere"));
    let Err(Error::Config(e)) = HelpDesk::builder().routing(bad2).build() else {
        panic!("expected a config error")
    };
    assert_eq!(
        (e.path.as_str(), e.value.as_deref()),
        ("routing.agents[1].groups[2]", Some("nowhere"))
    );
    let Err(Error::Config(e)) = RoutingConfig::from_toml(
        "[[groups]]\nid = \"a\"\ntier = 1\narea = \"x\"\n[[rules]]\nname = \"r\"\ngroup = \"b\"",
    ) else {
        panic!("expected a config error")
    };
    assert_eq!(
        (e.path.as_str(), e.value.as_deref()),
        ("rules[0].group", Some("b"))
    );
    assert!(
        RoutingConfig::from_toml(
            "[[groups]]\nid = \"a\"\ntier = 1\narea = \"x\"\nstrategy = \"random\""
        )
        .is_err()
    );
}
