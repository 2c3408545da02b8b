//! Notifications and the [`Notifier`] port.
//!
//! Commands never talk to the outside world directly: they put
//! [`Notification`]s into the store's outbox in the same atomic write as the
//! ticket change. The desk then hands them to your [`Notifier`]; one that
//! fails leaves the notification in the outbox, and
//! [`HelpDesk::dispatch_pending`](crate::HelpDesk::dispatch_pending) retries
//! it later with backoff. Each notification carries an idempotency key, so a
//! transport that may see a retry twice can drop the duplicate.

pub(crate) mod plan;
mod recording;

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::{AgentId, CustomerId, GroupId, NotificationId, TicketId, TicketRef};

pub use recording::RecordingNotifier;

/// Delivers notifications (email, chat, webhook, ...).
///
/// Return `Ok` only once the notification is safely handed over; an error
/// keeps it in the outbox for a retry.
#[async_trait]
pub trait Notifier: Send + Sync + fmt::Debug {
    /// Delivers one notification.
    async fn deliver(&self, notification: &Notification) -> Result<()>;
}

/// One message to one recipient about one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// Unique id.
    pub id: NotificationId,
    /// Stable across retries: `"{ticket}:{event seq}:{kind}:{role}/{recipient id}"`,
    /// e.g. `…:3:agent_replied:requester/0190…`.
    pub idempotency_key: String,
    /// The ticket it is about.
    pub ticket_id: TicketId,
    /// The ticket's reference, e.g. `#1042`.
    pub ticket_ref: TicketRef,
    /// Who gets it.
    pub recipient: Recipient,
    /// What it is about.
    pub kind: NotificationKind,
    /// Rendered subject line.
    pub subject: String,
    /// Rendered text.
    pub body: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Who a notification is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Recipient {
    /// The ticket's requester.
    Requester {
        /// Customer id.
        id: CustomerId,
        /// Email address, when known.
        email: Option<String>,
    },
    /// An agent.
    Agent {
        /// Agent id.
        id: AgentId,
    },
    /// Everyone in a group (e.g. the queue that received a ticket).
    Group {
        /// Group id.
        id: GroupId,
    },
    /// A named address (e.g. `noc@example.com`).
    Address {
        /// The address.
        address: String,
    },
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::Requester { email: Some(e), .. } => write!(f, "requester <{e}>"),
            Recipient::Requester { id, .. } => write!(f, "requester {id}"),
            Recipient::Agent { id } => write!(f, "agent {id}"),
            Recipient::Group { id } => write!(f, "group {id}"),
            Recipient::Address { address } => f.write_str(address),
        }
    }
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotificationKind {
    /// To the requester: we got your request, here is its reference.
    Acknowledged,
    /// To the requester: an agent replied.
    AgentReplied,
    /// To the requester: the status changed in a way they care about.
    StatusChanged,
    /// To the assignee (or group): the customer wrote.
    CustomerMessage,
    /// To the new assignee: a ticket was assigned to you.
    Assigned,
    /// To the new group: a ticket was queued with you.
    Queued,
    /// To the requester: your message to a closed ticket opened a follow-up.
    FollowUpOpened,
    /// To the requester: your ticket was merged into another.
    Merged,
    /// An SLA target is close.
    SlaWarning,
    /// An SLA target was missed.
    SlaBreached,
    /// The ticket was escalated.
    Escalated,
    /// To the assignee: the customer is due a progress update.
    UpdateDue,
}

impl NotificationKind {
    /// The stable name used in idempotency keys and serialization, e.g. `agent_replied`.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Acknowledged => "acknowledged",
            NotificationKind::AgentReplied => "agent_replied",
            NotificationKind::StatusChanged => "status_changed",
            NotificationKind::CustomerMessage => "customer_message",
            NotificationKind::Assigned => "assigned",
            NotificationKind::Queued => "queued",
            NotificationKind::FollowUpOpened => "follow_up_opened",
            NotificationKind::Merged => "merged",
            NotificationKind::SlaWarning => "sla_warning",
            NotificationKind::SlaBreached => "sla_breached",
            NotificationKind::Escalated => "escalated",
            NotificationKind::UpdateDue => "update_due",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::NotificationKind;

    #[test]
    fn kind_names_match_serde() {
        use NotificationKind::*;
        for k in [
            Acknowledged,
            AgentReplied,
            StatusChanged,
            CustomerMessage,
            Assigned,
            Queued,
            FollowUpOpened,
            Merged,
            SlaWarning,
            SlaBreached,
            Escalated,
            UpdateDue,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
