//! The web demo: a whole help desk in the browser, and the JSON API behind
//! it, on the `helpdesk` crate.
//!
//! ```sh
//! cargo run --example web                 # http://127.0.0.1:3000, ./helpdesk-demo.db
//! cargo run --example web -- --reset      # start over with fresh demo data
//! cargo run --example web -- --db /tmp/desk.db --port 8080
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run --all-features --example web
//! RUST_LOG=helpdesk=debug,tower_http=debug cargo run --example web
//! ```
//!
//! Pick a persona (a DEMO stand-in for authentication), then: open a ticket
//! as the customer, answer it as the first-line agent, watch the SLA
//! countdown stop while it waits on the customer, see what the worker
//! escalates, and read every notification in the outbox view.

pub(crate) mod api;
pub(crate) mod app;
pub(crate) mod countdown;
pub(crate) mod dashboard;
pub(crate) mod html;
pub(crate) mod kb;
pub(crate) mod outbox;
pub(crate) mod pages;
pub(crate) mod persona;
pub(crate) mod problem;
pub(crate) mod seed;
pub(crate) mod survey;
pub(crate) mod views;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use helpdesk::SystemClock;

use app::Backend;

/// The command line.
#[derive(Debug)]
pub(crate) struct Args {
    pub(crate) db: PathBuf,
    pub(crate) reset: bool,
    pub(crate) port: u16,
}

const USAGE: &str = "usage: web [--db PATH] [--reset] [--port N]
  --db PATH   the SQLite file (default ./helpdesk-demo.db)
  --reset     delete the SQLite file first and seed fresh demo data
  --port N    listen on 127.0.0.1:N (default 3000)
  DATABASE_URL=postgres://...  use PostgreSQL instead (feature `postgres`)
  RUST_LOG=...                 tracing filter (default info)";

impl Args {
    pub(crate) fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = Args {
            db: PathBuf::from("./helpdesk-demo.db"),
            reset: false,
            port: 3000,
        };
        while let Some(a) = it.next() {
            match a.as_str() {
                "--db" => args.db = it.next().ok_or("--db needs a path")?.into(),
                "--reset" => args.reset = true,
                "--port" => {
                    let p = it.next().ok_or("--port needs a number")?;
                    args.port = p
                        .parse()
                        .map_err(|_| format!("--port: `{p}` is not a port number"))?;
                }
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            }
        }
        Ok(args)
    }
}

/// The store: PostgreSQL when `DATABASE_URL` is set, else the SQLite file.
async fn store(args: &Args) -> Result<Backend, Box<dyn std::error::Error>> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return postgres(&url, args.reset).await;
    }
    if args.reset {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = args.db.clone().into_os_string();
            p.push(suffix);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(format!("--reset: cannot delete {}: {e}", args.db.display()).into());
                }
            }
        }
    }
    tracing::info!(db = %args.db.display(), "opening SQLite");
    Ok(Backend::of(Arc::new(
        helpdesk::store::SqliteStore::open(&args.db).await?,
    )))
}

#[cfg(feature = "postgres")]
async fn postgres(url: &str, reset: bool) -> Result<Backend, Box<dyn std::error::Error>> {
    if reset {
        return Err(
            "--reset works on the SQLite file; on PostgreSQL drop and recreate the schema yourself"
                .into(),
        );
    }
    tracing::info!("connecting to PostgreSQL (DATABASE_URL)");
    Ok(Backend::of(Arc::new(
        helpdesk::store::PostgresStore::connect(url).await?,
    )))
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_: &str, _: bool) -> Result<Backend, Box<dyn std::error::Error>> {
    Err("DATABASE_URL is set, but this build has no PostgreSQL: run with `--features postgres` (or unset DATABASE_URL for SQLite)".into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=debug".into()),
        )
        .init();
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let backend = store(&args).await?;
    let mut state = app::AppState::new(backend, Arc::new(SystemClock))?;
    state.store_label = if std::env::var_os("DATABASE_URL").is_some() {
        "PostgreSQL (DATABASE_URL)".into()
    } else {
        format!("the SQLite file {}", args.db.display()).into()
    };
    if !seed::is_seeded(state.backend.store.as_ref()).await? {
        tracing::info!("first start: seeding three weeks of demo data (a few seconds)");
        let n = seed::seed(
            state.backend.clone(),
            state.outbox.clone(),
            state.desk.clock().now(),
        )
        .await?;
        tracing::info!(tickets = n, "demo data seeded");
    } else if kb::is_empty(&state.desk).await? {
        tracing::info!("seeding the knowledge base's demo articles");
        kb::seed(&state.desk).await?;
    }
    let _worker = app::spawn_worker(state.desk.clone(), Duration::from_secs(5));
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("the help desk is at http://{addr}");
    println!("Open http://{addr} and pick a persona (Ctrl-C to stop).");
    axum::serve(listener, app::router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
