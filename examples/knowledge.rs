//! A knowledge base on an SQLite file: articles in two languages, search
//! as a requester and as an agent, suggestions for a ticket being written
//! (with their outcome recorded), a "solved by" link, and a draft made from
//! a solved ticket without the customer's personal data.
//!
//! ```sh
//! cargo run --example knowledge
//! ```

use std::sync::Arc;

use helpdesk::kb::{ArticleKind, CategoryId, KnowledgeConfig, NewArticle, SearchFilter};
use helpdesk::store::knowledge::SuggestionOutcome;
use helpdesk::store::{SqliteStore, TimeRange};
use helpdesk::{Actor, AgentId, Channel, CustomerId, HelpDesk, NewTicket, Requester};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile_dir()?;
    let store = Arc::new(SqliteStore::open(dir.join("kb.db")).await?);
    let config: KnowledgeConfig = toml::from_str(
        r#"
        default_locale = "en"
        suggestions = 3
        [[categories]]
        id = "network"
        name = "Network"
        [[categories]]
        id = "vpn"
        name = "VPN"
        parent = "network"
        [[categories]]
        id = "printing"
        name = "Printing"
        [[categories]]
        id = "drafts"
        name = "Drafts"
        "#,
    )?;
    let desk = HelpDesk::builder()
        .store(store.clone())
        .knowledge(store.clone())
        .knowledge_config(config)
        .build()?;
    let agent = Actor::agent(AgentId::new(), []);
    let lead = Actor::supervisor(AgentId::new());

    // Agents write drafts and translations; supervisors publish.
    let vpn = desk
        .create_article(
            &agent,
            NewArticle::new(
                CategoryId::new("vpn")?,
                ArticleKind::Troubleshooting,
                "en".parse()?,
                "The VPN disconnects every hour",
                "Install the **2026** VPN profile from the portal, then sign in again.",
            )
            .tag("vpn"),
        )
        .await?;
    desk.translate_article(
        &agent,
        vpn.id,
        "fr".parse()?,
        "Le VPN se déconnecte toutes les heures",
        "Installez le profil VPN **2026** depuis le portail, puis reconnectez-vous.",
    )
    .await?;
    desk.publish_public(&lead, vpn.id).await?;
    let printer = desk
        .create_article(
            &agent,
            NewArticle::new(
                CategoryId::new("printing")?,
                ArticleKind::Faq,
                "en".parse()?,
                "The printer shows offline",
                "Restart the print spooler, then print a test page.",
            ),
        )
        .await?;
    desk.publish_public(&lead, printer.id).await?;
    let internal = desk
        .create_article(
            &agent,
            NewArticle::new(
                CategoryId::new("vpn")?,
                ArticleKind::HowTo,
                "en".parse()?,
                "Restarting the VPN gateway",
                "Staff only: restart the gateway from the console.",
            ),
        )
        .await?;
    desk.publish_internal(&lead, internal.id).await?;

    // A French customer types without accents; the last word is a prefix.
    let ada = CustomerId::new();
    let portal = desk.portal(ada);
    let found = portal
        .search("vpn deconnect", &"fr".parse()?, &SearchFilter::new(), 5)
        .await?;
    println!("requester, fr, \"vpn deconnect\":");
    for h in &found.hits {
        println!("  [{}] {} — {}", h.locale, h.title_html, h.snippet);
    }
    // An agent also finds the internal article.
    let staff = desk
        .search(&agent, "vpn ", &"en".parse()?, &SearchFilter::new(), 5)
        .await?;
    println!("agent, en, \"vpn\": {} hits", staff.hits.len());
    for h in &staff.hits {
        println!("  [{}] {}", h.locale, h.title_html);
    }

    // Suggestions while the customer writes a ticket; they open one anyway.
    let s = portal
        .suggest(
            "Printer offline",
            "The printer on floor 3 says it is offline.",
            &"en".parse()?,
        )
        .await?;
    println!("suggested for a new ticket:");
    for h in &s.hits {
        println!("  {}", h.title);
    }
    portal
        .suggestion_outcome(
            s.id,
            SuggestionOutcome::Viewed {
                article: printer.id,
            },
        )
        .await?;
    let ticket = portal
        .open(
            NewTicket::new(
                Requester::new(ada, "Ada Lovelace")
                    .email("ada@analytical.example")
                    .phone("+44 20 7946 0958"),
                Channel::Portal,
                "Printer offline for Ada Lovelace",
                "Hi, Ada here (ada@analytical.example, 020 7946 0958): the printer is offline.",
            )
            .category("printing"),
        )
        .await?;
    portal
        .suggestion_outcome(s.id, SuggestionOutcome::TicketOpened { ticket: ticket.id })
        .await?;
    let d = desk.deflection(&lead, TimeRange::default()).await?;
    println!(
        "deflection: {} shown, {} viewed, {} tickets opened anyway, {} deflected",
        d.shown, d.viewed, d.tickets_opened, d.deflected
    );

    // The agent solves it, links the article, and drafts a new one from it.
    desk.reply(
        &agent,
        ticket.id,
        "Hi Ada, I restarted the print spooler on the print server; it prints again.",
    )
    .await?;
    desk.link_article(&agent, ticket.id, printer.id).await?;
    desk.transition(&agent, ticket.id, "resolved", None).await?;
    let draft = desk.draft_from_ticket(&agent, ticket.id).await?;
    let text = draft
        .translation(&"en".parse()?)
        .map(|t| t.latest().clone());
    if let Some(v) = text {
        println!("draft from {}: {}\n{}", ticket.reference, v.title, v.body);
    }
    store.close().await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// A fresh directory for the example's database.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir =
        std::env::temp_dir().join(format!("helpdesk-knowledge-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
