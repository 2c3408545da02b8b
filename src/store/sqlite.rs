mod kb;
mod reports;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::query::QueryAs;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::sql_common::{
    Arg, CLAIM_DUE_SQLITE, CLAIMABLE_OUTBOX_SQLITE, INSERT_COMMAND, INSERT_EVENT, INSERT_OUTBOX,
    INSERT_TICKET, LEASE_OUTBOX, LOAD_COMMAND, LOAD_TICKET, LOAD_TICKET_BY_REFERENCE,
    MARK_ABANDONED, MARK_DELIVERED, MARK_FAILED, NEXT_DEADLINE, OUTBOX_KEY_TAKEN, OUTBOX_STATS,
    RELEASE_DUE, TICKET_VERSION, TIMELINE, TicketColumns, UPDATE_TICKET,
    UPDATE_TICKET_AND_SCHEDULE, count_sql, db, list_sql, migrate_error, tag_keys, tag_sync_sql,
    to_i64, to_u64,
};
use super::{
    CommandRecord, Commit, Cursor, DueIndex, Outbox, OutboxEntry, OutboxStats, Page, Position,
    Schedule, TicketFilter, TicketQuery, TicketStore, TicketWrite, Visibility, check_commit,
};
use crate::error::{Error, Result};
use crate::id::{NotificationId, TicketId, TicketRef};
use crate::notify::Notification;
use crate::ticket::{Ticket, TicketEvent};

mod privacy;

/// The migrations in `migrations/sqlite`, embedded at build time; their
/// versions match `migrations/postgres`.
static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a writer waits for another connection's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Allocates the next ticket reference.
const NEXT_REFERENCE: &str =
    "UPDATE ticket_reference SET last = last + 1 WHERE only_row = 1 RETURNING last";

/// Takes the write lock at once: a deferred transaction that reads first
/// could not upgrade to a writer after another connection committed.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// A [`Store`](super::Store) in an SQLite database: embedded, no server.
///
/// The database runs in WAL mode with foreign keys on and
/// `synchronous=FULL`, so readers never block the single writer and a crash
/// (of the process or the machine) loses no acknowledged commit. Several
/// `SqliteStore`s (in one process or several) may open the same file;
/// writers take turns. For many application nodes use `PostgresStore`.
///
/// [`open`](Self::open) and [`in_memory`](Self::in_memory) bring the
/// schema up to date before they return, so a fresh file is ready at once;
/// [`close`](Self::close) folds the write-ahead log back into the file and
/// lets it go. Cloning is cheap and shares the connection pool.
///
/// ```
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// use helpdesk::prelude::*;
/// use helpdesk::store::SqliteStore;
/// let dir = std::env::temp_dir().join(format!("helpdesk-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(dir.join("desk.db")).await?;
/// assert_eq!(store.next_reference().await?.to_string(), "#1001");
/// store.close().await?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// Why a database file could not be opened, in a user's words, with the
/// driver's error behind it.
#[derive(Debug)]
struct OpenError {
    reason: String,
    driver: sqlx::Error,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.driver)
    }
}

/// The open failure for `path`: names the file once and says why once.
fn open_error(path: &Path, driver: sqlx::Error) -> Error {
    let missing_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .filter(|p| !p.is_dir());
    let reason = match (missing_dir, &driver) {
        (Some(dir), _) => format!("directory {} does not exist", dir.display()),
        (None, sqlx::Error::Database(e)) => e.message().to_owned(),
        (None, e) => e.to_string(),
    };
    Error::store(
        format!("cannot open SQLite database {}", path.display()),
        OpenError { reason, driver },
    )
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates it.
    ///
    /// The directory must exist. A database migrated by a newer version of
    /// this crate is refused with [`Error::Store`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL would survive a crash of the process; FULL also keeps
            // acknowledged commits through a power loss of the machine.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Deleted and overwritten content is zeroed, not left in free
            // pages: a destroyed data key or a redacted message is gone
            // from the file (see the privacy module).
            .pragma("secure_delete", "on");
        let pool = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .map_err(|e| open_error(path, e))?;
        let store = SqliteStore { pool };
        // SQLite has no migration lock: when several connections migrate a
        // file at once, a migration that another applied first fails here
        // ("table already exists"); the next try finds it applied. Each such
        // failure means another connection applied a migration, so there
        // are at most as many as there are migrations.
        let mut tries = MIGRATOR.migrations.len() + 1;
        loop {
            match store.migrate().await {
                Ok(()) => return Ok(store),
                Err(_) if tries > 1 => tries -= 1,
                Err(e) => return Err(e),
            }
        }
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

    /// Applies the migrations in `migrations/sqlite` that the database
    /// lacks. Idempotent; the constructors already call it. A database
    /// migrated by a newer version of this crate, or whose applied
    /// migrations differ from this version's, is refused.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(migrate_error)
    }

    /// Folds the write-ahead log into the database file (a `TRUNCATE`
    /// checkpoint) and closes every connection, waiting for those in use.
    /// Afterwards the file alone holds everything (it may be copied or
    /// moved), and the store and its clones refuse further work.
    pub async fn close(&self) -> Result<()> {
        let checkpoint = async {
            let mut conn = self
                .pool
                .acquire()
                .await
                .map_err(db("checkpointing the SQLite log"))?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *conn)
                .await
                .map_err(db("checkpointing the SQLite log"))?;
            Ok::<(), Error>(())
        }
        .await;
        self.pool.close().await;
        checkpoint
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn instant(v: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(v)
        .ok_or_else(|| Error::corrupt(format!("stored instant {v} is out of range"), None))
}

fn text_id(u: &Uuid) -> Hyphenated {
    u.hyphenated()
}

/// Binds the values of a built statement.
fn bind_all<O>(
    q: QueryAs<'_, Sqlite, O, SqliteArguments>,
    args: Vec<Arg>,
) -> QueryAs<'_, Sqlite, O, SqliteArguments> {
    args.into_iter().fold(q, |q, a| match a {
        Arg::Text(s) => q.bind(s),
        Arg::Id(u) => q.bind(u.hyphenated()),
        Arg::Int(i) => q.bind(i),
        Arg::SmallInt(i) => q.bind(i),
        Arg::Time(t) => q.bind(micros(t)),
    })
}

/// Writes one ticket of a commit: row, events, tags.
async fn write_ticket(conn: &mut SqliteConnection, write: &TicketWrite) -> Result<()> {
    let t = &write.ticket;
    let cols = TicketColumns::of(t)?;
    let id = text_id(t.id.as_uuid());
    let (sql, second) = match (write.expected_version, &write.schedule) {
        (None, _) => (INSERT_TICKET, to_i64(t.reference.0, "reference")?),
        (Some(v), None) => (UPDATE_TICKET, to_i64(v, "version")?),
        (Some(v), Some(_)) => (UPDATE_TICKET_AND_SCHEDULE, to_i64(v, "version")?),
    };
    let mut query = sqlx::query(sql)
        .bind(id)
        .bind(second)
        .bind(cols.status)
        .bind(cols.group)
        .bind(cols.assignee.as_ref().map(text_id))
        .bind(cols.priority)
        .bind(text_id(&cols.requester))
        .bind(cols.subject)
        .bind(cols.subject_lower)
        .bind(Json(t))
        .bind(cols.version)
        .bind(cols.category_key)
        .bind(cols.channel)
        .bind(micros(cols.created_at))
        .bind(micros(cols.updated_at))
        .bind(cols.priority_rank);
    if sql != UPDATE_TICKET {
        // A new ticket without a schedule has nothing due.
        let none = Schedule::default();
        let schedule = write.schedule.as_ref().unwrap_or(&none);
        query = query
            .bind(schedule.next_deadline.map(micros))
            .bind(schedule.sla_due.map(micros))
            .bind(schedule.sla_policy.clone());
    }
    let written = query
        .execute(&mut *conn)
        .await
        .map_err(db("writing a ticket"))?
        .rows_affected();
    if written == 0 {
        let actual: Option<(i64,)> = sqlx::query_as(TICKET_VERSION)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("reading a ticket version"))?;
        let actual = match actual {
            Some((v,)) => to_u64(v, "version")?,
            None => 0,
        };
        return Err(Error::ticket_conflict(
            t.id,
            write.expected_version.unwrap_or(0),
            actual,
        ));
    }
    for e in &write.events {
        sqlx::query(INSERT_EVENT)
            .bind(id)
            .bind(to_i64(e.seq, "seq")?)
            .bind(e.kind.name())
            .bind(micros(e.at))
            .bind(Json(e))
            .execute(&mut *conn)
            .await
            .map_err(db("appending an event"))?;
    }
    let keys = tag_keys(t);
    let (delete, insert) = tag_sync_sql(keys.len());
    if write.expected_version.is_some() {
        let q = keys
            .iter()
            .fold(sqlx::query(sqlx::AssertSqlSafe(delete)).bind(id), |q, k| {
                q.bind(k.as_str())
            });
        q.execute(&mut *conn)
            .await
            .map_err(db("updating a ticket's tags"))?;
    }
    if let Some(insert) = insert {
        let q = keys
            .iter()
            .fold(sqlx::query(sqlx::AssertSqlSafe(insert)).bind(id), |q, k| {
                q.bind(k.as_str())
            });
        q.execute(&mut *conn)
            .await
            .map_err(db("storing a ticket's tags"))?;
    }
    Ok(())
}

/// Enqueues one notification of a commit.
async fn enqueue(
    conn: &mut SqliteConnection,
    n: &Notification,
    not_before: Option<DateTime<Utc>>,
) -> Result<()> {
    let written = sqlx::query(INSERT_OUTBOX)
        .bind(text_id(n.id.as_uuid()))
        .bind(n.idempotency_key.as_str())
        .bind(text_id(n.ticket_id.as_uuid()))
        .bind(Json(n))
        .bind(micros(not_before.unwrap_or(n.created_at)))
        .execute(&mut *conn)
        .await
        .map_err(db("enqueueing a notification"))?
        .rows_affected();
    if written > 0 {
        return Ok(());
    }
    let (taken,): (i64,) = sqlx::query_as(OUTBOX_KEY_TAKEN)
        .bind(n.idempotency_key.as_str())
        .fetch_one(&mut *conn)
        .await
        .map_err(db("reading the outbox"))?;
    Err(if taken > 0 {
        Error::Duplicate {
            what: "idempotency key",
            key: n.idempotency_key.clone(),
        }
    } else {
        Error::Duplicate {
            what: "notification",
            key: n.id.to_string(),
        }
    })
}

/// Stores a commit's command record.
async fn record_command(conn: &mut SqliteConnection, c: &CommandRecord) -> Result<()> {
    let written = sqlx::query(INSERT_COMMAND)
        .bind(c.key.as_str())
        .bind(Json(c))
        .bind(micros(c.at))
        .execute(&mut *conn)
        .await
        .map_err(db("recording a command"))?
        .rows_affected();
    if written == 0 {
        return Err(Error::Duplicate {
            what: "command idempotency key",
            key: c.key.clone(),
        });
    }
    Ok(())
}

#[async_trait]
impl TicketStore for SqliteStore {
    async fn next_reference(&self) -> Result<TicketRef> {
        let (last,): (i64,) = sqlx::query_as(NEXT_REFERENCE)
            .fetch_one(&self.pool)
            .await
            .map_err(db("allocating a ticket reference"))?;
        Ok(TicketRef(to_u64(last, "reference")?))
    }

    async fn commit(&self, commit: Commit) -> Result<()> {
        check_commit(&commit)?;
        let mut tx = self
            .pool
            .begin_with(BEGIN_WRITE)
            .await
            .map_err(db("starting a transaction"))?;
        // An early return drops `tx`, which rolls everything back.
        for w in &commit.tickets {
            write_ticket(&mut tx, w).await?;
            if let Some(row) = &w.metrics {
                reports::write_row(&mut tx, row, true).await?;
            }
            if w.expected_version.is_none() {
                super::intake::sqlite::index_requester(&mut tx, &w.ticket.requester).await?;
            }
        }
        if let Some(inbound) = &commit.inbound {
            super::intake::sqlite::write(&mut tx, inbound).await?;
        }
        for n in &commit.outbox {
            enqueue(&mut tx, n, commit.outbox_not_before).await?;
        }
        if let Some(c) = &commit.command {
            record_command(&mut tx, c).await?;
        }
        tx.commit().await.map_err(db("committing"))
    }

    async fn load(&self, id: TicketId) -> Result<Option<Ticket>> {
        let row: Option<(Json<Ticket>,)> = sqlx::query_as(LOAD_TICKET)
            .bind(text_id(id.as_uuid()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db("loading a ticket"))?;
        Ok(row.map(|(t,)| t.0))
    }

    async fn load_by_reference(&self, reference: TicketRef) -> Result<Option<Ticket>> {
        let row: Option<(Json<Ticket>,)> = sqlx::query_as(LOAD_TICKET_BY_REFERENCE)
            .bind(to_i64(reference.0, "reference")?)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("loading a ticket by reference"))?;
        Ok(row.map(|(t,)| t.0))
    }

    async fn timeline(&self, id: TicketId) -> Result<Vec<TicketEvent>> {
        let rows: Vec<(Json<TicketEvent>,)> = sqlx::query_as(TIMELINE)
            .bind(text_id(id.as_uuid()))
            .fetch_all(&self.pool)
            .await
            .map_err(db("loading a timeline"))?;
        Ok(rows.into_iter().map(|(e,)| e.0).collect())
    }

    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket>> {
        let s = list_sql(query)?;
        let mut rows: Vec<(Json<Ticket>, Option<i64>)> =
            bind_all(sqlx::query_as(sqlx::AssertSqlSafe(s.sql)), s.args)
                .fetch_all(&self.pool)
                .await
                .map_err(db("listing tickets"))?;
        let next = if rows.len() > query.limit {
            rows.truncate(query.limit);
            match rows.last() {
                Some((t, due)) => {
                    let schedule = Schedule {
                        sla_due: due.map(instant).transpose()?,
                        ..Schedule::default()
                    };
                    Some(Cursor::at(Position::of(query.sort, &t.0, Some(&schedule))))
                }
                None => None,
            }
        } else {
            None
        };
        Ok(Page::new(
            rows.into_iter().map(|(t, _)| t.0).collect(),
            next,
        ))
    }

    async fn count(&self, filter: &TicketFilter, visibility: &Visibility) -> Result<u64> {
        let s = count_sql(filter, visibility);
        let (n,): (i64,) = bind_all(sqlx::query_as(sqlx::AssertSqlSafe(s.sql)), s.args)
            .fetch_one(&self.pool)
            .await
            .map_err(db("counting tickets"))?;
        to_u64(n, "count")
    }

    async fn command(&self, key: &str) -> Result<Option<CommandRecord>> {
        let row: Option<(Json<CommandRecord>,)> = sqlx::query_as(LOAD_COMMAND)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("loading a command record"))?;
        Ok(row.map(|(c,)| c.0))
    }

    fn intake(&self) -> Option<&dyn super::IntakeStore> {
        Some(self)
    }
}

#[async_trait]
impl DueIndex for SqliteStore {
    async fn next_deadline(&self, id: TicketId) -> Result<Option<DateTime<Utc>>> {
        let row: Option<(Option<i64>,)> = sqlx::query_as(NEXT_DEADLINE)
            .bind(text_id(id.as_uuid()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a deadline"))?;
        row.and_then(|(d,)| d).map(instant).transpose()
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<TicketId>> {
        let rows: Vec<(Hyphenated, i64)> = sqlx::query_as(CLAIM_DUE_SQLITE)
            .bind(micros(now))
            .bind(to_i64(limit as u64, "limit")?)
            .bind(micros(lease_until))
            .fetch_all(&self.pool)
            .await
            .map_err(db("claiming due tickets"))?;
        // RETURNING has no order; callers get the earliest deadline first.
        let mut claimed: Vec<(i64, Uuid)> = rows
            .into_iter()
            .map(|(id, due)| (due, id.into_uuid()))
            .collect();
        claimed.sort_unstable();
        Ok(claimed
            .into_iter()
            .map(|(_, id)| TicketId::from_uuid(id))
            .collect())
    }

    async fn release_due(
        &self,
        id: TicketId,
        version: u64,
        next_deadline: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let n = sqlx::query(RELEASE_DUE)
            .bind(text_id(id.as_uuid()))
            .bind(next_deadline.map(micros))
            .bind(to_i64(version, "version")?)
            .execute(&self.pool)
            .await
            .map_err(db("releasing a due ticket"))?
            .rows_affected();
        if n > 0 {
            return Ok(true);
        }
        // Changed since (a commit set its deadline), or unknown.
        let known: Option<(i64,)> = sqlx::query_as(TICKET_VERSION)
            .bind(text_id(id.as_uuid()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a ticket version"))?;
        match known {
            Some(_) => Ok(false),
            None => Err(Error::not_found("ticket", id)),
        }
    }
}

#[async_trait]
impl Outbox for SqliteStore {
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxEntry>> {
        let mut tx = self
            .pool
            .begin_with(BEGIN_WRITE)
            .await
            .map_err(db("starting a transaction"))?;
        // Two steps, because RETURNING cannot report the old
        // `available_at` that entries are handed out in order of.
        let ids: Vec<(Hyphenated,)> = sqlx::query_as(CLAIMABLE_OUTBOX_SQLITE)
            .bind(micros(now))
            .bind(to_i64(limit as u64, "limit")?)
            .fetch_all(&mut *tx)
            .await
            .map_err(db("claiming outbox entries"))?;
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            let (payload, attempts, last_error): (Json<Notification>, i64, Option<String>) =
                sqlx::query_as(LEASE_OUTBOX)
                    .bind(id)
                    .bind(micros(lease_until))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db("leasing an outbox entry"))?;
            out.push(OutboxEntry::new(
                payload.0,
                u32::try_from(attempts).unwrap_or(u32::MAX),
                last_error,
            ));
        }
        tx.commit().await.map_err(db("committing"))?;
        Ok(out)
    }

    async fn mark_delivered(&self, id: NotificationId, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(MARK_DELIVERED)
            .bind(text_id(id.as_uuid()))
            .bind(micros(at))
            .execute(&self.pool)
            .await
            .map_err(db("marking a notification delivered"))?;
        Ok(())
    }

    async fn mark_failed(
        &self,
        id: NotificationId,
        retry_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        let n = sqlx::query(MARK_FAILED)
            .bind(text_id(id.as_uuid()))
            .bind(micros(retry_at))
            .bind(error)
            .execute(&self.pool)
            .await
            .map_err(db("recording a failed delivery"))?
            .rows_affected();
        if n == 0 {
            return Err(Error::not_found("notification", id));
        }
        Ok(())
    }

    async fn outbox_stats(&self) -> Result<OutboxStats> {
        let (all, delivered, abandoned): (i64, i64, i64) = sqlx::query_as(OUTBOX_STATS)
            .fetch_one(&self.pool)
            .await
            .map_err(db("counting the outbox"))?;
        Ok(OutboxStats {
            pending: to_u64(all - delivered - abandoned, "count")?,
            delivered: to_u64(delivered, "count")?,
            abandoned: to_u64(abandoned, "count")?,
        })
    }

    async fn mark_abandoned(
        &self,
        id: NotificationId,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        let n = sqlx::query(MARK_ABANDONED)
            .bind(text_id(id.as_uuid()))
            .bind(micros(at))
            .bind(error)
            .execute(&self.pool)
            .await
            .map_err(db("giving up a notification"))?
            .rows_affected();
        if n == 0 {
            return Err(Error::not_found("notification", id));
        }
        Ok(())
    }

    async fn abandoned(
        &self,
        after: Option<NotificationId>,
        limit: usize,
    ) -> Result<Vec<super::AbandonedEntry>> {
        // The nil id sorts before every other: "from the first".
        let rows: Vec<(Json<Notification>, i64, Option<String>, i64)> =
            sqlx::query_as(super::sql_common::LIST_ABANDONED)
                .bind(text_id(&after.map_or(Uuid::nil(), |a| *a.as_uuid())))
                .bind(to_i64(limit as u64, "limit")?)
                .fetch_all(&self.pool)
                .await
                .map_err(db("listing abandoned notifications"))?;
        rows.into_iter()
            .map(|(payload, attempts, last_error, at)| {
                Ok(super::AbandonedEntry::new(
                    payload.0,
                    u32::try_from(attempts).unwrap_or(u32::MAX),
                    last_error,
                    instant(at)?,
                ))
            })
            .collect()
    }
}

#[async_trait]
impl super::IntakeStore for SqliteStore {
    async fn contact(&self, key: &super::ContactKey) -> Result<Option<crate::ticket::Requester>> {
        super::intake::sqlite::contact(&self.pool, key).await
    }

    async fn inbound(
        &self,
        channel: &crate::ticket::Channel,
        external_id: &str,
    ) -> Result<Option<super::InboundEntry>> {
        super::intake::sqlite::inbound(&self.pool, channel, external_id).await
    }

    async fn notification_ticket(&self, id: NotificationId) -> Result<Option<TicketId>> {
        super::intake::sqlite::notification_ticket(&self.pool, id).await
    }

    async fn attachments(&self, ticket: TicketId) -> Result<Vec<super::AttachmentInfo>> {
        super::intake::sqlite::attachments(&self.pool, ticket).await
    }

    async fn attachment(&self, id: crate::id::AttachmentId) -> Result<Option<super::Attachment>> {
        super::intake::sqlite::attachment(&self.pool, id).await
    }

    async fn attachment_info(
        &self,
        id: crate::id::AttachmentId,
    ) -> Result<Option<super::AttachmentInfo>> {
        super::intake::sqlite::attachment_info(&self.pool, id).await
    }

    async fn content_referenced(&self, sha256: &str) -> Result<bool> {
        super::intake::sqlite::content_referenced(&self.pool, sha256).await
    }

    async fn erase_requester(
        &self,
        customer: crate::id::CustomerId,
        tickets: &[TicketId],
    ) -> Result<super::IntakeErasure> {
        super::intake::sqlite::erase_requester(&self.pool, customer, tickets).await
    }
}

#[async_trait]
impl super::AttachmentStore for SqliteStore {
    async fn put_content(&self, bytes: &[u8]) -> Result<String> {
        super::intake::sqlite::put_content(&self.pool, bytes).await
    }

    async fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        super::intake::sqlite::content(&self.pool, sha256).await
    }

    async fn remove_content(&self, sha256: &str) -> Result<bool> {
        super::intake::sqlite::remove_content(&self.pool, sha256).await
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;
    use sqlx::migrate::Migrator;

    use super::*;
    use crate::store::conformance::{created, note};
    use crate::store::sql_common::test_support::{
        V1_INSERT_EVENT, V1_INSERT_TICKET, check_migrated, v1_deadline, v1_tickets,
    };
    use crate::store::sql_common::{channel_key, priority_rank};

    async fn raw(path: &Path) -> SqliteConnection {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .foreign_keys(true);
        SqliteConnection::connect_with(&options).await.unwrap()
    }

    /// A database created by version 1 with data in it is brought to
    /// version 2 with every new column, tag row and event column filled
    /// from the stored JSON.
    #[tokio::test]
    async fn migration_0002_backfills_a_version_1_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
        // What version 1 did when it opened a new file: only migration 1.
        Migrator::with_migrations(vec![MIGRATOR.migrations[0].clone()])
            .run(&mut conn)
            .await
            .unwrap();
        let data = v1_tickets();
        for (i, (t, events)) in data.iter().enumerate() {
            let deadline = (i == 2).then(|| micros(v1_deadline()));
            sqlx::query(V1_INSERT_TICKET)
                .bind(text_id(t.id.as_uuid()))
                .bind(t.reference.0 as i64)
                .bind(t.status.as_str())
                .bind(t.group.as_ref().map(ToString::to_string))
                .bind(t.assignee.map(|a| text_id(a.as_uuid())))
                .bind(t.priority.as_str())
                .bind(text_id(t.requester.id.as_uuid()))
                .bind(t.subject.as_str())
                .bind(t.subject.to_lowercase())
                .bind(Json(t))
                .bind(t.version as i64)
                .bind(deadline)
                .execute(&mut conn)
                .await
                .unwrap();
            for e in events {
                sqlx::query(V1_INSERT_EVENT)
                    .bind(text_id(t.id.as_uuid()))
                    .bind(e.seq as i64)
                    .bind(Json(e))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        }
        conn.close().await.unwrap();

        let store = SqliteStore::open(&path).await.unwrap();
        let mut conn = raw(&path).await;
        for (t, events) in &data {
            let id = text_id(t.id.as_uuid());
            let row: (
                Option<String>,
                String,
                i64,
                i64,
                i64,
                Option<i64>,
                Option<String>,
            ) = sqlx::query_as(
                "SELECT category_key, channel, created_at, updated_at, priority_rank, \
                     sla_due, sla_policy FROM tickets WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert_eq!(
                row,
                (
                    t.category.as_deref().map(str::to_ascii_lowercase),
                    channel_key(&t.channel),
                    t.created_at.timestamp_micros(),
                    t.updated_at.timestamp_micros(),
                    i64::from(priority_rank(t.priority)),
                    None,
                    None
                )
            );
            let tags: Vec<(String,)> = sqlx::query_as(
                "SELECT tag_key FROM ticket_tags WHERE ticket_id = $1 ORDER BY tag_key",
            )
            .bind(id)
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let tags: Vec<String> = tags.into_iter().map(|(k,)| k).collect();
            assert_eq!(tags, tag_keys(t));
            let stored: Vec<(String, i64)> =
                sqlx::query_as("SELECT kind, at FROM events WHERE ticket_id = $1 ORDER BY seq")
                    .bind(id)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            let want: Vec<(String, i64)> = events
                .iter()
                .map(|e| (e.kind.name().to_owned(), e.at.timestamp_micros()))
                .collect();
            assert_eq!(stored, want);
        }
        // The first ticket's instants had nanoseconds: cut, not rounded.
        assert_eq!(data[0].0.created_at.timestamp_micros() % 1_000_000, 123_456);
        // The timeline is still append-only.
        let r = sqlx::query("UPDATE events SET kind = 'x'")
            .execute(&mut conn)
            .await;
        assert!(r.is_err(), "{r:?}");
        let r = sqlx::query("DELETE FROM events").execute(&mut conn).await;
        assert!(r.is_err(), "{r:?}");
        conn.close().await.unwrap();
        check_migrated(&store, &data).await;
        store.close().await.unwrap();
    }

    /// Every event written gets its kind's name and its instant as columns.
    #[tokio::test]
    async fn events_kind_and_at_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let (mut t, e1) = created(store.next_reference().await.unwrap(), "columns");
        store
            .insert(t.clone(), vec![e1.clone()], vec![])
            .await
            .unwrap();
        let e2 = note(&mut t, "noted");
        store
            .save(t.clone(), vec![e2.clone()], 1, vec![])
            .await
            .unwrap();
        let mut conn = raw(&path).await;
        let stored: Vec<(String, i64)> =
            sqlx::query_as("SELECT kind, at FROM events WHERE ticket_id = $1 ORDER BY seq")
                .bind(text_id(t.id.as_uuid()))
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(
            stored,
            vec![
                ("created".to_owned(), micros(e1.at)),
                ("internal_note".to_owned(), micros(e2.at))
            ]
        );
        conn.close().await.unwrap();
        store.close().await.unwrap();
    }

    /// A stored row that does not decode is `Error::Corrupt`, not a store failure.
    #[tokio::test]
    async fn undecodable_rows_are_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let (t, e) = created(store.next_reference().await.unwrap(), "to be damaged");
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        let mut conn = raw(&path).await;
        sqlx::query("UPDATE tickets SET snapshot = '{\"not\": \"a ticket\"}'")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO events (ticket_id, seq, kind, at, payload) VALUES ($1, 2, 'x', 0, 'not json')")
            .bind(text_id(t.id.as_uuid()))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO commands (key, record, at) VALUES ('k', '[]', 0)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let corrupt = |r: Result<()>| match r {
            Err(e @ Error::Corrupt { .. }) => {
                assert!(e.to_string().starts_with("corrupt stored data: "), "{e}");
            }
            other => panic!("expected corrupt data, got {other:?}"),
        };
        corrupt(store.load(t.id).await.map(drop));
        corrupt(store.load_by_reference(t.reference).await.map(drop));
        corrupt(store.timeline(t.id).await.map(drop));
        corrupt(
            store
                .list(&TicketQuery::new(TicketFilter::default(), 10))
                .await
                .map(drop),
        );
        corrupt(store.command("k").await.map(drop));
        store.close().await.unwrap();
    }

    /// `close` folds the log into the file: the file alone, copied away,
    /// holds every commit; the closed store refuses work.
    #[tokio::test]
    async fn close_checkpoints_and_releases_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let (t, e) = created(store.next_reference().await.unwrap(), "kept");
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        let wal = dir.path().join("desk.db-wal");
        assert!(
            wal.metadata().is_ok_and(|m| m.len() > 0),
            "the commit is in the log"
        );
        store.close().await.unwrap();
        assert!(
            wal.metadata().map_or(true, |m| m.len() == 0),
            "the log was folded into the file"
        );
        assert!(matches!(store.load(t.id).await, Err(Error::Store { .. })));

        let copy = tempfile::tempdir().unwrap();
        std::fs::copy(&path, copy.path().join("desk.db")).unwrap();
        std::fs::remove_dir_all(dir.path()).unwrap();
        let reopened = SqliteStore::open(copy.path().join("desk.db"))
            .await
            .unwrap();
        assert_eq!(reopened.load(t.id).await.unwrap(), Some(t));
        reopened.close().await.unwrap();
    }

    /// Opening a file in a directory that does not exist says which file
    /// and why, each once.
    #[tokio::test]
    async fn open_in_a_missing_directory_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/dir");
        let path = missing.join("x.db");
        let e = SqliteStore::open(&path).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot open SQLite database {}: directory {} does not exist",
                path.display(),
                missing.display()
            )
        );
        assert_eq!(e.to_string().matches("does not exist").count(), 1);
        assert!(
            e.cause()
                .and_then(std::error::Error::source)
                .is_some_and(<dyn std::error::Error>::is::<sqlx::Error>),
            "the driver's error stays behind it"
        );
        assert!(std::error::Error::source(&e).is_none());
    }
}
