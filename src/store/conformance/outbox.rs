//! The [`Outbox`] suite: notifications enqueued by commits, claimed with
//! leases, retried, delivered once, and unique keys.
//!
//! Every `pub async fn` here is a case; the build script puts it into
//! [`outbox_conformance_tests!`](crate::outbox_conformance_tests) and
//! [`store_conformance_tests!`](crate::store_conformance_tests). A case
//! takes a store that is also a [`TicketStore`], whose commits enqueue.

use std::collections::BTreeSet;

use chrono::Duration;

use super::{
    assert_duplicate, commit_note_with_outbox, created, insert_new, note, notification, t0, write,
};
use crate::error::Error;
use crate::id::NotificationId;
use crate::notify::Notification;
use crate::store::{CommandRecord, Commit, Outbox, OutboxStats, TicketStore};

/// Outbox entries are claimed oldest first, leased, retried after a
/// failure with the attempt recorded, and never handed out once delivered.
pub async fn outbox_claim_retry_deliver<S: TicketStore + Outbox + ?Sized>(store: &S) {
    let at = |s: i64| t0() + Duration::seconds(s);
    let t = insert_new(store, "outbox").await;
    let ns: Vec<Notification> = (0..3)
        .map(|i| notification(&t, &format!("{}:1:ack:{i}", t.id), at(i)))
        .collect();
    // Enqueued newest first: the claim order comes from the times, not insertion.
    commit_note_with_outbox(store, &t, ns.iter().rev().cloned().collect())
        .await
        .unwrap();
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats {
            pending: 3,
            delivered: 0,
            abandoned: 0,
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
        OutboxStats {
            pending: 2,
            delivered: 1,
            abandoned: 0,
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
pub async fn outbox_not_before_delays_claims<S: TicketStore + Outbox + ?Sized>(store: &S) {
    let t = insert_new(store, "later").await;
    let mut t2 = t.clone();
    let e = note(&mut t2, "notify");
    store
        .commit(
            Commit::tickets(vec![write(&t2, vec![e], Some(1), None)])
                .outbox(vec![notification(&t2, "later", t0())])
                .outbox_not_before(Some(t0() + Duration::seconds(100))),
        )
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

/// Idempotency keys are unique across the outbox, delivered entries
/// included: a repeated key fails the whole commit (nothing of it is
/// stored), whether it repeats a stored key or another entry of the same
/// commit.
pub async fn duplicate_idempotency_keys_are_refused<S: TicketStore + Outbox + ?Sized>(store: &S) {
    let (t1, e1) = created(store.next_reference().await.unwrap(), "first");
    let first = notification(&t1, "key-1", t0());
    store
        .commit(Commit::tickets(vec![write(&t1, vec![e1], None, None)]).outbox(vec![first.clone()]))
        .await
        .unwrap();
    let (t2, e2) = created(store.next_reference().await.unwrap(), "second");
    let repeated = store
        .commit(
            Commit::tickets(vec![write(&t2, vec![e2.clone()], None, None)])
                .outbox(vec![notification(&t2, "key-1", t0())]),
        )
        .await;
    assert_duplicate(repeated, "idempotency key", "key-1");
    assert!(
        store.load(t2.id).await.unwrap().is_none(),
        "nothing of a refused commit is stored"
    );
    let twice = store
        .commit(
            Commit::tickets(vec![write(&t2, vec![e2.clone()], None, None)]).outbox(vec![
                notification(&t2, "key-2", t0()),
                notification(&t2, "key-2", t0()),
            ]),
        )
        .await;
    assert_duplicate(twice, "idempotency key", "key-2");
    assert!(store.load(t2.id).await.unwrap().is_none());
    assert_eq!(store.outbox_stats().await.unwrap().pending, 1);

    // Still refused once the first entry is delivered.
    store.mark_delivered(first.id, t0()).await.unwrap();
    let after_delivery = store
        .commit(
            Commit::tickets(vec![write(&t2, vec![e2], None, None)]).outbox(vec![notification(
                &t2,
                "key-1",
                t0(),
            )]),
        )
        .await;
    assert_duplicate(after_delivery, "idempotency key", "key-1");
    assert!(store.load(t2.id).await.unwrap().is_none());
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats {
            pending: 0,
            delivered: 1,
            abandoned: 0,
        }
    );
}

/// A notification id already in the outbox, or twice in one commit, fails
/// the commit as a duplicate notification.
pub async fn duplicate_notification_id_is_refused<S: TicketStore + Outbox + ?Sized>(store: &S) {
    let t = insert_new(store, "ids").await;
    let n = notification(&t, "id-1", t0());
    commit_note_with_outbox(store, &t, vec![n.clone()])
        .await
        .unwrap();
    let t = store.load(t.id).await.unwrap().unwrap();
    let same_id = Notification {
        idempotency_key: "id-2".into(),
        ..n.clone()
    };
    let r = commit_note_with_outbox(store, &t, vec![same_id]).await;
    assert_duplicate(r, "notification", &n.id.to_string());
    let fresh = notification(&t, "id-3", t0());
    let twin = Notification {
        idempotency_key: "id-4".into(),
        ..fresh.clone()
    };
    let r = commit_note_with_outbox(store, &t, vec![fresh.clone(), twin]).await;
    assert_duplicate(r, "notification", &fresh.id.to_string());
    assert_eq!(store.load(t.id).await.unwrap(), Some(t));
    assert_eq!(store.outbox_stats().await.unwrap().pending, 1);
    let claimed = store
        .claim_outbox(t0(), 10, t0() + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].notification, n);
}

/// An outbox entry that cannot be stored rolls back the commit's tickets.
pub async fn refused_outbox_entry_rolls_back_the_commit<S: TicketStore + Outbox + ?Sized>(
    store: &S,
) {
    let a = insert_new(store, "a").await;
    let n = notification(&a, "atomic-2", t0());
    commit_note_with_outbox(store, &a, vec![n.clone()])
        .await
        .unwrap();
    let a_now = store.load(a.id).await.unwrap().unwrap();
    let (c, ce) = created(store.next_reference().await.unwrap(), "c");
    let mut a2 = a_now.clone();
    let e = note(&mut a2, "lost with the commit");
    let r = store
        .commit(
            Commit::tickets(vec![
                write(&c, vec![ce], None, None),
                write(&a2, vec![e], Some(a_now.version), None),
            ])
            .outbox(vec![notification(&a2, "fine", t0()), n]),
        )
        .await;
    assert_duplicate(r, "idempotency key", "atomic-2");
    assert_eq!(store.load(a.id).await.unwrap(), Some(a_now));
    assert_eq!(store.load(c.id).await.unwrap(), None);
    assert_eq!(store.outbox_stats().await.unwrap().pending, 1);
}

/// A commit refused for its command record enqueues none of its
/// notifications.
pub async fn refused_command_enqueues_nothing<S: TicketStore + Outbox + ?Sized>(store: &S) {
    let (a, ae) = created(store.next_reference().await.unwrap(), "a");
    store
        .commit(
            Commit::tickets(vec![write(&a, vec![ae], None, None)])
                .outbox(vec![notification(&a, "a:ack", t0())])
                .command(CommandRecord::new("open-a", vec![(a.id, 1)], t0())),
        )
        .await
        .unwrap();
    let (b, be) = created(store.next_reference().await.unwrap(), "b");
    let r = store
        .commit(
            Commit::tickets(vec![write(&b, vec![be], None, None)])
                .outbox(vec![notification(&b, "b:ack", t0())])
                .command(CommandRecord::new("open-a", vec![(b.id, 1)], t0())),
        )
        .await;
    assert_duplicate(r, "command idempotency key", "open-a");
    assert_eq!(store.outbox_stats().await.unwrap().pending, 1);
    let claimed = store
        .claim_outbox(t0(), 10, t0() + Duration::minutes(1))
        .await
        .unwrap();
    let keys: Vec<_> = claimed
        .into_iter()
        .map(|e| e.notification.idempotency_key)
        .collect();
    assert_eq!(keys, vec!["a:ack".to_owned()]);
}

/// Quotes, SQL, emoji and right-to-left text round-trip through the outbox.
pub async fn outbox_text_round_trips<S: TicketStore + Outbox + ?Sized>(store: &S) {
    let texts = [
        "It's \"broken\" \\ again",
        "'; DROP TABLE outbox; --",
        "Printer 🔥🖨️ on fire 👩‍💻",
        "مرحبا، الطابعة لا تعمل",
        "שלום עולם",
    ];
    let mut sent = Vec::new();
    for s in texts {
        let (t, e) = created(store.next_reference().await.unwrap(), s);
        let mut n = notification(&t, s, t0());
        n.facts.body = Some(format!("{s}\n\ttabs, \u{202e}override\u{202c}"));
        store.insert(t, vec![e], vec![n.clone()]).await.unwrap();
        sent.push(n);
    }
    let claimed = store
        .claim_outbox(t0(), 100, t0() + Duration::hours(1))
        .await
        .unwrap();
    let got: BTreeSet<_> = claimed
        .iter()
        .map(|e| {
            (
                e.notification.idempotency_key.clone(),
                e.notification.facts.body.clone(),
            )
        })
        .collect();
    let want: BTreeSet<_> = sent
        .iter()
        .map(|n| (n.idempotency_key.clone(), n.facts.body.clone()))
        .collect();
    assert_eq!(got, want);
    store.mark_failed(sent[1].id, t0(), texts[3]).await.unwrap();
    let retry = store
        .claim_outbox(t0() + Duration::hours(2), 1, t0() + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(retry[0].notification, sent[1]);
    assert_eq!(retry[0].last_error.as_deref(), Some(texts[3]));
}

/// An entry the transport refused for good is given up: never claimed
/// again, counted apart, and refused a second time; others go on.
pub async fn outbox_abandon<S: TicketStore + Outbox + ?Sized>(store: &S) {
    let at = |s: i64| t0() + Duration::seconds(s);
    let t = insert_new(store, "abandon").await;
    let ns: Vec<Notification> = (0..2)
        .map(|i| notification(&t, &format!("{}:1:ack:{i}", t.id), at(i)))
        .collect();
    commit_note_with_outbox(store, &t, ns.clone())
        .await
        .unwrap();
    let claimed = store.claim_outbox(at(5), 10, at(60)).await.unwrap();
    assert_eq!(claimed.len(), 2);
    store
        .mark_abandoned(ns[0].id, at(6), "550 5.1.1 no such user")
        .await
        .unwrap();
    store
        .mark_failed(ns[1].id, at(10), "timed out")
        .await
        .unwrap();
    // Long after every lease and retry time: only the retried one comes back.
    let again = store.claim_outbox(at(3600), 10, at(3660)).await.unwrap();
    let ids: Vec<_> = again.iter().map(|e| e.notification.id).collect();
    assert_eq!(ids, [ns[1].id]);
    assert_eq!(
        store.outbox_stats().await.unwrap(),
        OutboxStats {
            pending: 1,
            delivered: 0,
            abandoned: 1,
        }
    );
    for id in [ns[0].id, NotificationId::new()] {
        let e = store.mark_abandoned(id, at(7), "again").await.unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }), "{e}");
    }
    store.mark_delivered(ns[1].id, at(3601)).await.unwrap();
    let e = store
        .mark_abandoned(ns[1].id, at(3602), "late")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
}

/// Abandoned entries are listed oldest first (by id) in pages, with their
/// attempts, error and when they were given up; pending and delivered ones
/// are not listed.
pub async fn outbox_abandoned_are_listed_in_pages<S: TicketStore + Outbox + ?Sized>(store: &S) {
    let at = |s: i64| t0() + Duration::seconds(s);
    let t = insert_new(store, "abandoned list").await;
    let mut ns: Vec<Notification> = (0..4)
        .map(|i| notification(&t, &format!("{}:1:list:{i}", t.id), at(i)))
        .collect();
    ns.sort_by_key(|n| n.id);
    commit_note_with_outbox(store, &t, ns.clone())
        .await
        .unwrap();
    assert!(store.abandoned(None, 10).await.unwrap().is_empty());
    assert_eq!(
        store.claim_outbox(at(5), 10, at(60)).await.unwrap().len(),
        4
    );
    store
        .mark_failed(ns[2].id, at(6), "timed out")
        .await
        .unwrap();
    // Given up in another order than their ids: the listing goes by id.
    store
        .mark_abandoned(ns[3].id, at(7), "550 no such user")
        .await
        .unwrap();
    store
        .mark_abandoned(ns[0].id, at(8), "410 gone")
        .await
        .unwrap();
    store.mark_delivered(ns[1].id, at(9)).await.unwrap();
    let claimed = store.claim_outbox(at(3600), 10, at(3660)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .mark_abandoned(ns[2].id, at(3601), "400 bad request")
        .await
        .unwrap();

    let first = store.abandoned(None, 2).await.unwrap();
    let ids: Vec<_> = first.iter().map(|e| e.notification.id).collect();
    assert_eq!(ids, [ns[0].id, ns[2].id]);
    assert_eq!(first[0].notification, ns[0]);
    assert_eq!(first[0].last_error.as_deref(), Some("410 gone"));
    assert_eq!((first[0].attempts, first[0].abandoned_at), (1, at(8)));
    assert_eq!(first[1].last_error.as_deref(), Some("400 bad request"));
    assert_eq!((first[1].attempts, first[1].abandoned_at), (2, at(3601)));
    let second = store.abandoned(Some(ns[2].id), 2).await.unwrap();
    assert_eq!(second.len(), 1, "the last page is short");
    assert_eq!(second[0].notification, ns[3]);
    assert_eq!(second[0].last_error.as_deref(), Some("550 no such user"));
    assert!(store.abandoned(Some(ns[3].id), 2).await.unwrap().is_empty());
    assert_eq!(store.outbox_stats().await.unwrap().abandoned, 3);
}
