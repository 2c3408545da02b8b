//! The webhook notifier against a real HTTP server on loopback (axum):
//! signatures a receiver verifies, the same id on a retry, and which
//! answers are retried or given up.

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, Duration, Utc};
use helpdesk::notify::webhook::{
    VerifyError, WebhookConfig, WebhookNotifier, WebhookSecret, sign, verify,
};
use helpdesk::store::Store;
use helpdesk::{
    BusinessDuration, Channel, Clock, CustomerId, GroupId, HelpDesk, InMemoryStore, ManualClock,
    NewTicket, Requester,
};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[derive(Debug, Clone)]
struct Hit {
    path: String,
    id: String,
    timestamp: String,
    signature: String,
    body: Bytes,
}

#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
}

/// Answers by path: `ok` 204, `flaky` 503 then 200, `down` 503, `busy` 429,
/// `gone` 410, `slow` after 3 s.
async fn hook(
    State(r): State<Receiver>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let seen = {
        let mut hits = r.hits.lock().unwrap();
        hits.push(Hit {
            path: path.clone(),
            id: h("webhook-id"),
            timestamp: h("webhook-timestamp"),
            signature: h("webhook-signature"),
            body,
        });
        hits.iter().filter(|x| x.path == path).count()
    };
    match path.as_str() {
        "ok" => StatusCode::NO_CONTENT,
        "flaky" if seen == 1 => StatusCode::SERVICE_UNAVAILABLE,
        "flaky" => StatusCode::OK,
        "busy" => StatusCode::TOO_MANY_REQUESTS,
        "gone" => StatusCode::GONE,
        "slow" => {
            tokio::time::sleep(StdDuration::from_secs(3)).await;
            StatusCode::OK
        }
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn serve() -> (String, Receiver) {
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/hooks/{path}", post(hook))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, receiver)
}

struct Fixture {
    desk: HelpDesk,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
}

fn desk(url: String) -> Fixture {
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let clock = Arc::new(ManualClock::new(t("2026-03-10T08:00:00Z")));
    let mut config = WebhookConfig::new(url, SECRET.parse().unwrap());
    config.timeout = Some(BusinessDuration::from_secs(1));
    let notifier = WebhookNotifier::new(config)
        .unwrap()
        .with_clock(clock.clone());
    let desk = HelpDesk::builder()
        .store(store.clone())
        .clock(clock.clone())
        .notifier(Arc::new(notifier))
        .build()
        .unwrap();
    Fixture { desk, store, clock }
}

async fn open(desk: &HelpDesk) {
    let c = CustomerId::new();
    desk.portal(c)
        .open(
            NewTicket::new(
                Requester::new(c, "Ada").email("ada@example.com"),
                Channel::Chat,
                "VPN drops",
                "Every hour.",
            )
            .group(GroupId::new("service-desk").unwrap()),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn posts_signed_facts_that_the_receiver_verifies() {
    let (base, receiver) = serve().await;
    let d = desk(format!("{base}/ok"));
    open(&d.desk).await;
    let hits = receiver.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 2, "the acknowledgment and the queue's notice");
    let secret: WebhookSecret = SECRET.parse().unwrap();
    for hit in &hits {
        verify(
            &secret,
            &hit.id,
            &hit.timestamp,
            &hit.signature,
            &hit.body,
            d.clock.now(),
        )
        .unwrap();
        assert_eq!(hit.timestamp, d.clock.now().timestamp().to_string());
        let json: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
        assert_eq!(
            json["data"]["id"],
            hit.id.as_str(),
            "webhook-id is the notification's id"
        );
        assert_eq!(
            json["type"],
            format!("notification.{}", json["data"]["kind"].as_str().unwrap())
        );
        assert_eq!(json["data"]["facts"]["subject"], "VPN drops");
    }
    let kinds: Vec<_> = hits
        .iter()
        .map(|h| {
            serde_json::from_slice::<serde_json::Value>(&h.body).unwrap()["data"]["kind"].clone()
        })
        .collect();
    assert_eq!(kinds, ["acknowledged", "queued"]);
    assert_eq!(d.store.outbox_stats().await.unwrap().delivered, 2);

    // What a receiver refuses: a changed body, another secret, a stale time.
    let h = &hits[0];
    let now = d.clock.now();
    assert_eq!(
        verify(&secret, &h.id, &h.timestamp, &h.signature, b"{}", now),
        Err(VerifyError::BadSignature)
    );
    let other = WebhookSecret::from_bytes([7u8; 32]).unwrap();
    assert_eq!(
        verify(&other, &h.id, &h.timestamp, &h.signature, &h.body, now),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        verify(
            &secret,
            &h.id,
            &h.timestamp,
            &h.signature,
            &h.body,
            now + Duration::minutes(6)
        ),
        Err(VerifyError::Stale { seconds: 360 })
    );
    assert!(matches!(
        verify(&secret, &h.id, "soon", &h.signature, &h.body, now),
        Err(VerifyError::BadTimestamp(_))
    ));
    // Several signatures (a secret being rotated): one match is enough.
    let both = format!("v1,AAAA {}", h.signature);
    verify(&secret, &h.id, &h.timestamp, &both, &h.body, now).unwrap();
    assert_eq!(sign(&secret, &h.id, now.timestamp(), &h.body), h.signature);
}

#[tokio::test]
async fn a_retry_carries_the_same_id_and_a_fresh_signature() {
    let (base, receiver) = serve().await;
    let d = desk(format!("{base}/flaky"));
    open(&d.desk).await;
    // The first post got 503; the second (the queue's notice) went through.
    let stats = d.store.outbox_stats().await.unwrap();
    assert_eq!((stats.pending, stats.delivered), (1, 1));
    d.clock.advance(Duration::minutes(1));
    let r = d.desk.dispatch_pending().await.unwrap();
    assert_eq!((r.delivered, r.failed), (1, 0));
    let hits = receiver.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 3);
    let (first, retry) = (&hits[0], &hits[2]);
    assert_eq!(first.id, retry.id);
    assert_ne!(first.timestamp, retry.timestamp);
    assert_ne!(first.signature, retry.signature);
    let secret: WebhookSecret = SECRET.parse().unwrap();
    verify(
        &secret,
        &retry.id,
        &retry.timestamp,
        &retry.signature,
        &retry.body,
        d.clock.now(),
    )
    .unwrap();
}

#[tokio::test]
async fn passing_failures_are_retried_and_final_ones_given_up() {
    let (base, _receiver) = serve().await;
    for (path, pending, abandoned) in [
        ("down", 2, 0),
        ("busy", 2, 0),
        ("slow", 2, 0),
        ("gone", 0, 2),
    ] {
        let d = desk(format!("{base}/{path}"));
        open(&d.desk).await;
        let stats = d.store.outbox_stats().await.unwrap();
        assert_eq!(
            (stats.pending, stats.delivered, stats.abandoned),
            (pending, 0, abandoned),
            "{path}"
        );
    }
    // Nobody listening: retried too.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/ok", closed.local_addr().unwrap());
    drop(closed);
    let d = desk(url);
    open(&d.desk).await;
    assert_eq!(d.store.outbox_stats().await.unwrap().pending, 2);
}

#[test]
fn secrets_are_checked() {
    assert!(
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            .parse::<WebhookSecret>()
            .is_err()
    );
    assert!("whsec_not base64!".parse::<WebhookSecret>().is_err());
    assert!(
        "whsec_c2hvcnQ=".parse::<WebhookSecret>().is_err(),
        "too short"
    );
    let s: WebhookSecret = SECRET.parse().unwrap();
    assert_eq!(s.to_whsec(), SECRET);
    assert_eq!(format!("{s:?}"), "WebhookSecret(..)");
    let config: WebhookConfig = toml::from_str(&format!(
        "url = \"https://x.example/h\"\nsecret = \"{SECRET}\""
    ))
    .unwrap();
    assert!(WebhookNotifier::new(config).is_ok());
    let config = WebhookConfig::new("ftp://x.example/h", s);
    assert!(WebhookNotifier::new(config).is_err());
}
