//! The privacy port on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{SqliteStore, micros, text_id};
use crate::error::{Error, Result};
use crate::id::{CustomerId, TicketId};
use crate::privacy::{AccessRecord, ErasureRecord};
use crate::store::sql_common::db;
use crate::store::sql_common::to_i64;
use crate::store::{KeyLookup, PrivacyStore, WrappedKey};
use crate::ticket::{Ticket, TicketEvent};

/// Opens the append-only triggers for the transaction (see migration 0006).
const PRIVILEGED_ON: &str = "INSERT INTO privileged_write (only_row) VALUES (1)";
/// Closes them again before the transaction commits.
const PRIVILEGED_OFF: &str = "DELETE FROM privileged_write";

fn uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text)
        .map_err(|e| Error::corrupt("a stored key id is not a UUID", Some(e.into())))
}

impl SqliteStore {
    /// Folds the write-ahead log into the file and empties it, so bytes
    /// just overwritten (with `secure_delete` on) leave no copy in the log.
    /// Best effort: a reader holding an old snapshot keeps the log until
    /// it finishes; the next checkpoint then empties it.
    async fn purge_log(&self) -> Result<()> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
            .map_err(db("checkpointing the SQLite log"))?;
        Ok(())
    }
}

#[async_trait]
impl PrivacyStore for SqliteStore {
    async fn live_data_key(&self, customer: CustomerId) -> Result<Option<WrappedKey>> {
        let row: Option<(String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT id, kek_id, wrapped FROM data_keys WHERE customer_id = $1 AND wrapped IS NOT NULL",
        )
        .bind(text_id(customer.as_uuid()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db("loading a data key"))?;
        row.map(|(id, kek, wrapped)| Ok(WrappedKey::new(uuid(&id)?, customer, kek, wrapped)))
            .transpose()
    }

    async fn data_key(&self, id: Uuid) -> Result<KeyLookup> {
        let row: Option<(String, String, Option<Vec<u8>>)> =
            sqlx::query_as("SELECT customer_id, kek_id, wrapped FROM data_keys WHERE id = $1")
                .bind(text_id(&id))
                .fetch_optional(&self.pool)
                .await
                .map_err(db("loading a data key"))?;
        Ok(match row {
            None => KeyLookup::Unknown,
            Some((_, _, None)) => KeyLookup::Destroyed,
            Some((customer, kek, Some(wrapped))) => KeyLookup::Live(WrappedKey::new(
                id,
                CustomerId::from_uuid(uuid(&customer)?),
                kek,
                wrapped,
            )),
        })
    }

    async fn add_data_key(&self, key: WrappedKey) -> Result<WrappedKey> {
        sqlx::query(
            "INSERT INTO data_keys (id, customer_id, kek_id, wrapped) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(text_id(&key.id))
        .bind(text_id(key.customer.as_uuid()))
        .bind(&key.kek_id)
        .bind(&key.wrapped)
        .execute(&self.pool)
        .await
        .map_err(db("storing a data key"))?;
        self.live_data_key(key.customer).await?.ok_or_else(|| {
            Error::store_msg(format!(
                "the data key of customer {} was destroyed while it was being stored",
                key.customer
            ))
        })
    }

    async fn destroy_data_keys(&self, customer: CustomerId, at: DateTime<Utc>) -> Result<u64> {
        let n = sqlx::query(
            "UPDATE data_keys SET wrapped = NULL, destroyed_at = $2 \
             WHERE customer_id = $1 AND wrapped IS NOT NULL",
        )
        .bind(text_id(customer.as_uuid()))
        .bind(micros(at))
        .execute(&self.pool)
        .await
        .map_err(db("destroying data keys"))?
        .rows_affected();
        if n > 0 {
            self.purge_log().await?;
        }
        Ok(n)
    }

    async fn drop_pending_notifications(&self, tickets: &[TicketId]) -> Result<u64> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(db("starting a transaction"))?;
        let mut n = 0;
        for t in tickets {
            n += sqlx::query("DELETE FROM outbox WHERE ticket_id = $1 AND delivered_at IS NULL")
                .bind(text_id(t.as_uuid()))
                .execute(&mut *tx)
                .await
                .map_err(db("dropping notifications"))?
                .rows_affected();
        }
        tx.commit().await.map_err(db("committing"))?;
        Ok(n)
    }

    async fn rewrite_events(&self, ticket: &Ticket, events: &[TicketEvent]) -> Result<()> {
        let id = text_id(ticket.id.as_uuid());
        let version = to_i64(ticket.version, "version")?;
        let mut tx = self
            .pool
            .begin_with(super::BEGIN_WRITE)
            .await
            .map_err(db("starting a transaction"))?;
        let stored: Option<(i64,)> = sqlx::query_as("SELECT version FROM tickets WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("loading a ticket's version"))?;
        match stored {
            None => return Err(Error::not_found("ticket", ticket.id)),
            Some((v,)) if v != version => {
                return Err(Error::Conflict {
                    what: "ticket",
                    id: ticket.id.to_string(),
                    expected: ticket.version,
                    actual: u64::try_from(v).unwrap_or(0),
                });
            }
            Some(_) => {}
        }
        sqlx::query(PRIVILEGED_ON)
            .execute(&mut *tx)
            .await
            .map_err(db("opening a privileged write"))?;
        sqlx::query("UPDATE tickets SET snapshot = $2 WHERE id = $1")
            .bind(id)
            .bind(Json(ticket))
            .execute(&mut *tx)
            .await
            .map_err(db("rewriting a snapshot"))?;
        for e in events {
            let n = sqlx::query("UPDATE events SET payload = $3 WHERE ticket_id = $1 AND seq = $2")
                .bind(id)
                .bind(to_i64(e.seq, "seq")?)
                .bind(Json(e))
                .execute(&mut *tx)
                .await
                .map_err(db("rewriting an event"))?
                .rows_affected();
            if n != 1 || e.ticket_id != ticket.id {
                return Err(Error::validation(
                    "events",
                    format!("ticket {} has no event {}", ticket.id, e.seq),
                ));
            }
        }
        sqlx::query(PRIVILEGED_OFF)
            .execute(&mut *tx)
            .await
            .map_err(db("closing a privileged write"))?;
        tx.commit().await.map_err(db("committing"))?;
        self.purge_log().await
    }

    async fn delete_ticket(&self, id: TicketId, version: u64) -> Result<bool> {
        let tid = text_id(id.as_uuid());
        let mut tx = self
            .pool
            .begin_with(super::BEGIN_WRITE)
            .await
            .map_err(db("starting a transaction"))?;
        let stored: Option<(i64,)> = sqlx::query_as("SELECT version FROM tickets WHERE id = $1")
            .bind(tid)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("loading a ticket's version"))?;
        if stored.is_none_or(|(v,)| u64::try_from(v).ok() != Some(version)) {
            return Ok(false);
        }
        sqlx::query(PRIVILEGED_ON)
            .execute(&mut *tx)
            .await
            .map_err(db("opening a privileged write"))?;
        for sql in crate::store::sql_common::DELETE_TICKET {
            sqlx::query(sql)
                .bind(tid)
                .execute(&mut *tx)
                .await
                .map_err(db("deleting a ticket"))?;
        }
        // Attachment contents that no other attachment shares.
        sqlx::query(crate::store::sql_common::DELETE_ORPHAN_BLOBS)
            .execute(&mut *tx)
            .await
            .map_err(db("deleting a ticket's attachments"))?;
        sqlx::query(PRIVILEGED_OFF)
            .execute(&mut *tx)
            .await
            .map_err(db("closing a privileged write"))?;
        tx.commit().await.map_err(db("committing"))?;
        self.purge_log().await?;
        Ok(true)
    }

    async fn record_erasure(&self, record: &ErasureRecord) -> Result<()> {
        sqlx::query("INSERT INTO erasures (id, customer_id, at, record) VALUES ($1, $2, $3, $4)")
            .bind(text_id(&record.id))
            .bind(text_id(record.customer.as_uuid()))
            .bind(micros(record.at))
            .bind(Json(record))
            .execute(&self.pool)
            .await
            .map_err(db("recording an erasure"))?;
        Ok(())
    }

    async fn erasures(&self, customer: Option<CustomerId>) -> Result<Vec<ErasureRecord>> {
        let rows: Vec<(Json<ErasureRecord>,)> = match customer {
            Some(c) => {
                sqlx::query_as("SELECT record FROM erasures WHERE customer_id = $1 ORDER BY at, id")
                    .bind(text_id(c.as_uuid()))
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query_as("SELECT record FROM erasures ORDER BY at, id")
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(db("listing erasures"))?;
        Ok(rows.into_iter().map(|(r,)| r.0).collect())
    }

    async fn record_access(&self, record: &AccessRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_log (id, customer_id, ticket_id, at, record) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(text_id(&record.id))
        .bind(text_id(record.customer.as_uuid()))
        .bind(text_id(record.ticket.as_uuid()))
        .bind(micros(record.at))
        .bind(Json(record))
        .execute(&self.pool)
        .await
        .map_err(db("recording an access"))?;
        Ok(())
    }

    async fn accesses(&self, customer: CustomerId) -> Result<Vec<AccessRecord>> {
        let rows: Vec<(Json<AccessRecord>,)> =
            sqlx::query_as("SELECT record FROM access_log WHERE customer_id = $1 ORDER BY at, id")
                .bind(text_id(customer.as_uuid()))
                .fetch_all(&self.pool)
                .await
                .map_err(db("listing accesses"))?;
        Ok(rows.into_iter().map(|(r,)| r.0).collect())
    }
}
