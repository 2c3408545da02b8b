-- helpdesk schema for SQLite. Instants are INTEGER microseconds since the
-- Unix epoch (UTC), so comparisons and ORDER BY are plain integer ones.
-- Ids are hyphenated lowercase UUID text, which sorts like the UUID bytes.

CREATE TABLE tickets (
    id              TEXT PRIMARY KEY NOT NULL,
    reference       INTEGER NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    group_id        TEXT,
    assignee        TEXT,
    priority        TEXT NOT NULL,
    requester_id    TEXT NOT NULL,
    subject         TEXT NOT NULL,
    -- Lowercased in Rust so the text filter matches Unicode case-insensitively.
    subject_lower   TEXT NOT NULL,
    snapshot        TEXT NOT NULL,
    version         INTEGER NOT NULL,
    next_deadline   INTEGER,
    due_lease_until INTEGER
) STRICT;

CREATE INDEX tickets_status    ON tickets (status, id);
CREATE INDEX tickets_group     ON tickets (group_id, id);
CREATE INDEX tickets_assignee  ON tickets (assignee, id);
CREATE INDEX tickets_requester ON tickets (requester_id, id);
CREATE INDEX tickets_due       ON tickets (next_deadline, id) WHERE next_deadline IS NOT NULL;

CREATE TABLE events (
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    seq       INTEGER NOT NULL,
    payload   TEXT NOT NULL,
    PRIMARY KEY (ticket_id, seq)
) STRICT, WITHOUT ROWID;

-- The timeline is the truth: it is only ever appended to.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    ticket_id       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    available_at    INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    delivered_at    INTEGER
) STRICT;

CREATE INDEX outbox_pending ON outbox (available_at, id) WHERE delivered_at IS NULL;

CREATE TABLE ticket_reference (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    last     INTEGER NOT NULL
) STRICT;

-- References start at 1001, like the in-memory store's.
INSERT INTO ticket_reference (only_row, last) VALUES (1, 1000);
