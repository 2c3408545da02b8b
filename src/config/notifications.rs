//! `[notifications]`: how the desk words its notifications, and (behind
//! their features) the SMTP and webhook transports.

use std::path::PathBuf;

use serde::Deserialize;

use crate::locale::Locale;
use crate::notify::{TemplateError, TemplateRenderer};

/// The `[notifications]` section.
///
/// ```toml
/// [notifications]
/// default_locale = "fr"          # for recipients whose language is unknown, and staff
/// desk_name = "Acme Support"     # signed under messages
/// templates = "config/templates" # overrides: {locale}/{kind}.txt, .html
///
/// [notifications.smtp]           # feature `smtp`: see SmtpConfig
/// [notifications.webhook]        # feature `webhooks`: see WebhookConfig
/// ```
///
/// The templates directory is read, and every template checked, when the
/// desk is built ([`HelpDeskBuilder::build`](crate::HelpDeskBuilder::build)).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct NotificationsConfig {
    /// The desk's default locale (default: `en`).
    #[serde(default)]
    pub default_locale: Option<Locale>,
    /// The desk's name, signed under messages.
    #[serde(default)]
    pub desk_name: Option<String>,
    /// A directory of template overrides (relative paths are relative to
    /// the working directory).
    #[serde(default)]
    pub templates: Option<PathBuf>,
    /// The SMTP transport.
    #[cfg(feature = "smtp")]
    #[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
    #[serde(default)]
    pub smtp: Option<crate::notify::smtp::SmtpConfig>,
    /// The webhook transport.
    #[cfg(feature = "webhooks")]
    #[cfg_attr(docsrs, doc(cfg(feature = "webhooks")))]
    #[serde(default)]
    pub webhook: Option<crate::notify::webhook::WebhookConfig>,
}

impl NotificationsConfig {
    /// Whether it changes the wording at all (else the desk keeps the
    /// shared built-in renderer).
    pub(crate) fn words_anything(&self) -> bool {
        self.default_locale.is_some() || self.desk_name.is_some() || self.templates.is_some()
    }

    /// The renderer it describes: the built-in templates, its overrides.
    pub fn renderer(&self) -> Result<TemplateRenderer, TemplateError> {
        let mut b = TemplateRenderer::builder();
        if let Some(l) = &self.default_locale {
            b = b.default_locale(l.clone());
        }
        if let Some(d) = &self.desk_name {
            b = b.desk_name(d.clone());
        }
        if let Some(dir) = &self.templates {
            b = b.directory(dir.clone());
        }
        b.build()
    }
}
