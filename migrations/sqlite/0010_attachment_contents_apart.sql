-- Attachment contents may live apart from the database (a directory of
-- files, `DirAttachmentStore`): an attachment's row no longer needs its
-- content in attachment_blobs. SQLite drops a foreign key by rebuilding
-- the table; nothing refers to `attachments`.
CREATE TABLE attachments_new (
    id           TEXT PRIMARY KEY NOT NULL,
    ticket_id    TEXT NOT NULL REFERENCES tickets (id),
    event_id     TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    -- The content's key, in attachment_blobs or in the attachment store.
    sha256       TEXT NOT NULL,
    sniffed_type TEXT,
    raw_message  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

INSERT INTO attachments_new (id, ticket_id, event_id, filename, content_type, size, sha256,
    sniffed_type, raw_message, created_at)
SELECT id, ticket_id, event_id, filename, content_type, size, sha256, sniffed_type,
    raw_message, created_at
FROM attachments;

DROP TABLE attachments;
ALTER TABLE attachments_new RENAME TO attachments;

CREATE INDEX attachments_ticket ON attachments (ticket_id, created_at, id);
-- Whether any attachment still refers to a content (retention's clean-up).
CREATE INDEX attachments_sha256 ON attachments (sha256);
