//! The chat and phone examples, for real: the chat webhook receiver
//! (`examples/chat_webhook.rs`) serves on a loopback port over a SQLite
//! file and gets webhooks over HTTP, the way a platform retries them; the
//! phone example's calls are logged by an agent on the caller's behalf.

#[path = "../examples/chat_webhook.rs"]
#[allow(dead_code)]
mod chat;

#[path = "../examples/phone_call.rs"]
#[allow(dead_code)]
mod phone;

use std::net::SocketAddr;
use std::sync::Arc;

use helpdesk::store::{SqliteStore, TicketFilter, TicketQuery};
use helpdesk::ticket::EventKind;
use helpdesk::{Actor, AgentId, Channel, GroupId, HelpDesk, Received, TicketId};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The receiver on a free loopback port, on a desk over a SQLite file.
async fn serve() -> (SocketAddr, HelpDesk, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("desk.db")).await.unwrap());
    let desk = HelpDesk::builder().backend(store).build().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = chat::router(desk.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, desk, dir)
}

/// POSTs `body` as JSON over a new HTTP/1.1 connection; the status and the
/// parsed response body.
async fn post(addr: SocketAddr, path: &str, body: &str) -> (u16, Value) {
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    conn.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8(response).unwrap();
    let (head, payload) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let payload = if chunked {
        dechunk(payload)
    } else {
        payload.to_owned()
    };
    (
        status,
        serde_json::from_str(&payload).unwrap_or(Value::Null),
    )
}

/// The body of a chunked response.
fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

async fn all_tickets(desk: &HelpDesk) -> Vec<TicketId> {
    desk.store()
        .list(&TicketQuery::new(TicketFilter::default(), 100))
        .await
        .unwrap()
        .items
        .iter()
        .map(|t| t.id)
        .collect()
}

async fn customer_messages(desk: &HelpDesk, ticket: TicketId) -> Vec<String> {
    desk.store()
        .timeline(ticket)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::Created(c) => Some(c.description.to_string()),
            EventKind::CustomerMessage { body, .. } => Some(body),
            _ => None,
        })
        .collect()
}

fn webhook(message_id: &str, text: &str) -> String {
    json!({
        "platform": "WhatsApp",
        "message_id": message_id,
        "conversation_id": "wamid.HBgLMzA2OTQ1",
        "sender_handle": "+30 694 555 0100",
        "display_name": "Eleni P.",
        "text": text,
    })
    .to_string()
}

/// The platform posts a message, retries the same webhook (twice, as a
/// platform that missed the first answer does): one ticket, one message.
/// A later message in the conversation joins the ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_webhook_is_one_message() {
    let (addr, desk, _dir) = serve().await;
    let first = webhook("wamid.HBgLMzA2OTQ1", "Ο εκτυπωτής δεν τυπώνει.");
    let (status, body) = post(addr, "/webhooks/chat", &first).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "opened");
    let reference = body["ticket"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let (status, again) = post(addr, "/webhooks/chat", &first).await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["outcome"], "duplicate");
        assert_eq!(again["ticket"], reference.as_str());
    }
    let tickets = all_tickets(&desk).await;
    assert_eq!(tickets.len(), 1);
    assert_eq!(
        customer_messages(&desk, tickets[0]).await,
        ["Ο εκτυπωτής δεν τυπώνει."]
    );
    let t = desk.store().load(tickets[0]).await.unwrap().unwrap();
    assert_eq!(t.channel, Channel::Chat);
    assert_eq!(t.requester.name, "Eleni P.");
    assert_eq!(t.requester.phone.as_deref(), Some("+30 694 555 0100"));

    let (status, body) = post(
        addr,
        "/webhooks/chat",
        &webhook("wamid.HBgLMzA2OTQ2", "Ευχαριστώ!"),
    )
    .await;
    assert_eq!((status, body["outcome"].as_str()), (200, Some("added")));
    assert_eq!(body["ticket"], reference.as_str());
    assert_eq!(all_tickets(&desk).await.len(), 1);
    assert_eq!(
        customer_messages(&desk, tickets[0]).await,
        ["Ο εκτυπωτής δεν τυπώνει.", "Ευχαριστώ!"]
    );
}

/// An empty message is refused with 422 (retrying cannot fix it), a body
/// that is not the payload with a 4xx; neither stores anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_webhooks_are_refused() {
    let (addr, desk, _dir) = serve().await;
    let (status, body) = post(addr, "/webhooks/chat", &webhook("wamid.empty", "  ")).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("message"),
        "{body}"
    );
    let (status, _) = post(addr, "/webhooks/chat", r#"{"platform": "x"}"#).await;
    assert!((400..500).contains(&status), "{status}");
    assert!(all_tickets(&desk).await.is_empty());
}

/// The same message id on another platform is another message, from
/// another account; a social network's message is on channel `social`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platforms_keep_their_ids_apart() {
    let (addr, desk, _dir) = serve().await;
    let on = |platform: &str| {
        json!({
            "platform": platform, "message_id": "1042", "sender_handle": "@camille_m",
            "text": "Ma commande n'est pas arrivée.",
        })
        .to_string()
    };
    let (_, a) = post(addr, "/webhooks/chat", &on("telegram")).await;
    let (_, b) = post(addr, "/webhooks/chat", &on("instagram")).await;
    assert_eq!(
        (a["outcome"].as_str(), b["outcome"].as_str()),
        (Some("opened"), Some("opened"))
    );
    let tickets = all_tickets(&desk).await;
    assert_eq!(tickets.len(), 2);
    let mut channels = Vec::new();
    let mut requesters = Vec::new();
    for id in tickets {
        let t = desk.store().load(id).await.unwrap().unwrap();
        channels.push(t.channel.clone());
        requesters.push(t.requester.id);
    }
    channels.sort_by_key(ToString::to_string);
    assert_eq!(channels, [Channel::Chat, Channel::Social]);
    assert_ne!(requesters[0], requesters[1]);
}

/// The phone example: the caller is the portal customer with that number,
/// the ticket is theirs but written by the agent, saving a call twice is
/// one message, and the second call joins the ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_logs_phone_calls_for_the_caller() {
    let desk = HelpDesk::builder().build().unwrap();
    let sam = Actor::agent(AgentId::new(), [GroupId::new("service-desk").unwrap()]);
    let calls = phone::log_calls(&desk, &sam).await.unwrap();
    let t = &calls.ticket;
    assert!(!calls.new_caller);
    assert_eq!(t.requester.name, "Ada Lovelace");
    assert_eq!(t.channel, Channel::Phone);
    assert_eq!(t.subject, "VPN: error 809 since this morning");
    assert!(
        matches!(calls.saved_twice, Received::Duplicate { ticket_id, .. } if ticket_id == t.id)
    );
    assert!(matches!(&calls.second_call, Received::Added { ticket } if ticket.id == t.id));
    let timeline = desk.timeline(&sam, t.id).await.unwrap();
    let written: Vec<_> = timeline
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Created(_) | EventKind::CustomerMessage { .. }
            )
        })
        .collect();
    assert_eq!(written.len(), 2, "the call and the call back, once each");
    assert!(written.iter().all(|e| e.actor == sam.event_actor()));
    // The requester sees both calls on their ticket.
    let mine = desk.portal(t.requester.id).timeline(t.id).await.unwrap();
    assert!(mine.len() >= 2, "{mine:?}");
}
