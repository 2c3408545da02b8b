//! The store conformance suite: the contract of [`Store`], as tests that
//! every back end runs, including yours.
//!
//! Each `pub async fn` here takes a fresh, empty store and panics when the
//! store breaks the contract. [`store_conformance_tests!`](crate::store_conformance_tests)
//! instantiates all of them as `#[tokio::test]`s in a module named after
//! the back end, so failures read `sqlite_file::commit_is_atomic`.
//!
//! ```
//! // tests/my_store.rs, with helpdesk's `test-util` feature and tokio
//! // (features "macros" and "rt-multi-thread") as dev-dependencies.
//! use helpdesk::InMemoryStore; // your store here
//!
//! async fn setup() -> Option<(InMemoryStore, ())> {
//!     Some((InMemoryStore::new(), ()))
//! }
//! helpdesk::store_conformance_tests!(my_store, setup);
//! # fn main() {}
//! ```
//!
//! `setup` returns `None` to skip (e.g. a server that is not configured) and
//! `Some((store, extra))`; an optional third argument names an async
//! teardown taking `(store, extra)` (drop a schema, close a pool).
//!
//! The fixtures ([`created`], [`note`], [`notification`]) build valid
//! snapshots, events and notifications without the desk service.

#![allow(clippy::missing_panics_doc, clippy::many_single_char_names)]

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{Commit, Cursor, Page, Store, TicketFilter, TicketQuery, TicketWrite, Visibility};
use crate::error::Error;
use crate::id::{AgentId, CustomerId, EventId, GroupId, NotificationId, TicketId, TicketRef};
use crate::notify::{Notification, NotificationKind, Recipient};
use crate::priority::{Impact, Priority, PriorityOrigin, Urgency};
use crate::ticket::{
    Channel, EventActor, EventKind, Requester, StatusId, Ticket, TicketCreated, TicketEvent,
};

/// A fixed instant the suite's times are based on (whole microseconds, the
/// precision every back end keeps).
pub fn t0() -> DateTime<Utc> {
    // A valid calendar date and time: `single` cannot be `None`.
    Utc.with_ymd_and_hms(2026, 3, 6, 9, 0, 0).single().unwrap()
}

/// A new ticket (status `new`, medium priority) and its `Created` event.
pub fn created(reference: TicketRef, subject: &str) -> (Ticket, TicketEvent) {
    created_for(reference, subject, CustomerId::new())
}

/// Like [`created`], for a given requester.
pub fn created_for(
    reference: TicketRef,
    subject: &str,
    requester: CustomerId,
) -> (Ticket, TicketEvent) {
    let event = TicketEvent {
        id: EventId::new(),
        ticket_id: TicketId::new(),
        seq: 1,
        at: t0(),
        actor: EventActor::Requester(requester),
        kind: EventKind::Created(Box::new(TicketCreated {
            reference,
            subject: subject.to_owned(),
            description: format!("Description of {subject}\nwith a second line.").into(),
            requester: Requester::new(requester, "Ada Lovelace")
                .email("ada@example.com")
                .into(),
            channel: Channel::Email,
            category: Some("network/vpn".into()),
            tags: BTreeSet::from(["vpn".to_owned()]),
            fields: BTreeMap::from([("laptop".to_owned(), "T14s".into())]),
            impact: Impact::Medium,
            urgency: Urgency::Medium,
            priority: Priority::Medium,
            priority_origin: PriorityOrigin::Matrix {
                impact: Impact::Medium,
                urgency: Urgency::Medium,
            },
            explanation: "matrix".into(),
            status: StatusId::new("new"),
            assignee: None,
            group: None,
            links: Vec::new(),
        })),
    };
    // The event was built above as a `Created` event with seq 1.
    let ticket = Ticket::created(&event).unwrap();
    (ticket, event)
}

/// Appends an internal note to `ticket` and returns its event.
pub fn note(ticket: &mut Ticket, body: &str) -> TicketEvent {
    let event = TicketEvent {
        id: EventId::new(),
        ticket_id: ticket.id,
        seq: ticket.version + 1,
        at: ticket.updated_at + Duration::seconds(1),
        actor: EventActor::System,
        kind: EventKind::InternalNote {
            body: body.to_owned(),
        },
    };
    // The event continues the ticket's timeline by construction.
    ticket.apply(&event).unwrap();
    event
}

/// A notification about `ticket` created at `created_at`.
pub fn notification(ticket: &Ticket, key: &str, created_at: DateTime<Utc>) -> Notification {
    Notification {
        id: NotificationId::new(),
        idempotency_key: key.to_owned(),
        ticket_id: ticket.id,
        ticket_ref: ticket.reference,
        recipient: Recipient::Requester {
            id: ticket.requester.id,
            email: ticket.requester.email.clone(),
        },
        kind: NotificationKind::Acknowledged,
        subject: format!("[{}] {}", ticket.reference, ticket.subject),
        body: "We got your request.".into(),
        created_at,
    }
}

/// A one-ticket write.
pub fn write(
    ticket: &Ticket,
    events: Vec<TicketEvent>,
    expected_version: Option<u64>,
    next_deadline: Option<DateTime<Utc>>,
) -> TicketWrite {
    TicketWrite {
        ticket: ticket.clone(),
        events,
        expected_version,
        next_deadline,
    }
}

async fn insert_new(store: &dyn Store, subject: &str) -> Ticket {
    let (t, e) = created(store.next_reference().await.unwrap(), subject);
    store.insert(t.clone(), vec![e], vec![]).await.unwrap();
    t
}

async fn commit_one(store: &dyn Store, w: TicketWrite) {
    store
        .commit(Commit {
            tickets: vec![w],
            ..Commit::default()
        })
        .await
        .unwrap();
}

fn assert_conflict(r: crate::Result<()>, ticket: TicketId, expected: u64, actual: u64) {
    match r {
        Err(Error::Conflict {
            ticket: t,
            expected: e,
            actual: a,
        }) => assert_eq!((t, e, a), (ticket, expected, actual)),
        other => panic!("expected a conflict on {ticket}, got {other:?}"),
    }
}

/// A ticket reads back exactly as written, by id and by reference.
pub async fn insert_then_load(store: &dyn Store) {
    let (t, e) = created(store.next_reference().await.unwrap(), "VPN drops");
    store
        .insert(t.clone(), vec![e.clone()], vec![])
        .await
        .unwrap();
    assert_eq!(store.load(t.id).await.unwrap(), Some(t.clone()));
    assert_eq!(
        store.load_by_reference(t.reference).await.unwrap(),
        Some(t.clone())
    );
    assert_eq!(store.timeline(t.id).await.unwrap(), vec![e]);
    assert_eq!(store.next_deadline(t.id).await.unwrap(), None);
}

/// References start at 1001 and increase.
pub async fn references_start_at_1001(store: &dyn Store) {
    let refs = [
        store.next_reference().await.unwrap(),
        store.next_reference().await.unwrap(),
        store.next_reference().await.unwrap(),
    ];
    assert_eq!(refs, [TicketRef(1001), TicketRef(1002), TicketRef(1003)]);
}

/// Unknown ids read as absent, not as errors.
pub async fn unknown_ticket_is_absent(store: &dyn Store) {
    let id = TicketId::new();
    assert_eq!(store.load(id).await.unwrap(), None);
    assert_eq!(
        store.load_by_reference(TicketRef(99_999)).await.unwrap(),
        None
    );
    assert!(store.timeline(id).await.unwrap().is_empty());
    assert_eq!(store.next_deadline(id).await.unwrap(), None);
    assert!(matches!(
        store.release_due(id, 0, None).await,
        Err(Error::NotFound { .. })
    ));
}

/// A save based on a stale version fails with the stored version.
pub async fn stale_save_conflicts(store: &dyn Store) {
    let mut t = insert_new(store, "stale").await;
    let e2 = note(&mut t, "first");
    store.save(t.clone(), vec![e2], 1, vec![]).await.unwrap();
    let mut stale = store.load(t.id).await.unwrap().unwrap();
    stale.version = 1;
    let e = note(&mut stale, "lost update");
    assert_conflict(store.save(stale, vec![e], 1, vec![]).await, t.id, 1, 2);
    assert_eq!(store.load(t.id).await.unwrap(), Some(t.clone()));
    assert_eq!(store.timeline(t.id).await.unwrap().len(), 2);
}

/// Inserting an existing id or reference conflicts; saving an unknown ticket too.
pub async fn duplicate_insert_conflicts(store: &dyn Store) {
    let (t, e) = created(store.next_reference().await.unwrap(), "original");
    store
        .insert(t.clone(), vec![e.clone()], vec![])
        .await
        .unwrap();
    assert_conflict(store.insert(t.clone(), vec![e], vec![]).await, t.id, 0, 1);

    let (other, e) = created(t.reference, "same reference");
    assert_conflict(
        store.insert(other.clone(), vec![e], vec![]).await,
        other.id,
        0,
        0,
    );
    assert_eq!(store.load(other.id).await.unwrap(), None);

    let (mut ghost, _) = created(TicketRef(77_777), "never inserted");
    let e = note(&mut ghost, "update");
    assert_conflict(
        store.save(ghost.clone(), vec![e], 1, vec![]).await,
        ghost.id,
        1,
        0,
    );
    assert_eq!(store.load(ghost.id).await.unwrap(), None);
}

/// One conflicting ticket fails the whole commit: no ticket, event or
/// notification of it is stored. A failing outbox entry likewise.
pub async fn commit_is_atomic(store: &dyn Store) {
    let a = insert_new(store, "a").await;
    let b1 = insert_new(store, "b").await;
    let mut b2 = b1.clone();
    let e = note(&mut b2, "moves b to version 2");
    store.save(b2.clone(), vec![e], 1, vec![]).await.unwrap();
    let b = b2;

    let (c, ce) = created(store.next_reference().await.unwrap(), "c");
    let mut a2 = a.clone();
    let ae = note(&mut a2, "would be lost");
    let mut b_stale = b1.clone();
    let be = note(&mut b_stale, "stale");
    let r = store
        .commit(Commit {
            tickets: vec![
                write(&c, vec![ce], None, Some(t0())),
                write(&a2, vec![ae], Some(1), None),
                write(&b_stale, vec![be], Some(1), None),
            ],
            outbox: vec![notification(&a2, "atomic-1", t0())],
            outbox_not_before: None,
        })
        .await;
    assert_conflict(r, b.id, 1, 2);
    assert_eq!(store.load(c.id).await.unwrap(), None);
    assert_eq!(store.load(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.timeline(a.id).await.unwrap().len(), 1);
    assert_eq!(store.outbox_stats().await.unwrap().pending, 0);

    // An outbox entry that cannot be stored rolls back the tickets too.
    let n = notification(&a, "atomic-2", t0());
    commit_one_with_outbox(store, &a, vec![n.clone()])
        .await
        .unwrap();
    let a_now = store.load(a.id).await.unwrap().unwrap();
    let r = commit_one_with_outbox(store, &a_now, vec![n]).await;
    assert!(matches!(r, Err(Error::Store { .. })), "{r:?}");
    assert_eq!(store.load(a.id).await.unwrap(), Some(a_now));
    assert_eq!(store.outbox_stats().await.unwrap().pending, 1);
}

async fn commit_one_with_outbox(
    store: &dyn Store,
    base: &Ticket,
    outbox: Vec<Notification>,
) -> crate::Result<()> {
    let mut t = base.clone();
    let e = note(&mut t, "with outbox");
    store
        .commit(Commit {
            tickets: vec![write(&t, vec![e], Some(base.version), None)],
            outbox,
            outbox_not_before: None,
        })
        .await
}

/// A commit whose events do not continue the snapshot is refused.
pub async fn malformed_commit_is_refused(store: &dyn Store) {
    let mut t = insert_new(store, "malformed").await;
    let mut e = note(&mut t, "gap");
    e.seq = 5;
    let r = store.save(t.clone(), vec![e], 1, vec![]).await;
    assert!(matches!(r, Err(Error::Store { .. })), "{r:?}");
    assert_eq!(store.timeline(t.id).await.unwrap().len(), 1);
}

/// The timeline comes back in order, events as written.
pub async fn timeline_is_in_order(store: &dyn Store) {
    let (mut t, first) = created(store.next_reference().await.unwrap(), "timeline");
    store
        .insert(t.clone(), vec![first.clone()], vec![])
        .await
        .unwrap();
    let mut all = vec![first];
    for i in 0..5 {
        let base = t.version;
        let events = vec![note(&mut t, &format!("note {i}")), note(&mut t, "and")];
        all.extend(events.clone());
        store.save(t.clone(), events, base, vec![]).await.unwrap();
    }
    assert_eq!(store.timeline(t.id).await.unwrap(), all);
    assert_eq!(store.load(t.id).await.unwrap().unwrap().version, 11);
}

async fn all_pages(store: &dyn Store, query: &TicketQuery) -> Vec<TicketId> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let Page { items, next } = store.list(&query.clone().after(after)).await.unwrap();
        assert!(items.len() <= query.limit);
        ids.extend(items.iter().map(|t| t.id));
        match next {
            Some(c) => after = Some(c),
            None => return ids,
        }
    }
}

/// Every filter and visibility returns exactly the tickets that
/// [`TicketFilter::matches`] and [`Visibility::allows`] accept, in id order.
pub async fn list_filters_and_visibility(store: &dyn Store) {
    let g1 = GroupId::new("network-l1").unwrap();
    let g2 = GroupId::new("apps").unwrap();
    let agents = [AgentId::new(), AgentId::new()];
    let customers = [CustomerId::new(), CustomerId::new(), CustomerId::new()];
    let subjects = [
        "VPN drops",
        "50% discount_code broken",
        "ÄRGER mit Drucker",
        "printer jam",
        "Straße gesperrt",
        "a_b",
        "100 percent",
    ];
    let mut tickets = Vec::new();
    for i in 0..28usize {
        let (mut t, e) = created_for(
            store.next_reference().await.unwrap(),
            subjects[i % subjects.len()],
            customers[i % 3],
        );
        t.status = StatusId::new(["new", "open", "pending", "solved"][i % 4]);
        t.priority = Priority::ALL[i % 4];
        t.group
            .clone_from(&[None, Some(g1.clone()), Some(g2.clone())][i % 3]);
        t.assignee = [None, Some(agents[0]), Some(agents[1]), None, None][i % 5];
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        tickets.push(t);
    }
    tickets.sort_by_key(|t| t.id);
    let filters = [
        TicketFilter::default(),
        TicketFilter::default().status(["new", "open"]),
        TicketFilter::default().group(g1.clone()),
        TicketFilter::default().assignee(agents[0]),
        TicketFilter::default().priority([Priority::Critical, Priority::Low]),
        TicketFilter::default().requester(customers[1]),
        TicketFilter::default().text("vpn"),
        TicketFilter::default().text("ärger"),
        TicketFilter::default().text("STRASSE"),
        TicketFilter::default().text("straße"),
        TicketFilter::default().text("%"),
        TicketFilter::default().text("_"),
        TicketFilter::default().text("a_b"),
        TicketFilter::default().text("0%"),
        TicketFilter::default()
            .status(["open", "pending"])
            .group(g2.clone())
            .priority([Priority::High, Priority::Medium]),
        TicketFilter::default().text("no such subject"),
    ];
    let visibilities = [
        Visibility::All,
        Visibility::Requester(customers[0]),
        Visibility::Agent {
            id: agents[1],
            groups: vec![g1.clone()],
        },
        Visibility::Agent {
            id: agents[0],
            groups: vec![],
        },
        Visibility::Agent {
            id: AgentId::new(),
            groups: vec![g1.clone(), g2.clone()],
        },
    ];
    for f in &filters {
        for v in &visibilities {
            let expected: Vec<TicketId> = tickets
                .iter()
                .filter(|t| f.matches(t) && v.allows(t))
                .map(|t| t.id)
                .collect();
            let query = TicketQuery::new(f.clone(), 4).visibility(v.clone());
            assert_eq!(all_pages(store, &query).await, expected, "{f:?} {v:?}");
        }
    }
    let page = store
        .list(&TicketQuery::new(TicketFilter::default(), 1000))
        .await
        .unwrap();
    assert_eq!(
        page.items, tickets,
        "listed snapshots equal the stored ones"
    );
}

/// Cursor pagination visits every ticket once, in order, across pages.
pub async fn list_paginates(store: &dyn Store) {
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(insert_new(store, &format!("ticket {i}")).await.id);
    }
    ids.sort();
    let query = TicketQuery::new(TicketFilter::default(), 7);
    let first = store.list(&query).await.unwrap();
    assert_eq!(first.items.len(), 7);
    assert_eq!(first.next, Some(Cursor::after(ids[6])));
    assert_eq!(all_pages(store, &query).await, ids);
    let exact = TicketQuery::new(TicketFilter::default(), 25);
    assert_eq!(store.list(&exact).await.unwrap().next, None);
    let past = query.clone().after(Some(Cursor::after(ids[24])));
    assert!(store.list(&past).await.unwrap().items.is_empty());
    for bad in [0, TicketQuery::MAX_LIMIT + 1] {
        let r = store
            .list(&TicketQuery::new(TicketFilter::default(), bad))
            .await;
        assert!(matches!(r, Err(Error::Validation(_))), "{r:?}");
    }
}

/// Due tickets are claimed earliest first, leased, released and re-leased
/// when the lease expires; a commit ends the lease.
pub async fn deadlines_claim_and_lease(store: &dyn Store) {
    let at = |s: i64| t0() + Duration::seconds(s);
    let mut ts = Vec::new();
    for (i, due) in [Some(at(30)), Some(at(10)), Some(at(20)), None]
        .iter()
        .enumerate()
    {
        let (t, e) = created(store.next_reference().await.unwrap(), &format!("due {i}"));
        commit_one(store, write(&t, vec![e], None, *due)).await;
        assert_eq!(store.next_deadline(t.id).await.unwrap(), *due);
        ts.push(t);
    }
    let (a, b, c) = (ts[0].id, ts[1].id, ts[2].id);
    assert!(
        store
            .claim_due(at(5), 10, at(100))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.claim_due(at(20), 10, at(100)).await.unwrap(),
        vec![b, c]
    );
    // Leased: not handed out again before the lease ends.
    assert_eq!(store.claim_due(at(50), 10, at(100)).await.unwrap(), vec![a]);
    assert!(
        store
            .claim_due(at(60), 10, at(200))
            .await
            .unwrap()
            .is_empty()
    );
    // The lease ends at 100: everything due is claimable again, within the limit.
    assert_eq!(
        store.claim_due(at(100), 2, at(200)).await.unwrap(),
        vec![b, c]
    );
    // Nothing to do for `a` after all: release it with a new deadline.
    // A release based on a version that is no longer current does nothing:
    // whoever changed the ticket stored its deadline already.
    assert!(!store.release_due(a, 7, Some(at(999))).await.unwrap());
    assert_eq!(store.next_deadline(a).await.unwrap(), Some(at(30)));
    assert!(store.release_due(a, 1, Some(at(150))).await.unwrap());
    assert_eq!(store.next_deadline(a).await.unwrap(), Some(at(150)));
    assert_eq!(
        store.claim_due(at(150), 10, at(300)).await.unwrap(),
        vec![a]
    );
    // A commit to `b` ends its lease (held until 200) and sets its deadline.
    let mut bt = ts[1].clone();
    let e = note(&mut bt, "handled");
    commit_one(store, write(&bt, vec![e], Some(1), Some(at(160)))).await;
    assert_eq!(
        store.claim_due(at(170), 10, at(300)).await.unwrap(),
        vec![b]
    );
    // Clearing the deadline removes a ticket from the index.
    assert!(store.release_due(c, 1, None).await.unwrap());
    assert_eq!(store.next_deadline(c).await.unwrap(), None);
    assert!(
        store
            .claim_due(at(10_000), 10, at(20_000))
            .await
            .unwrap()
            .len()
            == 2
    );
}

/// Two claimers at once never get the same ticket.
pub async fn concurrent_claims_do_not_overlap(store: &dyn Store) {
    let mut expected = HashSet::new();
    for i in 0..40 {
        let (t, e) = created(store.next_reference().await.unwrap(), &format!("race {i}"));
        commit_one(store, write(&t, vec![e], None, Some(t0()))).await;
        expected.insert(t.id);
    }
    let lease = t0() + Duration::minutes(5);
    let (x, y) = join(
        store.claim_due(t0(), 30, lease),
        store.claim_due(t0(), 30, lease),
    )
    .await;
    let (x, y) = (x.unwrap(), y.unwrap());
    let all: HashSet<TicketId> = x.iter().chain(&y).copied().collect();
    assert_eq!(all.len(), x.len() + y.len(), "a ticket was claimed twice");
    assert_eq!(all, expected);
}

/// Polls two futures concurrently (the suite depends on no runtime crate).
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut ra, mut rb) = (None, None);
    poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    // Both were set before `poll_fn` returned Ready.
    (ra.unwrap(), rb.unwrap())
}

/// Idempotency keys are unique across the outbox: a repeated key fails the
/// whole commit (nothing of it is stored), whether it repeats a stored key
/// or another entry of the same commit.
pub async fn duplicate_idempotency_keys_are_refused(store: &dyn Store) {
    let (t1, e1) = created(store.next_reference().await.unwrap(), "first");
    store
        .commit(Commit {
            tickets: vec![write(&t1, vec![e1], None, None)],
            outbox: vec![notification(&t1, "key-1", t0())],
            outbox_not_before: None,
        })
        .await
        .unwrap();
    let (t2, e2) = created(store.next_reference().await.unwrap(), "second");
    let repeated = store
        .commit(Commit {
            tickets: vec![write(&t2, vec![e2.clone()], None, None)],
            outbox: vec![notification(&t2, "key-1", t0())],
            outbox_not_before: None,
        })
        .await;
    assert!(matches!(repeated, Err(Error::Store { .. })), "{repeated:?}");
    assert!(
        store.load(t2.id).await.unwrap().is_none(),
        "nothing of a refused commit is stored"
    );
    let twice = store
        .commit(Commit {
            tickets: vec![write(&t2, vec![e2], None, None)],
            outbox: vec![
                notification(&t2, "key-2", t0()),
                notification(&t2, "key-2", t0()),
            ],
            outbox_not_before: None,
        })
        .await;
    assert!(matches!(twice, Err(Error::Store { .. })), "{twice:?}");
    assert!(store.load(t2.id).await.unwrap().is_none());
    assert_eq!(store.outbox_stats().await.unwrap().pending, 1);
}

/// Outbox entries are claimed oldest first, leased, retried after a
/// failure with the attempt recorded, and never handed out once delivered.
pub async fn outbox_claim_retry_deliver(store: &dyn Store) {
    let at = |s: i64| t0() + Duration::seconds(s);
    let t = insert_new(store, "outbox").await;
    let ns: Vec<Notification> = (0..3)
        .map(|i| notification(&t, &format!("{}:1:ack:{i}", t.id), at(i)))
        .collect();
    // Enqueued newest first: the claim order comes from the times, not insertion.
    commit_one_with_outbox(store, &t, ns.iter().rev().cloned().collect())
        .await
        .unwrap();
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        super::OutboxStats {
            pending: 3,
            delivered: 0
        }
    );
    let first = store.claim_outbox(at(5), 2, at(60)).await.unwrap();
    let got: Vec<_> = first.iter().map(|e| e.notification.clone()).collect();
    assert_eq!(got, ns[..2].to_vec());
    assert!(
        first
            .iter()
            .all(|e| e.attempts == 0 && e.last_error.is_none())
    );
    let second = store.claim_outbox(at(5), 10, at(60)).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].notification, ns[2]);
    assert!(
        store
            .claim_outbox(at(59), 10, at(60))
            .await
            .unwrap()
            .is_empty()
    );

    store
        .mark_failed(ns[0].id, at(30), "smtp: 'down' ✉")
        .await
        .unwrap();
    let retry = store.claim_outbox(at(30), 10, at(90)).await.unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].notification, ns[0]);
    assert_eq!(retry[0].attempts, 1);
    assert_eq!(retry[0].last_error.as_deref(), Some("smtp: 'down' ✉"));

    store.mark_delivered(ns[0].id, t0()).await.unwrap();
    store.mark_delivered(ns[0].id, t0()).await.unwrap();
    store
        .mark_delivered(NotificationId::new(), t0())
        .await
        .unwrap();
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        super::OutboxStats {
            pending: 2,
            delivered: 1
        }
    );
    let later = store.claim_outbox(at(1000), 10, at(2000)).await.unwrap();
    let later: Vec<_> = later.into_iter().map(|e| e.notification.id).collect();
    assert_eq!(later, vec![ns[1].id, ns[2].id]);
    assert!(matches!(
        store.mark_failed(ns[0].id, at(2000), "late").await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store
            .mark_failed(NotificationId::new(), at(2000), "x")
            .await,
        Err(Error::NotFound { .. })
    ));
}

/// `outbox_not_before` holds entries back until then.
pub async fn outbox_not_before_delays_claims(store: &dyn Store) {
    let t = insert_new(store, "later").await;
    let mut t2 = t.clone();
    let e = note(&mut t2, "notify");
    store
        .commit(Commit {
            tickets: vec![write(&t2, vec![e], Some(1), None)],
            outbox: vec![notification(&t2, "later", t0())],
            outbox_not_before: Some(t0() + Duration::seconds(100)),
        })
        .await
        .unwrap();
    let lease = t0() + Duration::seconds(500);
    assert!(
        store
            .claim_outbox(t0() + Duration::seconds(99), 10, lease)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .claim_outbox(t0() + Duration::seconds(100), 10, lease)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Quotes, SQL, emoji and right-to-left text round-trip and can be searched.
pub async fn text_round_trips(store: &dyn Store) {
    let subjects = [
        "It's \"broken\" \\ again",
        "'; DROP TABLE tickets; --",
        "Printer 🔥🖨️ on fire 👩‍💻",
        "مرحبا، الطابعة لا تعمل",
        "שלום עולם",
        "Robert'); DELETE FROM events;--",
    ];
    let mut ids = Vec::new();
    for s in subjects {
        let (mut t, e) = created(store.next_reference().await.unwrap(), s);
        t.description = format!("{s}\n\ttabs, \u{202e}override\u{202c} and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢").into();
        let n = notification(&t, s, t0());
        store
            .insert(t.clone(), vec![e], vec![n.clone()])
            .await
            .unwrap();
        assert_eq!(store.load(t.id).await.unwrap(), Some(t.clone()));
        ids.push(t.id);
    }
    for s in subjects {
        let page = store
            .list(&TicketQuery::new(TicketFilter::default().text(s), 10))
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1, "{s}");
        assert_eq!(page.items[0].subject, s);
    }
    let claimed = store
        .claim_outbox(t0(), 100, t0() + Duration::hours(1))
        .await
        .unwrap();
    let keys: BTreeSet<String> = claimed
        .into_iter()
        .map(|e| e.notification.idempotency_key)
        .collect();
    assert_eq!(keys, subjects.iter().map(|s| (*s).to_owned()).collect());
    let all = store
        .list(&TicketQuery::new(TicketFilter::default(), 100))
        .await
        .unwrap();
    assert_eq!(
        all.items.len(),
        subjects.len(),
        "the tables are all still there"
    );
}

/// NUL bytes are rejected by validation before the store; a store that is
/// handed one anyway must fail cleanly or store it faithfully, not panic.
pub async fn nul_bytes_do_not_panic(store: &dyn Store) {
    let (t, e) = created(store.next_reference().await.unwrap(), "nul \0 inside");
    if store.insert(t.clone(), vec![e], vec![]).await.is_ok() {
        assert_eq!(store.load(t.id).await.unwrap(), Some(t));
    }
    let _ = store
        .list(&TicketQuery::new(TicketFilter::default().text("\0"), 10))
        .await;
}

/// Instantiates the whole suite for one back end; see the [module docs](crate::store::conformance).
#[macro_export]
macro_rules! store_conformance_tests {
    ($name:ident, $setup:path) => {
        $crate::store_conformance_tests!($name, $setup, $crate::store::conformance::no_teardown);
    };
    ($name:ident, $setup:path, $teardown:path) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $crate::__store_conformance_cases!(
                $setup,
                $teardown;
                insert_then_load,
                references_start_at_1001,
                unknown_ticket_is_absent,
                stale_save_conflicts,
                duplicate_insert_conflicts,
                commit_is_atomic,
                malformed_commit_is_refused,
                timeline_is_in_order,
                list_filters_and_visibility,
                list_paginates,
                deadlines_claim_and_lease,
                concurrent_claims_do_not_overlap,
                outbox_claim_retry_deliver,
                duplicate_idempotency_keys_are_refused,
                outbox_not_before_delays_claims,
                text_round_trips,
                nul_bytes_do_not_panic
            );
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __store_conformance_cases {
    ($setup:path, $teardown:path; $($case:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(ctx) = $setup().await else {
                    return;
                };
                $crate::store::conformance::$case(&ctx.0).await;
                $teardown(ctx).await;
            }
        )*
    };
}

/// The default teardown: nothing to do.
#[allow(clippy::unused_async)] // the macro awaits every teardown
pub async fn no_teardown<T>(_ctx: T) {}

#[cfg(test)]
mod backends {
    use crate::InMemoryStore;

    #[allow(clippy::unused_async)] // the macro awaits every setup
    async fn memory_setup() -> Option<(InMemoryStore, ())> {
        Some((InMemoryStore::new(), ()))
    }
    crate::store_conformance_tests!(memory, memory_setup);

    #[cfg(feature = "sqlite")]
    async fn sqlite_file_setup() -> Option<(crate::store::SqliteStore, tempfile::TempDir)> {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SqliteStore::open(dir.path().join("desk.db"))
            .await
            .unwrap();
        Some((store, dir))
    }
    #[cfg(feature = "sqlite")]
    crate::store_conformance_tests!(sqlite_file, sqlite_file_setup);

    #[cfg(feature = "sqlite")]
    async fn sqlite_memory_setup() -> Option<(crate::store::SqliteStore, ())> {
        Some((crate::store::SqliteStore::in_memory().await.unwrap(), ()))
    }
    #[cfg(feature = "sqlite")]
    crate::store_conformance_tests!(sqlite_memory, sqlite_memory_setup);

    #[cfg(feature = "postgres")]
    async fn postgres_setup() -> Option<(crate::store::PostgresStore, String)> {
        let Ok(url) = std::env::var("HELPDESK_TEST_POSTGRES_URL") else {
            eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: skipping a PostgreSQL test");
            return None;
        };
        sweep_stale_schemas(&url).await;
        let schema = format!("helpdesk_test_{}", uuid::Uuid::now_v7().simple());
        let store = crate::store::PostgresStore::connect_with_schema(&url, &schema)
            .await
            .unwrap();
        Some((store, schema))
    }
    /// Drops the schemas that test runs left behind, once they are an hour
    /// old: a panicking test skips its teardown. The names end in a UUID v7,
    /// whose time says when the schema was made. Once per process.
    #[cfg(feature = "postgres")]
    async fn sweep_stale_schemas(url: &str) {
        static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if SWEPT.swap(true, std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(url).await else {
            return;
        };
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT nspname::text FROM pg_namespace \
             WHERE nspname LIKE 'helpdesk\\_test\\_%' OR nspname LIKE 'helpdesk\\_rel\\_%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
        let hour_ago = u64::try_from((chrono::Utc::now() - chrono::Duration::hours(1)).timestamp())
            .unwrap_or(0);
        for name in names {
            let made = name
                .rsplit('_')
                .next()
                .and_then(|id| uuid::Uuid::parse_str(id).ok())
                .and_then(|id| id.get_timestamp())
                .map(|ts| ts.to_unix().0);
            if made.is_some_and(|secs| secs < hour_ago) {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
                )))
                .execute(&mut conn)
                .await;
            }
        }
    }

    #[cfg(feature = "postgres")]
    async fn postgres_teardown((store, schema): (crate::store::PostgresStore, String)) {
        store.close().await;
        let url = std::env::var("HELPDESK_TEST_POSTGRES_URL").unwrap();
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA \"{schema}\" CASCADE"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    #[cfg(feature = "postgres")]
    crate::store_conformance_tests!(postgres, postgres_setup, postgres_teardown);
}
