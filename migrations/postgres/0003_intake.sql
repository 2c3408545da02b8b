-- Intake: the contact index, the inbound messages taken in (each
-- (channel, external id) once), and attachments with their contents
-- stored once per SHA-256. Channels are written as in `tickets.channel`.

-- `email:ada@example.com`, `phone:+302105550100`, `handle:chat:@ada`.
CREATE TABLE contacts (
    key         TEXT PRIMARY KEY,
    customer_id UUID NOT NULL,
    -- The requester's details as last seen with this contact.
    requester   JSONB NOT NULL
);

CREATE TABLE inbound_messages (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    ticket_id   UUID NOT NULL REFERENCES tickets (id),
    event_id    UUID NOT NULL,
    customer_id UUID NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel, external_id)
);

CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY,
    bytes  BYTEA NOT NULL
);

CREATE TABLE attachments (
    id           UUID PRIMARY KEY,
    ticket_id    UUID NOT NULL REFERENCES tickets (id),
    event_id     UUID NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL REFERENCES attachment_blobs (sha256),
    -- What the first bytes tell (`store::intake::sniff`), if anything.
    sniffed_type TEXT,
    -- True for the message exactly as received (staff only).
    raw_message  BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX attachments_ticket ON attachments (ticket_id, created_at, id);
