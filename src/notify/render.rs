//! Turning a notification's facts into the words a person reads.

use std::fmt;

use chrono::{DateTime, Utc};

use super::{Facts, Notification, NotificationKind, Promise, Recipient};
use crate::error::Result;
use crate::ticket::Metric;

/// A rendered notification: what a transport sends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// The subject line, e.g. `[#1042] Printer down`.
    pub subject: String,
    /// The plain text body.
    pub text: String,
    /// An HTML body, when the renderer makes one.
    pub html: Option<String>,
}

impl Message {
    /// A plain text message.
    pub fn text(subject: impl Into<String>, text: impl Into<String>) -> Self {
        Message {
            subject: subject.into(),
            text: text.into(),
            html: None,
        }
    }
}

/// Words a notification. The desk renders each notification right before
/// handing it to the [`Notifier`](super::Notifier), so wording can change
/// (or be translated) without touching stored notifications.
pub trait Render: Send + Sync + fmt::Debug {
    /// The message for `notification`. An error keeps the notification in
    /// the outbox, as a failed delivery does.
    fn render(&self, notification: &Notification) -> Result<Message>;
}

/// The built-in English wording.
///
/// ```
/// use helpdesk::notify::{EnglishRenderer, Render};
/// # let n = helpdesk::doc_support::example_notification();
/// let m = EnglishRenderer.render(&n)?;
/// assert_eq!(m.subject, "[#1042] Printer down");
/// assert!(m.text.starts_with("We received your request."));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct EnglishRenderer;

impl Render for EnglishRenderer {
    fn render(&self, n: &Notification) -> Result<Message> {
        let f = &n.facts;
        let r = n.ticket_ref;
        let subj = &f.subject;
        let body = f.body.as_deref().unwrap_or_default();
        let (subject, text) = match n.kind {
            NotificationKind::Acknowledged => (
                format!("[{r}] {subj}"),
                format!(
                    "We received your request. Its reference is {r}; please quote it in any reply.{}",
                    expectation(f)
                ),
            ),
            NotificationKind::FollowUpOpened => (
                format!("[{r}] {subj}"),
                format!(
                    "Your message was about a ticket that is already closed, so we opened this \
                     follow-up. Its reference is {r}; please quote it in any reply.{}",
                    expectation(f)
                ),
            ),
            NotificationKind::AgentReplied => (format!("[{r}] {subj}"), body.to_owned()),
            NotificationKind::StatusChanged => {
                let label = f.status.as_deref().unwrap_or("updated");
                (
                    format!("[{r}] Status: {label}"),
                    format!("Your ticket {r} \"{subj}\" is now {label}."),
                )
            }
            NotificationKind::CustomerMessage => {
                (format!("[{r}] Customer wrote: {subj}"), body.to_owned())
            }
            NotificationKind::Assigned => (
                format!("[{r}] Assigned to you: {subj}"),
                format!("Ticket {r} ({}) was assigned to you.", f.priority),
            ),
            NotificationKind::Queued => (
                format!("[{r}] New in your queue: {subj}"),
                format!("Ticket {r} ({}) is in your queue.", f.priority),
            ),
            NotificationKind::Merged => (
                format!("[{r}] Merged: {subj}"),
                format!(
                    "Your ticket {r} duplicates another request and was merged into it; \
                     we will keep you posted there."
                ),
            ),
            // A periodic update due is a reminder to tell the customer
            // where things stand, and reads like one.
            NotificationKind::SlaWarning | NotificationKind::SlaBreached
                if f.metric == Some(Metric::PeriodicUpdate) =>
            {
                let due = f.due.map(|d| local(d, f.time_zone)).unwrap_or_default();
                if n.kind == NotificationKind::SlaWarning {
                    (
                        format!("[{r}] Customer update due soon: {subj}"),
                        format!(
                            "The customer of ticket {r} \"{subj}\" is due a progress update by \
                             {due}; please let them know where things stand."
                        ),
                    )
                } else {
                    (
                        format!("[{r}] Customer update overdue: {subj}"),
                        format!(
                            "The customer of ticket {r} \"{subj}\" was due a progress update at \
                             {due}; please let them know where things stand."
                        ),
                    )
                }
            }
            NotificationKind::SlaWarning | NotificationKind::SlaBreached => {
                let what = if n.kind == NotificationKind::SlaWarning {
                    "is due soon"
                } else {
                    "missed its target"
                };
                let label = f.metric.map_or("SLA target", |m| m.label());
                let due = f.due.map(|d| local(d, f.time_zone)).unwrap_or_default();
                (
                    format!("[{r}] SLA: {label} {what} ({due})"),
                    format!(
                        "The {label} of ticket {r} \"{subj}\" ({}) {what}: due {due}.",
                        f.priority
                    ),
                )
            }
            NotificationKind::Escalated => {
                let text = if matches!(n.recipient, Recipient::Requester { .. }) {
                    format!(
                        "Your ticket {r} \"{subj}\" has been escalated; we are giving it extra attention."
                    )
                } else {
                    let due = f
                        .due
                        .map(|d| format!(" (due {})", local(d, f.time_zone)))
                        .unwrap_or_default();
                    let mut t = format!(
                        "Ticket {r} ({}) was escalated ({}): {}{due}.",
                        f.priority,
                        f.level.as_deref().unwrap_or("escalation"),
                        f.reason.as_deref().unwrap_or("no reason given"),
                    );
                    for a in &f.actions {
                        t.push('\n');
                        t.push_str(a);
                    }
                    t
                };
                (format!("[{r}] Escalated: {subj}"), text)
            }
            NotificationKind::UpdateDue => (
                format!("[{r}] Customer update due: {subj}"),
                format!(
                    "The customer of {r} is due an update; please let them know where things stand."
                ),
            ),
            NotificationKind::SurveyInvitation => {
                let (link, until) = f
                    .survey
                    .as_ref()
                    .map_or((String::new(), String::new()), |s| {
                        (
                            s.url.clone().unwrap_or_else(|| s.token.clone()),
                            local(s.expires_at, f.time_zone),
                        )
                    });
                (
                    format!("[{r}] How did we do? {subj}"),
                    format!(
                        "Your ticket {r} \"{subj}\" was resolved. Please tell us how we did: \
                         {link}\nThe survey is open until {until}."
                    ),
                )
            }
        };
        Ok(Message::text(subject, text))
    }
}

/// "\nYou can expect a first response within 4 business hours, by Mon
/// 2026-03-09 10:00 EDT." when the acknowledgment carries a promise.
fn expectation(f: &Facts) -> String {
    let Some(p) = f.first_response else {
        return String::new();
    };
    format!(
        "\nYou can expect a first response {}.",
        promise_words(&p, f.time_zone)
    )
}

/// A promise in words: `within 4 business hours, by Mon 2026-03-09 10:00 EDT`.
pub(crate) fn promise_words(p: &Promise, tz: chrono_tz::Tz) -> String {
    let business = if p.business_hours { "business " } else { "" };
    let secs = p.target.as_secs();
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    let amount = match (secs % 3600, secs % 60) {
        (0, _) => plural(secs / 3600, &format!("{business}hour")),
        (_, 0) => plural(secs / 60, &format!("{business}minute")),
        _ => format!("{} of {business}time", p.target),
    };
    format!("within {amount}, by {}", local(p.due, tz))
}

/// An instant as people at the desk read it, e.g. `Mon 2026-03-09 10:00 EDT`.
pub(crate) fn local(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}
