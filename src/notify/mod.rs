//! Notifications as data, their rendering, and the [`Notifier`] port.
//!
//! Commands never talk to the outside world directly: the events they
//! record cause [`Notification`]s, planned in one place (which event tells
//! whom) and put into the store's outbox in the same atomic write as the
//! ticket change. A notification is data: its kind, its recipient and the
//! [`Facts`] it needs (the reference, the subject, the new status, the due,
//! the escalation level...), never finished text. Text is made at delivery
//! by a [`Render`]er ([`EnglishRenderer`] by default), so the command path
//! builds no text and a message can be worded per locale.
//!
//! The desk then hands each notification to your [`Notifier`] as a
//! [`Delivery`], which renders it into a [`Message`] when the transport
//! asks ([`Delivery::message`]): a webhook that posts the facts as JSON
//! never pays for wording. A notifier that fails leaves the notification
//! in the outbox, and
//! [`HelpDesk::dispatch_pending`](crate::HelpDesk::dispatch_pending) retries
//! it later with backoff. Each notification carries an idempotency key, so a
//! transport that may see a retry twice can drop the duplicate.
//!
//! # Writing a notifier
//!
//! A notifier is an `#[async_trait]` (re-exported as
//! [`helpdesk::async_trait`](crate::async_trait)); a transport failure is an
//! [`Error::notify`](crate::Error::notify) carrying your own error:
//!
//! ```
//! use helpdesk::notify::{Delivery, Notifier};
//! use helpdesk::{async_trait, Error, Result};
//!
//! /// Posts every notification to a chat channel.
//! #[derive(Debug)]
//! struct ChatNotifier {
//!     channel: String,
//! }
//!
//! #[async_trait]
//! impl Notifier for ChatNotifier {
//!     async fn deliver(&self, delivery: &Delivery<'_>) -> Result<()> {
//!         let message = delivery.message()?; // the words, in the recipient's language
//!         let line = format!("{} {}: {}", self.channel, delivery.notification().ticket_ref, message.subject);
//!         post(&line).map_err(|e| Error::notify("posting to the chat channel", e))
//!     }
//! }
//! # fn post(_: &str) -> std::io::Result<()> { Ok(()) }
//! # let _ = ChatNotifier { channel: "#support".into() };
//! ```

pub(crate) mod plan;
mod recording;
mod render;
#[cfg(feature = "smtp")]
#[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
pub mod smtp;
pub mod template;
pub mod thread;
#[cfg(feature = "webhooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhooks")))]
pub mod webhook;

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::BusinessDuration;
use crate::error::Result;
use crate::id::{NotificationId, TicketId, TicketRef};
use crate::priority::Priority;
pub use crate::ticket::Recipient;
use crate::ticket::{EventActor, Metric, StatusCategory};

pub use recording::{Delivered, RecordingNotifier};
pub use render::{EnglishRenderer, Message, Render};
pub use template::{TemplateError, TemplateRenderer, TemplateRendererBuilder};

/// Delivers notifications (email, chat, webhook, ...).
///
/// Return `Ok` only once the message is safely handed over; an error keeps
/// the notification in the outbox for a retry. See the [module docs](self)
/// for an example.
#[async_trait]
pub trait Notifier: Send + Sync + fmt::Debug {
    /// Delivers one notification.
    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<()>;
}

/// One notification on its way out: its data, and its words on demand.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    notification: &'a Notification,
    renderer: &'a dyn Render,
}

impl<'a> Delivery<'a> {
    /// A delivery of `notification`, worded by `renderer` when asked.
    pub fn new(notification: &'a Notification, renderer: &'a dyn Render) -> Self {
        Delivery {
            notification,
            renderer,
        }
    }

    /// The notification: its kind, recipient and facts.
    pub fn notification(&self) -> &'a Notification {
        self.notification
    }

    /// The notification rendered for a person to read. Rendered on each
    /// call: a transport that does not show text (a webhook posting the
    /// facts) does not pay for it. An error fails the delivery, which is
    /// retried like a transport failure.
    pub fn message(&self) -> Result<Message> {
        self.renderer.render(self.notification)
    }
}

/// One notification to one recipient about one ticket: data, rendered into
/// a [`Message`] at delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// What the message needs to say.
    pub facts: Facts,
    /// When it was created (the instant of the event that caused it).
    pub created_at: DateTime<Utc>,
}

/// What a notification's message needs to say; which parts are set depends
/// on its [`NotificationKind`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Facts {
    /// The ticket's subject.
    pub subject: String,
    /// The ticket's priority.
    pub priority: Priority,
    /// Who caused it.
    pub actor: EventActor,
    /// The text of a reply or customer message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// A new status's label ([`NotificationKind::StatusChanged`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A new status's category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_category: Option<StatusCategory>,
    /// The first-response promise an acknowledgment makes, when an SLA sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<Promise>,
    /// The SLA metric of a warning or breach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    /// The due of an SLA warning or breach, or of the escalation level that fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<Utc>>,
    /// The escalation level that fired (`manual` for an escalation by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Why it was escalated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the escalation did, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// The time zone instants are shown in: the requester's own for a
    /// notification to them, else the SLA calendar's, else UTC.
    #[serde(default = "utc")]
    pub time_zone: chrono_tz::Tz,
    /// The language the recipient reads, when known (a requester's
    /// [`Requester::locale`](crate::Requester::locale)); the renderer falls
    /// back to the desk's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<crate::Locale>,
    /// The recipient's name, for the greeting (a requester's display name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_name: Option<String>,
    /// A survey invitation's link ([`NotificationKind::SurveyInvitation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<SurveyLink>,
}

/// What a survey invitation links to: the signed token (and the link,
/// when the desk's survey policy names the survey page), and until when it
/// is answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SurveyLink {
    /// The resolution cycle asked about.
    pub cycle: u32,
    /// The token to pass to [`HelpDesk::rate`](crate::HelpDesk::rate).
    pub token: String,
    /// The survey page with the token in its query, when configured
    /// ([`SurveyPolicy::link_url`](crate::survey::SurveyPolicy::link_url)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When the token stops being accepted.
    pub expires_at: DateTime<Utc>,
}

impl Facts {
    /// The facts every notification about `ticket` carries (its subject and
    /// priority) for an event by `actor`; the kind-specific parts are unset.
    pub fn about(ticket: &crate::Ticket, actor: EventActor) -> Self {
        Facts {
            subject: ticket.subject.clone(),
            priority: ticket.priority,
            actor,
            body: None,
            status: None,
            status_category: None,
            first_response: None,
            metric: None,
            due: None,
            level: None,
            reason: None,
            actions: Vec::new(),
            time_zone: chrono_tz::Tz::UTC,
            locale: None,
            recipient_name: None,
            survey: None,
        }
    }
}

fn utc() -> chrono_tz::Tz {
    chrono_tz::Tz::UTC
}

/// The first response an acknowledgment promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Promise {
    /// The target, e.g. 4 hours.
    pub target: BusinessDuration,
    /// When it is due.
    pub due: DateTime<Utc>,
    /// Whether the target counts business hours only (`false`: around the clock).
    pub business_hours: bool,
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
    /// To the assignee: the customer is due a progress update. Sent by
    /// versions before 0.2; a `periodic_update` SLA metric and an escalation
    /// level on it do this now.
    UpdateDue,
    /// To the requester: how did we do? A satisfaction survey, with its link.
    SurveyInvitation,
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
            NotificationKind::SurveyInvitation => "survey_invitation",
        }
    }
}

impl NotificationKind {
    /// Every kind, in declaration order.
    pub const ALL: [NotificationKind; 13] = [
        NotificationKind::Acknowledged,
        NotificationKind::AgentReplied,
        NotificationKind::StatusChanged,
        NotificationKind::CustomerMessage,
        NotificationKind::Assigned,
        NotificationKind::Queued,
        NotificationKind::FollowUpOpened,
        NotificationKind::Merged,
        NotificationKind::SlaWarning,
        NotificationKind::SlaBreached,
        NotificationKind::Escalated,
        NotificationKind::UpdateDue,
        NotificationKind::SurveyInvitation,
    ];
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
            SurveyInvitation,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
