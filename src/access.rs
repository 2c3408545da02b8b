//! Who may do what.
//!
//! Every command takes an [`Actor`]. The rules, in short:
//!
//! | actor | sees | acts on |
//! |---|---|---|
//! | requester | own tickets, without internal notes or staff bookkeeping | opens tickets for themselves, writes messages on their own tickets |
//! | agent | tickets in their groups, tickets assigned to them, and unrouted tickets (no group) | the tickets they see |
//! | supervisor | every ticket | every ticket |
//! | admin | every ticket | every ticket, and configuration |
//! | system | everything | everything (workers, integrations) |
//!
//! A denied command returns [`Error::Forbidden`] and changes nothing.
//!
//! ```
//! use helpdesk::{Actor, AgentId, GroupId};
//! let agent = Actor::agent(AgentId::new(), [GroupId::new("network-l1")?]);
//! assert!(agent.is_staff());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

pub use crate::action::{Action, ActorKind};
use crate::error::{Error, Result};
use crate::id::{AgentId, CustomerId, GroupId};
use crate::ticket::{EventActor, Ticket};

/// The one performing a command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Actor {
    /// A customer.
    Requester {
        /// Their customer id.
        id: CustomerId,
    },
    /// A support agent, member of some groups.
    Agent {
        /// Their id.
        id: AgentId,
        /// The groups they work in.
        groups: BTreeSet<GroupId>,
    },
    /// A supervisor: sees and acts on every ticket.
    Supervisor {
        /// Their id.
        id: AgentId,
    },
    /// An administrator: everything, including configuration.
    Admin {
        /// Their id.
        id: AgentId,
    },
    /// The desk itself or a trusted integration.
    System,
}

impl Actor {
    /// A requester.
    pub fn requester(id: CustomerId) -> Self {
        Actor::Requester { id }
    }
    /// An agent in the given groups.
    pub fn agent(id: AgentId, groups: impl IntoIterator<Item = GroupId>) -> Self {
        Actor::Agent {
            id,
            groups: groups.into_iter().collect(),
        }
    }
    /// A supervisor.
    pub fn supervisor(id: AgentId) -> Self {
        Actor::Supervisor { id }
    }
    /// An admin.
    pub fn admin(id: AgentId) -> Self {
        Actor::Admin { id }
    }

    /// Staff: agent, supervisor, admin or system.
    pub fn is_staff(&self) -> bool {
        !matches!(self, Actor::Requester { .. })
    }

    /// How the actor appears in the timeline.
    pub fn event_actor(&self) -> EventActor {
        match self {
            Actor::Requester { id } => EventActor::Requester(*id),
            Actor::Agent { id, .. } | Actor::Supervisor { id } | Actor::Admin { id } => {
                EventActor::Agent(*id)
            }
            Actor::System => EventActor::System,
        }
    }

    /// The agent id of staff actors.
    pub fn agent_id(&self) -> Option<AgentId> {
        match self {
            Actor::Agent { id, .. } | Actor::Supervisor { id } | Actor::Admin { id } => Some(*id),
            _ => None,
        }
    }

    /// Whether the actor may see `ticket` at all.
    pub fn can_see(&self, ticket: &Ticket) -> bool {
        match self {
            Actor::Requester { id } => ticket.requester.id == *id,
            Actor::Agent { id, groups } => agent_sees(*id, |g| groups.contains(g), ticket),
            Actor::Supervisor { .. } | Actor::Admin { .. } | Actor::System => true,
        }
    }

    /// What the actor may see, as a filter for store listings
    /// ([`TicketQuery::visibility`](crate::store::TicketQuery::visibility)).
    ///
    /// ```
    /// use helpdesk::{Actor, CustomerId};
    /// use helpdesk::access::Visibility;
    /// let ada = CustomerId::new();
    /// assert_eq!(Actor::requester(ada).visibility(), Visibility::Requester(ada));
    /// ```
    pub fn visibility(&self) -> Visibility {
        match self {
            Actor::Requester { id } => Visibility::Requester(*id),
            Actor::Agent { id, groups } => Visibility::Agent {
                id: *id,
                groups: groups.iter().cloned().collect(),
            },
            Actor::Supervisor { .. } | Actor::Admin { .. } | Actor::System => Visibility::All,
        }
    }

    /// The kind of actor, as errors and traces name it.
    pub fn kind(&self) -> ActorKind {
        match self {
            Actor::Requester { .. } => ActorKind::Requester,
            Actor::Agent { .. } => ActorKind::Agent,
            Actor::Supervisor { .. } => ActorKind::Supervisor,
            Actor::Admin { .. } => ActorKind::Admin,
            Actor::System => ActorKind::System,
        }
    }

    /// Whether the actor may perform `action` on `ticket` (or, with `None`,
    /// an action not about one ticket, like opening or configuring). An
    /// actor may do nothing to a ticket they cannot see.
    pub fn may(&self, action: Action, ticket: Option<&Ticket>) -> bool {
        if ticket.is_some_and(|t| !self.can_see(t)) {
            return false;
        }
        match self {
            Actor::Admin { .. } | Actor::System => true,
            _ if matches!(
                action,
                Action::Configure | Action::EraseRequester | Action::SetSurveyOptOut
            ) =>
            {
                false
            }
            Actor::Agent { .. } if action == Action::Redact => false,
            Actor::Supervisor { .. } | Actor::Agent { .. } => true,
            Actor::Requester { .. } => matches!(
                action,
                Action::Open | Action::View | Action::Message | Action::UpdateRequester
            ),
        }
    }

    /// Ok when the actor [may](Self::may) perform `action`, else
    /// [`Error::Forbidden`] naming the actor's kind, the action and the ticket.
    ///
    /// The desk checks visibility first: a ticket the actor cannot see is
    /// [`Error::NotFound`] to them, exactly like a missing one.
    pub fn authorize(&self, action: Action, ticket: Option<&Ticket>) -> Result<()> {
        if self.may(action, ticket) {
            Ok(())
        } else {
            Err(Error::Forbidden {
                actor: self.kind(),
                action,
                ticket: ticket.map(|t| t.reference),
            })
        }
    }
}

/// Who is asking for a listing; stores return only what they may see.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Visibility {
    /// Everything (supervisors, admins, system).
    #[default]
    All,
    /// Only this customer's tickets.
    Requester(CustomerId),
    /// Tickets in these groups, assigned to this agent, or without a group.
    Agent {
        /// The agent.
        id: AgentId,
        /// Their groups.
        groups: Vec<GroupId>,
    },
}

impl Visibility {
    /// Whether `ticket` is visible; back ends that filter in memory use this.
    pub fn allows(&self, ticket: &Ticket) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Requester(id) => ticket.requester.id == *id,
            Visibility::Agent { id, groups } => agent_sees(*id, |g| groups.contains(g), ticket),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Requester { id } => write!(f, "requester {id}"),
            Actor::Agent { id, .. } => write!(f, "agent {id}"),
            Actor::Supervisor { id } => write!(f, "supervisor {id}"),
            Actor::Admin { id } => write!(f, "admin {id}"),
            Actor::System => f.write_str("system"),
        }
    }
}

/// The one rule for agents, shared by per-ticket checks and store listings:
/// tickets in their groups, tickets assigned to them, and unrouted tickets.
pub(crate) fn agent_sees(
    agent: AgentId,
    in_groups: impl Fn(&GroupId) -> bool,
    ticket: &Ticket,
) -> bool {
    ticket.group.as_ref().is_none_or(in_groups) || ticket.assignee == Some(agent)
}
