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
