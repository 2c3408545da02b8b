//! The text form of one sealed value: `hd1:` and, in URL-safe base64
//! without padding, the data key's id (16 bytes), a random nonce (24) and
//! the XChaCha20-Poly1305 ciphertext with its tag. The key id is also the
//! associated data, so a ciphertext moved under another key does not open.
//!
//! Self-describing on purpose: a value opens with nothing but the key
//! store, wherever it sits (snapshot, event, outbox), and values sealed
//! under a requester's earlier key still name that key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead, Payload};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::keys::{DataKey, NONCE_LEN, fresh_nonce, nonce_of};
use crate::error::{Error, Result};

const PREFIX: &str = "hd1:";
const TAG_LEN: usize = 16;

/// `plain` sealed under `key` (whose id is `key_id`).
pub(super) fn seal(key: &DataKey, key_id: Uuid, plain: &str) -> Result<String> {
    let nonce = fresh_nonce()?;
    let sealed = key
        .cipher()
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain.as_bytes(),
                aad: key_id.as_bytes(),
            },
        )
        .map_err(|_| Error::internal("XChaCha20-Poly1305 refused a message"))?;
    let mut raw = Vec::with_capacity(16 + NONCE_LEN + sealed.len());
    raw.extend_from_slice(key_id.as_bytes());
    raw.extend_from_slice(&nonce);
    raw.extend_from_slice(&sealed);
    let mut out = String::with_capacity(PREFIX.len() + raw.len() * 4 / 3 + 4);
    out.push_str(PREFIX);
    URL_SAFE_NO_PAD.encode_string(&raw, &mut out);
    Ok(out)
}

/// A sealed value taken apart.
#[derive(Debug)]
pub(super) struct Sealed {
    pub(super) key_id: Uuid,
    raw: Vec<u8>,
}

/// The sealed value `text` holds, or `None` when it is plain text (written
/// before encryption was turned on, or a marker such as `[erased]`).
pub(super) fn parse(text: &str) -> Option<Sealed> {
    let body = text.strip_prefix(PREFIX)?;
    let raw = URL_SAFE_NO_PAD.decode(body).ok()?;
    if raw.len() < 16 + NONCE_LEN + TAG_LEN {
        return None;
    }
    let key_id = Uuid::from_slice(&raw[..16]).ok()?;
    Some(Sealed { key_id, raw })
}

/// The plain text of `sealed` under `key`; a ciphertext that does not
/// authenticate is [`Error::Store`] with the reason.
pub(super) fn open(key: &DataKey, sealed: &Sealed) -> Result<String> {
    let (nonce, ct) = sealed.raw[16..].split_at(NONCE_LEN);
    let plain = Zeroizing::new(
        key.cipher()
            .decrypt(
                &nonce_of(nonce),
                Payload {
                    msg: ct,
                    aad: sealed.key_id.as_bytes(),
                },
            )
            .map_err(|e| {
                Error::store(
                    format!(
                        "a value sealed under data key {} does not decrypt: the ciphertext is corrupt",
                        sealed.key_id
                    ),
                    e.to_string(),
                )
            })?,
    );
    String::from_utf8(plain.to_vec()).map_err(|e| {
        Error::store(
            format!(
                "a value sealed under data key {} is not UTF-8",
                sealed.key_id
            ),
            e,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_refuses_a_flipped_byte() {
        let key = DataKey::generate().unwrap();
        let id = Uuid::now_v7();
        let text = seal(&key, id, "ada@example.com").unwrap();
        assert!(!text.contains("ada"));
        let sealed = parse(&text).unwrap();
        assert_eq!(sealed.key_id, id);
        assert_eq!(open(&key, &sealed).unwrap(), "ada@example.com");
        // Two seals of the same text differ (random nonces).
        assert_ne!(seal(&key, id, "ada@example.com").unwrap(), text);
        let mut bad = parse(&text).unwrap();
        let last = bad.raw.len() - 1;
        bad.raw[last] ^= 1;
        let err = open(&key, &bad).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Store);
        assert!(open(&DataKey::generate().unwrap(), &sealed).is_err());
        assert!(parse("hd1:short").is_none());
        assert!(parse("plain text").is_none());
    }
}
