//! Privacy on every back end: personal data sealed at rest (checked in the
//! bytes of a real SQLite file and in PostgreSQL's rows), erasure by
//! crypto-shredding with its audit record, erasure racing eight writers,
//! and the typed errors of a wrong key-encryption key and a corrupt
//! ciphertext.
//!
//! `backends!` runs each scenario on the in-memory store, an SQLite file
//! and PostgreSQL (when `HELPDESK_TEST_POSTGRES_URL` is set).
#![cfg(feature = "sqlite")]
#![allow(
    clippy::many_single_char_names,
    clippy::format_collect,
    clippy::items_after_statements
)]

use std::path::PathBuf;
use std::sync::Arc;

use helpdesk::privacy::{ERASED, EncryptedStore, LocalKeyProvider};
use helpdesk::store::{PrivacyStore, TicketFilter, TicketQuery};
use helpdesk::ticket::EventKind;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, ErrorKind, HelpDesk, NewTicket, Requester, Store, Ticket,
};

const KEK: [u8; 32] = [0x5a; 32];

/// The personal data of the scenarios: distinctive, so a match in raw
/// bytes cannot be a coincidence.
const NAME: &str = "Zephyrine Quibbleworth";
const EMAIL: &str = "zephyrine.quibble@example.org";
const PHONE: &str = "+33 6 98 76 54 32";
const ORG: &str = "Quibbleworth Industries";
const DESCRIPTION: &str = "My passport number is XK7719034, please hurry";
const FIELD: &str = "LICENCE-SECRET-4711";
const MESSAGE: &str = "I live at 12 Rue Imaginaire, Lyon";
const REPLY: &str = "Thanks Zephyrine, your parcel code is PX-99812";
const SUBJECT: &str = "Printer jam on floor seven";

const SECRETS: [&str; 8] = [NAME, EMAIL, PHONE, ORG, DESCRIPTION, FIELD, MESSAGE, REPLY];

/// A back end under test and a way to read what it holds at rest.
enum Raw {
    Memory(Arc<helpdesk::InMemoryStore>),
    Sqlite(PathBuf),
    #[cfg(feature = "postgres")]
    Postgres(String),
}

struct World {
    desk: HelpDesk,
    backend: Arc<dyn Store>,
    keys: Arc<dyn PrivacyStore>,
    raw: Raw,
}

impl World {
    /// A desk on `backend` for every port it has (tickets, reports,
    /// intake), so the scans see every table a desk writes.
    fn new<S>(backend: Arc<S>, keys: Arc<dyn PrivacyStore>, raw: Raw) -> Self
    where
        S: Store + helpdesk::store::ReportStore + 'static,
    {
        let desk = HelpDesk::builder()
            .store(backend.clone())
            .reports(backend.clone())
            .privacy(keys.clone(), Arc::new(LocalKeyProvider::from_bytes(KEK)))
            .build()
            .unwrap();
        World {
            desk,
            backend,
            keys,
            raw,
        }
    }

    /// Everything the back end holds, as text/bytes: for SQLite the
    /// database file and its write-ahead log, for PostgreSQL every row of
    /// the desk's tables as text, in memory the stored values serialised.
    async fn at_rest(&self) -> Vec<u8> {
        match &self.raw {
            Raw::Memory(store) => {
                let mut out = Vec::new();
                let page = helpdesk::TicketStore::list(
                    &**store,
                    &TicketQuery::new(TicketFilter::default(), 1000),
                )
                .await
                .unwrap();
                for t in page.items {
                    out.extend(serde_json::to_vec(&t).unwrap());
                    let events = helpdesk::TicketStore::timeline(&**store, t.id)
                        .await
                        .unwrap();
                    out.extend(serde_json::to_vec(&events).unwrap());
                }
                let far = chrono::Utc::now() + chrono::Duration::days(3650);
                for e in helpdesk::store::Outbox::claim_outbox(&**store, far, 1000, far)
                    .await
                    .unwrap()
                {
                    out.extend(serde_json::to_vec(&e.notification).unwrap());
                }
                out
            }
            Raw::Sqlite(path) => {
                let mut out = std::fs::read(path).unwrap();
                for ext in ["db-wal", "db-journal"] {
                    if let Ok(b) = std::fs::read(path.with_extension(ext)) {
                        out.extend(b);
                    }
                }
                out
            }
            #[cfg(feature = "postgres")]
            Raw::Postgres(schema) => {
                use sqlx::Connection;
                let url = std::env::var("HELPDESK_TEST_POSTGRES_URL").unwrap();
                let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                let mut out = Vec::new();
                for table in [
                    "tickets",
                    "events",
                    "outbox",
                    "data_keys",
                    "erasures",
                    "commands",
                    "metric_rows",
                    "inbound_messages",
                    "contacts",
                    "attachments",
                    "attachment_blobs",
                ] {
                    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT t::text FROM \"{schema}\".{table} t"
                    )))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                    for (r,) in rows {
                        out.extend(r.into_bytes());
                    }
                }
                out
            }
        }
    }
}

impl World {
    /// Another desk (another node) over the same back end, with `config`.
    fn node(&self, config: helpdesk::DeskConfig) -> HelpDesk {
        HelpDesk::builder()
            .store(self.backend.clone())
            .privacy(
                self.keys.clone(),
                Arc::new(LocalKeyProvider::from_bytes(KEK)),
            )
            .config(config)
            .build()
            .unwrap()
    }

    /// How `bytes` appear in [`at_rest`](Self::at_rest): as they are, or
    /// in PostgreSQL's text form of `bytea` (hex).
    fn needle(&self, bytes: &[u8]) -> Vec<u8> {
        match self.raw {
            #[cfg(feature = "postgres")]
            Raw::Postgres(_) => bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                .into_bytes(),
            _ => bytes.to_vec(),
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn agent() -> Actor {
    Actor::supervisor(AgentId::new())
}

async fn open_for(desk: &HelpDesk, who: CustomerId, name: &str) -> Ticket {
    desk.open(
        &agent(),
        NewTicket::new(
            Requester::new(who, name)
                .email(EMAIL)
                .phone(PHONE)
                .organization(ORG),
            Channel::Portal,
            SUBJECT,
            DESCRIPTION,
        )
        .field("licence", FIELD),
    )
    .await
    .unwrap()
}

/// The personal data of a ticket with a message and a reply is nowhere in
/// clear at rest; the desk reads it back whole.
async fn sealed_at_rest(w: World) {
    let zeph = CustomerId::new();
    let t = open_for(&w.desk, zeph, NAME).await;
    let sam = agent();
    w.desk
        .add_message(&sam, t.id, MESSAGE, Channel::Email)
        .await
        .unwrap();
    w.desk.reply(&sam, t.id, REPLY).await.unwrap();

    let raw = w.at_rest().await;
    // The scan sees the data: the subject (not personal) is there in clear.
    assert!(
        contains(&raw, SUBJECT.as_bytes()),
        "the raw dump misses the subject"
    );
    for s in SECRETS {
        assert!(!contains(&raw, s.as_bytes()), "`{s}` is stored in clear");
    }

    let back = w.desk.get(&sam, t.id).await.unwrap();
    assert_eq!(back.requester.name, NAME);
    assert_eq!(back.requester.email.as_deref(), Some(EMAIL));
    assert_eq!(back.requester.phone.as_deref(), Some(PHONE));
    assert_eq!(back.requester.organization.as_deref(), Some(ORG));
    assert_eq!(&*back.description, DESCRIPTION);
    assert_eq!(back.fields["licence"], FIELD.into());
    let timeline = w.desk.timeline(&sam, t.id).await.unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| matches!(&e.kind, EventKind::CustomerMessage { body, .. } if body == MESSAGE))
    );
    assert!(
        timeline
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Reply { body } if body == REPLY))
    );
    assert_eq!(Ticket::replay(&timeline).unwrap(), back);
    // Listings open what they return too.
    let page = w
        .desk
        .list(
            &sam,
            TicketQuery::new(TicketFilter::default().requester(zeph), 10),
        )
        .await
        .unwrap();
    assert_eq!(page.items, vec![back]);
}

/// Erasure: admins only; every personal field reads `[erased]`, replay
/// still equals the snapshot, the bookkeeping stays, pending notifications
/// go, the audit record counts it, a second erasure changes nothing, other
/// requesters keep their data, and even the key-encryption key opens
/// nothing of hers any more.
async fn erasure(w: World) {
    let zeph = CustomerId::new();
    let other = CustomerId::new();
    let a = open_for(&w.desk, zeph, NAME).await;
    let b = open_for(&w.desk, zeph, NAME).await;
    let kept = open_for(&w.desk, other, "Bartholomew Other").await;
    let sam = agent();
    w.desk
        .add_message(&sam, a.id, MESSAGE, Channel::Email)
        .await
        .unwrap();
    w.desk.reply(&sam, a.id, REPLY).await.unwrap();
    let before = w.desk.get(&sam, a.id).await.unwrap();
    let pending = w.backend.outbox_stats().await.unwrap().pending;
    assert!(pending >= 3, "no notifications waiting: {pending}");
    let wrapped = w.needle(&w.keys.live_data_key(zeph).await.unwrap().unwrap().wrapped);
    if !matches!(w.raw, Raw::Memory(_)) {
        // The scan below would find the wrapped key if it were still there.
        assert!(contains(&w.at_rest().await, &wrapped));
    }

    let err = w
        .desk
        .erase_requester(&sam, zeph, "GDPR art. 17")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let err = w
        .desk
        .erase_requester(&Actor::requester(zeph), zeph, "mine")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let admin = Actor::admin(AgentId::new());
    let err = w
        .desk
        .erase_requester(&admin, zeph, "  ")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);

    let record = w
        .desk
        .erase_requester(&admin, zeph, "GDPR art. 17(1)(a), request 114")
        .await
        .unwrap();
    assert_eq!(record.customer, zeph);
    assert_eq!(record.by, admin.agent_id());
    assert_eq!(record.tickets, 2);
    // a: created, message, reply; b: created.
    assert_eq!(record.events, 4);
    assert_eq!(record.keys, 1);
    assert!(record.notifications >= 2, "{record:?}");
    let after = w.backend.outbox_stats().await.unwrap().pending;
    assert_eq!(after, pending - record.notifications);

    for id in [a.id, b.id] {
        let t = w.desk.get(&admin, id).await.unwrap();
        assert_eq!(t.requester.name, ERASED);
        assert_eq!(t.requester.email.as_deref(), Some(ERASED));
        assert_eq!(t.requester.phone.as_deref(), Some(ERASED));
        assert_eq!(t.requester.organization.as_deref(), Some(ERASED));
        assert_eq!(&*t.description, ERASED);
        assert_eq!(t.fields["licence"], ERASED.into());
        assert_eq!(t.subject, SUBJECT);
        assert_eq!(t.requester.id, zeph);
        let timeline = w.desk.timeline(&admin, id).await.unwrap();
        assert_eq!(Ticket::replay(&timeline).unwrap(), t);
        for e in &timeline {
            match &e.kind {
                EventKind::CustomerMessage { body, .. } | EventKind::Reply { body } => {
                    assert_eq!(body, ERASED);
                }
                EventKind::Created(c) => assert_eq!(c.requester.name, ERASED),
                _ => {}
            }
        }
        assert!(matches!(
            &timeline.last().unwrap().kind,
            EventKind::RequesterErased { basis } if basis.starts_with("GDPR")
        ));
    }
    let t = w.desk.get(&admin, a.id).await.unwrap();
    assert_eq!(
        (t.status.clone(), t.priority, t.created_at),
        (before.status, before.priority, before.created_at)
    );

    // Another requester keeps everything.
    let k = w.desk.get(&admin, kept.id).await.unwrap();
    assert_eq!(k.requester.name, "Bartholomew Other");
    assert_eq!(&*k.description, DESCRIPTION);

    // Listed, and idempotent.
    assert_eq!(
        w.desk.erasures(&admin, Some(zeph)).await.unwrap(),
        vec![record.clone()]
    );
    assert_eq!(
        w.desk.erasures(&admin, None).await.unwrap(),
        vec![record.clone()]
    );
    let again = w
        .desk
        .erase_requester(&admin, zeph, "GDPR art. 17, again")
        .await
        .unwrap();
    assert_eq!(again, record);
    assert_eq!(
        w.desk.timeline(&admin, a.id).await.unwrap().len(),
        t.version as usize
    );
    assert_eq!(
        w.desk.erasures(&sam, None).await.unwrap_err().kind(),
        ErrorKind::Forbidden
    );

    // With the key-encryption key, straight from the back end: nothing opens.
    let fresh = EncryptedStore::new(
        w.backend.clone(),
        w.keys.clone(),
        Arc::new(LocalKeyProvider::from_bytes(KEK)),
    );
    let timeline = helpdesk::TicketStore::timeline(&fresh, a.id).await.unwrap();
    let text = serde_json::to_string(&timeline).unwrap();
    for s in SECRETS.iter().filter(|s| **s != SUBJECT) {
        assert!(!text.contains(s), "`{s}` still opens");
    }
    // The wrapped key itself is gone from the bytes at rest.
    let raw = w.at_rest().await;
    if !matches!(w.raw, Raw::Memory(_)) {
        assert!(
            !contains(&raw, &wrapped),
            "the destroyed wrapped key is still at rest"
        );
    }
    for s in SECRETS {
        assert!(!contains(&raw, s.as_bytes()), "`{s}` is stored in clear");
    }
}

/// Eight writers post to two requesters' tickets while one of them is
/// erased: every command succeeds, the other requester's data is whole,
/// and every ticket still replays to its snapshot.
async fn erasure_during_writers(w: World) {
    let zeph = CustomerId::new();
    let other = CustomerId::new();
    let mine = open_for(&w.desk, zeph, NAME).await;
    let theirs = open_for(&w.desk, other, "Bartholomew Other").await;
    let sam = agent();
    let mut writers = Vec::new();
    for i in 0..8 {
        let desk = w.desk.clone();
        let sam = sam.clone();
        let id = if i % 2 == 0 { mine.id } else { theirs.id };
        writers.push(tokio::spawn(async move {
            for n in 0..5 {
                desk.add_message(&sam, id, &format!("writer {i} message {n}"), Channel::Chat)
                    .await
                    .unwrap();
            }
        }));
    }
    let admin = Actor::admin(AgentId::new());
    let record = w
        .desk
        .erase_requester(&admin, zeph, "GDPR art. 17")
        .await
        .unwrap();
    for h in writers {
        h.await.unwrap();
    }
    assert_eq!(record.tickets, 1);
    let timeline = w.desk.timeline(&admin, theirs.id).await.unwrap();
    let messages = timeline
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::CustomerMessage { body, .. } if body.starts_with("writer ")))
        .count();
    assert_eq!(messages, 20);
    assert_eq!(
        Ticket::replay(&timeline).unwrap(),
        w.desk.get(&admin, theirs.id).await.unwrap()
    );
    let timeline = w.desk.timeline(&admin, mine.id).await.unwrap();
    assert_eq!(
        timeline
            .iter()
            .filter(|e| matches!(e.kind, EventKind::CustomerMessage { .. }))
            .count(),
        20
    );
    assert_eq!(
        Ticket::replay(&timeline).unwrap(),
        w.desk.get(&admin, mine.id).await.unwrap()
    );
    // Everything up to the erasure event reads erased.
    let cut = timeline
        .iter()
        .position(|e| matches!(e.kind, EventKind::RequesterErased { .. }))
        .unwrap();
    for e in &timeline[..cut] {
        if let EventKind::CustomerMessage { body, .. } = &e.kind {
            assert_eq!(body, ERASED);
        }
    }
}

/// The control: without a key provider the same scan finds the data in
/// clear (so the scans above can fail).
#[tokio::test]
async fn without_a_key_provider_data_is_stored_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = Arc::new(helpdesk::store::SqliteStore::open(&path).await.unwrap());
    let desk = HelpDesk::builder().store(store.clone()).build().unwrap();
    let t = open_for(&desk, CustomerId::new(), NAME).await;
    desk.add_message(&agent(), t.id, MESSAGE, Channel::Email)
        .await
        .unwrap();
    let mut raw = std::fs::read(&path).unwrap();
    raw.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
    for s in [NAME, EMAIL, DESCRIPTION, MESSAGE] {
        assert!(contains(&raw, s.as_bytes()), "`{s}` not found in clear");
    }
}

/// A desk without a key provider cannot erase, and says so.
#[tokio::test]
async fn without_a_key_provider_erasure_is_not_configured() {
    let desk = HelpDesk::builder().build().unwrap();
    let err = desk
        .erase_requester(&Actor::admin(AgentId::new()), CustomerId::new(), "GDPR")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    desk.verify_privacy().await.unwrap();
}

/// A wrong key-encryption key fails at start with a configuration error;
/// a corrupt ciphertext is a store error naming the key, never garbage.
#[tokio::test]
async fn wrong_kek_and_corrupt_ciphertext_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = Arc::new(helpdesk::store::SqliteStore::open(&path).await.unwrap());
    let desk = HelpDesk::builder()
        .store(store.clone())
        .privacy(store.clone(), Arc::new(LocalKeyProvider::from_bytes(KEK)))
        .build()
        .unwrap();
    desk.verify_privacy().await.unwrap();
    let t = open_for(&desk, CustomerId::new(), NAME).await;

    let wrong = HelpDesk::builder()
        .store(store.clone())
        .privacy(
            store.clone(),
            Arc::new(LocalKeyProvider::from_bytes([1; 32])),
        )
        .build()
        .unwrap();
    let err = wrong.verify_privacy().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("privacy.key_provider"), "{err}");
    let err = wrong.get(&agent(), t.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.to_string().contains("key-encryption key"), "{err}");

    // Flip one base64 character of the sealed description in the snapshot.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let (snapshot,): (String,) = sqlx::query_as("SELECT snapshot FROM tickets WHERE id = $1")
        .bind(t.id.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&snapshot).unwrap();
    let sealed = v["description"].as_str().unwrap().to_owned();
    assert!(sealed.starts_with("hd1:"), "{sealed}");
    let mut bytes = sealed.into_bytes();
    let i = bytes.len() - 3;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    v["description"] = String::from_utf8(bytes).unwrap().into();
    sqlx::query("UPDATE tickets SET snapshot = $1 WHERE id = $2")
        .bind(v.to_string())
        .bind(t.id.to_string())
        .execute(&pool)
        .await
        .unwrap();
    let err = desk.get(&agent(), t.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store, "{err}");
    assert!(err.to_string().contains("corrupt"), "{err}");
}

/// Redaction: supervisors only; the message reads `[redacted]`, replay
/// still equals the snapshot, and the original ciphertext is gone from
/// the bytes at rest (the database file and its log on SQLite).
async fn redaction(w: World) {
    const PASSWORD: &str = "my password is Sw0rdf1sh-77";
    let zeph = CustomerId::new();
    let t = open_for(&w.desk, zeph, NAME).await;
    let sam = agent();
    let t = w
        .desk
        .add_message(&sam, t.id, PASSWORD, Channel::Email)
        .await
        .unwrap();
    w.desk.reply(&sam, t.id, REPLY).await.unwrap();
    let seq = t.version;
    let sealed = |events: &[helpdesk::TicketEvent], seq: u64| match &events
        [usize::try_from(seq).unwrap() - 1]
        .kind
    {
        EventKind::CustomerMessage { body, .. } => body.clone(),
        EventKind::Created(c) => c.description.to_string(),
        other => panic!("{other:?}"),
    };
    let stored = w.backend.timeline(t.id).await.unwrap();
    let cipher_message = sealed(&stored, seq);
    let cipher_description = sealed(&stored, 1);
    assert!(cipher_message.starts_with("hd1:"), "{cipher_message}");
    assert!(contains(&w.at_rest().await, cipher_message.as_bytes()));

    let plain_agent = Actor::agent(
        AgentId::new(),
        [helpdesk::GroupId::new("service-desk").unwrap()],
    );
    let err = w.desk.redact(&plain_agent, t.id, seq, "password").await;
    assert!(matches!(
        err.unwrap_err().kind(),
        ErrorKind::Forbidden | ErrorKind::NotFound
    ));
    let err = w
        .desk
        .redact(&sam, t.id, 999, "password")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = w.desk.redact(&sam, t.id, seq + 1, "").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);

    let after = w
        .desk
        .redact(&sam, t.id, seq, "customer pasted a password")
        .await
        .unwrap();
    let after = w
        .desk
        .redact(&sam, after.id, 1, "passport number")
        .await
        .unwrap();
    assert_eq!(&*after.description, helpdesk::privacy::REDACTED);
    let timeline = w.desk.timeline(&sam, t.id).await.unwrap();
    assert_eq!(Ticket::replay(&timeline).unwrap(), after);
    assert_eq!(after, w.desk.get(&sam, t.id).await.unwrap());
    assert!(matches!(&timeline[usize::try_from(seq).unwrap() - 1].kind,
        EventKind::CustomerMessage { body, .. } if body == helpdesk::privacy::REDACTED));
    let records: Vec<_> = timeline
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Redacted { seq, reason } => Some((*seq, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        records,
        vec![
            (seq, "customer pasted a password".into()),
            (1, "passport number".into())
        ]
    );
    // Again: nothing new recorded.
    w.desk.redact(&sam, t.id, seq, "again").await.unwrap();
    assert_eq!(
        w.desk.timeline(&sam, t.id).await.unwrap().len(),
        timeline.len()
    );
    // The reply is untouched.
    assert!(
        timeline
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Reply { body } if body == REPLY))
    );

    let raw = w.at_rest().await;
    assert!(
        !contains(&raw, cipher_message.as_bytes()),
        "the redacted ciphertext is still at rest"
    );
    assert!(
        !contains(&raw, cipher_description.as_bytes()),
        "the redacted description is still at rest"
    );
    assert!(!contains(&raw, PASSWORD.as_bytes()));
}

const RETENTION: &str = r#"
[[retention.policies]]
name = "chat transcripts"
when = { channel = ["chat"] }
days = 30
action = "delete"

[[retention.policies]]
name = "two months"
days = 60
action = "anonymise"
"#;

/// Retention: a dry run lists what is due and changes nothing; two nodes
/// running it at once do each ticket once; deleted tickets are gone with
/// their timelines and notifications, anonymised ones read `[erased]`
/// (their old ciphertexts gone from the bytes at rest) and keep their
/// status; open tickets and recent ones stay.
async fn retention(w: World) {
    let config = helpdesk::DeskConfig::from_toml(RETENTION).unwrap();
    let a = w.node(config.clone());
    let b = w.node(config);
    let sam = agent();
    let open_on = |channel: Channel| {
        let desk = a.clone();
        let sam = sam.clone();
        async move {
            let who = CustomerId::new();
            desk.open(
                &sam,
                NewTicket::new(
                    Requester::new(who, NAME).email(EMAIL),
                    channel,
                    SUBJECT,
                    DESCRIPTION,
                ),
            )
            .await
            .unwrap()
        }
    };
    let chat = open_on(Channel::Chat).await;
    let mail = open_on(Channel::Email).await;
    let still_open = open_on(Channel::Email).await;
    // Links from a ticket that stays to one that goes and one that is anonymised.
    use helpdesk::LinkTarget;
    use helpdesk::ticket::LinkKind;
    a.link(&sam, still_open.id, LinkKind::Related, chat.id)
        .await
        .unwrap();
    a.link(&sam, still_open.id, LinkKind::FollowUpOf, mail.id)
        .await
        .unwrap();
    for t in [&chat, &mail] {
        a.add_message(&sam, t.id, MESSAGE, Channel::Email)
            .await
            .unwrap();
        a.transition(&sam, t.id, "resolved", None).await.unwrap();
        a.transition(&sam, t.id, "closed", None).await.unwrap();
    }
    let sealed_message = w
        .backend
        .timeline(mail.id)
        .await
        .unwrap()
        .into_iter()
        .find_map(|e| match e.kind {
            EventKind::CustomerMessage { body, .. } => Some(body),
            _ => None,
        })
        .unwrap();
    let now = chrono::Utc::now();

    assert!(
        a.retention_plan(now + chrono::Duration::days(10), 100)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let plan = a
        .retention_plan(now + chrono::Duration::days(45), 100)
        .await
        .unwrap();
    assert_eq!(
        plan.items
            .iter()
            .map(|i| (i.ticket, i.action))
            .collect::<Vec<_>>(),
        vec![(chat.id, helpdesk::privacy::RetentionAction::Delete)]
    );
    let later = now + chrono::Duration::days(100);
    let plan = a.retention_plan(later, 100).await.unwrap();
    assert_eq!(
        plan.items
            .iter()
            .map(|i| (i.ticket, i.policy.as_str()))
            .collect::<Vec<_>>(),
        vec![(chat.id, "chat transcripts"), (mail.id, "two months")]
    );
    // A dry run changes nothing.
    a.get(&sam, chat.id).await.unwrap();
    assert_eq!(a.retention_plan(later, 1).await.unwrap().items.len(), 1);

    let (ra, rb) = tokio::join!(a.run_retention(later, 100), b.run_retention(later, 100));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let mut done: Vec<_> = ra.items.iter().chain(&rb.items).map(|i| i.ticket).collect();
    done.sort();
    let mut expected = vec![chat.id, mail.id];
    expected.sort();
    assert_eq!(done, expected, "{ra:?} {rb:?}");

    assert_eq!(
        a.get(&sam, chat.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(w.backend.timeline(chat.id).await.unwrap().is_empty());
    let m = a.get(&sam, mail.id).await.unwrap();
    assert_eq!(m.requester.name, ERASED);
    assert_eq!(&*m.description, ERASED);
    assert_eq!(m.status.as_str(), "closed");
    let timeline = a.timeline(&sam, mail.id).await.unwrap();
    assert_eq!(Ticket::replay(&timeline).unwrap(), m);
    assert!(
        timeline
            .iter()
            .all(|e| !matches!(&e.kind, EventKind::CustomerMessage { body, .. } if body != ERASED))
    );
    assert!(
        matches!(&timeline.last().unwrap().kind, EventKind::Anonymised { policy } if policy == "two months")
    );
    let raw = w.at_rest().await;
    assert!(
        !contains(&raw, sealed_message.as_bytes()),
        "the anonymised message's ciphertext is still at rest"
    );
    assert_eq!(
        a.get(&sam, still_open.id).await.unwrap().requester.name,
        NAME
    );

    // Links to the deleted ticket read "deleted ticket", for staff and
    // for the requester; the one to the anonymised ticket still leads to it;
    // the linking ticket's views and timelines still work.
    let links = a.links(&sam, still_open.id).await.unwrap();
    assert_eq!(
        links
            .iter()
            .map(|l| (l.kind, l.ticket, l.target))
            .collect::<Vec<_>>(),
        vec![
            (LinkKind::Related, chat.id, LinkTarget::Deleted),
            (
                LinkKind::FollowUpOf,
                mail.id,
                LinkTarget::Ticket {
                    reference: mail.reference
                }
            ),
        ]
    );
    assert_eq!(links[0].to_string(), "related deleted ticket");
    assert_eq!(
        links[1].to_string(),
        format!("follow-up of {}", mail.reference)
    );
    let portal = a.portal(still_open.requester.id);
    assert_eq!(portal.links(still_open.id).await.unwrap(), links);
    assert_eq!(portal.ticket(still_open.id).await.unwrap().links.len(), 2);
    assert!(!portal.timeline(still_open.id).await.unwrap().is_empty());
    a.timeline(&sam, still_open.id).await.unwrap();
    // The deleted ticket cannot be linked to again.
    assert_eq!(
        a.link(&sam, still_open.id, LinkKind::Related, chat.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );

    // Done once: nothing is due any more.
    assert!(a.run_retention(later, 100).await.unwrap().items.is_empty());
}

/// The access audit: staff reads are recorded when configured, admins
/// list them, nobody else may.
async fn access_audit(w: World) {
    let desk = w.node(helpdesk::DeskConfig::from_toml("[privacy]\naudit_reads = true").unwrap());
    let zeph = CustomerId::new();
    let t = open_for(&desk, zeph, NAME).await;
    let sam = agent();
    desk.get(&sam, t.id).await.unwrap();
    desk.timeline(&sam, t.id).await.unwrap();
    desk.get_by_reference(&sam, t.reference).await.unwrap();
    let admin = Actor::admin(AgentId::new());
    let reads = desk.accesses(&admin, zeph).await.unwrap();
    assert_eq!(
        reads
            .iter()
            .map(|r| (r.by, r.ticket, r.read.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (sam.agent_id(), t.id, "get"),
            (sam.agent_id(), t.id, "timeline"),
            (sam.agent_id(), t.id, "get_by_reference"),
        ]
    );
    assert_eq!(
        desk.accesses(&sam, zeph).await.unwrap_err().kind(),
        ErrorKind::Forbidden
    );
    assert_eq!(
        desk.accesses(&Actor::requester(zeph), zeph)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Forbidden
    );
    // The desk of the other scenarios does not audit.
    w.desk.get(&sam, t.id).await.unwrap();
    assert_eq!(desk.accesses(&admin, zeph).await.unwrap().len(), 3);
}

/// The access audit needs the privacy store.
#[test]
fn audit_without_a_key_provider_is_refused() {
    let err = HelpDesk::builder().audit_reads(true).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("privacy.audit_reads"), "{err}");
}

macro_rules! backends {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn memory() {
                    let store = Arc::new(helpdesk::InMemoryStore::new());
                    super::$scenario(World::new(store.clone(), store.clone(), Raw::Memory(store))).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("desk.db");
                    let store = Arc::new(helpdesk::store::SqliteStore::open(&path).await.unwrap());
                    super::$scenario(World::new(store.clone(), store, Raw::Sqlite(path))).await;
                }

                #[cfg(feature = "postgres")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Ok(url) = std::env::var("HELPDESK_TEST_POSTGRES_URL") else {
                        eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: PostgreSQL not tested");
                        return;
                    };
                    let schema = format!("helpdesk_test_{}", uuid::Uuid::now_v7().simple());
                    let store = helpdesk::store::PostgresStore::connect_with_schema(&url, &schema)
                        .await
                        .unwrap();
                    let shared = Arc::new(store.clone());
                    super::$scenario(World::new(shared.clone(), shared, Raw::Postgres(schema.clone()))).await;
                    store.close().await;
                    use sqlx::Connection;
                    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA \"{schema}\" CASCADE")))
                        .execute(&mut conn)
                        .await
                        .unwrap();
                }
            }
        )*
    };
}

/// Erasure reaches past the tickets: the contact keys intake indexed for
/// the requester (email, phone) and their attachments go (contents shared
/// with someone else's attachment stay for them), their survey comment
/// reads `[erased]`, and the audit record counts each.
async fn erasure_elsewhere(w: World) {
    use helpdesk::intake::{InboundAttachment, InboundMessage, Sender};
    use helpdesk::store::ContactKey;
    use helpdesk::survey::{Rating, Score};
    const FILE: &[u8] = b"%PDF-1.7 passport scan of Zephyrine XK7719034";
    const SHARED: &[u8] = b"%PDF-1.7 the printer manual, page 12";
    const COMMENT: &str = "Zephyrine here: fast help, thanks";
    let desk = HelpDesk::builder()
        .store(w.backend.clone())
        .privacy(w.keys.clone(), Arc::new(LocalKeyProvider::from_bytes(KEK)))
        .config(
            helpdesk::DeskConfig::from_toml("[surveys]\nlink_url = \"https://help.example.com/s\"")
                .unwrap(),
        )
        .survey_key(helpdesk::survey::SurveyKey::new([7u8; 32]).unwrap())
        .build()
        .unwrap();
    let admin = Actor::admin(AgentId::new());
    let mail = |sender: Sender, id: &str, file: &[u8]| {
        InboundMessage::new(Channel::Email, id, sender, MESSAGE)
            .subject(SUBJECT)
            .attachment(InboundAttachment::new("scan.pdf", "application/pdf", file))
            .attachment(InboundAttachment::new(
                "manual.pdf",
                "application/pdf",
                SHARED,
            ))
    };
    let zeph = desk
        .receive(mail(
            Sender::new().email(EMAIL).phone(PHONE).name(NAME),
            "m1@example.org",
            FILE,
        ))
        .await
        .unwrap()
        .ticket()
        .unwrap()
        .clone();
    let other = desk
        .receive(mail(
            Sender::new()
                .email("someone.else@example.net")
                .name("Other"),
            "m2@example.net",
            b"%PDF-1.7 their own file",
        ))
        .await
        .unwrap()
        .ticket()
        .unwrap()
        .clone();
    let customer = zeph.requester.id;
    assert_ne!(other.requester.id, customer);
    let intake = w.backend.intake().expect("every back end has intake");
    let email_key = ContactKey::email(EMAIL).unwrap();
    assert_eq!(
        intake.contact(&email_key).await.unwrap().unwrap().id,
        customer
    );
    assert_eq!(intake.attachments(zeph.id).await.unwrap().len(), 2);

    let sam = agent();
    desk.transition(&sam, zeph.id, "resolved", None)
        .await
        .unwrap();
    desk.portal(customer)
        .rate(zeph.id, Rating::new(Score::Good).comment(COMMENT))
        .await
        .unwrap();
    let rated = |timeline: &[helpdesk::TicketEvent]| {
        timeline.iter().find_map(|e| match &e.kind {
            EventKind::SatisfactionRated(r) => Some(r.clone()),
            _ => None,
        })
    };
    let before = rated(&desk.timeline(&sam, zeph.id).await.unwrap()).unwrap();
    assert_eq!(before.rating.comment.as_deref(), Some(COMMENT));

    let record = desk
        .erase_requester(&admin, customer, "GDPR art. 17, request 7")
        .await
        .unwrap();
    // Both files; one comment; the email and phone keys at least (the
    // index may hold more forms of the requester's contacts).
    assert_eq!(record.elsewhere.get("attachments"), Some(&2), "{record:?}");
    assert_eq!(
        record.elsewhere.get("survey_comments"),
        Some(&1),
        "{record:?}"
    );
    assert!(
        record.elsewhere.get("contacts").is_some_and(|n| *n >= 2),
        "{record:?}"
    );

    // Contacts and files are gone; the other sender's, and the contents
    // they share, stay.
    assert!(intake.contact(&email_key).await.unwrap().is_none());
    assert!(
        intake
            .contact(&ContactKey::phone(PHONE).unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(intake.attachments(zeph.id).await.unwrap().is_empty());
    let theirs = intake.attachments(other.id).await.unwrap();
    assert_eq!(theirs.len(), 2);
    for a in &theirs {
        assert!(intake.attachment(a.id).await.unwrap().is_some());
    }
    assert_eq!(
        intake
            .contact(&ContactKey::email("someone.else@example.net").unwrap())
            .await
            .unwrap()
            .unwrap()
            .id,
        other.requester.id
    );

    // The survey answer keeps its score, not its words.
    let after = rated(&desk.timeline(&sam, zeph.id).await.unwrap()).unwrap();
    assert_eq!(after.rating.score, Score::Good);
    assert_eq!(after.rating.comment.as_deref(), Some(ERASED));

    let raw = w.at_rest().await;
    for secret in [COMMENT.as_bytes(), FILE] {
        assert!(
            !contains(&raw, &w.needle(secret)),
            "{:?} is still at rest",
            String::from_utf8_lossy(secret)
        );
    }
    if !matches!(w.raw, Raw::Memory(_)) {
        assert!(
            !contains(&raw, EMAIL.as_bytes()),
            "the erased email is still at rest"
        );
    }

    // Idempotent: nothing more to erase, the same record.
    let again = desk
        .erase_requester(&admin, customer, "GDPR art. 17, request 7")
        .await
        .unwrap();
    assert_eq!(again, record);
}

backends!(
    sealed_at_rest,
    erasure,
    erasure_during_writers,
    redaction,
    retention,
    access_audit,
    erasure_elsewhere
);
