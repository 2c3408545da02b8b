//! The [`PrivacyStore`] contract: one live data key per requester (the
//! first stored wins), destruction that leaves the id known as destroyed,
//! dropping undelivered notifications only, and the erasure audit trail.

use std::collections::BTreeMap;

use chrono::Duration;
use uuid::Uuid;

use super::{created, notification, t0};
use crate::id::CustomerId;
use crate::privacy::ErasureRecord;
use crate::store::{KeyLookup, PrivacyStore, Store, WrappedKey};

fn key(customer: CustomerId, byte: u8) -> WrappedKey {
    WrappedKey::new(Uuid::now_v7(), customer, "test-kek", vec![byte; 72])
}

/// The first key stored for a requester is theirs; a second is refused
/// quietly and the first returned.
pub async fn data_keys_first_stored_wins<S: Store + PrivacyStore + ?Sized>(store: &S) {
    let ada = CustomerId::new();
    assert_eq!(store.live_data_key(ada).await.unwrap(), None);
    let first = key(ada, 1);
    assert_eq!(store.add_data_key(first.clone()).await.unwrap(), first);
    let second = key(ada, 2);
    assert_eq!(store.add_data_key(second.clone()).await.unwrap(), first);
    assert_eq!(store.live_data_key(ada).await.unwrap(), Some(first.clone()));
    assert_eq!(
        store.data_key(first.id).await.unwrap(),
        KeyLookup::Live(first)
    );
    assert_eq!(store.data_key(second.id).await.unwrap(), KeyLookup::Unknown);
    // Another requester has their own.
    let bob = key(CustomerId::new(), 3);
    assert_eq!(store.add_data_key(bob.clone()).await.unwrap(), bob);
}

/// Destroyed keys are gone for good but known as destroyed; the requester
/// may get a fresh key afterwards, and other requesters keep theirs.
pub async fn destroyed_keys_stay_known_as_destroyed<S: Store + PrivacyStore + ?Sized>(store: &S) {
    let ada = CustomerId::new();
    let bob = key(CustomerId::new(), 9);
    store.add_data_key(bob.clone()).await.unwrap();
    let old = key(ada, 1);
    store.add_data_key(old.clone()).await.unwrap();
    assert_eq!(store.destroy_data_keys(ada, t0()).await.unwrap(), 1);
    assert_eq!(store.destroy_data_keys(ada, t0()).await.unwrap(), 0);
    assert_eq!(store.data_key(old.id).await.unwrap(), KeyLookup::Destroyed);
    assert_eq!(store.live_data_key(ada).await.unwrap(), None);
    let fresh = key(ada, 2);
    assert_eq!(store.add_data_key(fresh.clone()).await.unwrap(), fresh);
    assert_eq!(store.data_key(old.id).await.unwrap(), KeyLookup::Destroyed);
    assert_eq!(store.data_key(bob.id).await.unwrap(), KeyLookup::Live(bob));
}

/// Dropping a ticket's notifications removes its undelivered entries only.
pub async fn dropping_notifications_spares_delivered_and_others<
    S: Store + PrivacyStore + ?Sized,
>(
    store: &S,
) {
    let (a, ea) = created(store.next_reference().await.unwrap(), "erased");
    let (b, eb) = created(store.next_reference().await.unwrap(), "kept");
    let sent = notification(&a, "a:1", t0());
    let waiting = notification(&a, "a:2", t0());
    let other = notification(&b, "b:1", t0());
    store
        .insert(a.clone(), vec![ea], vec![sent.clone(), waiting])
        .await
        .unwrap();
    store
        .insert(b, vec![eb], vec![other.clone()])
        .await
        .unwrap();
    let claimed = store
        .claim_outbox(t0(), 1, t0() + Duration::minutes(1))
        .await
        .unwrap();
    store
        .mark_delivered(claimed[0].notification.id, t0())
        .await
        .unwrap();
    assert_eq!(store.drop_pending_notifications(&[a.id]).await.unwrap(), 1);
    assert_eq!(store.drop_pending_notifications(&[a.id]).await.unwrap(), 0);
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!(stats.delivered, 1);
    let left = store
        .claim_outbox(t0() + Duration::hours(1), 10, t0() + Duration::hours(2))
        .await
        .unwrap();
    let ids: Vec<_> = left.iter().map(|e| e.notification.ticket_id).collect();
    assert!(ids.iter().all(|t| *t != a.id), "{ids:?}");
    assert!(ids.contains(&other.ticket_id));
}

/// Erasure records come back oldest first, all or one requester's.
pub async fn erasure_records_are_listed<S: Store + PrivacyStore + ?Sized>(store: &S) {
    let ada = CustomerId::new();
    let bob = CustomerId::new();
    let record = |customer, minutes| ErasureRecord {
        id: Uuid::now_v7(),
        customer,
        by: None,
        at: t0() + Duration::minutes(minutes),
        basis: "GDPR art. 17".into(),
        tickets: 2,
        events: 7,
        notifications: 1,
        keys: 1,
        elsewhere: BTreeMap::from([("kb_votes".to_owned(), 3)]),
    };
    let later = record(ada, 5);
    let earlier = record(bob, 1);
    store.record_erasure(&later).await.unwrap();
    store.record_erasure(&earlier).await.unwrap();
    assert_eq!(
        store.erasures(None).await.unwrap(),
        vec![earlier.clone(), later.clone()]
    );
    assert_eq!(store.erasures(Some(ada)).await.unwrap(), vec![later]);
    assert_eq!(
        store.erasures(Some(CustomerId::new())).await.unwrap(),
        vec![]
    );
}

/// Rewriting replaces the snapshot and the named events in place, fenced
/// by the version; a stale version or an unknown seq changes nothing.
pub async fn rewrite_events_in_place<S: Store + PrivacyStore + ?Sized>(store: &S) {
    use crate::ticket::EventKind;
    let (mut t, e1) = created(store.next_reference().await.unwrap(), "redact me");
    store
        .insert(t.clone(), vec![e1.clone()], vec![])
        .await
        .unwrap();
    let v1 = t.clone();
    let e2 = super::note(&mut t, "the password is hunter2");
    store
        .save(t.clone(), vec![e2.clone()], 1, vec![])
        .await
        .unwrap();

    let mut redacted = e2.clone();
    redacted.kind = EventKind::InternalNote {
        body: crate::privacy::REDACTED.into(),
    };
    let err = store
        .rewrite_events(&v1, &[redacted.clone()])
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    let mut beyond = redacted.clone();
    beyond.seq = 9;
    assert!(
        store
            .rewrite_events(&t, &[redacted.clone(), beyond])
            .await
            .is_err()
    );
    assert_eq!(store.timeline(t.id).await.unwrap(), vec![e1.clone(), e2]);

    let mut snapshot = t.clone();
    snapshot.description = crate::privacy::REDACTED.into();
    store
        .rewrite_events(&snapshot, &[redacted.clone()])
        .await
        .unwrap();
    assert_eq!(store.timeline(t.id).await.unwrap(), vec![e1, redacted]);
    assert_eq!(store.load(t.id).await.unwrap(), Some(snapshot));
}

/// Deleting removes the ticket, its timeline and its notifications, fenced
/// by the version; other tickets stay.
pub async fn delete_ticket_removes_everything<S: Store + PrivacyStore + ?Sized>(store: &S) {
    let (a, ea) = created(store.next_reference().await.unwrap(), "delete me");
    let (b, eb) = created(store.next_reference().await.unwrap(), "keep me");
    store
        .commit(
            crate::store::Commit::tickets(vec![
                super::write(&a, vec![ea], None, Some(t0())),
                super::write(&b, vec![eb.clone()], None, None),
            ])
            .outbox(vec![
                notification(&a, "a:1", t0()),
                notification(&b, "b:1", t0()),
            ]),
        )
        .await
        .unwrap();
    assert!(!store.delete_ticket(a.id, 2).await.unwrap());
    assert!(store.delete_ticket(a.id, 1).await.unwrap());
    assert!(!store.delete_ticket(a.id, 1).await.unwrap());
    assert_eq!(store.load(a.id).await.unwrap(), None);
    assert_eq!(store.load_by_reference(a.reference).await.unwrap(), None);
    assert!(store.timeline(a.id).await.unwrap().is_empty());
    assert_eq!(store.next_deadline(a.id).await.unwrap(), None);
    let due = store
        .claim_due(t0() + Duration::hours(1), 10, t0() + Duration::hours(2))
        .await
        .unwrap();
    assert!(due.is_empty(), "{due:?}");
    let left = store
        .claim_outbox(t0() + Duration::hours(1), 10, t0() + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].notification.ticket_id, b.id);
    assert_eq!(store.timeline(b.id).await.unwrap(), vec![eb]);
}

/// Access records come back per requester, oldest first.
pub async fn access_records_are_listed_per_requester<S: Store + PrivacyStore + ?Sized>(store: &S) {
    use crate::privacy::AccessRecord;
    let ada = CustomerId::new();
    let record = |customer, minutes, read: &str| AccessRecord {
        id: Uuid::now_v7(),
        at: t0() + Duration::minutes(minutes),
        by: Some(crate::id::AgentId::new()),
        actor: crate::ActorKind::Agent,
        ticket: crate::id::TicketId::new(),
        customer,
        read: read.into(),
    };
    let later = record(ada, 5, "timeline");
    let earlier = record(ada, 1, "get");
    store.record_access(&later).await.unwrap();
    store.record_access(&earlier).await.unwrap();
    store
        .record_access(&record(CustomerId::new(), 2, "get"))
        .await
        .unwrap();
    assert_eq!(store.accesses(ada).await.unwrap(), vec![earlier, later]);
    assert!(store.accesses(CustomerId::new()).await.unwrap().is_empty());
}
