//! The intake statements both SQL back ends run (`$n` placeholders).

/// Indexes a new ticket's requester contact `$1` for customer `$2`
/// (requester `$3`) unless someone holds it already.
pub(crate) const INDEX_CONTACT: &str = "INSERT INTO contacts (key, customer_id, requester) \
     VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING";

/// Stores contact `$1` for customer `$2` (requester `$3`), or refreshes the
/// requester where the same customer holds it; zero rows when another
/// customer holds it (a conflict).
pub(crate) const CLAIM_CONTACT: &str = "INSERT INTO contacts (key, customer_id, requester) \
     VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET requester = excluded.requester \
     WHERE contacts.customer_id = excluded.customer_id";

/// The requester holding contact `$1`.
pub(crate) const LOAD_CONTACT: &str = "SELECT requester FROM contacts WHERE key = $1";

/// Records an inbound message; zero rows when `(channel, external_id)` is
/// stored already (a duplicate).
pub(crate) const INSERT_INBOUND: &str = "INSERT INTO inbound_messages \
     (channel, external_id, ticket_id, event_id, customer_id, received_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";

/// Inbound message `($1, $2)`.
pub(crate) const LOAD_INBOUND: &str = "SELECT ticket_id, event_id, customer_id, received_at \
     FROM inbound_messages WHERE channel = $1 AND external_id = $2";

/// The ticket of notification `$1`.
pub(crate) const NOTIFICATION_TICKET: &str = "SELECT ticket_id FROM outbox WHERE id = $1";

/// Stores content `$2` under SHA-256 `$1` unless it is stored already.
pub(crate) const INSERT_BLOB: &str =
    "INSERT INTO attachment_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT DO NOTHING";

/// Stores an attachment's row.
pub(crate) const INSERT_ATTACHMENT: &str = "INSERT INTO attachments \
     (id, ticket_id, event_id, filename, content_type, size, sha256, raw_message, created_at, \
     sniffed_type) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// The columns of an attachment's row, in [`AttachmentRow`] order.
const ATTACHMENT_COLUMNS: &str = "a.id, a.ticket_id, a.event_id, a.filename, a.content_type, \
     a.size, a.sha256, a.raw_message, a.created_at, a.sniffed_type";

/// Ticket `$1`'s attachments, oldest first.
pub(crate) fn list_attachments() -> String {
    format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM attachments a WHERE a.ticket_id = $1 \
         ORDER BY a.created_at, a.id"
    )
}

/// Attachment `$1` with its content.
pub(crate) fn load_attachment() -> String {
    format!(
        "SELECT {ATTACHMENT_COLUMNS}, b.bytes FROM attachments a \
         JOIN attachment_blobs b ON b.sha256 = a.sha256 WHERE a.id = $1"
    )
}

/// Attachment `$1` without its content.
pub(crate) fn load_attachment_info() -> String {
    format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments a WHERE a.id = $1")
}

/// Whether any attachment has content `$1` (0 or 1).
pub(crate) const CONTENT_REFERENCED: &str =
    "SELECT COUNT(*) FROM (SELECT 1 FROM attachments WHERE sha256 = $1 LIMIT 1) AS r";

/// The content stored under SHA-256 `$1`.
pub(crate) const LOAD_BLOB: &str = "SELECT bytes FROM attachment_blobs WHERE sha256 = $1";

/// Removes the content stored under SHA-256 `$1`.
pub(crate) const DELETE_BLOB: &str = "DELETE FROM attachment_blobs WHERE sha256 = $1";

/// Erasure: the contact keys of customer `$1`.
pub(crate) const DELETE_CONTACTS: &str = "DELETE FROM contacts WHERE customer_id = $1";

/// Erasure: the attachments of ticket `$1` (their contents go with
/// `sql_common::DELETE_ORPHAN_BLOBS`).
pub(crate) const DELETE_ATTACHMENTS: &str = "DELETE FROM attachments WHERE ticket_id = $1";
