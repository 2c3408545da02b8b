//! The web demo in a real browser: Debian's Chromium driven through
//! chromedriver (WebDriver), against the demo server on a free loopback
//! port over a real SQLite file. Saves a screenshot of each persona's main
//! page to `docs/screenshots/`.
//!
//! Needs `chromium` and `chromedriver` on PATH (`apt-get install chromium
//! chromium-driver`; `.ci/run` installs them when missing). Without them the
//! test fails when `HELPDESK_REQUIRE_BROWSER` is set (as `.ci/run` does),
//! and otherwise says so and passes.

#[path = "../examples/web/main.rs"]
#[allow(dead_code)]
mod demo;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use fantoccini::{Client, ClientBuilder, Locator};
use helpdesk::ManualClock;
use helpdesk::store::SqliteStore;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// chromedriver, stopped when the test ends however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn browser() -> Option<(Driver, Client)> {
    let (Some(driver), Some(chromium)) = (on_path("chromedriver"), on_path("chromium")) else {
        assert!(
            std::env::var_os("HELPDESK_REQUIRE_BROWSER").is_none(),
            "chromium and chromedriver are required (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipping the browser test: chromium or chromedriver is not on PATH");
        return None;
    };
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    // chromedriver takes a moment to listen.
    for _ in 0..100 {
        let connected = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await;
        match connected {
            Ok(c) => return Some((driver, c)),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not answer at {url}");
}

struct Page<'a> {
    c: &'a Client,
    base: String,
}

impl Page<'_> {
    async fn go(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.c.wait().for_element(Locator::Css("h1")).await.unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap()
            .attr(name)
            .await
            .unwrap()
    }

    async fn fill(&self, css: &str, value: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }

    /// Submits the form holding `css` with its button, and waits for the next page.
    async fn submit(&self, css: &str) {
        let field = self.c.find(Locator::Css(css)).await.unwrap();
        let form = field.find(Locator::XPath("ancestor::form")).await.unwrap();
        let old = self.c.find(Locator::Css("html")).await.unwrap();
        form.find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // A form post always answers with a new document: wait until the
        // old one is gone, or its `h1` would pass for the new page's.
        for _ in 0..400 {
            if old.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.c.wait().for_element(Locator::Css("h1")).await.unwrap();
    }

    async fn body(&self) -> String {
        self.text("main").await
    }

    /// Picks a persona with the picker, as a person would.
    async fn be(&self, persona: &str) {
        self.go("/").await;
        self.c
            .find(Locator::Css(&format!("input[value={persona}]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        self.submit("input[name=persona]").await;
    }

    async fn screenshot(&self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    async fn xpath_text(&self, xpath: &str) -> String {
        self.c
            .find(Locator::XPath(xpath))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The countdown's text, after the page's script has run.
    async fn countdown(&self) -> String {
        self.c
            .wait()
            .for_element(Locator::Css(".countdown[data-live='1']"))
            .await
            .unwrap();
        self.text(".sla-line .countdown .left").await
    }
}

/// The CSAT cell of this week (the first column) in the supervisor's KPI table.
const CSAT_THIS_WEEK: &str =
    "//table[@id='kpis']//tr[th[starts-with(normalize-space(), 'CSAT')]]/td[1]";

/// `(good, rated)` from a CSAT cell: `75% (3/4)`, or `—` before any rating.
fn csat(cell: &str) -> (u64, u64) {
    let Some((_, counts)) = cell.split_once('(') else {
        return (0, 0);
    };
    let (good, rated) = counts.trim_end_matches(')').split_once('/').unwrap();
    (good.trim().parse().unwrap(), rated.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_and_an_agent_work_a_ticket_in_chromium() {
    let Some((_driver, c)) = browser().await else {
        return;
    };

    // The demo server, seeded, on a clock at Tuesday 10:00 in New York (the
    // office is open, so business time runs while the test watches).
    let now: DateTime<Utc> = "2026-03-03T15:00:00Z".parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("desk.db")).await.unwrap());
    let clock = Arc::new(ManualClock::new(now));
    let state = demo::app::AppState::new(demo::app::Backend::of(store), clock.clone()).unwrap();
    demo::seed::seed(state.backend.clone(), state.outbox.clone(), now)
        .await
        .unwrap();
    let desk = state.desk.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, demo::app::router(state)).into_future());
    let p = Page { c: &c, base };

    // The picker.
    p.go("/").await;
    p.screenshot("persona-picker").await;

    // Ada opens a ticket in the portal.
    p.be("customer").await;
    assert_eq!(p.text("h1").await, "Help center");
    p.fill("#subject", "Laptop will not wake from sleep").await;
    p.fill(
        "#description",
        "Since the last update it needs a hard reset.",
    )
    .await;
    // As she typed the subject, the page asked for suggested articles.
    p.c.wait()
        .for_element(Locator::Css("#suggested a"))
        .await
        .unwrap();
    let suggested = p.text("#suggested").await;
    assert!(
        suggested.contains("Laptop will not wake from sleep"),
        "{suggested}"
    );
    p.screenshot("customer-suggestions").await;
    p.submit("#subject").await;
    let h1 = p.text("h1").await;
    assert!(h1.ends_with("Laptop will not wake from sleep"), "{h1}");
    let number: u64 = h1
        .trim_start_matches('#')
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    p.go("/portal").await;
    p.screenshot("customer-portal").await;

    // She searches the knowledge base: public articles only.
    p.fill("#kb-q", "vpn").await;
    p.submit("#kb-q").await;
    assert_eq!(p.text("h1").await, "Knowledge base");
    let found = p.body().await;
    assert!(found.contains("The VPN disconnects every hour"), "{found}");
    assert!(!found.contains("gateway"), "an internal article: {found}");
    p.screenshot("customer-kb-search").await;
    p.c.find(Locator::Css("ul.hits a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    p.c.wait()
        .for_element(Locator::Css("form[action$='/helped'] button"))
        .await
        .unwrap();
    p.submit("form[action$='/helped'] button").await;
    let article = p.body().await;
    assert!(article.contains("1 found it helpful"), "{article}");

    // Ana finds it in her queue, with its SLA countdown running.
    p.be("l1").await;
    assert_eq!(p.text("h1").await, "Queue");
    p.screenshot("agent-queue").await;
    p.c.find(Locator::Css(&format!("a[href='/tickets/{number}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    p.c.wait()
        .for_element(Locator::Css("#reply"))
        .await
        .unwrap();
    let first = p.countdown().await;
    assert!(first.ends_with(" left"), "a running clock: {first}");
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let later = p.countdown().await;
    assert_ne!(first, later, "the countdown counts in business hours");

    // She answers and adds an internal note.
    p.fill("#reply", "Please hold the power button for ten seconds.")
        .await;
    p.submit("#reply").await;
    p.fill("#note", "Known firmware bug; ticket with the vendor.")
        .await;
    p.submit("#note").await;
    let page = p.body().await;
    assert!(
        page.contains("Known firmware bug") && page.contains("(staff only)"),
        "{page}"
    );
    // The article the desk suggests for it solved it.
    let suggested = p.text("#ticket-suggestions").await;
    assert!(
        suggested.contains("Laptop will not wake from sleep"),
        "{suggested}"
    );
    p.submit("#ticket-suggestions button").await;
    let page = p.body().await;
    assert!(
        page.contains("marked it solved by Laptop will not wake from sleep"),
        "{page}"
    );
    p.screenshot("agent-ticket").await;

    // Pending: the clock stops.
    p.c.find(Locator::Css("#to"))
        .await
        .unwrap()
        .select_by_value("pending")
        .await
        .unwrap();
    p.submit("#to").await;
    assert_eq!(
        p.attr(".sla-line .countdown", "data-state")
            .await
            .as_deref(),
        Some("paused")
    );
    let frozen = p.countdown().await;
    assert!(frozen.ends_with("paused"), "{frozen}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(p.countdown().await, frozen, "a paused clock does not move");

    // Ada sees the answer, not the note, and replies.
    p.be("customer").await;
    p.go(&format!("/portal/tickets/{number}")).await;
    let page = p.body().await;
    assert!(page.contains("Please hold the power button"), "{page}");
    assert!(
        !page.contains("firmware"),
        "the internal note leaked: {page}"
    );
    p.fill("#reply", "That worked, thanks!").await;
    p.submit("#reply").await;
    assert!(p.body().await.contains("That worked, thanks!"));
    p.screenshot("customer-ticket").await;

    // A staff page is forbidden to her: the error page says so.
    p.go(&format!("/tickets/{number}")).await;
    let alert = p.text("[role=alert]").await;
    assert!(
        alert.contains("403") && alert.contains("requester"),
        "{alert}"
    );

    // Her reply reopened it: Ana's clock runs again.
    p.be("l1").await;
    p.go(&format!("/tickets/{number}")).await;
    assert_eq!(
        p.attr(".sla-line .countdown", "data-state")
            .await
            .as_deref(),
        Some("running")
    );

    // Lena's CSAT for this week, before Ada rates anything.
    p.be("supervisor").await;
    let (good, rated) = csat(&p.xpath_text(CSAT_THIS_WEEK).await);

    // Ana resolves it; Ada rates the resolution in the portal: bad, why, and a word.
    p.be("l1").await;
    p.go(&format!("/tickets/{number}")).await;
    p.c.find(Locator::Css("#to"))
        .await
        .unwrap()
        .select_by_value("resolved")
        .await
        .unwrap();
    p.submit("#to").await;
    p.be("customer").await;
    p.go(&format!("/portal/tickets/{number}")).await;
    assert_eq!(p.text("#rating-h").await, "Rate the resolution");
    assert!(p.text("#current-rating").await.contains("Not rated yet"));
    p.c.find(Locator::Css("#rate-bad"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    p.c.find(Locator::Css("#rate-reason"))
        .await
        .unwrap()
        .select_by_value("too_slow")
        .await
        .unwrap();
    p.fill("#rate-comment", "It took a hard reset to find out.")
        .await;
    p.submit("#rate-comment").await;
    let shown = p.text("#current-rating").await;
    assert!(
        shown.contains("Bad") && shown.contains("too slow") && shown.contains("hard reset"),
        "{shown}"
    );
    assert_eq!(p.text("#rating-form button").await, "Change rating");
    p.screenshot("customer-rating").await;

    // A minute later the worker sends the survey invitation; its link, in
    // her notifications, opens the survey page, where she changes her mind.
    clock.advance(chrono::Duration::minutes(2));
    demo::app::work_once(&desk).await;
    p.go("/outbox").await;
    p.c.find(Locator::XPath(&format!(
        "//tr[td[2][normalize-space()='#{number}']]//a[@class='survey-link']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    p.c.wait()
        .for_element(Locator::Css("#rating-form"))
        .await
        .unwrap();
    assert_eq!(p.text("h1").await, "How did we do?");
    assert!(p.text("#current-rating").await.contains("Bad"));
    p.c.find(Locator::Css("#rate-good"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    p.submit("#rate-comment").await;
    assert!(p.text("[role=status]").await.contains("Thank you"));
    assert!(p.text("#current-rating").await.contains("Good"));
    // A link with one character of its token changed gets the error page.
    let url = p.c.current_url().await.unwrap();
    // (A middle one: the last carries padding bits, and changing those
    // makes a malformed token rather than a forged one.)
    let path = url.path();
    let i = path.len() - 20;
    let swap = if &path[i..=i] == "A" { "B" } else { "A" };
    let forged = format!("{}{swap}{}", &path[..i], &path[i + 1..]);
    p.go(&forged).await;
    assert_eq!(p.text("h1").await, "Survey link not valid");
    let alert = p.text("[role=alert]").await;
    assert!(alert.contains("403") && alert.contains("forged"), "{alert}");

    // Lena's CSAT counts the rating.
    p.be("supervisor").await;
    assert_eq!(
        csat(&p.xpath_text(CSAT_THIS_WEEK).await),
        (good + 1, rated + 1),
        "this week's CSAT"
    );

    // The supervisor's page and the outbox.
    p.be("supervisor").await;
    assert_eq!(p.text("h1").await, "Supervisor dashboard");
    let page = p.body().await;
    assert!(page.contains("Open tickets by group"), "{page}");
    // The week's figures from the desk's report, and its chart.
    let kpis = p.text("#kpis").await;
    assert!(
        kpis.contains("(this week)") && kpis.contains("SLA first response met"),
        "{kpis}"
    );
    p.c.find(Locator::Css("#volume-chart svg")).await.unwrap();
    assert!(page.contains("Spikes"), "{page}");
    p.screenshot("supervisor").await;
    p.c.execute(
        "document.getElementById('kpis').scrollIntoView();",
        Vec::new(),
    )
    .await
    .unwrap();
    p.screenshot("supervisor-figures").await;
    p.go("/outbox").await;
    assert!(p.body().await.contains("ada@example.com"));
    p.screenshot("outbox").await;

    // Readable on a phone: the queue at a phone's width.
    c.set_window_size(390, 844).await.unwrap();
    p.be("l1").await;
    p.screenshot("agent-queue-phone").await;

    c.close().await.unwrap();
    drop(clock);
}
