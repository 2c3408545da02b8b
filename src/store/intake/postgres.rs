//! The intake tables in PostgreSQL (ids as UUID, instants as
//! TIMESTAMPTZ).

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
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

/// Indexes a new ticket's requester where nobody holds their contacts.
pub(crate) async fn index_requester(conn: &mut PgConnection, r: &Requester) -> Result<()> {
    for key in ContactKey::of_requester(r) {
        sqlx::query(INDEX_CONTACT)
            .bind(key.as_str())
            .bind(*r.id.as_uuid())
            .bind(Json(r))
            .execute(&mut *conn)
            .await
            .map_err(db("indexing a requester's contacts"))?;
    }
    Ok(())
}

/// Writes a commit's inbound record (see the port's contract).
pub(crate) async fn write(conn: &mut PgConnection, r: &InboundRecord) -> Result<()> {
    let written = sqlx::query(INSERT_INBOUND)
        .bind(channel_key(&r.channel))
        .bind(r.external_id.as_str())
        .bind(*r.ticket_id.as_uuid())
        .bind(*r.event_id.as_uuid())
        .bind(*r.requester.id.as_uuid())
        .bind(r.at)
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
            .bind(*r.requester.id.as_uuid())
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
            .bind(*a.id.as_uuid())
            .bind(*r.ticket_id.as_uuid())
            .bind(*r.event_id.as_uuid())
            .bind(a.filename.as_str())
            .bind(a.content_type.as_str())
            .bind(i64::try_from(a.bytes.len()).unwrap_or(i64::MAX))
            .bind(sha256.as_str())
            .bind(a.raw_message)
            .bind(r.at)
            .bind(a.sniffed_type())
            .execute(&mut *conn)
            .await
            .map_err(db("storing an attachment"))?;
    }
    Ok(())
}

pub(crate) async fn contact(pool: &PgPool, key: &ContactKey) -> Result<Option<Requester>> {
    let row: Option<(Json<Requester>,)> = sqlx::query_as(LOAD_CONTACT)
        .bind(key.as_str())
        .fetch_optional(pool)
        .await
        .map_err(db("loading a contact"))?;
    Ok(row.map(|(r,)| r.0))
}

pub(crate) async fn inbound(
    pool: &PgPool,
    channel: &Channel,
    external_id: &str,
) -> Result<Option<InboundEntry>> {
    let row: Option<(Uuid, Uuid, Uuid, DateTime<Utc>)> = sqlx::query_as(LOAD_INBOUND)
        .bind(channel_key(channel))
        .bind(external_id)
        .fetch_optional(pool)
        .await
        .map_err(db("loading an inbound message"))?;
    Ok(row.map(|(t, e, c, at)| InboundEntry {
        ticket_id: t.into(),
        event_id: e.into(),
        customer: c.into(),
        at,
    }))
}

pub(crate) async fn notification_ticket(
    pool: &PgPool,
    id: NotificationId,
) -> Result<Option<TicketId>> {
    let row: Option<(Uuid,)> = sqlx::query_as(NOTIFICATION_TICKET)
        .bind(*id.as_uuid())
        .fetch_optional(pool)
        .await
        .map_err(db("loading a notification"))?;
    Ok(row.map(|(t,)| TicketId::from(t)))
}

type Row = (
    Uuid,
    Uuid,
    Uuid,
    String,
    String,
    i64,
    String,
    bool,
    DateTime<Utc>,
    Option<String>,
);

fn info(
    (id, t, e, filename, content_type, size, sha256, raw_message, at, sniffed_type): Row,
) -> Result<AttachmentInfo> {
    Ok(AttachmentInfo {
        id: id.into(),
        ticket_id: t.into(),
        event_id: e.into(),
        filename,
        content_type,
        sniffed_type,
        size: u64::try_from(size)
            .map_err(|_| Error::corrupt(format!("attachment size {size}"), None))?,
        sha256,
        raw_message,
        at,
    })
}

pub(crate) async fn attachments(pool: &PgPool, ticket: TicketId) -> Result<Vec<AttachmentInfo>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(list_attachments()))
        .bind(*ticket.as_uuid())
        .fetch_all(pool)
        .await
        .map_err(db("listing attachments"))?;
    rows.into_iter().map(info).collect()
}

pub(crate) async fn attachment(pool: &PgPool, id: AttachmentId) -> Result<Option<Attachment>> {
    #[allow(clippy::type_complexity)]
    let row: Option<(
        Uuid,
        Uuid,
        Uuid,
        String,
        String,
        i64,
        String,
        bool,
        DateTime<Utc>,
        Option<String>,
        Vec<u8>,
    )> = sqlx::query_as(sqlx::AssertSqlSafe(load_attachment()))
        .bind(*id.as_uuid())
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
    pool: &PgPool,
    id: AttachmentId,
) -> Result<Option<AttachmentInfo>> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(super::sql::load_attachment_info()))
        .bind(*id.as_uuid())
        .fetch_optional(pool)
        .await
        .map_err(db("loading an attachment"))?;
    row.map(info).transpose()
}

pub(crate) async fn content_referenced(pool: &PgPool, sha256: &str) -> Result<bool> {
    let (n,): (i64,) = sqlx::query_as(super::sql::CONTENT_REFERENCED)
        .bind(sha256)
        .fetch_one(pool)
        .await
        .map_err(db("looking up an attachment content"))?;
    Ok(n > 0)
}

/// The [`AttachmentStore`](crate::store::AttachmentStore) of the database:
/// the `attachment_blobs` table that ticket commits write too.
pub(crate) async fn put_content(pool: &PgPool, bytes: &[u8]) -> Result<String> {
    let sha256 = super::sha256_hex(bytes);
    sqlx::query(INSERT_BLOB)
        .bind(sha256.as_str())
        .bind(bytes)
        .execute(pool)
        .await
        .map_err(db("storing an attachment's content"))?;
    Ok(sha256)
}

pub(crate) async fn content(pool: &PgPool, sha256: &str) -> Result<Option<Vec<u8>>> {
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

pub(crate) async fn remove_content(pool: &PgPool, sha256: &str) -> Result<bool> {
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
    pool: &PgPool,
    customer: crate::id::CustomerId,
    tickets: &[TicketId],
) -> Result<super::IntakeErasure> {
    let what = "erasing a requester's contacts and attachments";
    let mut tx = pool.begin().await.map_err(db(what))?;
    let contacts = sqlx::query(super::sql::DELETE_CONTACTS)
        .bind(*customer.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db(what))?
        .rows_affected();
    let mut attachments = 0;
    for t in tickets {
        attachments += sqlx::query(super::sql::DELETE_ATTACHMENTS)
            .bind(*t.as_uuid())
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
    Ok(super::IntakeErasure {
        contacts,
        attachments,
    })
}
