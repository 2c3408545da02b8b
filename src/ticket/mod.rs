//! Tickets, their events and their lifecycle.
mod status;
pub use status::StatusId;
