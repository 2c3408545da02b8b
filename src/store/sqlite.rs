use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::sql_common::{
    Arg, Dialect, db, impl_sql_store, list_sql, migrate_error, migrator, to_i64, to_u64,
};
use crate::error::{Error, Result};

/// The embedded migrations, `(version, description, sql)`; the versions
/// match `migrations/postgres`.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "initial schema",
    include_str!("../../migrations/sqlite/0001_initial.sql"),
)];

/// How long a writer waits for another connection's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`Store`](super::Store) in an SQLite database: embedded, no server.
///
/// The database runs in WAL mode with foreign keys on, so readers never
/// block the single writer and a crash loses no acknowledged commit.
/// Several `SqliteStore`s (in one process or several) may open the same
/// file; writers take turns. For many application nodes use
/// `PostgresStore`.
///
/// [`open`](Self::open) and [`in_memory`](Self::in_memory) bring the
/// schema up to date before they return, so a fresh file is ready at once.
/// Cloning is cheap and shares the connection pool.
///
/// ```
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// use helpdesk::Store;
/// use helpdesk::store::SqliteStore;
/// let dir = std::env::temp_dir().join(format!("helpdesk-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(dir.join("desk.db")).await?;
/// assert_eq!(store.next_reference().await?.to_string(), "#1001");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates it.
    ///
    /// The directory must exist. A database migrated by a newer version of
    /// this crate is refused with [`Error::Store`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path.as_ref())
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL would survive a crash of the process; FULL also keeps
            // acknowledged commits through a power loss of the machine.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .map_err(|e| {
                Error::store(
                    format!("cannot open SQLite database {}", path.as_ref().display()),
                    e,
                )
            })?;
        let store = SqliteStore { pool };
        // SQLite has no migration lock: when several processes open a new
        // file at once, all but one fail to create the tables; on a second
        // try they find the migration applied.
        if store.migrate().await.is_err() {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// A private, empty in-memory database, migrated; it lives as long as
    /// the store (and its clones).
    pub async fn in_memory() -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(db("configuring SQLite"))?
            .foreign_keys(true);
        // Each connection to `:memory:` is its own database, so the pool
        // holds exactly one connection and never lets it go.
        let pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(db("opening an in-memory SQLite database"))?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        Ok(store)
    }
}

/// SQLite's spelling: text ids, integer microseconds.
#[derive(Debug)]
struct SqliteDialect;

impl Dialect for SqliteDialect {
    type Id = Hyphenated;
    type Time = i64;
    // Takes the write lock at once: a deferred transaction that reads first
    // could not upgrade to a writer after another connection committed.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";

    fn id(u: Uuid) -> Hyphenated {
        u.hyphenated()
    }
    fn from_id(v: Hyphenated) -> Uuid {
        v.into_uuid()
    }
    fn time(t: DateTime<Utc>) -> i64 {
        t.timestamp_micros()
    }
    fn from_time(v: i64) -> Result<DateTime<Utc>> {
        DateTime::from_timestamp_micros(v)
            .ok_or_else(|| Error::store_msg(format!("stored instant {v} is out of range")))
    }
}

impl_sql_store!(
    SqliteStore,
    SqliteDialect,
    migrations = MIGRATIONS,
    next_ref = "UPDATE ticket_reference SET last = last + 1 WHERE only_row = 1 RETURNING last",
    skip_locked = ""
);
