//! Email out: a [`Notifier`] that sends each notification as a multipart
//! text + HTML mail over SMTP (feature `smtp`, crate
//! [lettre](https://docs.rs/lettre) over rustls on tokio).
//!
//! Every mail threads: its Message-ID is the notification's
//! ([`thread::message_id`]), `In-Reply-To` and `References` name the
//! ticket's thread root ([`thread::root`]), and the subject carries the
//! ticket's tag (`[#1042]`, [`SubjectTag`]), so the customer's reply finds
//! its ticket again. Automatic mail says so (`Auto-Submitted:
//! auto-generated`, RFC 3834) so that vacation responders stay quiet;
//! an agent's reply does not.
//!
//! A server that is down, times out or answers 4xx is a passing failure:
//! the notification stays in the outbox and is retried. A 5xx about the
//! message or a recipient (550 no such user, 552, 553, 554) is final: the
//! notification is given up and recorded ([`Error::Undeliverable`]). A 5xx
//! about the desk's own setup (530/535 authentication, 500-504 commands)
//! is retried, since fixing the configuration fixes it.
//!
//! ```no_run
//! use std::sync::Arc;
//! use helpdesk::notify::smtp::{SmtpConfig, SmtpNotifier};
//! use helpdesk::HelpDesk;
//! let config: SmtpConfig = toml::from_str(r#"
//!     host = "smtp.example.com"
//!     username = "desk"
//!     password = "secret"
//!     from = "Acme Support <support@example.com>"
//!     [groups]
//!     service-desk = "service-desk@example.com"
//! "#)?;
//! let desk = HelpDesk::builder().notifier(Arc::new(SmtpNotifier::new(config)?)).build()?;
//! # let _ = desk;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};
use serde::Deserialize;

use super::{Delivery, Notification, NotificationKind, Notifier, thread};
use crate::BusinessDuration;
use crate::error::{BoxError, ConfigError, Error, Result};
use crate::id::{AgentId, GroupId, TicketRef};
use crate::intake::SubjectTag;
use crate::ticket::Recipient;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SmtpSecurity {
    /// Plain TCP, upgraded with STARTTLS, which the server must offer
    /// (port 587 by default).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No encryption at all (port 25 by default): only for a relay on the
    /// same host or a test server.
    None,
}

/// `[notifications.smtp]`: the server, the desk's addresses, and who
/// staff are.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `host` | required | the SMTP server |
/// | `port` | by `security`: 587, 465, 25 | its port |
/// | `security` | `starttls` | `starttls`, `tls` or `none` |
/// | `username`, `password` | none | credentials (both or neither) |
/// | `from` | required | the sender, e.g. `Acme Support <support@example.com>` |
/// | `reply_to` | none | where replies go, if not `from` (the mailbox intake reads) |
/// | `domain` | `from`'s domain | the domain of the desk's Message-IDs |
/// | `timeout` | `30s` | per SMTP command |
/// | `subject_tag` | `[#…]` | the ticket's tag in subjects ([`SubjectTag`]) |
/// | `agents` | empty | agent id → email address |
/// | `groups` | empty | group id → email address |
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SmtpConfig {
    /// The SMTP server's host name.
    pub host: String,
    /// Its port (default by [`security`](Self::security)).
    #[serde(default)]
    pub port: Option<u16>,
    /// How the connection is secured.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The user name to log in with.
    #[serde(default)]
    pub username: Option<String>,
    /// The password to log in with.
    #[serde(default)]
    pub password: Option<String>,
    /// The sender: `Name <address>` or an address.
    pub from: String,
    /// Where replies should go, when not to `from`.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// The domain of the desk's Message-IDs (default: `from`'s domain).
    /// Intake must use the same one to thread replies.
    #[serde(default)]
    pub domain: Option<String>,
    /// How long one SMTP command may take (default 30 s).
    #[serde(default)]
    pub timeout: Option<BusinessDuration>,
    /// The ticket's tag in subjects (default `[#1042]`).
    #[serde(default)]
    pub subject_tag: Option<SubjectTag>,
    /// Agents' email addresses.
    #[serde(default)]
    pub agents: BTreeMap<AgentId, String>,
    /// Groups' email addresses (their queue's shared mailbox or list).
    #[serde(default)]
    pub groups: BTreeMap<GroupId, String>,
}

impl SmtpConfig {
    /// A configuration for `host`, sending as `from`; everything else default.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        SmtpConfig {
            host: host.into(),
            port: None,
            security: SmtpSecurity::default(),
            username: None,
            password: None,
            from: from.into(),
            reply_to: None,
            domain: None,
            timeout: None,
            subject_tag: None,
            agents: BTreeMap::new(),
            groups: BTreeMap::new(),
        }
    }
}

/// Sends notifications as mail. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct SmtpNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    domain: String,
    tag: SubjectTag,
    agents: BTreeMap<AgentId, Mailbox>,
    groups: BTreeMap<GroupId, Mailbox>,
}

impl SmtpNotifier {
    /// A notifier for `config`; checks every address in it. Connects only
    /// when it first sends.
    pub fn new(config: SmtpConfig) -> Result<Self> {
        let bad = |path: &str, value: &str, why: String| -> Error {
            ConfigError::new(
                format!("notifications.smtp.{path}"),
                Some(value.to_owned()),
                why,
            )
            .into()
        };
        let mailbox = |path: &str, value: &str| -> Result<Mailbox> {
            value
                .parse::<Mailbox>()
                .map_err(|e| bad(path, value, format!("not an email address: {e}")))
        };
        let from = mailbox("from", &config.from)?;
        let reply_to = config
            .reply_to
            .as_deref()
            .map(|r| mailbox("reply_to", r))
            .transpose()?;
        let domain = match config.domain {
            Some(d) if !d.trim().is_empty() && !d.contains(['<', '>', '@', ' ']) => d,
            Some(d) => return Err(bad("domain", &d, "not a domain name".into())),
            None => from.email.domain().to_owned(),
        };
        let agents = config
            .agents
            .iter()
            .map(|(id, a)| Ok((*id, mailbox(&format!("agents.{id}"), a)?)))
            .collect::<Result<_>>()?;
        let groups = config
            .groups
            .iter()
            .map(|(id, a)| Ok((id.clone(), mailbox(&format!("groups.{id}"), a)?)))
            .collect::<Result<_>>()?;
        let host = config.host.as_str();
        let builder = match config.security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| bad("host", host, e.to_string()))?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| bad("host", host, e.to_string()))?,
        };
        let port = config.port.unwrap_or(match config.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        });
        let timeout = config.timeout.map_or(Duration::from_secs(30), |t| {
            Duration::from_secs(t.as_secs().max(1).unsigned_abs())
        });
        let mut builder = builder.port(port).timeout(Some(timeout));
        match (config.username, config.password) {
            (Some(u), Some(p)) => builder = builder.credentials(Credentials::new(u, p)),
            (None, None) => {}
            (Some(u), None) => {
                return Err(bad(
                    "password",
                    "",
                    format!("username `{u}` needs a password"),
                ));
            }
            (None, Some(_)) => {
                return Err(bad("username", "", "a password needs a username".into()));
            }
        }
        Ok(SmtpNotifier {
            transport: builder.build(),
            from,
            reply_to,
            domain,
            tag: config.subject_tag.unwrap_or_default(),
            agents,
            groups,
        })
    }

    /// The domain of the Message-IDs it writes.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The mail `delivery` becomes (what [`deliver`](Notifier::deliver)
    /// sends): useful to preview, or to hand to another transport.
    pub fn mail(&self, delivery: &Delivery<'_>) -> Result<Mail> {
        let n = delivery.notification();
        let to = self.address_of(n)?;
        let message = delivery.message()?;
        let root = thread::root(n.ticket_id, &self.domain);
        let mut mail = Mail::builder()
            .from(self.from.clone())
            .to(to)
            .subject(self.tagged(n.ticket_ref, &message.subject))
            .message_id(Some(thread::message_id(n.id, &self.domain)))
            .in_reply_to(root.clone())
            .references(root)
            .date(SystemTime::from(n.created_at));
        if let Some(r) = &self.reply_to {
            mail = mail.reply_to(r.clone());
        }
        // An agent's reply is written by a person; the rest is the desk's.
        if n.kind != NotificationKind::AgentReplied {
            mail = mail.header(AutoSubmitted);
        }
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(message.text);
        let built = match message.html {
            Some(html) => mail.multipart(
                MultiPart::alternative().singlepart(text).singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
            ),
            None => mail.singlepart(text),
        };
        built.map_err(|e| Error::undeliverable("building the mail", e))
    }

    /// Who gets it: the requester's or the named address, or the address
    /// the configuration gives the agent or group. No address is final:
    /// retrying cannot find one.
    fn address_of(&self, n: &Notification) -> Result<Mailbox> {
        let parse = |a: &str| {
            a.parse::<Mailbox>()
                .map_err(|e| Error::undeliverable(format!("`{a}` is not an email address"), e))
        };
        let missing = |who: String| {
            Err(Error::Undeliverable {
                message: format!("no email address for {who}"),
                cause: None,
            })
        };
        match &n.recipient {
            Recipient::Requester { email: Some(e), .. } => parse(e),
            Recipient::Address { address } => parse(address),
            Recipient::Agent { id } => self.agents.get(id).cloned().map_or_else(
                || {
                    missing(format!(
                        "agent {id} (add it to [notifications.smtp.agents])"
                    ))
                },
                Ok,
            ),
            Recipient::Group { id } => self.groups.get(id).cloned().map_or_else(
                || {
                    missing(format!(
                        "group {id} (add it to [notifications.smtp.groups])"
                    ))
                },
                Ok,
            ),
            other => missing(other.to_string()),
        }
    }

    /// `subject` with this desk's tag for `reference` in it: as written if
    /// it has it; else with the tag in front (and the built-in templates'
    /// `[#1042]` dropped, when the desk's tag is another).
    fn tagged(&self, reference: TicketRef, subject: &str) -> String {
        if self.tag.find(subject) == Some(reference) {
            return subject.to_owned();
        }
        let default = SubjectTag::default().format(reference);
        let rest = subject
            .strip_prefix(&default)
            .map_or(subject, str::trim_start);
        format!("{} {rest}", self.tag.format(reference))
    }
}

#[async_trait]
impl Notifier for SmtpNotifier {
    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<()> {
        let mail = self.mail(delivery)?;
        match self.transport.send(mail).await {
            Ok(_) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }
}

/// SMTP reply codes that are about the desk's setup or the conversation,
/// not this message: retried even though they are 5xx.
const SETUP_CODES: [u16; 8] = [500, 501, 502, 503, 504, 530, 534, 535];

/// A passing failure (retry) or a final one (give up), per the reply code.
fn classify(e: lettre::transport::smtp::Error) -> Error {
    let code = e.status().map(u16::from);
    let what = match code {
        Some(c) => format!("the SMTP server answered {c}"),
        None => "talking to the SMTP server".to_owned(),
    };
    let cause: BoxError = Box::new(e);
    match code {
        Some(c) if (500..600).contains(&c) && !SETUP_CODES.contains(&c) => Error::Undeliverable {
            message: what,
            cause: Some(cause),
        },
        _ => Error::Notify {
            message: what,
            cause: Some(cause),
        },
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): automatic mail, which
/// responders must not answer.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> std::result::Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}
