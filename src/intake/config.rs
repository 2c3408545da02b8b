//! [`IntakeConfig`]: the `[intake]` section of the desk configuration.

use serde::{Deserialize, Serialize};

use super::limits::IntakeLimits;
use super::tag::SubjectTag;
use crate::error::ConfigError;

/// How the desk takes messages in: the `[intake]` section of
/// [`DeskConfig`](crate::DeskConfig).
///
/// ```
/// use helpdesk::DeskConfig;
/// let config = DeskConfig::from_toml(r#"
///     [intake]
///     mail_domain = "desk.example.com"
///     subject_tag = { prefix = "[Acme #", suffix = "]" }
///     limits = { max_attachments = 10, max_attachment_bytes = 5_242_880 }
///     accepted_list_ids = ["support.example.com"]
/// "#)?;
/// let intake = config.intake.unwrap();
/// assert_eq!(intake.mail_domain.as_deref(), Some("desk.example.com"));
/// assert_eq!(intake.limits.max_attachments, 10);
///
/// let bad = DeskConfig::from_toml("[intake]\nmail_domain = \"support@desk.example.com\"");
/// assert!(bad.unwrap_err().to_string().contains("intake.mail_domain"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct IntakeConfig {
    /// The domain of the Message-IDs the desk gives its own mail
    /// ([`notify::thread`](crate::notify::thread)), e.g.
    /// `desk.example.com`: replies that refer to them are threaded to their
    /// ticket, and the desk's own mail coming back is skipped. Without it,
    /// replies thread by subject tag and by the customer's own earlier
    /// Message-IDs only.
    pub mail_domain: Option<String>,
    /// How ticket references are written in subjects (`[#1042]` by default).
    pub subject_tag: SubjectTag,
    /// Size limits, each a typed error when exceeded.
    pub limits: IntakeLimits,
    /// Mailing lists whose mail is taken in despite its list headers (a
    /// Google Group that is the desk's public address), by list id.
    pub accepted_list_ids: Vec<String>,
}

impl IntakeConfig {
    /// Sets the domain of the desk's own Message-IDs.
    pub fn mail_domain(mut self, domain: impl Into<String>) -> Self {
        self.mail_domain = Some(domain.into());
        self
    }
    /// Sets the subject tag.
    pub fn subject_tag(mut self, tag: SubjectTag) -> Self {
        self.subject_tag = tag;
        self
    }
    /// Sets the size limits.
    pub fn limits(mut self, limits: IntakeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Checks the domain and the limits; paths are relative to the section.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(d) = &self.mail_domain {
            let ok = !d.is_empty()
                && d.len() <= 253
                && d.split('.').all(|label| {
                    !label.is_empty()
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
            if !ok {
                return Err(ConfigError::new(
                    "mail_domain",
                    Some(d.clone()),
                    "must be a domain name such as desk.example.com (no `@`, no spaces)",
                ));
            }
        }
        let l = &self.limits;
        for (field, v) in [
            ("limits.max_message_bytes", l.max_message_bytes),
            ("limits.max_text_bytes", l.max_text_bytes),
            ("limits.max_attachment_bytes", l.max_attachment_bytes),
        ] {
            if v == 0 {
                return Err(ConfigError::new(
                    field,
                    Some("0".into()),
                    "must be positive: no message would be accepted",
                ));
            }
        }
        if l.max_text_bytes > crate::ticket::MAX_BODY_BYTES {
            return Err(ConfigError::new(
                "limits.max_text_bytes",
                Some(l.max_text_bytes.to_string()),
                format!(
                    "a ticket's text holds at most {} bytes",
                    crate::ticket::MAX_BODY_BYTES
                ),
            ));
        }
        Ok(())
    }

    /// The email parser's configuration (feature `email`).
    #[cfg(feature = "email")]
    #[cfg_attr(docsrs, doc(cfg(feature = "email")))]
    pub fn email(&self) -> super::email::EmailIntakeConfig {
        let mut c = super::email::EmailIntakeConfig::default()
            .subject_tag(self.subject_tag.clone())
            .limits(self.limits);
        c.own_message_id_domain.clone_from(&self.mail_domain);
        c.accepted_list_ids.clone_from(&self.accepted_list_ids);
        c
    }
}
