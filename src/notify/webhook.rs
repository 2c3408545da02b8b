//! Webhooks out (feature `webhooks`): a [`Notifier`] that posts each
//! notification's facts as JSON, signed per the
//! [Standard Webhooks](https://www.standardwebhooks.com/) specification,
//! and [`verify`] for the receiving side.
//!
//! Each request carries three headers:
//!
//! | header | value |
//! |---|---|
//! | `webhook-id` | the notification's id: the same on every retry, so a receiver drops duplicates |
//! | `webhook-timestamp` | when this attempt was signed, in Unix seconds |
//! | `webhook-signature` | `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under the secret |
//!
//! The secret is written `whsec_` followed by base64 of its bytes (at
//! least 24 bytes). The body is
//! `{"type": "notification.{kind}", "timestamp": …, "data": {notification}}`,
//! the [`Notification`] as data: a webhook never pays for wording.
//!
//! A 2xx answer is delivered. A timeout, a connection failure, 408, 429
//! and 5xx are passing failures, retried from the outbox; any other answer
//! (400, 401, 404, a redirect...) is final: the notification is given up
//! and recorded ([`Error::Undeliverable`]).
//!
//! ```
//! use helpdesk::notify::webhook::{WebhookSecret, sign, verify};
//! let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
//! let body = br#"{"type":"notification.acknowledged"}"#;
//! let now = chrono::DateTime::from_timestamp(1_773_000_000, 0).unwrap();
//! let signature = sign(&secret, "msg_1", now.timestamp(), body);
//! assert!(signature.starts_with("v1,"));
//! // The receiver checks it, and that the timestamp is recent.
//! verify(&secret, "msg_1", "1773000000", &signature, body, now)?;
//! assert!(verify(&secret, "msg_1", "1773000000", &signature, b"{}", now).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{Delivery, Notification, Notifier};
use crate::BusinessDuration;
use crate::clock::{Clock, SystemClock};
use crate::error::{BoxError, ConfigError, Error, Result};

/// How far a receiver lets a timestamp be from its own clock (5 minutes,
/// the specification's suggestion): older deliveries may be replays.
pub const TOLERANCE: chrono::Duration = chrono::Duration::minutes(5);

/// A webhook signing secret: `whsec_` and base64 of its bytes.
///
/// Its `Debug` form hides the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// A secret from its raw bytes (at least 24).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        if bytes.len() < 24 {
            return Err(Error::validation(
                "webhook secret",
                format!(
                    "{} bytes is too short; use at least 24 random bytes",
                    bytes.len()
                ),
            ));
        }
        Ok(WebhookSecret(bytes))
    }

    /// The secret as it is written: `whsec_` and base64.
    pub fn to_whsec(&self) -> String {
        format!("whsec_{}", STANDARD.encode(&self.0))
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

impl FromStr for WebhookSecret {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let b64 = s.trim().strip_prefix("whsec_").ok_or_else(|| {
            Error::validation("webhook secret", "a secret is written `whsec_` and base64")
        })?;
        let bytes = STANDARD.decode(b64).map_err(|e| {
            Error::validation(
                "webhook secret",
                format!("the part after `whsec_` is not base64: {e}"),
            )
        })?;
        WebhookSecret::from_bytes(bytes)
    }
}

impl<'de> Deserialize<'de> for WebhookSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The signature header's value for one delivery: `v1,` and base64 of
/// HMAC-SHA256 over `{id}.{timestamp}.{body}`.
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = secret.mac();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Why a received webhook was refused by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// `webhook-timestamp` is not a number of seconds.
    #[error("webhook-timestamp `{0}` is not Unix seconds")]
    BadTimestamp(String),
    /// The timestamp is further from now than [`TOLERANCE`]: a replay, or a
    /// clock far off.
    #[error("webhook-timestamp is {seconds} s away from now (at most 300 s allowed)")]
    Stale {
        /// How far from now, in seconds.
        seconds: i64,
    },
    /// No `v1` signature in the header matches the body.
    #[error("no webhook-signature matches the body")]
    BadSignature,
}

/// Checks a received webhook: its timestamp is within [`TOLERANCE`] of
/// `now`, and one of the space-separated signatures in `signature` is the
/// `v1` signature of `id`, `timestamp` and `body` under `secret`. The
/// comparison takes the same time wherever the bytes differ.
pub fn verify(
    secret: &WebhookSecret,
    id: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> std::result::Result<(), VerifyError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp(timestamp.to_owned()))?;
    let off = now.timestamp().saturating_sub(ts);
    if off.unsigned_abs() > TOLERANCE.num_seconds().unsigned_abs() {
        return Err(VerifyError::Stale { seconds: off });
    }
    let mut signed = secret.mac();
    signed.update(format!("{id}.{ts}.").as_bytes());
    signed.update(body);
    let ok = signature
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        // verify_slice compares in constant time.
        .any(|sig| signed.clone().verify_slice(&sig).is_ok());
    if ok {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

/// `[notifications.webhook]`.
///
/// ```toml
/// [notifications.webhook]
/// url = "https://hooks.example.com/helpdesk"
/// secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
/// timeout = "10s"          # per request (default 10s)
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WebhookConfig {
    /// Where to post.
    pub url: String,
    /// The signing secret.
    pub secret: WebhookSecret,
    /// How long one request may take (default 10 s).
    #[serde(default)]
    pub timeout: Option<BusinessDuration>,
}

impl WebhookConfig {
    /// A configuration posting to `url`, signed with `secret`.
    pub fn new(url: impl Into<String>, secret: WebhookSecret) -> Self {
        WebhookConfig {
            url: url.into(),
            secret,
            timeout: None,
        }
    }
}

/// Posts notifications as signed JSON. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct WebhookNotifier {
    client: reqwest::Client,
    url: reqwest::Url,
    secret: WebhookSecret,
    clock: Arc<dyn Clock>,
}

/// The body: the notification under its event type.
#[derive(Serialize)]
struct Payload<'a> {
    r#type: String,
    timestamp: DateTime<Utc>,
    data: &'a Notification,
}

impl WebhookNotifier {
    /// A notifier for `config`, signing with the system clock's time.
    pub fn new(config: WebhookConfig) -> Result<Self> {
        let url: reqwest::Url = config.url.parse().map_err(|e| {
            ConfigError::new(
                "notifications.webhook.url",
                Some(config.url.clone()),
                format!("not a URL: {e}"),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ConfigError::new(
                "notifications.webhook.url",
                Some(config.url.clone()),
                "must be an http or https URL",
            )
            .into());
        }
        let timeout = config.timeout.map_or(Duration::from_secs(10), |t| {
            Duration::from_secs(t.as_secs().max(1).unsigned_abs())
        });
        let client = reqwest::Client::builder()
            .timeout(timeout)
            // A POST is not replayed at another address: a move is the
            // receiver's to announce, and a configuration change here.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("helpdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::notify("setting up the HTTP client", e))?;
        Ok(WebhookNotifier {
            client,
            url,
            secret: config.secret,
            clock: Arc::new(SystemClock),
        })
    }

    /// Signs with `clock`'s time (default: the system clock).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<()> {
        let n = delivery.notification();
        let now = self.clock.now();
        let body = serde_json::to_vec(&Payload {
            r#type: format!("notification.{}", n.kind),
            timestamp: now,
            data: n,
        })
        .map_err(|e| Error::undeliverable("encoding the notification as JSON", e))?;
        let id = n.id.to_string();
        let ts = now.timestamp();
        let signature = sign(&self.secret, &id, ts, &body);
        let sent = self
            .client
            .post(self.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() {
                    format!("posting to {}: timed out", self.url)
                } else {
                    format!("posting to {}", self.url)
                };
                return Err(Error::notify(what, e));
            }
        };
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let message = format!("{} answered {status}", self.url);
        let cause: Option<BoxError> = response
            .text()
            .await
            .ok()
            .filter(|t| !t.trim().is_empty())
            .map(|t| t.chars().take(200).collect::<String>().into());
        let passing = status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error();
        Err(if passing {
            Error::Notify { message, cause }
        } else {
            Error::Undeliverable { message, cause }
        })
    }
}
