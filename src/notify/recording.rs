use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;

use super::{Delivery, Message, Notification, Notifier};
use crate::error::{Error, Result};

/// One delivery a [`RecordingNotifier`] saw: the notification and the
/// message it was rendered as.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivered {
    /// The notification (its kind, recipient and facts).
    pub notification: Notification,
    /// What a person would read.
    pub message: Message,
}

/// Keeps every delivered notification in memory, for tests and demos.
///
/// It can be told to fail ([`set_failing`](Self::set_failing)) to exercise
/// the outbox's retry path.
///
/// ```
/// use helpdesk::RecordingNotifier;
/// let n = RecordingNotifier::new();
/// assert!(n.delivered().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    delivered: Mutex<Vec<Delivered>>,
    failing: AtomicBool,
}

impl RecordingNotifier {
    /// An empty recorder that delivers successfully.
    pub fn new() -> Self {
        Self::default()
    }

    /// While `true`, every delivery fails with [`Error::Notify`].
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Everything delivered so far, in order.
    pub fn delivered(&self) -> Vec<Delivered> {
        self.lock().clone()
    }

    /// Removes and returns everything delivered so far.
    pub fn take(&self) -> Vec<Delivered> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Delivered>> {
        // A panic elsewhere cannot leave a Vec half-pushed; keep recording.
        self.delivered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<()> {
        let notification = delivery.notification();
        if self.failing.load(Ordering::SeqCst) {
            return Err(Error::notify_msg(format!(
                "recording notifier set to fail ({})",
                notification.idempotency_key
            )));
        }
        let message = delivery.message()?;
        self.lock().push(Delivered {
            notification: notification.clone(),
            message,
        });
        Ok(())
    }
}
