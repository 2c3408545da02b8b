use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{AgentId, CustomerId, GroupId, TicketId, TicketRef};
use crate::priority::{Impact, Priority, PriorityOrigin, Urgency};

use super::StatusId;

/// A ticket: one problem or request of one requester, as of its last event.
///
/// A `Ticket` is a *snapshot*: the fold of its [`TicketEvent`](super::TicketEvent)s
/// (see [`Ticket::replay`](super::Ticket::replay)). Change it only through
/// [`HelpDesk`](crate::HelpDesk) commands, which record events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Ticket {
    /// The stable id.
    pub id: TicketId,
    /// The human-friendly number, e.g. `#1042`.
    pub reference: TicketRef,
    /// One-line summary.
    pub subject: String,
    /// The original description of the problem. Shared (`Arc<str>`): it can
    /// be up to 1 MiB, and snapshots are cloned on every command.
    pub description: Arc<str>,
    /// Who asked. Shared (`Arc`): it never changes, and snapshots and
    /// events are copied on every command.
    pub requester: Arc<Requester>,
    /// Where the ticket came from.
    pub channel: Channel,
    /// Category, e.g. `network/vpn`.
    pub category: Option<String>,
    /// Free tags.
    pub tags: BTreeSet<String>,
    /// Typed custom fields (product model, licence, invoice number, location, ...).
    pub fields: BTreeMap<String, FieldValue>,
    /// How widely the problem affects the business.
    pub impact: Impact,
    /// How quickly it must be dealt with.
    pub urgency: Urgency,
    /// The resulting priority.
    pub priority: Priority,
    /// Why the ticket has its priority (rule, matrix cell, manual override or escalation).
    pub priority_origin: PriorityOrigin,
    /// The account of how the current priority was decided, e.g. `urgency
    /// high by rule "vip customers"; priority High by matrix: impact medium x
    /// urgency high` (staff only: it names internal rules).
    #[serde(default)]
    pub priority_explanation: String,
    /// The lifecycle status.
    pub status: StatusId,
    /// The agent working on it.
    pub assignee: Option<AgentId>,
    /// The support group (queue) it sits in.
    pub group: Option<GroupId>,
    /// Links to other tickets.
    pub links: Vec<Link>,
    /// Agents who follow the ticket (added by escalation).
    #[serde(default)]
    pub watchers: BTreeSet<AgentId>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When the last event happened.
    pub updated_at: DateTime<Utc>,
    /// The number of events applied so far; increases with every change.
    pub version: u64,
}

impl Ticket {
    /// The links of one kind.
    pub fn links_of(&self, kind: LinkKind) -> impl Iterator<Item = TicketId> + '_ {
        self.links
            .iter()
            .filter(move |l| l.kind == kind)
            .map(|l| l.target)
    }
}

/// The person who asked for help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requester {
    /// Your id for this customer; requesters see only tickets with their id.
    pub id: CustomerId,
    /// Display name.
    pub name: String,
    /// Email address, if known.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number, if known.
    #[serde(default)]
    pub phone: Option<String>,
    /// Organization (company, department).
    #[serde(default)]
    pub organization: Option<String>,
    /// Service tier, e.g. `vip`, `gold`, `standard`.
    #[serde(default)]
    pub tier: Option<String>,
    /// The language they read, e.g. `fr`: their notifications are worded
    /// in it (falling back to the desk's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<crate::Locale>,
    /// Their time zone: instants in their notifications are shown in it
    /// (default: the SLA calendar's zone, else UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<chrono_tz::Tz>,
}

impl Requester {
    /// A requester with just an id and a name.
    pub fn new(id: CustomerId, name: impl Into<String>) -> Self {
        Requester {
            id,
            name: name.into(),
            email: None,
            phone: None,
            organization: None,
            tier: None,
            locale: None,
            time_zone: None,
        }
    }
    /// Sets the email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
    /// Sets the phone number.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
    /// Sets the organization.
    pub fn organization(mut self, org: impl Into<String>) -> Self {
        self.organization = Some(org.into());
        self
    }
    /// Sets the service tier (e.g. `vip`).
    pub fn tier(mut self, tier: impl Into<String>) -> Self {
        self.tier = Some(tier.into());
        self
    }
    /// Sets the language they read.
    pub fn locale(mut self, locale: crate::Locale) -> Self {
        self.locale = Some(locale);
        self
    }
    /// Sets their time zone.
    pub fn time_zone(mut self, time_zone: chrono_tz::Tz) -> Self {
        self.time_zone = Some(time_zone);
        self
    }
}

/// The channel a ticket or message came in through.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A phone call taken by an agent.
    Phone,
    /// An email.
    Email,
    /// A chat session.
    Chat,
    /// The self-service portal.
    Portal,
    /// Social media.
    Social,
    /// Another system through the API.
    Api,
    /// Any other named channel (e.g. `walk-in`).
    Other(String),
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Portal => "portal",
            Channel::Social => "social",
            Channel::Api => "api",
            Channel::Other(s) => s,
        })
    }
}

/// A typed custom field value.
///
/// In configuration (a rule's `fields = { ... }` condition) and in JSON
/// input it can be written the natural way, and the type is inferred:
///
/// | written | value |
/// |---|---|
/// | `"server room"` | [`FieldValue::Text`] |
/// | `"2026-03-01"` (exactly `YYYY-MM-DD`), or a TOML date `2026-03-01` | [`FieldValue::Date`] |
/// | `3`, `2.5` | [`FieldValue::Number`] |
/// | `true` | [`FieldValue::Bool`] |
/// | `{ type = "text", value = "2026-03-01" }` | the tagged form, to force a type |
///
/// It is stored and serialized in the tagged form. A date condition also
/// matches a text field holding the same date, so the inference never makes
/// a condition miss.
///
/// ```
/// use helpdesk::ticket::FieldValue;
/// use helpdesk::Condition;
/// let c: Condition = toml::from_str(r#"fields = { location = "server room", floor = 3, since = 2026-03-01 }"#)?;
/// assert_eq!(c.fields["location"], FieldValue::Text("server room".into()));
/// assert_eq!(c.fields["floor"], FieldValue::Number(3.0));
/// assert_eq!(c.fields["since"], FieldValue::Date("2026-03-01".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    /// Text, e.g. a model number or invoice number.
    Text(String),
    /// A number.
    Number(f64),
    /// A calendar date.
    Date(NaiveDate),
    /// Yes or no.
    Bool(bool),
}

impl FieldValue {
    /// Whether a condition asking for `self` matches a ticket's value
    /// `have`: equal, or a date and a text holding that date.
    pub fn matches(&self, have: &FieldValue) -> bool {
        match (self, have) {
            (FieldValue::Date(d), FieldValue::Text(t))
            | (FieldValue::Text(t), FieldValue::Date(d)) => t.trim() == d.to_string(),
            _ => self == have,
        }
    }

    /// Infers a text's type: an exact `YYYY-MM-DD` is a date.
    fn infer(s: &str) -> FieldValue {
        let looks_like_date = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        match s.parse::<NaiveDate>() {
            Ok(d) if looks_like_date => FieldValue::Date(d),
            _ => FieldValue::Text(s.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FieldValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a text, number, bool or date, or `{ type = \"text\" | \"number\" | \"date\" | \"bool\", value = ... }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FieldValue, E> {
                Ok(FieldValue::infer(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FieldValue, E> {
                Ok(FieldValue::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FieldValue, E> {
                Ok(FieldValue::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FieldValue, E> {
                Ok(FieldValue::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FieldValue, E> {
                Ok(FieldValue::Number(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldValue, A::Error> {
                // The tagged form, or a TOML date (which serde sees as a
                // one-entry table under toml's private key).
                let (mut kind, mut value) = (None::<String>, None::<serde_json::Value>);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "$__toml_private_datetime" => {
                            let text: String = map.next_value()?;
                            return text
                                .parse::<NaiveDate>()
                                .map(FieldValue::Date)
                                .map_err(|_| {
                                    de::Error::custom(format!(
                                        "`{text}` is not a date (YYYY-MM-DD)"
                                    ))
                                });
                        }
                        "type" => kind = Some(map.next_value()?),
                        "value" => value = Some(map.next_value()?),
                        other => return Err(de::Error::unknown_field(other, &["type", "value"])),
                    }
                }
                let kind = kind.ok_or_else(|| de::Error::missing_field("type"))?;
                let value = value.ok_or_else(|| de::Error::missing_field("value"))?;
                let bad =
                    |e: serde_json::Error| de::Error::custom(format!("invalid {kind} value: {e}"));
                match kind.as_str() {
                    "text" => serde_json::from_value(value)
                        .map(FieldValue::Text)
                        .map_err(bad),
                    "number" => serde_json::from_value(value)
                        .map(FieldValue::Number)
                        .map_err(bad),
                    "date" => serde_json::from_value(value)
                        .map(FieldValue::Date)
                        .map_err(bad),
                    "bool" => serde_json::from_value(value)
                        .map(FieldValue::Bool)
                        .map_err(bad),
                    other => Err(de::Error::unknown_variant(
                        other,
                        &["text", "number", "date", "bool"],
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(s) => f.write_str(s),
            FieldValue::Number(n) => write!(f, "{n}"),
            FieldValue::Date(d) => write!(f, "{d}"),
            FieldValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Text(s.to_owned())
    }
}
impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Text(s)
    }
}
impl From<f64> for FieldValue {
    fn from(n: f64) -> Self {
        FieldValue::Number(n)
    }
}
impl From<bool> for FieldValue {
    fn from(b: bool) -> Self {
        FieldValue::Bool(b)
    }
}
impl From<NaiveDate> for FieldValue {
    fn from(d: NaiveDate) -> Self {
        FieldValue::Date(d)
    }
}

/// A directed link from one ticket to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// What the link means, read from the ticket that holds it.
    pub kind: LinkKind,
    /// The other ticket.
    pub target: TicketId,
}

/// The kinds of link, each read from the ticket holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// The target is this ticket's parent (e.g. the contact it was split from).
    Parent,
    /// The target is a child of this ticket.
    Child,
    /// This ticket duplicates the target (set on a merged source).
    DuplicateOf,
    /// The target was merged into this ticket as a duplicate.
    Duplicate,
    /// Related tickets.
    Related,
    /// This ticket follows up the (closed) target.
    FollowUpOf,
    /// The target follows up this ticket.
    FollowedUpBy,
}

impl LinkKind {
    /// The kind the target holds for the reverse direction.
    pub fn inverse(self) -> LinkKind {
        match self {
            LinkKind::Parent => LinkKind::Child,
            LinkKind::Child => LinkKind::Parent,
            LinkKind::DuplicateOf => LinkKind::Duplicate,
            LinkKind::Duplicate => LinkKind::DuplicateOf,
            LinkKind::Related => LinkKind::Related,
            LinkKind::FollowUpOf => LinkKind::FollowedUpBy,
            LinkKind::FollowedUpBy => LinkKind::FollowUpOf,
        }
    }
}

impl fmt::Display for LinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkKind::Parent => "parent",
            LinkKind::Child => "child",
            LinkKind::DuplicateOf => "duplicate of",
            LinkKind::Duplicate => "duplicate",
            LinkKind::Related => "related",
            LinkKind::FollowUpOf => "follow-up of",
            LinkKind::FollowedUpBy => "followed up by",
        })
    }
}

/// Who a notification is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Recipient {
    /// The ticket's requester.
    Requester {
        /// Customer id.
        id: CustomerId,
        /// Email address, when known.
        email: Option<String>,
    },
    /// An agent.
    Agent {
        /// Agent id.
        id: AgentId,
    },
    /// Everyone in a group (e.g. the queue that received a ticket).
    Group {
        /// Group id.
        id: GroupId,
    },
    /// A named address (e.g. `noc@example.com`).
    Address {
        /// The address.
        address: String,
    },
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::Requester { email: Some(e), .. } => write!(f, "requester <{e}>"),
            Recipient::Requester { id, .. } => write!(f, "requester {id}"),
            Recipient::Agent { id } => write!(f, "agent {id}"),
            Recipient::Group { id } => write!(f, "group {id}"),
            Recipient::Address { address } => f.write_str(address),
        }
    }
}
