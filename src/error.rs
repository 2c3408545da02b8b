//! The crate's error type; its design is documented on [`Error`].

use std::fmt;

use crate::action::{Action, ActorKind};
use crate::id::StatusId;
use crate::id::{TicketId, TicketRef};

/// A boxed error from a back end (database driver, notifier transport).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Shorthand for `Result<T, helpdesk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the help desk.
///
/// # Design
///
/// The whole crate returns one error type, [`Error`], so a caller needs one
/// `match` and one `?` conversion. Its design follows a few rules:
///
/// - **One variant per thing a caller would handle differently.** Bad input
///   ([`Error::Validation`]), something that is not there or not visible
///   ([`Error::NotFound`]), a lost race ([`Error::Conflict`]), a key used
///   twice ([`Error::Duplicate`]), a denied action ([`Error::Forbidden`]), a
///   move the lifecycle does not allow ([`Error::InvalidTransition`],
///   [`Error::UnknownStatus`]), configuration ([`Error::Config`],
///   [`Error::NotConfigured`]), a failing back end
///   ([`Error::Store`], [`Error::Notify`]), stored data that cannot be right
///   ([`Error::Corrupt`]) and a bug in this crate ([`Error::Internal`]).
///   [`Error::kind`] sorts them into an [`ErrorKind`], a plain `Copy` enum,
///   for callers that only branch on the kind (an HTTP layer mapping kinds to
///   status codes, say).
/// - **Data, not prose.** Variants carry the typed facts: `Forbidden` the
///   [`Action`] and the [`ActorKind`], `InvalidTransition` the statuses and
///   the allowed targets, `Config` the full path and the value. The message
///   is built from them.
/// - **The message says what and why, once.** `Display` is one line that
///   can be shown to an operator as is, and includes the back end's own
///   reason (`cannot open SQLite database /x/y.db: unable to open database
///   file`). Because the reason is already in the message,
///   [`std::error::Error::source`] does not repeat it (error reporters that
///   walk the chain would print it twice); the back end's error stays
///   reachable through [`Error::cause`] for downcasting.
/// - **No driver types in the API.** SQL drivers' and transports' errors are
///   boxed ([`BoxError`]), so upgrading a driver never breaks a caller.
/// - **`#[non_exhaustive]`.** New variants arrive in minor releases; match
///   the ones you act on and treat the rest by [`Error::kind`].
///
/// ```
/// use helpdesk::{Actor, Channel, CustomerId, ErrorKind, HelpDesk, NewTicket, Requester};
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let desk = HelpDesk::builder().build()?;
/// let ada = CustomerId::new();
/// let err = desk
///     .portal(ada)
///     .open(NewTicket::new(Requester::new(ada, "Ada"), Channel::Portal, "", "no subject"))
///     .await
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Validation);
/// assert_eq!(err.to_string(), "invalid subject: must not be empty");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input failed validation; names the field and why.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The object does not exist, or the actor may not see it: a reader
    /// cannot tell the two apart, so ticket numbers cannot be probed.
    #[error("{what} {id} not found")]
    NotFound {
        /// What was looked up: `ticket`, `notification`, ...
        what: &'static str,
        /// The id or reference that was not found.
        id: String,
    },
    /// Optimistic concurrency: the object changed since it was loaded.
    /// Reload and retry (the desk's own commands already do, a few times).
    #[error("{what} {id} was changed concurrently (expected version {expected}, found {actual})")]
    Conflict {
        /// What changed: `ticket`, `article`, ...
        what: &'static str,
        /// Its id.
        id: String,
        /// The version the writer based its change on.
        expected: u64,
        /// The version found in the store (0 when the ticket already existed on insert).
        actual: u64,
    },
    /// A unique key was used a second time (a notification's idempotency
    /// key, a command's idempotency key, an external message id).
    #[error("duplicate {what} `{key}`")]
    Duplicate {
        /// What kind of key: `idempotency key`, `notification`, ...
        what: &'static str,
        /// The key.
        key: String,
    },
    /// The actor may see the ticket but may not do this to it; nothing was changed.
    #[error("{actor} may not {action}{}", on_ticket(*.ticket))]
    Forbidden {
        /// Who tried (the kind of actor; the id is the caller's to log).
        actor: ActorKind,
        /// What they tried.
        action: Action,
        /// The ticket it was about, if any.
        ticket: Option<TicketRef>,
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
    /// A status that the lifecycle does not define (ids match
    /// case-insensitively, and a status's label is accepted too).
    #[error(
        "no status `{status}` in this lifecycle (statuses: {}); allowed from here: {}",
        list(.statuses),
        list(.allowed)
    )]
    UnknownStatus {
        /// The status asked for.
        status: String,
        /// Every status of the lifecycle.
        statuses: Vec<StatusId>,
        /// The statuses reachable from the ticket's current one.
        allowed: Vec<StatusId>,
    },
    /// Configuration (TOML/JSON or built in code) is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The desk lacks the configuration this call needs.
    #[error("this desk has no {what} configured; {how}")]
    NotConfigured {
        /// What is missing, e.g. `SLA policy`.
        what: &'static str,
        /// How to add it.
        how: &'static str,
    },
    /// The store failed (I/O, the database, the network to it).
    #[error("{message}{}", cause_suffix(.cause.as_ref()))]
    Store {
        /// What the store was doing.
        message: String,
        /// The back end's own error (its text is in the message); see [`Error::cause`].
        cause: Option<BoxError>,
    },
    /// Stored data cannot be right (a timeline that does not replay, a row
    /// that does not decode): restore it, or repair it from the timeline.
    #[error("corrupt stored data: {message}{}", cause_suffix(.cause.as_ref()))]
    Corrupt {
        /// What is wrong.
        message: String,
        /// The decoder's own error, if any; see [`Error::cause`].
        cause: Option<BoxError>,
    },
    /// A notifier could not deliver; the notification stays in the outbox.
    #[error("cannot deliver a notification: {message}{}", cause_suffix(.cause.as_ref()))]
    Notify {
        /// What failed.
        message: String,
        /// The transport's own error; see [`Error::cause`].
        cause: Option<BoxError>,
    },
    /// An invariant of this crate does not hold: a bug. Please report it.
    #[error("internal error (a bug in helpdesk): {message}")]
    Internal {
        /// What does not hold.
        message: String,
    },
    /// A notification template is broken (bad syntax, an unknown variable):
    /// names the template and the line.
    #[error(transparent)]
    Template(#[from] crate::notify::TemplateError),
    /// A notifier was refused for good (an address the mail server rejects,
    /// a webhook answering 400): retrying cannot help, so the outbox gives
    /// the notification up and records why instead of retrying it.
    #[error("notification refused for good: {message}{}", cause_suffix(.cause.as_ref()))]
    Undeliverable {
        /// What was refused.
        message: String,
        /// The transport's own error; see [`Error::cause`].
        cause: Option<BoxError>,
    },
    /// A survey answer was not taken: a malformed, forged or expired token,
    /// a rating that does not fit the policy, or a ticket that cannot be
    /// rated (not the requester's, closed, a superseded cycle).
    #[error(transparent)]
    Survey(#[from] crate::survey::SurveyError),
    /// A TLS connection to a back end could not be set up: the server's
    /// certificate does not verify against the trusted roots (a wrong
    /// `sslrootcert`, a host name it was not issued for), the server does
    /// not offer TLS where the URL requires it, or this build lacks TLS
    /// (feature `tls`).
    #[error("TLS to {peer} failed: {message}{}", cause_suffix(.cause.as_ref()))]
    Tls {
        /// Which back end: `PostgreSQL`, ...
        peer: &'static str,
        /// What failed.
        message: String,
        /// The TLS library's own error; see [`Error::cause`].
        cause: Option<BoxError>,
    },
}

/// The kind of an [`Error`], for callers that branch on the kind only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Validation`].
    Validation,
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Conflict`]: reload and retry.
    Conflict,
    /// [`Error::Duplicate`].
    Duplicate,
    /// [`Error::Forbidden`].
    Forbidden,
    /// [`Error::InvalidTransition`] and [`Error::UnknownStatus`].
    InvalidTransition,
    /// [`Error::Config`] and [`Error::NotConfigured`].
    Config,
    /// [`Error::Store`].
    Store,
    /// [`Error::Corrupt`].
    Corrupt,
    /// [`Error::Notify`].
    Notify,
    /// [`Error::Internal`].
    Internal,
    /// [`Error::Survey`].
    Survey,
    /// [`Error::Tls`]: check the certificates and the URL's `sslmode`.
    Tls,
}

impl Error {
    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Validation(_) => ErrorKind::Validation,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::Duplicate { .. } => ErrorKind::Duplicate,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::InvalidTransition { .. } | Error::UnknownStatus { .. } => {
                ErrorKind::InvalidTransition
            }
            Error::Config(_) | Error::NotConfigured { .. } | Error::Template(_) => {
                ErrorKind::Config
            }
            Error::Store { .. } => ErrorKind::Store,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::Notify { .. } | Error::Undeliverable { .. } => ErrorKind::Notify,
            Error::Internal { .. } => ErrorKind::Internal,
            Error::Survey(_) => ErrorKind::Survey,
            Error::Tls { .. } => ErrorKind::Tls,
        }
    }

    /// The back end's own error behind a [`Store`](Error::Store),
    /// [`Corrupt`](Error::Corrupt), [`Notify`](Error::Notify) or [`Tls`](Error::Tls) error, for
    /// downcasting. Its text is already part of this error's message.
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match self {
            Error::Store { cause, .. }
            | Error::Corrupt { cause, .. }
            | Error::Notify { cause, .. }
            | Error::Undeliverable { cause, .. }
            | Error::Tls { cause, .. } => cause.as_deref(),
            _ => None,
        }
    }

    /// A store failure with the back end's error.
    pub fn store(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Store {
            message: message.into(),
            cause: Some(source.into()),
        }
    }

    /// A store failure without a back-end error.
    pub fn store_msg(message: impl Into<String>) -> Self {
        Error::Store {
            message: message.into(),
            cause: None,
        }
    }

    /// Stored data that cannot be right, with the decoder's error if any.
    pub fn corrupt(message: impl Into<String>, source: Option<BoxError>) -> Self {
        Error::Corrupt {
            message: message.into(),
            cause: source,
        }
    }

    /// A delivery failure with the transport's error: what a custom
    /// [`Notifier`](crate::Notifier) returns.
    ///
    /// ```
    /// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
    /// let e = helpdesk::Error::notify("posting to the chat webhook", io);
    /// assert_eq!(e.to_string(), "cannot deliver a notification: posting to the chat webhook: timed out");
    /// ```
    pub fn notify(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Notify {
            message: message.into(),
            cause: Some(source.into()),
        }
    }

    /// A delivery failure without a transport error.
    pub fn notify_msg(message: impl Into<String>) -> Self {
        Error::Notify {
            message: message.into(),
            cause: None,
        }
    }

    /// A delivery the transport refused for good (see
    /// [`Error::Undeliverable`]): the outbox records it and stops retrying.
    ///
    /// ```
    /// let e = helpdesk::Error::undeliverable("the mail server refused ada@example.invalid", std::io::Error::other("550 no such user"));
    /// assert!(e.is_permanent());
    /// assert!(!helpdesk::Error::notify_msg("timed out").is_permanent());
    /// ```
    pub fn undeliverable(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Undeliverable {
            message: message.into(),
            cause: Some(source.into()),
        }
    }

    /// Whether retrying cannot help: the notification is given up
    /// ([`Error::Undeliverable`]).
    pub fn is_permanent(&self) -> bool {
        matches!(self, Error::Undeliverable { .. })
    }

    /// A broken invariant of this crate.
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Error::Internal {
            message: message.into(),
        }
    }

    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(ValidationError {
            field: field.into(),
            message: message.into(),
        })
    }

    /// A conflict on ticket `id`: it was at `actual` where the writer expected `expected`.
    pub fn ticket_conflict(id: TicketId, expected: u64, actual: u64) -> Self {
        Error::Conflict {
            what: "ticket",
            id: id.to_string(),
            expected,
            actual,
        }
    }

    /// A not-found error.
    pub fn not_found(what: &'static str, id: impl fmt::Display) -> Self {
        Error::NotFound {
            what,
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

/// Configuration is invalid: names the full path of the field, the bad
/// value and why.
///
/// The message reads `invalid configuration at sla.policies[1].resolution.targets.high:
/// a target must be positive (value: 0m)`. A file that does not parse at all
/// has no path; its message names the line and column instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration{}: {message}{}", at_path(.path), value_suffix(.value.as_deref()))]
pub struct ConfigError {
    /// Where in the configuration, e.g. `sla.policies[1].calendar` (empty
    /// when the file does not parse at all).
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

    /// The same error, with `prefix` (e.g. `sla.`) put before its path.
    pub(crate) fn prefixed(mut self, prefix: &str) -> Self {
        if !prefix.is_empty() {
            let prefix = prefix.trim_end_matches('.');
            self.path = if self.path.is_empty() {
                prefix.to_owned()
            } else if self.path.starts_with('[') {
                format!("{prefix}{}", self.path)
            } else {
                format!("{prefix}.{}", self.path)
            };
        }
        self
    }
}

fn at_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at {path}")
    }
}

fn value_suffix(v: Option<&str>) -> String {
    v.map(|v| format!(" (value: {v})")).unwrap_or_default()
}

fn cause_suffix(source: Option<&BoxError>) -> String {
    source.map(|s| format!(": {s}")).unwrap_or_default()
}

fn on_ticket(ticket: Option<TicketRef>) -> String {
    ticket.map(|t| format!(" (ticket {t})")).unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_is_in_the_message_once_and_not_a_source() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "unable to open database file");
        let e = Error::store("cannot open SQLite database /nope/x.db", io);
        assert_eq!(
            e.to_string(),
            "cannot open SQLite database /nope/x.db: unable to open database file"
        );
        assert!(std::error::Error::source(&e).is_none());
        assert!(
            e.cause()
                .is_some_and(|c| c.downcast_ref::<std::io::Error>().is_some())
        );
        assert_eq!(e.kind(), ErrorKind::Store);
    }

    #[test]
    fn config_errors_read_as_one_line() {
        let e = ConfigError::new(
            "targets.high",
            Some("0m".into()),
            "a target must be positive",
        )
        .prefixed("sla.policies[1].resolution");
        assert_eq!(
            e.to_string(),
            "invalid configuration at sla.policies[1].resolution.targets.high: \
             a target must be positive (value: 0m)"
        );
        let e = ConfigError::new(
            "",
            None,
            "TOML syntax error at line 2, column 5: expected `=`",
        );
        assert_eq!(
            e.to_string(),
            "invalid configuration: TOML syntax error at line 2, column 5: expected `=`"
        );
    }

    #[test]
    fn forbidden_names_actor_kind_action_and_ticket() {
        let e = Error::Forbidden {
            actor: ActorKind::Requester,
            action: Action::Note,
            ticket: Some(TicketRef(1042)),
        };
        assert_eq!(
            e.to_string(),
            "a requester may not add internal notes (ticket #1042)"
        );
    }
}
