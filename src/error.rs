//! The crate's error type.
//!
//! Every fallible operation returns [`Error`]. It is `#[non_exhaustive]` so new
//! kinds can be added without a breaking release; match the kinds you act on
//! and treat the rest generically. Each variant names *what* is wrong (the
//! field, the id, the status) so the message can be shown to an operator as is.
//! Back-end errors (SQL drivers, notifiers) are boxed as the [`std::error::Error::source`],
//! so no driver type leaks into this crate's public API.

use std::fmt;

use crate::id::TicketId;
use crate::ticket::StatusId;

/// A boxed error from a back end (database driver, notifier transport).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Shorthand for `Result<T, helpdesk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the help desk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input failed validation; names the field and why.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A referenced object does not exist (or is not visible to the actor).
    #[error("{kind} {id} not found")]
    NotFound {
        /// What was looked up: "ticket", "status", ...
        kind: &'static str,
        /// The id or reference that was not found.
        id: String,
    },
    /// Optimistic concurrency: the ticket changed since it was loaded.
    /// Reload and retry the command.
    #[error(
        "ticket {ticket} was changed concurrently (expected version {expected}, found {actual})"
    )]
    Conflict {
        /// The ticket that changed.
        ticket: TicketId,
        /// The version the writer based its change on.
        expected: u64,
        /// The version found in the store (0 when the ticket already existed on insert).
        actual: u64,
    },
    /// The actor may not perform this action; nothing was changed.
    #[error("forbidden: {actor} may not {action}")]
    Forbidden {
        /// Who tried.
        actor: String,
        /// What they tried, e.g. "add an internal note to #1042".
        action: String,
    },
    /// The lifecycle does not allow this status change.
    #[error("cannot move from `{from}` to `{to}`; allowed: {}", list(.allowed))]
    InvalidTransition {
        /// The current status.
        from: StatusId,
        /// The requested status.
        to: StatusId,
        /// The statuses reachable from `from`.
        allowed: Vec<StatusId>,
    },
    /// Configuration (TOML/JSON or built in code) is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A business calendar could not answer (e.g. it has no open time at all).
    #[error(transparent)]
    Calendar(#[from] crate::calendar::CalendarError),
    /// The store failed (I/O, database, corrupt data). The source has details.
    #[error("store error: {message}")]
    Store {
        /// What the store was doing.
        message: String,
        /// The back end's own error.
        #[source]
        source: Option<BoxError>,
    },
    /// A notifier could not deliver; the notification stays in the outbox.
    #[error("notifier error: {message}")]
    Notify {
        /// What failed.
        message: String,
        /// The transport's own error.
        #[source]
        source: Option<BoxError>,
    },
}

impl Error {
    /// A store error with a back-end source.
    pub fn store(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Store {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A store error without a source (e.g. corrupt data detected by the crate).
    pub fn store_msg(message: impl Into<String>) -> Self {
        Error::Store {
            message: message.into(),
            source: None,
        }
    }

    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(ValidationError {
            field: field.into(),
            message: message.into(),
        })
    }

    /// A not-found error.
    pub fn not_found(kind: &'static str, id: impl fmt::Display) -> Self {
        Error::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    /// True for [`Error::Conflict`]: the caller should reload and retry.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Conflict { .. })
    }
}

/// A field of a command failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {message}")]
pub struct ValidationError {
    /// The field, e.g. `subject` or `requester.email`.
    pub field: String,
    /// Why it is invalid.
    pub message: String,
}

/// Configuration is invalid: names the path of the field and the bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration at `{path}`: {message}{}", value_suffix(.value.as_ref()))]
pub struct ConfigError {
    /// Where in the configuration, e.g. `week.mon[1]` or `lifecycle.transitions.open`.
    pub path: String,
    /// The offending value, when there is one.
    pub value: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// A configuration error at `path` about `value`.
    pub fn new(path: impl Into<String>, value: Option<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            value,
            message: message.into(),
        }
    }

    /// Wraps a TOML parse error; the parser's message already names the key and line.
    pub fn from_toml(e: &toml::de::Error) -> Self {
        ConfigError::new(
            "toml",
            None,
            e.message().to_string() + &span_suffix(e.span()),
        )
    }

    /// Wraps a JSON parse error.
    pub fn from_json(e: &serde_json::Error) -> Self {
        ConfigError::new("json", None, format!("{e}"))
    }
}

fn span_suffix(span: Option<std::ops::Range<usize>>) -> String {
    span.map(|s| format!(" (at byte {})", s.start))
        .unwrap_or_default()
}

fn value_suffix(v: Option<&String>) -> String {
    v.as_ref()
        .map(|v| format!(" (value `{v}`)"))
        .unwrap_or_default()
}

fn list(items: &[StatusId]) -> String {
    if items.is_empty() {
        return "none (final status)".into();
    }
    items
        .iter()
        .map(StatusId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
