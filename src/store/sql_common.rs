//! What the SQL back ends share: the SQL text, the listing query builder,
//! migrations and error mapping, and the [`Store`](super::Store) impl itself
//! (a macro instantiated once per database, because sqlx's executor traits do
//! not compose into a generic impl without a wall of higher-ranked bounds).
//!
//! Every statement uses `$n` placeholders, which both PostgreSQL and SQLite
//! (through sqlx) accept, so each statement is written once.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use sqlx::SqlSafeStr;
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use uuid::Uuid;

use super::{TicketQuery, Visibility};
use crate::error::{Error, Result};

/// How one database spells the few things that differ.
pub(crate) trait Dialect {
    /// The column type of ids.
    type Id;
    /// The column type of instants.
    type Time;
    /// The statement that starts a writing transaction.
    const BEGIN_WRITE: &'static str;
    fn id(u: Uuid) -> Self::Id;
    fn from_id(v: Self::Id) -> Uuid;
    fn time(t: DateTime<Utc>) -> Self::Time;
    fn from_time(v: Self::Time) -> Result<DateTime<Utc>>;
}

/// A bind value of a dynamically built statement.
#[derive(Debug)]
pub(crate) enum Arg {
    Text(String),
    Id(Uuid),
    Int(i64),
}

/// Wraps a driver error with what the store was doing.
pub(crate) fn db(what: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::store(what, e)
}

/// Counts and versions are `u64` in the crate and `BIGINT` in the database;
/// anything beyond `i64::MAX` cannot come from a real desk.
pub(crate) fn to_i64(v: u64, what: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::store_msg(format!("{what} {v} does not fit in BIGINT")))
}

/// The inverse of [`to_i64`]; a negative value means the row was edited by hand.
pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64> {
    u64::try_from(v).map_err(|_| Error::store_msg(format!("stored {what} {v} is negative")))
}

/// Escapes `\`, `%` and `_` for a `LIKE ... ESCAPE '\'` pattern.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Builds the listing statement: filters on indexed columns, `id > cursor`,
/// ordered by id, one row more than the page to know whether another follows.
pub(crate) fn list_sql(query: &TicketQuery) -> Result<(String, Vec<Arg>)> {
    query.validate()?;
    let mut sql = String::from("SELECT snapshot FROM tickets WHERE TRUE");
    let mut args = Vec::new();
    let mut push = |sql: &mut String, a: Arg| {
        args.push(a);
        sql.push('$');
        sql.push_str(&args.len().to_string());
    };
    if let Some(c) = &query.after {
        sql.push_str(" AND id > ");
        push(&mut sql, Arg::Id(*c.ticket_id()?.as_uuid()));
    }
    let f = &query.filter;
    let in_list = |sql: &mut String,
                   push: &mut dyn FnMut(&mut String, Arg),
                   joiner: &str,
                   col: &str,
                   vals: Vec<Arg>| {
        sql.push_str(joiner);
        sql.push_str(col);
        sql.push_str(" IN (");
        for (i, v) in vals.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            push(sql, v);
        }
        sql.push(')');
    };
    if !f.status.is_empty() {
        let vals = f
            .status
            .iter()
            .map(|s| Arg::Text(s.as_str().to_owned()))
            .collect();
        in_list(&mut sql, &mut push, " AND ", "status", vals);
    }
    if !f.priority.is_empty() {
        let vals = f
            .priority
            .iter()
            .map(|p| Arg::Text(p.as_str().to_owned()))
            .collect();
        in_list(&mut sql, &mut push, " AND ", "priority", vals);
    }
    if let Some(g) = &f.group {
        sql.push_str(" AND group_id = ");
        push(&mut sql, Arg::Text(g.to_string()));
    }
    if let Some(a) = &f.assignee {
        sql.push_str(" AND assignee = ");
        push(&mut sql, Arg::Id(*a.as_uuid()));
    }
    if let Some(r) = &f.requester {
        sql.push_str(" AND requester_id = ");
        push(&mut sql, Arg::Id(*r.as_uuid()));
    }
    if let Some(t) = &f.text {
        sql.push_str(" AND subject_lower LIKE ");
        push(
            &mut sql,
            Arg::Text(format!("%{}%", like_escape(&t.to_lowercase()))),
        );
        sql.push_str(" ESCAPE '\\'");
    }
    match &query.visibility {
        Visibility::All => {}
        Visibility::Requester(c) => {
            sql.push_str(" AND requester_id = ");
            push(&mut sql, Arg::Id(*c.as_uuid()));
        }
        Visibility::Agent { id, groups } => {
            sql.push_str(" AND (group_id IS NULL OR assignee = ");
            push(&mut sql, Arg::Id(*id.as_uuid()));
            if !groups.is_empty() {
                let vals = groups.iter().map(|g| Arg::Text(g.to_string())).collect();
                in_list(&mut sql, &mut push, " OR ", "group_id", vals);
            }
            sql.push(')');
        }
    }
    sql.push_str(" ORDER BY id LIMIT ");
    // The limit was validated to be at most `TicketQuery::MAX_LIMIT`.
    push(&mut sql, Arg::Int(query.limit as i64 + 1));
    Ok((sql, args))
}

/// Builds the migrator over the embedded `(version, description, sql)` list.
pub(crate) fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Explains migration failures, above all a schema newer than this crate.
pub(crate) fn migrate_error(e: MigrateError) -> Error {
    let message = match &e {
        MigrateError::VersionMissing(v) => format!(
            "the database schema was migrated by a newer helpdesk version \
             (migration {v} is unknown to this version); upgrade helpdesk"
        ),
        MigrateError::VersionMismatch(v) => {
            format!("migration {v} applied to the database differs from this helpdesk version's")
        }
        _ => "cannot migrate the database schema".to_owned(),
    };
    Error::store(message, e)
}

/// The `Store` impl for one SQL database; see the module docs.
macro_rules! impl_sql_store {
    (
        $store:ty,
        $dialect:ty,
        migrations = $migrations:expr,
        next_ref = $next_ref:literal,
        skip_locked = $skip:literal
    ) => {
        impl $store {
            /// Applies the crate's migrations that the database lacks.
            /// Idempotent; the constructors already call it.
            pub async fn migrate(&self) -> $crate::Result<()> {
                migrator($migrations)
                    .run(&self.pool)
                    .await
                    .map_err(migrate_error)
            }

            /// Closes the pool, waiting for connections in use to be returned.
            pub async fn close(&self) {
                self.pool.close().await;
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn next_reference(&self) -> $crate::Result<$crate::TicketRef> {
                let (last,): (i64,) = sqlx::query_as($next_ref)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db("allocating a ticket reference"))?;
                Ok($crate::TicketRef(to_u64(last, "reference")?))
            }

            async fn commit(&self, commit: $crate::store::Commit) -> $crate::Result<()> {
                use sqlx::types::Json;
                $crate::store::check_commit(&commit)?;
                let mut tx = self
                    .pool
                    .begin_with(<$dialect as Dialect>::BEGIN_WRITE)
                    .await
                    .map_err(db("starting a transaction"))?;
                for w in &commit.tickets {
                    let t = &w.ticket;
                    let id = <$dialect as Dialect>::id(*t.id.as_uuid());
                    let version = to_i64(t.version, "version")?;
                    let deadline = w.next_deadline.map(<$dialect as Dialect>::time);
                    let group = t.group.as_ref().map(ToString::to_string);
                    let assignee = t.assignee.map(|a| <$dialect as Dialect>::id(*a.as_uuid()));
                    let requester = <$dialect as Dialect>::id(*t.requester.id.as_uuid());
                    let written = match w.expected_version {
                        None => sqlx::query(
                            "INSERT INTO tickets (id, reference, status, group_id, assignee, \
                             priority, requester_id, subject, subject_lower, snapshot, version, \
                             next_deadline) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(id)
                        .bind(to_i64(t.reference.0, "reference")?),
                        Some(expected) => sqlx::query(
                            "UPDATE tickets SET status = $3, group_id = $4, assignee = $5, \
                             priority = $6, requester_id = $7, subject = $8, subject_lower = $9, \
                             snapshot = $10, version = $11, next_deadline = $12, \
                             due_lease_until = NULL \
                             WHERE id = $1 AND version = $2",
                        )
                        .bind(id)
                        .bind(to_i64(expected, "version")?),
                    }
                    .bind(t.status.as_str())
                    .bind(group)
                    .bind(assignee)
                    .bind(t.priority.as_str())
                    .bind(requester)
                    .bind(t.subject.as_str())
                    .bind(t.subject.to_lowercase())
                    .bind(Json(t))
                    .bind(version)
                    .bind(deadline)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("writing a ticket"))?
                    .rows_affected();
                    if written == 0 {
                        let actual: Option<(i64,)> =
                            sqlx::query_as("SELECT version FROM tickets WHERE id = $1")
                                .bind(<$dialect as Dialect>::id(*t.id.as_uuid()))
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(db("reading a ticket version"))?;
                        return Err($crate::Error::Conflict {
                            ticket: t.id,
                            expected: w.expected_version.unwrap_or(0),
                            actual: match actual {
                                Some((v,)) => to_u64(v, "version")?,
                                None => 0,
                            },
                        });
                    }
                    for e in &w.events {
                        sqlx::query("INSERT INTO events (ticket_id, seq, payload) VALUES ($1, $2, $3)")
                            .bind(<$dialect as Dialect>::id(*t.id.as_uuid()))
                            .bind(to_i64(e.seq, "seq")?)
                            .bind(Json(e))
                            .execute(&mut *tx)
                            .await
                            .map_err(db("appending an event"))?;
                    }
                }
                for n in &commit.outbox {
                    let at = commit.outbox_not_before.unwrap_or(n.created_at);
                    sqlx::query(
                        "INSERT INTO outbox (id, idempotency_key, ticket_id, payload, available_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(<$dialect as Dialect>::id(*n.id.as_uuid()))
                    .bind(n.idempotency_key.as_str())
                    .bind(<$dialect as Dialect>::id(*n.ticket_id.as_uuid()))
                    .bind(Json(n))
                    .bind(<$dialect as Dialect>::time(at))
                    .execute(&mut *tx)
                    .await
                    .map_err(db("enqueueing a notification"))?;
                }
                tx.commit().await.map_err(db("committing"))
            }

            async fn load(&self, id: $crate::TicketId) -> $crate::Result<Option<$crate::Ticket>> {
                let row: Option<(sqlx::types::Json<$crate::Ticket>,)> =
                    sqlx::query_as("SELECT snapshot FROM tickets WHERE id = $1")
                        .bind(<$dialect as Dialect>::id(*id.as_uuid()))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db("loading a ticket"))?;
                Ok(row.map(|(t,)| t.0))
            }

            async fn load_by_reference(
                &self,
                reference: $crate::TicketRef,
            ) -> $crate::Result<Option<$crate::Ticket>> {
                let row: Option<(sqlx::types::Json<$crate::Ticket>,)> =
                    sqlx::query_as("SELECT snapshot FROM tickets WHERE reference = $1")
                        .bind(to_i64(reference.0, "reference")?)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db("loading a ticket by reference"))?;
                Ok(row.map(|(t,)| t.0))
            }

            async fn timeline(
                &self,
                id: $crate::TicketId,
            ) -> $crate::Result<Vec<$crate::TicketEvent>> {
                let rows: Vec<(sqlx::types::Json<$crate::TicketEvent>,)> =
                    sqlx::query_as("SELECT payload FROM events WHERE ticket_id = $1 ORDER BY seq")
                        .bind(<$dialect as Dialect>::id(*id.as_uuid()))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db("loading a timeline"))?;
                Ok(rows.into_iter().map(|(e,)| e.0).collect())
            }

            async fn list(
                &self,
                query: &$crate::store::TicketQuery,
            ) -> $crate::Result<$crate::store::Page<$crate::Ticket>> {
                let (sql, args) = list_sql(query)?;
                let mut q = sqlx::query_as::<_, (sqlx::types::Json<$crate::Ticket>,)>(
                    sqlx::AssertSqlSafe(sql),
                );
                for a in args {
                    q = match a {
                        Arg::Text(s) => q.bind(s),
                        Arg::Id(u) => q.bind(<$dialect as Dialect>::id(u)),
                        Arg::Int(i) => q.bind(i),
                    };
                }
                let rows = q
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("listing tickets"))?;
                let mut items: Vec<$crate::Ticket> = rows.into_iter().map(|(t,)| t.0).collect();
                let next = if items.len() > query.limit {
                    items.truncate(query.limit);
                    items.last().map(|t| $crate::store::Cursor::after(t.id))
                } else {
                    None
                };
                Ok($crate::store::Page { items, next })
            }

            async fn next_deadline(
                &self,
                id: $crate::TicketId,
            ) -> $crate::Result<Option<chrono::DateTime<chrono::Utc>>> {
                let row: Option<(Option<<$dialect as Dialect>::Time>,)> =
                    sqlx::query_as("SELECT next_deadline FROM tickets WHERE id = $1")
                        .bind(<$dialect as Dialect>::id(*id.as_uuid()))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db("reading a deadline"))?;
                row.and_then(|(d,)| d)
                    .map(<$dialect as Dialect>::from_time)
                    .transpose()
            }

            async fn claim_due(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                limit: usize,
                lease_until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::TicketId>> {
                let rows: Vec<(<$dialect as Dialect>::Id, <$dialect as Dialect>::Time)> =
                    sqlx::query_as(concat!(
                        "WITH due AS (SELECT id FROM tickets \
                         WHERE next_deadline <= $1 \
                         AND (due_lease_until IS NULL OR due_lease_until <= $1) \
                         ORDER BY next_deadline, id LIMIT $2 ",
                        $skip,
                        ") UPDATE tickets SET due_lease_until = $3 \
                         WHERE id IN (SELECT id FROM due) \
                         RETURNING id, next_deadline"
                    ))
                    .bind(<$dialect as Dialect>::time(now))
                    .bind(to_i64(limit as u64, "limit")?)
                    .bind(<$dialect as Dialect>::time(lease_until))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("claiming due tickets"))?;
                let mut claimed = rows
                    .into_iter()
                    .map(|(id, due)| {
                        Ok((<$dialect as Dialect>::from_time(due)?, <$dialect as Dialect>::from_id(id)))
                    })
                    .collect::<$crate::Result<Vec<_>>>()?;
                // RETURNING has no order; callers get the earliest deadline first.
                claimed.sort_unstable();
                Ok(claimed.into_iter().map(|(_, id)| $crate::TicketId::from_uuid(id)).collect())
            }

            async fn release_due(
                &self,
                id: $crate::TicketId,
                version: u64,
                next_deadline: Option<chrono::DateTime<chrono::Utc>>,
            ) -> $crate::Result<bool> {
                let n = sqlx::query(
                    "UPDATE tickets SET next_deadline = $2, due_lease_until = NULL \
                     WHERE id = $1 AND version = $3",
                )
                .bind(<$dialect as Dialect>::id(*id.as_uuid()))
                .bind(next_deadline.map(<$dialect as Dialect>::time))
                .bind(to_i64(version, "version")?)
                .execute(&self.pool)
                .await
                .map_err(db("releasing a due ticket"))?
                .rows_affected();
                if n > 0 {
                    return Ok(true);
                }
                // Changed since (a commit set its deadline), or gone.
                match self.load(id).await? {
                    Some(_) => Ok(false),
                    None => Err($crate::Error::not_found("ticket", id)),
                }
            }

            async fn claim_outbox(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                limit: usize,
                lease_until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::store::OutboxEntry>> {
                let mut tx = self
                    .pool
                    .begin_with(<$dialect as Dialect>::BEGIN_WRITE)
                    .await
                    .map_err(db("starting a transaction"))?;
                // Two steps, because RETURNING cannot report the old
                // `available_at` that entries are handed out in order of.
                let ids: Vec<(<$dialect as Dialect>::Id,)> = sqlx::query_as(concat!(
                    "SELECT id FROM outbox WHERE delivered_at IS NULL AND available_at <= $1 \
                     ORDER BY available_at, id LIMIT $2 ",
                    $skip
                ))
                .bind(<$dialect as Dialect>::time(now))
                .bind(to_i64(limit as u64, "limit")?)
                .fetch_all(&mut *tx)
                .await
                .map_err(db("claiming outbox entries"))?;
                let mut out = Vec::with_capacity(ids.len());
                for (id,) in ids {
                    let (payload, attempts, last_error): (
                        sqlx::types::Json<$crate::Notification>,
                        i64,
                        Option<String>,
                    ) = sqlx::query_as(
                        "UPDATE outbox SET available_at = $2 WHERE id = $1 \
                         RETURNING payload, attempts, last_error",
                    )
                    .bind(id)
                    .bind(<$dialect as Dialect>::time(lease_until))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db("leasing an outbox entry"))?;
                    out.push($crate::store::OutboxEntry {
                        notification: payload.0,
                        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                        last_error,
                    });
                }
                tx.commit().await.map_err(db("committing"))?;
                Ok(out)
            }

            async fn mark_delivered(
                &self,
                id: $crate::NotificationId,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                sqlx::query(
                    "UPDATE outbox SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL",
                )
                .bind(<$dialect as Dialect>::id(*id.as_uuid()))
                .bind(<$dialect as Dialect>::time(at))
                .execute(&self.pool)
                .await
                .map_err(db("marking a notification delivered"))?;
                Ok(())
            }

            async fn mark_failed(
                &self,
                id: $crate::NotificationId,
                retry_at: chrono::DateTime<chrono::Utc>,
                error: &str,
            ) -> $crate::Result<()> {
                let n = sqlx::query(
                    "UPDATE outbox SET available_at = $2, attempts = attempts + 1, \
                     last_error = $3 WHERE id = $1 AND delivered_at IS NULL",
                )
                .bind(<$dialect as Dialect>::id(*id.as_uuid()))
                .bind(<$dialect as Dialect>::time(retry_at))
                .bind(error)
                .execute(&self.pool)
                .await
                .map_err(db("recording a failed delivery"))?
                .rows_affected();
                if n == 0 {
                    return Err($crate::Error::not_found("notification", id));
                }
                Ok(())
            }

            async fn outbox_stats(&self) -> $crate::Result<$crate::store::OutboxStats> {
                let (all, delivered): (i64, i64) =
                    sqlx::query_as("SELECT COUNT(*), COUNT(delivered_at) FROM outbox")
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db("counting the outbox"))?;
                Ok($crate::store::OutboxStats {
                    pending: to_u64(all - delivered, "count")?,
                    delivered: to_u64(delivered, "count")?,
                })
            }
        }
    };
}

pub(crate) use impl_sql_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escape_escapes_wildcards() {
        assert_eq!(like_escape(r"50%_off\x"), r"50\%\_off\\x");
    }

    #[test]
    fn migration_versions_match_between_back_ends() {
        let versions = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| {
                    let name = e.unwrap().file_name().into_string().unwrap();
                    name.split('_').next().unwrap().to_owned()
                })
                .collect();
            v.sort();
            v
        };
        let root = env!("CARGO_MANIFEST_DIR");
        let sqlite = versions(&format!("{root}/migrations/sqlite"));
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions(&format!("{root}/migrations/postgres")));
    }
}
