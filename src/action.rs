//! The vocabulary of access control: what an actor wants to do
//! ([`Action`]) and what kind of actor they are ([`ActorKind`]). A leaf
//! module, so errors can carry both; the rules are in [`access`](crate::access).

use std::fmt;

/// What an actor wants to do, for [`Actor::authorize`](crate::Actor::authorize) and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Open a ticket.
    Open,
    /// Open a ticket for another customer (requesters may not).
    OpenForOther,
    /// See a ticket and its timeline.
    View,
    /// Write a customer message.
    Message,
    /// Reply publicly as staff.
    Reply,
    /// Write an internal note.
    Note,
    /// Change the status.
    Transition,
    /// Change the assignee.
    Assign,
    /// Move to another group.
    ChangeGroup,
    /// Override the priority.
    SetPriority,
    /// Edit descriptive fields.
    Update,
    /// Split into several tickets.
    Split,
    /// Merge duplicates.
    Merge,
    /// Link tickets.
    Link,
    /// Escalate by hand.
    Escalate,
    /// Correct the requester's contact details.
    UpdateRequester,
    /// See the SLA clocks (staff only).
    ViewSla,
    /// Change the desk's configuration.
    Configure,
    /// Run reports and see early warnings (supervisors, admins; agents for their groups).
    RunReport,
    /// Erase a requester's personal data, and read the erasure records (admins only).
    EraseRequester,
    /// Redact a message or field for good (supervisors and admins).
    Redact,
    /// Opt a requester out of satisfaction surveys, or back in (admins; a
    /// requester for themselves).
    SetSurveyOptOut,
}

impl fmt::Display for Action {
    /// What the actor may or may not do, e.g. `add internal notes`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Open => "open tickets",
            Action::OpenForOther => "open tickets for other customers",
            Action::View => "view tickets",
            Action::Message => "write messages",
            Action::Reply => "reply",
            Action::Note => "add internal notes",
            Action::Transition => "change statuses",
            Action::Assign => "assign tickets",
            Action::ChangeGroup => "move tickets between groups",
            Action::SetPriority => "set priorities",
            Action::Update => "edit tickets",
            Action::Split => "split tickets",
            Action::Merge => "merge tickets",
            Action::Link => "link tickets",
            Action::Escalate => "escalate tickets",
            Action::UpdateRequester => "correct contact details",
            Action::ViewSla => "see SLA clocks",
            Action::Configure => "configure the desk",
            Action::RunReport => "run reports",
            Action::EraseRequester => "erase requesters' personal data",
            Action::Redact => "redact messages",
            Action::SetSurveyOptOut => "opt requesters out of surveys",
        })
    }
}

/// The kind of an [`Actor`](crate::Actor), without the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActorKind {
    /// A customer.
    Requester,
    /// A support agent.
    Agent,
    /// A supervisor.
    Supervisor,
    /// An administrator.
    Admin,
    /// The desk itself or a trusted integration.
    System,
}

impl ActorKind {
    /// The lowercase name, e.g. `requester`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Requester => "requester",
            ActorKind::Agent => "agent",
            ActorKind::Supervisor => "supervisor",
            ActorKind::Admin => "admin",
            ActorKind::System => "system",
        }
    }
}

impl fmt::Display for ActorKind {
    /// With its article, as messages read: `a requester`, `an agent`, `the system`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ActorKind::Requester => "a requester",
            ActorKind::Agent => "an agent",
            ActorKind::Supervisor => "a supervisor",
            ActorKind::Admin => "an admin",
            ActorKind::System => "the system",
        })
    }
}
