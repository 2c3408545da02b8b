//! Size limits on inbound messages and the typed errors of intake.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ValidationError};

/// The longest external message id accepted, in bytes: the longest line
/// RFC 5322 allows, so every real Message-ID fits, and short enough for a
/// unique index in every back end.
pub const MAX_EXTERNAL_ID_BYTES: usize = 998;

const MIB: usize = 1024 * 1024;

/// How large an inbound message may be.
///
/// The defaults follow the big mail providers: a 25 MiB message (Gmail's
/// limit), at most 20 attachments, each at most 15 MiB once decoded (a
/// 15 MiB file grows to about 20 MiB in base64, so it still fits in one
/// message), and 1 MiB of text, the most a ticket's description or a message
/// on its timeline holds ([`MAX_BODY_BYTES`](crate::ticket::MAX_BODY_BYTES)).
///
/// Loads from configuration; unset fields keep their defaults:
///
/// ```
/// use helpdesk::intake::IntakeLimits;
/// let limits: IntakeLimits = toml::from_str("max_attachments = 5")?;
/// assert_eq!(limits.max_attachments, 5);
/// assert_eq!(limits.max_message_bytes, 25 * 1024 * 1024);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct IntakeLimits {
    /// The largest message, in bytes. For email this is the raw message as
    /// received (headers and encoded parts), checked before parsing; for
    /// other channels, the text, the HTML and the attachments together.
    pub max_message_bytes: usize,
    /// The largest text (after trimming quoted history), in bytes.
    pub max_text_bytes: usize,
    /// The most attachments in one message (inline images count).
    pub max_attachments: usize,
    /// The largest attachment, in bytes, once decoded.
    pub max_attachment_bytes: usize,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        IntakeLimits {
            max_message_bytes: 25 * MIB,
            max_text_bytes: crate::ticket::MAX_BODY_BYTES,
            max_attachments: 20,
            max_attachment_bytes: 15 * MIB,
        }
    }
}

impl IntakeLimits {
    /// Sets the largest message, in bytes.
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes;
        self
    }
    /// Sets the largest text, in bytes.
    pub fn max_text_bytes(mut self, bytes: usize) -> Self {
        self.max_text_bytes = bytes;
        self
    }
    /// Sets the most attachments in one message.
    pub fn max_attachments(mut self, count: usize) -> Self {
        self.max_attachments = count;
        self
    }
    /// Sets the largest attachment, in bytes.
    pub fn max_attachment_bytes(mut self, bytes: usize) -> Self {
        self.max_attachment_bytes = bytes;
        self
    }
}

/// Why an inbound message cannot be taken in.
///
/// Each limit of [`IntakeLimits`] has its own variant with the size found
/// and the limit, so an adapter can answer precisely (an HTTP 413 for a
/// webhook, a polite bounce for an email). Converts into
/// [`Error::Validation`](crate::Error::Validation) naming the
/// [field](IntakeError::field), so `?` works in the desk's code.
///
/// ```
/// use helpdesk::intake::IntakeError;
/// let e = IntakeError::AttachmentTooLarge {
///     index: 2,
///     filename: "scan.pdf".into(),
///     size: 20_000_000,
///     limit: 15_728_640,
/// };
/// assert_eq!(e.field(), "attachments[2]");
/// let e = helpdesk::Error::from(e);
/// assert_eq!(
///     e.to_string(),
///     "invalid attachments[2]: `scan.pdf` is 20000000 bytes; at most 15728640 are accepted"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntakeError {
    /// The whole message is larger than [`IntakeLimits::max_message_bytes`].
    #[error("the message is {size} bytes; at most {limit} are accepted")]
    MessageTooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The text is larger than [`IntakeLimits::max_text_bytes`].
    #[error("the text is {size} bytes; at most {limit} are accepted")]
    TextTooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More attachments than [`IntakeLimits::max_attachments`].
    #[error("the message has {count} attachments; at most {limit} are accepted")]
    TooManyAttachments {
        /// How many it has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// One attachment is larger than [`IntakeLimits::max_attachment_bytes`].
    #[error("attachment {index} (`{filename}`) is {size} bytes; at most {limit} are accepted")]
    AttachmentTooLarge {
        /// Its position among the message's attachments, from 0.
        index: usize,
        /// Its file name.
        filename: String,
        /// Its decoded size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The message has no external id, so a retried delivery could not be
    /// told from a new message.
    #[error("the message has no external id")]
    MissingExternalId,
    /// The external id is longer than [`MAX_EXTERNAL_ID_BYTES`].
    #[error("the external id is {len} bytes; at most {limit} are accepted")]
    ExternalIdTooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Nothing identifies the sender: no email address, phone number or handle.
    #[error("the sender has no email address, phone number or handle")]
    MissingSender,
    /// The message has no subject, no text and no attachment.
    #[error("the message has no subject, text or attachment")]
    Empty,
    /// The input is not a message at all (for email: no header could be read).
    #[error("not a readable message: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
}

impl IntakeError {
    /// The part of the message the error is about, as a
    /// [`ValidationError`]'s field: `message`, `text`, `attachments`,
    /// `attachments[2]`, `external_id` or `sender`.
    pub fn field(&self) -> String {
        match self {
            IntakeError::MessageTooLarge { .. }
            | IntakeError::Empty
            | IntakeError::Malformed { .. } => "message".into(),
            IntakeError::TextTooLarge { .. } => "text".into(),
            IntakeError::TooManyAttachments { .. } => "attachments".into(),
            IntakeError::AttachmentTooLarge { index, .. } => format!("attachments[{index}]"),
            IntakeError::MissingExternalId | IntakeError::ExternalIdTooLong { .. } => {
                "external_id".into()
            }
            IntakeError::MissingSender => "sender".into(),
        }
    }

    /// Why, without the field: the message of the [`ValidationError`] this
    /// error becomes.
    fn reason(&self) -> String {
        match self {
            IntakeError::AttachmentTooLarge {
                filename,
                size,
                limit,
                ..
            } => format!("`{filename}` is {size} bytes; at most {limit} are accepted"),
            other => other.to_string(),
        }
    }
}

/// Intake errors are validation errors of the message: the field names the
/// part that failed ([`IntakeError::field`]).
impl From<IntakeError> for Error {
    fn from(e: IntakeError) -> Self {
        Error::Validation(ValidationError {
            field: e.field(),
            message: e.reason(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn defaults_are_the_documented_ones() {
        let l = IntakeLimits::default();
        assert_eq!(l.max_message_bytes, 25 * 1024 * 1024);
        assert_eq!(l.max_attachments, 20);
        assert_eq!(l.max_attachment_bytes, 15 * 1024 * 1024);
        assert_eq!(l.max_text_bytes, 1024 * 1024);
    }

    #[test]
    fn limits_reject_unknown_fields() {
        let e = toml::from_str::<IntakeLimits>("max_attachment = 5").unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
    }

    #[test]
    fn every_error_is_a_validation_error_naming_its_field() {
        let cases = [
            (
                IntakeError::MessageTooLarge { size: 9, limit: 8 },
                "invalid message: the message is 9 bytes; at most 8 are accepted",
            ),
            (
                IntakeError::TextTooLarge { size: 9, limit: 8 },
                "invalid text: the text is 9 bytes; at most 8 are accepted",
            ),
            (
                IntakeError::TooManyAttachments { count: 3, limit: 2 },
                "invalid attachments: the message has 3 attachments; at most 2 are accepted",
            ),
            (
                IntakeError::MissingExternalId,
                "invalid external_id: the message has no external id",
            ),
            (
                IntakeError::MissingSender,
                "invalid sender: the sender has no email address, phone number or handle",
            ),
            (
                IntakeError::Malformed {
                    reason: "no header fields".into(),
                },
                "invalid message: not a readable message: no header fields",
            ),
        ];
        for (e, text) in cases {
            let e = Error::from(e);
            assert_eq!(e.kind(), ErrorKind::Validation);
            assert_eq!(e.to_string(), text);
        }
    }
}
