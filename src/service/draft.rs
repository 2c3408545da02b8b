//! A command's work in progress: the ticket snapshot plus the events recorded
//! so far. Recording an event applies it at once, so later steps of the same
//! command see its effect, and the snapshot is by construction the fold of
//! the events.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::id::EventId;
use crate::store::TicketWrite;
use crate::ticket::{EventActor, EventKind, StatusId, Ticket, TicketEvent};

/// An escalation deadline planned for a draft: `None` when nothing is left to fire.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Planned(pub(crate) Option<DateTime<Utc>>);

#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) ticket: Ticket,
    pub(crate) base_version: Option<u64>,
    pub(crate) events: Vec<TicketEvent>,
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor: EventActor,
    /// The escalation deadline `run_due` planned for the ticket at this
    /// version, so the commit's derive step need not plan it again (see
    /// `due.rs`). Keyed by the version: any event recorded since (an SLA
    /// event in derive, say) makes it stale.
    pub(crate) escalation_next: Option<(u64, Option<DateTime<Utc>>)>,
    /// The stored timeline up to `base_version`, once somebody has read it
    /// (`run_due` does, and the commit's derive step needs it), so that one
    /// command reads it from the store at most once.
    pub(crate) stored: Option<Arc<Vec<TicketEvent>>>,
}

impl Draft {
    /// A draft on an existing ticket.
    pub(crate) fn on(ticket: Ticket, at: DateTime<Utc>, actor: EventActor) -> Self {
        let base = Some(ticket.version);
        Draft {
            ticket,
            base_version: base,
            events: Vec::new(),
            at,
            actor,
            escalation_next: None,
            stored: None,
        }
    }

    /// A draft of a new ticket: `ticket` must equal `Ticket::created(&created)`.
    pub(crate) fn created(ticket: Ticket, created: TicketEvent) -> Self {
        debug_assert_eq!(Ticket::created(&created).ok().as_ref(), Some(&ticket));
        Draft {
            ticket,
            base_version: None,
            at: created.at,
            actor: created.actor,
            events: vec![created],
            escalation_next: None,
            stored: None,
        }
    }

    /// Records an event by the command's actor.
    pub(crate) fn record(&mut self, kind: EventKind) -> Result<()> {
        self.record_as(self.actor, kind)
    }

    /// Records an event by another actor (the system's automatic moves).
    pub(crate) fn record_as(&mut self, actor: EventActor, kind: EventKind) -> Result<()> {
        let event = TicketEvent {
            id: EventId::at(self.at),
            ticket_id: self.ticket.id,
            seq: self.ticket.version + 1,
            at: self.at,
            actor,
            kind,
        };
        self.ticket.apply(&event)?;
        self.events.push(event);
        Ok(())
    }

    /// The lifecycle's automatic move from the current status, if `table`
    /// has one, recorded as the system's with `reason`.
    pub(crate) fn auto_move(
        &mut self,
        table: &BTreeMap<StatusId, StatusId>,
        reason: &str,
    ) -> Result<()> {
        let Some(to) = table.get(&self.ticket.status).cloned() else {
            return Ok(());
        };
        let from = self.ticket.status.clone();
        self.record_as(
            EventActor::System,
            EventKind::StatusChanged {
                from,
                to,
                reason: Some(reason.to_owned()),
            },
        )
    }

    /// The escalation deadline `run_due` planned, if it is still for the
    /// ticket's current version.
    pub(crate) fn planned_deadline(&self) -> Option<Planned> {
        self.escalation_next
            .filter(|(version, _)| *version == self.ticket.version)
            .map(|(_, next)| Planned(next))
    }

    pub(crate) fn is_changed(&self) -> bool {
        !self.events.is_empty()
    }

    pub(crate) fn into_write(self, next_deadline: Option<DateTime<Utc>>) -> TicketWrite {
        TicketWrite {
            ticket: self.ticket,
            events: self.events,
            expected_version: self.base_version,
            next_deadline,
        }
    }
}
