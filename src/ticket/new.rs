use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{AgentId, GroupId};
use crate::priority::{Impact, Urgency};

use super::{Channel, FieldValue, Requester};

/// The longest subject accepted, in characters.
pub const MAX_SUBJECT_CHARS: usize = 250;
/// The largest message body or description accepted, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What is needed to open a ticket. Build with [`NewTicket::new`] and the setters.
///
/// ```
/// use helpdesk::ticket::{Channel, NewTicket, Requester};
/// use helpdesk::CustomerId;
/// let t = NewTicket::new(
///         Requester::new(CustomerId::new(), "Ada").email("ada@example.com"),
///         Channel::Email,
///         "VPN drops every hour",
///         "Since Monday the VPN disconnects hourly.",
///     )
///     .category("network/vpn")
///     .tag("vpn")
///     .field("laptop_model", "T14s");
/// t.validate()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewTicket {
    /// Who asks.
    pub requester: Requester,
    /// Where it came in.
    pub channel: Channel,
    /// One-line summary (1-250 characters).
    pub subject: String,
    /// The problem (at most 1 MiB).
    pub description: String,
    /// Category.
    pub category: Option<String>,
    /// Tags.
    pub tags: BTreeSet<String>,
    /// Custom fields.
    pub fields: BTreeMap<String, FieldValue>,
    /// Impact as reported; default medium.
    pub impact: Option<Impact>,
    /// Urgency as reported; default medium.
    pub urgency: Option<Urgency>,
    /// A group to queue it in directly.
    pub group: Option<GroupId>,
    /// An agent to assign directly.
    pub assignee: Option<AgentId>,
}

impl NewTicket {
    /// A new ticket with the required parts.
    pub fn new(
        requester: Requester,
        channel: Channel,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        NewTicket {
            requester,
            channel,
            subject: subject.into(),
            description: description.into(),
            category: None,
            tags: BTreeSet::new(),
            fields: BTreeMap::new(),
            impact: None,
            urgency: None,
            group: None,
            assignee: None,
        }
    }
    /// Sets the category.
    pub fn category(mut self, c: impl Into<String>) -> Self {
        self.category = Some(c.into());
        self
    }
    /// Adds a tag.
    pub fn tag(mut self, t: impl Into<String>) -> Self {
        self.tags.insert(t.into());
        self
    }
    /// Sets a custom field.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<FieldValue>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }
    /// Sets the reported impact.
    pub fn impact(mut self, i: Impact) -> Self {
        self.impact = Some(i);
        self
    }
    /// Sets the reported urgency.
    pub fn urgency(mut self, u: Urgency) -> Self {
        self.urgency = Some(u);
        self
    }
    /// Queues it in a group.
    pub fn group(mut self, g: GroupId) -> Self {
        self.group = Some(g);
        self
    }
    /// Assigns it to an agent.
    pub fn assignee(mut self, a: AgentId) -> Self {
        self.assignee = Some(a);
        self
    }

    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        validate_subject("subject", &self.subject)?;
        validate_body("description", &self.description)?;
        validate_requester(&self.requester)?;
        if let Channel::Other(name) = &self.channel {
            validate_short("channel", name)?;
        }
        if let Some(c) = &self.category {
            validate_short("category", c)?;
        }
        for t in &self.tags {
            validate_short("tags", t)?;
        }
        validate_fields(&self.fields)
    }
}

/// A change to a ticket's descriptive fields; unset parts stay as they are.
///
/// ```
/// use helpdesk::ticket::TicketUpdate;
/// let u = TicketUpdate::default().category("hardware").add_tag("printer").set_field("floor", 3.0);
/// assert!(!u.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketUpdate {
    /// New subject.
    pub subject: Option<String>,
    /// New category (`Some(None)` clears it).
    pub category: Option<Option<String>>,
    /// Tags to add.
    pub add_tags: BTreeSet<String>,
    /// Tags to remove.
    pub remove_tags: BTreeSet<String>,
    /// Custom fields to set (`None` clears one).
    pub fields: BTreeMap<String, Option<FieldValue>>,
    /// New impact.
    pub impact: Option<Impact>,
    /// New urgency.
    pub urgency: Option<Urgency>,
}

impl TicketUpdate {
    /// Sets the subject.
    pub fn subject(mut self, s: impl Into<String>) -> Self {
        self.subject = Some(s.into());
        self
    }
    /// Sets the category.
    pub fn category(mut self, c: impl Into<String>) -> Self {
        self.category = Some(Some(c.into()));
        self
    }
    /// Adds a tag.
    pub fn add_tag(mut self, t: impl Into<String>) -> Self {
        self.add_tags.insert(t.into());
        self
    }
    /// Removes a tag.
    pub fn remove_tag(mut self, t: impl Into<String>) -> Self {
        self.remove_tags.insert(t.into());
        self
    }
    /// Sets a custom field.
    pub fn set_field(mut self, name: impl Into<String>, v: impl Into<FieldValue>) -> Self {
        self.fields.insert(name.into(), Some(v.into()));
        self
    }
    /// Clears a custom field.
    pub fn clear_field(mut self, name: impl Into<String>) -> Self {
        self.fields.insert(name.into(), None);
        self
    }
    /// Sets impact.
    pub fn impact(mut self, i: Impact) -> Self {
        self.impact = Some(i);
        self
    }
    /// Sets urgency.
    pub fn urgency(mut self, u: Urgency) -> Self {
        self.urgency = Some(u);
        self
    }
    /// True when it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == TicketUpdate::default()
    }
    /// Checks every part; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        if let Some(s) = &self.subject {
            validate_subject("subject", s)?;
        }
        if let Some(Some(c)) = &self.category {
            validate_short("category", c)?;
        }
        for t in self.add_tags.iter().chain(&self.remove_tags) {
            validate_short("tags", t)?;
        }
        let set: BTreeMap<String, FieldValue> = self
            .fields
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
            .collect();
        validate_fields(&set)
    }
}

fn no_nul(field: &str, s: &str) -> Result<()> {
    if s.contains('\0') {
        return Err(Error::validation(field, "contains a NUL character"));
    }
    Ok(())
}

pub(crate) fn validate_subject(field: &str, s: &str) -> Result<()> {
    if s.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    let n = s.chars().count();
    if n > MAX_SUBJECT_CHARS {
        return Err(Error::validation(
            field,
            format!("is {n} characters; at most {MAX_SUBJECT_CHARS} allowed"),
        ));
    }
    no_nul(field, s)
}

/// Message bodies: may be empty only where the caller allows; at most 1 MiB.
pub(crate) fn validate_body(field: &str, s: &str) -> Result<()> {
    if s.len() > MAX_BODY_BYTES {
        return Err(Error::validation(
            field,
            format!("is {} bytes; at most {MAX_BODY_BYTES} allowed", s.len()),
        ));
    }
    no_nul(field, s)
}

pub(crate) fn validate_short(field: &str, s: &str) -> Result<()> {
    if s.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    if s.chars().count() > 200 {
        return Err(Error::validation(field, "is longer than 200 characters"));
    }
    no_nul(field, s)
}

fn validate_fields(fields: &BTreeMap<String, FieldValue>) -> Result<()> {
    for (k, v) in fields {
        validate_short("fields", k)?;
        match v {
            FieldValue::Text(s) => validate_body(&format!("fields.{k}"), s)?,
            FieldValue::Number(n) if !n.is_finite() => {
                return Err(Error::validation(
                    format!("fields.{k}"),
                    "must be a finite number",
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

pub(crate) fn validate_requester(r: &Requester) -> Result<()> {
    validate_short("requester.name", &r.name)?;
    if let Some(e) = &r.email {
        validate_email("requester.email", e)?;
    }
    for (field, v) in [
        ("requester.phone", &r.phone),
        ("requester.organization", &r.organization),
        ("requester.tier", &r.tier),
    ] {
        if let Some(v) = v {
            validate_short(field, v)?;
        }
    }
    Ok(())
}

/// A pragmatic address check: one `@`, a non-empty local part, a dotted
/// domain, no spaces or control characters. Deliverability is the mail
/// system's job; this catches typos and junk.
pub(crate) fn validate_email(field: &str, e: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::validation(
            field,
            format!("`{e}` is not an email address: {why}"),
        ))
    };
    if e.len() > 254 {
        return bad("longer than 254 characters");
    }
    if e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("contains spaces or control characters");
    }
    let Some((local, domain)) = e.split_once('@') else {
        return bad("no `@`");
    };
    if local.is_empty() || domain.contains('@') {
        return bad("needs exactly one `@` after a name");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
    {
        return bad("the domain must look like example.com");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::CustomerId;

    fn new(subject: &str) -> NewTicket {
        NewTicket::new(
            Requester::new(CustomerId::new(), "Ada"),
            Channel::Email,
            subject,
            "body",
        )
    }

    #[test]
    fn validation_names_the_field() {
        let field = |r: Result<()>| match r {
            Err(Error::Validation(v)) => v.field,
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(field(new("  ").validate()), "subject");
        assert_eq!(field(new(&"x".repeat(251)).validate()), "subject");
        new(&"é".repeat(250)).validate().unwrap();
        let mut t = new("ok");
        t.description = "x".repeat(MAX_BODY_BYTES + 1);
        assert_eq!(field(t.validate()), "description");
        let mut t = new("ok");
        t.requester = t.requester.email("not-an-email");
        assert_eq!(field(t.validate()), "requester.email");
        assert_eq!(field(new("nul \0 here").validate()), "subject");
    }

    #[test]
    fn emails() {
        for ok in ["a@b.co", "first.last+tag@mail.example.org"] {
            validate_email("e", ok).unwrap();
        }
        for bad in [
            "", "a", "@b.co", "a@b", "a@@b.co", "a b@c.de", "a@-b.com", "a@b..com",
        ] {
            assert!(validate_email("e", bad).is_err(), "{bad}");
        }
    }
}
