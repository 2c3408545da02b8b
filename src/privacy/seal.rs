//! Where personal data sits in what the desk stores: one visitor per
//! stored shape (snapshot, event, notification), shared by sealing,
//! opening and erasure, so the three can never disagree on what is personal.

use std::sync::Arc;

use crate::error::Result;
use crate::notify::Notification;
use crate::ticket::{
    EventKind, FieldChange, FieldValue, Recipient, Requester, Ticket, TicketEvent,
};

/// One personal value.
pub(crate) enum Slot<'a> {
    /// Text (a name, an address, a message body).
    Text(&'a mut String),
    /// A custom field's value, sealed as its JSON.
    Field(&'a mut FieldValue),
}

/// Calls `f` on each personal value of a visited shape.
pub(crate) type Visit<'f> = dyn FnMut(Slot<'_>) -> Result<()> + 'f;

fn opt(v: &mut Option<String>, f: &mut Visit<'_>) -> Result<()> {
    match v {
        Some(s) => f(Slot::Text(s)),
        None => Ok(()),
    }
}

fn requester(r: &mut Arc<Requester>, f: &mut Visit<'_>) -> Result<()> {
    let r = Arc::make_mut(r);
    f(Slot::Text(&mut r.name))?;
    opt(&mut r.email, f)?;
    opt(&mut r.phone, f)?;
    opt(&mut r.organization, f)
}

fn shared(s: &mut Arc<str>, f: &mut Visit<'_>) -> Result<()> {
    let mut text = String::from(&**s);
    f(Slot::Text(&mut text))?;
    if *text != **s {
        *s = text.into();
    }
    Ok(())
}

/// The personal values of a snapshot.
pub(crate) fn ticket(t: &mut Ticket, f: &mut Visit<'_>) -> Result<()> {
    requester(&mut t.requester, f)?;
    shared(&mut t.description, f)?;
    for v in t.fields.values_mut() {
        f(Slot::Field(v))?;
    }
    Ok(())
}

/// The personal values of an event.
pub(crate) fn event(e: &mut TicketEvent, f: &mut Visit<'_>) -> Result<()> {
    match &mut e.kind {
        EventKind::Created(c) => {
            requester(&mut c.requester, f)?;
            shared(&mut c.description, f)?;
            for v in c.fields.values_mut() {
                f(Slot::Field(v))?;
            }
            Ok(())
        }
        EventKind::CustomerMessage { body, .. }
        | EventKind::Reply { body }
        | EventKind::InternalNote { body } => f(Slot::Text(body)),
        EventKind::FieldChanged {
            change: FieldChange::Custom { value: Some(v), .. },
        } => f(Slot::Field(v)),
        EventKind::RequesterUpdated {
            name,
            email,
            phone,
            organization,
        } => {
            opt(name, f)?;
            opt(email, f)?;
            opt(phone, f)?;
            opt(organization, f)
        }
        // A survey's free text is the requester's words; the score and the
        // reason code stay clear for the CSAT figures.
        EventKind::SatisfactionRated(r) => opt(&mut r.rating.comment, f),
        _ => Ok(()),
    }
}

/// The personal values of a notification.
pub(crate) fn notification(n: &mut Notification, f: &mut Visit<'_>) -> Result<()> {
    if let Recipient::Requester { email, .. } = &mut n.recipient {
        opt(email, f)?;
    }
    opt(&mut n.facts.body, f)?;
    // The greeting's name: the requester's, or a staff member's (sealed
    // alike, which costs nothing and keeps one rule).
    opt(&mut n.facts.recipient_name, f)
}

/// Whether `s` is a marker the desk writes in place of personal data:
/// not personal itself, so never sealed.
pub(crate) fn is_marker(s: &str) -> bool {
    s == super::ERASED || s == super::REDACTED
}

/// Whether a slot holds a marker.
pub(crate) fn slot_is_marker(slot: &Slot<'_>) -> bool {
    match slot {
        Slot::Text(s) => is_marker(s),
        Slot::Field(FieldValue::Text(s)) => is_marker(s),
        Slot::Field(_) => false,
    }
}
