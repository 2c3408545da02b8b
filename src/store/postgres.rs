use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

use super::sql_common::{
    Arg, Dialect, db, impl_sql_store, list_sql, migrate_error, migrator, to_i64, to_u64,
};
use crate::error::{Error, Result};

/// The embedded migrations, `(version, description, sql)`; the versions
/// match `migrations/sqlite`.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "initial schema",
    include_str!("../../migrations/postgres/0001_initial.sql"),
)];

/// How long to wait for a connection before reporting the database down.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`Store`](super::Store) in PostgreSQL, for many application nodes
/// sharing one database.
///
/// Due work and outbox entries are claimed with `FOR UPDATE SKIP LOCKED`,
/// so escalation and outbox workers may run on every node: no ticket or
/// notification is handed to two of them at once. Optimistic concurrency is
/// checked by the database (`UPDATE ... WHERE version = $n`).
///
/// [`connect`](Self::connect) and [`connect_with_schema`](Self::connect_with_schema)
/// bring the schema up to date before they return (under sqlx's advisory
/// lock, so nodes starting together do not race). Cloning is cheap and
/// shares the connection pool.
///
/// ```no_run
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// use helpdesk::store::PostgresStore;
/// let store = PostgresStore::connect("postgres://desk@db.internal/desk").await?;
/// # let _ = store;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host/database`), using
    /// the server's default `search_path`, and migrates.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = parse(url)?;
        Self::with_options(options).await
    }

    /// Connects to `url` and keeps every table in `schema` (created if
    /// missing), so several desks, or tests, can share one database.
    ///
    /// `schema` must be 1-63 ASCII letters, digits or `_`, not starting with
    /// a digit.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self> {
        let valid = !schema.is_empty()
            && schema.len() <= 63
            && !schema.starts_with(|c: char| c.is_ascii_digit())
            && schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(Error::validation(
                "schema",
                format!("`{schema}` is not a plain SQL identifier"),
            ));
        }
        let options = parse(url)?;
        let mut conn = PgConnection::connect_with(&options)
            .await
            .map_err(db("cannot connect to PostgreSQL"))?;
        // The name was checked above to be a plain identifier, so quoting
        // it verbatim is safe.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
        )))
        .execute(&mut conn)
        .await
        .map_err(db("creating the schema"))?;
        conn.close().await.map_err(db("closing a connection"))?;
        Self::with_options(options.options([("search_path", schema)])).await
    }

    async fn with_options(options: PgConnectOptions) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(db("cannot connect to PostgreSQL"))?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }
}

fn parse(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(db("invalid PostgreSQL URL"))
}

/// PostgreSQL's spelling: native UUIDs and timestamps.
#[derive(Debug)]
struct PgDialect;

impl Dialect for PgDialect {
    type Id = Uuid;
    type Time = DateTime<Utc>;
    // READ COMMITTED suffices: every check-and-write is one statement whose
    // WHERE clause is re-evaluated against the latest row version.
    const BEGIN_WRITE: &'static str = "BEGIN";

    fn id(u: Uuid) -> Uuid {
        u
    }
    fn from_id(v: Uuid) -> Uuid {
        v
    }
    fn time(t: DateTime<Utc>) -> DateTime<Utc> {
        t
    }
    fn from_time(v: DateTime<Utc>) -> Result<DateTime<Utc>> {
        Ok(v)
    }
}

impl_sql_store!(
    PostgresStore,
    PgDialect,
    migrations = MIGRATIONS,
    next_ref = "SELECT nextval('ticket_reference')",
    skip_locked = "FOR UPDATE SKIP LOCKED"
);
