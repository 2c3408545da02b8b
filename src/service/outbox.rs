use chrono::{DateTime, Duration, Utc};

use tracing::Instrument;

use super::HelpDesk;
use crate::error::{ConfigError, Error, Result};
use crate::notify::{Delivery, Notification};

/// How failed deliveries are retried: exponential backoff from `first_delay`
/// up to `max_delay`.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | `first_delay` | 10 s | wait after the first failure; doubles with each further one |
/// | `max_delay` | 1 h | the longest wait between attempts |
/// | `inline_lease` | 60 s | how long other dispatchers keep off what a command delivers itself |
/// | `batch` | 100 | entries claimed per round of [`HelpDesk::dispatch_pending`] |
///
/// So a notification that failed is not retried before `first_delay` has
/// passed: on a [`ManualClock`](crate::ManualClock), `dispatch_pending`
/// right after a failure delivers nothing until the clock moves on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Delay after the first failure (doubles with each further failure).
    pub first_delay: Duration,
    /// The longest delay between attempts.
    pub max_delay: Duration,
    /// How long other dispatchers keep off a notification that the command
    /// itself is delivering right after its commit (if the process dies
    /// mid-delivery, another picks it up after this).
    pub inline_lease: Duration,
    /// How many entries [`HelpDesk::dispatch_pending`] claims at a time.
    pub batch: usize,
}

impl RetryPolicy {
    /// A policy with the given first and maximum delay.
    pub fn new(first_delay: Duration, max_delay: Duration) -> Self {
        RetryPolicy {
            first_delay,
            max_delay,
            ..RetryPolicy::default()
        }
    }

    /// The delay before retry number `attempt` (1 = after the first failure).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1i32 << attempt.saturating_sub(1).min(20);
        (self.first_delay * factor).min(self.max_delay)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let bad =
            |path: &str, v: String, m: &str| -> Error { ConfigError::new(path, Some(v), m).into() };
        let secs = |d: Duration| format!("{}s", d.num_seconds());
        if self.first_delay <= Duration::zero() {
            return Err(bad(
                "retry.first_delay",
                secs(self.first_delay),
                "must be positive",
            ));
        }
        if self.max_delay < self.first_delay {
            return Err(bad(
                "retry.max_delay",
                secs(self.max_delay),
                "must be at least first_delay",
            ));
        }
        if self.inline_lease <= Duration::zero() {
            return Err(bad(
                "retry.inline_lease",
                secs(self.inline_lease),
                "must be positive",
            ));
        }
        if self.batch == 0 {
            return Err(bad("retry.batch", "0".into(), "must be at least 1"));
        }
        Ok(())
    }
}

/// What a dispatch run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DispatchReport {
    /// Delivered now.
    pub delivered: usize,
    /// Failed now; they stay in the outbox for a later retry.
    pub failed: usize,
    /// Refused for good now ([`Error::Undeliverable`]): given up, not retried.
    pub abandoned: usize,
}

impl HelpDesk {
    /// The notifications the outbox gave up (a transport refused them for
    /// good, see [`DispatchReport::abandoned`]), oldest first, with their
    /// attempts, last error and when they were given up: up to `limit`
    /// (1..=[`MAX_ABANDONED_PAGE`](crate::store::MAX_ABANDONED_PAGE)) after
    /// the entry `after`. For the next page pass the last id of this one;
    /// a page shorter than `limit` is the last. Admins (and the system)
    /// only: others get [`Error::Forbidden`].
    pub async fn abandoned_notifications(
        &self,
        admin: &crate::Actor,
        after: Option<crate::NotificationId>,
        limit: usize,
    ) -> Result<Vec<crate::store::AbandonedEntry>> {
        admin.authorize(crate::Action::Configure, None)?;
        if limit == 0 || limit > crate::store::MAX_ABANDONED_PAGE {
            return Err(Error::validation(
                "limit",
                format!(
                    "{limit} is not within 1..={}",
                    crate::store::MAX_ABANDONED_PAGE
                ),
            ));
        }
        self.inner.store.abandoned(after, limit).await
    }

    /// Delivers notifications waiting in the outbox whose time has come
    /// (new ones from desks without a notifier, and retries of failed ones).
    /// Safe to call from many nodes at once: each entry is claimed by one.
    /// Returns an error only when the store fails; delivery failures are
    /// counted and retried later (see [`RetryPolicy`] for when).
    pub async fn dispatch_pending(&self) -> Result<DispatchReport> {
        if self.inner.notifier.is_none() {
            return Err(Error::NotConfigured {
                what: "notifier",
                how: "give the desk one with HelpDeskBuilder::notifier",
            });
        }
        let span = tracing::info_span!(
            "helpdesk.dispatch_pending",
            delivered = tracing::field::Empty,
            failed = tracing::field::Empty,
            abandoned = tracing::field::Empty,
        );
        let handle = span.clone();
        async move {
            let mut report = DispatchReport::default();
            loop {
                let now = self.inner.clock.now();
                let retry = self.inner.retry;
                let claimed = self
                    .inner
                    .store
                    .claim_outbox(now, retry.batch, now + retry.inline_lease)
                    .await?;
                let n = claimed.len();
                let attempts: Vec<u32> = claimed.iter().map(|e| e.attempts).collect();
                let r = self
                    .deliver_with(
                        claimed.into_iter().map(|e| e.notification).collect(),
                        now,
                        &attempts,
                    )
                    .await;
                report.delivered += r.delivered;
                report.failed += r.failed;
                report.abandoned += r.abandoned;
                if n < retry.batch {
                    break;
                }
            }
            let span = handle;
            span.record("delivered", report.delivered);
            span.record("failed", report.failed);
            span.record("abandoned", report.abandoned);
            Ok(report)
        }
        .instrument(span)
        .await
    }

    /// Delivers freshly committed notifications; failures are left for retry.
    pub(super) async fn deliver(&self, notifications: Vec<Notification>, now: DateTime<Utc>) {
        // The command already succeeded; a delivery failure leaves the entry
        // in the outbox, where dispatch_pending finds it (and logs it).
        self.deliver_with(notifications, now, &[]).await;
    }

    /// Renders and delivers `notifications`; `attempts[i]` is how often the
    /// i-th failed before (missing entries: never).
    async fn deliver_with(
        &self,
        notifications: Vec<Notification>,
        now: DateTime<Utc>,
        attempts: &[u32],
    ) -> DispatchReport {
        let mut report = DispatchReport::default();
        let Some(notifier) = &self.inner.notifier else {
            return report;
        };
        let store = &self.inner.store;
        for (i, n) in notifications.iter().enumerate() {
            let prior = attempts.get(i).copied().unwrap_or(0);
            let sent = notifier
                .deliver(&Delivery::new(n, &*self.inner.renderer))
                .await;
            match sent {
                Ok(()) => match store.mark_delivered(n.id, self.inner.clock.now()).await {
                    Ok(()) => report.delivered += 1,
                    // Delivered, but the outbox still holds it: it may go out
                    // again, and its idempotency key lets the transport drop it.
                    Err(e) => tracing::warn!(
                        notification = %n.id, key = %n.idempotency_key, error = %e,
                        "delivered, but could not mark the notification delivered"
                    ),
                },
                Err(e) if e.is_permanent() => {
                    report.abandoned += 1;
                    tracing::warn!(
                        notification = %n.id, key = %n.idempotency_key, attempt = prior + 1,
                        error = %e, "delivery refused for good; the notification is given up"
                    );
                    if let Err(e) = store.mark_abandoned(n.id, now, &e.to_string()).await {
                        tracing::warn!(
                            notification = %n.id, error = %e,
                            "could not record the refused delivery; it is retried when its lease ends"
                        );
                    }
                }
                Err(e) => {
                    report.failed += 1;
                    let retry_at = now + self.inner.retry.delay(prior + 1);
                    tracing::warn!(
                        notification = %n.id, key = %n.idempotency_key, attempt = prior + 1,
                        %retry_at, error = %e, "delivery failed; kept in the outbox for a retry"
                    );
                    if let Err(e) = store.mark_failed(n.id, retry_at, &e.to_string()).await {
                        tracing::warn!(
                            notification = %n.id, error = %e,
                            "could not record the failed delivery; it is retried when its lease ends"
                        );
                    }
                }
            }
        }
        report
    }
}
