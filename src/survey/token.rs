//! Signed survey tokens: the link in an invitation that lets a customer
//! rate a ticket without signing in.
//!
//! A token carries its claims in the clear (ticket id, resolution cycle,
//! expiry) and an HMAC-SHA256 tag over them under a key only the desk
//! knows, so nobody can make one up or change one. Layout, before URL-safe
//! base64 without padding (82 characters in all):
//!
//! | bytes | what |
//! |---|---|
//! | 1 | version, 1 |
//! | 16 | ticket id (UUID bytes) |
//! | 4 | resolution cycle, big-endian |
//! | 8 | expiry, Unix seconds, big-endian, signed |
//! | 32 | HMAC-SHA256 under the key of `"helpdesk survey token v1\0"` followed by the 29 bytes above |
//!
//! The domain prefix keeps the key's tags apart from anything else the
//! application might sign with the same key. Tokens are deterministic
//! (the same claims and key give the same text), so a token need not be
//! stored: the invitation's event keeps the claims, and the token is
//! signed again when the notification is rendered. Never store tokens in
//! the timeline: anyone who reads it could rate.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::id::TicketId;

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;
const DOMAIN: &[u8] = b"helpdesk survey token v1\0";
const CLAIMS_LEN: usize = 1 + 16 + 4 + 8;
const TAG_LEN: usize = 32;
const TOKEN_LEN: usize = CLAIMS_LEN + TAG_LEN;

/// The shortest key accepted, in bytes: as long as the hash's output.
pub const MIN_KEY_BYTES: usize = 32;

/// The secret the desk signs survey tokens with; the embedding application
/// supplies it (from its secret store) and keeps it stable, or every
/// outstanding invitation stops working.
///
/// `Debug` does not show the key.
///
/// ```
/// use helpdesk::survey::{SurveyKey, TokenError};
/// let key = SurveyKey::new(*b"0123456789abcdef0123456789abcdef")?;
/// assert_eq!(format!("{key:?}"), "SurveyKey(32 bytes)");
/// assert!(matches!(SurveyKey::new(b"short".to_vec()), Err(TokenError::KeyTooShort { len: 5 })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SurveyKey(Box<[u8]>);

impl SurveyKey {
    /// A key from at least [`MIN_KEY_BYTES`] random bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, TokenError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(TokenError::KeyTooShort { len: bytes.len() });
        }
        Ok(SurveyKey(bytes.into_boxed_slice()))
    }

    fn mac(&self, claims: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(DOMAIN);
        mac.update(claims);
        mac
    }
}

impl fmt::Debug for SurveyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SurveyKey({} bytes)", self.0.len())
    }
}

/// What a survey token vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenClaims {
    /// The ticket to rate.
    pub ticket: TicketId,
    /// Its resolution cycle (1 for the first resolution, 2 after a reopen
    /// and a second resolution, ...).
    pub cycle: u32,
    /// The first instant the token is no longer accepted (whole seconds).
    pub expires_at: DateTime<Utc>,
}

impl TokenClaims {
    /// Claims for `ticket`'s `cycle`, valid until `expires_at` (its
    /// sub-second part is dropped: tokens count whole seconds).
    pub fn new(ticket: TicketId, cycle: u32, expires_at: DateTime<Utc>) -> Self {
        let secs = expires_at.timestamp();
        TokenClaims {
            ticket,
            cycle,
            expires_at: DateTime::from_timestamp(secs, 0).unwrap_or(expires_at),
        }
    }

    fn to_bytes(self) -> [u8; CLAIMS_LEN] {
        let mut out = [0u8; CLAIMS_LEN];
        out[0] = VERSION;
        out[1..17].copy_from_slice(ticket_uuid(self.ticket).as_bytes());
        out[17..21].copy_from_slice(&self.cycle.to_be_bytes());
        out[21..29].copy_from_slice(&self.expires_at.timestamp().to_be_bytes());
        out
    }

    /// Signs the claims: the token text for the invitation's link,
    /// URL-safe (`A-Z a-z 0-9 - _`), 82 characters.
    ///
    /// ```
    /// use helpdesk::survey::{verify, SurveyKey, TokenClaims, TokenError};
    /// use helpdesk::TicketId;
    /// let key = SurveyKey::new([7u8; 32])?;
    /// let claims = TokenClaims::new(TicketId::new(), 1, "2026-04-01T00:00:00Z".parse()?);
    /// let token = claims.sign(&key);
    /// assert_eq!(verify(&key, &token, "2026-03-05T12:00:00Z".parse()?)?, claims);
    /// assert!(matches!(
    ///     verify(&key, &token, "2026-04-01T00:00:00Z".parse()?),
    ///     Err(TokenError::Expired { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(&self, key: &SurveyKey) -> String {
        let claims = self.to_bytes();
        let tag = key.mac(&claims).finalize().into_bytes();
        let mut raw = Vec::with_capacity(TOKEN_LEN);
        raw.extend_from_slice(&claims);
        raw.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(raw)
    }
}

/// The UUID inside a ticket id. This branch's ids show their UUID only as
/// text, which always parses back; switch to `TicketId::as_uuid` once it exists.
fn ticket_uuid(id: TicketId) -> uuid::Uuid {
    uuid::Uuid::parse_str(&id.to_string()).expect("a ticket id prints as a UUID")
}

/// Checks a token's signature (in constant time) and expiry; returns its
/// claims.
///
/// Surrounding whitespace is ignored (mail clients wrap links). The order
/// of checks is: the text decodes and has the right length and version
/// ([`TokenError::Malformed`]), the tag matches ([`TokenError::Forged`]),
/// and only then the expiry ([`TokenError::Expired`], when `now` is at or
/// after it), so an altered token never reveals anything about its claims.
///
/// Whether the ticket may still be rated (not closed, the cycle still
/// current) is the timeline's to say: see [`may_rate`](super::may_rate).
pub fn verify(key: &SurveyKey, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, TokenError> {
    let raw = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| TokenError::Malformed {
            why: "not URL-safe base64",
        })?;
    if raw.len() != TOKEN_LEN {
        return Err(TokenError::Malformed {
            why: "wrong length",
        });
    }
    let (claims, tag) = raw.split_at(CLAIMS_LEN);
    if claims[0] != VERSION {
        return Err(TokenError::Malformed {
            why: "unknown version",
        });
    }
    key.mac(claims)
        .verify_slice(tag)
        .map_err(|_| TokenError::Forged)?;
    // Proven lengths: the slices below are exactly 16, 4 and 8 bytes.
    let ticket = uuid::Uuid::from_slice(&claims[1..17])
        .map(TicketId::from)
        .map_err(|_| TokenError::Malformed {
            why: "bad ticket id",
        })?;
    let cycle = u32::from_be_bytes(claims[17..21].try_into().expect("4 bytes"));
    let expiry = i64::from_be_bytes(claims[21..29].try_into().expect("8 bytes"));
    let expires_at = DateTime::from_timestamp(expiry, 0).ok_or(TokenError::Malformed {
        why: "expiry out of range",
    })?;
    if now >= expires_at {
        return Err(TokenError::Expired {
            expired_at: expires_at,
        });
    }
    Ok(TokenClaims {
        ticket,
        cycle,
        expires_at,
    })
}

/// A survey token is not accepted.
///
/// Show a customer the same page for [`Malformed`](Self::Malformed) and
/// [`Forged`](Self::Forged) ("this link is not valid"); log the difference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The text is not a token at all (truncated link, wrong characters).
    #[error("malformed survey token: {why}")]
    Malformed {
        /// What is wrong with it.
        why: &'static str,
    },
    /// The text has a token's shape but its tag does not match: it was
    /// altered, or signed with another key.
    #[error("survey token signature does not match")]
    Forged,
    /// The token was genuine but its answer window is over.
    #[error("survey token expired at {expired_at}")]
    Expired {
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// The signing key is shorter than [`MIN_KEY_BYTES`].
    #[error("a survey key needs at least {MIN_KEY_BYTES} bytes, got {len}")]
    KeyTooShort {
        /// The length given.
        len: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SurveyKey {
        SurveyKey::new(vec![b; 32]).unwrap()
    }

    fn claims() -> TokenClaims {
        TokenClaims::new(
            TicketId::new(),
            2,
            "2026-04-01T10:00:00.750Z".parse().unwrap(),
        )
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn signs_and_verifies_url_safe_text() {
        let c = claims();
        let t = c.sign(&key(1));
        assert_eq!(t.len(), 82);
        assert!(
            t.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'),
            "{t}"
        );
        assert_eq!(t, c.sign(&key(1)), "deterministic");
        let back = verify(&key(1), &format!(" {t}\n"), at("2026-03-01T00:00:00Z")).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.expires_at, at("2026-04-01T10:00:00Z"), "whole seconds");
    }

    #[test]
    fn expires_at_the_instant() {
        let t = claims().sign(&key(1));
        assert!(verify(&key(1), &t, at("2026-04-01T09:59:59Z")).is_ok());
        assert_eq!(
            verify(&key(1), &t, at("2026-04-01T10:00:00Z")),
            Err(TokenError::Expired {
                expired_at: at("2026-04-01T10:00:00Z")
            })
        );
    }

    #[test]
    fn another_key_or_any_changed_byte_is_forged() {
        let now = at("2026-03-01T00:00:00Z");
        let t = claims().sign(&key(1));
        assert_eq!(verify(&key(2), &t, now), Err(TokenError::Forged));
        let raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        for i in 1..raw.len() {
            let mut changed = raw.clone();
            changed[i] ^= 0x01;
            let text = URL_SAFE_NO_PAD.encode(&changed);
            assert_eq!(
                verify(&key(1), &text, now),
                Err(TokenError::Forged),
                "byte {i}"
            );
        }
        // A later expiry, re-encoded without the key, is forged, not accepted.
        let mut later = raw.clone();
        later[21..29].copy_from_slice(&i64::MAX.to_be_bytes());
        let text = URL_SAFE_NO_PAD.encode(&later);
        assert_eq!(verify(&key(1), &text, now), Err(TokenError::Forged));
    }

    #[test]
    fn garbage_is_malformed() {
        let now = at("2026-03-01T00:00:00Z");
        let t = claims().sign(&key(1));
        for bad in ["", "not a token!", &t[..40], &format!("{t}AA"), "+/+/"] {
            assert!(
                matches!(verify(&key(1), bad, now), Err(TokenError::Malformed { .. })),
                "{bad}"
            );
        }
        let mut raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        raw[0] = 2;
        let e = verify(&key(1), &URL_SAFE_NO_PAD.encode(&raw), now).unwrap_err();
        assert_eq!(e.to_string(), "malformed survey token: unknown version");
    }
}
