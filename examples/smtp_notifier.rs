//! Sends a desk's notifications by email, in the customer's language.
//!
//! Point it at an SMTP server and an address that should receive the mail:
//!
//! ```sh
//! # a throwaway server that prints what it gets: python3 -m aiosmtpd -n -l 127.0.0.1:2525
//! cargo run --example smtp_notifier --features smtp -- 127.0.0.1:2525 ada@example.com
//! ```
//!
//! The desk comes from TOML: `[notifications]` sets the default language
//! and the desk's name, `[notifications.smtp]` the server (plain SMTP here,
//! for a local test server; use `security = "starttls"` and credentials for
//! a real one). Ada reads French: her acknowledgment is French, with the
//! first-response promise in her time zone; the queue's notice is in the
//! desk's language.

use std::sync::Arc;

use helpdesk::notify::smtp::SmtpNotifier;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, DeskConfig, GroupId, HelpDesk, NewTicket, Requester,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let server = args.next().unwrap_or_else(|| "127.0.0.1:2525".into());
    let to = args.next().unwrap_or_else(|| "ada@example.com".into());
    let (host, port) = server.split_once(':').unwrap_or((server.as_str(), "25"));

    let config = DeskConfig::from_toml(&format!(
        r#"
        [notifications]
        default_locale = "en"
        desk_name = "Acme Support"

        [notifications.smtp]
        host = "{host}"
        port = {port}
        security = "none"
        from = "Acme Support <support@example.com>"
        reply_to = "help@example.com"
        domain = "desk.example.com"
        [notifications.smtp.groups]
        service-desk = "service-desk@example.com"
        "#
    ))?;
    let smtp = config
        .notifications
        .as_ref()
        .and_then(|n| n.smtp.clone())
        .ok_or("no [notifications.smtp]")?;
    let desk = HelpDesk::builder()
        .notifier(Arc::new(SmtpNotifier::new(smtp)?))
        .config(config)
        .build()?;

    let ada = CustomerId::new();
    let ticket = desk
        .portal(ada)
        .open(
            NewTicket::new(
                Requester::new(ada, "Ada")
                    .email(to.clone())
                    .locale("fr".parse()?)
                    .time_zone(chrono_tz::Europe::Paris),
                Channel::Email,
                "Imprimante en panne",
                "Elle affiche l'erreur E-42.",
            )
            .group(GroupId::new("service-desk")?),
        )
        .await?;
    let sam = Actor::agent(AgentId::new(), [GroupId::new("service-desk")?]);
    desk.reply(&sam, ticket.id, "Nous passons la voir cet après-midi.")
        .await?;

    let stats = desk.store().outbox_stats().await?;
    println!(
        "ticket {}: {} mail(s) sent to {to} and the queue, {} waiting for a retry, {} refused",
        ticket.reference, stats.delivered, stats.pending, stats.abandoned
    );
    Ok(())
}
