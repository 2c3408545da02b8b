//! The intake port: who a sender is, which inbound messages were taken in,
//! and the files they brought.
//!
//! Writes come through the ticket store's [`Commit`](super::Commit): a
//! commit that carries an [`InboundRecord`] stores, in the same atomic
//! write as the ticket, the message's `(channel, external id)`, the
//! sender's contacts and the attachments. [`IntakeStore`] reads them back.
//! A back end that supports intake returns itself from
//! [`TicketStore::intake`](super::TicketStore::intake); the three of this
//! crate do.
//!
//! # The commit's contract
//!
//! For a commit with `inbound: Some(record)`, in the same transaction as
//! its tickets:
//!
//! - `(record.channel, record.external_id)` already stored fails the whole
//!   commit with [`Error::Duplicate`] (`what: "inbound message"`), so the
//!   same external id is taken in once, whoever races.
//! - Each of `record.contacts` not stored yet is stored for
//!   `record.requester`; one stored for the same customer gets the new
//!   requester details; one stored for *another* customer fails the commit
//!   with [`Error::Conflict`] (`what: "contact"`): another writer matched
//!   the sender first, and the desk re-runs the intake, which then finds them.
//! - Each attachment's bytes are stored once per SHA-256 (the same file
//!   twice is stored once), and its row refers to the ticket and event.
//!   With [`InboundRecord::contents_apart`] only the rows are written: an
//!   [`AttachmentStore`](super::AttachmentStore) of their own has the bytes.
//!
//! And for every ticket a commit inserts (`expected_version: None`), its
//! requester's email and phone are added to the contact index where no
//! customer holds them yet, so a customer who first came through the
//! portal or a phone call is recognised when they write by email or chat.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::id::{AttachmentId, CustomerId, EventId, NotificationId, TicketId};
use crate::ticket::{Channel, Requester};

pub(super) mod memory;
#[cfg(feature = "postgres")]
pub(super) mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
pub(super) mod sqlite;

/// A key of the contact index: an email address, a phone number, or a
/// handle on one channel.
///
/// Keys are normalised, so the same person is found however the channel
/// writes them: emails are trimmed and lower-cased, phone numbers keep
/// only their digits and a leading `+`, handles are per channel.
///
/// ```
/// use helpdesk::Channel;
/// use helpdesk::store::ContactKey;
/// assert_eq!(ContactKey::email(" Ada@Example.COM").unwrap().as_str(), "email:ada@example.com");
/// assert_eq!(ContactKey::phone("+30 (210) 555-0100").unwrap().as_str(), "phone:+302105550100");
/// assert_eq!(ContactKey::handle(&Channel::Social, "@camille_m").unwrap().as_str(), "handle:social:@camille_m");
/// assert_eq!(ContactKey::phone("0030 210 555 0100").unwrap().as_str(), "phone:+302105550100");
/// assert_eq!(ContactKey::phone("n/a"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContactKey(String);

/// The fewest digits a phone number has to be a key (short codes and
/// extensions alone would match strangers).
const MIN_PHONE_DIGITS: usize = 5;

impl ContactKey {
    /// The key of an email address; `None` for one without an `@`.
    pub fn email(address: &str) -> Option<Self> {
        let a = address.trim().to_lowercase();
        let (local, domain) = a.split_once('@')?;
        (!local.is_empty() && !domain.is_empty()).then(|| ContactKey(format!("email:{a}")))
    }

    /// The key of a phone number: its digits, with a leading `+` if it has
    /// one (or starts with `00`); `None` with fewer than 5 digits. Numbers
    /// written nationally (`210 555 0100`) and internationally are
    /// different keys: the desk does not guess a country.
    pub fn phone(number: &str) -> Option<Self> {
        let n = number.trim();
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < MIN_PHONE_DIGITS {
            return None;
        }
        // `00` is how most of the world dials the international `+`.
        if n.starts_with('+') {
            Some(ContactKey(format!("phone:+{digits}")))
        } else if let Some(rest) = digits.strip_prefix("00") {
            Some(ContactKey(format!("phone:+{rest}")))
        } else {
            Some(ContactKey(format!("phone:{digits}")))
        }
    }

    /// The key of a handle on `channel` (a chat or social account).
    pub fn handle(channel: &Channel, handle: &str) -> Option<Self> {
        let h = handle.trim();
        (!h.is_empty()).then(|| ContactKey(format!("handle:{}:{h}", channel_key(channel))))
    }

    /// The keys of a requester's contact details (email, phone).
    pub fn of_requester(r: &Requester) -> Vec<Self> {
        r.email
            .as_deref()
            .and_then(ContactKey::email)
            .into_iter()
            .chain(r.phone.as_deref().and_then(ContactKey::phone))
            .collect()
    }

    /// The key as stored, e.g. `email:ada@example.com`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key read back from storage, as [`as_str`](Self::as_str) wrote it.
    pub fn from_stored(key: impl Into<String>) -> Self {
        ContactKey(key.into())
    }
}

impl fmt::Display for ContactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a channel is written in intake keys and tables: `email`, `chat`,
/// ..., `other:<name>`.
pub fn channel_key(channel: &Channel) -> String {
    match channel {
        Channel::Other(name) => format!("other:{name}"),
        c => c.to_string(),
    }
}

/// What a commit stores about an inbound message it takes in. See the
/// [module docs](self) for the contract.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InboundRecord {
    /// The channel it came in on.
    pub channel: Channel,
    /// The channel's id for it (an email's Message-ID without brackets).
    pub external_id: String,
    /// The ticket it opened or joined.
    pub ticket_id: TicketId,
    /// The event that holds its text (the `Created` of a new ticket, or
    /// the customer message).
    pub event_id: EventId,
    /// Who sent it, as the desk knows them.
    pub requester: Requester,
    /// The sender's contact keys, to index for `requester`.
    pub contacts: Vec<ContactKey>,
    /// When the desk took it in.
    pub at: DateTime<Utc>,
    /// Its files, and the raw message when it has one.
    pub attachments: Vec<NewAttachment>,
    /// True when the attachments' contents are kept by an
    /// [`AttachmentStore`](super::AttachmentStore) apart from this store,
    /// which has them already: the commit then writes only their rows.
    pub contents_apart: bool,
}

impl InboundRecord {
    /// A record of the message `(channel, external_id)` taken into event
    /// `event_id` of ticket `ticket_id` at `at`, from `requester`.
    pub fn new(
        channel: Channel,
        external_id: impl Into<String>,
        (ticket_id, event_id): (TicketId, EventId),
        requester: Requester,
        at: DateTime<Utc>,
    ) -> Self {
        InboundRecord {
            channel,
            external_id: external_id.into(),
            ticket_id,
            event_id,
            requester,
            contacts: Vec::new(),
            at,
            attachments: Vec::new(),
            contents_apart: false,
        }
    }

    /// Sets the contact keys to index.
    pub fn contacts(mut self, contacts: Vec<ContactKey>) -> Self {
        self.contacts = contacts;
        self
    }

    /// Adds an attachment.
    pub fn attachment(mut self, a: NewAttachment) -> Self {
        self.attachments.push(a);
        self
    }

    /// Marks the attachments' contents as stored apart (see
    /// [`contents_apart`](Self::contents_apart)).
    pub fn keep_contents_apart(mut self) -> Self {
        self.contents_apart = true;
        self
    }
}

/// A file to store with an inbound message.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewAttachment {
    /// Its id.
    pub id: AttachmentId,
    /// The file name (no directory part).
    pub filename: String,
    /// The content type the sender declared.
    pub content_type: String,
    /// The content.
    pub bytes: Vec<u8>,
    /// True for the message exactly as received (for email, the `.eml`),
    /// which staff may read and requesters are not shown.
    pub raw_message: bool,
}

impl NewAttachment {
    /// A file the sender attached.
    pub fn file(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Self {
        NewAttachment {
            id: AttachmentId::new(),
            filename: filename.into(),
            content_type: content_type.into(),
            bytes,
            raw_message: false,
        }
    }

    /// The raw message as received.
    pub fn raw_message(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Self {
        NewAttachment {
            raw_message: true,
            ..NewAttachment::file(filename, content_type, bytes)
        }
    }

    /// The SHA-256 of the content, in lowercase hex: the key its bytes are
    /// stored under.
    pub fn sha256(&self) -> String {
        sha256_hex(&self.bytes)
    }

    /// The content type its first bytes tell ([`sniff`]).
    pub fn sniffed_type(&self) -> Option<&'static str> {
        sniff(&self.bytes)
    }
}

/// The content type a file's first bytes tell, for the common formats
/// customers attach (images, PDF, archives, office files, executables);
/// `None` when they tell nothing (plain text, unknown formats). Staff see
/// it next to the type the sender declared, so an `invoice.pdf` that is a
/// Windows program stands out.
///
/// ```
/// use helpdesk::store::intake::sniff;
/// assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
/// assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
/// assert_eq!(sniff(b"MZ\x90\x00"), Some("application/x-msdownload"));
/// assert_eq!(sniff(b"hello"), None);
/// ```
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
        (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
        (b"Rar!\x1a\x07", "application/vnd.rar"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "application/x-ole-storage",
        ),
        (b"MZ", "application/x-msdownload"),
        (b"\x7fELF", "application/x-executable"),
        (b"BM", "image/bmp"),
        (b"II*\x00", "image/tiff"),
        (b"MM\x00*", "image/tiff"),
        (b"ID3", "audio/mpeg"),
        (b"OggS", "audio/ogg"),
    ];
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" {
        return match &bytes[8..12] {
            b"WEBP" => Some("image/webp"),
            b"WAVE" => Some("audio/wav"),
            _ => None,
        };
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return Some(match &bytes[8..12] {
            b"heic" | b"heix" | b"mif1" => "image/heic",
            b"M4A " => "audio/mp4",
            _ => "video/mp4",
        });
    }
    MAGIC
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, kind)| *kind)
}

impl fmt::Debug for NewAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAttachment")
            .field("id", &self.id)
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("raw_message", &self.raw_message)
            .finish()
    }
}

/// The lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// An inbound message the store holds: where it went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InboundEntry {
    /// The ticket it opened or joined.
    pub ticket_id: TicketId,
    /// The event that holds its text.
    pub event_id: EventId,
    /// Who sent it.
    pub customer: CustomerId,
    /// When the desk took it in.
    pub at: DateTime<Utc>,
}

/// What is stored about an attachment, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttachmentInfo {
    /// Its id.
    pub id: AttachmentId,
    /// The ticket it belongs to.
    pub ticket_id: TicketId,
    /// The event (message) it came with.
    pub event_id: EventId,
    /// The file name.
    pub filename: String,
    /// The content type the sender declared.
    pub content_type: String,
    /// The content type its first bytes tell ([`sniff`]), when they tell one.
    pub sniffed_type: Option<String>,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its content, lowercase hex.
    pub sha256: String,
    /// True for the raw message as received (staff only).
    pub raw_message: bool,
    /// When it was stored.
    pub at: DateTime<Utc>,
}

/// An attachment with its content.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attachment {
    /// What is stored about it.
    pub info: AttachmentInfo,
    /// The content.
    pub bytes: Vec<u8>,
}

impl Attachment {
    /// An attachment as a store hands it out.
    pub fn new(info: AttachmentInfo, bytes: Vec<u8>) -> Self {
        Attachment { info, bytes }
    }
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("info", &self.info)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish()
    }
}

/// Reads what intake stored. See the [module docs](self).
#[async_trait]
pub trait IntakeStore: Send + Sync + fmt::Debug {
    /// The requester a contact key belongs to, if any.
    async fn contact(&self, key: &ContactKey) -> Result<Option<Requester>>;

    /// The inbound message `(channel, external_id)`, if it was taken in.
    async fn inbound(&self, channel: &Channel, external_id: &str) -> Result<Option<InboundEntry>>;

    /// The ticket a notification (in the outbox, delivered or not) is about.
    async fn notification_ticket(&self, id: NotificationId) -> Result<Option<TicketId>>;

    /// A ticket's attachments, oldest first.
    async fn attachments(&self, ticket: TicketId) -> Result<Vec<AttachmentInfo>>;

    /// One attachment with its content, when this store holds the content
    /// (`None` for one whose content is kept apart, see
    /// [`InboundRecord::contents_apart`]).
    async fn attachment(&self, id: AttachmentId) -> Result<Option<Attachment>>;

    /// What is stored about one attachment, wherever its content is.
    async fn attachment_info(&self, id: AttachmentId) -> Result<Option<AttachmentInfo>>;

    /// Whether any attachment's content has SHA-256 `sha256` (so the
    /// content is still needed).
    async fn content_referenced(&self, sha256: &str) -> Result<bool>;
    /// Erases what intake keeps of requester `customer` (the right to
    /// erasure): every contact key indexed for them (email, phone,
    /// handles, with the details stored alongside), and the attachments of
    /// `tickets` (theirs), with their contents unless another attachment
    /// shares the same bytes. Idempotent; returns what it removed.
    async fn erase_requester(
        &self,
        customer: CustomerId,
        tickets: &[TicketId],
    ) -> Result<IntakeErasure>;
}

/// What [`IntakeStore::erase_requester`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntakeErasure {
    /// Contact keys.
    pub contacts: u64,
    /// Attachments.
    pub attachments: u64,
}

/// The conflict a contact held by another customer gives.
pub(super) fn contact_conflict(key: &ContactKey) -> Error {
    Error::Conflict {
        what: "contact",
        id: key.to_string(),
        expected: 0,
        actual: 0,
    }
}

/// The duplicate an inbound message stored before gives.
pub(super) fn inbound_duplicate(record: &InboundRecord) -> Error {
    Error::Duplicate {
        what: "inbound message",
        key: format!("{}:{}", channel_key(&record.channel), record.external_id),
    }
}
