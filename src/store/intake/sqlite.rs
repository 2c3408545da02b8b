//! The intake tables in SQLite (ids as hyphenated text, instants as
//! microseconds).

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::sql::{
    CLAIM_CONTACT, INDEX_CONTACT, INSERT_ATTACHMENT, INSERT_BLOB, INSERT_INBOUND, LOAD_CONTACT,
    LOAD_INBOUND, NOTIFICATION_TICKET, list_attachments, load_attachment,
};
use super::{
    Attachment, AttachmentInfo, ContactKey, InboundEntry, InboundRecord, channel_key,
    contact_conflict, inbound_duplicate,
};
use crate::error::{Error, Result};
use crate::id::{AttachmentId, NotificationId, TicketId};
use crate::store::sql_common::db;
use crate::ticket::{Channel, Requester};

fn text(u: &Uuid) -> String {
    u.hyphenated().to_string()
}

fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s)
        .map_err(|e| Error::corrupt(format!("stored id `{s}` is not a UUID"), Some(e.into())))
}

fn instant(v: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(v)
        .ok_or_else(|| Error::corrupt(format!("stored instant {v} is out of range"), None))
}

/// Indexes a new ticket's requester where nobody holds their contacts.
pub(crate) async fn index_requester(conn: &mut SqliteConnection, r: &Requester) -> Result<()> {
    for key in ContactKey::of_requester(r) {
        sqlx::query(INDEX_CONTACT)
            .bind(key.as_str())
            .bind(text(r.id.as_uuid()))
            .bind(Json(r))
            .execute(&mut *conn)
            .await
            .map_err(db("indexing a requester's contacts"))?;
    }
    Ok(())
}

/// Writes a commit's inbound record (see the port's contract).
pub(crate) async fn write(conn: &mut SqliteConnection, r: &InboundRecord) -> Result<()> {
    let written = sqlx::query(INSERT_INBOUND)
        .bind(channel_key(&r.channel))
        .bind(r.external_id.as_str())
        .bind(text(r.ticket_id.as_uuid()))
        .bind(text(r.event_id.as_uuid()))
        .bind(text(r.requester.id.as_uuid()))
        .bind(r.at.timestamp_micros())
        .execute(&mut *conn)
        .await
        .map_err(db("recording an inbound message"))?
        .rows_affected();
    if written == 0 {
        return Err(inbound_duplicate(r));
    }
    for key in &r.contacts {
        let written = sqlx::query(CLAIM_CONTACT)
            .bind(key.as_str())
            .bind(text(r.requester.id.as_uuid()))
            .bind(Json(&r.requester))
            .execute(&mut *conn)
            .await
            .map_err(db("indexing a sender's contacts"))?
            .rows_affected();
        if written == 0 {
            return Err(contact_conflict(key));
        }
    }
    for a in &r.attachments {
        let sha256 = a.sha256();
        if !r.contents_apart {
            sqlx::query(INSERT_BLOB)
                .bind(sha256.as_str())
                .bind(a.bytes.as_slice())
                .execute(&mut *conn)
                .await
                .map_err(db("storing an attachment's content"))?;
        }
        sqlx::query(INSERT_ATTACHMENT)
            .bind(text(a.id.as_uuid()))
            .bind(text(r.ticket_id.as_uuid()))
            .bind(text(r.event_id.as_uuid()))
            .bind(a.filename.as_str())
            .bind(a.content_type.as_str())
            .bind(i64::try_from(a.bytes.len()).unwrap_or(i64::MAX))
            .bind(sha256.as_str())
            .bind(a.raw_message)
            .bind(r.at.timestamp_micros())
            .bind(a.sniffed_type())
            .execute(&mut *conn)
            .await
            .map_err(db("storing an attachment"))?;
    }
    Ok(())
}

pub(crate) async fn contact(pool: &SqlitePool, key: &ContactKey) -> Result<Option<Requester>> {
    let row: Option<(Json<Requester>,)> = sqlx::query_as(LOAD_CONTACT)
        .bind(key.as_str())
        .fetch_optional(pool)
        .await
        .map_err(db("loading a contact"))?;
    Ok(row.map(|(r,)| r.0))
}

pub(crate) async fn inbound(
    pool: &SqlitePool,
    channel: &Channel,
    external_id: &str,
) -> Result<Option<InboundEntry>> {
    let row: Option<(String, String, String, i64)> = sqlx::query_as(LOAD_INBOUND)
        .bind(channel_key(channel))
        .bind(external_id)
        .fetch_optional(pool)
        .await
        .map_err(db("loading an inbound message"))?;
    row.map(|(t, e, c, at)| {
        Ok(InboundEntry {
            ticket_id: uuid(&t)?.into(),
            event_id: uuid(&e)?.into(),
            customer: uuid(&c)?.into(),
            at: instant(at)?,
        })
    })
    .transpose()
}

pub(crate) async fn notification_ticket(
    pool: &SqlitePool,
    id: NotificationId,
) -> Result<Option<TicketId>> {
    let row: Option<(String,)> = sqlx::query_as(NOTIFICATION_TICKET)
        .bind(text(id.as_uuid()))
        .fetch_optional(pool)
        .await
        .map_err(db("loading a notification"))?;
    row.map(|(t,)| uuid(&t).map(TicketId::from)).transpose()
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    bool,
    i64,
    Option<String>,
);

fn info(
    (id, t, e, filename, content_type, size, sha256, raw_message, at, sniffed_type): Row,
) -> Result<AttachmentInfo> {
    Ok(AttachmentInfo {
        id: uuid(&id)?.into(),
        ticket_id: uuid(&t)?.into(),
        event_id: uuid(&e)?.into(),
        filename,
        content_type,
        sniffed_type,
        size: u64::try_from(size)
            .map_err(|_| Error::corrupt(format!("attachment size {size}"), None))?,
        sha256,
        raw_message,
        at: instant(at)?,
    })
}

pub(crate) async fn attachments(
    pool: &SqlitePool,
    ticket: TicketId,
) -> Result<Vec<AttachmentInfo>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(list_attachments()))
        .bind(text(ticket.as_uuid()))
        .fetch_all(pool)
        .await
        .map_err(db("listing attachments"))?;
    rows.into_iter().map(info).collect()
}

pub(crate) async fn attachment(pool: &SqlitePool, id: AttachmentId) -> Result<Option<Attachment>> {
    #[allow(clippy::type_complexity)]
    let row: Option<(
        String,
        String,
        String,
        String,
        String,
        i64,
        String,
        bool,
        i64,
        Option<String>,
        Vec<u8>,
    )> = sqlx::query_as(sqlx::AssertSqlSafe(load_attachment()))
        .bind(text(id.as_uuid()))
        .fetch_optional(pool)
        .await
        .map_err(db("loading an attachment"))?;
    row.map(|(a, b, c, d, e, f, g, h, i, j, bytes)| {
        Ok(Attachment::new(
            info((a, b, c, d, e, f, g, h, i, j))?,
            bytes,
        ))
    })
    .transpose()
}

pub(crate) async fn attachment_info(
    pool: &SqlitePool,
    id: AttachmentId,
) -> Result<Option<AttachmentInfo>> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(super::sql::load_attachment_info()))
        .bind(text(id.as_uuid()))
        .fetch_optional(pool)
        .await
        .map_err(db("loading an attachment"))?;
    row.map(info).transpose()
}

pub(crate) async fn content_referenced(pool: &SqlitePool, sha256: &str) -> Result<bool> {
    let (n,): (i64,) = sqlx::query_as(super::sql::CONTENT_REFERENCED)
        .bind(sha256)
        .fetch_one(pool)
        .await
        .map_err(db("looking up an attachment content"))?;
    Ok(n > 0)
}

/// The [`AttachmentStore`](crate::store::AttachmentStore) of the database:
/// the `attachment_blobs` table that ticket commits write too.
pub(crate) async fn put_content(pool: &SqlitePool, bytes: &[u8]) -> Result<String> {
    let sha256 = super::sha256_hex(bytes);
    sqlx::query(INSERT_BLOB)
        .bind(sha256.as_str())
        .bind(bytes)
        .execute(pool)
        .await
        .map_err(db("storing an attachment's content"))?;
    Ok(sha256)
}

pub(crate) async fn content(pool: &SqlitePool, sha256: &str) -> Result<Option<Vec<u8>>> {
    crate::store::attachments::check_key(sha256)?;
    let row: Option<(Vec<u8>,)> = sqlx::query_as(super::sql::LOAD_BLOB)
        .bind(sha256)
        .fetch_optional(pool)
        .await
        .map_err(db("loading an attachment's content"))?;
    let Some((bytes,)) = row else { return Ok(None) };
    let found = super::sha256_hex(&bytes);
    if found != sha256 {
        return Err(crate::store::attachments::wrong_content(
            sha256,
            &found,
            "in attachment_blobs",
        ));
    }
    Ok(Some(bytes))
}

pub(crate) async fn remove_content(pool: &SqlitePool, sha256: &str) -> Result<bool> {
    crate::store::attachments::check_key(sha256)?;
    let n = sqlx::query(super::sql::DELETE_BLOB)
        .bind(sha256)
        .execute(pool)
        .await
        .map_err(db("removing an attachment's content"))?
        .rows_affected();
    Ok(n > 0)
}

/// Erases requester `customer`'s contact keys and the attachments of
/// `tickets`, in one transaction.
pub(crate) async fn erase_requester(
    pool: &SqlitePool,
    customer: crate::id::CustomerId,
    tickets: &[TicketId],
) -> Result<super::IntakeErasure> {
    let what = "erasing a requester's contacts and attachments";
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db(what))?;
    let contacts = sqlx::query(super::sql::DELETE_CONTACTS)
        .bind(text(customer.as_uuid()))
        .execute(&mut *tx)
        .await
        .map_err(db(what))?
        .rows_affected();
    let mut attachments = 0;
    for t in tickets {
        attachments += sqlx::query(super::sql::DELETE_ATTACHMENTS)
            .bind(text(t.as_uuid()))
            .execute(&mut *tx)
            .await
            .map_err(db(what))?
            .rows_affected();
    }
    sqlx::query(crate::store::sql_common::DELETE_ORPHAN_BLOBS)
        .execute(&mut *tx)
        .await
        .map_err(db(what))?;
    tx.commit().await.map_err(db(what))?;
    // Erased rows out of the write-ahead log too (pages are zeroed:
    // `secure_delete`).
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await
        .map_err(db("checkpointing the SQLite log"))?;
    Ok(super::IntakeErasure {
        contacts,
        attachments,
    })
}
