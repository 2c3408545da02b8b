use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::derive::Derived;
use crate::error::Result;
use crate::id::{EventId, TicketId};
use crate::store::{Schedule, TicketWrite};
use crate::ticket::decide::NewEvent;
use crate::ticket::{EventActor, EventKind, Ticket, TicketEvent};

/// A ticket being changed by one command: the snapshot as the events
/// recorded so far leave it, and those events, all at the command's instant.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) ticket: Ticket,
    /// The version loaded (`None` for a new ticket).
    pub(crate) base_version: Option<u64>,
    pub(crate) events: Vec<TicketEvent>,
    pub(crate) at: DateTime<Utc>,
    /// The stored timeline up to `base_version`, once somebody has read it
    /// (`run_due` does, and deriving needs it), so that one command reads it
    /// from the store at most once.
    pub(crate) stored: Option<Arc<Vec<TicketEvent>>>,
    /// What was derived for the ticket at the version it holds, so the
    /// commit does not evaluate the SLA again (`run_due` derives before it
    /// decides whether to commit at all).
    pub(crate) derived: Option<(u64, Derived)>,
}

impl Draft {
    /// A draft on an existing ticket.
    pub(crate) fn on(ticket: Ticket, at: DateTime<Utc>) -> Self {
        let base = Some(ticket.version);
        Draft {
            ticket,
            base_version: base,
            events: Vec::new(),
            at,
            stored: None,
            derived: None,
        }
    }

    /// A draft of a new ticket, from its `Created` event.
    pub(crate) fn created(created: TicketEvent) -> Result<Self> {
        Ok(Draft {
            ticket: Ticket::created(&created)?,
            base_version: None,
            at: created.at,
            events: vec![created],
            stored: None,
            derived: None,
        })
    }

    /// Records an event by `actor` (the system's own moves).
    pub(crate) fn record_as(&mut self, actor: EventActor, kind: EventKind) -> Result<()> {
        let event = TicketEvent::new(
            self.ticket.id,
            self.ticket.version + 1,
            self.at,
            actor,
            kind,
        );
        self.ticket.apply(&event)?;
        self.events.push(event);
        Ok(())
    }

    /// Records what a rule decided.
    pub(crate) fn record_all(&mut self, events: Vec<NewEvent>) -> Result<()> {
        for e in events {
            self.record_as(e.actor, e.kind)?;
        }
        Ok(())
    }

    pub(crate) fn is_changed(&self) -> bool {
        !self.events.is_empty()
    }

    /// Keeps what was derived for the ticket as it is now, for the commit.
    pub(crate) fn keep_derived(&mut self, derived: Derived) {
        self.derived = Some((self.ticket.version, derived));
    }

    /// What was kept, if still for the ticket's current version.
    pub(crate) fn take_derived(&mut self) -> Option<Derived> {
        self.derived
            .take()
            .filter(|(v, _)| *v == self.ticket.version)
            .map(|(_, d)| d)
    }

    pub(crate) fn into_write(self, schedule: Schedule) -> TicketWrite {
        TicketWrite::new(self.ticket, self.events, self.base_version).schedule(schedule)
    }
}

// Here rather than beside the type: a fresh id draws random bits, which the
// pure domain modules do not (tests/layering.rs); the desk stamps events.
impl TicketEvent {
    /// An event of `ticket_id` at position `seq`, with a fresh id (UUID v7
    /// carrying `at`).
    pub fn new(
        ticket_id: TicketId,
        seq: u64,
        at: DateTime<Utc>,
        actor: EventActor,
        kind: EventKind,
    ) -> Self {
        TicketEvent {
            id: EventId::at(at),
            ticket_id,
            seq,
            at,
            actor,
            kind,
        }
    }
}

// Here for the same reason: fresh ids are drawn outside the domain.
impl<'a> crate::kb::KbContext<'a> {
    /// A context with freshly drawn ids.
    pub fn new(actor: &'a crate::Actor, now: DateTime<Utc>) -> Self {
        crate::kb::KbContext {
            actor,
            now,
            event_id: EventId::new(),
            article_id: crate::kb::ArticleId::new(),
            categories: None,
        }
    }
}
