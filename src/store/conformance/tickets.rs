//! The [`TicketStore`] suite: commits, loads, timelines, listings with
//! filters, sorts and cursors, counts, and command records.
//!
//! Every `pub async fn` here is a case; the build script puts it into
//! [`ticket_store_conformance_tests!`](crate::ticket_store_conformance_tests)
//! and [`store_conformance_tests!`](crate::store_conformance_tests).

use std::cmp::Reverse;
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::{
    all_pages, assert_conflict, assert_duplicate, commit_one, created, created_for, insert_new,
    note, notification, t0, write,
};
use crate::error::Error;
use crate::id::{AgentId, CustomerId, GroupId, TicketId, TicketRef};
use crate::priority::Priority;
use crate::store::{
    CommandRecord, Commit, Cursor, Position, Schedule, Sort, TicketFilter, TicketQuery,
    TicketStore, TicketWrite, Visibility,
};
use crate::ticket::{Channel, StatusId, Ticket, TicketEvent};

/// A ticket reads back exactly as written, by id and by reference.
pub async fn insert_then_load(store: &dyn TicketStore) {
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
}

/// References start at 1001 and increase.
pub async fn references_start_at_1001(store: &dyn TicketStore) {
    let refs = [
        store.next_reference().await.unwrap(),
        store.next_reference().await.unwrap(),
        store.next_reference().await.unwrap(),
    ];
    assert_eq!(refs, [TicketRef(1001), TicketRef(1002), TicketRef(1003)]);
}

/// Unknown ids and keys read as absent, not as errors.
pub async fn unknown_ticket_is_absent(store: &dyn TicketStore) {
    let id = TicketId::new();
    assert_eq!(store.load(id).await.unwrap(), None);
    assert_eq!(
        store.load_by_reference(TicketRef(99_999)).await.unwrap(),
        None
    );
    assert!(store.timeline(id).await.unwrap().is_empty());
    assert_eq!(store.command("no such key").await.unwrap(), None);
}

/// A save based on a stale version fails with the stored version.
pub async fn stale_save_conflicts(store: &dyn TicketStore) {
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
pub async fn duplicate_insert_conflicts(store: &dyn TicketStore) {
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

/// One conflicting ticket fails the whole commit: no ticket or event of it
/// is stored.
pub async fn commit_is_atomic(store: &dyn TicketStore) {
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
        .commit(
            Commit::tickets(vec![
                write(&c, vec![ce], None, Some(t0())),
                write(&a2, vec![ae], Some(1), None),
                write(&b_stale, vec![be], Some(1), None),
            ])
            .outbox(vec![notification(&a2, "atomic-1", t0())]),
        )
        .await;
    assert_conflict(r, b.id, 1, 2);
    assert_eq!(store.load(c.id).await.unwrap(), None);
    assert!(store.timeline(c.id).await.unwrap().is_empty());
    assert_eq!(store.load(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.timeline(a.id).await.unwrap().len(), 1);
    assert_eq!(store.load(b.id).await.unwrap(), Some(b));
    let all = store
        .list(&TicketQuery::new(TicketFilter::default(), 10))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2, "the refused new ticket is not listed");
}

/// A commit whose events do not continue the snapshot is refused before
/// anything is written.
pub async fn malformed_commit_is_refused(store: &dyn TicketStore) {
    let mut t = insert_new(store, "malformed").await;
    let mut e = note(&mut t, "gap");
    e.seq = 5;
    let r = store.save(t.clone(), vec![e], 1, vec![]).await;
    assert!(matches!(r, Err(Error::Validation(_))), "{r:?}");
    assert_eq!(store.timeline(t.id).await.unwrap().len(), 1);
    let twice = Commit::tickets(vec![
        write(&t, vec![note(&mut t.clone(), "x")], Some(1), None),
        write(&t, vec![note(&mut t.clone(), "y")], Some(1), None),
    ]);
    let r = store.commit(twice).await;
    assert!(matches!(r, Err(Error::Validation(_))), "{r:?}");
    assert_eq!(store.load(t.id).await.unwrap().unwrap().version, 1);
}

/// The timeline comes back in order, events as written.
pub async fn timeline_is_in_order(store: &dyn TicketStore) {
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

/// Every filter and visibility returns exactly the tickets that
/// [`TicketFilter::matches`] and [`Visibility::allows`] accept, in id order.
pub async fn list_filters_and_visibility(store: &dyn TicketStore) {
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
    for f in &filters {
        for v in &visibilities(&agents, &customers, &g1, &g2) {
            let expected: Vec<TicketId> = tickets
                .iter()
                .filter(|t| f.matches(t, None) && v.allows(t))
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

fn visibilities(
    agents: &[AgentId; 2],
    customers: &[CustomerId; 3],
    g1: &GroupId,
    g2: &GroupId,
) -> Vec<Visibility> {
    vec![
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
    ]
}

/// Cursor pagination visits every ticket once, in order, across pages;
/// limits outside 1..=1000 and foreign cursors are refused.
pub async fn list_paginates(store: &dyn TicketStore) {
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
    // A cursor of one sort order cannot continue another.
    let foreign = Cursor::at(Position::Priority(Priority::High, ids[3]));
    let r = store.list(&query.clone().after(Some(foreign))).await;
    assert!(matches!(r, Err(Error::Validation(_))), "{r:?}");
}

/// Inserts `t` (created by `e`) with `schedule` (its SLA due and policy).
async fn insert_scheduled(
    store: &dyn TicketStore,
    t: &Ticket,
    e: TicketEvent,
    schedule: Option<Schedule>,
) {
    let mut w = TicketWrite::new(t.clone(), vec![e], None);
    w.schedule = schedule;
    commit_one(store, w).await;
}

/// The ids `filter` lists (in creation order, over pages of 3).
async fn listed(store: &dyn TicketStore, filter: TicketFilter) -> Vec<TicketId> {
    all_pages(store, &TicketQuery::new(filter, 3)).await
}

/// The category filter matches the category and those below it
/// (`network` matches `network/vpn`, not `networking`), ignoring ASCII
/// case only; `%` and `_` are plain characters.
pub async fn filter_by_category(store: &dyn TicketStore) {
    let categories = [
        Some("network/vpn"),
        Some("Network"),
        Some("NETWORK/VPN/Tunnel"),
        Some("networking"),
        Some("network-ops"),
        Some("printer"),
        None,
        Some("Ärger/Network"),
        Some("n_twork/x"),
    ];
    let mut ids = Vec::new();
    for (i, c) in categories.iter().enumerate() {
        let (mut t, e) = created(
            store.next_reference().await.unwrap(),
            &format!("category {i}"),
        );
        t.category = c.map(str::to_owned);
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        ids.push(t.id);
    }
    let cases: [(&str, &[usize]); 11] = [
        ("network", &[0, 1, 2]),
        ("NETWORK/vpn", &[0, 2]),
        ("network/vpn/tunnel", &[2]),
        ("printer", &[5]),
        ("net", &[]),
        ("network/", &[]),
        ("Ärger", &[7]),
        ("ärger", &[]),
        ("n_twork", &[8]),
        ("n%", &[]),
        ("_etwork", &[]),
    ];
    for (wanted, expected) in cases {
        let expected: Vec<TicketId> = expected.iter().map(|&i| ids[i]).collect();
        let filter = TicketFilter::default().category(wanted);
        assert_eq!(listed(store, filter.clone()).await, expected, "{wanted}");
        assert_eq!(
            store.count(&filter, &Visibility::All).await.unwrap(),
            expected.len() as u64,
            "{wanted}"
        );
    }
}

/// The tag filter wants every tag listed, ignoring ASCII case, and follows
/// the tags as commits change them.
pub async fn filter_by_tags_all_of(store: &dyn TicketStore) {
    let tag_sets: [&[&str]; 6] = [
        &["vpn"],
        &["VPN", "vip"],
        &["vip"],
        &[],
        &["Vip", "urgent", "vpn"],
        &["VPN", "vpn"],
    ];
    let mut tickets = Vec::new();
    for (i, tags) in tag_sets.iter().enumerate() {
        let (mut t, e) = created(store.next_reference().await.unwrap(), &format!("tags {i}"));
        t.tags = tags.iter().map(|s| (*s).to_owned()).collect();
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        tickets.push(t);
    }
    let ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
    let pick = |is: &[usize]| is.iter().map(|&i| ids[i]).collect::<Vec<_>>();
    let f = TicketFilter::default;
    assert_eq!(listed(store, f().tag("vpn")).await, pick(&[0, 1, 4, 5]));
    assert_eq!(listed(store, f().tag("VIP")).await, pick(&[1, 2, 4]));
    assert_eq!(
        listed(store, f().tag("vpn").tag("vip")).await,
        pick(&[1, 4])
    );
    assert_eq!(
        listed(store, f().tag("vpn").tag("Vip").tag("URGENT")).await,
        pick(&[4])
    );
    assert_eq!(listed(store, f().tag("vp")).await, pick(&[]));
    assert_eq!(listed(store, f().tag("%")).await, pick(&[]));
    assert_eq!(listed(store, f().tag("vpn").tag("none")).await, pick(&[]));

    // Tags changed by a commit: 0 swaps vpn for vip, 4 drops every tag.
    let mut t0 = tickets[0].clone();
    let e = note(&mut t0, "retag");
    t0.tags = BTreeSet::from(["VIP".to_owned()]);
    store.save(t0, vec![e], 1, vec![]).await.unwrap();
    let mut t4 = tickets[4].clone();
    let e = note(&mut t4, "untag");
    t4.tags.clear();
    store.save(t4, vec![e], 1, vec![]).await.unwrap();
    assert_eq!(listed(store, f().tag("vpn")).await, pick(&[1, 5]));
    assert_eq!(listed(store, f().tag("vip")).await, pick(&[0, 1, 2]));
    assert_eq!(listed(store, f().tag("urgent")).await, pick(&[]));
}

/// The channel filter matches any listed channel; `Other("email")` is not
/// `Email`.
pub async fn filter_by_channel(store: &dyn TicketStore) {
    let channels = [
        Channel::Email,
        Channel::Phone,
        Channel::Chat,
        Channel::Portal,
        Channel::Other("walk-in".into()),
        Channel::Other("email".into()),
        Channel::Api,
        Channel::Social,
    ];
    let mut ids = Vec::new();
    for (i, c) in channels.iter().enumerate() {
        let (mut t, e) = created(
            store.next_reference().await.unwrap(),
            &format!("channel {i}"),
        );
        t.channel = c.clone();
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        ids.push(t.id);
    }
    let cases: [(Vec<Channel>, &[usize]); 5] = [
        (vec![Channel::Email], &[0]),
        (vec![Channel::Other("walk-in".into())], &[4]),
        (vec![Channel::Other("email".into())], &[5]),
        (
            vec![Channel::Phone, Channel::Chat, Channel::Social],
            &[1, 2, 7],
        ),
        (vec![], &[0, 1, 2, 3, 4, 5, 6, 7]),
    ];
    for (wanted, expected) in cases {
        let expected: Vec<TicketId> = expected.iter().map(|&i| ids[i]).collect();
        let filter = TicketFilter::default().channel(wanted.clone());
        assert_eq!(listed(store, filter).await, expected, "{wanted:?}");
    }
}

/// Created and updated ranges are half-open: `from` is in, `to` is out.
pub async fn filter_by_time_ranges(store: &dyn TicketStore) {
    let at = |s: i64| t0() + Duration::seconds(s);
    let mut tickets = Vec::new();
    for i in 0..6i64 {
        let (mut t, e) = created(store.next_reference().await.unwrap(), &format!("time {i}"));
        t.created_at = at(10 * i);
        // Updated in the reverse order, two of them at the same instant.
        t.updated_at = at(100 + 7 * (5 - i).min(4));
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        tickets.push(t);
    }
    let ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
    let pick = |is: &[usize]| is.iter().map(|&i| ids[i]).collect::<Vec<_>>();
    let f = TicketFilter::default;
    let cases = [
        (f().created(Some(at(10)), Some(at(30))), pick(&[1, 2])),
        (f().created(None, Some(at(10))), pick(&[0])),
        (f().created(Some(at(50)), None), pick(&[5])),
        (f().created(Some(at(49)), Some(at(51))), pick(&[5])),
        (f().created(Some(at(20)), Some(at(20))), pick(&[])),
        (f().created(None, None), pick(&[0, 1, 2, 3, 4, 5])),
        // updated: 0 and 1 at 128, 2 at 121, 3 at 114, 4 at 107, 5 at 100.
        (f().updated(Some(at(128)), None), pick(&[0, 1])),
        (f().updated(Some(at(107)), Some(at(121))), pick(&[3, 4])),
        (f().updated(None, Some(at(100))), pick(&[])),
        (
            f().created(Some(at(10)), None).updated(None, Some(at(128))),
            pick(&[2, 3, 4, 5]),
        ),
    ];
    for (filter, expected) in cases {
        let want: Vec<TicketId> = tickets
            .iter()
            .filter(|t| filter.matches(t, None))
            .map(|t| t.id)
            .collect();
        assert_eq!(
            want, expected,
            "the case itself follows TicketFilter::matches"
        );
        assert_eq!(listed(store, filter.clone()).await, expected, "{filter:?}");
    }
}

/// "Breaching soon": SLA due at or before the instant given for the
/// ticket's policy; no SLA due or an unlisted policy never matches.
pub async fn filter_by_sla_due(store: &dyn TicketStore) {
    let hour = |h: i64| t0() + Duration::hours(h);
    let schedules = [
        Some(Schedule::default().sla(Some(hour(1)), Some("gold".into()))),
        Some(Schedule::default().sla(Some(hour(3)), Some("gold".into()))),
        Some(Schedule::default().sla(Some(hour(1)), Some("silver".into()))),
        Some(Schedule::default().sla(None, Some("silver".into()))),
        Some(Schedule::default().sla(Some(hour(1)), None)),
        None,
        Some(Schedule::deadline(Some(hour(1))).sla(Some(hour(2)), Some("gold".into()))),
    ];
    let mut ids = Vec::new();
    for (i, s) in schedules.iter().enumerate() {
        let (t, e) = created(store.next_reference().await.unwrap(), &format!("sla {i}"));
        insert_scheduled(store, &t, e, s.clone()).await;
        ids.push(t.id);
    }
    let pick = |is: &[usize]| is.iter().map(|&i| ids[i]).collect::<Vec<_>>();
    let f = TicketFilter::default;
    let one_second = Duration::seconds(1);
    let cases = [
        (f().sla_due_by("gold", hour(1)), pick(&[0])),
        (f().sla_due_by("gold", hour(1) - one_second), pick(&[])),
        (f().sla_due_by("gold", hour(2)), pick(&[0, 6])),
        (
            f().sla_due_by("gold", hour(2))
                .sla_due_by("silver", hour(2)),
            pick(&[0, 2, 6]),
        ),
        (f().sla_due_by("silver", hour(100)), pick(&[2])),
        (f().sla_due_by("bronze", hour(100)), pick(&[])),
        (f().sla_due_by("GOLD", hour(100)), pick(&[])),
        (
            f().sla_due_by("gold", hour(100)).status(["open"]),
            pick(&[]),
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(listed(store, filter.clone()).await, expected, "{filter:?}");
        assert_eq!(
            store.count(&filter, &Visibility::All).await.unwrap(),
            expected.len() as u64,
            "{filter:?}"
        );
    }
}

/// Tickets for the sort cases: priorities, SLA dues (some missing, some
/// shared) and last changes (some shared), in a spread that leaves no sort
/// equal to creation order.
async fn sortable(store: &dyn TicketStore) -> Vec<(Ticket, Option<DateTime<Utc>>)> {
    let mut out = Vec::new();
    for i in 0..23i64 {
        let (mut t, e) = created(store.next_reference().await.unwrap(), &format!("sort {i}"));
        t.priority = Priority::ALL[((i * 7) % 4) as usize];
        t.status = StatusId::new(if i % 3 == 0 { "open" } else { "new" });
        t.updated_at = t0() + Duration::seconds((i * 5) % 9);
        let due = (i % 4 != 0).then(|| t0() + Duration::minutes((i * 11) % 6));
        let schedule = Schedule::default().sla(due, Some("standard".into()));
        insert_scheduled(store, &t, e, Some(schedule)).await;
        out.push((t, due));
    }
    out
}

/// Checks a sort: every page of 4 continues the last, across a cursor
/// that went through text, and together they are the full set sorted by
/// `key`, with no ticket twice and none left out.
async fn check_sort<K: Ord>(
    store: &dyn TicketStore,
    sort: Sort,
    tickets: &[(Ticket, Option<DateTime<Utc>>)],
    filter: TicketFilter,
    key: impl Fn(&(Ticket, Option<DateTime<Utc>>)) -> K,
) {
    let mut expected: Vec<&(Ticket, Option<DateTime<Utc>>)> = tickets
        .iter()
        .filter(|(t, due)| {
            let s = Schedule::default().sla(*due, Some("standard".into()));
            filter.matches(t, Some(&s))
        })
        .collect();
    expected.sort_by_key(|x| key(x));
    let expected: Vec<TicketId> = expected.iter().map(|(t, _)| t.id).collect();
    assert!(expected.len() > 8, "the case spans several pages");

    let query = TicketQuery::new(filter.clone(), 4).sort(sort);
    let mut got = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page = store.list(&query.clone().after(after)).await.unwrap();
        got.extend(page.items.iter().map(|t| t.id));
        match page.next {
            // As a client would: through its text form and back.
            Some(c) => after = Some(c.to_string().parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(got, expected, "{sort:?} {filter:?}");
    assert_eq!(all_pages(store, &query).await, expected);
}

/// [`Sort::Created`]: by id, which is creation order.
pub async fn sort_by_created_paginates(store: &dyn TicketStore) {
    let tickets = sortable(store).await;
    check_sort(
        store,
        Sort::Created,
        &tickets,
        TicketFilter::default(),
        |(t, _)| t.id,
    )
    .await;
}

/// [`Sort::NextDue`]: earliest SLA due first, those without one last, ties by id.
pub async fn sort_by_next_due_paginates(store: &dyn TicketStore) {
    let tickets = sortable(store).await;
    let key = |(t, due): &(Ticket, Option<DateTime<Utc>>)| (due.is_none(), *due, t.id);
    check_sort(store, Sort::NextDue, &tickets, TicketFilter::default(), key).await;
    let new = TicketFilter::default().status(["new"]);
    check_sort(store, Sort::NextDue, &tickets, new, key).await;
}

/// [`Sort::Priority`]: most urgent first, ties by id.
pub async fn sort_by_priority_paginates(store: &dyn TicketStore) {
    let tickets = sortable(store).await;
    let key = |(t, _): &(Ticket, Option<DateTime<Utc>>)| (t.priority, t.id);
    check_sort(
        store,
        Sort::Priority,
        &tickets,
        TicketFilter::default(),
        key,
    )
    .await;
    let some =
        TicketFilter::default().priority([Priority::High, Priority::Low, Priority::Critical]);
    check_sort(store, Sort::Priority, &tickets, some, key).await;
}

/// [`Sort::Updated`]: most recently changed first, ties by id descending.
pub async fn sort_by_updated_paginates(store: &dyn TicketStore) {
    let tickets = sortable(store).await;
    let key = |(t, _): &(Ticket, Option<DateTime<Utc>>)| Reverse((t.updated_at, t.id));
    check_sort(store, Sort::Updated, &tickets, TicketFilter::default(), key).await;
    let due = TicketFilter::default().sla_due_by("standard", t0() + Duration::minutes(3));
    check_sort(store, Sort::Updated, &tickets, due, key).await;
}

/// `count` agrees with the listing for every filter and visibility.
pub async fn count_matches_listing(store: &dyn TicketStore) {
    let g1 = GroupId::new("network-l1").unwrap();
    let g2 = GroupId::new("apps").unwrap();
    let agents = [AgentId::new(), AgentId::new()];
    let customers = [CustomerId::new(), CustomerId::new(), CustomerId::new()];
    let mut tickets = Vec::new();
    for i in 0..20usize {
        let (mut t, e) = created_for(
            store.next_reference().await.unwrap(),
            if i % 2 == 0 { "VPN down" } else { "printer" },
            customers[i % 3],
        );
        t.status = StatusId::new(["new", "open", "pending", "solved"][i % 4]);
        t.group
            .clone_from(&[None, Some(g1.clone()), Some(g2.clone())][i % 3]);
        t.assignee = [None, Some(agents[0]), Some(agents[1]), None, None][i % 5];
        if i % 4 == 1 {
            t.tags.insert("VIP".into());
        }
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        tickets.push(t);
    }
    let filters = [
        TicketFilter::default(),
        TicketFilter::default().assignee(agents[0]),
        TicketFilter::default()
            .assignee(agents[1])
            .status(["new", "open", "pending"]),
        TicketFilter::default().group(g1.clone()).text("vpn"),
        TicketFilter::default().tag("vip").category("network"),
        TicketFilter::default().requester(customers[2]),
    ];
    for f in &filters {
        for v in &visibilities(&agents, &customers, &g1, &g2) {
            let expected = tickets
                .iter()
                .filter(|t| f.matches(t, None) && v.allows(t))
                .count() as u64;
            assert_eq!(store.count(f, v).await.unwrap(), expected, "{f:?} {v:?}");
            let listed = all_pages(store, &TicketQuery::new(f.clone(), 7).visibility(v.clone()))
                .await
                .len() as u64;
            assert_eq!(listed, expected, "{f:?} {v:?}");
        }
    }
}

/// A command record is stored with its commit and read back by key; a key
/// already stored fails the whole commit with a duplicate, and a commit
/// that fails stores no record.
pub async fn command_records_are_atomic(store: &dyn TicketStore) {
    let (a, ae) = created(store.next_reference().await.unwrap(), "command a");
    let (b, be) = created(store.next_reference().await.unwrap(), "command b");
    let record = CommandRecord::new("cmd-1", vec![(a.id, 1), (b.id, 1)], t0());
    store
        .commit(
            Commit::tickets(vec![
                write(&a, vec![ae], None, None),
                write(&b, vec![be], None, None),
            ])
            .command(record.clone()),
        )
        .await
        .unwrap();
    assert_eq!(store.command("cmd-1").await.unwrap(), Some(record.clone()));
    assert_eq!(
        store.command("CMD-1").await.unwrap(),
        None,
        "keys are exact"
    );

    // The same key again: refused, and nothing of that commit is written.
    let (c, ce) = created(store.next_reference().await.unwrap(), "command c");
    let mut a2 = a.clone();
    let a2e = note(&mut a2, "second try");
    let again = CommandRecord::new("cmd-1", vec![(c.id, 1)], t0() + Duration::seconds(5));
    let r = store
        .commit(
            Commit::tickets(vec![
                write(&c, vec![ce.clone()], None, Some(t0())),
                write(&a2, vec![a2e], Some(1), None),
            ])
            .command(again),
        )
        .await;
    assert_duplicate(r, "command idempotency key", "cmd-1");
    assert_eq!(store.load(c.id).await.unwrap(), None);
    assert_eq!(store.load(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.timeline(a.id).await.unwrap().len(), 1);
    assert_eq!(store.command("cmd-1").await.unwrap(), Some(record));

    // A commit that conflicts stores no command record.
    let mut a3 = a.clone();
    let a3e = note(&mut a3, "stale");
    let r = store
        .commit(
            Commit::tickets(vec![write(&a3, vec![a3e], Some(1), None)])
                .command(CommandRecord::new("cmd-2", vec![(a.id, 2)], t0())),
        )
        .await;
    r.unwrap();
    let mut a4 = a.clone();
    let a4e = note(&mut a4, "conflicts: based on version 1");
    let r = store
        .commit(
            Commit::tickets(vec![write(&a4, vec![a4e], Some(1), None)])
                .command(CommandRecord::new("cmd-3", vec![(a.id, 3)], t0())),
        )
        .await;
    assert_conflict(r, a.id, 1, 2);
    assert_eq!(store.command("cmd-3").await.unwrap(), None);
    assert!(store.command("cmd-2").await.unwrap().is_some());
    // The refused key can be used once the command succeeds.
    let (d, de) = created(store.next_reference().await.unwrap(), "command d");
    store
        .commit(
            Commit::tickets(vec![write(&d, vec![de], None, None)]).command(CommandRecord::new(
                "cmd-3",
                vec![(d.id, 1)],
                t0(),
            )),
        )
        .await
        .unwrap();
    assert_eq!(
        store.command("cmd-3").await.unwrap().map(|c| c.tickets),
        Some(vec![(d.id, 1)])
    );
}

/// A write without a schedule (`insert`, `save`) keeps the stored SLA due
/// and policy, so listings by due still find the ticket; a new schedule
/// replaces them.
pub async fn writes_without_schedule_keep_the_sla(store: &dyn TicketStore) {
    let due = t0() + Duration::hours(1);
    let (mut t, e) = created(store.next_reference().await.unwrap(), "keeps its due");
    insert_scheduled(
        store,
        &t,
        e,
        Some(Schedule::deadline(Some(due)).sla(Some(due), Some("gold".into()))),
    )
    .await;
    let (other, e) = created(store.next_reference().await.unwrap(), "no due");
    store.insert(other.clone(), vec![e], vec![]).await.unwrap();
    let breaching = TicketFilter::default().sla_due_by("gold", due);
    let by_due = TicketQuery::new(TicketFilter::default(), 10).sort(Sort::NextDue);

    let e = note(&mut t, "saved without a schedule");
    store.save(t.clone(), vec![e], 1, vec![]).await.unwrap();
    assert_eq!(listed(store, breaching.clone()).await, vec![t.id]);
    assert_eq!(all_pages(store, &by_due).await, vec![t.id, other.id]);

    let base = t.version;
    let e = note(&mut t, "no SLA any more");
    commit_one(
        store,
        TicketWrite::new(t.clone(), vec![e], Some(base)).schedule(Schedule::default()),
    )
    .await;
    assert!(listed(store, breaching).await.is_empty());
    let mut both = vec![t.id, other.id];
    both.sort();
    assert_eq!(all_pages(store, &by_due).await, both);
}

/// Quotes, SQL, emoji and right-to-left text round-trip and can be searched.
pub async fn text_round_trips(store: &dyn TicketStore) {
    let subjects = [
        "It's \"broken\" \\ again",
        "'; DROP TABLE tickets; --",
        "Printer 🔥🖨️ on fire 👩‍💻",
        "مرحبا، الطابعة لا تعمل",
        "שלום עולם",
        "Robert'); DELETE FROM events;--",
    ];
    for s in subjects {
        let (mut t, e) = created(store.next_reference().await.unwrap(), s);
        t.description = format!("{s}\n\ttabs, \u{202e}override\u{202c} and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢").into();
        t.category = Some(format!("{s}/sub"));
        t.tags.insert(s.to_owned());
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        assert_eq!(store.load(t.id).await.unwrap(), Some(t.clone()));
    }
    for s in subjects {
        for filter in [
            TicketFilter::default().text(s),
            TicketFilter::default().category(s),
            TicketFilter::default().tag(s),
        ] {
            let page = store.list(&TicketQuery::new(filter, 10)).await.unwrap();
            assert_eq!(page.items.len(), 1, "{s}");
            assert_eq!(page.items[0].subject, s);
        }
    }
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
pub async fn nul_bytes_do_not_panic(store: &dyn TicketStore) {
    let (t, e) = created(store.next_reference().await.unwrap(), "nul \0 inside");
    if store.insert(t.clone(), vec![e], vec![]).await.is_ok() {
        assert_eq!(store.load(t.id).await.unwrap(), Some(t));
    }
    let _ = store
        .list(&TicketQuery::new(TicketFilter::default().text("\0"), 10))
        .await;
    let _ = store
        .count(&TicketFilter::default().tag("\0"), &Visibility::All)
        .await;
}
