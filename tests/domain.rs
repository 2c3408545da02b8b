//! The help desk's rules, given/when/then, without a store: given tickets
//! in some state, when a command is decided, then these events (or this
//! error). The domain is pure, so no desk, store or clock is involved.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use helpdesk::escalation::{EscalationConfig, FireContext, PlannedLevel, fire};
use helpdesk::routing::RoutingConfig;
use helpdesk::ticket::decide::{
    self, Command, ContactUpdate, Context, NewEvent, SplitPart, opens_follow_up,
};
use helpdesk::ticket::{
    EventActor, EventKind, FieldChange, Lifecycle, LinkKind, TicketCreated, TicketEvent,
    TicketUpdate,
};
use helpdesk::{
    AgentId, Channel, Classifier, CustomerId, Error, NewTicket, Priority, PriorityOrigin,
    Recipient, Requester, Ticket, TicketId, TicketRef,
};

const RULES: &str = r#"
[[rules]]
name = "outage"
when = { words = ["outage", "down"] }
priority = "critical"
"#;

struct Given {
    lifecycle: Lifecycle,
    classifier: Classifier,
    agent: AgentId,
    customer: CustomerId,
}

impl Given {
    fn new() -> Self {
        Given {
            lifecycle: Lifecycle::default(),
            classifier: Classifier::from_toml(RULES).unwrap(),
            agent: AgentId::new(),
            customer: CustomerId::new(),
        }
    }

    fn ctx(&self, actor: EventActor) -> Context<'_> {
        Context::new(&self.lifecycle, &self.classifier, actor)
    }
    fn by_agent(&self) -> Context<'_> {
        self.ctx(EventActor::Agent(self.agent))
    }
    fn by_customer(&self) -> Context<'_> {
        self.ctx(EventActor::Requester(self.customer))
    }

    /// A ticket, opened by the customer and folded from its decided
    /// `Created` event, then moved to `status`.
    fn ticket(&self, subject: &str, status: &str) -> Ticket {
        let created = decide::open(
            NewTicket::new(
                Requester::new(self.customer, "Ada").email("ada@example.com"),
                Channel::Email,
                subject,
                "details",
            ),
            TicketRef(1001),
            Vec::new(),
            &self.by_customer(),
        )
        .unwrap();
        let mut t = created_ticket(created);
        if status != "new" {
            let from = t.status.clone();
            apply(
                &mut t,
                vec![NewEvent::new(
                    EventActor::System,
                    EventKind::StatusChanged {
                        from,
                        to: status.into(),
                        reason: None,
                    },
                )],
            );
        }
        t
    }
}

/// A ticket from its `Created` event (what the desk stamps and stores).
fn created_ticket(created: TicketCreated) -> Ticket {
    let e = TicketEvent::new(
        TicketId::new(),
        1,
        at(),
        EventActor::System,
        EventKind::Created(Box::new(created)),
    );
    Ticket::created(&e).unwrap()
}

/// Folds decided events into the ticket, as the desk does when it records them.
fn apply(t: &mut Ticket, events: Vec<NewEvent>) {
    for e in events {
        let e = TicketEvent::new(t.id, t.version + 1, at(), e.actor, e.kind);
        t.apply(&e).unwrap();
    }
}

fn at() -> DateTime<Utc> {
    "2026-03-06T14:00:00Z".parse().unwrap()
}

fn names(events: &[NewEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.name()).collect()
}

#[test]
fn a_customer_message_reopens_a_resolved_ticket() {
    let g = Given::new();
    let t = g.ticket("Printer jam", "resolved");
    let events = decide::decide(&t, &Command::message("Still jammed"), &g.by_customer()).unwrap();
    assert_eq!(names(&events), ["customer_message", "status_changed"]);
    assert_eq!(
        events[1].actor,
        EventActor::System,
        "the reopening is the desk's move"
    );
    assert!(
        matches!(&events[1].kind, EventKind::StatusChanged { to, .. } if to.as_str() == "open")
    );
}

#[test]
fn a_message_to_a_closed_ticket_opens_a_follow_up_linked_both_ways() {
    let g = Given::new();
    let closed = g.ticket("Printer jam", "closed");
    assert!(opens_follow_up(&closed, &g.lifecycle));
    let id = TicketId::new();
    let f = decide::follow_up(
        &closed,
        "It jammed again",
        Channel::Portal,
        (id, TicketRef(1002)),
        &g.by_customer(),
    )
    .unwrap();
    assert_eq!(f.created.subject, closed.subject);
    assert_eq!(&*f.created.description, "It jammed again");
    assert_eq!(f.created.links[0].kind, LinkKind::FollowUpOf);
    assert_eq!(f.created.links[0].target, closed.id);
    assert!(matches!(
        &f.closed[0].kind,
        EventKind::Linked { link } if link.kind == LinkKind::FollowedUpBy && link.target == id
    ));
    // Deciding a message on the closed ticket itself is a bug the desk never makes.
    let err = decide::decide(&closed, &Command::message("x"), &g.by_customer()).unwrap_err();
    assert!(matches!(err, Error::Internal { .. }));
}

#[test]
fn an_agent_reply_opens_a_new_ticket() {
    let g = Given::new();
    let t = g.ticket("Printer jam", "new");
    let events = decide::decide(&t, &Command::reply("On my way"), &g.by_agent()).unwrap();
    assert_eq!(names(&events), ["reply", "status_changed"]);
}

#[test]
fn a_transition_outside_the_lifecycle_names_the_allowed_moves() {
    let g = Given::new();
    let t = g.ticket("x", "resolved");
    let err = decide::decide(&t, &Command::transition("pending", None), &g.by_agent()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot move from `resolved` to `pending`; allowed: open, closed"
    );
    let err = decide::decide(&t, &Command::transition("solved", None), &g.by_agent()).unwrap_err();
    assert!(matches!(err, Error::UnknownStatus { ref status, .. } if status == "solved"));
    // Labels and any case name a status.
    let events = decide::decide(&t, &Command::transition("Closed", None), &g.by_agent()).unwrap();
    assert!(
        matches!(&events[0].kind, EventKind::StatusChanged { to, .. } if to.as_str() == "closed")
    );
}

#[test]
fn a_manual_priority_sticks_through_reclassification() {
    let g = Given::new();
    let mut t = g.ticket("Question about invoices", "open");
    assert_eq!(t.priority, Priority::Medium);
    let set = Command::SetPriority {
        priority: Priority::Low,
        reason: "customer says no hurry".into(),
    };
    let events = decide::decide(&t, &set, &g.by_agent()).unwrap();
    assert!(matches!(
        &events[0].kind,
        EventKind::PriorityChanged { origin: PriorityOrigin::Manual { agent: Some(a), .. }, .. } if *a == g.agent
    ));
    apply(&mut t, events);
    // "down" would make the outage rule fire, but the override sticks.
    let edit = Command::Update(TicketUpdate::default().subject("Invoice portal down"));
    let events = decide::decide(&t, &edit, &g.by_agent()).unwrap();
    assert_eq!(names(&events), ["field_changed"]);
    // Without an override, the same edit reclassifies, by the system, with a reason.
    let u = g.ticket("Question about shipping", "open");
    let edit = Command::Update(TicketUpdate::default().subject("Shipping site down"));
    let events = decide::decide(&u, &edit, &g.by_agent()).unwrap();
    assert_eq!(names(&events), ["field_changed", "priority_changed"]);
    assert!(matches!(
        &events[1],
        NewEvent { actor: EventActor::System, kind: EventKind::PriorityChanged { to: Priority::Critical, explanation, .. }, .. }
            if explanation.contains("rule `outage`")
    ));
    // A reason is required.
    let blank = Command::SetPriority {
        priority: Priority::Low,
        reason: " ".into(),
    };
    assert!(matches!(
        decide::decide(&t, &blank, &g.by_agent()),
        Err(Error::Validation(v)) if v.field == "reason"
    ));
}

#[test]
fn a_split_makes_classified_children_linked_to_the_original() {
    let g = Given::new();
    let t = g.ticket("Phone call: three problems", "open");
    let ids = [
        (TicketId::new(), TicketRef(1002)),
        (TicketId::new(), TicketRef(1003)),
    ];
    let parts = [
        SplitPart::new("Monitor flickers", "The left monitor flickers").category("hardware"),
        SplitPart::new("Email outage", "No email since 8:00"),
    ];
    let split = decide::split(&t, &parts, &ids, &g.by_agent()).unwrap();
    assert!(matches!(
        &split.original[0].kind,
        EventKind::Split { children } if *children == [ids[0].0, ids[1].0]
    ));
    assert_eq!(split.parts[0].category.as_deref(), Some("hardware"));
    assert_eq!(
        split.parts[1].priority,
        Priority::Critical,
        "each part is classified on its own"
    );
    for p in &split.parts {
        assert_eq!(p.requester, t.requester);
        assert_eq!(p.links[0].kind, LinkKind::Parent);
        assert_eq!(p.links[0].target, t.id);
    }
    assert!(matches!(
        decide::split(&t, &[], &[], &g.by_agent()),
        Err(Error::Validation(v)) if v.field == "parts"
    ));
}

#[test]
fn a_merge_closes_the_duplicate_once() {
    let g = Given::new();
    let target = g.ticket("Wifi down in room 4", "open");
    let mut source = g.ticket("No wifi in room 4", "pending");
    let m = decide::merge(&source, &target, &g.by_agent()).unwrap();
    assert_eq!(names(&m.source), ["merged_into", "status_changed"]);
    assert!(
        matches!(&m.source[1].kind, EventKind::StatusChanged { to, .. } if to.as_str() == "closed")
    );
    assert_eq!(names(&m.target), ["merged_from"]);
    apply(&mut source, m.source);
    // Merged once; never again, and never into a closed ticket or itself.
    let again = decide::merge(&source, &target, &g.by_agent()).unwrap_err();
    assert!(again.to_string().contains("already merged"), "{again}");
    let closed = g.ticket("Old", "closed");
    let fresh = g.ticket("Fresh", "open");
    assert!(matches!(
        decide::merge(&fresh, &closed, &g.by_agent()),
        Err(Error::Validation(v)) if v.field == "target"
    ));
    assert!(decide::merge(&fresh, &fresh, &g.by_agent()).is_err());
}

#[test]
fn a_link_is_recorded_both_ways_once() {
    let g = Given::new();
    let (mut a, mut b) = (g.ticket("a", "open"), g.ticket("b", "open"));
    let (on_a, on_b) = decide::link(&a, LinkKind::Related, &b, &g.by_agent()).unwrap();
    assert_eq!((on_a.len(), on_b.len()), (1, 1));
    apply(&mut a, on_a);
    apply(&mut b, on_b);
    let (on_a, on_b) = decide::link(&a, LinkKind::Related, &b, &g.by_agent()).unwrap();
    assert!(
        on_a.is_empty() && on_b.is_empty(),
        "linking twice changes nothing"
    );
}

#[test]
fn assigning_the_current_assignee_changes_nothing() {
    let g = Given::new();
    let mut t = g.ticket("x", "open");
    let assign = Command::Assign {
        agent: Some(g.agent),
    };
    let events = decide::decide(&t, &assign, &g.by_agent()).unwrap();
    assert_eq!(names(&events), ["assigned"]);
    apply(&mut t, events);
    assert!(
        decide::decide(&t, &assign, &g.by_agent())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn requesters_correct_their_contact_but_not_their_organization() {
    let g = Given::new();
    let t = g.ticket("x", "open");
    let fix = Command::UpdateRequester(ContactUpdate::default().email("ada@new.example.com"));
    let events = decide::decide(&t, &fix, &g.by_customer()).unwrap();
    assert!(matches!(
        &events[0].kind,
        EventKind::RequesterUpdated { email: Some(e), name: None, .. } if e == "ada@new.example.com"
    ));
    let org = Command::UpdateRequester(ContactUpdate::default().organization("Rivals Inc"));
    assert!(matches!(
        decide::decide(&t, &org, &g.by_customer()),
        Err(Error::Validation(v)) if v.field == "organization"
    ));
    assert_eq!(decide::decide(&t, &org, &g.by_agent()).unwrap().len(), 1);
    let bad = Command::UpdateRequester(ContactUpdate::default().email("not an address"));
    assert!(decide::decide(&t, &bad, &g.by_customer()).is_err());
}

#[test]
fn firing_a_level_applies_its_actions_in_order_then_records_it() {
    let g = Given::new();
    let routing = RoutingConfig::from_toml(
        r#"
        [[groups]]
        id = "l1"
        tier = 1
        area = "general"
        lead = "01936f6e-0000-7000-8000-000000000001"
        next_tier = "l2"
        [[groups]]
        id = "l2"
        tier = 2
        area = "general"
        lead = "01936f6e-0000-7000-8000-000000000002"
        "#,
    )
    .unwrap();
    let config = EscalationConfig::from_toml(
        r#"
        supervisor = { address = "duty@example.com" }
        [[policies]]
        name = "p"
        [[policies.levels]]
        name = "breach"
        trigger = { kind = "at_breach", metric = "resolution" }
        actions = [
          { reassign = "next_tier" },
          { raise_priority = "one_step" },
          { add_tag = "escalated" },
          { notify = ["group_lead", "supervisor", "assignee"] },
        ]
        "#,
    )
    .unwrap();
    let mut t = g.ticket("VPN", "open");
    apply(
        &mut t,
        vec![NewEvent::new(
            EventActor::System,
            EventKind::GroupChanged {
                from: None,
                to: Some("l1".parse().unwrap()),
            },
        )],
    );
    let policy = &config.policies[0];
    let planned = PlannedLevel::new(0, "breach", helpdesk::sla::Metric::Resolution, 1, at());
    let ctx = FireContext::new(Some(&routing), config.supervisor.as_ref(), &g.classifier);
    let events = fire(&t, policy, &policy.levels[0], &planned, &ctx);
    assert_eq!(
        names(&events),
        ["routed", "priority_changed", "field_changed", "escalated"]
    );
    assert!(events.iter().all(|e| e.actor == EventActor::System));
    assert!(matches!(
        &events[2].kind,
        EventKind::FieldChanged { change: FieldChange::Tags { added, .. } } if *added == BTreeSet::from(["escalated".to_owned()])
    ));
    let EventKind::Escalated {
        level,
        cycle,
        notified,
        actions,
        manual,
        ..
    } = &events[3].kind
    else {
        panic!("the level is recorded last")
    };
    assert_eq!((level.as_str(), *cycle, *manual), ("breach", 1, false));
    // The lead is the new group's: notifying sees the move before it.
    assert_eq!(
        notified,
        &[
            Recipient::Agent {
                id: "01936f6e-0000-7000-8000-000000000002".parse().unwrap()
            },
            Recipient::Address {
                address: "duty@example.com".into()
            },
        ]
    );
    assert!(
        actions.iter().any(|a| a == "nobody to notify as assignee"),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|a| a == "moved from l1 to l2"),
        "{actions:?}"
    );
}
