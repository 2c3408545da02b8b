//! helpdesk: an embeddable help desk core.
#![doc(html_no_source)]

pub mod access;
pub mod calendar;
mod clock;
pub mod condition;
mod error;
pub mod escalation;
mod id;
pub mod notify;
pub mod priority;
pub mod routing;
mod service;
pub mod sla;
pub mod store;
pub mod ticket;

pub use access::{Action, Actor};
pub use calendar::{BusinessCalendar, CalendarError};
pub use clock::{Clock, ManualClock, SystemClock};
pub use condition::Condition;
pub use error::{BoxError, ConfigError, Error, Result, ValidationError};
pub use id::{AgentId, CustomerId, EventId, GroupId, NotificationId, TicketId, TicketRef};
pub use notify::{Notification, NotificationKind, Notifier, Recipient, RecordingNotifier};
pub use priority::{Classification, Classifier, Impact, Priority, PriorityOrigin, Urgency};
pub use service::{DispatchReport, HelpDesk, HelpDeskBuilder, RetryPolicy, RunReport, SplitPart};
pub use sla::{SlaConfig, SlaStatus};
pub use store::{InMemoryStore, Store};
pub use ticket::{Channel, NewTicket, Requester, Ticket, TicketEvent};
