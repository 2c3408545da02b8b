//! The attachment store port: attachment contents by SHA-256.
//!
//! What is known *about* an attachment (its ticket and message, file name,
//! declared and sniffed type, size, hash) is a row of the
//! [`IntakeStore`](super::IntakeStore), written in the ticket's commit. The
//! bytes are kept by an [`AttachmentStore`], content-addressed: the key is
//! the content's SHA-256 in lowercase hex, so the same file sent twice is
//! stored once, and a key read back is checked against its content.
//!
//! | back end | where the bytes are | plugged in with |
//! |---|---|---|
//! | [`InMemoryStore`](super::InMemoryStore), `SqliteStore`, `PostgresStore` | the same database, written in the ticket commit | nothing: the default |
//! | `DirAttachmentStore` (feature `dir-attachments`) | one file per content in a directory | [`HelpDeskBuilder::attachments`](crate::HelpDeskBuilder::attachments) |
//!
//! With a store of its own, the desk writes each content there *before*
//! the ticket commit (a content without a row is harmless; a row without
//! its content cannot happen), and the commit writes only the rows
//! ([`InboundRecord::contents_apart`](super::InboundRecord::contents_apart)).
//! Retention's delete removes the contents no attachment refers to any
//! more.

use std::fmt;

use async_trait::async_trait;

use crate::error::{Error, Result};

#[cfg(feature = "dir-attachments")]
mod dir;

#[cfg(feature = "dir-attachments")]
#[cfg_attr(docsrs, doc(cfg(feature = "dir-attachments")))]
pub use dir::DirAttachmentStore;

/// Attachment contents by SHA-256. See the [module docs](self).
///
/// The contract, which the conformance suite checks on every back end:
///
/// - [`put_content`](Self::put_content) returns the content's SHA-256 in
///   lowercase hex; putting the same content again stores nothing new and
///   returns the same key; two puts of it at once both succeed.
/// - [`content`](Self::content) returns exactly the bytes put under a key,
///   `None` for a key never put (or removed). A back end that finds bytes
///   that do not hash to their key returns [`Error::Corrupt`].
/// - [`remove_content`](Self::remove_content) removes a content (true) or
///   finds none (false).
/// - A key that is not 64 lowercase hex digits is [`Error::Validation`]
///   (field `sha256`) on every method: keys never become paths or queries
///   unchecked.
#[async_trait]
pub trait AttachmentStore: Send + Sync + fmt::Debug {
    /// Stores `bytes` under their SHA-256 and returns it.
    async fn put_content(&self, bytes: &[u8]) -> Result<String>;

    /// The content stored under `sha256`, if any.
    async fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>>;

    /// Removes the content stored under `sha256`; false when there was none.
    /// The caller makes sure no attachment refers to it any more.
    async fn remove_content(&self, sha256: &str) -> Result<bool>;
}

/// Ok for a key as this port writes them (64 lowercase hex digits), else a
/// validation error naming it.
pub(crate) fn check_key(sha256: &str) -> Result<()> {
    let ok = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            "sha256",
            format!(
                "`{}` is not a SHA-256 in lowercase hex (64 digits)",
                sha256.escape_debug()
            ),
        ))
    }
}

/// The corruption a content that does not hash to its key gives.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "dir-attachments"))]
pub(crate) fn wrong_content(sha256: &str, found: &str, place: impl fmt::Display) -> Error {
    Error::corrupt(
        format!("attachment content {place} hashes to {found}, not to its key {sha256}"),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::check_key;

    #[test]
    fn keys_are_64_lowercase_hex_digits() {
        assert!(check_key(&"ab".repeat(32)).is_ok());
        for bad in [
            "",
            "../../etc/passwd",
            &"AB".repeat(32),
            &"ab".repeat(31),
            &format!("{}/x", "a".repeat(62)),
        ] {
            let e = check_key(bad).unwrap_err();
            assert!(e.to_string().contains("sha256"), "{e}");
        }
    }
}
