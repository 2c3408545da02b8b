-- Intake: the contact index, the inbound messages taken in (each
-- (channel, external id) once), and attachments with their contents
-- stored once per SHA-256. Instants are INTEGER microseconds since the
-- Unix epoch; channels are written as in `tickets.channel`.

-- `email:ada@example.com`, `phone:+302105550100`, `handle:chat:@ada`.
CREATE TABLE contacts (
    key         TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL,
    -- The requester's details (JSON) as last seen with this contact.
    requester   TEXT NOT NULL
) STRICT;

CREATE TABLE inbound_messages (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id),
    event_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (channel, external_id)
) STRICT;

CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY NOT NULL,
    bytes  BLOB NOT NULL
) STRICT;

CREATE TABLE attachments (
    id           TEXT PRIMARY KEY NOT NULL,
    ticket_id    TEXT NOT NULL REFERENCES tickets (id),
    event_id     TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL REFERENCES attachment_blobs (sha256),
    -- What the first bytes tell (`store::intake::sniff`), if anything.
    sniffed_type TEXT,
    -- 1 for the message exactly as received (staff only).
    raw_message  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX attachments_ticket ON attachments (ticket_id, created_at, id);
