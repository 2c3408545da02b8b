//! What the desk derives from a ticket's events before each commit: the
//! time-driven state (SLA clocks, escalation) that the domain computes from
//! the full history, and the deadline the store indexes.

use chrono::{DateTime, Utc};

use super::{Draft, HelpDesk};
use crate::error::Result;
use crate::notify::Notification;

/// The derived part of a commit for one ticket.
#[derive(Debug, Default)]
pub(super) struct Derived {
    /// When time-driven work is next due (stored in the deadline index).
    pub(super) next_deadline: Option<DateTime<Utc>>,
    /// The requester-facing first-response promise for the acknowledgment.
    pub(super) first_response: Option<String>,
    /// Extra notifications (SLA, escalation) beyond the event planner's.
    pub(super) notifications: Vec<Notification>,
}

impl HelpDesk {
    /// May record further events on `draft` (e.g. an SLA target met) and
    /// returns what the commit needs besides the events.
    pub(super) async fn derive(&self, draft: &mut Draft) -> Result<Derived> {
        Ok(Derived {
            next_deadline: self.escalation_deadline(draft).await?,
            notifications: self.own_notifications(draft),
            ..Derived::default()
        })
    }
}
