//! Which notifications an event causes: a pure function of the event, the
//! ticket right after it and a little context, so every command, the
//! router, the SLA clock and escalation notify the same way, and tests can
//! check it.

use std::fmt::Write as _;

use super::{Facts, Notification, NotificationKind, Promise, Recipient};
use crate::id::NotificationId;
use crate::ticket::{
    EventActor, EventKind, Lifecycle, LinkKind, StatusCategory, Ticket, TicketEvent,
};

/// What the planner knows beyond the ticket and its event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlanContext<'a> {
    pub(crate) lifecycle: &'a Lifecycle,
    /// The first-response promise for a new ticket's acknowledgment.
    pub(crate) first_response: Option<Promise>,
    /// Where instants are shown: the SLA calendar's zone.
    pub(crate) time_zone: chrono_tz::Tz,
}

/// The notifications `event` causes, given `ticket` as it is after the
/// command (one command never changes who the requester is or the
/// reference, so the final snapshot serves every event's plan).
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
    // Staff who hold the ticket: its assignee, else its queue.
    let holder = || match (ticket.assignee, &ticket.group) {
        (Some(id), _) => Some(Recipient::Agent { id }),
        (None, Some(g)) => Some(Recipient::Group { id: g.clone() }),
        (None, None) => None,
    };
    // Built per notification: most events (and most SLA records on
    // unassigned tickets) notify nobody.
    let facts = || Facts {
        time_zone: ctx.time_zone,
        ..Facts::about(ticket, event.actor)
    };
    let mut out: Vec<(Recipient, NotificationKind, Facts)> = Vec::new();
    match &event.kind {
        EventKind::Created(c) => {
            let follow_up = c.links.iter().any(|l| l.kind == LinkKind::FollowUpOf);
            let kind = if follow_up {
                NotificationKind::FollowUpOpened
            } else {
                NotificationKind::Acknowledged
            };
            // Acknowledge to the requester even when staff opened it for them (phone, walk-in).
            out.push((
                requester(),
                kind,
                Facts {
                    first_response: ctx.first_response,
                    ..facts()
                },
            ));
            if let Some(g) = &c.group {
                out.push((
                    Recipient::Group { id: g.clone() },
                    NotificationKind::Queued,
                    facts(),
                ));
            }
            if let Some(a) = c.assignee {
                out.push((
                    Recipient::Agent { id: a },
                    NotificationKind::Assigned,
                    facts(),
                ));
            }
        }
        EventKind::CustomerMessage { body, .. } => {
            if let Some(to) = holder() {
                out.push((
                    to,
                    NotificationKind::CustomerMessage,
                    Facts {
                        body: Some(body.clone()),
                        ..facts()
                    },
                ));
            }
        }
        EventKind::Reply { body } => out.push((
            requester(),
            NotificationKind::AgentReplied,
            Facts {
                body: Some(body.clone()),
                ..facts()
            },
        )),
        EventKind::StatusChanged { from, to, .. } => {
            let cat = |s| ctx.lifecycle.category(s);
            let (before, after) = (cat(from), cat(to));
            // Customers care about "done", "reopened" and "waiting on you",
            // not internal shuffles. An automatic move (a customer message
            // reopening, a reply opening) is news only through the message
            // that caused it.
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
                    .map_or_else(|| to.to_string(), |d| d.label.clone());
                out.push((
                    requester(),
                    NotificationKind::StatusChanged,
                    Facts {
                        status: Some(label),
                        status_category: after,
                        ..facts()
                    },
                ));
            }
        }
        EventKind::Assigned { to: Some(a), .. } => {
            out.push((
                Recipient::Agent { id: *a },
                NotificationKind::Assigned,
                facts(),
            ));
        }
        EventKind::GroupChanged { to: Some(g), .. } => out.push((
            Recipient::Group { id: g.clone() },
            NotificationKind::Queued,
            facts(),
        )),
        EventKind::Routed {
            group, assignee, ..
        } => {
            if let Some(a) = assignee {
                out.push((
                    Recipient::Agent { id: *a },
                    NotificationKind::Assigned,
                    facts(),
                ));
            } else if let Some(g) = group {
                out.push((
                    Recipient::Group { id: g.clone() },
                    NotificationKind::Queued,
                    facts(),
                ));
            }
        }
        EventKind::MergedInto { .. } => {
            out.push((requester(), NotificationKind::Merged, facts()));
        }
        EventKind::SlaWarning { metric, due, .. } | EventKind::SlaBreached { metric, due, .. } => {
            let kind = if matches!(event.kind, EventKind::SlaWarning { .. }) {
                NotificationKind::SlaWarning
            } else {
                NotificationKind::SlaBreached
            };
            if let Some(to) = holder() {
                out.push((
                    to,
                    kind,
                    Facts {
                        metric: Some(*metric),
                        due: Some(*due),
                        ..facts()
                    },
                ));
            }
        }
        EventKind::Escalated {
            level,
            actions,
            notified,
            reason,
            due,
            ..
        } => {
            for to in notified {
                out.push((
                    to.clone(),
                    NotificationKind::Escalated,
                    Facts {
                        level: Some(level.clone()),
                        reason: Some(reason.clone()),
                        due: *due,
                        actions: actions.clone(),
                        ..facts()
                    },
                ));
            }
        }
        _ => {}
    }
    // Never tell people about what they just did themselves; the
    // acknowledgment is the exception, as it carries the reference.
    out.retain(|(to, kind, _)| {
        let own = match (to, event.actor) {
            (Recipient::Requester { id, .. }, EventActor::Requester(a)) => *id == a,
            (Recipient::Agent { id }, EventActor::Agent(a)) => *id == a,
            _ => false,
        };
        !own || matches!(
            kind,
            NotificationKind::Acknowledged | NotificationKind::FollowUpOpened
        )
    });
    out.into_iter()
        .map(|(recipient, kind, facts)| {
            // What the requester's message is worded and timed by.
            let facts = if matches!(recipient, Recipient::Requester { .. }) {
                let r = &ticket.requester;
                Facts {
                    time_zone: r.time_zone.unwrap_or(facts.time_zone),
                    locale: r.locale.clone(),
                    recipient_name: Some(r.name.clone()),
                    ..facts
                }
            } else {
                facts
            };
            (recipient, kind, facts)
        })
        .map(|(recipient, kind, facts)| Notification {
            id: NotificationId::new(),
            idempotency_key: idempotency_key(ticket, event.seq, kind, &recipient),
            ticket_id: ticket.id,
            ticket_ref: ticket.reference,
            recipient,
            kind,
            facts,
            created_at: event.at,
        })
        .collect()
}

/// The survey invitation a `SurveySent` event sends the requester, with
/// its link (signed by the desk, which holds the key).
pub(crate) fn survey_invitation(
    ticket: &Ticket,
    event: &TicketEvent,
    link: super::SurveyLink,
    time_zone: chrono_tz::Tz,
) -> Notification {
    let recipient = Recipient::Requester {
        id: ticket.requester.id,
        email: ticket.requester.email.clone(),
    };
    let kind = NotificationKind::SurveyInvitation;
    Notification {
        id: NotificationId::new(),
        idempotency_key: idempotency_key(ticket, event.seq, kind, &recipient),
        ticket_id: ticket.id,
        ticket_ref: ticket.reference,
        recipient,
        kind,
        facts: Facts {
            time_zone,
            survey: Some(link),
            ..Facts::about(ticket, event.actor)
        },
        created_at: event.at,
    }
}

/// `{ticket}:{seq}:{kind}:{role}/{recipient}`, stable across retries and processes.
///
/// The ids are written with uuid's own encoder rather than through
/// `format!`: a key is made for every notification of every command, and
/// through the formatting machinery it cost 2.8k instructions, the dearest
/// single step of a command (figures in the commit that made this change).
fn idempotency_key(
    ticket: &Ticket,
    seq: u64,
    kind: NotificationKind,
    recipient: &Recipient,
) -> String {
    let mut buf = uuid::Uuid::encode_buffer();
    let mut key = String::with_capacity(120);
    key.push_str(ticket.id.as_uuid().hyphenated().encode_lower(&mut buf));
    key.push(':');
    // Into the key itself: `seq.to_string()` allocated a string per key.
    let _ = write!(key, "{seq}");
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
