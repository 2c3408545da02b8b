mod kb;
mod reports;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::query::QueryAs;
use sqlx::types::Json;
use sqlx::{Connection, PgConnection, PgPool, Postgres};
use uuid::Uuid;

use super::sql_common::{
    Arg, CLAIM_DUE_POSTGRES, CLAIMABLE_OUTBOX_POSTGRES, INSERT_COMMAND, INSERT_EVENT,
    INSERT_OUTBOX, INSERT_TICKET, LEASE_OUTBOX, LOAD_COMMAND, LOAD_TICKET,
    LOAD_TICKET_BY_REFERENCE, MARK_ABANDONED, MARK_DELIVERED, MARK_FAILED, NEXT_DEADLINE,
    OUTBOX_KEY_TAKEN, OUTBOX_STATS, RELEASE_DUE, TICKET_VERSION, TIMELINE, TicketColumns,
    UPDATE_TICKET, UPDATE_TICKET_AND_SCHEDULE, count_sql, db, list_sql, migrate_error, tag_keys,
    tag_sync_sql, to_i64, to_u64,
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
mod tls;

/// The migrations in `migrations/postgres`, embedded at build time; their
/// versions match `migrations/sqlite`.
static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// How long to wait for a connection before reporting the database down.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Allocates the next ticket reference.
const NEXT_REFERENCE: &str = "SELECT nextval('ticket_reference')";

/// READ COMMITTED suffices: every check-and-write is one statement whose
/// WHERE clause is re-evaluated against the latest row version.
const BEGIN_WRITE: &str = "BEGIN";

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
            .map_err(tls::connect_error("cannot connect to PostgreSQL"))?;
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
            .map_err(tls::connect_error("cannot connect to PostgreSQL"))?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations in `migrations/postgres` that the database
    /// lacks, under sqlx's advisory lock. Idempotent; the constructors
    /// already call it. A database migrated by a newer version of this
    /// crate, or whose applied migrations differ from this version's, is
    /// refused.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(migrate_error)
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn parse(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(db("invalid PostgreSQL URL"))
}

/// Binds the values of a built statement.
fn bind_all<O>(
    q: QueryAs<'_, Postgres, O, PgArguments>,
    args: Vec<Arg>,
) -> QueryAs<'_, Postgres, O, PgArguments> {
    args.into_iter().fold(q, |q, a| match a {
        Arg::Text(s) => q.bind(s),
        Arg::Id(u) => q.bind(u),
        Arg::Int(i) => q.bind(i),
        Arg::SmallInt(i) => q.bind(i),
        Arg::Time(t) => q.bind(t),
    })
}

/// Writes one ticket of a commit: row, events, tags.
async fn write_ticket(conn: &mut PgConnection, write: &TicketWrite) -> Result<()> {
    let t = &write.ticket;
    let cols = TicketColumns::of(t)?;
    let id = *t.id.as_uuid();
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
        .bind(cols.assignee)
        .bind(cols.priority)
        .bind(cols.requester)
        .bind(cols.subject)
        .bind(cols.subject_lower)
        .bind(Json(t))
        .bind(cols.version)
        .bind(cols.category_key)
        .bind(cols.channel)
        .bind(cols.created_at)
        .bind(cols.updated_at)
        .bind(cols.priority_rank);
    if sql != UPDATE_TICKET {
        // A new ticket without a schedule has nothing due.
        let none = Schedule::default();
        let schedule = write.schedule.as_ref().unwrap_or(&none);
        query = query
            .bind(schedule.next_deadline)
            .bind(schedule.sla_due)
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
            .bind(e.at)
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
    conn: &mut PgConnection,
    n: &Notification,
    not_before: Option<DateTime<Utc>>,
) -> Result<()> {
    let written = sqlx::query(INSERT_OUTBOX)
        .bind(*n.id.as_uuid())
        .bind(n.idempotency_key.as_str())
        .bind(*n.ticket_id.as_uuid())
        .bind(Json(n))
        .bind(not_before.unwrap_or(n.created_at))
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
async fn record_command(conn: &mut PgConnection, c: &CommandRecord) -> Result<()> {
    let written = sqlx::query(INSERT_COMMAND)
        .bind(c.key.as_str())
        .bind(Json(c))
        .bind(c.at)
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
impl TicketStore for PostgresStore {
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
                super::intake::postgres::index_requester(&mut tx, &w.ticket.requester).await?;
            }
        }
        if let Some(inbound) = &commit.inbound {
            super::intake::postgres::write(&mut tx, inbound).await?;
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
            .bind(*id.as_uuid())
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
            .bind(*id.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(db("loading a timeline"))?;
        Ok(rows.into_iter().map(|(e,)| e.0).collect())
    }

    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket>> {
        let s = list_sql(query)?;
        let mut rows: Vec<(Json<Ticket>, Option<DateTime<Utc>>)> =
            bind_all(sqlx::query_as(sqlx::AssertSqlSafe(s.sql)), s.args)
                .fetch_all(&self.pool)
                .await
                .map_err(db("listing tickets"))?;
        let next = if rows.len() > query.limit {
            rows.truncate(query.limit);
            match rows.last() {
                Some((t, due)) => {
                    let schedule = Schedule {
                        sla_due: *due,
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
impl DueIndex for PostgresStore {
    async fn next_deadline(&self, id: TicketId) -> Result<Option<DateTime<Utc>>> {
        let row: Option<(Option<DateTime<Utc>>,)> = sqlx::query_as(NEXT_DEADLINE)
            .bind(*id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a deadline"))?;
        Ok(row.and_then(|(d,)| d))
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<TicketId>> {
        let rows: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(CLAIM_DUE_POSTGRES)
            .bind(now)
            .bind(to_i64(limit as u64, "limit")?)
            .bind(lease_until)
            .fetch_all(&self.pool)
            .await
            .map_err(db("claiming due tickets"))?;
        // RETURNING has no order; callers get the earliest deadline first.
        let mut claimed: Vec<(DateTime<Utc>, Uuid)> =
            rows.into_iter().map(|(id, due)| (due, id)).collect();
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
            .bind(*id.as_uuid())
            .bind(next_deadline)
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
            .bind(*id.as_uuid())
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
impl Outbox for PostgresStore {
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
        let ids: Vec<(Uuid,)> = sqlx::query_as(CLAIMABLE_OUTBOX_POSTGRES)
            .bind(now)
            .bind(to_i64(limit as u64, "limit")?)
            .fetch_all(&mut *tx)
            .await
            .map_err(db("claiming outbox entries"))?;
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            let (payload, attempts, last_error): (Json<Notification>, i64, Option<String>) =
                sqlx::query_as(LEASE_OUTBOX)
                    .bind(id)
                    .bind(lease_until)
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
            .bind(*id.as_uuid())
            .bind(at)
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
            .bind(*id.as_uuid())
            .bind(retry_at)
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
            .bind(*id.as_uuid())
            .bind(at)
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
        let rows: Vec<(Json<Notification>, i64, Option<String>, DateTime<Utc>)> =
            sqlx::query_as(super::sql_common::LIST_ABANDONED)
                .bind(after.map_or(Uuid::nil(), |a| *a.as_uuid()))
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
                    at,
                ))
            })
            .collect()
    }
}

#[async_trait]
impl super::IntakeStore for PostgresStore {
    async fn contact(&self, key: &super::ContactKey) -> Result<Option<crate::ticket::Requester>> {
        super::intake::postgres::contact(&self.pool, key).await
    }

    async fn inbound(
        &self,
        channel: &crate::ticket::Channel,
        external_id: &str,
    ) -> Result<Option<super::InboundEntry>> {
        super::intake::postgres::inbound(&self.pool, channel, external_id).await
    }

    async fn notification_ticket(&self, id: NotificationId) -> Result<Option<TicketId>> {
        super::intake::postgres::notification_ticket(&self.pool, id).await
    }

    async fn attachments(&self, ticket: TicketId) -> Result<Vec<super::AttachmentInfo>> {
        super::intake::postgres::attachments(&self.pool, ticket).await
    }

    async fn attachment(&self, id: crate::id::AttachmentId) -> Result<Option<super::Attachment>> {
        super::intake::postgres::attachment(&self.pool, id).await
    }

    async fn attachment_info(
        &self,
        id: crate::id::AttachmentId,
    ) -> Result<Option<super::AttachmentInfo>> {
        super::intake::postgres::attachment_info(&self.pool, id).await
    }

    async fn content_referenced(&self, sha256: &str) -> Result<bool> {
        super::intake::postgres::content_referenced(&self.pool, sha256).await
    }

    async fn erase_requester(
        &self,
        customer: crate::id::CustomerId,
        tickets: &[TicketId],
    ) -> Result<super::IntakeErasure> {
        super::intake::postgres::erase_requester(&self.pool, customer, tickets).await
    }
}

#[async_trait]
impl super::AttachmentStore for PostgresStore {
    async fn put_content(&self, bytes: &[u8]) -> Result<String> {
        super::intake::postgres::put_content(&self.pool, bytes).await
    }

    async fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        super::intake::postgres::content(&self.pool, sha256).await
    }

    async fn remove_content(&self, sha256: &str) -> Result<bool> {
        super::intake::postgres::remove_content(&self.pool, sha256).await
    }
}

#[cfg(test)]
mod tests {
    use sqlx::migrate::Migrator;

    use super::*;
    use crate::store::conformance::backends::{postgres_setup, postgres_teardown};
    use crate::store::conformance::{created, note};
    use crate::store::sql_common::test_support::{
        V1_INSERT_EVENT, V1_INSERT_TICKET, check_migrated, v1_deadline, v1_tickets,
    };
    use crate::store::sql_common::{channel_key, priority_rank};

    /// A connection to the test database with `schema` first in its path,
    /// or `None` when no PostgreSQL is configured.
    async fn raw(schema: &str) -> Option<PgConnection> {
        let url = std::env::var("HELPDESK_TEST_POSTGRES_URL").ok()?;
        let options = parse(&url).unwrap().options([("search_path", schema)]);
        Some(PgConnection::connect_with(&options).await.unwrap())
    }

    /// A database created by version 1 with data in it is brought to
    /// version 2 with every new column, tag row and event column filled
    /// from the stored JSON.
    #[tokio::test]
    async fn migration_0002_backfills_a_version_1_database() {
        // The setup makes (and migrates) a schema; this test wants its own,
        // at version 1, next to it.
        let Some((other, other_schema)) = postgres_setup().await else {
            return;
        };
        // Named like the setup's, so a run that panics leaves it to the sweep.
        let schema = format!("helpdesk_test_v1_{}", uuid::Uuid::now_v7().simple());
        let mut conn = raw(&other_schema).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let mut conn = raw(&schema).await.unwrap();
        // What version 1 did when it connected to a new schema: only migration 1.
        Migrator::with_migrations(vec![MIGRATOR.migrations[0].clone()])
            .run(&mut conn)
            .await
            .unwrap();
        let data = v1_tickets();
        for (i, (t, events)) in data.iter().enumerate() {
            sqlx::query(V1_INSERT_TICKET)
                .bind(*t.id.as_uuid())
                .bind(t.reference.0 as i64)
                .bind(t.status.as_str())
                .bind(t.group.as_ref().map(ToString::to_string))
                .bind(t.assignee.map(|a| *a.as_uuid()))
                .bind(t.priority.as_str())
                .bind(*t.requester.id.as_uuid())
                .bind(t.subject.as_str())
                .bind(t.subject.to_lowercase())
                .bind(Json(t))
                .bind(t.version as i64)
                .bind((i == 2).then(v1_deadline))
                .execute(&mut conn)
                .await
                .unwrap();
            for e in events {
                sqlx::query(V1_INSERT_EVENT)
                    .bind(*t.id.as_uuid())
                    .bind(e.seq as i64)
                    .bind(Json(e))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        }

        let url = std::env::var("HELPDESK_TEST_POSTGRES_URL").unwrap();
        let store = PostgresStore::connect_with_schema(&url, &schema)
            .await
            .unwrap();
        for (t, events) in &data {
            type Row = (
                Option<String>,
                String,
                DateTime<Utc>,
                DateTime<Utc>,
                i16,
                Option<DateTime<Utc>>,
                Option<String>,
            );
            let row: Row = sqlx::query_as(
                "SELECT category_key, channel, created_at, updated_at, priority_rank, \
                 sla_due, sla_policy FROM tickets WHERE id = $1",
            )
            .bind(*t.id.as_uuid())
            .fetch_one(&mut conn)
            .await
            .unwrap();
            let micros = |d: DateTime<Utc>| DateTime::from_timestamp_micros(d.timestamp_micros());
            assert_eq!(
                row,
                (
                    t.category.as_deref().map(str::to_ascii_lowercase),
                    channel_key(&t.channel),
                    micros(t.created_at).unwrap(),
                    micros(t.updated_at).unwrap(),
                    priority_rank(t.priority),
                    None,
                    None
                )
            );
            let tags: Vec<String> = sqlx::query_scalar(
                "SELECT tag_key FROM ticket_tags WHERE ticket_id = $1 ORDER BY tag_key COLLATE \"C\"",
            )
            .bind(*t.id.as_uuid())
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert_eq!(tags, tag_keys(t));
            let stored: Vec<(String, DateTime<Utc>)> =
                sqlx::query_as("SELECT kind, at FROM events WHERE ticket_id = $1 ORDER BY seq")
                    .bind(*t.id.as_uuid())
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            let want: Vec<(String, DateTime<Utc>)> = events
                .iter()
                .map(|e| (e.kind.name().to_owned(), micros(e.at).unwrap()))
                .collect();
            assert_eq!(stored, want);
        }
        // The timeline is still append-only.
        let r = sqlx::query("UPDATE events SET kind = 'x'")
            .execute(&mut conn)
            .await;
        assert!(r.is_err(), "{r:?}");
        let r = sqlx::query("DELETE FROM events").execute(&mut conn).await;
        assert!(r.is_err(), "{r:?}");
        check_migrated(&store, &data).await;
        store.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA \"{schema}\" CASCADE"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        postgres_teardown((other, other_schema)).await;
    }

    /// Every event written gets its kind's name and its instant as columns.
    #[tokio::test]
    async fn events_kind_and_at_are_written() {
        let Some((store, schema)) = postgres_setup().await else {
            return;
        };
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
        let mut conn = raw(&schema).await.unwrap();
        let stored: Vec<(String, DateTime<Utc>)> =
            sqlx::query_as("SELECT kind, at FROM events WHERE ticket_id = $1 ORDER BY seq")
                .bind(*t.id.as_uuid())
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(
            stored,
            vec![
                ("created".to_owned(), e1.at),
                ("internal_note".to_owned(), e2.at)
            ]
        );
        conn.close().await.unwrap();
        postgres_teardown((store, schema)).await;
    }

    /// A stored row that does not decode is `Error::Corrupt`, not a store failure.
    #[tokio::test]
    async fn undecodable_rows_are_corrupt() {
        let Some((store, schema)) = postgres_setup().await else {
            return;
        };
        let (t, e) = created(store.next_reference().await.unwrap(), "to be damaged");
        store.insert(t.clone(), vec![e], vec![]).await.unwrap();
        let mut conn = raw(&schema).await.unwrap();
        sqlx::query("UPDATE tickets SET snapshot = '{\"not\": \"a ticket\"}'")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO events (ticket_id, seq, kind, at, payload) \
             VALUES ($1, 2, 'x', now(), '[1, 2]')",
        )
        .bind(*t.id.as_uuid())
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query("INSERT INTO commands (key, record, at) VALUES ('k', '[]', now())")
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
        postgres_teardown((store, schema)).await;
    }
}
