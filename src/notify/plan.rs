//! Which notifications an event causes: a pure function of the event and the
//! ticket, so every command notifies the same way and tests can check it.

use super::{Notification, NotificationKind, Recipient};
use crate::id::{NotificationId, TicketRef};
use crate::priority::Priority;
use crate::text::text;
use crate::ticket::{
    EventActor, EventKind, Lifecycle, LinkKind, StatusCategory, Ticket, TicketEvent,
};

/// What the planner knows beyond the ticket and its event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlanContext<'a> {
    pub(crate) lifecycle: &'a Lifecycle,
    /// The requester-facing promise for the first response, e.g. "within 4 business hours (by ...)".
    pub(crate) first_response: Option<&'a str>,
}

/// The notifications `event` causes, given `ticket` as it is right after it.
pub(crate) fn plan(
    ticket: &Ticket,
    event: &TicketEvent,
    ctx: PlanContext<'_>,
) -> Vec<Notification> {
    // Built only for the events that notify the requester.
    let requester = || Recipient::Requester {
        id: ticket.requester.id,
        email: ticket.requester.email.clone(),
    };
    let r = ticket.reference;
    let subj = &ticket.subject;
    let mut out = Vec::new();
    let mut push = |to: Recipient, kind: NotificationKind, subject: String, body: String| {
        out.push(notification(ticket, event, to, kind, subject, body));
    };
    match &event.kind {
        EventKind::Created(c) => {
            let follow_up = c.links.iter().find(|l| l.kind == LinkKind::FollowUpOf);
            let (kind, intro) = match follow_up {
                Some(_) => (
                    NotificationKind::FollowUpOpened,
                    "Your message was about a ticket that is already closed, so we opened this follow-up",
                ),
                None => (NotificationKind::Acknowledged, "We received your request"),
            };
            let (expect, promise, end) = match ctx.first_response {
                Some(p) => ("\nYou can expect a first response ", p, "."),
                None => ("", "", ""),
            };
            // Acknowledge to the requester even when an agent opened it for them (phone, walk-in).
            push(
                requester(),
                kind,
                subject_line(r, "", subj),
                text(&[
                    &intro,
                    &". Its reference is ",
                    &r,
                    &"; please quote it in any reply.",
                    &expect,
                    &promise,
                    &end,
                ]),
            );
            if let Some(g) = &c.group {
                push(
                    Recipient::Group { id: g.clone() },
                    NotificationKind::Queued,
                    subject_line(r, "New ticket: ", subj),
                    ticket_line(r, c.priority, "is in your queue."),
                );
            }
            if let Some(a) = c.assignee {
                push(
                    Recipient::Agent { id: a },
                    NotificationKind::Assigned,
                    subject_line(r, "Assigned to you: ", subj),
                    ticket_line(r, c.priority, "was assigned to you."),
                );
            }
        }
        EventKind::CustomerMessage { body, .. } => {
            let to = match (ticket.assignee, &ticket.group) {
                (Some(a), _) => Some(Recipient::Agent { id: a }),
                (None, Some(g)) => Some(Recipient::Group { id: g.clone() }),
                (None, None) => None,
            };
            if let Some(to) = to {
                push(
                    to,
                    NotificationKind::CustomerMessage,
                    subject_line(r, "Customer wrote: ", subj),
                    body.clone(),
                );
            }
        }
        EventKind::Reply { body } => {
            push(
                requester(),
                NotificationKind::AgentReplied,
                subject_line(r, "", subj),
                body.clone(),
            );
        }
        EventKind::StatusChanged { from, to, .. } => {
            let cat = |s| ctx.lifecycle.category(s);
            let (before, after) = (cat(from), cat(to));
            // Customers care about "done", "reopened" and "waiting on you", not internal shuffles.
            // An automatic move (a customer message reopening, a reply opening)
            // is news only through the message that caused it.
            let automatic = event.actor == EventActor::System
                && [
                    &ctx.lifecycle.on_customer_message,
                    &ctx.lifecycle.on_agent_reply,
                ]
                .iter()
                .any(|m| m.get(from) == Some(to));
            let cares = !automatic
                && before != after
                && matches!(
                    after,
                    Some(StatusCategory::Done | StatusCategory::Paused | StatusCategory::Active)
                );
            if cares {
                let label = ctx
                    .lifecycle
                    .def(to)
                    .map_or(to.as_str(), |d| d.label.as_str());
                push(
                    requester(),
                    NotificationKind::StatusChanged,
                    text(&[&"[", &r, &"] Status: ", &label]),
                    text(&[
                        &"Your ticket ",
                        &r,
                        &" \"",
                        subj,
                        &"\" is now ",
                        &label,
                        &".",
                    ]),
                );
            }
        }
        EventKind::Assigned { to: Some(a), .. } => {
            push(
                Recipient::Agent { id: *a },
                NotificationKind::Assigned,
                subject_line(r, "Assigned to you: ", subj),
                ticket_line(r, ticket.priority, "was assigned to you."),
            );
        }
        EventKind::GroupChanged { to: Some(g), .. } => {
            push(
                Recipient::Group { id: g.clone() },
                NotificationKind::Queued,
                subject_line(r, "New in your queue: ", subj),
                ticket_line(r, ticket.priority, "was moved to your group."),
            );
        }
        EventKind::MergedInto { .. } => {
            push(
                requester(),
                NotificationKind::Merged,
                subject_line(r, "Merged: ", subj),
                text(&[
                    &"Your ticket ",
                    &r,
                    &" duplicates another request and was merged into it; we will keep you posted there.",
                ]),
            );
        }
        _ => {}
    }
    // Never tell people about what they just did themselves; the
    // acknowledgment is the exception, as it carries the reference.
    out.retain(|n| {
        let own = match (&n.recipient, event.actor) {
            (Recipient::Requester { id, .. }, EventActor::Requester(a)) => *id == a,
            (Recipient::Agent { id }, EventActor::Agent(a)) => *id == a,
            _ => false,
        };
        !own || matches!(
            n.kind,
            NotificationKind::Acknowledged | NotificationKind::FollowUpOpened
        )
    });
    out
}

/// A notification's subject line: `[#1042] {what}{subject}`.
pub(crate) fn subject_line(r: TicketRef, what: &str, subject: &str) -> String {
    text(&[&"[", &r, &"] ", &what, &subject])
}

/// The staff notifications' one-liner: `Ticket #1042 (high) {what}`.
pub(crate) fn ticket_line(r: TicketRef, priority: Priority, what: &str) -> String {
    text(&[&"Ticket ", &r, &" (", &priority, &") ", &what])
}

/// One notification about `event`, with its idempotency key.
pub(crate) fn notification(
    ticket: &Ticket,
    event: &TicketEvent,
    recipient: Recipient,
    kind: NotificationKind,
    subject: String,
    body: String,
) -> Notification {
    Notification {
        id: NotificationId::new(),
        idempotency_key: idempotency_key(ticket, event.seq, kind, &recipient),
        ticket_id: ticket.id,
        ticket_ref: ticket.reference,
        recipient,
        kind,
        subject,
        body,
        created_at: event.at,
    }
}

/// `{ticket}:{seq}:{kind}:{recipient}`, stable across retries and processes.
/// Built by hand: it is made for every notification of every command, and
/// the formatting machinery cost more than the rest of the notification.
fn idempotency_key(
    ticket: &Ticket,
    seq: u64,
    kind: NotificationKind,
    recipient: &Recipient,
) -> String {
    let mut buf = uuid::Uuid::encode_buffer();
    let mut key = String::with_capacity(128);
    key.push_str(ticket.id.as_uuid().hyphenated().encode_lower(&mut buf));
    key.push(':');
    crate::text::Piece::push_to(&seq, &mut key);
    key.push(':');
    key.push_str(kind.as_str());
    key.push(':');
    let (role, id) = match recipient {
        Recipient::Requester { id, .. } => (
            "requester/",
            id.as_uuid().hyphenated().encode_lower(&mut buf) as &str,
        ),
        Recipient::Agent { id } => (
            "agent/",
            id.as_uuid().hyphenated().encode_lower(&mut buf) as &str,
        ),
        Recipient::Group { id } => ("group/", id.as_str()),
        Recipient::Address { address } => ("address/", address.as_str()),
    };
    key.push_str(role);
    key.push_str(id);
    key
}
