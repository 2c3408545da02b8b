//! Data keys and the key-encryption key that wraps them.

use std::fmt;

use async_trait::async_trait;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{Key, KeyInit, XChaCha20Poly1305, XNonce};
use sha2::Digest as _;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{ConfigError, Error, Result};
use crate::id::CustomerId;

/// The length of every key, in bytes (XChaCha20-Poly1305's 256-bit key).
const KEY_LEN: usize = 32;
/// XChaCha20's 192-bit nonce: long enough to draw at random for every message.
pub(super) const NONCE_LEN: usize = 24;

/// A requester's 256-bit data key, in clear: only ever in memory, wiped
/// when dropped. Its `Debug` shows no bytes.
#[derive(Clone)]
pub struct DataKey([u8; KEY_LEN]);

impl Drop for DataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for DataKey {}

impl DataKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Result<Self> {
        let mut k = [0u8; KEY_LEN];
        random(&mut k)?;
        Ok(DataKey(k))
    }

    /// The key of these bytes (as a [`KeyProvider`] unwraps them).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        DataKey(bytes)
    }

    /// The key's bytes, for a [`KeyProvider`] to wrap.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    pub(super) fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(self.0))
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

/// A nonce never used before by this process: 16 random bytes drawn once
/// per process, then a counter. XChaCha20-Poly1305 needs nonces that never
/// repeat under one key; a 128-bit random prefix makes a repeat across
/// processes as unlikely as a random 192-bit one would be in practice, and
/// spares one system call per sealed value (privacy bench: see the commit).
pub(super) fn fresh_nonce() -> Result<[u8; NONCE_LEN]> {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<[u8; 16]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = if let Some(p) = PREFIX.get() {
        p
    } else {
        let mut p = [0u8; 16];
        random(&mut p)?;
        PREFIX.get_or_init(|| p)
    };
    let mut n = [0u8; NONCE_LEN];
    n[..16].copy_from_slice(prefix);
    n[16..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    Ok(n)
}

/// Fills `buf` from the operating system's random source.
pub(super) fn random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf)
        .map_err(|e| Error::store("cannot draw random bytes for encryption", e.to_string()))
}

/// Wraps and unwraps data keys under the application's key-encryption key
/// (KEK). The KEK never leaves the provider: with a KMS it never leaves
/// the KMS. See the [module docs](super) for plugging one in.
///
/// `wrap` and `unwrap` get the requester's id: bind it to the wrapped key
/// (AEAD associated data, a KMS encryption context), so a wrapped key
/// copied to another requester's row does not unwrap.
#[async_trait]
pub trait KeyProvider: Send + Sync + fmt::Debug {
    /// A stable name of the KEK in use, stored with each wrapped key (so a
    /// KEK rotation can tell which keys to rewrap), e.g. `local:3f2a9c01`
    /// or a KMS key ARN.
    fn kek_id(&self) -> &str;

    /// `key` wrapped for `customer`.
    async fn wrap(&self, customer: CustomerId, key: &DataKey) -> Result<Vec<u8>>;

    /// The key `wrapped` holds. A KEK that does not open it is an error
    /// (never a wrong key).
    async fn unwrap(&self, customer: CustomerId, wrapped: &[u8]) -> Result<DataKey>;
}

/// A [`KeyProvider`] holding the KEK in this process: for tests, demos and
/// single-server installs that keep the KEK in a secret store and hand it
/// over through an environment variable.
///
/// ```
/// use helpdesk::privacy::LocalKeyProvider;
/// // 32 bytes, as 64 hex digits or standard base64 (e.g. `openssl rand -hex 32`).
/// let kek = LocalKeyProvider::from_text(
///     "kek",
///     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
/// )?;
/// assert!(helpdesk::privacy::KeyProvider::kek_id(&kek).starts_with("local:"));
/// // A missing variable is a configuration error naming it.
/// let err = LocalKeyProvider::from_env("HELPDESK_DOC_NO_SUCH_VARIABLE").unwrap_err();
/// assert!(err.to_string().contains("HELPDESK_DOC_NO_SUCH_VARIABLE"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LocalKeyProvider {
    kek: Zeroizing<[u8; KEY_LEN]>,
    id: String,
}

impl LocalKeyProvider {
    /// A provider with this KEK.
    pub fn from_bytes(kek: [u8; KEY_LEN]) -> Self {
        // The id is a fingerprint, not the key: the first bytes of its SHA-256.
        let digest = sha2::Sha256::digest(kek);
        let id = format!(
            "local:{:08x}",
            u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
        );
        LocalKeyProvider {
            kek: Zeroizing::new(kek),
            id,
        }
    }

    /// A provider with the KEK written as 64 hex digits or as standard
    /// base64 of 32 bytes; `name` says where the text came from, for the error.
    pub fn from_text(name: &str, text: &str) -> Result<Self> {
        let text = text.trim();
        let bytes = Zeroizing::new(if text.len() == 2 * KEY_LEN {
            hex(text)
        } else {
            base64::engine::general_purpose::STANDARD.decode(text).ok()
        });
        let bad = || {
            Error::from(ConfigError::new(
                name,
                None,
                "a key-encryption key must be 32 bytes, written as 64 hex digits or in base64",
            ))
        };
        let slice = bytes.as_deref().ok_or_else(bad)?;
        let kek: [u8; KEY_LEN] = slice.try_into().map_err(|_| bad())?;
        Ok(Self::from_bytes(kek))
    }

    /// A provider with the KEK from environment variable `var` (see
    /// [`from_text`](Self::from_text)); unset or malformed is
    /// [`Error::Config`] naming the variable.
    pub fn from_env(var: &str) -> Result<Self> {
        let text = Zeroizing::new(std::env::var(var).map_err(|_| {
            ConfigError::new(
                var,
                None,
                "the environment variable holding the key-encryption key is not set",
            )
        })?);
        Self::from_text(var, &text)
    }

    fn aad(customer: CustomerId) -> Vec<u8> {
        let mut aad = b"helpdesk data key ".to_vec();
        aad.extend_from_slice(customer.as_uuid().as_bytes());
        aad
    }
}

impl fmt::Debug for LocalKeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKeyProvider")
            .field("kek_id", &self.id)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl KeyProvider for LocalKeyProvider {
    fn kek_id(&self) -> &str {
        &self.id
    }

    async fn wrap(&self, customer: CustomerId, key: &DataKey) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        random(&mut nonce)?;
        let cipher = XChaCha20Poly1305::new(&Key::from(*self.kek));
        let aad = Self::aad(customer);
        let sealed = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| Error::internal("sealing a 32-byte key cannot fail"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    async fn unwrap(&self, customer: CustomerId, wrapped: &[u8]) -> Result<DataKey> {
        let wrong = || {
            Error::store_msg(format!(
                "the key-encryption key {} does not open the data key of customer {customer} \
                 (a wrong key-encryption key, or a corrupt wrapped key)",
                self.id
            ))
        };
        let (nonce, sealed) = wrapped.split_at_checked(NONCE_LEN).ok_or_else(wrong)?;
        let cipher = XChaCha20Poly1305::new(&Key::from(*self.kek));
        let aad = Self::aad(customer);
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    &nonce_of(nonce),
                    Payload {
                        msg: sealed,
                        aad: &aad,
                    },
                )
                .map_err(|_| wrong())?,
        );
        let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| wrong())?;
        Ok(DataKey(bytes))
    }
}

fn hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The nonce in `bytes` (exactly [`NONCE_LEN`] long, as split off by the caller).
pub(super) fn nonce_of(bytes: &[u8]) -> XNonce {
    let mut n = [0u8; NONCE_LEN];
    n.copy_from_slice(&bytes[..NONCE_LEN]);
    XNonce::from(n)
}
