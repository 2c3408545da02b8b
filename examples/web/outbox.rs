//! The demo's notifier: instead of sending mail, it keeps the latest
//! delivered notifications, rendered, for the on-page outbox view. (Your app
//! plugs an SMTP or webhook `Notifier` in here.)

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use helpdesk::notify::{Delivery, Notifier};
use helpdesk::routing::RoutingConfig;
use helpdesk::{Recipient, Result, async_trait};
use serde::Serialize;

/// How many delivered notifications the view keeps.
const KEEP: usize = 200;

/// One delivered notification, as the outbox view shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Sent {
    pub(crate) ticket: String,
    pub(crate) kind: String,
    pub(crate) recipient: String,
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) created_at: DateTime<Utc>,
    /// A survey invitation's page, relative to the demo (`/survey/{token}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) survey_link: Option<String>,
}

/// Keeps the last [`KEEP`] notifications the desk delivered, newest first.
#[derive(Debug, Default)]
pub(crate) struct DemoOutbox {
    sent: Mutex<VecDeque<Sent>>,
    /// Agents' names, so the view says "Ana" rather than a UUID.
    routing: Option<RoutingConfig>,
}

impl DemoOutbox {
    pub(crate) fn new(routing: Option<RoutingConfig>) -> Self {
        DemoOutbox {
            sent: Mutex::default(),
            routing,
        }
    }

    fn recipient(&self, r: &Recipient) -> String {
        if let Recipient::Agent { id } = r
            && let Some(name) = self.routing.as_ref().and_then(|c| c.agent_name(*id))
        {
            return format!("agent {name}");
        }
        r.to_string()
    }

    /// The kept notifications, newest first.
    pub(crate) fn sent(&self) -> Vec<Sent> {
        self.sent
            .lock()
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

#[async_trait]
impl Notifier for DemoOutbox {
    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<()> {
        let n = delivery.notification();
        let message = delivery.message()?;
        let sent = Sent {
            ticket: n.ticket_ref.to_string(),
            kind: n.kind.as_str().to_owned(),
            recipient: self.recipient(&n.recipient),
            subject: message.subject,
            text: message.text,
            created_at: n.created_at,
            survey_link: n
                .facts
                .survey
                .as_ref()
                .map(|s| super::survey::link(&s.token)),
        };
        // A poisoned lock only means another delivery panicked mid-push;
        // the queue itself is still whole.
        let mut q = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        q.push_front(sent);
        q.truncate(KEEP);
        Ok(())
    }
}
