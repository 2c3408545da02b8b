//! Behaviour of the HelpDesk service on the in-memory store.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use helpdesk::prelude::*;
use helpdesk::store::{TicketFilter, TicketQuery};
use helpdesk::ticket::view::RequesterEventKind;
use helpdesk::ticket::{EventKind, LinkKind, TicketUpdate};
use helpdesk::{
    Action, Actor, ActorKind, AgentId, Channel, Classifier, CustomerId, Error, ErrorKind, GroupId,
    HelpDesk, InMemoryStore, ManualClock, NewTicket, NotificationKind, PortalQuery, Priority,
    Recipient, RecordingNotifier, Requester, SplitPart, Ticket,
};

struct World {
    desk: HelpDesk,
    store: Arc<InMemoryStore>,
    notifier: Arc<RecordingNotifier>,
    clock: Arc<ManualClock>,
    ada: CustomerId,
    agent: Actor,
    agent_id: AgentId,
}

fn world() -> World {
    let store = Arc::new(InMemoryStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
    ));
    let classifier = Classifier::from_toml(
        r#"
        [[rules]]
        name = "outage"
        when = { words = ["outage", "down"] }
        priority = "critical"

        [[rules]]
        name = "vip"
        when = { requester_tier = ["vip"] }
        urgency = "high"
        "#,
    )
    .unwrap();
    let desk = HelpDesk::builder()
        .store(store.clone())
        .notifier(notifier.clone())
        .clock(clock.clone())
        .classifier(classifier)
        .build()
        .unwrap();
    let agent_id = AgentId::new();
    World {
        desk,
        store,
        notifier,
        clock,
        ada: CustomerId::new(),
        agent: Actor::agent(agent_id, [GroupId::new("service-desk").unwrap()]),
        agent_id,
    }
}

fn new_ticket(w: &World, subject: &str) -> NewTicket {
    NewTicket::new(
        Requester::new(w.ada, "Ada").email("ada@example.com"),
        Channel::Email,
        subject,
        "details",
    )
    .group(GroupId::new("service-desk").unwrap())
}

/// Ada opens a ticket through the portal; returns the staff view of it.
async fn open(w: &World, subject: &str) -> Ticket {
    let mine = w
        .desk
        .portal(w.ada)
        .open(new_ticket(w, subject))
        .await
        .unwrap();
    w.desk.get(&Actor::System, mine.id).await.unwrap()
}

async fn assert_replay_matches(w: &World, id: helpdesk::TicketId) {
    let stored = w.store.load(id).await.unwrap().unwrap();
    let events = w.store.timeline(id).await.unwrap();
    assert_eq!(
        Ticket::replay(&events).unwrap(),
        stored,
        "replaying the timeline must give the stored snapshot"
    );
    assert_eq!(events.len() as u64, stored.version);
}

#[tokio::test]
async fn opening_acknowledges_with_reference_and_explains_priority() {
    let w = world();
    let t = open(&w, "Mail server outage").await;
    assert_eq!(t.priority, Priority::Critical);
    let created = &w.store.timeline(t.id).await.unwrap()[0];
    let EventKind::Created(c) = &created.kind else {
        panic!("first event must be created")
    };
    assert!(c.explanation.contains("rule `outage`"), "{}", c.explanation);
    // The staff view carries the explanation too.
    assert_eq!(t.priority_explanation, c.explanation);
    let sent = w.notifier.delivered();
    let ack = sent
        .iter()
        .find(|n| n.notification.kind == NotificationKind::Acknowledged)
        .expect("an acknowledgment");
    assert!(ack.message.text.contains(&t.reference.to_string()));
    assert!(
        matches!(&ack.notification.recipient, Recipient::Requester { email: Some(e), .. } if e == "ada@example.com")
    );
    assert!(
        sent.iter()
            .any(|n| n.notification.kind == NotificationKind::Queued),
        "the group hears of the new ticket"
    );
}

#[tokio::test]
async fn vip_urgency_goes_through_the_matrix() {
    let w = world();
    let mut n = new_ticket(&w, "Need a new keyboard");
    n.requester = n.requester.tier("vip");
    let t = w.desk.portal(w.ada).open(n).await.unwrap();
    assert_eq!(t.priority, Priority::High, "medium impact x high urgency");
}

#[tokio::test]
async fn customer_reply_reopens_a_resolved_ticket_and_closed_gets_a_follow_up() {
    let w = world();
    let t = open(&w, "Printer jam").await;
    w.desk
        .reply(&w.agent, t.id, "Try turning it off and on")
        .await
        .unwrap();
    let t = w
        .desk
        .transition(&w.agent, t.id, "resolved", Some("fixed"))
        .await
        .unwrap();
    assert_eq!(t.status.as_str(), "resolved");
    let t = w
        .desk
        .portal(w.ada)
        .message(t.id, "Still jammed", Channel::Email)
        .await
        .unwrap();
    assert_eq!(t.status.as_str(), "open", "a customer reply reopens");
    let t = w
        .desk
        .transition(&w.agent, t.id, "closed", None)
        .await
        .unwrap();
    let follow = w
        .desk
        .portal(w.ada)
        .reply(t.id, "It jammed again")
        .await
        .unwrap();
    assert_ne!(follow.id, t.id);
    let follow = w.desk.get(&w.agent, follow.id).await.unwrap();
    assert_eq!(
        follow.links_of(LinkKind::FollowUpOf).collect::<Vec<_>>(),
        vec![t.id]
    );
    let closed = w.desk.get(&w.agent, t.id).await.unwrap();
    assert_eq!(closed.status.as_str(), "closed", "closed is final");
    assert!(
        closed
            .links_of(LinkKind::FollowedUpBy)
            .any(|x| x == follow.id)
    );
    assert!(
        w.notifier
            .delivered()
            .iter()
            .any(|n| n.notification.kind == NotificationKind::FollowUpOpened
                && n.notification.ticket_id == follow.id)
    );
    assert_replay_matches(&w, t.id).await;
    assert_replay_matches(&w, follow.id).await;
}

#[tokio::test]
async fn invalid_transition_names_the_allowed_targets() {
    let w = world();
    let t = open(&w, "x").await;
    let t = w
        .desk
        .transition(&w.agent, t.id, "resolved", None)
        .await
        .unwrap();
    let err = w
        .desk
        .transition(&w.agent, t.id, "pending", None)
        .await
        .unwrap_err();
    match err {
        Error::InvalidTransition { from, to, allowed } => {
            assert_eq!((from.as_str(), to.as_str()), ("resolved", "pending"));
            assert_eq!(
                allowed
                    .iter()
                    .map(helpdesk::ticket::StatusId::as_str)
                    .collect::<Vec<_>>(),
                ["open", "closed"]
            );
        }
        other => panic!("expected InvalidTransition, got {other:?}"),
    }
}

#[tokio::test]
async fn requesters_see_only_their_own_tickets_and_never_internal_notes() {
    let w = world();
    let t = open(&w, "Laptop slow").await;
    w.desk
        .note(&w.agent, t.id, "customer runs 40 chrome tabs")
        .await
        .unwrap();
    w.desk
        .reply(&w.agent, t.id, "Could you close some tabs?")
        .await
        .unwrap();
    let mine = w.desk.portal(w.ada).timeline(t.id).await.unwrap();
    let bodies: Vec<_> = mine
        .iter()
        .filter_map(|e| match &e.kind {
            RequesterEventKind::Reply { body } => Some(body.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(bodies, ["Could you close some tabs?"]);
    assert!(
        !format!("{mine:?}").contains("chrome tabs"),
        "no internal note reaches the requester"
    );
    let staff = w.desk.timeline(&w.agent, t.id).await.unwrap();
    assert!(
        staff
            .iter()
            .any(|e| matches!(e.kind, EventKind::InternalNote { .. }))
    );

    // Bob cannot tell Ada's ticket from a missing one, reading or writing.
    let bob = w.desk.portal(CustomerId::new());
    let missing = helpdesk::TicketId::new();
    for id in [t.id, missing] {
        let err = bob.ticket(id).await.unwrap_err();
        assert_eq!(err.to_string(), format!("ticket {id} not found"));
        let err = bob.reply(id, "hi").await.unwrap_err();
        assert_eq!(err.to_string(), format!("ticket {id} not found"));
        let err = bob.timeline(id).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
    let err = bob.ticket_by_reference(t.reference).await.unwrap_err();
    assert_eq!(err.to_string(), format!("ticket {} not found", t.reference));
    assert!(
        bob.tickets(PortalQuery::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Ada may see her ticket but not write staff things on it; the staff
    // methods refuse requesters before looking at any ticket.
    let ada = Actor::requester(w.ada);
    assert!(matches!(
        w.desk.note(&ada, t.id, "sneaky").await,
        Err(Error::Forbidden {
            actor: ActorKind::Requester,
            action: Action::Note,
            ..
        })
    ));
    assert!(matches!(
        w.desk.get(&ada, missing).await,
        Err(Error::Forbidden { .. })
    ));
}

#[tokio::test]
async fn agents_act_only_within_their_groups_and_denials_change_nothing() {
    let w = world();
    let t = open(&w, "VPN").await;
    let outsider = Actor::agent(AgentId::new(), [GroupId::new("billing").unwrap()]);
    let before = w.store.timeline(t.id).await.unwrap().len();
    // Outside their groups a ticket is not there for them, as if missing.
    assert!(matches!(
        w.desk.reply(&outsider, t.id, "hello").await,
        Err(Error::NotFound { what: "ticket", .. })
    ));
    assert!(matches!(
        w.desk.transition(&outsider, t.id, "open", None).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        w.desk.get_by_reference(&outsider, t.reference).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(w.store.timeline(t.id).await.unwrap().len(), before);
    // Once assigned to the outsider, they may work it.
    let outsider_id = match &outsider {
        Actor::Agent { id, .. } => *id,
        _ => unreachable!(),
    };
    w.desk
        .assign(&w.agent, t.id, Some(outsider_id))
        .await
        .unwrap();
    w.desk.reply(&outsider, t.id, "on it").await.unwrap();
}

#[tokio::test]
async fn requester_cannot_open_for_someone_else() {
    let w = world();
    let err = w
        .desk
        .portal(CustomerId::new())
        .open(new_ticket(&w, "x"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Forbidden {
            action: Action::OpenForOther,
            ..
        }
    ));
}

#[tokio::test]
async fn manual_priority_override_sticks_through_reclassification() {
    let w = world();
    let t = open(&w, "Question about invoices").await;
    assert_eq!(t.priority, Priority::Medium);
    let err = w
        .desk
        .set_priority(&w.agent, t.id, Priority::Low, " ")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(ref v) if v.field == "reason"));
    w.desk
        .set_priority(&w.agent, t.id, Priority::Low, "customer says no hurry")
        .await
        .unwrap();
    // "down" would make the rule fire, but the override sticks.
    let t = w
        .desk
        .update(
            &w.agent,
            t.id,
            TicketUpdate::default().subject("Invoice portal down"),
        )
        .await
        .unwrap();
    assert_eq!(t.priority, Priority::Low);
    assert!(t.priority_origin.is_manual());
    // Without an override, an update reclassifies.
    let u = open(&w, "Question about shipping").await;
    let u = w
        .desk
        .update(
            &w.agent,
            u.id,
            TicketUpdate::default().subject("Shipping site down"),
        )
        .await
        .unwrap();
    assert_eq!(u.priority, Priority::Critical);
    assert_replay_matches(&w, u.id).await;
}

#[tokio::test]
async fn split_makes_linked_tickets_that_move_on_their_own() {
    let w = world();
    let t = open(&w, "Phone call: three problems").await;
    let parts = vec![
        SplitPart::new("Monitor flickers", "The left monitor flickers").category("hardware"),
        SplitPart::new("Email outage", "No email since 8:00"),
    ];
    let kids = w.desk.split(&w.agent, t.id, parts).await.unwrap();
    assert_eq!(kids.len(), 2);
    assert_eq!(
        kids[1].priority,
        Priority::Critical,
        "each part is classified on its own"
    );
    let parent = w.desk.get(&w.agent, t.id).await.unwrap();
    for k in &kids {
        assert!(parent.links_of(LinkKind::Child).any(|c| c == k.id));
        assert_eq!(k.links_of(LinkKind::Parent).collect::<Vec<_>>(), vec![t.id]);
        assert_eq!(k.requester, parent.requester);
    }
    w.desk
        .transition(&w.agent, kids[0].id, "resolved", None)
        .await
        .unwrap();
    assert_eq!(
        w.desk
            .get(&w.agent, kids[1].id)
            .await
            .unwrap()
            .status
            .as_str(),
        "new"
    );
    assert_replay_matches(&w, t.id).await;
}

#[tokio::test]
async fn merge_closes_the_duplicate_and_keeps_its_messages() {
    let w = world();
    let a = open(&w, "Wifi down in room 4").await;
    let b = open(&w, "No wifi in room 4").await;
    w.desk
        .portal(w.ada)
        .message(b.id, "also the printer", Channel::Email)
        .await
        .unwrap();
    let target = w.desk.merge(&w.agent, b.id, a.id).await.unwrap();
    assert!(target.links_of(LinkKind::Duplicate).any(|x| x == b.id));
    let src = w.desk.get(&w.agent, b.id).await.unwrap();
    assert_eq!(src.status.as_str(), "closed");
    assert!(src.links_of(LinkKind::DuplicateOf).any(|x| x == a.id));
    let tl = w.desk.portal(w.ada).timeline(b.id).await.unwrap();
    assert!(tl.iter().any(
        |e| matches!(&e.kind, RequesterEventKind::Message { body, .. } if body == "also the printer")
    ));
    assert!(
        tl.iter()
            .any(|e| e.kind == RequesterEventKind::MergedInto { ticket: a.id })
    );
    assert!(matches!(
        w.desk.merge(&w.agent, b.id, a.id).await,
        Err(Error::Validation(_))
    ));
    assert!(matches!(
        w.desk.merge(&w.agent, a.id, a.id).await,
        Err(Error::Validation(_))
    ));
    assert_replay_matches(&w, a.id).await;
    assert_replay_matches(&w, b.id).await;
}

#[tokio::test]
async fn link_is_bidirectional_and_idempotent() {
    let w = world();
    let a = open(&w, "a").await;
    let b = open(&w, "b").await;
    w.desk
        .link(&w.agent, a.id, LinkKind::Related, b.id)
        .await
        .unwrap();
    let a2 = w
        .desk
        .link(&w.agent, a.id, LinkKind::Related, b.id)
        .await
        .unwrap();
    assert_eq!(a2.links.len(), 1);
    let b2 = w.desk.get(&w.agent, b.id).await.unwrap();
    assert!(b2.links_of(LinkKind::Related).any(|x| x == a.id));
}

#[tokio::test]
async fn validation_names_the_field_and_unknown_ids_are_not_found() {
    let w = world();
    let field = |e: Error| match e {
        Error::Validation(v) => v.field,
        other => panic!("expected validation, got {other:?}"),
    };
    let who = w.desk.portal(w.ada);
    assert_eq!(
        field(who.open(new_ticket(&w, "")).await.unwrap_err()),
        "subject"
    );
    assert_eq!(
        field(
            who.open(new_ticket(&w, &"s".repeat(251)))
                .await
                .unwrap_err()
        ),
        "subject"
    );
    let mut n = new_ticket(&w, "ok");
    n.description = "x".repeat(1024 * 1024 + 1);
    assert_eq!(field(who.open(n).await.unwrap_err()), "description");
    let mut n = new_ticket(&w, "ok");
    n.requester.email = Some("ada at example".into());
    assert_eq!(field(who.open(n).await.unwrap_err()), "requester.email");
    let t = open(&w, "ok").await;
    assert_eq!(
        field(
            w.desk
                .reply(&w.agent, t.id, &"y".repeat(1024 * 1024 + 1))
                .await
                .unwrap_err()
        ),
        "body"
    );
    assert!(matches!(
        w.desk.get(&w.agent, helpdesk::TicketId::new()).await,
        Err(Error::NotFound { what: "ticket", .. })
    ));
    let err = w
        .desk
        .transition(&w.agent, t.id, "nonsense", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownStatus { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "no status `nonsense` in this lifecycle (statuses: new, open, pending, on_hold, \
         resolved, closed); allowed from here: open, pending, on_hold, resolved, closed"
    );
    // Ids match ignoring case, and labels are accepted.
    let t = w
        .desk
        .transition(&w.agent, t.id, "On-hold", None)
        .await
        .unwrap();
    assert_eq!(t.status.as_str(), "on_hold");
    let t = w
        .desk
        .transition(&w.agent, t.id, "RESOLVED", None)
        .await
        .unwrap();
    assert_eq!(t.status.as_str(), "resolved");
}

#[tokio::test]
async fn failing_notifier_keeps_notifications_in_the_outbox_until_retried() {
    let w = world();
    w.notifier.set_failing(true);
    let t = open(&w, "Screen broken").await;
    w.desk
        .reply(&w.agent, t.id, "A technician is on the way")
        .await
        .unwrap();
    assert!(w.notifier.delivered().is_empty());
    let stats = w.store.outbox_stats().await.unwrap();
    assert!(
        stats.pending >= 3,
        "ack, queued, reply stay pending: {stats:?}"
    );

    // Still failing: retry happens, nothing is lost.
    w.clock.advance(Duration::minutes(5));
    let r = w.desk.dispatch_pending().await.unwrap();
    assert_eq!(r.delivered, 0);
    assert_eq!(w.store.outbox_stats().await.unwrap().pending, stats.pending);

    // Backoff: not retried before its time.
    w.notifier.set_failing(false);
    let r = w.desk.dispatch_pending().await.unwrap();
    assert_eq!(r.delivered, 0, "a failed entry waits for its backoff");
    w.clock.advance(Duration::hours(2));
    let r = w.desk.dispatch_pending().await.unwrap();
    assert_eq!(r.delivered as u64, stats.pending);
    assert_eq!(w.store.outbox_stats().await.unwrap().pending, 0);
    let keys: std::collections::HashSet<_> = w
        .notifier
        .delivered()
        .iter()
        .map(|n| n.notification.idempotency_key.clone())
        .collect();
    assert_eq!(
        keys.len() as u64,
        stats.pending,
        "each delivered exactly once"
    );
    assert!(w.desk.dispatch_pending().await.unwrap().delivered == 0);
}

#[tokio::test]
async fn listing_filters_and_paginates_by_cursor() {
    let w = world();
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(open(&w, &format!("Ticket number {i}")).await.id);
    }
    w.desk
        .assign(&w.agent, ids[2], Some(w.agent_id))
        .await
        .unwrap();
    let mine = w
        .desk
        .list(
            &w.agent,
            TicketQuery::new(TicketFilter::default().assignee(w.agent_id), 10),
        )
        .await
        .unwrap();
    assert_eq!(
        mine.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![ids[2]]
    );
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = w
            .desk
            .list(
                &w.agent,
                TicketQuery::new(TicketFilter::default().text("NUMBER"), 3).after(cursor),
            )
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|t| t.id));
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    assert!(matches!(
        w.desk
            .list(&w.agent, TicketQuery::new(TicketFilter::default(), 0))
            .await,
        Err(Error::Validation(_))
    ));
}

#[tokio::test]
async fn automatic_moves_do_not_notify_the_customer_twice() {
    let w = world();
    let t = open(&w, "Keyboard").await;
    w.notifier.take();
    w.desk.reply(&w.agent, t.id, "Which model?").await.unwrap();
    let kinds: Vec<_> = w
        .notifier
        .take()
        .iter()
        .map(|n| n.notification.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![NotificationKind::AgentReplied],
        "the reply says it all; no separate 'now open' notice"
    );
    w.desk
        .transition(&w.agent, t.id, "resolved", None)
        .await
        .unwrap();
    assert_eq!(
        w.notifier
            .take()
            .iter()
            .map(|n| n.notification.kind)
            .collect::<Vec<_>>(),
        vec![NotificationKind::StatusChanged]
    );
    // Ada's own reply reopens the ticket: the agent hears of it, Ada does not.
    w.desk
        .assign(&w.agent, t.id, Some(w.agent_id))
        .await
        .unwrap();
    w.desk
        .portal(w.ada)
        .message(t.id, "Model K120", Channel::Email)
        .await
        .unwrap();
    let sent = w.notifier.take();
    assert!(
        sent.iter()
            .all(|n| !matches!(n.notification.recipient, Recipient::Requester { .. })),
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|n| n.notification.kind == NotificationKind::CustomerMessage)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commands_on_one_ticket_all_land() {
    let w = world();
    let t = open(&w, "Busy ticket").await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let desk = w.desk.clone();
        let agent = w.agent.clone();
        tasks.push(tokio::spawn(async move {
            for j in 0..25 {
                desk.note(&agent, t.id, &format!("note {i}-{j}"))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let events = w.store.timeline(t.id).await.unwrap();
    let notes = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::InternalNote { .. }))
        .count();
    assert_eq!(notes, 200, "every command landed exactly once");
    assert_replay_matches(&w, t.id).await;
}
