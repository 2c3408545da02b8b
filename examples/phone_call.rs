//! An agent logs phone calls: each call becomes a ticket (or a message on
//! the ticket the caller rings about) in the caller's name, written by the
//! agent on their behalf (`HelpDesk::receive_as`).
//!
//! ```sh
//! cargo run --example phone_call
//! ```
//!
//! The caller is matched by their number (however it is written) to the
//! requester who has it, here a customer who first wrote through the
//! portal; an unknown number becomes a new requester. The call's id (from
//! the phone system, or made once by the agent's screen) makes saving the
//! same call twice one message.

use helpdesk::intake::{InboundMessage, Sender};
use helpdesk::ticket::{EventActor, EventKind};
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, GroupId, HelpDesk, NewTicket, Received, Requester, Ticket,
};

/// What [`log_calls`] did.
#[derive(Debug)]
pub(crate) struct Calls {
    /// The ticket the first call opened.
    pub(crate) ticket: Ticket,
    /// Whether the caller was new to the desk.
    pub(crate) new_caller: bool,
    /// What saving the first call a second time did.
    pub(crate) saved_twice: Received,
    /// What the second call, about the same ticket, did.
    pub(crate) second_call: Received,
}

/// Ada writes once through the portal (with her number); later she rings
/// twice and `agent` logs both calls.
pub(crate) async fn log_calls(
    desk: &HelpDesk,
    agent: &Actor,
) -> Result<Calls, Box<dyn std::error::Error>> {
    let ada = CustomerId::new();
    desk.portal(ada)
        .open(NewTicket::new(
            Requester::new(ada, "Ada Lovelace")
                .email("ada@example.com")
                .phone("+44 20 7946 0001"),
            Channel::Portal,
            "Invoice address",
            "Please send invoices to accounts@example.com.",
        ))
        .await?;

    // The phone system shows the number as it dialled it.
    let call = InboundMessage::new(
        Channel::Phone,
        "pbx-call-2026-03-02-0042",
        Sender::new().phone("0044 20 7946 0001"),
        "Caller cannot log in to the VPN since this morning; error 809 on Windows 11.",
    )
    .subject("VPN: error 809 since this morning");
    let Received::Opened {
        ticket,
        new_requester,
    } = desk.receive_as(agent, call.clone()).await?
    else {
        return Err("the first call opened no ticket".into());
    };
    // The agent's screen saved the call twice (a double click): one message.
    let saved_twice = desk.receive_as(agent, call).await?;

    let second = InboundMessage::new(
        Channel::Phone,
        "pbx-call-2026-03-02-0057",
        Sender::new().phone("+44 20 7946 0001"),
        "Called back: works after the router restart. Asked us to keep it open until tomorrow.",
    )
    .ticket_ref(ticket.reference);
    let second_call = desk.receive_as(agent, second).await?;
    Ok(Calls {
        ticket,
        new_caller: new_requester,
        saved_twice,
        second_call,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let desk = HelpDesk::builder().build()?;
    let sam = Actor::agent(AgentId::new(), [GroupId::new("service-desk")?]);
    let calls = log_calls(&desk, &sam).await?;
    let t = &calls.ticket;
    println!(
        "{} {:?} for {} (known caller: {}), channel {}",
        t.reference, t.subject, t.requester.name, !calls.new_caller, t.channel
    );
    println!(
        "saved twice: one message ({}); the call back: {}",
        matches!(calls.saved_twice, Received::Duplicate { .. }),
        match &calls.second_call {
            Received::Added { ticket } => format!("added to {}", ticket.reference),
            other => format!("{other:?}"),
        }
    );
    for e in desk.timeline(&sam, t.id).await? {
        let who = match e.actor {
            a if a == sam.event_actor() => format!("Sam for {}", t.requester.name),
            EventActor::Agent(_) => "another agent".into(),
            EventActor::Requester(_) => t.requester.name.clone(),
            EventActor::System => "the desk".into(),
        };
        let what = match &e.kind {
            EventKind::Created(c) => format!("opened: {}", c.description),
            EventKind::CustomerMessage { body, .. } => format!("customer message: {body}"),
            other => other.name().replace('_', " "),
        };
        println!("  {} {who}: {what}", e.at.format("%H:%M:%S"));
    }
    Ok(())
}
