//! A chat and social webhook receiver: messages from a chat platform
//! (WhatsApp, Telegram, Slack, a web chat) or a social network become
//! tickets and customer messages through `HelpDesk::receive`.
//!
//! ```sh
//! cargo run --example chat_webhook                     # http://127.0.0.1:3001, ./chat-desk.db
//! cargo run --example chat_webhook -- --db /tmp/chat.db --port 8081
//! ```
//!
//! Then post what a platform would (the same message twice, as a platform
//! retrying its webhook does, is still one message):
//!
//! ```sh
//! curl -sS http://127.0.0.1:3001/webhooks/chat -H 'content-type: application/json' -d '{
//!   "platform": "whatsapp", "message_id": "wamid.HBgLMzA2OTQ1", "conversation_id": "wamid.HBgLMzA2OTQ1",
//!   "sender_handle": "+30 694 555 0100", "display_name": "Eleni P.",
//!   "text": "Ο εκτυπωτής του 3ου ορόφου δεν τυπώνει."}'
//! # {"outcome":"opened","ticket":"#1001"}    (the same again: {"outcome":"duplicate","ticket":"#1001"})
//! curl -sS http://127.0.0.1:3001/webhooks/chat -H 'content-type: application/json' -d '{
//!   "platform": "whatsapp", "message_id": "wamid.HBgLMzA2OTQ2", "conversation_id": "wamid.HBgLMzA2OTQ1",
//!   "sender_handle": "+30 694 555 0100", "display_name": "Eleni P.", "text": "Ευχαριστώ!"}'
//! # {"outcome":"added","ticket":"#1001"}
//! ```
//!
//! The payload is a generic shape; map your platform's onto it:
//!
//! | field | meaning |
//! |---|---|
//! | `platform` | `whatsapp`, `telegram`, `slack`, `x`, `instagram`, ...: social networks become channel `social`, the rest `chat` |
//! | `message_id` | the platform's id of the message: with the platform, the key that makes a retried webhook one message |
//! | `conversation_id` | the id of the message that started the conversation (Slack's `thread_ts`, X's `conversation_id`); later messages join the ticket it opened. Optional |
//! | `sender_handle` | the sender's account; one starting with `+` is also their phone number, so a customer known by phone is recognised |
//! | `display_name` | the name to greet them by (optional) |
//! | `text` | the message |
//!
//! A production receiver also checks the platform's signature on each
//! request before `receive` (for Standard Webhooks senders,
//! `helpdesk::notify::webhook::verify` with feature `webhooks`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use helpdesk::intake::{InboundMessage, Sender};
use helpdesk::{Channel, ErrorKind, HelpDesk, Received};
use serde::Deserialize;
use serde_json::{Value, json};

/// What the platform posts (see the module docs).
#[derive(Debug, Deserialize)]
pub(crate) struct ChatWebhook {
    /// The platform's name.
    pub(crate) platform: String,
    /// The platform's id of this message.
    pub(crate) message_id: String,
    /// The id of the message that started the conversation.
    #[serde(default)]
    pub(crate) conversation_id: Option<String>,
    /// The sender's account on the platform.
    pub(crate) sender_handle: String,
    /// The sender's name.
    #[serde(default)]
    pub(crate) display_name: Option<String>,
    /// The message.
    pub(crate) text: String,
}

/// Social networks, as opposed to chat platforms.
const SOCIAL: &[&str] = &[
    "x",
    "twitter",
    "instagram",
    "facebook",
    "mastodon",
    "bluesky",
    "linkedin",
];

impl ChatWebhook {
    /// The message the desk takes in. Ids are prefixed with the platform,
    /// so the same id on two platforms is two messages and the same handle
    /// on two platforms is two accounts.
    pub(crate) fn to_inbound(&self) -> InboundMessage {
        let platform = self.platform.trim().to_lowercase();
        let channel = if SOCIAL.contains(&platform.as_str()) {
            Channel::Social
        } else {
            Channel::Chat
        };
        let handle = self.sender_handle.trim();
        let mut sender = Sender::new().handle(format!("{platform}:{handle}"));
        if handle.starts_with('+') {
            sender = sender.phone(handle);
        }
        if let Some(name) = self
            .display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            sender = sender.name(name.trim());
        }
        let mut msg = InboundMessage::new(
            channel,
            format!("{platform}:{}", self.message_id),
            sender,
            self.text.clone(),
        );
        if let Some(root) = self
            .conversation_id
            .as_deref()
            .filter(|c| *c != self.message_id)
        {
            msg = msg.in_reply_to(format!("{platform}:{root}"));
        }
        msg
    }
}

/// The receiver: `POST /webhooks/chat` with a [`ChatWebhook`] body.
pub(crate) fn router(desk: HelpDesk) -> Router {
    Router::new()
        .route("/webhooks/chat", post(receive))
        .with_state(Arc::new(desk))
}

/// Takes one webhook in. 200 with the outcome and the ticket's number
/// (also for a retry of a message taken in before: the platform must stop
/// retrying); 422 for a message the desk refuses (empty, over the limits),
/// which retrying cannot fix; 500 for a failure worth retrying.
async fn receive(
    State(desk): State<Arc<HelpDesk>>,
    Json(hook): Json<ChatWebhook>,
) -> (StatusCode, Json<Value>) {
    match desk.receive(hook.to_inbound()).await {
        Ok(received) => {
            let outcome = match &received {
                Received::Opened { .. } => "opened",
                Received::Added { .. } => "added",
                Received::FollowUp { .. } => "follow_up",
                Received::Duplicate { .. } => "duplicate",
                _ => "skipped",
            };
            let reference = match received.ticket_id() {
                Some(id) => desk
                    .store()
                    .load(id)
                    .await
                    .ok()
                    .flatten()
                    .map(|t| t.reference.to_string()),
                None => None,
            };
            (
                StatusCode::OK,
                Json(json!({ "outcome": outcome, "ticket": reference })),
            )
        }
        Err(e) if e.kind() == ErrorKind::Validation => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "error": e.to_string() })),
        ),
        Err(e) => {
            eprintln!("chat webhook {}: {e}", hook.message_id);
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "error": "the desk could not take the message in; retry" })),
            )
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut db = "chat-desk.db".to_owned();
    let mut port = 3001u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--db", Some(v)) => db = v,
            ("--port", Some(v)) => port = v.parse()?,
            _ => {
                return Err(
                    format!("usage: chat_webhook [--db FILE] [--port N] (at `{arg}`)").into(),
                );
            }
        }
    }
    let store = Arc::new(helpdesk::store::SqliteStore::open(&db).await?);
    let desk = HelpDesk::builder().backend(store).build()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("chat webhooks: POST http://{addr}/webhooks/chat (tickets in {db})");
    axum::serve(listener, router(desk)).await?;
    Ok(())
}
