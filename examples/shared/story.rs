//! The short ticket story both SQL examples tell; only the store differs.

use std::sync::Arc;

use helpdesk::store::{TicketFilter, TicketQuery};
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, GroupId, HelpDesk, NewTicket, RecordingNotifier,
    Requester, Store,
};

/// Lists what earlier runs left behind, then opens, works and resolves one
/// more ticket, delivering its notifications through the outbox.
pub(crate) async fn run(store: Arc<dyn Store>) -> Result<(), Box<dyn std::error::Error>> {
    let notifier = Arc::new(RecordingNotifier::new());
    let desk = HelpDesk::builder()
        .store(store)
        .notifier(notifier.clone())
        .build()?;
    let boss = Actor::supervisor(AgentId::new());

    let earlier = desk
        .list(&boss, TicketQuery::new(TicketFilter::default(), 100))
        .await?;
    if earlier.items.is_empty() {
        println!("No tickets yet: this is the first run.");
    } else {
        println!("Tickets from earlier runs:");
        for t in &earlier.items {
            println!("  {} [{}] {}", t.reference, t.status, t.subject);
        }
    }

    let ada = CustomerId::new();
    let ticket = desk
        .portal(ada)
        .open(NewTicket::new(
            Requester::new(ada, "Ada").email("ada@example.com"),
            Channel::Portal,
            "VPN drops every hour",
            "Since Monday the VPN disconnects hourly.",
        ))
        .await?;
    println!(
        "Opened {} ({} priority).",
        ticket.reference,
        desk.classifier().label(ticket.priority)
    );

    let l1 = GroupId::new("network-l1")?;
    let grace = AgentId::new();
    desk.change_group(&boss, ticket.id, Some(l1.clone()))
        .await?;
    desk.assign(&boss, ticket.id, Some(grace)).await?;
    let agent = Actor::agent(grace, [l1]);
    desk.reply(&agent, ticket.id, "Please update the VPN client to 5.2.")
        .await?;
    let done = desk
        .transition(&agent, ticket.id, "resolved", Some("client updated"))
        .await?;
    println!(
        "{} is {} after {} events; {} notifications delivered.",
        done.reference,
        done.status,
        done.version,
        notifier.delivered().len()
    );
    let report = desk.dispatch_pending().await?;
    println!(
        "Outbox retry pass: {} delivered, {} failed.",
        report.delivered, report.failed
    );
    Ok(())
}
