//! The [`DueIndex`] suite: deadlines, leased claims fenced by version,
//! and what commits do to them.
//!
//! Every `pub async fn` here is a case; the build script puts it into
//! [`due_index_conformance_tests!`](crate::due_index_conformance_tests)
//! and [`store_conformance_tests!`](crate::store_conformance_tests). A
//! case takes a store that is also a [`TicketStore`], which deadlines
//! belong to.

use std::collections::HashSet;

use chrono::Duration;

use super::{commit_one, created, insert_new, join, note, t0, write};
use crate::error::Error;
use crate::id::TicketId;
use crate::store::{Commit, DueIndex, Schedule, TicketStore, TicketWrite};

/// A new ticket written without a schedule has nothing due; an unknown
/// ticket has no deadline and cannot be released.
pub async fn insert_has_nothing_due<S: TicketStore + DueIndex + ?Sized>(store: &S) {
    let t = insert_new(store, "nothing due").await;
    assert_eq!(store.next_deadline(t.id).await.unwrap(), None);
    assert!(
        store
            .claim_due(t0() + Duration::days(365), 10, t0() + Duration::days(366))
            .await
            .unwrap()
            .is_empty()
    );
    let id = TicketId::new();
    assert_eq!(store.next_deadline(id).await.unwrap(), None);
    assert!(matches!(
        store.release_due(id, 0, None).await,
        Err(Error::NotFound { .. })
    ));
}

/// Due tickets are claimed earliest first, leased, released and re-leased
/// when the lease expires; a commit ends the lease.
pub async fn deadlines_claim_and_lease<S: TicketStore + DueIndex + ?Sized>(store: &S) {
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
pub async fn concurrent_claims_do_not_overlap<S: TicketStore + DueIndex + ?Sized>(store: &S) {
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

/// `insert` and `save` (writes without a schedule) keep the stored
/// deadline, and a lease with it; a write with a schedule replaces the
/// deadline and ends the lease.
pub async fn writes_without_schedule_keep_the_deadline<S: TicketStore + DueIndex + ?Sized>(
    store: &S,
) {
    let at = |s: i64| t0() + Duration::seconds(s);
    let (mut t, e) = created(store.next_reference().await.unwrap(), "keeps its deadline");
    commit_one(store, write(&t, vec![e], None, Some(at(10)))).await;

    let e = note(&mut t, "saved");
    store.save(t.clone(), vec![e], 1, vec![]).await.unwrap();
    assert_eq!(store.next_deadline(t.id).await.unwrap(), Some(at(10)));
    assert_eq!(
        store.claim_due(at(10), 10, at(100)).await.unwrap(),
        vec![t.id]
    );

    // Saved while leased: the lease holds, the deadline stays.
    let e = note(&mut t, "saved while leased");
    store.save(t.clone(), vec![e], 2, vec![]).await.unwrap();
    assert_eq!(store.next_deadline(t.id).await.unwrap(), Some(at(10)));
    assert!(
        store
            .claim_due(at(50), 10, at(200))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.claim_due(at(100), 10, at(200)).await.unwrap(),
        vec![t.id]
    );

    // A schedule replaces the deadline and ends the lease (held until 200).
    let e = note(&mut t, "rescheduled");
    commit_one(
        store,
        TicketWrite::new(t.clone(), vec![e], Some(3))
            .schedule(Schedule::deadline(Some(at(120))).sla(Some(at(500)), Some("gold".into()))),
    )
    .await;
    assert_eq!(store.next_deadline(t.id).await.unwrap(), Some(at(120)));
    assert_eq!(
        store.claim_due(at(120), 10, at(300)).await.unwrap(),
        vec![t.id]
    );

    // Several tickets in one commit, one with a schedule and one without.
    let (u, ue) = created(store.next_reference().await.unwrap(), "new, unscheduled");
    let e = note(&mut t, "with a sibling");
    store
        .commit(Commit::tickets(vec![
            TicketWrite::new(u.clone(), vec![ue], None),
            TicketWrite::new(t.clone(), vec![e], Some(4)),
        ]))
        .await
        .unwrap();
    assert_eq!(store.next_deadline(u.id).await.unwrap(), None);
    assert_eq!(store.next_deadline(t.id).await.unwrap(), Some(at(120)));
    // The lease (until 300) survived the unscheduled write.
    assert!(
        store
            .claim_due(at(200), 10, at(400))
            .await
            .unwrap()
            .is_empty()
    );
    // A schedule without a deadline takes the ticket out of the index.
    let e = note(&mut t, "done");
    commit_one(
        store,
        TicketWrite::new(t.clone(), vec![e], Some(5)).schedule(Schedule::default()),
    )
    .await;
    assert_eq!(store.next_deadline(t.id).await.unwrap(), None);
    assert!(
        store
            .claim_due(at(10_000), 10, at(20_000))
            .await
            .unwrap()
            .is_empty()
    );
}

/// A refused commit leaves the deadline index as it was.
pub async fn refused_commit_keeps_deadlines<S: TicketStore + DueIndex + ?Sized>(store: &S) {
    let at = |s: i64| t0() + Duration::seconds(s);
    let (mut a, e) = created(store.next_reference().await.unwrap(), "a");
    commit_one(store, write(&a, vec![e], None, Some(at(10)))).await;
    let a1 = a.clone();
    let e = note(&mut a, "moves to version 2");
    store.save(a.clone(), vec![e], 1, vec![]).await.unwrap();
    let (b, be) = created(store.next_reference().await.unwrap(), "b");
    let mut stale = a1.clone();
    let se = note(&mut stale, "stale");
    let r = store
        .commit(Commit::tickets(vec![
            write(&b, vec![be], None, Some(at(1))),
            write(&stale, vec![se], Some(1), Some(at(99))),
        ]))
        .await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
    assert_eq!(store.next_deadline(a.id).await.unwrap(), Some(at(10)));
    assert_eq!(store.next_deadline(b.id).await.unwrap(), None);
    assert_eq!(
        store.claim_due(at(50), 10, at(60)).await.unwrap(),
        vec![a.id]
    );
}
