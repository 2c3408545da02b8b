//! Email threading: the Message-IDs the desk gives its own mail, so a
//! customer's reply finds its ticket again.
//!
//! Every mail the desk sends about a ticket has the Message-ID
//! `<{notification id}@{domain}>` and refers (`In-Reply-To`, `References`)
//! to the ticket's thread root `<ticket-{ticket id}@{domain}>`. Mail clients
//! keep the whole conversation in one thread because every message shares
//! the root, and a reply carries both ids back, so intake can thread it
//! without any mapping table: [`parse`] tells which of the desk's ids a
//! header value is, and ids of another domain are never taken for ours.
//!
//! ```
//! use helpdesk::notify::thread::{self, ThreadId};
//! use helpdesk::{NotificationId, TicketId};
//!
//! let ticket = TicketId::new();
//! let root = thread::root(ticket, "support.example.com");
//! assert_eq!(thread::parse(&root, "support.example.com"), Some(ThreadId::Ticket(ticket)));
//! assert_eq!(thread::parse(&root, "example.org"), None);
//!
//! let n = NotificationId::new();
//! let id = thread::message_id(n, "support.example.com");
//! assert_eq!(thread::parse(&id, "support.example.com"), Some(ThreadId::Notification(n)));
//! ```

use crate::id::{NotificationId, TicketId};

/// What one of the desk's own Message-IDs points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadId {
    /// The thread root of a ticket.
    Ticket(TicketId),
    /// One mail the desk sent: the notification it was made from.
    Notification(NotificationId),
}

/// The Message-ID of the mail a notification becomes.
pub fn message_id(notification: NotificationId, domain: &str) -> String {
    format!("<{notification}@{domain}>")
}

/// The thread root of a ticket: what every mail about it refers to.
pub fn root(ticket: TicketId, domain: &str) -> String {
    format!("<ticket-{ticket}@{domain}>")
}

/// Which of the desk's ids `value` is (one Message-ID, angle brackets
/// optional, domain compared case-insensitively); `None` for anyone
/// else's id or anything malformed.
pub fn parse(value: &str, domain: &str) -> Option<ThreadId> {
    let value = value.trim();
    let value = value.strip_prefix('<').unwrap_or(value);
    let value = value.strip_suffix('>').unwrap_or(value);
    let (local, host) = value.rsplit_once('@')?;
    if !host.eq_ignore_ascii_case(domain) {
        return None;
    }
    match local.strip_prefix("ticket-") {
        Some(ticket) => ticket.parse().ok().map(ThreadId::Ticket),
        None => local.parse().ok().map(ThreadId::Notification),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_domains_and_garbage_are_not_ours() {
        let n = NotificationId::new();
        assert_eq!(
            parse(&message_id(n, "Desk.Example"), "desk.example"),
            Some(ThreadId::Notification(n))
        );
        assert_eq!(
            parse(&format!("<{n}@desk.example.evil>"), "desk.example"),
            None
        );
        assert_eq!(parse("<CAF=abc@mail.gmail.com>", "desk.example"), None);
        assert_eq!(parse("<ticket-nope@desk.example>", "desk.example"), None);
        assert_eq!(parse("", "desk.example"), None);
    }
}
