//! The privacy port on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::PostgresStore;
use crate::error::{Error, Result};
use crate::id::{CustomerId, TicketId};
use crate::privacy::{AccessRecord, ErasureRecord};
use crate::store::sql_common::db;
use crate::store::sql_common::to_i64;
use crate::store::{KeyLookup, PrivacyStore, WrappedKey};
use crate::ticket::{Ticket, TicketEvent};

/// Opens the append-only trigger for this transaction only (see migration 0006).
const PRIVILEGED_ON: &str = "SET LOCAL helpdesk.privileged_write = 'on'";

#[async_trait]
impl PrivacyStore for PostgresStore {
    async fn live_data_key(&self, customer: CustomerId) -> Result<Option<WrappedKey>> {
        let row: Option<(Uuid, String, Vec<u8>)> = sqlx::query_as(
            "SELECT id, kek_id, wrapped FROM data_keys WHERE customer_id = $1 AND wrapped IS NOT NULL",
        )
        .bind(customer.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(db("loading a data key"))?;
        Ok(row.map(|(id, kek, wrapped)| WrappedKey::new(id, customer, kek, wrapped)))
    }

    async fn data_key(&self, id: Uuid) -> Result<KeyLookup> {
        let row: Option<(Uuid, String, Option<Vec<u8>>)> =
            sqlx::query_as("SELECT customer_id, kek_id, wrapped FROM data_keys WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db("loading a data key"))?;
        Ok(match row {
            None => KeyLookup::Unknown,
            Some((_, _, None)) => KeyLookup::Destroyed,
            Some((customer, kek, Some(wrapped))) => KeyLookup::Live(WrappedKey::new(
                id,
                CustomerId::from_uuid(customer),
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
        .bind(key.id)
        .bind(key.customer.as_uuid())
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
        // The old row version keeps the wrapped bytes until VACUUM reclaims
        // it (see the privacy module's docs on PostgreSQL).
        Ok(sqlx::query(
            "UPDATE data_keys SET wrapped = NULL, destroyed_at = $2 \
             WHERE customer_id = $1 AND wrapped IS NOT NULL",
        )
        .bind(customer.as_uuid())
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(db("destroying data keys"))?
        .rows_affected())
    }

    async fn drop_pending_notifications(&self, tickets: &[TicketId]) -> Result<u64> {
        let ids: Vec<Uuid> = tickets.iter().map(|t| *t.as_uuid()).collect();
        Ok(
            sqlx::query("DELETE FROM outbox WHERE ticket_id = ANY($1) AND delivered_at IS NULL")
                .bind(ids)
                .execute(&self.pool)
                .await
                .map_err(db("dropping notifications"))?
                .rows_affected(),
        )
    }

    async fn rewrite_events(&self, ticket: &Ticket, events: &[TicketEvent]) -> Result<()> {
        let id = *ticket.id.as_uuid();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(db("starting a transaction"))?;
        let stored: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM tickets WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("loading a ticket's version"))?;
        match stored {
            None => return Err(Error::not_found("ticket", ticket.id)),
            Some((v,)) if v != to_i64(ticket.version, "version")? => {
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
        tx.commit().await.map_err(db("committing"))
    }

    async fn delete_ticket(&self, id: TicketId, version: u64) -> Result<bool> {
        let tid = *id.as_uuid();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(db("starting a transaction"))?;
        let stored: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM tickets WHERE id = $1 FOR UPDATE")
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
        tx.commit().await.map_err(db("committing"))?;
        Ok(true)
    }

    async fn record_erasure(&self, record: &ErasureRecord) -> Result<()> {
        sqlx::query("INSERT INTO erasures (id, customer_id, at, record) VALUES ($1, $2, $3, $4)")
            .bind(record.id)
            .bind(record.customer.as_uuid())
            .bind(record.at)
            .bind(Json(record))
            .execute(&self.pool)
            .await
            .map_err(db("recording an erasure"))?;
        Ok(())
    }

    async fn erasures(&self, customer: Option<CustomerId>) -> Result<Vec<ErasureRecord>> {
        let rows: Vec<(Json<ErasureRecord>,)> = sqlx::query_as(
            "SELECT record FROM erasures WHERE $1::uuid IS NULL OR customer_id = $1 ORDER BY at, id",
        )
        .bind(customer.map(|c| *c.as_uuid()))
        .fetch_all(&self.pool)
        .await
        .map_err(db("listing erasures"))?;
        Ok(rows.into_iter().map(|(r,)| r.0).collect())
    }

    async fn record_access(&self, record: &AccessRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_log (id, customer_id, ticket_id, at, record) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(record.id)
        .bind(record.customer.as_uuid())
        .bind(record.ticket.as_uuid())
        .bind(record.at)
        .bind(Json(record))
        .execute(&self.pool)
        .await
        .map_err(db("recording an access"))?;
        Ok(())
    }

    async fn accesses(&self, customer: CustomerId) -> Result<Vec<AccessRecord>> {
        let rows: Vec<(Json<AccessRecord>,)> =
            sqlx::query_as("SELECT record FROM access_log WHERE customer_id = $1 ORDER BY at, id")
                .bind(customer.as_uuid())
                .fetch_all(&self.pool)
                .await
                .map_err(db("listing accesses"))?;
        Ok(rows.into_iter().map(|(r,)| r.0).collect())
    }
}
