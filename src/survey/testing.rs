//! Timelines for the unit tests of `survey` and `report`.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::BusinessCalendar;
use crate::id::{AgentId, CustomerId, GroupId, TicketId};
use crate::priority::Priority;
use crate::sla::Metric;
use crate::ticket::{
    Channel, EventActor, EventKind, FieldChange, StatusId, TicketCreated, TicketEvent,
};

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

/// Weekdays 09:00-17:00 UTC.
pub(crate) fn office_calendar() -> BusinessCalendar {
    BusinessCalendar::from_toml(
        "time_zone = \"UTC\"\n[week]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\nwed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\n",
    )
    .expect("a valid calendar")
}

/// A ticket's timeline built event by event.
pub(crate) struct Timeline {
    pub(crate) events: Vec<TicketEvent>,
    pub(crate) ticket: TicketId,
    pub(crate) requester: CustomerId,
    pub(crate) agent: AgentId,
    status: StatusId,
}

impl Timeline {
    /// Opened by its requester through the portal at `opened`, in `new`.
    pub(crate) fn new(opened: DateTime<Utc>) -> Self {
        Timeline::opened(opened, |_| {})
    }

    /// Opened at `opened`, with the `Created` payload adjusted by `edit`.
    pub(crate) fn opened(opened: DateTime<Utc>, edit: impl FnOnce(&mut TicketCreated)) -> Self {
        let mut e = crate::doc_support::created_event(opened);
        let requester = match e.actor {
            EventActor::Requester(id) => id,
            _ => CustomerId::new(),
        };
        let EventKind::Created(c) = &mut e.kind else {
            unreachable!("doc_created_event makes a created event")
        };
        edit(c.as_mut());
        let status = c.status.clone();
        Timeline {
            ticket: e.ticket_id,
            events: vec![e],
            requester,
            agent: AgentId::new(),
            status,
        }
    }

    pub(crate) fn push(&mut self, actor: EventActor, kind: EventKind, when: &str) -> &mut Self {
        let when = at(when);
        self.events.push(TicketEvent::new(
            self.ticket,
            self.events.len() as u64 + 1,
            when,
            actor,
            kind,
        ));
        self
    }

    pub(crate) fn status(&mut self, to: &str, when: &str) -> &mut Self {
        let from = std::mem::replace(&mut self.status, StatusId::new(to));
        let agent = EventActor::Agent(self.agent);
        self.push(
            agent,
            EventKind::StatusChanged {
                from,
                to: to.into(),
                reason: None,
            },
            when,
        )
    }

    pub(crate) fn reply(&mut self, when: &str) -> &mut Self {
        let agent = EventActor::Agent(self.agent);
        self.push(
            agent,
            EventKind::Reply {
                body: "On it.".into(),
            },
            when,
        )
    }

    pub(crate) fn note(&mut self, when: &str) -> &mut Self {
        let agent = EventActor::Agent(self.agent);
        self.push(agent, EventKind::InternalNote { body: "hm".into() }, when)
    }

    pub(crate) fn message(&mut self, when: &str) -> &mut Self {
        let requester = EventActor::Requester(self.requester);
        self.push(
            requester,
            EventKind::CustomerMessage {
                body: "Any news?".into(),
                channel: Channel::Portal,
            },
            when,
        )
    }

    pub(crate) fn assign(&mut self, when: &str) -> &mut Self {
        let agent = self.agent;
        self.push(
            EventActor::Agent(agent),
            EventKind::Assigned {
                from: None,
                to: Some(agent),
            },
            when,
        )
    }

    pub(crate) fn group(&mut self, group: &str, when: &str) -> &mut Self {
        let to = Some(GroupId::new(group).expect("a group id"));
        self.push(
            EventActor::System,
            EventKind::GroupChanged { from: None, to },
            when,
        )
    }

    pub(crate) fn priority(&mut self, to: Priority, when: &str) -> &mut Self {
        self.push(
            EventActor::System,
            EventKind::PriorityChanged {
                from: Priority::Medium,
                to,
                origin: crate::priority::PriorityOrigin::Escalation { level: "l2".into() },
                explanation: String::new(),
            },
            when,
        )
    }

    pub(crate) fn tags(&mut self, tags: &[&str], when: &str) -> &mut Self {
        let added: BTreeSet<String> = tags.iter().map(|t| (*t).to_owned()).collect();
        self.push(
            EventActor::System,
            EventKind::FieldChanged {
                change: FieldChange::Tags {
                    added,
                    removed: BTreeSet::new(),
                },
            },
            when,
        )
    }

    pub(crate) fn sla_met(&mut self, metric: Metric, cycle: u32, when: &str) -> &mut Self {
        let t = at(when);
        self.push(
            EventActor::System,
            EventKind::SlaMet {
                metric,
                cycle,
                at: t,
            },
            when,
        )
    }

    pub(crate) fn sla_breached(&mut self, metric: Metric, cycle: u32, when: &str) -> &mut Self {
        let due = at(when);
        self.push(
            EventActor::System,
            EventKind::SlaBreached { metric, cycle, due },
            when,
        )
    }
}
