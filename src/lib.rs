//! # helpdesk
//!
//! An embeddable help desk core: support tickets from every channel, with
//! lifecycles, priority classification, SLA clocks in business hours,
//! escalation through support tiers, routing, proactive notifications and
//! access control that keeps staff bookkeeping away from customers. Link it
//! into your product or service; keep your own UI.
//!
//! ## In a few lines
//!
//! ```
//! use std::sync::Arc;
//! use helpdesk::{Actor, AgentId, Channel, CustomerId, GroupId, HelpDesk, NewTicket, RecordingNotifier, Requester};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let notifier = Arc::new(RecordingNotifier::new());
//! let desk = HelpDesk::builder().notifier(notifier.clone()).build()?;
//!
//! // A customer writes in through the portal: customers see their own
//! // tickets only, without staff bookkeeping.
//! let ada = CustomerId::new();
//! let mine = desk
//!     .portal(ada)
//!     .open(
//!         NewTicket::new(Requester::new(ada, "Ada").email("ada@example.com"), Channel::Portal,
//!             "VPN drops every hour", "Since Monday.")
//!             .group(GroupId::new("service-desk")?),
//!     )
//!     .await?;
//!
//! // An agent of the service desk answers; Ada is notified.
//! let sam = Actor::agent(AgentId::new(), [GroupId::new("service-desk")?]);
//! desk.reply(&sam, mine.id, "Please try the new VPN profile.").await?;
//! let ticket = desk.transition(&sam, mine.id, "resolved", Some("new profile")).await?;
//! assert_eq!(ticket.status.as_str(), "resolved");
//!
//! // Ada got an acknowledgment with the reference, the reply and the resolution.
//! let to_ada = notifier
//!     .delivered()
//!     .into_iter()
//!     .filter(|n| matches!(n.notification.recipient, helpdesk::Recipient::Requester { .. }))
//!     .count();
//! assert_eq!(to_ada, 3);
//!
//! // The timeline is the truth: replaying it gives the ticket.
//! let events = desk.timeline(&sam, ticket.id).await?;
//! assert_eq!(helpdesk::Ticket::replay(&events)?, ticket);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! ## How it is built
//!
//! See `ARCHITECTURE.md` in the repository for the whole picture.
//!
//! - **Decisions in a pure domain.** Commands are data ([`Command`]); the domain
//!   ([`ticket::decide`], [`escalation`], [`routing`], [`sla`], [`classify`],
//!   [`calendar`]) decides the events, does no I/O and reads no clock: ids
//!   and instants come in as inputs, and a test fails on a forbidden import.
//! - **History is the truth.** Every change is a [`TicketEvent`] with actor,
//!   time and payload; a [`Ticket`] is the fold of its events
//!   ([`Ticket::replay`]).
//! - **One SLA clock.** SLA targets, warnings, breaches and escalation
//!   levels are all read off one evaluation of the ticket's history in its
//!   policy's business calendar.
//! - **Nothing is lost.** A command writes its events, the new snapshot, the
//!   derived schedule and its notifications in one atomic
//!   [`TicketStore::commit`]; a failing [`Notifier`] leaves notifications
//!   in the outbox for [`HelpDesk::dispatch_pending`]. Concurrent writers
//!   never overwrite each other: a stale write is [`Error::Conflict`], and
//!   the desk retries the command from a fresh load. A command may carry an
//!   idempotency key ([`HelpDesk::idempotent`]): the same key twice is one effect.
//! - **Notifications are data**, rendered at delivery ([`notify::Render`]).
//! - **Configuration is data.** The whole desk loads from one TOML or JSON
//!   file ([`DeskConfig`]); errors name the full path and the value.
//! - **Bad input gets a typed error**, never a panic; see [`Error`] for
//!   the design.
//! - **Tracing.** Commands, [`HelpDesk::run_due`] and
//!   [`HelpDesk::dispatch_pending`] run in `tracing` spans (the command, the
//!   ticket, the actor's kind, the outcome); the library never installs a
//!   subscriber.
//!
//! ## Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `sqlite` | yes | `SqliteStore`: the embedded back end (bundled SQLite, no system library) |
//! | `postgres` | no | `PostgresStore`: many app nodes sharing one PostgreSQL |
//! | `email` | no | `intake::email`: raw RFC 5322 mail to an `InboundMessage` (mail-parser) |
//! | `smtp` | no | `notify::smtp::SmtpNotifier`: notifications by email (lettre over rustls) |
//! | `webhooks` | no | `notify::webhook::WebhookNotifier`: Standard Webhooks signed JSON (reqwest over rustls) |
//! | `test-util` | no | the store conformance suites, for testing your own back end |
//!
//! The in-memory back end ([`InMemoryStore`]) is always there.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
mod action;
pub mod calendar;
pub mod classify;
mod clock;
pub mod condition;
pub mod config;
#[doc(hidden)]
pub mod doc_support;
mod duration;
mod error;
pub mod escalation;
mod id;
pub mod intake;
pub mod kb;
mod load;
mod locale;
pub mod notify;
pub mod priority;
pub mod privacy;
pub mod report;
pub mod routing;
mod service;
pub mod sla;
pub mod store;
pub mod survey;
pub mod ticket;

pub use access::{Action, Actor, ActorKind};
/// Re-exported for implementing [`Notifier`] and the store ports.
pub use async_trait::async_trait;
pub use calendar::{BusinessCalendar, CalendarError};
pub use classify::{Classification, Classifier};
pub use clock::{Clock, ManualClock, SystemClock};
pub use condition::Condition;
pub use config::DeskConfig;
pub use duration::BusinessDuration;
pub use error::{BoxError, ConfigError, Error, ErrorKind, Result, ValidationError};
/// Intake: what [`HelpDesk::receive`] did, and the ids of stored attachments.
pub use id::AttachmentId;
pub use id::{AgentId, CustomerId, EventId, GroupId, NotificationId, TicketId, TicketRef};
pub use locale::Locale;
pub use notify::{
    Delivery, Notification, NotificationKind, Notifier, Recipient, RecordingNotifier,
};
pub use priority::{Impact, Priority, PriorityOrigin, Urgency};
pub use service::Backfill;
pub use service::Received;
pub use service::Suggestions;
pub use service::{
    DispatchReport, HelpDesk, HelpDeskBuilder, Idempotent, Portal, PortalQuery, RetryPolicy,
    RunReport,
};
pub use service::{LinkTarget, LinkedTicket};
pub use sla::{SlaConfig, SlaStatus};
pub use store::KnowledgeStore;
pub use store::{DueIndex, InMemoryStore, Outbox, Store, TicketStore};
pub use ticket::decide::{Command, ContactUpdate, SplitPart};
pub use ticket::{
    Channel, NewTicket, Requester, RequesterEvent, RequesterTicket, Ticket, TicketEvent,
};

/// The traits a caller needs in scope to call the ports' methods:
/// `use helpdesk::prelude::*;`.
pub mod prelude {
    pub use crate::clock::Clock;
    pub use crate::notify::Notifier;
    pub use crate::store::ReportStore;
    pub use crate::store::{DueIndex, Outbox, Store, TicketStore};
}

// Compiles the README's Rust examples as doc tests, so the README stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
