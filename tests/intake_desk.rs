//! Intake through the desk on every back end: the mail corpus in
//! `tests/data/mail/` fed to `HelpDesk::receive_email`, chat messages to
//! `HelpDesk::receive`, and the same message delivered twice, also by two
//! desks at once on one database.
//!
//! Each scenario is one async function over a [`World`] (two desks on one
//! database: the in-memory store shared, one SQLite file opened twice, one
//! PostgreSQL schema connected twice); `backends!` runs it on each, so test
//! names read `reply_by_subject_tag::sqlite`.
#![cfg(all(feature = "sqlite", feature = "email"))]

use std::path::PathBuf;
use std::sync::Arc;

use helpdesk::intake::{InboundMessage, IntakeConfig, IntakeLimits, Sender};
use helpdesk::store::{TicketFilter, TicketQuery};
use helpdesk::ticket::EventKind;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, ErrorKind, HelpDesk, NewTicket, Received, Recipient,
    RecordingNotifier, Requester, Store, Ticket, TicketId,
};

const DOMAIN: &str = "desk.example.com";

struct World {
    desk: HelpDesk,
    /// A second desk on the same database (another node).
    other: HelpDesk,
    notifier: Arc<RecordingNotifier>,
}

fn intake() -> IntakeConfig {
    IntakeConfig::default()
        .mail_domain(DOMAIN)
        .limits(IntakeLimits::default().max_attachment_bytes(8 * 1024 * 1024))
}

impl World {
    fn new(store: Arc<dyn Store>, second: Arc<dyn Store>) -> Self {
        Self::with_files(store, second, None)
    }

    /// Two desks whose attachment contents go to `files` (both nodes share
    /// it), when given, rather than into the store.
    fn with_files(
        store: Arc<dyn Store>,
        second: Arc<dyn Store>,
        files: Option<&Arc<dyn helpdesk::store::AttachmentStore>>,
    ) -> Self {
        let notifier = Arc::new(RecordingNotifier::new());
        let build = |s: Arc<dyn Store>| {
            let b = HelpDesk::builder()
                .store(s)
                .notifier(notifier.clone())
                .intake(intake());
            match files {
                Some(f) => b.attachments(f.clone()),
                None => b,
            }
            .build()
            .unwrap()
        };
        World {
            desk: build(store),
            other: build(second),
            notifier,
        }
    }

    /// A ticket an agent opened for a customer with this email (and phone).
    async fn ticket_for(&self, name: &str, email: &str, phone: Option<&str>) -> Ticket {
        let mut r = Requester::new(CustomerId::new(), name).email(email);
        if let Some(p) = phone {
            r = r.phone(p);
        }
        self.desk
            .open(
                &boss(),
                NewTicket::new(r, Channel::Phone, "Printer on floor 3", "It shows E-501."),
            )
            .await
            .unwrap()
    }

    /// The id of the last notification the desk sent the ticket's requester.
    fn last_mail_to_requester(&self, ticket: TicketId) -> helpdesk::NotificationId {
        self.notifier
            .delivered()
            .iter()
            .rev()
            .map(|d| &d.notification)
            .find(|n| n.ticket_id == ticket && matches!(n.recipient, Recipient::Requester { .. }))
            .expect("the requester was notified")
            .id
    }

    async fn ticket_count(&self) -> usize {
        self.desk
            .list(&boss(), TicketQuery::new(TicketFilter::default(), 1000))
            .await
            .unwrap()
            .items
            .len()
    }

    async fn customer_messages(&self, id: TicketId) -> Vec<String> {
        self.desk
            .timeline(&boss(), id)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::CustomerMessage { body, .. } => Some(body),
                _ => None,
            })
            .collect()
    }
}

fn boss() -> Actor {
    Actor::supervisor(AgentId::new())
}

fn corpus(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/mail")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `raw` with every `from` replaced by `to` (header ids and tags are ASCII).
fn replace(raw: &[u8], from: &str, to: &str) -> Vec<u8> {
    let (from, to) = (from.as_bytes(), to.as_bytes());
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    assert_ne!(out, raw, "nothing replaced");
    out
}

async fn new_request_opens_a_ticket_with_its_files(w: World) {
    let raw = corpus("en_new_request.eml");
    let Received::Opened {
        ticket,
        new_requester,
    } = w.desk.receive_email(&raw).await.unwrap()
    else {
        panic!("expected a new ticket")
    };
    assert!(new_requester);
    assert_eq!(ticket.subject, "VPN drops every hour");
    assert_eq!(ticket.channel, Channel::Email);
    assert_eq!(
        ticket.requester.email.as_deref(),
        Some("ada.lovelace@example.com")
    );
    assert!(ticket.description.contains("disconnects every hour"));
    assert!(!ticket.description.contains("-- "), "signature trimmed");

    // Staff see the PNG and the raw message; the raw one is byte for byte.
    let files = w.desk.attachments(&boss(), ticket.id).await.unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    let raw_file = files.iter().find(|a| a.raw_message).unwrap();
    let stored = w.desk.attachment(&boss(), raw_file.id).await.unwrap();
    assert_eq!(stored.bytes, raw);
    assert_eq!(stored.info.content_type, "message/rfc822");
    let png = files.iter().find(|a| !a.raw_message).unwrap();
    assert_eq!(png.content_type, "image/png");

    // The requester sees their file, not the raw message; others see nothing.
    let portal = w.desk.portal(ticket.requester.id);
    let theirs = portal.attachments(ticket.id).await.unwrap();
    assert_eq!(
        theirs.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![png.id]
    );
    let got = portal.attachment(png.id).await.unwrap();
    assert_eq!(got.bytes.len() as u64, png.size);
    assert_eq!(
        portal.attachment(raw_file.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let stranger = w.desk.portal(CustomerId::new());
    assert_eq!(
        stranger.attachment(png.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    // The same sender writes again, without any threading hint: a new
    // ticket, for the same requester.
    let again = replace(
        &raw,
        "CAF=new-request-0001@mail.example.com",
        "CAF=new-request-0002@mail.example.com",
    );
    let Received::Opened {
        ticket: second,
        new_requester,
    } = w.desk.receive_email(&again).await.unwrap()
    else {
        panic!("expected a new ticket")
    };
    assert!(!new_requester);
    assert_eq!(second.requester.id, ticket.requester.id);
}

async fn duplicate_delivery_is_one_message(w: World) {
    let raw = corpus("en_new_request.eml");
    let first = w.desk.receive_email(&raw).await.unwrap();
    let id = first.ticket_id().unwrap();
    let again = w.desk.receive_email(&raw).await.unwrap();
    assert!(
        matches!(again, Received::Duplicate { ticket_id, .. } if ticket_id == id),
        "{again:?}"
    );
    // Another node reading the same mailbox.
    let on_other = w.other.receive_email(&raw).await.unwrap();
    assert!(matches!(on_other, Received::Duplicate { .. }));
    assert_eq!(w.ticket_count().await, 1);
    assert_eq!(
        w.desk.attachments(&boss(), id).await.unwrap().len(),
        2,
        "files stored once"
    );

    // Two desks taking the same chat message in at the same moment.
    let msg = InboundMessage::new(
        Channel::Chat,
        "wamid.race-1",
        Sender::new().handle("ada-chat"),
        "Is anyone there?",
    );
    let mut opened = 0;
    for _ in 0..5 {
        let (a, b) = tokio::join!(w.desk.receive(msg.clone()), w.other.receive(msg.clone()));
        for r in [a.unwrap(), b.unwrap()] {
            if matches!(r, Received::Opened { .. }) {
                opened += 1;
            }
        }
    }
    assert_eq!(opened, 1);
    assert_eq!(w.ticket_count().await, 2);
}

async fn reply_by_subject_tag(w: World) {
    let t = w
        .ticket_for("Camille Martin", "camille.martin@exemple.fr", None)
        .await;
    let raw = replace(
        &corpus("fr_reply_tagged.eml"),
        "[#1042]",
        &format!("[#{}]", t.reference.0),
    );
    let r = w.desk.receive_email(&raw).await.unwrap();
    let Received::Added { ticket } = r else {
        panic!("expected a reply, got {r:?}")
    };
    assert_eq!(ticket.id, t.id);
    let messages = w.customer_messages(t.id).await;
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("l'imprimante fonctionne de nouveau"));
    assert!(!messages[0].contains("Bonjour Camille"), "quote trimmed");
    assert!(!messages[0].contains("iPhone"), "signature trimmed");

    // A stranger quoting the same tag gets a ticket of their own.
    let stranger = replace(&raw, "camille.martin@exemple.fr", "mallory@example.net");
    let stranger = replace(
        &stranger,
        "5A1B2C3D.fr-reply-0002@exemple.fr",
        "mallory-1@example.net",
    );
    let r = w.desk.receive_email(&stranger).await.unwrap();
    assert!(matches!(r, Received::Opened { .. }), "{r:?}");
    assert_eq!(w.customer_messages(t.id).await.len(), 1);
}

async fn reply_by_in_reply_to_only(w: World) {
    let t = w
        .ticket_for("Ελένη Παπαδοπούλου", "eleni.papadopoulou@example.gr", None)
        .await;
    let mail = w.last_mail_to_requester(t.id);
    let raw = replace(
        &corpus("el_reply_in_reply_to.eml"),
        "notif.0192a3b4.1042.reply@desk.example.com",
        &format!("{mail}@{DOMAIN}"),
    );
    let r = w.desk.receive_email(&raw).await.unwrap();
    let Received::Added { ticket } = r else {
        panic!("expected a reply, got {r:?}")
    };
    assert_eq!(ticket.id, t.id);
    let messages = w.customer_messages(t.id).await;
    assert!(messages[0].contains("VPN"), "{messages:?}");
    assert!(!messages[0].contains("Support <support@"), "quote trimmed");

    // Her next reply refers only to her own earlier message.
    let next = b"From: eleni.papadopoulou@example.gr\r\nTo: support@desk.example.com\r\n\
Subject: =?UTF-8?B?zpHPgDogVlBO?=\r\nMessage-ID: <el-reply-0004@mail.example.gr>\r\n\
In-Reply-To: <el-reply-0003@mail.example.gr>\r\n\r\n\xce\x95\xcf\x85\xcf\x87\xce\xb1\xcf\x81\xce\xb9\xcf\x83\xcf\x84\xcf\x8e!\r\n";
    let r = w.desk.receive_email(next).await.unwrap();
    assert!(
        matches!(r, Received::Added { ref ticket } if ticket.id == t.id),
        "{r:?}"
    );

    // The thread root works too.
    let root = helpdesk::notify::thread::root(t.id, DOMAIN);
    let by_root = format!(
        "From: eleni.papadopoulou@example.gr\r\nSubject: again\r\nMessage-ID: <el-5@mail.example.gr>\r\nReferences: {root}\r\n\r\nStill broken.\r\n"
    );
    let r = w.desk.receive_email(by_root.as_bytes()).await.unwrap();
    assert!(
        matches!(r, Received::Added { ref ticket } if ticket.id == t.id),
        "{r:?}"
    );
    assert_eq!(w.customer_messages(t.id).await.len(), 3);
}

async fn forward_without_in_reply_to_opens_a_ticket(w: World) {
    let before = w
        .ticket_for("Иван Петров", "ivan.petrov@example.ru", None)
        .await;
    let r = w
        .desk
        .receive_email(&corpus("ru_forward.eml"))
        .await
        .unwrap();
    let Received::Opened {
        ticket,
        new_requester,
    } = r
    else {
        panic!("expected a new ticket, got {r:?}")
    };
    assert_ne!(ticket.id, before.id);
    assert!(!new_requester, "Ivan is known from his phone call");
    assert_eq!(ticket.requester.id, before.requester.id);
    // A forward keeps the forwarded text: it is the request.
    assert!(
        ticket.description.contains("2026-031"),
        "{}",
        ticket.description
    );
}

async fn reply_to_a_closed_ticket_opens_a_follow_up(w: World) {
    let t = w
        .ticket_for("Kovács Zsófia", "kovacs.zsofia@pelda.hu", None)
        .await;
    let agent = boss();
    w.desk
        .transition(&agent, t.id, "resolved", Some("new drum"))
        .await
        .unwrap();
    let closed = w
        .desk
        .transition(&agent, t.id, "closed", None)
        .await
        .unwrap();
    let mail = w.last_mail_to_requester(t.id);
    let raw = replace(
        &corpus("hu_reply_closed.eml"),
        "notif.0192a3b5.1017.resolved@desk.example.com",
        &format!("{mail}@{DOMAIN}"),
    );
    let r = w.desk.receive_email(&raw).await.unwrap();
    let Received::FollowUp { ticket, closed: of } = r else {
        panic!("expected a follow-up, got {r:?}")
    };
    assert_eq!(of, closed.id);
    assert_ne!(ticket.id, t.id);
    assert_eq!(ticket.requester.id, t.requester.id);
    assert!(ticket.description.contains("E-501"));
    let original = w.desk.get(&agent, t.id).await.unwrap();
    assert_eq!(original.status.as_str(), "closed");
}

async fn auto_replies_and_bounces_open_nothing(w: World) {
    for file in [
        "fr_auto_reply.eml",
        "en_bounce.eml",
        "ru_bounce_exchange.eml",
        "hu_newsletter_bulk.eml",
        "en_own_message.eml",
    ] {
        let r = w.desk.receive_email(&corpus(file)).await.unwrap();
        assert!(matches!(r, Received::Skipped(_)), "{file}: {r:?}");
        assert_eq!(r.ticket_id(), None);
    }
    assert_eq!(w.ticket_count().await, 0);
}

async fn attachment_over_the_limit_is_refused_whole(w: World) {
    use std::fmt::Write as _;
    let big = vec![0x42u8; 10 * 1024 * 1024];
    let encoded = base64_lines(&big);
    let mut raw = String::from(
        "From: ada@example.com\r\nTo: support@desk.example.com\r\nSubject: logs\r\n\
Message-ID: <big-1@example.com>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nThe logs you asked for.\r\n--b\r\n\
Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"vpn.log\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n",
    );
    raw.push_str(&encoded);
    let _ = write!(raw, "\r\n--b--\r\n");
    let err = w.desk.receive_email(raw.as_bytes()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("attachments[0]"), "{err}");
    assert!(err.to_string().contains("vpn.log"), "{err}");
    assert_eq!(w.ticket_count().await, 0, "nothing stored");
    // The same message within the limits goes in: nothing of it was kept.
    let desk = HelpDesk::builder()
        .store(w.desk.store().clone())
        .intake(IntakeConfig::default().mail_domain(DOMAIN))
        .build()
        .unwrap();
    let r = desk.receive_email(raw.as_bytes()).await.unwrap();
    let id = r.ticket_id().unwrap();
    let files = desk.attachments(&boss(), id).await.unwrap();
    let log = files.iter().find(|a| a.filename == "vpn.log").unwrap();
    assert_eq!(log.size, 10 * 1024 * 1024);
}

fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(s.len() + s.len() / 38);
    for chunk in s.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push_str("\r\n");
    }
    out
}

async fn malformed_mime_is_taken_in_best_effort(w: World) {
    let r = w
        .desk
        .receive_email(&corpus("ru_malformed_mime.eml"))
        .await
        .unwrap();
    assert!(matches!(r, Received::Opened { .. }), "{r:?}");
    let err = w
        .desk
        .receive_email(&corpus("not_mail.eml"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(w.ticket_count().await, 1);
}

async fn chat_phone_sender_is_the_known_requester(w: World) {
    let t = w
        .ticket_for("Eleni", "eleni@example.gr", Some("+30 210 555 0100"))
        .await;
    let msg = InboundMessage::new(
        Channel::Chat,
        "wamid.HBgLMzE2",
        Sender::new().phone("+302105550100").name("Eleni P."),
        "Ο εκτυπωτής δεν τυπώνει ξανά.",
    );
    let r = w.desk.receive(msg).await.unwrap();
    let Received::Opened {
        ticket,
        new_requester,
    } = r
    else {
        panic!("expected a new ticket, got {r:?}")
    };
    assert!(!new_requester);
    assert_eq!(ticket.requester.id, t.requester.id);
    assert_eq!(ticket.requester.email.as_deref(), Some("eleni@example.gr"));

    // A chat bound to the first ticket adds to it.
    let follow = InboundMessage::new(
        Channel::Chat,
        "wamid.HBgLMzE3",
        Sender::new().phone("0030 210 555 0100 ").name("Eleni P."),
        "Ευχαριστώ!",
    )
    .ticket_ref(t.reference);
    // The same number written with `00`: the same requester.
    let r = w.desk.receive(follow).await.unwrap();
    assert!(
        matches!(r, Received::Added { ref ticket } if ticket.id == t.id),
        "{r:?}"
    );

    let same = InboundMessage::new(
        Channel::Chat,
        "wamid.HBgLMzE4",
        Sender::new().phone("+30-210-555-0100"),
        "Ευχαριστώ!",
    )
    .ticket_ref(t.reference);
    let r = w.desk.receive(same).await.unwrap();
    assert!(
        matches!(r, Received::Added { ref ticket } if ticket.id == t.id),
        "{r:?}"
    );

    // An agent logs a phone call from her: the agent writes it on her behalf.
    let agent = boss();
    let call = InboundMessage::new(
        Channel::Phone,
        "call-2026-03-02-0042",
        Sender::new().phone("+30 210 555 0100"),
        "Called: printer fixed itself after a restart.",
    )
    .ticket_ref(t.reference);
    let r = w.desk.receive_as(&agent, call).await.unwrap();
    assert!(
        matches!(r, Received::Added { ref ticket } if ticket.id == t.id),
        "{r:?}"
    );
    let last = w.desk.timeline(&agent, t.id).await.unwrap();
    let by = last
        .iter()
        .rev()
        .find(|e| matches!(e.kind, EventKind::CustomerMessage { .. }))
        .unwrap();
    assert_eq!(by.actor, agent.event_actor());
}

macro_rules! backends {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn memory() {
                    let store: Arc<dyn Store> = Arc::new(helpdesk::InMemoryStore::new());
                    super::$scenario(World::new(store.clone(), store)).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("desk.db");
                    let a = helpdesk::store::SqliteStore::open(&path).await.unwrap();
                    let b = helpdesk::store::SqliteStore::open(&path).await.unwrap();
                    super::$scenario(World::new(Arc::new(a), Arc::new(b))).await;
                }

                // Attachment contents in a directory, tickets in SQLite.
                #[cfg(feature = "dir-attachments")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_dir() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("desk.db");
                    let a = helpdesk::store::SqliteStore::open(&path).await.unwrap();
                    let b = helpdesk::store::SqliteStore::open(&path).await.unwrap();
                    let files: Arc<dyn helpdesk::store::AttachmentStore> = Arc::new(
                        helpdesk::store::DirAttachmentStore::open(dir.path().join("files"))
                            .unwrap(),
                    );
                    super::$scenario(World::with_files(Arc::new(a), Arc::new(b), Some(&files)))
                    .await;
                }

                #[cfg(feature = "postgres")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Ok(url) = std::env::var("HELPDESK_TEST_POSTGRES_URL") else {
                        eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: PostgreSQL not tested");
                        return;
                    };
                    let schema = format!("helpdesk_test_{}", uuid::Uuid::now_v7().simple());
                    let a = helpdesk::store::PostgresStore::connect_with_schema(&url, &schema)
                        .await
                        .unwrap();
                    let b = helpdesk::store::PostgresStore::connect_with_schema(&url, &schema)
                        .await
                        .unwrap();
                    super::$scenario(World::new(Arc::new(a.clone()), Arc::new(b.clone()))).await;
                    a.close().await;
                    b.close().await;
                    drop_schema(&url, &schema).await;
                }
            }
        )*
    };
}

#[cfg(feature = "postgres")]
async fn drop_schema(url: &str, schema: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}

backends!(
    new_request_opens_a_ticket_with_its_files,
    duplicate_delivery_is_one_message,
    reply_by_subject_tag,
    reply_by_in_reply_to_only,
    forward_without_in_reply_to_opens_a_ticket,
    reply_to_a_closed_ticket_opens_a_follow_up,
    auto_replies_and_bounces_open_nothing,
    attachment_over_the_limit_is_refused_whole,
    malformed_mime_is_taken_in_best_effort,
    chat_phone_sender_is_the_known_requester,
);
