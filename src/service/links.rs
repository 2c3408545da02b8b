//! Links as a reader sees them: each target either a ticket that exists,
//! with its reference, or a ticket that retention deleted.
//!
//! A ticket's [`links`](crate::Ticket::links) (and its timeline's `Linked`,
//! `Split` and `Merged*` events) keep the ids they were written with:
//! history is not rewritten when another ticket goes. Deletion by
//! [retention](crate::privacy::retention) removes the target itself, so
//! the desk resolves each link when it is read and reports a target that
//! is gone as [`LinkTarget::Deleted`], never as a ticket that exists.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{HelpDesk, Portal};
use crate::access::{Action, Actor};
use crate::error::Result;
use crate::id::{TicketId, TicketRef};
use crate::ticket::{LinkKind, Ticket};

/// What a link leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LinkTarget {
    /// A ticket that exists, with its reference (whether the reader may
    /// open it is decided when they do).
    Ticket {
        /// Its reference, e.g. `#1042`.
        reference: TicketRef,
    },
    /// A ticket that retention deleted: only its id is left, in the
    /// history of the tickets that linked to it.
    Deleted,
}

/// One link of a ticket, resolved.
///
/// A ticket's [`links`](crate::Ticket::links) keep the ids they were
/// written with (history is not rewritten when another ticket goes);
/// retention's delete removes the target itself, so the desk resolves
/// each link when it is read and reports a target that is gone as
/// [`LinkTarget::Deleted`], never as a ticket that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LinkedTicket {
    /// What the link means, read from the ticket that holds it.
    pub kind: LinkKind,
    /// The id the link was written with.
    pub ticket: TicketId,
    /// What it leads to now.
    pub target: LinkTarget,
}

impl LinkedTicket {
    /// Whether the target was deleted.
    pub fn is_deleted(&self) -> bool {
        self.target == LinkTarget::Deleted
    }
}

/// `duplicate of #1042`, or `follow-up of deleted ticket`.
impl fmt::Display for LinkedTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.target {
            LinkTarget::Ticket { reference } => write!(f, "{} {reference}", self.kind),
            LinkTarget::Deleted => write!(f, "{} deleted ticket", self.kind),
        }
    }
}

impl HelpDesk {
    /// The links of ticket `id`, each resolved to the ticket it leads to or
    /// to [`LinkTarget::Deleted`] (see [`LinkedTicket`]), in the ticket's
    /// order. Staff who may see the ticket; requesters use
    /// [`Portal::links`].
    pub async fn links(&self, actor: &Actor, id: TicketId) -> Result<Vec<LinkedTicket>> {
        super::commands::staff(actor, Action::View)?;
        let t = self.load_visible(actor, id).await?;
        self.resolve_links(&t).await
    }

    pub(super) async fn resolve_links(&self, ticket: &Ticket) -> Result<Vec<LinkedTicket>> {
        let mut out = Vec::with_capacity(ticket.links.len());
        for link in &ticket.links {
            // Links are only ever made to tickets that exist, so a target
            // the store no longer holds was deleted.
            let target = match self.inner.store.load(link.target).await? {
                Some(t) => LinkTarget::Ticket {
                    reference: t.reference,
                },
                None => LinkTarget::Deleted,
            };
            out.push(LinkedTicket {
                kind: link.kind,
                ticket: link.target,
                target,
            });
        }
        Ok(out)
    }
}

impl Portal<'_> {
    /// The links of one of the customer's tickets, resolved as
    /// [`HelpDesk::links`] does: a ticket that retention deleted reads
    /// [`LinkTarget::Deleted`].
    pub async fn links(&self, id: TicketId) -> Result<Vec<LinkedTicket>> {
        let t = self.desk().load_visible(self.actor(), id).await?;
        self.desk().resolve_links(&t).await
    }
}
