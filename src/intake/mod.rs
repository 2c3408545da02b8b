//! Intake: messages from every channel in one shape, [`InboundMessage`].
//!
//! A channel adapter (an email parser, a chat platform's webhook, a phone
//! system, the portal) turns what it receives into an [`InboundMessage`]: who
//! sent it ([`Sender`]), what they wrote, what they attached, and the
//! [`ThreadHints`] that tell which ticket it belongs to. The desk then opens
//! a ticket or adds a customer message to the right one. Everything here is
//! pure: no store, no clock, no I/O.
//!
//! - [`InboundMessage::validate`] checks a message against [`IntakeLimits`]
//!   (total size, text size, attachment count and size) and gives one typed
//!   [`IntakeError`] per limit.
//! - [`SubjectTag`] finds and writes the ticket reference in a subject
//!   (`[#1042]` by default).
//! - [`text`] holds the pure text functions: HTML to plain text, trimming
//!   quoted history and signatures from replies, cleaning subjects.
//! - `email` (feature `email`) parses raw RFC 5322 messages into an
//!   [`InboundMessage`], or tells why a message should be skipped
//!   (auto-replies, bulk and list mail, bounces, the desk's own mail).
//!
//! ```
//! use helpdesk::intake::{InboundMessage, IntakeError, IntakeLimits, Sender};
//! use helpdesk::Channel;
//!
//! let msg = InboundMessage::new(
//!     Channel::Chat,
//!     "wamid.HBgLMzE2",
//!     Sender::new().phone("+30 210 555 0100").name("Eleni"),
//!     "Ο εκτυπωτής δεν τυπώνει.",
//! );
//! msg.validate(&IntakeLimits::default())?;
//!
//! let limits = IntakeLimits::default().max_text_bytes(10);
//! assert!(matches!(msg.validate(&limits), Err(IntakeError::TextTooLarge { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod limits;
mod message;
mod tag;
pub mod text;

#[cfg(feature = "email")]
#[cfg_attr(docsrs, doc(cfg(feature = "email")))]
pub mod email;

pub use config::IntakeConfig;
pub use limits::{IntakeError, IntakeLimits, MAX_EXTERNAL_ID_BYTES};
pub use message::{InboundAttachment, InboundMessage, Sender, ThreadHints};
pub use tag::SubjectTag;
