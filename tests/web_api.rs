//! The web demo's JSON API, through its router (tower's `oneshot`), over a
//! real SQLite file, on a manual clock so SLA figures are exact.

#[path = "../examples/web/main.rs"]
#[allow(dead_code)]
mod demo;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use helpdesk::ManualClock;
use helpdesk::store::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Demo {
    app: Router,
    state: demo::app::AppState,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

/// Tuesday 2026-03-03, 10:00 in New York: the office calendar is open.
fn tuesday_morning() -> DateTime<Utc> {
    "2026-03-03T15:00:00Z".parse().unwrap()
}

async fn demo_at(now: DateTime<Utc>) -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("desk.db")).await.unwrap();
    let clock = Arc::new(ManualClock::new(now));
    let state =
        demo::app::AppState::new(demo::app::Backend::of(Arc::new(store)), clock.clone()).unwrap();
    Demo {
        app: demo::app::router(state.clone()),
        state,
        clock,
        _dir: dir,
    }
}

struct Reply {
    status: StatusCode,
    content_type: String,
    location: Option<String>,
    body: Value,
    text: String,
}

impl Demo {
    async fn call(
        &self,
        method: &str,
        uri: &str,
        persona: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(p) = persona {
            req = req.header("x-demo-persona", p);
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let header_of = |h| {
            res.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header_of(header::CONTENT_TYPE).unwrap_or_default();
        let location = header_of(header::LOCATION);
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            location,
            body,
            text,
        }
    }

    async fn ok(&self, method: &str, uri: &str, persona: &str, body: Option<Value>) -> Value {
        let r = self.call(method, uri, Some(persona), body).await;
        assert!(
            r.status.is_success(),
            "{method} {uri} as {persona}: {} {}",
            r.status,
            r.text
        );
        r.body
    }

    /// Ada opens a ticket through the portal; returns its number.
    async fn ada_opens(&self, subject: &str) -> u64 {
        let r = self
            .call(
                "POST",
                "/api/v1/portal/tickets",
                Some("customer"),
                Some(json!({"subject": subject, "description": "Since this morning."})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let n = r.body["reference"].as_u64().unwrap();
        assert_eq!(
            r.location.as_deref(),
            Some(format!("/api/v1/portal/tickets/{n}").as_str())
        );
        n
    }
}

fn problem(r: &Reply, status: StatusCode, kind: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.content_type, "application/problem+json", "{}", r.text);
    assert_eq!(r.body["kind"], kind, "{}", r.text);
    assert_eq!(r.body["status"], status.as_u16());
    assert_eq!(r.body["type"], format!("urn:helpdesk:error:{kind}"));
    assert!(
        r.body["title"].is_string() && r.body["detail"].is_string(),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn customer_opens_agent_answers_customer_sees_the_reply_not_the_note() {
    let d = demo_at(tuesday_morning()).await;
    let n = d.ada_opens("Printer on floor 3 jams").await;

    // Ana's queue has it, routed to her, with a running first-response clock:
    // medium priority, 4 business hours.
    let queue = d
        .ok("GET", "/api/v1/tickets?status=new&sort=due", "l1", None)
        .await;
    let row = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ticket"]["reference"] == n)
        .expect("the new ticket is in Ana's queue")
        .clone();
    assert_eq!(row["ticket"]["assignee"], demo::persona::ANA);
    assert_eq!(row["countdown"]["state"], "running");
    assert_eq!(row["countdown"]["metric"], "first_response");
    assert_eq!(row["countdown"]["remaining_secs"], 4 * 3600);
    assert_eq!(row["countdown"]["due"], "2026-03-03T19:00:00Z");
    // Business time passes only while the office is open: today until 22:00 UTC.
    assert_eq!(row["countdown"]["open"][0][1], "2026-03-03T22:00:00Z");

    let uri = format!("/api/v1/tickets/{n}");
    d.ok(
        "POST",
        &format!("{uri}/replies"),
        "l1",
        Some(json!({"body": "A new drum is on its way."})),
    )
    .await;
    let after = d
        .ok(
            "POST",
            &format!("{uri}/notes"),
            "l1",
            Some(json!({"body": "Third jam this month: replace the unit."})),
        )
        .await;
    assert_eq!(after["ticket"]["status"], "open");
    assert_eq!(
        after["allowed"],
        json!(["pending", "on_hold", "resolved", "closed"])
    );

    let staff = d.ok("GET", &format!("{uri}/timeline"), "l1", None).await;
    assert!(staff.to_string().contains("replace the unit"));
    let public = d
        .ok(
            "GET",
            &format!("/api/v1/portal/tickets/{n}/timeline"),
            "customer",
            None,
        )
        .await;
    let public = public.to_string();
    assert!(public.contains("A new drum is on its way."), "{public}");
    assert!(
        !public.contains("replace the unit"),
        "the note leaked: {public}"
    );
    assert!(public.contains("\"name\":\"Ana\""), "{public}");

    // Ada's list has it; she replies.
    let mine = d
        .ok("GET", "/api/v1/portal/tickets", "customer", None)
        .await;
    assert_eq!(mine["items"][0]["reference"], n);
    let t = d
        .ok(
            "POST",
            &format!("/api/v1/portal/tickets/{n}/messages"),
            "customer",
            Some(json!({"body": "Thanks!"})),
        )
        .await;
    assert_eq!(t["status"], "open");

    // The notifications went out through the outbox view.
    let sent = d.ok("GET", "/api/v1/outbox", "supervisor", None).await;
    let sent = sent.to_string();
    assert!(sent.contains("ada@example.com"), "{sent}");
    assert!(sent.contains("agent_replied"), "{sent}");
}

#[tokio::test]
async fn pending_freezes_the_countdown_and_the_customer_restarts_it() {
    let d = demo_at(tuesday_morning()).await;
    let n = d.ada_opens("VPN drops every hour").await;
    let uri = format!("/api/v1/tickets/{n}");
    d.ok(
        "POST",
        &format!("{uri}/replies"),
        "l1",
        Some(json!({"body": "Which client version?"})),
    )
    .await;
    let t = d
        .ok(
            "POST",
            &format!("{uri}/transitions"),
            "l1",
            Some(json!({"to": "Pending", "reason": "asked"})),
        )
        .await;
    assert_eq!(t["ticket"]["status"], "pending");
    assert_eq!(t["countdown"]["state"], "paused");
    assert_eq!(t["countdown"]["open"], json!([]));
    let frozen = t["countdown"]["remaining_secs"].clone();

    d.clock.advance(Duration::hours(1));
    let later = d.ok("GET", &uri, "l1", None).await;
    assert_eq!(later["countdown"]["state"], "paused");
    assert_eq!(
        later["countdown"]["remaining_secs"], frozen,
        "paused time must not count"
    );

    d.ok(
        "POST",
        &format!("/api/v1/portal/tickets/{n}/messages"),
        "customer",
        Some(json!({"body": "5.1"})),
    )
    .await;
    let running = d.ok("GET", &uri, "l1", None).await;
    assert_eq!(running["ticket"]["status"], "open");
    assert_eq!(running["countdown"]["state"], "running");
}

#[tokio::test]
async fn assign_change_group_escalate_split_and_merge() {
    let d = demo_at(tuesday_morning()).await;
    let n = d.ada_opens("Wi-Fi and the printer").await;
    let uri = format!("/api/v1/tickets/{n}");
    let t = d
        .ok(
            "POST",
            &format!("{uri}/assignee"),
            "supervisor",
            Some(json!({"agent": demo::persona::ANA})),
        )
        .await;
    assert_eq!(t["ticket"]["assignee"], demo::persona::ANA);
    let t = d
        .ok(
            "POST",
            &format!("{uri}/group"),
            "supervisor",
            Some(json!({"group": "network-l1"})),
        )
        .await;
    assert_eq!(t["ticket"]["group"], "network-l1");
    let t = d
        .ok(
            "POST",
            &format!("{uri}/escalations"),
            "l1",
            Some(json!({"reason": "needs an engineer"})),
        )
        .await;
    assert_eq!(
        t["ticket"]["group"], "network-l2",
        "escalation moves it to the next tier"
    );
    // Chen (L2) sees it now.
    d.ok("GET", &uri, "l2", None).await;

    let r = d
        .call(
            "POST",
            &format!("{uri}/split"),
            Some("supervisor"),
            Some(
                json!({"parts": [{"subject": "Printer jams", "description": "The printer part."}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let child = r.body[0]["reference"].as_u64().unwrap();
    let merged = d
        .ok(
            "POST",
            &format!("/api/v1/tickets/{child}/merge"),
            "supervisor",
            Some(json!({"into": n.to_string()})),
        )
        .await;
    assert_eq!(merged["ticket"]["reference"], n);
    let source = d
        .ok(
            "GET",
            &format!("/api/v1/tickets/{child}"),
            "supervisor",
            None,
        )
        .await;
    assert_eq!(source["ticket"]["status"], "closed");
    // The staff timeline names the tickets it links to by number.
    let page = d
        .call("GET", &format!("/tickets/{n}"), Some("supervisor"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for line in [
        format!("split off #{child}"),
        format!("merged #{child} into it"),
    ] {
        assert!(page.text.contains(&line), "{line:?} not in {}", page.text);
    }

    let sum = d
        .ok("GET", "/api/v1/supervisor/summary", "supervisor", None)
        .await;
    let by_status: Vec<(String, u64)> = serde_json::from_value(sum["by_status"].clone()).unwrap();
    assert!(
        by_status.contains(&("Closed".to_owned(), 1)),
        "{by_status:?}"
    );
}

#[tokio::test]
async fn errors_are_problem_details_with_the_typed_error() {
    let d = demo_at(tuesday_morning()).await;
    let n = d.ada_opens("Password reset").await;
    let uri = format!("/api/v1/tickets/{n}");

    problem(
        &d.call("GET", "/api/v1/tickets", None, None).await,
        StatusCode::UNAUTHORIZED,
        "no_persona",
    );
    let r = d
        .call("GET", "/api/v1/tickets", Some("customer"), None)
        .await;
    problem(&r, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(r.body["actor"], "requester");
    let r = d
        .call("GET", "/api/v1/tickets/99999", Some("supervisor"), None)
        .await;
    problem(&r, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(r.body["what"], "ticket");
    problem(
        &d.call(
            "GET",
            "/api/v1/tickets/not-a-ticket",
            Some("supervisor"),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Chen (network L2) cannot see a service-desk ticket: not found, not forbidden.
    problem(
        &d.call("GET", &uri, Some("l2"), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Staff on the portal.
    problem(
        &d.call("GET", "/api/v1/portal/tickets", Some("l1"), None)
            .await,
        StatusCode::FORBIDDEN,
        "not_a_customer",
    );

    d.ok(
        "POST",
        &format!("{uri}/transitions"),
        "l1",
        Some(json!({"to": "closed"})),
    )
    .await;
    let r = d
        .call(
            "POST",
            &format!("{uri}/transitions"),
            Some("l1"),
            Some(json!({"to": "open"})),
        )
        .await;
    problem(&r, StatusCode::CONFLICT, "invalid_transition");
    assert_eq!(r.body["from"], "closed");
    assert_eq!(r.body["allowed"], json!([]));
    let r = d
        .call(
            "POST",
            &format!("{uri}/transitions"),
            Some("l1"),
            Some(json!({"to": "parked"})),
        )
        .await;
    problem(&r, StatusCode::CONFLICT, "invalid_transition");
    assert_eq!(r.body["statuses"].as_array().unwrap().len(), 6);

    let n2 = d.ada_opens("Another").await;
    let r = d
        .call(
            "POST",
            &format!("/api/v1/tickets/{n2}/replies"),
            Some("l1"),
            Some(json!({"body": ""})),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(r.body["field"].is_string(), "{}", r.text);
    let r = d
        .call(
            "POST",
            "/api/v1/portal/tickets",
            Some("customer"),
            Some(json!({"subject": " ", "description": "x"})),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["field"], "subject");

    // The HTTP layer's own refusals are problems too.
    let bad_json = Request::post(format!("/api/v1/tickets/{n2}/notes"))
        .header("x-demo-persona", "l1")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    problem(&d.send(bad_json).await, StatusCode::BAD_REQUEST, "bad_body");
    let r = d
        .call(
            "POST",
            &format!("/api/v1/tickets/{n2}/notes"),
            Some("l1"),
            Some(json!({"text": "wrong field"})),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "bad_body");
    let huge = "x".repeat(demo::app::BODY_LIMIT + 1);
    let r = d
        .call(
            "POST",
            &format!("/api/v1/tickets/{n2}/notes"),
            Some("l1"),
            Some(json!({"body": huge})),
        )
        .await;
    problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "bad_body");
    let r = d
        .call("GET", "/api/v1/tickets?limit=1000", Some("l1"), None)
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["field"], "limit");
    let r = d
        .call("GET", "/api/v1/tickets?sort=sideways", Some("l1"), None)
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["field"], "sort");
    let r = d
        .call("GET", "/api/v1/tickets?status=parked", Some("l1"), None)
        .await;
    assert_eq!(r.body["field"], "status");
    problem(
        &d.call("GET", "/api/v1/tickets?colour=red", Some("l1"), None)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_query",
    );
    problem(
        &d.call("GET", "/api/v1/nothing-here", Some("l1"), None)
            .await,
        StatusCode::NOT_FOUND,
        "no_route",
    );
}

#[tokio::test]
async fn queue_filters_by_priority_group_channel_text_and_pages() {
    let d = demo_at(tuesday_morning()).await;
    for s in ["Laptop slow", "Site down for everyone", "Mouse broken"] {
        d.ada_opens(s).await;
    }
    let q = d
        .ok(
            "GET",
            "/api/v1/tickets?priority=critical",
            "supervisor",
            None,
        )
        .await;
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the outage rule makes `down` critical");
    assert_eq!(items[0]["ticket"]["subject"], "Site down for everyone");
    let q = d
        .ok(
            "GET",
            "/api/v1/tickets?text=mouse&channel=portal&group=service-desk",
            "supervisor",
            None,
        )
        .await;
    assert_eq!(q["items"].as_array().unwrap().len(), 1);
    let q = d
        .ok("GET", "/api/v1/tickets?channel=phone", "supervisor", None)
        .await;
    assert_eq!(q["items"].as_array().unwrap().len(), 0);
    let q = d.ok("GET", "/api/v1/tickets?assignee=me", "l1", None).await;
    assert_eq!(q["items"].as_array().unwrap().len(), 3);

    // Pages of one, following the cursor, see each ticket once.
    let mut seen = Vec::new();
    let mut uri = "/api/v1/tickets?limit=1&sort=created".to_owned();
    loop {
        let page = d.ok("GET", &uri, "supervisor", None).await;
        for r in page["items"].as_array().unwrap() {
            seen.push(r["ticket"]["reference"].as_u64().unwrap());
        }
        match page["next"].as_str() {
            Some(next) => uri = format!("/api/v1/tickets?limit=1&sort=created&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    seen.dedup();
    assert_eq!(seen.len(), 3);

    // Staff open tickets from other channels through the API.
    let r = d
        .call(
            "POST",
            "/api/v1/tickets",
            Some("l1"),
            Some(json!({
                "requester": {"name": "Tim", "email": "tim@example.com"},
                "channel": "phone",
                "subject": "Called: VPN token expired",
                "description": "Logged from a call.",
                "category": "network/vpn"
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.body["ticket"]["group"], "network-l1",
        "the vpn rule routes it"
    );
    assert_eq!(r.body["ticket"]["channel"], "phone");
}

#[tokio::test]
async fn the_portal_shows_only_the_customers_own_tickets() {
    let d = demo_at(tuesday_morning()).await;
    let r = d
        .call(
            "POST",
            "/api/v1/tickets",
            Some("supervisor"),
            Some(json!({"requester": {"name": "Grace"}, "channel": "email", "subject": "Hers", "description": "Not Ada's."})),
        )
        .await;
    let n = r.body["ticket"]["reference"].as_u64().unwrap();
    let r = d
        .call(
            "GET",
            &format!("/api/v1/portal/tickets/{n}"),
            Some("customer"),
            None,
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "not_found");
    let r = d
        .call(
            "POST",
            &format!("/api/v1/portal/tickets/{n}/messages"),
            Some("customer"),
            Some(json!({"body": "hi"})),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "not_found");
    let mine = d
        .ok("GET", "/api/v1/portal/tickets", "customer", None)
        .await;
    assert_eq!(mine["items"], json!([]));
    let me = d.ok("GET", "/api/v1/me", "customer", None).await;
    assert_eq!(me["staff"], false);
}

#[tokio::test]
async fn the_seeded_demo_has_every_channel_and_weeks_of_history() {
    let now = tuesday_morning();
    let d = demo_at(now).await;
    let store = d.state.desk.store().clone();
    assert!(!demo::seed::is_seeded(store.as_ref()).await.unwrap());
    let n = demo::seed::seed(d.state.backend.clone(), d.state.outbox.clone(), now)
        .await
        .unwrap();
    assert!(n >= 20, "{n} tickets");
    assert!(demo::seed::is_seeded(store.as_ref()).await.unwrap());
    for channel in ["email", "phone", "chat", "portal", "social", "api"] {
        let q = d
            .ok(
                "GET",
                &format!("/api/v1/tickets?channel={channel}"),
                "supervisor",
                None,
            )
            .await;
        assert!(
            !q["items"].as_array().unwrap().is_empty(),
            "no {channel} ticket"
        );
    }
    let old = d
        .ok(
            "GET",
            "/api/v1/tickets?sort=created&limit=1",
            "supervisor",
            None,
        )
        .await;
    let first: DateTime<Utc> = old["items"][0]["ticket"]["created_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(now - first >= Duration::days(14), "history starts {first}");
    let sum = d
        .ok("GET", "/api/v1/supervisor/summary", "supervisor", None)
        .await;
    let by_status: Vec<(String, u64)> = serde_json::from_value(sum["by_status"].clone()).unwrap();
    let count = |s: &str| {
        by_status
            .iter()
            .find(|(k, _)| k == s)
            .map_or(0, |(_, n)| *n)
    };
    assert!(
        count("Closed") > 0 && count("New") > 0 && count("Pending") > 0,
        "{by_status:?}"
    );
    // The worker recorded breaches and escalations along the way.
    let all = d
        .ok("GET", "/api/v1/tickets?limit=100", "supervisor", None)
        .await;
    let mut escalated = false;
    for r in all["items"].as_array().unwrap() {
        let n = r["ticket"]["reference"].as_u64().unwrap();
        let tl = d
            .ok(
                "GET",
                &format!("/api/v1/tickets/{n}/timeline"),
                "supervisor",
                None,
            )
            .await;
        escalated |= tl.to_string().contains("\"type\":\"escalated\"");
    }
    assert!(escalated, "no escalation in three weeks");
    assert!(!d.state.outbox.sent().is_empty());
}

#[tokio::test]
#[allow(clippy::many_single_char_names)] // d, r, q, t, p, s, o, e: one per page fetched
async fn pages_render_for_each_persona_and_errors_are_pages() {
    let d = demo_at(tuesday_morning()).await;
    let n = d.ada_opens("Monitor flickers").await;
    let r = d.call("GET", "/", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("<legend>Who are you?</legend>"));

    let choose = Request::post("/persona")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("persona=l1"))
        .unwrap();
    let res = d.app.clone().oneshot(choose).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/queue");
    assert!(
        res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("demo_persona=l1;")
    );

    let page = |uri: &str, persona: &str| {
        Request::get(uri)
            .header(header::COOKIE, format!("demo_persona={persona}"))
            .body(Body::empty())
            .unwrap()
    };
    let q = d.send(page("/queue", "l1")).await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(
        q.text.contains(r#"class="countdown sla running""#),
        "{}",
        q.text
    );
    // The queue page is open work by default; `status=all` shows the rest.
    let done = d.ada_opens("Already sorted").await;
    d.ok(
        "POST",
        &format!("/api/v1/tickets/{done}/transitions"),
        "l1",
        Some(json!({"to": "closed"})),
    )
    .await;
    let open = d.send(page("/queue", "l1")).await;
    assert!(open.text.contains("Monitor flickers") && !open.text.contains("Already sorted"));
    let all = d.send(page("/queue?status=all", "l1")).await;
    assert!(all.text.contains("Already sorted"));
    let t = d.send(page(&format!("/tickets/{n}"), "l1")).await;
    assert!(t.text.contains(r#"<label for="note">"#));
    let p = d.send(page("/portal", "customer")).await;
    assert!(p.text.contains("Monitor flickers"));
    let s = d.send(page("/supervisor", "supervisor")).await;
    assert!(s.text.contains("Open tickets by group"));
    let o = d.send(page("/outbox", "customer")).await;
    assert!(o.text.contains("ada@example.com"));

    // The customer on a staff page gets the error page, with the desk's typed error.
    let e = d.send(page(&format!("/tickets/{n}"), "customer")).await;
    assert_eq!(e.status, StatusCode::FORBIDDEN);
    assert!(e.text.contains(r#"role="alert""#) && e.text.contains("requester"));
    let bad = d.send(page("/queue?colour=red", "l1")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains(r#"role="alert""#) && bad.text.contains("colour"),
        "{}",
        bad.text
    );
    let bad = d.send(page("/queue?sort=sideways", "l1")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // No persona: back to the picker.
    let r = d.call("GET", "/queue", None, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The assets.
    let js = d.call("GET", "/static/app.js", None, None).await;
    assert!(js.content_type.starts_with("text/javascript") && js.text.contains("openBetween"));
}

#[test]
fn the_command_line() {
    let a = demo::Args::parse(
        ["--db", "/tmp/x.db", "--reset", "--port", "8080"]
            .map(String::from)
            .into_iter(),
    )
    .unwrap();
    assert_eq!(a.db, std::path::PathBuf::from("/tmp/x.db"));
    assert!(a.reset);
    assert_eq!(a.port, 8080);
    let a = demo::Args::parse(std::iter::empty()).unwrap();
    assert_eq!((a.port, a.reset), (3000, false));
    assert!(demo::Args::parse(["--port", "many"].map(String::from).into_iter()).is_err());
    assert!(demo::Args::parse(["--frobnicate"].map(String::from).into_iter()).is_err());
}

#[tokio::test]
async fn every_route_in_the_readme_table_exists() {
    let d = demo_at(tuesday_morning()).await;
    let n = d.ada_opens("Route check").await.to_string();
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("## The web demo").unwrap()..];
    let mut checked = 0;
    for line in section
        .lines()
        .take_while(|l| !l.starts_with("## Back ends"))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, method @ ("GET" | "POST" | "PUT"), route, ..] = cells[..] else {
            continue;
        };
        let route = route.trim_matches('`');
        let path = route
            .split('?')
            .next()
            .unwrap()
            .replace("{n}", &n)
            .replace("{token}", "not-a-token");
        let persona = if path.starts_with("/api/v1/portal") {
            "customer"
        } else {
            "supervisor"
        };
        let body = (method != "GET").then(|| json!({}));
        let r = d.call(method, &path, Some(persona), body).await;
        assert_ne!(r.body["kind"], "no_route", "{method} {path}: {}", r.text);
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        checked += 1;
    }
    assert_eq!(checked, 32, "routes in the README table");
}

/// The titles of a search's or a suggestion set's hits.
fn titles(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn kb_search_shows_a_requester_public_articles_only() {
    let d = demo_at(tuesday_morning()).await;
    assert!(demo::kb::is_empty(&d.state.desk).await.unwrap());
    demo::kb::seed(&d.state.desk).await.unwrap();
    assert!(!demo::kb::is_empty(&d.state.desk).await.unwrap());
    let ada = d
        .ok("GET", "/api/v1/kb/search?q=vpn", "customer", None)
        .await;
    let seen = titles(&ada);
    assert!(
        seen.contains(&"The VPN disconnects every hour".to_owned()),
        "{seen:?}"
    );
    assert!(
        !seen.contains(&"Restarting the VPN gateway".to_owned()),
        "the internal article reached a requester: {seen:?}"
    );
    let ana = d.ok("GET", "/api/v1/kb/search?q=vpn", "l1", None).await;
    assert!(
        titles(&ana).contains(&"Restarting the VPN gateway".to_owned()),
        "{ana}"
    );
    // The internal article by id is not there for her at all.
    let internal = ana["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["title"] == "Restarting the VPN gateway")
        .unwrap()["article"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = d
        .call(
            "GET",
            &format!("/api/v1/kb/articles/{internal}"),
            Some("customer"),
            None,
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "not_found");
    let staff = d
        .ok(
            "GET",
            &format!("/api/v1/kb/articles/{internal}"),
            "l2",
            None,
        )
        .await;
    assert_eq!(staff["title"], "Restarting the VPN gateway");
    // French, typed without accents; the article comes in French.
    let fr = d
        .ok(
            "GET",
            "/api/v1/kb/search?q=vpn%20deconnecte&lang=fr",
            "customer",
            None,
        )
        .await;
    assert_eq!(fr["hits"][0]["locale"], "fr", "{fr}");
    assert_eq!(
        fr["hits"][0]["title"],
        "Le VPN se déconnecte toutes les heures"
    );
    // Bad input is a problem naming the field.
    let r = d
        .call(
            "GET",
            "/api/v1/kb/search?q=vpn&limit=500",
            Some("customer"),
            None,
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["field"], "limit", "{}", r.text);
    let r = d
        .call("GET", "/api/v1/kb/search", Some("customer"), None)
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "bad_query");
    let r = d
        .call("GET", "/api/v1/kb/articles/nope", Some("customer"), None)
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let r = d.call("GET", "/api/v1/kb/search?q=vpn", None, None).await;
    problem(&r, StatusCode::UNAUTHORIZED, "no_persona");
    // The page: the customer searches and sees the public article only.
    let page = d.call("GET", "/kb?q=vpn", Some("customer"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("VPN</mark> disconnects"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("gateway"));
}

#[tokio::test]
#[allow(clippy::many_single_char_names)] // d, s, n, r, f: one per call
async fn suggestions_as_the_customer_types_record_what_came_of_them() {
    let d = demo_at(tuesday_morning()).await;
    demo::kb::seed(&d.state.desk).await.unwrap();
    let s = d
        .ok(
            "POST",
            "/api/v1/kb/suggestions",
            "customer",
            Some(json!({"subject": "Password reset CRM"})),
        )
        .await;
    assert_eq!(titles(&s)[0], "Reset your CRM password", "{s}");
    let set = s["id"].as_str().unwrap().to_owned();
    let article = s["hits"][0]["article"].as_str().unwrap().to_owned();
    // She opens the article from the suggestion (the page records it)...
    let page = d
        .call(
            "GET",
            &format!("/kb/articles/{article}?s={set}"),
            Some("customer"),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Forgot password"));
    // ...and opens a ticket anyway.
    let n = d.ada_opens("Password reset did not arrive").await;
    let r = d
        .ok(
            "POST",
            &format!("/api/v1/kb/suggestions/{set}/outcome"),
            "customer",
            Some(json!({"outcome": "ticket_opened", "ticket": n.to_string()})),
        )
        .await;
    assert_eq!(r["recorded"], "ticket_opened");
    let lena = helpdesk::Actor::supervisor(demo::persona::agent(demo::persona::LENA));
    let f = d
        .state
        .desk
        .deflection(&lena, helpdesk::store::TimeRange::default())
        .await
        .unwrap();
    assert_eq!(
        (f.shown, f.viewed, f.tickets_opened, f.deflected),
        (1, 1, 1, 0)
    );
    // Bad outcomes name what is wrong; another's set is not there.
    let r = d
        .call(
            "POST",
            &format!("/api/v1/kb/suggestions/{set}/outcome"),
            Some("customer"),
            Some(json!({"outcome": "loved"})),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["field"], "outcome");
    let r = d
        .call(
            "POST",
            &format!("/api/v1/kb/suggestions/{set}/outcome"),
            Some("customer"),
            Some(json!({"outcome": "helped"})),
        )
        .await;
    assert_eq!(r.body["field"], "article", "{}", r.text);
    let r = d
        .call(
            "POST",
            "/api/v1/kb/suggestions/01936f6e-0000-7000-8000-000000000999/outcome",
            Some("customer"),
            Some(json!({"outcome": "viewed", "article": article})),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "not_found");
    let r = d
        .call(
            "POST",
            "/api/v1/kb/suggestions",
            Some("customer"),
            Some(json!({"subjet": "typo"})),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "bad_body");

    // The agent's side: suggestions for the ticket, and "solved by".
    let staff = d
        .ok(
            "GET",
            &format!("/api/v1/tickets/{n}/suggestions"),
            "l1",
            None,
        )
        .await;
    assert_eq!(titles(&staff)[0], "Reset your CRM password", "{staff}");
    let r = d
        .call(
            "GET",
            &format!("/api/v1/tickets/{n}/suggestions"),
            Some("customer"),
            None,
        )
        .await;
    problem(&r, StatusCode::FORBIDDEN, "forbidden");
    d.ok(
        "POST",
        &format!("/api/v1/tickets/{n}/articles"),
        "l1",
        Some(json!({"article": article})),
    )
    .await;
    let tl = d
        .ok("GET", &format!("/api/v1/tickets/{n}/timeline"), "l1", None)
        .await;
    assert!(tl.to_string().contains("Reset your CRM password"), "{tl}");
    let page = d
        .call("GET", &format!("/tickets/{n}"), Some("l1"), None)
        .await;
    assert!(page.text.contains("Suggested articles"), "{}", page.text);
    assert!(page.text.contains("Solved by this article"));
}

#[tokio::test]
async fn the_portal_form_records_a_ticket_opened_after_suggestions() {
    let d = demo_at(tuesday_morning()).await;
    demo::kb::seed(&d.state.desk).await.unwrap();
    let page = d.call("GET", "/portal", Some("customer"), None).await;
    assert!(page.text.contains(r#"id="suggested""#));
    assert!(page.text.contains("/static/suggest.js"));
    let js = d.call("GET", "/static/suggest.js", None, None).await;
    assert!(js.text.contains("/api/v1/kb/suggestions"));
    let s = d
        .ok(
            "POST",
            "/api/v1/kb/suggestions",
            "customer",
            Some(json!({"subject": "Printer jams"})),
        )
        .await;
    let set = s["id"].as_str().unwrap();
    let req = Request::post("/portal/tickets")
        .header("x-demo-persona", "customer")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "subject=Printer+jams&description=Floor+3&suggestion={set}"
        )))
        .unwrap();
    let r = d.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let lena = helpdesk::Actor::supervisor(demo::persona::agent(demo::persona::LENA));
    let f = d
        .state
        .desk
        .deflection(&lena, helpdesk::store::TimeRange::default())
        .await
        .unwrap();
    assert_eq!((f.shown, f.tickets_opened), (1, 1));
}

#[tokio::test]
async fn the_supervisor_report_has_the_seeded_weeks_figures() {
    let now = tuesday_morning();
    let d = demo_at(now).await;
    demo::seed::seed(d.state.backend.clone(), d.state.outbox.clone(), now)
        .await
        .unwrap();
    let r = d
        .ok("GET", "/api/v1/supervisor/report", "supervisor", None)
        .await;
    let weeks = r["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 4, "{r}");
    // The report's created count agrees with the tickets themselves.
    let from: DateTime<Utc> = weeks[0]["start"].as_str().unwrap().parse().unwrap();
    let to: DateTime<Utc> = weeks[3]["end"].as_str().unwrap().parse().unwrap();
    let all = d
        .ok("GET", "/api/v1/tickets?limit=100", "supervisor", None)
        .await;
    let in_period = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            let at: DateTime<Utc> = t["ticket"]["created_at"].as_str().unwrap().parse().unwrap();
            from <= at && at < to
        })
        .count() as u64;
    let created: u64 = weeks
        .iter()
        .map(|w| w["figures"]["created"].as_u64().unwrap())
        .sum();
    assert!(created >= 10, "{created} created");
    assert_eq!(created, in_period);
    let full = &weeks[1]["figures"];
    assert!(full["resolved"].as_u64().unwrap() > 0, "{full}");
    assert!(
        full["first_reply"]["business"]["median"].as_f64().unwrap() > 0.0,
        "{full}"
    );
    let sla = &full["sla"]["first_response"];
    assert!(sla["of"].as_u64().unwrap() > 0, "{full}");
    // Every fifth ticket is answered late: not all met.
    let met: u64 = weeks
        .iter()
        .map(|w| {
            w["figures"]["sla"]["first_response"]["count"]
                .as_u64()
                .unwrap()
        })
        .sum();
    let of: u64 = weeks
        .iter()
        .map(|w| {
            w["figures"]["sla"]["first_response"]["of"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert!(0 < met && met < of, "{met} of {of}");
    // The chart and the page.
    let svg = d
        .call(
            "GET",
            "/api/v1/supervisor/chart.svg",
            Some("supervisor"),
            None,
        )
        .await;
    assert_eq!(svg.content_type, "image/svg+xml");
    assert!(svg.text.starts_with("<svg "), "{}", svg.text);
    let page = d.call("GET", "/supervisor", Some("supervisor"), None).await;
    assert!(page.text.contains(r#"<table id="kpis">"#), "{}", page.text);
    assert!(page.text.contains("<svg "));
    assert!(page.text.contains("<h2>Spikes</h2>"));
    assert!(
        page.text
            .contains(&format!("<td>{}</td>", weeks[1]["figures"]["created"]))
    );
    // A customer gets no figures.
    let r = d
        .call("GET", "/api/v1/supervisor/report", Some("customer"), None)
        .await;
    problem(&r, StatusCode::FORBIDDEN, "forbidden");
}

// ------------------------------------------------------------ ratings

impl Demo {
    /// Lena moves ticket `n` to `to`.
    async fn move_to(&self, n: u64, to: &str) {
        self.ok(
            "POST",
            &format!("/api/v1/tickets/{n}/transitions"),
            "supervisor",
            Some(json!({"to": to})),
        )
        .await;
    }

    /// This week's CSAT from the supervisor's report: (good, rated).
    async fn csat(&self) -> (u64, u64) {
        let r = self
            .ok("GET", "/api/v1/supervisor/report", "supervisor", None)
            .await;
        let week = &r["weeks"][3]["figures"]["csat"];
        (
            week["count"].as_u64().unwrap(),
            week["of"].as_u64().unwrap(),
        )
    }

    /// The survey invitations delivered so far: the links in the outbox.
    fn survey_links(&self) -> Vec<String> {
        self.state
            .outbox
            .sent()
            .into_iter()
            .filter(|n| n.kind == "survey_invitation")
            .map(|n| n.survey_link.expect("an invitation carries its link"))
            .collect()
    }
}

#[tokio::test]
async fn the_customer_rates_her_resolved_ticket_and_csat_counts_it() {
    let d = demo_at(tuesday_morning()).await;
    let n = d.ada_opens("Printer jams").await;
    let uri = format!("/api/v1/portal/tickets/{n}/rating");

    // Not resolved yet: nothing to rate.
    let st = d.ok("GET", &uri, "customer", None).await;
    assert_eq!(st["rating"]["open"], false, "{st}");
    assert_eq!(st["rating"]["refused"]["why"], "not_resolved", "{st}");
    let r = d
        .call(
            "PUT",
            &uri,
            Some("customer"),
            Some(json!({"score": {"type": "good"}})),
        )
        .await;
    problem(&r, StatusCode::CONFLICT, "survey");
    assert_eq!(r.body["survey"], "not_resolved", "{}", r.text);

    d.move_to(n, "resolved").await;
    assert_eq!(d.csat().await, (0, 0));
    let st = d.ok("GET", &uri, "customer", None).await;
    assert_eq!(st["rating"]["open"], true, "{st}");
    assert_eq!(st["rating"]["scale"], "good_bad");
    assert!(
        st["rating"]["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("too_slow"))
    );
    assert_eq!(st["ticket"]["status"], "resolved");

    // Bad, with a reason; then changed to good: the latest answer counts.
    let bad =
        json!({"score": {"type": "bad"}, "reason": "too_slow", "comment": "  Took two days.  "});
    let st = d.ok("PUT", &uri, "customer", Some(bad)).await;
    assert_eq!(st["rating"]["rating"]["score"]["type"], "bad", "{st}");
    assert_eq!(st["rating"]["rating"]["reason"], "too_slow");
    assert_eq!(st["rating"]["rating"]["comment"], "Took two days.");
    assert_eq!(d.csat().await, (0, 1));
    let st = d
        .ok(
            "PUT",
            &uri,
            "customer",
            Some(json!({"score": {"type": "good"}})),
        )
        .await;
    assert_eq!(st["rating"]["rating"]["score"]["type"], "good", "{st}");
    assert_eq!(
        d.ok("GET", &uri, "customer", None).await["rating"],
        st["rating"]
    );
    assert_eq!(d.csat().await, (1, 1));

    // Ratings that do not fit the question name the field.
    let r = d
        .call(
            "PUT",
            &uri,
            Some("customer"),
            Some(json!({"score": {"type": "good"}, "reason": "too_slow"})),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "survey");
    assert_eq!(r.body["field"], "rating.reason", "{}", r.text);
    let r = d
        .call(
            "PUT",
            &uri,
            Some("customer"),
            Some(json!({"score": {"type": "bad"}, "reason": "grumpy"})),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "survey");
    assert!(
        r.body["allowed"]
            .as_array()
            .unwrap()
            .contains(&json!("other")),
        "{}",
        r.text
    );
    let r = d
        .call(
            "PUT",
            &uri,
            Some("customer"),
            Some(json!({"score": {"type": "stars", "value": 5}})),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "survey");
    assert_eq!(r.body["field"], "rating.score", "{}", r.text);
    let r = d
        .call(
            "PUT",
            &uri,
            Some("customer"),
            Some(json!({"score": "great"})),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "bad_body");
    assert_eq!(d.csat().await, (1, 1), "refused ratings change nothing");

    // Staff have no portal; another requester's ticket is not found.
    let r = d
        .call(
            "PUT",
            &uri,
            Some("l1"),
            Some(json!({"score": {"type": "bad"}})),
        )
        .await;
    problem(&r, StatusCode::FORBIDDEN, "not_a_customer");
    let grace = d
        .ok(
            "POST",
            "/api/v1/tickets",
            "supervisor",
            Some(
                json!({"requester": {"name": "Grace Hopper", "email": "grace@example.com"},
                "channel": "phone", "subject": "Badge reader", "description": "Door 2."}),
            ),
        )
        .await["ticket"]["reference"]
        .as_u64()
        .unwrap();
    d.move_to(grace, "resolved").await;
    let r = d
        .call(
            "PUT",
            &format!("/api/v1/portal/tickets/{grace}/rating"),
            Some("customer"),
            Some(json!({"score": {"type": "bad"}})),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(d.csat().await, (1, 1));

    // The portal page shows the rating and the form to change it.
    let page = d
        .call(
            "GET",
            &format!("/portal/tickets/{n}"),
            Some("customer"),
            None,
        )
        .await;
    assert!(
        page.text.contains(r#"<section id="rating""#),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("Your rating: <strong>Good"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Change rating"));

    // Closed: the rating is final.
    d.move_to(n, "closed").await;
    let r = d
        .call(
            "PUT",
            &uri,
            Some("customer"),
            Some(json!({"score": {"type": "bad"}})),
        )
        .await;
    problem(&r, StatusCode::CONFLICT, "survey");
    assert_eq!(r.body["survey"], "closed", "{}", r.text);
    assert!(r.body["closed_at"].is_string());
    let page = d
        .call(
            "GET",
            &format!("/portal/tickets/{n}"),
            Some("customer"),
            None,
        )
        .await;
    assert!(page.text.contains("the rating is final"), "{}", page.text);
    assert!(!page.text.contains("rating-form"));
}

#[tokio::test]
async fn the_survey_link_rates_by_its_token_and_forged_links_are_refused() {
    let d = demo_at(tuesday_morning()).await;
    let n = d.ada_opens("Scanner offline").await;
    d.move_to(n, "resolved").await;
    // The invitation goes out a minute after the resolution, from the worker.
    demo::app::work_once(&d.state.desk).await;
    assert!(d.survey_links().is_empty(), "not before the delay");
    d.clock.advance(Duration::minutes(2));
    demo::app::work_once(&d.state.desk).await;
    let links = d.survey_links();
    assert_eq!(links.len(), 1, "one invitation");
    let link = &links[0];
    let token = link.strip_prefix("/survey/").unwrap();
    // The customer sees it in her notifications, as a link.
    let page = d.call("GET", "/outbox", Some("customer"), None).await;
    assert!(
        page.text.contains(&format!(r#"href="{link}""#)),
        "{}",
        page.text
    );

    // The link's page and API, with no persona: the token is the credential.
    let api = format!("/api/v1/surveys/{token}");
    let r = d.call("GET", &api, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["ticket"]["reference"], n);
    assert_eq!(r.body["rating"]["open"], true);
    let r = d
        .call(
            "PUT",
            &api,
            None,
            Some(json!({"score": {"type": "bad"}, "reason": "not_resolved"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["rating"]["rating"]["reason"], "not_resolved");
    assert_eq!(d.csat().await, (0, 1));
    // The page's form posts and redirects back with thanks.
    let form = Request::builder()
        .method("POST")
        .uri(link.as_str())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "score=good&reason=too_slow&comment=Sorted+after+all",
        ))
        .unwrap();
    let r = d.send(form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{link}?rated=1").as_str())
    );
    let page = d.call("GET", &format!("{link}?rated=1"), None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Thank you"), "{}", page.text);
    assert!(
        page.text.contains("Your rating: <strong>Good"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Sorted after all"));
    assert!(
        !page.text.contains("too slow)"),
        "a reason goes with bad only"
    );
    assert_eq!(d.csat().await, (1, 1));
    // Portal and link agree.
    let st = d
        .ok(
            "GET",
            &format!("/api/v1/portal/tickets/{n}/rating"),
            "customer",
            None,
        )
        .await;
    assert_eq!(st["rating"]["rating"]["score"]["type"], "good");

    // A forged token: one character changed (in the middle: the last one
    // carries padding bits, and changing those is malformed instead).
    let mut forged = token.to_owned().into_bytes();
    let i = forged.len() / 2;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let r = d
        .call("GET", &format!("/api/v1/surveys/{forged}"), None, None)
        .await;
    problem(&r, StatusCode::FORBIDDEN, "survey");
    assert_eq!(r.body["survey"], "forged", "{}", r.text);
    let r = d
        .call(
            "PUT",
            &format!("/api/v1/surveys/{forged}"),
            None,
            Some(json!({"score": {"type": "bad"}})),
        )
        .await;
    problem(&r, StatusCode::FORBIDDEN, "survey");
    let page = d
        .call("GET", &format!("/survey/{forged}"), None, None)
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.text.contains("Survey link not valid"), "{}", page.text);
    assert!(page.text.contains(r#"role="alert""#));
    // Not a token at all.
    let r = d
        .call("GET", "/api/v1/surveys/not-a-token", None, None)
        .await;
    problem(&r, StatusCode::BAD_REQUEST, "survey");
    assert_eq!(r.body["survey"], "malformed");
    assert_eq!(d.csat().await, (1, 1), "refused links change nothing");

    // Past its two weeks, the genuine link has expired.
    d.clock.advance(Duration::days(15));
    let r = d.call("GET", &api, None, None).await;
    problem(&r, StatusCode::GONE, "survey");
    assert_eq!(r.body["survey"], "expired");
    assert!(r.body["expired_at"].is_string());
    let page = d.call("GET", link, None, None).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.text.contains("Survey link expired"), "{}", page.text);
}
