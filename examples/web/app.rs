//! The application: shared state, the router (API + pages, with request
//! tracing and input limits), the desk, and the in-process worker.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use helpdesk::store::ReportStore;
use helpdesk::store::knowledge::KnowledgeStore;
use helpdesk::{Clock, DeskConfig, HelpDesk, Store};
use tower_http::trace::TraceLayer;

use super::outbox::DemoOutbox;

/// The largest request body accepted (a reply of a few pages; bigger is 413).
pub(crate) const BODY_LIMIT: usize = 64 * 1024;
/// The desk configuration the demo runs: the README's.
pub(crate) const CONFIG: &str = include_str!("../config/desk.toml");

/// One back end for every port the demo uses: tickets, the metric rows
/// behind the supervisor's figures, and the knowledge base (each back end
/// of the crate is all three; see `HelpDeskBuilder::backend`).
#[derive(Clone)]
pub(crate) struct Backend {
    pub(crate) store: Arc<dyn Store>,
    reports: Arc<dyn ReportStore>,
    knowledge: Arc<dyn KnowledgeStore>,
}

impl Backend {
    /// Every port on `store`.
    pub(crate) fn of<S: Store + ReportStore + KnowledgeStore + 'static>(store: Arc<S>) -> Self {
        Backend {
            store: store.clone(),
            reports: store.clone(),
            knowledge: store,
        }
    }
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Backend")
    }
}

/// What every handler gets.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) desk: HelpDesk,
    /// The back end the desk runs on (the seed builds its own desk on it).
    pub(crate) backend: Backend,
    pub(crate) outbox: Arc<DemoOutbox>,
    /// Where the tickets live, for the start page (`SQLite file ./helpdesk-demo.db`).
    pub(crate) store_label: Arc<str>,
}

impl AppState {
    /// A desk over `store` with the demo configuration, delivering into the
    /// on-page outbox.
    pub(crate) fn new(backend: Backend, clock: Arc<dyn Clock>) -> helpdesk::Result<Self> {
        let config = DeskConfig::from_toml(CONFIG)?;
        let outbox = Arc::new(DemoOutbox::new(config.routing.clone()));
        let desk = desk(backend.clone(), clock, outbox.clone())?;
        Ok(AppState {
            desk,
            backend,
            outbox,
            store_label: "a SQLite file".into(),
        })
    }
}

/// The demo's desk over `backend`, on `clock`, delivering into `outbox`:
/// the README's configuration plus the demo's knowledge base categories
/// and survey policy, with the demo's survey key.
pub(crate) fn desk(
    backend: Backend,
    clock: Arc<dyn Clock>,
    outbox: Arc<DemoOutbox>,
) -> helpdesk::Result<HelpDesk> {
    let mut config = DeskConfig::from_toml(CONFIG)?;
    config.knowledge = Some(super::kb::config()?);
    config.surveys = Some(super::survey::policy()?);
    HelpDesk::builder()
        .config(config)
        .survey_key(super::survey::key()?)
        .store(backend.store)
        .reports(backend.reports)
        .knowledge(backend.knowledge)
        .clock(clock)
        .notifier(outbox)
        .build()
}

/// Every route, with a span per request (method, path, status, latency)
/// and the body limit.
///
/// Each desk area is a module with its own `routes()`: the tickets
/// (`api`, `pages`), the knowledge base (`kb`) and the reports'
/// API (`dashboard`, whose figures join the `/supervisor` page).
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .nest(
            "/api/v1",
            super::api::routes()
                .merge(super::kb::api_routes())
                .merge(super::dashboard::api_routes())
                .merge(super::survey::api_routes()),
        )
        .merge(super::pages::routes())
        .merge(super::kb::page_routes())
        .merge(super::survey::page_routes())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Runs the time-driven work in this process, every `every`: SLA warnings
/// and breaches, escalation levels (`run_due`), and retries of
/// notifications that failed (`dispatch_pending`). On several nodes each
/// runs it; the store's leases keep the work done once.
pub(crate) fn spawn_worker(desk: HelpDesk, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            work_once(&desk).await;
        }
    })
}

/// One round of the worker.
pub(crate) async fn work_once(desk: &HelpDesk) {
    loop {
        match desk.run_due(desk.clock().now(), 500).await {
            Ok(r) if r.claimed == 500 => {}
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(error = %e, "run_due failed; retrying next round");
                break;
            }
        }
    }
    if let Err(e) = desk.dispatch_pending().await {
        tracing::warn!(error = %e, "dispatch_pending failed; retrying next round");
    }
}
