//! A notification the transport refuses for good is given up once and
//! recorded, not retried for ever; a passing failure is retried.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use helpdesk::notify::{Delivery, Notifier};
use helpdesk::store::Store;
use helpdesk::{
    Channel, CustomerId, Error, HelpDesk, InMemoryStore, ManualClock, NewTicket, Requester, Result,
    async_trait,
};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Refuses mail to `.invalid` addresses for good; the rest fails for now.
#[derive(Debug, Default)]
struct Picky {
    calls: AtomicUsize,
}

#[async_trait]
impl Notifier for Picky {
    async fn deliver(&self, d: &Delivery<'_>) -> Result<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if d.notification()
            .recipient
            .to_string()
            .ends_with(".invalid>")
        {
            Err(Error::undeliverable(
                "the mail server refused the recipient",
                std::io::Error::other("550 5.1.1 no such user"),
            ))
        } else {
            Err(Error::notify_msg("421 try again later"))
        }
    }
}

#[tokio::test]
async fn refused_for_good_is_given_up_and_passing_failures_are_retried() {
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let clock = Arc::new(ManualClock::new(t("2026-03-10T08:00:00Z")));
    let picky = Arc::new(Picky::default());
    let desk = HelpDesk::builder()
        .store(store.clone())
        .clock(clock.clone())
        .notifier(picky.clone())
        .build()
        .unwrap();
    for email in ["ada@example.invalid", "bo@example.com"] {
        let c = CustomerId::new();
        desk.portal(c)
            .open(NewTicket::new(
                Requester::new(c, "X").email(email),
                Channel::Email,
                "Printer",
                "Down.",
            ))
            .await
            .unwrap();
    }
    // Delivered inline right after each commit: both acknowledgments fail.
    assert_eq!(picky.calls.load(Ordering::SeqCst), 2);
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.abandoned), (1, 1));

    // Later rounds retry only the passing failure.
    for _ in 0..3 {
        clock.advance(Duration::hours(2));
        let r = desk.dispatch_pending().await.unwrap();
        assert_eq!((r.delivered, r.failed, r.abandoned), (0, 1, 0));
    }
    assert_eq!(picky.calls.load(Ordering::SeqCst), 5);
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.delivered, stats.abandoned), (1, 0, 1));
}

/// Admins list what was given up, oldest first, page by page, with why;
/// agents may not; a page size out of range is refused. Over a SQLite file.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn admins_list_abandoned_notifications_in_pages() {
    use helpdesk::{Actor, AgentId, ErrorKind, GroupId};
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        helpdesk::store::SqliteStore::open(dir.path().join("desk.db"))
            .await
            .unwrap(),
    );
    let clock = Arc::new(ManualClock::new(t("2026-03-10T08:00:00Z")));
    let desk = HelpDesk::builder()
        .backend(store)
        .clock(clock.clone())
        .notifier(Arc::new(Picky::default()))
        .build()
        .unwrap();
    let mut opened = Vec::new();
    for email in [
        "a@example.invalid",
        "ok@example.com",
        "b@example.invalid",
        "c@example.invalid",
    ] {
        let c = CustomerId::new();
        let t = desk
            .portal(c)
            .open(NewTicket::new(
                Requester::new(c, "X").email(email),
                Channel::Email,
                "Printer",
                "Down.",
            ))
            .await
            .unwrap();
        opened.push((t.id, email));
        clock.advance(Duration::seconds(1));
    }
    let admin = Actor::admin(AgentId::new());
    let first = desk.abandoned_notifications(&admin, None, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    let rest = desk
        .abandoned_notifications(&admin, Some(first[1].notification.id), 2)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1, "the last page is short");
    let all: Vec<_> = first.iter().chain(&rest).collect();
    let tickets: Vec<_> = all.iter().map(|e| e.notification.ticket_id).collect();
    let refused: Vec<_> = opened
        .iter()
        .filter(|(_, email)| email.ends_with(".invalid"))
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(tickets, refused, "oldest first");
    for e in &all {
        assert_eq!(e.attempts, 1);
        assert!(
            e.last_error.as_deref().unwrap().contains("550 5.1.1"),
            "{e:?}"
        );
    }
    assert!(
        all.windows(2)
            .all(|w| w[0].abandoned_at <= w[1].abandoned_at)
    );

    let agent = Actor::agent(AgentId::new(), [GroupId::new("desk").unwrap()]);
    let err = desk
        .abandoned_notifications(&agent, None, 10)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let err = desk
        .abandoned_notifications(&admin, None, 0)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("limit"), "{err}");
}
