//! Tickets, their events and their lifecycle.
//!
//! A [`Ticket`] is the fold of its [`TicketEvent`]s; a [`Lifecycle`] says
//! which statuses exist and which moves between them are allowed.

pub mod decide;
mod event;
mod metric;
mod model;
pub(crate) mod new;
mod status;
pub mod view;

pub use event::{EventActor, EventKind, FieldChange, TicketCreated, TicketEvent};
pub use metric::Metric;
pub use model::{Channel, FieldValue, Link, LinkKind, Recipient, Requester, Ticket};
pub use new::{MAX_BODY_BYTES, MAX_SUBJECT_CHARS, NewTicket, TicketUpdate};
pub use status::{Lifecycle, StatusCategory, StatusDef, StatusId};
pub use view::{RequesterEvent, RequesterTicket};
