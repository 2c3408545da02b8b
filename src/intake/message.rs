//! [`InboundMessage`] and its parts.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Utc};

use crate::id::TicketRef;
use crate::ticket::Channel;

use super::limits::{IntakeError, IntakeLimits, MAX_EXTERNAL_ID_BYTES};

/// One message from a customer, from any channel, as the desk takes it in.
///
/// Build it with [`InboundMessage::new`] and the setters (a chat or phone
/// adapter), or get it from `intake::email::parse` (feature `email`). The
/// desk opens a ticket with it, or adds it to the ticket its
/// [`thread`](InboundMessage::thread) hints point to.
///
/// The [`external_id`](InboundMessage::external_id) is the channel's own id
/// for the message (an email's Message-ID, a chat platform's message id):
/// the desk takes in each external id once per channel, so a webhook that
/// is retried, or a mailbox read twice, never makes a duplicate.
///
/// ```
/// use helpdesk::intake::{InboundAttachment, InboundMessage, Sender};
/// use helpdesk::{Channel, TicketRef};
///
/// let msg = InboundMessage::new(
///     Channel::Social,
///     "1789324561234",
///     Sender::new().handle("@camille_m").name("Camille"),
///     "Toujours pas de connexion depuis ce matin.",
/// )
/// .ticket_ref(TicketRef(1042))
/// .attachment(InboundAttachment::new("ecran.png", "image/png", vec![0x89, b'P', b'N', b'G']));
/// assert_eq!(msg.size(), msg.text.len() + 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InboundMessage {
    /// Where it came in.
    pub channel: Channel,
    /// The channel's own id for this message (for email the Message-ID,
    /// without angle brackets). The same id twice on one channel is one message.
    pub external_id: String,
    /// Who wrote it.
    pub sender: Sender,
    /// The addresses it was sent to (for email: To and Cc, lower-cased):
    /// which desk address was written to, and who else was copied.
    pub recipients: Vec<String>,
    /// The subject as received (decoded), tag and `Re:` included; empty
    /// where the channel has none. See [`text::clean_subject`](super::text::clean_subject)
    /// for a new ticket's subject.
    pub subject: String,
    /// The text for the ticket's timeline: plain text, with quoted history
    /// and signatures trimmed.
    pub text: String,
    /// The text as received, before trimming (for email: the text/plain
    /// part, or the HTML converted to plain text).
    pub full_text: String,
    /// The HTML body, if the message had one.
    pub html: Option<String>,
    /// The attached files, inline images included.
    pub attachments: Vec<InboundAttachment>,
    /// What tells which ticket it belongs to.
    pub thread: ThreadHints,
    /// When the sender says it was sent (an email's `Date`). The desk
    /// records its own time; this is for display.
    pub sent_at: Option<DateTime<Utc>>,
    /// The message exactly as received, for email (kept for audit, and to
    /// re-parse with a better parser later).
    pub raw: Option<Vec<u8>>,
}

impl InboundMessage {
    /// A message with its required parts; `text` is both the text and the
    /// full text (adapters for channels without quoting need nothing else).
    pub fn new(
        channel: Channel,
        external_id: impl Into<String>,
        sender: Sender,
        text: impl Into<String>,
    ) -> Self {
        let text = text.into();
        InboundMessage {
            channel,
            external_id: external_id.into(),
            sender,
            recipients: Vec::new(),
            subject: String::new(),
            full_text: text.clone(),
            text,
            html: None,
            attachments: Vec::new(),
            thread: ThreadHints::default(),
            sent_at: None,
            raw: None,
        }
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = subject.into();
        self
    }
    /// Sets the text as received, before trimming (the text stays as it is).
    pub fn full_text(mut self, full_text: impl Into<String>) -> Self {
        self.full_text = full_text.into();
        self
    }
    /// Sets the HTML body.
    pub fn html(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self
    }
    /// Adds a recipient address.
    pub fn recipient(mut self, address: impl Into<String>) -> Self {
        self.recipients.push(address.into());
        self
    }
    /// Adds an attachment.
    pub fn attachment(mut self, attachment: InboundAttachment) -> Self {
        self.attachments.push(attachment);
        self
    }
    /// Sets the ticket the sender names (a subject tag, a chat thread
    /// bound to a ticket).
    pub fn ticket_ref(mut self, reference: TicketRef) -> Self {
        self.thread.ticket_ref = Some(reference);
        self
    }
    /// Adds the external id of a message this one answers.
    pub fn in_reply_to(mut self, external_id: impl Into<String>) -> Self {
        self.thread.in_reply_to.push(external_id.into());
        self
    }
    /// Adds the external id of an earlier message of the conversation
    /// (oldest first, as `References` lists them).
    pub fn reference(mut self, external_id: impl Into<String>) -> Self {
        self.thread.references.push(external_id.into());
        self
    }
    /// Sets when the sender says it was sent.
    pub fn sent_at(mut self, at: DateTime<Utc>) -> Self {
        self.sent_at = Some(at);
        self
    }
    /// Keeps the raw message as received.
    pub fn raw(mut self, raw: impl Into<Vec<u8>>) -> Self {
        self.raw = Some(raw.into());
        self
    }

    /// The message's size in bytes, as [`IntakeLimits::max_message_bytes`]
    /// counts it: the raw message when there is one, else the full text, the
    /// HTML and the attachments together.
    pub fn size(&self) -> usize {
        match &self.raw {
            Some(raw) => raw.len(),
            None => {
                self.full_text.len()
                    + self.html.as_ref().map_or(0, String::len)
                    + self
                        .attachments
                        .iter()
                        .map(|a| a.bytes.len())
                        .sum::<usize>()
            }
        }
    }

    /// Checks the message against `limits` and its own invariants: an
    /// external id (at most [`MAX_EXTERNAL_ID_BYTES`]), a sender that can be
    /// told apart (an email, a phone number or a handle), and something to
    /// take in (a subject, text or an attachment). Returns the first
    /// problem found.
    ///
    /// ```
    /// use helpdesk::intake::{InboundAttachment, InboundMessage, IntakeError, IntakeLimits, Sender};
    /// use helpdesk::Channel;
    ///
    /// let msg = InboundMessage::new(Channel::Chat, "m-1", Sender::new().handle("ada"), "logs attached")
    ///     .attachment(InboundAttachment::new("vpn.log", "text/plain", vec![b'x'; 2048]));
    /// let limits = IntakeLimits::default().max_attachment_bytes(1024);
    /// assert_eq!(
    ///     msg.validate(&limits),
    ///     Err(IntakeError::AttachmentTooLarge { index: 0, filename: "vpn.log".into(), size: 2048, limit: 1024 })
    /// );
    /// ```
    pub fn validate(&self, limits: &IntakeLimits) -> Result<(), IntakeError> {
        if self.external_id.trim().is_empty() {
            return Err(IntakeError::MissingExternalId);
        }
        if self.external_id.len() > MAX_EXTERNAL_ID_BYTES {
            return Err(IntakeError::ExternalIdTooLong {
                len: self.external_id.len(),
                limit: MAX_EXTERNAL_ID_BYTES,
            });
        }
        if !self.sender.is_identifiable() {
            return Err(IntakeError::MissingSender);
        }
        let size = self.size();
        if size > limits.max_message_bytes {
            return Err(IntakeError::MessageTooLarge {
                size,
                limit: limits.max_message_bytes,
            });
        }
        if self.text.len() > limits.max_text_bytes {
            return Err(IntakeError::TextTooLarge {
                size: self.text.len(),
                limit: limits.max_text_bytes,
            });
        }
        if self.attachments.len() > limits.max_attachments {
            return Err(IntakeError::TooManyAttachments {
                count: self.attachments.len(),
                limit: limits.max_attachments,
            });
        }
        for (index, a) in self.attachments.iter().enumerate() {
            if a.bytes.len() > limits.max_attachment_bytes {
                return Err(IntakeError::AttachmentTooLarge {
                    index,
                    filename: a.filename.clone(),
                    size: a.bytes.len(),
                    limit: limits.max_attachment_bytes,
                });
            }
        }
        if self.subject.trim().is_empty()
            && self.text.trim().is_empty()
            && self.attachments.is_empty()
        {
            return Err(IntakeError::Empty);
        }
        Ok(())
    }
}

/// Byte fields print as their length: a raw message or an attachment can be
/// megabytes.
impl fmt::Debug for InboundMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboundMessage")
            .field("channel", &self.channel)
            .field("external_id", &self.external_id)
            .field("sender", &self.sender)
            .field("recipients", &self.recipients)
            .field("subject", &self.subject)
            .field("text", &self.text)
            .field("full_text", &self.full_text)
            .field("html", &self.html)
            .field("attachments", &self.attachments)
            .field("thread", &self.thread)
            .field("sent_at", &self.sent_at)
            .field("raw", &self.raw.as_deref().map(ByteCount))
            .finish()
    }
}

/// Who sent an inbound message: whatever the channel tells about them. The
/// desk matches it to a requester by email, phone or handle, or makes a new
/// requester.
///
/// ```
/// use helpdesk::intake::Sender;
/// let s = Sender::new().email(" Ada@Example.COM ").name("Ada Lovelace");
/// assert_eq!(s.email.as_deref(), Some("ada@example.com"));
/// assert!(s.is_identifiable());
/// assert!(!Sender::new().name("Anonymous").is_identifiable());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sender {
    /// Email address, trimmed and lower-cased (requesters are matched by it).
    pub email: Option<String>,
    /// Phone number, as the channel gives it.
    pub phone: Option<String>,
    /// A handle on the message's channel (a chat or social account); the
    /// pair (channel, handle) names the person.
    pub handle: Option<String>,
    /// Display name.
    pub name: Option<String>,
}

impl Sender {
    /// A sender with nothing known yet.
    pub fn new() -> Self {
        Sender::default()
    }
    /// Sets the email address (trimmed and lower-cased; empty means none).
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = non_empty(email.into()).map(|e| e.to_lowercase());
        self
    }
    /// Sets the phone number (trimmed; empty means none).
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = non_empty(phone.into());
        self
    }
    /// Sets the handle on the channel (trimmed; empty means none).
    pub fn handle(mut self, handle: impl Into<String>) -> Self {
        self.handle = non_empty(handle.into());
        self
    }
    /// Sets the display name (trimmed; empty means none).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = non_empty(name.into());
        self
    }
    /// True when something tells this sender apart: an email, a phone
    /// number or a handle (a display name alone does not).
    pub fn is_identifiable(&self) -> bool {
        self.email.is_some() || self.phone.is_some() || self.handle.is_some()
    }
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(s)
    } else {
        Some(t.to_owned())
    }
}

/// A file attached to an inbound message.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InboundAttachment {
    /// The file name, without any directory part (never empty).
    pub filename: String,
    /// The content type the sender declared, e.g. `image/png` (not checked
    /// against the bytes).
    pub content_type: String,
    /// The content, decoded.
    pub bytes: Vec<u8>,
}

impl InboundAttachment {
    /// An attachment. The file name loses any directory part and control
    /// characters (`../../etc/passwd` becomes `passwd`); an empty one becomes
    /// `attachment`.
    pub fn new(
        filename: impl AsRef<str>,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        InboundAttachment {
            filename: safe_filename(filename.as_ref()).unwrap_or_else(|| "attachment".into()),
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }
}

impl fmt::Debug for InboundAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboundAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &ByteCount(&self.bytes))
            .finish()
    }
}

/// The last path component of `name`, without control characters, at most
/// 255 bytes; `None` when nothing is left.
pub(crate) fn safe_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut clean: String = base.chars().filter(|c| !c.is_control()).collect();
    let trimmed = clean.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        return None;
    }
    clean = trimmed.to_owned();
    if clean.len() > 255 {
        let mut end = 255;
        while !clean.is_char_boundary(end) {
            end -= 1;
        }
        clean.truncate(end);
    }
    Some(clean)
}

/// What tells which ticket a message belongs to.
///
/// The desk looks in this order: the ticket reference (a subject tag like
/// `[#1042]`), then the external ids this message answers, against the ids
/// of the messages the desk sent ([`ThreadHints::message_ids`] gives them
/// in the order to try), and opens a new ticket when nothing matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThreadHints {
    /// The ticket reference the sender named, e.g. from the subject tag.
    pub ticket_ref: Option<TicketRef>,
    /// The ids of the messages this one directly answers (`In-Reply-To`),
    /// without angle brackets.
    pub in_reply_to: Vec<String>,
    /// The ids of the earlier messages of the conversation, oldest first
    /// (`References`), without angle brackets.
    pub references: Vec<String>,
}

impl ThreadHints {
    /// True when nothing points to an existing ticket.
    pub fn is_empty(&self) -> bool {
        self.ticket_ref.is_none() && self.in_reply_to.is_empty() && self.references.is_empty()
    }

    /// The message ids to look up, most telling first: `In-Reply-To`, then
    /// `References` from the newest back; each once.
    ///
    /// ```
    /// use helpdesk::intake::InboundMessage;
    /// # use helpdesk::{Channel, intake::Sender};
    /// let msg = InboundMessage::new(Channel::Email, "c@x", Sender::new().email("a@x"), "hi")
    ///     .in_reply_to("b@desk")
    ///     .reference("a@desk")
    ///     .reference("b@desk");
    /// assert_eq!(msg.thread.message_ids().collect::<Vec<_>>(), ["b@desk", "a@desk"]);
    /// ```
    pub fn message_ids(&self) -> impl Iterator<Item = &str> + '_ {
        let mut seen = HashSet::new();
        self.in_reply_to
            .iter()
            .chain(self.references.iter().rev())
            .map(String::as_str)
            .filter(move |id| seen.insert(*id))
    }
}

/// Prints `<1234 bytes>` for a byte slice.
struct ByteCount<'a>(&'a [u8]);

impl fmt::Debug for ByteCount<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(text: &str) -> InboundMessage {
        InboundMessage::new(Channel::Chat, "m-1", Sender::new().handle("ada"), text)
    }

    #[test]
    fn a_plain_chat_message_is_valid() {
        assert_eq!(chat("hello").validate(&IntakeLimits::default()), Ok(()));
    }

    #[test]
    fn each_limit_has_its_error() {
        let l = IntakeLimits::default();
        let e = |m: InboundMessage, l: &IntakeLimits| m.validate(l).unwrap_err();

        let msg = chat("0123456789");
        assert_eq!(
            e(msg.clone(), &l.max_message_bytes(9)),
            IntakeError::MessageTooLarge { size: 10, limit: 9 }
        );
        assert_eq!(
            e(msg.clone(), &l.max_text_bytes(9)),
            IntakeError::TextTooLarge { size: 10, limit: 9 }
        );
        let two = msg
            .attachment(InboundAttachment::new("a", "text/plain", "1"))
            .attachment(InboundAttachment::new("b", "text/plain", "22"));
        assert_eq!(
            e(two.clone(), &l.max_attachments(1)),
            IntakeError::TooManyAttachments { count: 2, limit: 1 }
        );
        assert_eq!(
            e(two, &l.max_attachment_bytes(1)),
            IntakeError::AttachmentTooLarge {
                index: 1,
                filename: "b".into(),
                size: 2,
                limit: 1
            }
        );
    }

    #[test]
    fn the_raw_message_is_the_size_when_there_is_one() {
        let msg = chat("hi").raw(vec![0; 100]);
        assert_eq!(msg.size(), 100);
        assert_eq!(
            msg.validate(&IntakeLimits::default().max_message_bytes(99)),
            Err(IntakeError::MessageTooLarge {
                size: 100,
                limit: 99
            })
        );
    }

    #[test]
    fn ids_senders_and_content_are_required() {
        let l = IntakeLimits::default();
        let mut m = chat("hi");
        m.external_id = "  ".into();
        assert_eq!(m.validate(&l), Err(IntakeError::MissingExternalId));
        m.external_id = "x".repeat(MAX_EXTERNAL_ID_BYTES + 1);
        assert!(matches!(
            m.validate(&l),
            Err(IntakeError::ExternalIdTooLong { .. })
        ));

        let m = InboundMessage::new(Channel::Phone, "call-7", Sender::new().name("Bob"), "hi");
        assert_eq!(m.validate(&l), Err(IntakeError::MissingSender));

        assert_eq!(chat(" ").validate(&l), Err(IntakeError::Empty));
        assert_eq!(chat("").subject("VPN down").validate(&l), Ok(()));
        let only_file = chat("").attachment(InboundAttachment::new("x.png", "image/png", "p"));
        assert_eq!(only_file.validate(&l), Ok(()));
    }

    #[test]
    fn file_names_lose_their_directories() {
        assert_eq!(safe_filename("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            safe_filename("C:\\Users\\ada\\report.pdf").as_deref(),
            Some("report.pdf")
        );
        assert_eq!(
            safe_filename(" fa\u{0}cture\n.pdf ").as_deref(),
            Some("facture.pdf")
        );
        assert_eq!(safe_filename("dir/"), None);
        assert_eq!(safe_filename(".."), None);
        let long = "é".repeat(200);
        assert!(safe_filename(&long).unwrap().len() <= 255);
        assert_eq!(InboundAttachment::new("", "x/y", "").filename, "attachment");
    }

    #[test]
    fn debug_prints_byte_counts_not_bytes() {
        let m = chat("hi")
            .raw(vec![7; 5000])
            .attachment(InboundAttachment::new(
                "a.bin",
                "application/octet-stream",
                vec![1; 300],
            ));
        let d = format!("{m:?}");
        assert!(
            d.contains("<5000 bytes>") && d.contains("<300 bytes>"),
            "{d}"
        );
        assert!(d.len() < 1000);
    }

    #[test]
    fn message_ids_come_in_lookup_order_once_each() {
        let h = ThreadHints {
            ticket_ref: None,
            in_reply_to: vec!["c".into()],
            references: vec!["a".into(), "b".into(), "c".into()],
        };
        assert_eq!(h.message_ids().collect::<Vec<_>>(), ["c", "b", "a"]);
        assert!(ThreadHints::default().is_empty());
        assert!(!h.is_empty());
    }
}
