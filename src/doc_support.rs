//! Values for documentation examples and benches: not part of the API.
//!
//! They draw fresh ids, which the pure domain modules must not do, so they
//! live here rather than beside the types they build.

use chrono::{DateTime, Utc};

use crate::classify::Classifier;
use crate::id::{CustomerId, NotificationId, TicketId, TicketRef};
use crate::notify::{Facts, Notification, NotificationKind, Recipient};
use crate::priority::Priority;
use crate::ticket::decide::{Context, open};
use crate::ticket::{
    Channel, EventActor, EventKind, Lifecycle, NewTicket, Requester, StatusId, Ticket, TicketEvent,
};

/// A ticket in status `status`.
pub fn example_ticket(status: &str) -> Ticket {
    let created = open(
        NewTicket::new(
            Requester::new(CustomerId::new(), "Ada"),
            Channel::Portal,
            "Printer down",
            "It shows E-42.",
        ),
        TicketRef(1001),
        Vec::new(),
        &Context::new(
            &Lifecycle::default(),
            &Classifier::default(),
            EventActor::System,
        ),
    )
    .unwrap_or_else(|e| unreachable!("a valid example ticket: {e}"));
    let mut t = Ticket::from_created(TicketId::new(), &created);
    t.status = StatusId::new(status);
    t
}

/// A ticket's `Created` event at `at` (subject "Printer down", medium priority, status new).
pub fn created_event(at: DateTime<Utc>) -> TicketEvent {
    let requester = Requester::new(CustomerId::new(), "Ada");
    let created = open(
        NewTicket::new(
            requester.clone(),
            Channel::Portal,
            "Printer down",
            "It shows E-42.",
        ),
        TicketRef(1),
        Vec::new(),
        &Context::new(
            &Lifecycle::default(),
            &Classifier::default(),
            EventActor::System,
        ),
    )
    .unwrap_or_else(|e| unreachable!("a valid example ticket: {e}"));
    TicketEvent::new(
        TicketId::new(),
        1,
        at,
        EventActor::Requester(requester.id),
        EventKind::Created(Box::new(created)),
    )
}

/// An acknowledgment of ticket `#1042`.
pub fn example_notification() -> Notification {
    Notification {
        id: NotificationId::new(),
        idempotency_key: "example".into(),
        ticket_id: TicketId::new(),
        ticket_ref: TicketRef(1042),
        recipient: Recipient::Address {
            address: "ada@example.com".into(),
        },
        kind: NotificationKind::Acknowledged,
        facts: Facts {
            subject: "Printer down".into(),
            priority: Priority::Medium,
            actor: EventActor::System,
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
        },
        created_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// A ticket's timeline: opened by its requester
/// at `opened`, resolved by an agent at `resolved`.
pub fn doc_resolved_timeline(
    opened: chrono::DateTime<chrono::Utc>,
    resolved: chrono::DateTime<chrono::Utc>,
) -> Vec<crate::TicketEvent> {
    use crate::ticket::{EventActor, EventKind};
    let created = crate::doc_support::created_event(opened);
    let resolution = crate::TicketEvent::new(
        created.ticket_id,
        2,
        resolved,
        EventActor::Agent(crate::AgentId::new()),
        EventKind::StatusChanged {
            from: "new".into(),
            to: "resolved".into(),
            reason: None,
        },
    );
    vec![created, resolution]
}
