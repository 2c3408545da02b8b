//! # helpdesk
//!
//! An embeddable help desk core: support tickets from every channel, with
//! lifecycles, priority classification, SLA clocks in business hours,
//! escalation through support tiers, routing, proactive notifications and
//! access control. Link it into your product or service; keep your own UI.
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
//! // A customer writes in through the portal.
//! let ada = CustomerId::new();
//! let ticket = desk
//!     .open(
//!         &Actor::requester(ada),
//!         NewTicket::new(Requester::new(ada, "Ada").email("ada@example.com"), Channel::Portal,
//!             "VPN drops every hour", "Since Monday.")
//!             .group(GroupId::new("service-desk")?),
//!     )
//!     .await?;
//!
//! // An agent of the service desk answers; Ada is notified.
//! let sam = Actor::agent(AgentId::new(), [GroupId::new("service-desk")?]);
//! desk.reply(&sam, ticket.id, "Please try the new VPN profile.").await?;
//! let ticket = desk.transition(&sam, ticket.id, "resolved", Some("new profile")).await?;
//! assert_eq!(ticket.status.as_str(), "resolved");
//!
//! // Ada got an acknowledgment with the reference, the reply and the resolution.
//! assert_eq!(notifier.delivered().iter().filter(|n| n.ticket_id == ticket.id).count(), 4);
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
//! - **A pure domain.** [`ticket`], [`priority`], [`condition`], [`access`]
//!   and the time modules do no I/O and read no clock. Everything that
//!   depends on time takes a [`Clock`] ([`SystemClock`] or [`ManualClock`]).
//! - **History is the truth.** Every change is a [`TicketEvent`] with actor,
//!   time and payload; a [`Ticket`] is the fold of its events
//!   ([`Ticket::replay`]).
//! - **Nothing is lost.** A command writes its events, the new snapshot and its
//!   notifications in one atomic [`Store::commit`]; a failing [`Notifier`]
//!   leaves notifications in the outbox for [`HelpDesk::dispatch_pending`].
//!   Concurrent writers never overwrite each other: a stale write is
//!   [`Error::Conflict`], and the desk retries the command from a fresh load.
//! - **Configuration is data.** Lifecycles ([`ticket::Lifecycle`]), the
//!   [`Classifier`] and the rest load from TOML or JSON and are validated;
//!   errors name the field and the value.
//! - **Bad input gets a typed error**, never a panic: [`Error::Validation`]
//!   names the field, [`Error::Forbidden`] the actor and action,
//!   [`Error::InvalidTransition`] the allowed targets.
//!
//! ## Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `sqlite` | yes | `SqliteStore`: the embedded back end (bundled SQLite, no system library) |
//! | `postgres` | no | `PostgresStore`: many app nodes sharing one PostgreSQL |
//! | `test-util` | no | the store conformance suite, for testing your own `Store` |
//!
//! The in-memory back end ([`InMemoryStore`]) is always there.

pub mod access;
pub mod calendar;
mod clock;
pub mod condition;
mod duration;
mod error;
pub mod escalation;
mod id;
pub mod notify;
pub mod priority;
pub mod routing;
mod service;
pub mod sla;
pub mod store;
mod text;
pub mod ticket;

pub use access::{Action, Actor};
pub use calendar::{BusinessCalendar, CalendarError};
pub use clock::{Clock, ManualClock, SystemClock};
pub use condition::Condition;
pub use duration::BusinessDuration;
pub use error::{BoxError, ConfigError, Error, Result, ValidationError};
pub use id::{AgentId, CustomerId, EventId, GroupId, NotificationId, TicketId, TicketRef};
pub use notify::{Notification, NotificationKind, Notifier, Recipient, RecordingNotifier};
pub use priority::{Classification, Classifier, Impact, Priority, PriorityOrigin, Urgency};
pub use service::{DispatchReport, HelpDesk, HelpDeskBuilder, RetryPolicy, RunReport, SplitPart};
pub use sla::{SlaConfig, SlaStatus};
pub use store::{InMemoryStore, Store};
pub use ticket::{Channel, NewTicket, Requester, Ticket, TicketEvent};

// Compiles the README's Rust examples as doc tests, so the README stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
