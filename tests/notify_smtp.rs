//! The SMTP notifier against a real SMTP server on loopback (Python's
//! aiosmtpd, `tests/support/smtp_server.py`, which `.ci/run` installs):
//! the raw messages it receives are read back header by header and part
//! by part.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration as StdDuration;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use helpdesk::notify::smtp::{SmtpConfig, SmtpNotifier, SmtpSecurity};
use helpdesk::notify::thread;
use helpdesk::store::Store;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, GroupId, HelpDesk, InMemoryStore, ManualClock, NewTicket,
    Requester, TicketId,
};
use mail_parser::MessageParser;

const DOMAIN: &str = "desk.example.com";

/// One message the server accepted.
#[derive(Debug)]
struct Received {
    rcpt_tos: Vec<String>,
    raw: Vec<u8>,
}

impl Received {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }
    /// The raw value of the first header `name` (unfolded).
    fn header(&self, name: &str) -> Option<String> {
        let text = self.text();
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// The test's own SMTP server: stops when dropped.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    received: Receiver<Received>,
}

impl Server {
    /// The server, or `None` (the test passes, saying so) where Python's
    /// aiosmtpd is missing and `HELPDESK_REQUIRE_SMTP` is unset; `.ci/run`
    /// installs it and sets the variable, so there it always runs.
    fn start() -> Option<Server> {
        let python =
            std::env::var("HELPDESK_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let has_aiosmtpd = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has_aiosmtpd {
            assert!(
                std::env::var_os("HELPDESK_REQUIRE_SMTP").is_none(),
                "{python} with aiosmtpd is required (apt-get install python3-aiosmtpd)"
            );
            eprintln!("skipping the SMTP test: {python} cannot import aiosmtpd");
            return None;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_server.py");
        let mut child = Command::new(&python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {python} (python3-aiosmtpd is needed): {e}"));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines
            .next()
            .expect("the SMTP server printed nothing")
            .unwrap();
        let port = first
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("the SMTP server said {first:?}"))
            .parse()
            .unwrap();
        let (tx, received) = channel();
        std::thread::spawn(move || {
            for line in lines {
                let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(v["data"].as_str().unwrap())
                    .unwrap();
                let rcpt_tos = v["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_owned())
                    .collect();
                if tx.send(Received { rcpt_tos, raw }).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Some(Server {
            child,
            stdin,
            port,
            received,
        })
    }

    fn next(&self) -> Received {
        self.received
            .recv_timeout(StdDuration::from_secs(10))
            .expect("the SMTP server received nothing")
    }

    fn nothing_more(&self) {
        assert!(
            self.received
                .recv_timeout(StdDuration::from_millis(200))
                .is_err()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.wait();
    }
}

fn config(port: u16) -> SmtpConfig {
    let mut c = SmtpConfig::new("127.0.0.1", "Acme Support <support@example.com>");
    c.port = Some(port);
    c.security = SmtpSecurity::None;
    c.reply_to = Some("help@example.com".into());
    c.domain = Some(DOMAIN.into());
    c.groups.insert(
        GroupId::new("service-desk").unwrap(),
        "queue@example.com".into(),
    );
    c
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

struct Fixture {
    desk: HelpDesk,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
}

fn desk(port: u16) -> Fixture {
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let clock = Arc::new(ManualClock::new(t("2026-03-10T08:00:00Z")));
    let desk = HelpDesk::builder()
        .store(store.clone())
        .clock(clock.clone())
        .notifier(Arc::new(SmtpNotifier::new(config(port)).unwrap()))
        .build()
        .unwrap();
    Fixture { desk, store, clock }
}

async fn open(desk: &HelpDesk, requester: Requester, subject: &str) -> (TicketId, String) {
    let t = desk
        .portal(requester.id)
        .open(
            NewTicket::new(requester, Channel::Email, subject, "…")
                .group(GroupId::new("service-desk").unwrap()),
        )
        .await
        .unwrap();
    (t.id, t.reference.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn greek_mail_threads_and_carries_both_parts() {
    let Some(server) = Server::start() else {
        return;
    };
    let d = desk(server.port);
    let c = CustomerId::new();
    let eleni = Requester::new(c, "Ελένη Παπαδοπούλου")
        .email("eleni@example.gr")
        .locale("el".parse().unwrap())
        .time_zone(chrono_tz::Europe::Athens);
    let (id, r) = open(&d.desk, eleni, "Ο εκτυπωτής δεν τυπώνει").await;

    // The acknowledgment to Eleni and the notice to the queue, in order.
    let ack = server.next();
    let queued = server.next();
    assert_eq!(ack.rcpt_tos, ["eleni@example.gr"]);
    assert_eq!(queued.rcpt_tos, ["queue@example.com"]);

    // Headers, raw: threading, sender, reply address, automatic mail.
    let root = thread::root(id, DOMAIN);
    assert_eq!(ack.header("In-Reply-To").as_deref(), Some(root.as_str()));
    assert_eq!(ack.header("References").as_deref(), Some(root.as_str()));
    let message_id = ack.header("Message-ID").unwrap();
    assert!(matches!(
        thread::parse(&message_id, DOMAIN),
        Some(thread::ThreadId::Notification(_))
    ));
    assert_eq!(
        ack.header("From").as_deref(),
        Some("\"Acme Support\" <support@example.com>")
    );
    assert_eq!(ack.header("Reply-To").as_deref(), Some("help@example.com"));
    assert_eq!(ack.header("To").as_deref(), Some("eleni@example.gr"));
    assert_eq!(
        ack.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(
        ack.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );
    // Greek goes out encoded: the tag readable, the words as encoded-words,
    // and no raw 8-bit text anywhere.
    let subject = ack.header("Subject").unwrap();
    assert!(
        subject.starts_with(&format!("[{r}] =?utf-8?b?")),
        "{subject}"
    );
    assert!(ack.raw.is_ascii(), "{}", ack.text());

    // Decoded: the subject with its tag, the Greek text and HTML parts.
    let mail = MessageParser::default().parse(&ack.raw).unwrap();
    assert_eq!(
        mail.subject(),
        Some(format!("[{r}] Ο εκτυπωτής δεν τυπώνει").as_str())
    );
    let text = mail.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(text.starts_with("Γεια σας Ελένη Παπαδοπούλου,"), "{text}");
    assert!(
        text.contains(&format!("Ο αριθμός αναφοράς του είναι {r}")),
        "{text}"
    );
    let html = mail.body_html(0).unwrap();
    assert!(html.contains("<html lang=\"el\">"), "{html}");
    assert!(html.contains("Λάβαμε το αίτημά σας."), "{html}");

    // The queue's notice is in the desk's language, English.
    let q = MessageParser::default().parse(&queued.raw).unwrap();
    assert_eq!(
        q.subject(),
        Some(format!("[{r}] New in your queue: Ο εκτυπωτής δεν τυπώνει").as_str())
    );

    // An agent's reply threads into the same conversation and is not
    // marked automatic: responders may answer a person.
    let sam = Actor::agent(AgentId::new(), [GroupId::new("service-desk").unwrap()]);
    d.desk
        .reply(&sam, id, "Δοκιμάστε ξανά τώρα, παρακαλώ.")
        .await
        .unwrap();
    let reply = server.next();
    assert_eq!(reply.header("In-Reply-To").as_deref(), Some(root.as_str()));
    assert_ne!(reply.header("Message-ID"), Some(message_id));
    assert_eq!(reply.header("Auto-Submitted"), None);
    let body = MessageParser::default().parse(&reply.raw).unwrap();
    assert!(
        body.body_text(0)
            .unwrap()
            .starts_with("Δοκιμάστε ξανά τώρα, παρακαλώ.")
    );
    server.nothing_more();
    assert_eq!(d.store.outbox_stats().await.unwrap().pending, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn russian_mail_is_encoded_and_reads_back() {
    let Some(server) = Server::start() else {
        return;
    };
    let d = desk(server.port);
    let c = CustomerId::new();
    let (_, r) = open(
        &d.desk,
        Requester::new(c, "Иван")
            .email("ivan@example.ru")
            .locale("ru".parse().unwrap()),
        "Принтер не работает",
    )
    .await;
    let ack = server.next();
    let _queued = server.next();
    assert!(ack.raw.is_ascii());
    let mail = MessageParser::default().parse(&ack.raw).unwrap();
    assert_eq!(
        mail.subject(),
        Some(format!("[{r}] Принтер не работает").as_str())
    );
    let text = mail.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(
        text.starts_with("Здравствуйте, Иван!\n\nМы получили ваше обращение."),
        "{text}"
    );
    assert!(text.trim_end().ends_with("Служба поддержки"), "{text}");
    assert!(
        mail.body_html(0)
            .unwrap()
            .contains("<p>Здравствуйте, Иван!</p>")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_for_good_are_given_up_and_passing_ones_retried() {
    let Some(server) = Server::start() else {
        return;
    };
    let d = desk(server.port);
    for email in ["nobody@example.com", "busy@example.com"] {
        let c = CustomerId::new();
        d.desk
            .portal(c)
            .open(NewTicket::new(
                Requester::new(c, "X").email(email),
                Channel::Email,
                "Printer",
                "Down.",
            ))
            .await
            .unwrap();
    }
    // 550 for nobody@: given up; 451 for busy@: kept for a retry.
    let stats = d.store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.delivered, stats.abandoned), (1, 0, 1));
    d.clock.advance(Duration::minutes(5));
    let report = d.desk.dispatch_pending().await.unwrap();
    assert_eq!(
        (report.delivered, report.failed, report.abandoned),
        (0, 1, 0)
    );
    server.nothing_more();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_down_leaves_mail_in_the_outbox_until_it_is_back() {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let d = desk(port);
    let c = CustomerId::new();
    open(
        &d.desk,
        Requester::new(c, "Ada").email("ada@example.com"),
        "VPN drops",
    )
    .await;
    let stats = d.store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.abandoned), (2, 0), "{stats:?}");

    // The server comes back (on another port: a new notifier, the same outbox).
    let Some(server) = Server::start() else {
        return;
    };
    let back = HelpDesk::builder()
        .store(d.store.clone())
        .clock(d.clock.clone())
        .notifier(Arc::new(SmtpNotifier::new(config(server.port)).unwrap()))
        .build()
        .unwrap();
    d.clock.advance(Duration::minutes(5));
    let report = back.dispatch_pending().await.unwrap();
    assert_eq!((report.delivered, report.failed), (2, 0));
    let mut to: Vec<String> = [server.next(), server.next()]
        .into_iter()
        .flat_map(|m| m.rcpt_tos)
        .collect();
    to.sort();
    assert_eq!(to, ["ada@example.com", "queue@example.com"]);
    assert_eq!(d.store.outbox_stats().await.unwrap().pending, 0);
}
