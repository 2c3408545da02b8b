//! Email intake (feature `email`): a raw RFC 5322 message to an
//! [`InboundMessage`], or the reason to skip it.
//!
//! [`parse`] reads the message with [`mail_parser`] (MIME, RFC 2047 encoded
//! words, quoted-printable and base64, legacy charsets such as ISO-8859-7,
//! KOI8-R, ISO-8859-2 and Windows-1252), then:
//!
//! 1. **Skips** what must not become a ticket ([`SkipReason`]): the desk's
//!    own mail coming back, bounces, auto-replies and bulk or list mail. A
//!    help desk that answers an out-of-office reply with an acknowledgment
//!    that gets another out-of-office reply loops forever.
//! 2. **Reads the threading hints**: the ticket reference in the subject tag
//!    ([`SubjectTag`], `[#1042]` by default), `In-Reply-To` and `References`.
//! 3. **Takes the text**: the text/plain body, else the HTML converted to
//!    plain text ([`text::html_to_text`]); then quoted history and
//!    signatures are trimmed ([`text::trim_reply`]), except in a forward,
//!    whose forwarded text is the request. The untrimmed text, the HTML and
//!    the raw bytes stay on the message.
//! 4. **Checks the limits** ([`IntakeLimits`]): the raw size before parsing,
//!    then text, attachment count and attachment sizes.
//!
//! ```
//! use helpdesk::intake::email::{parse, EmailIntakeConfig, Parsed, SkipReason};
//! use helpdesk::TicketRef;
//!
//! let config = EmailIntakeConfig::default().own_message_id_domain("desk.example.com");
//! let raw = b"From: Ada Lovelace <Ada@Example.com>\r\n\
//! To: support@desk.example.com\r\n\
//! Subject: Re: [#1042] VPN drops every hour\r\n\
//! Message-ID: <CAB123@mail.example.com>\r\n\
//! In-Reply-To: <notification-1@desk.example.com>\r\n\
//! \r\n\
//! Still dropping, sorry.\r\n\
//! \r\n\
//! On Mon, 2 Mar 2026 at 09:14, Support <support@desk.example.com> wrote:\r\n\
//! > Please try the new VPN profile.\r\n";
//!
//! let Parsed::Message(msg) = parse(raw, &config)? else { panic!("not skipped") };
//! assert_eq!(msg.sender.email.as_deref(), Some("ada@example.com"));
//! assert_eq!(msg.external_id, "CAB123@mail.example.com");
//! assert_eq!(msg.thread.ticket_ref, Some(TicketRef(1042)));
//! assert_eq!(msg.thread.in_reply_to, ["notification-1@desk.example.com"]);
//! assert_eq!(msg.text, "Still dropping, sorry.");
//!
//! let auto = b"From: ada@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\nBack Monday.\r\n";
//! let Parsed::Skipped(skip) = parse(auto, &config)? else { panic!("skipped") };
//! assert_eq!(skip.reason, SkipReason::AutoReply { evidence: "Auto-Submitted: auto-replied".into() });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Utc};
use mail_parser::{Addr, HeaderValue, Message, MessageParser, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};

use super::limits::{IntakeError, IntakeLimits};
use super::message::{InboundAttachment, InboundMessage, Sender, ThreadHints, safe_filename};
use super::tag::SubjectTag;
use super::text;
use crate::ticket::Channel;

/// How the desk reads its mailbox.
///
/// ```
/// use helpdesk::intake::email::EmailIntakeConfig;
/// let config: EmailIntakeConfig = toml::from_str(r#"
///     own_message_id_domain = "desk.example.com"
///     accepted_list_ids = ["support.example.com"]
///     subject_tag = { prefix = "[Acme #", suffix = "]" }
///     limits = { max_attachments = 10 }
/// "#)?;
/// assert_eq!(config.limits.max_attachments, 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct EmailIntakeConfig {
    /// How ticket references are written in subjects (`[#1042]` by default).
    pub subject_tag: SubjectTag,
    /// The domain of the Message-IDs the desk gives its own mail (e.g.
    /// `desk.example.com`). A message with a Message-ID in it is the desk's
    /// own mail come back, and is skipped ([`SkipReason::OwnMessage`]).
    pub own_message_id_domain: Option<String>,
    /// Mailing lists whose mail is taken in despite its `List-Id` and
    /// `Precedence: list` (e.g. a Google Group that is the desk's public
    /// address), by list id: `support.example.com`.
    pub accepted_list_ids: Vec<String>,
    /// Size limits.
    pub limits: IntakeLimits,
}

impl EmailIntakeConfig {
    /// Sets the subject tag.
    pub fn subject_tag(mut self, tag: SubjectTag) -> Self {
        self.subject_tag = tag;
        self
    }
    /// Sets the domain of the desk's own Message-IDs.
    pub fn own_message_id_domain(mut self, domain: impl Into<String>) -> Self {
        self.own_message_id_domain = Some(domain.into());
        self
    }
    /// Accepts the mail of one mailing list.
    pub fn accept_list_id(mut self, list_id: impl Into<String>) -> Self {
        self.accepted_list_ids.push(list_id.into());
        self
    }
    /// Sets the size limits.
    pub fn limits(mut self, limits: IntakeLimits) -> Self {
        self.limits = limits;
        self
    }
}

/// What [`parse`] made of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A message to take in: it opens a ticket or joins one.
    Message(Box<InboundMessage>),
    /// A message that must not become a ticket, and why.
    Skipped(Skipped),
}

impl Parsed {
    /// The message to take in, if it is one.
    pub fn into_message(self) -> Option<InboundMessage> {
        match self {
            Parsed::Message(m) => Some(*m),
            Parsed::Skipped(_) => None,
        }
    }
    /// The skip, if it is one.
    pub fn skipped(&self) -> Option<&Skipped> {
        match self {
            Parsed::Message(_) => None,
            Parsed::Skipped(s) => Some(s),
        }
    }
}

/// A skipped message: why, and enough to log it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Skipped {
    /// Why it is skipped.
    pub reason: SkipReason,
    /// Its Message-ID, without angle brackets, if it has one.
    pub message_id: Option<String>,
    /// Its sender's address, lower-cased, if it has one.
    pub from: Option<String>,
    /// Its subject, decoded.
    pub subject: String,
}

/// Why a message is not taken in. Each carries the evidence: the header and
/// value (or the MIME part) that decided.
///
/// The rules, in the order they are tried:
///
/// | reason | when |
/// |---|---|
/// | [`OwnMessage`](SkipReason::OwnMessage) | the Message-ID is in [`EmailIntakeConfig::own_message_id_domain`] |
/// | [`Bounce`](SkipReason::Bounce) | from `mailer-daemon@` or `postmaster@`, or a `multipart/report; report-type=delivery-status` |
/// | [`AutoReply`](SkipReason::AutoReply) | `Auto-Submitted` other than `no` (RFC 3834), `X-Autoreply` or `X-Autorespond`, `Precedence: auto_reply`, another `multipart/report` (read receipts), or an empty `Return-Path: <>` (RFC 5321's null sender, used only by automatic mail) |
/// | [`Bulk`](SkipReason::Bulk) | `Precedence: bulk`, `list` or `junk`, or a `List-Id` not in [`EmailIntakeConfig::accepted_list_ids`] |
///
/// `List-Unsubscribe` alone does not skip a message: skipping a customer's
/// request loses it silently, which is worse than a ticket an agent closes
/// as spam.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The desk's own mail, come back (a loop through a forwarding rule).
    OwnMessage {
        /// The Message-ID.
        message_id: String,
    },
    /// A delivery failure report.
    Bounce {
        /// What marks it, e.g. `From: mailer-daemon@example.com`.
        evidence: String,
    },
    /// An automatic answer: out of office, vacation, read receipt.
    AutoReply {
        /// What marks it, e.g. `Auto-Submitted: auto-replied`.
        evidence: String,
    },
    /// Bulk or mailing-list mail: newsletters, announcements, list traffic.
    Bulk {
        /// What marks it, e.g. `Precedence: bulk`.
        evidence: String,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::OwnMessage { message_id } => {
                write!(f, "the desk's own mail (Message-ID <{message_id}>)")
            }
            SkipReason::Bounce { evidence } => write!(f, "a bounce ({evidence})"),
            SkipReason::AutoReply { evidence } => write!(f, "an automatic reply ({evidence})"),
            SkipReason::Bulk { evidence } => write!(f, "bulk or list mail ({evidence})"),
        }
    }
}

/// Parses a raw RFC 5322 message (as read from a mailbox, an `.eml` file or
/// an inbound-mail webhook) into a message to take in, or a skip.
///
/// Errors: [`IntakeError::MessageTooLarge`] before parsing;
/// [`IntakeError::Malformed`] when no header can be read; then what
/// [`InboundMessage::validate`] finds (no sender address, the text,
/// attachment count and size limits). Broken MIME otherwise gives a
/// best-effort message, never a panic.
pub fn parse(raw: &[u8], config: &EmailIntakeConfig) -> Result<Parsed, IntakeError> {
    let limits = &config.limits;
    if raw.len() > limits.max_message_bytes {
        return Err(IntakeError::MessageTooLarge {
            size: raw.len(),
            limit: limits.max_message_bytes,
        });
    }
    // A message has at least one header field RFC 5322 or MIME defines
    // (From, Date, Subject, Content-Type, ...); a file without one is not
    // mail, whatever `Name: value` lines it holds.
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| m.headers().iter().any(|h| !h.name.is_other()))
        .ok_or_else(|| IntakeError::Malformed {
            reason: "no RFC 5322 header fields found".into(),
        })?;

    let from = first_address(&message);
    let subject = message.subject().map(clean_line).unwrap_or_default();
    let message_id = message
        .message_id()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned);

    if let Some(reason) = skip_reason(&message, config, message_id.as_deref(), from) {
        return Ok(Parsed::Skipped(Skipped {
            reason,
            message_id,
            from: from.and_then(Addr::address).map(str::to_lowercase),
            subject,
        }));
    }

    let full_text = body_text(&message);
    let text = if text::is_forward(&subject) {
        full_text.trim().to_owned()
    } else {
        text::trim_reply(&full_text)
    };
    let external_id = message_id.unwrap_or_else(|| fallback_message_id(&message));
    let mut msg = InboundMessage::new(Channel::Email, external_id, sender(&message), text)
        .full_text(full_text)
        .raw(raw);
    msg.thread = ThreadHints {
        ticket_ref: config.subject_tag.find(&subject),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
    };
    msg.subject = subject;
    msg.html = body_html(&message);
    msg.recipients = recipients(&message);
    msg.attachments = attachments(&message);
    msg.sent_at = sent_at(&message);

    msg.validate(limits)?;
    Ok(Parsed::Message(Box::new(msg)))
}

// ---------------------------------------------------------------------------
// Skip rules.
// ---------------------------------------------------------------------------

fn skip_reason(
    message: &Message<'_>,
    config: &EmailIntakeConfig,
    message_id: Option<&str>,
    from: Option<&Addr<'_>>,
) -> Option<SkipReason> {
    own_message(config, message_id)
        .or_else(|| bounce(message, from))
        .or_else(|| auto_reply(message))
        .or_else(|| bulk(message, config))
}

fn own_message(config: &EmailIntakeConfig, message_id: Option<&str>) -> Option<SkipReason> {
    let own = config.own_message_id_domain.as_deref()?.trim();
    let own = own.trim_start_matches('@');
    let id = message_id?;
    let (_, domain) = id.rsplit_once('@')?;
    let domain = domain.trim_end_matches('>');
    (!own.is_empty() && domain.eq_ignore_ascii_case(own)).then(|| SkipReason::OwnMessage {
        message_id: id.to_owned(),
    })
}

fn bounce(message: &Message<'_>, from: Option<&Addr<'_>>) -> Option<SkipReason> {
    if let Some(address) = from.and_then(Addr::address) {
        let local = address.split('@').next().unwrap_or("");
        if local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster") {
            return Some(SkipReason::Bounce {
                evidence: format!("From: {}", address.to_lowercase()),
            });
        }
    }
    match report_type(message) {
        Some(kind) if kind == "delivery-status" => Some(SkipReason::Bounce {
            evidence: "multipart/report; report-type=delivery-status".into(),
        }),
        _ => None,
    }
}

fn auto_reply(message: &Message<'_>) -> Option<SkipReason> {
    let evidence = |name: &str, value: &str| SkipReason::AutoReply {
        evidence: format!("{name}: {value}"),
    };
    if let Some(value) = header(message, "Auto-Submitted")
        && first_token(&value) != "no"
    {
        return Some(evidence("Auto-Submitted", &value));
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if let Some(value) = header(message, name)
            && !matches!(first_token(&value).as_str(), "no" | "false" | "0")
        {
            return Some(evidence(name, &value));
        }
    }
    if let Some(value) = header(message, "Precedence")
        && first_token(&value) == "auto_reply"
    {
        return Some(evidence("Precedence", &value));
    }
    if let Some(kind) = report_type(message) {
        return Some(SkipReason::AutoReply {
            evidence: format!("multipart/report; report-type={kind}"),
        });
    }
    if header(message, "Return-Path").is_some_and(|v| v.replace(' ', "") == "<>") {
        return Some(evidence("Return-Path", "<>"));
    }
    None
}

fn bulk(message: &Message<'_>, config: &EmailIntakeConfig) -> Option<SkipReason> {
    let list_id = header(message, "List-Id");
    let accepted = list_id.as_deref().is_some_and(|value| {
        let id = list_id_of(value);
        config
            .accepted_list_ids
            .iter()
            .any(|a| list_id_of(a).eq_ignore_ascii_case(id))
    });
    if accepted {
        return None;
    }
    if let Some(value) = header(message, "Precedence")
        && matches!(first_token(&value).as_str(), "bulk" | "list" | "junk")
    {
        return Some(SkipReason::Bulk {
            evidence: format!("Precedence: {value}"),
        });
    }
    list_id.map(|value| SkipReason::Bulk {
        evidence: format!("List-Id: {value}"),
    })
}

/// The id in a `List-Id` value: `Support <support.example.com>` gives
/// `support.example.com`.
fn list_id_of(value: &str) -> &str {
    match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => value[open + 1..close].trim(),
        _ => value.trim().trim_matches(['<', '>']),
    }
}

/// The `report-type` of a `multipart/report` message, lower-cased.
fn report_type(message: &Message<'_>) -> Option<String> {
    let ct = message.root_part().content_type()?;
    let is_report = ct.ctype().eq_ignore_ascii_case("multipart")
        && ct
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"));
    is_report.then(|| {
        ct.attribute("report-type")
            .unwrap_or("unknown")
            .to_ascii_lowercase()
    })
}

/// A top-level header's value as written, unfolded and trimmed: the skip
/// rules read headers that mail-parser keeps raw.
fn header(message: &Message<'_>, name: &str) -> Option<String> {
    let h = message
        .headers()
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))?;
    let bytes = message
        .raw_message
        .get(h.offset_start as usize..h.offset_end as usize)?;
    Some(clean_line(&String::from_utf8_lossy(bytes)))
}

/// The first `;`-separated token of a header value, lower-cased.
fn first_token(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

// ---------------------------------------------------------------------------
// The message's parts.
// ---------------------------------------------------------------------------

/// The first address of `From`, else `Sender`, else `Reply-To`.
fn first_address<'m>(message: &'m Message<'m>) -> Option<&'m Addr<'m>> {
    [message.from(), message.sender(), message.reply_to()]
        .into_iter()
        .flatten()
        .flat_map(|list| list.iter())
        .find(|a| a.address().is_some_and(|a| a.contains('@')))
}

fn sender(message: &Message<'_>) -> Sender {
    match first_address(message) {
        Some(addr) => {
            let mut s = Sender::new().email(addr.address().unwrap_or_default());
            if let Some(name) = addr.name() {
                s = s.name(clean_line(name));
            }
            s
        }
        None => Sender::new(),
    }
}

/// The To and Cc addresses, lower-cased, each once, in order.
fn recipients(message: &Message<'_>) -> Vec<String> {
    let mut seen = HashSet::new();
    message
        .all_to()
        .chain(message.all_cc())
        .flat_map(|address| address.iter())
        .filter_map(Addr::address)
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty() && seen.insert(a.clone()))
        .collect()
}

/// The most message ids kept from `In-Reply-To` and from `References`.
/// Mail clients keep `References` to a few dozen ids; the newest are the
/// ones that tell the thread, and a bound keeps a hostile header from
/// costing every lookup.
pub const MAX_THREAD_IDS: usize = 50;

/// Message ids from `In-Reply-To` or `References`, without angle brackets,
/// the newest [`MAX_THREAD_IDS`] of them.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let clean = |id: &str| {
        let id = id.trim().trim_matches(['<', '>']).trim();
        (!id.is_empty()).then(|| id.to_owned())
    };
    let mut ids: Vec<String> = match value {
        HeaderValue::Text(id) => clean(id).into_iter().collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|id| clean(id)).collect(),
        _ => Vec::new(),
    };
    let excess = ids.len().saturating_sub(MAX_THREAD_IDS);
    ids.drain(..excess);
    ids
}

/// The text bodies (text/plain, or HTML converted to text where a message
/// has no text/plain), cleaned of control characters.
fn body_text(message: &Message<'_>) -> String {
    let parts: Vec<String> = message
        .text_body
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .filter_map(|part| match &part.body {
            PartType::Text(t) => Some(clean_text(t)),
            PartType::Html(h) => Some(text::html_to_text(&clean_text(h))),
            _ => None,
        })
        .collect();
    parts.join("\n")
}

/// The HTML bodies, if the message has any (not the HTML mail-parser makes
/// from a plain-text body).
fn body_html(message: &Message<'_>) -> Option<String> {
    let parts: Vec<String> = message
        .html_body
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .filter_map(|part| match &part.body {
            PartType::Html(h) => Some(clean_text(h)),
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

fn attachments(message: &Message<'_>) -> Vec<InboundAttachment> {
    message
        .attachments()
        .enumerate()
        .map(|(n, part)| {
            let (kind, subtype) = match part.content_type() {
                Some(ct) => (
                    ct.ctype().to_ascii_lowercase(),
                    ct.subtype().unwrap_or("octet-stream").to_ascii_lowercase(),
                ),
                None if part.is_message() => ("message".into(), "rfc822".into()),
                None => ("application".into(), "octet-stream".into()),
            };
            let filename = part
                .attachment_name()
                .and_then(safe_filename)
                .unwrap_or_else(|| format!("attachment-{}.{}", n + 1, extension(&kind, &subtype)));
            InboundAttachment::new(filename, format!("{kind}/{subtype}"), part.contents())
        })
        .collect()
}

/// A file extension for an unnamed attachment of this type.
fn extension(kind: &str, subtype: &str) -> String {
    match (kind, subtype) {
        ("message", _) => "eml".into(),
        ("text", "plain") => "txt".into(),
        (_, sub) if sub.len() <= 5 && sub.chars().all(|c| c.is_ascii_alphanumeric()) => {
            sub.to_owned()
        }
        _ => "bin".into(),
    }
}

fn sent_at(message: &Message<'_>) -> Option<DateTime<Utc>> {
    let date = message.date().filter(|d| d.is_valid())?;
    DateTime::from_timestamp(date.to_timestamp(), 0)
}

/// An external id for a message without a Message-ID: a hash of what a
/// retried delivery keeps the same (From, To, Date, Subject and the body;
/// not the trace headers, which each delivery adds), so the same message
/// read twice gets the same id.
fn fallback_message_id(message: &Message<'_>) -> String {
    let mut hash = Fnv1a::new();
    for name in ["From", "To", "Date", "Subject"] {
        hash.write(header(message, name).unwrap_or_default().as_bytes());
        hash.write(&[0]);
    }
    let body_start = message.root_part().raw_body_offset() as usize;
    hash.write(message.raw_message.get(body_start..).unwrap_or_default());
    format!("{:016x}@no-message-id.invalid", hash.finish())
}

/// 64-bit FNV-1a: stable across Rust versions and processes, unlike std's
/// `DefaultHasher`, which an id that outlives the process needs. Not
/// cryptographic; it tells retries apart from new messages, nothing more.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Body text without carriage returns and control characters other than
/// line feeds and tabs (a NUL would be refused by the ticket's validation).
fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect()
}

/// A header value on one line: folding and control characters become
/// spaces, runs of spaces one.
fn clean_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_default(raw: &str) -> Result<Parsed, IntakeError> {
        parse(raw.as_bytes(), &EmailIntakeConfig::default())
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        let h = |s: &str| {
            let mut f = Fnv1a::new();
            f.write(s.as_bytes());
            f.finish()
        };
        assert_eq!(h(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(h("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(h("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_message_without_message_id_gets_a_stable_one() {
        let raw =
            "From: ada@example.com\nSubject: VPN\nDate: Mon, 2 Mar 2026 09:00:00 +0000\n\nDown.\n";
        let a = parse_default(raw).unwrap().into_message().unwrap();
        let again = format!("Received: from mx2 by mx1; Mon, 2 Mar 2026 09:00:05 +0000\n{raw}");
        let b = parse_default(&again).unwrap().into_message().unwrap();
        assert!(a.external_id.ends_with("@no-message-id.invalid"));
        assert_eq!(a.external_id, b.external_id);
        let other = raw.replace("Down.", "Up.");
        let c = parse_default(&other).unwrap().into_message().unwrap();
        assert_ne!(a.external_id, c.external_id);
    }

    #[test]
    fn only_the_newest_thread_ids_are_kept() {
        let references: Vec<String> = (0..200).map(|i| format!("<m{i}@x>")).collect();
        let raw = format!(
            "From: ada@example.com\nReferences: {}\nSubject: s\n\nhi\n",
            references.join(" ")
        );
        let m = parse_default(&raw).unwrap().into_message().unwrap();
        assert_eq!(m.thread.references.len(), MAX_THREAD_IDS);
        assert_eq!(m.thread.references.first().unwrap(), "m150@x");
        assert_eq!(m.thread.references.last().unwrap(), "m199@x");
    }

    #[test]
    fn list_ids_are_read_with_or_without_a_label() {
        assert_eq!(
            list_id_of("Support <support.example.com>"),
            "support.example.com"
        );
        assert_eq!(list_id_of("<support.example.com>"), "support.example.com");
        assert_eq!(list_id_of(" support.example.com "), "support.example.com");
    }

    #[test]
    fn control_characters_leave_the_text() {
        assert_eq!(clean_text("a\r\nb\rc\0d\te"), "a\nb\ncd\te");
        assert_eq!(clean_line(" Re:\r\n  VPN\t\0 down "), "Re: VPN down");
    }

    #[test]
    fn unnamed_attachments_get_a_name_from_their_type() {
        assert_eq!(extension("image", "png"), "png");
        assert_eq!(extension("text", "plain"), "txt");
        assert_eq!(extension("message", "rfc822"), "eml");
        assert_eq!(
            extension("application", "vnd.openxmlformats-officedocument"),
            "bin"
        );
    }
}
