//! Typed identifiers.
//!
//! Each id is a newtype over a UUID v7, so ids sort by creation time (good
//! for database indexes and cursor pagination) and cannot be mixed up: a
//! [`TicketId`] is not an [`AgentId`]. All of them print and parse as the
//! plain hyphenated UUID and serialize transparently.
//!
//! ```
//! use helpdesk::TicketId;
//! let id = TicketId::new();
//! let parsed: TicketId = id.to_string().parse()?;
//! assert_eq!(id, parsed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUID v7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// Wraps an existing UUID (e.g. your own user id).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|e| crate::Error::validation($kind, format!("`{s}` is not a UUID: {e}")))
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

uuid_id!(
    /// Identifies a ticket.
    TicketId, "ticket_id"
);
uuid_id!(
    /// Identifies an agent (support staff: agent, supervisor or admin).
    AgentId, "agent_id"
);
uuid_id!(
    /// Identifies a customer (the requester of tickets).
    CustomerId, "customer_id"
);
uuid_id!(
    /// Identifies one event in a ticket's timeline.
    EventId, "event_id"
);
impl EventId {
    /// A fresh id for an event that happens at `at`: a UUID v7 with `at` as
    /// its time. Events are ordered by their sequence number, not their id,
    /// so it needs neither the clock read nor the shared counter behind
    /// [`EventId::new`], which cost about as much as applying the event.
    pub(crate) fn at(at: chrono::DateTime<chrono::Utc>) -> Self {
        let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        let nanos = u32::try_from(ms % 1000).unwrap_or(0) * 1_000_000;
        Self(Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            ms / 1000,
            nanos,
        )))
    }
}

uuid_id!(
    /// Identifies one notification in the outbox.
    NotificationId, "notification_id"
);
uuid_id!(
    /// Identifies a knowledge base article.
    ///
    /// ```
    /// use helpdesk::kb::ArticleId;
    /// let id = ArticleId::new();
    /// assert_eq!(id.to_string().parse::<ArticleId>()?, id);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ArticleId, "article_id"
);
uuid_id!(
    /// Identifies one set of knowledge base suggestions shown to someone,
    /// so that what they did next can be recorded against it.
    SuggestionId, "suggestion_id"
);
uuid_id!(
    /// Identifies a stored attachment (a file a customer sent, or the raw
    /// message as received).
    AttachmentId, "attachment_id"
);

/// The human-friendly ticket number, printed as `#1042`.
///
/// Allocated by the store, unique per store, increasing.
///
/// ```
/// use helpdesk::TicketRef;
/// let r: TicketRef = "#1042".parse()?;
/// assert_eq!(r.to_string(), "#1042");
/// assert_eq!("1042".parse::<TicketRef>()?, r);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketRef(pub u64);

impl fmt::Display for TicketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl FromStr for TicketRef {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.trim().trim_start_matches('#');
        digits.parse::<u64>().map(TicketRef).map_err(|_| {
            crate::Error::validation(
                "reference",
                format!("`{s}` is not a ticket reference like #1042"),
            )
        })
    }
}

/// Names a support group (a queue / support center), e.g. `network-l1`.
///
/// Groups are configuration, so their ids are readable slugs rather than
/// UUIDs: they appear in TOML routing and escalation rules.
///
/// Shared rather than copied (an `Arc<str>` inside), as every ticket snapshot carries one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
#[serde(into = "String")]
pub struct GroupId(Arc<str>);

/// What a group id may be.
const GROUP_ID_RULE: &str = "a group id is 1-64 letters, digits, `-`, `_`, `.`";

impl GroupId {
    /// A group id; must be 1-64 characters of letters, digits, `-`, `_`, `.`.
    pub fn new(s: impl Into<String>) -> crate::Result<Self> {
        let s = s.into();
        if GroupId::valid(&s) {
            Ok(GroupId(Arc::from(s)))
        } else {
            Err(crate::Error::validation(
                "group",
                format!("`{s}`: {GROUP_ID_RULE}"),
            ))
        }
    }

    fn valid(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for GroupId {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GroupId::new(s)
    }
}

impl<'de> Deserialize<'de> for GroupId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The rule only: configuration errors add the path and the value.
        let s = String::deserialize(d)?;
        if GroupId::valid(&s) {
            Ok(GroupId(Arc::from(s)))
        } else {
            Err(serde::de::Error::custom(GROUP_ID_RULE))
        }
    }
}

impl TryFrom<String> for GroupId {
    type Error = crate::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        GroupId::new(s)
    }
}

impl From<GroupId> for String {
    fn from(g: GroupId) -> String {
        g.0.to_string()
    }
}

/// The id of a lifecycle status, e.g. `open` or `pending`.
///
/// Shared rather than copied (an `Arc<str>` inside): every ticket snapshot
/// carries one, and cloning a snapshot is on every command's path.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatusId(Arc<str>);

impl StatusId {
    /// A status id from text.
    pub fn new(s: impl AsRef<str>) -> Self {
        StatusId(Arc::from(s.as_ref()))
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StatusId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for StatusId {
    fn from(s: &str) -> Self {
        StatusId::new(s)
    }
}
