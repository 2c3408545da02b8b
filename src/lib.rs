//! helpdesk: an embeddable help desk core.
#![doc(html_no_source)]

pub mod calendar;
mod clock;
mod error;
mod id;
pub mod ticket;

pub use calendar::{BusinessCalendar, CalendarError};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{BoxError, ConfigError, Error, Result, ValidationError};
pub use id::{AgentId, CustomerId, EventId, GroupId, NotificationId, TicketId, TicketRef};
