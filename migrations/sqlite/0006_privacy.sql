-- Privacy: requesters' data keys (wrapped), the erasure audit trail, and
-- the one documented exception to the append-only timeline.

-- A requester's data keys, wrapped by the key-encryption key. `wrapped`
-- becomes NULL when the key is destroyed (the requester was erased); the
-- row stays, so a value sealed under it reads as erased, not as corrupt.
CREATE TABLE data_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    customer_id  TEXT NOT NULL,
    kek_id       TEXT NOT NULL,
    wrapped      BLOB,
    destroyed_at INTEGER
) STRICT;

-- At most one live key per requester: the first writer's wins.
CREATE UNIQUE INDEX data_keys_live ON data_keys (customer_id) WHERE wrapped IS NOT NULL;

-- Who erased whose data, when, why and how much (never the data).
CREATE TABLE erasures (
    id          TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL,
    at          INTEGER NOT NULL,
    record      TEXT NOT NULL
) STRICT;

CREATE INDEX erasures_by_customer ON erasures (customer_id, at);

-- The access audit: which staff member read whose data, when (on by
-- configuration; queried by admins only).
CREATE TABLE access_log (
    id          TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL,
    ticket_id   TEXT NOT NULL,
    at          INTEGER NOT NULL,
    record      TEXT NOT NULL
) STRICT;

CREATE INDEX access_log_by_customer ON access_log (customer_id, at);

-- Privileged writes: a transaction that inserts this table's one row may
-- rewrite or delete events (redaction and retention deletion, nothing
-- else), and removes the row again before it commits, so no other
-- transaction ever sees it. SQLite serialises writers, and triggers can
-- only read tables of their own database, hence a table, not a setting.
CREATE TABLE privileged_write (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1)
) STRICT;

DROP TRIGGER events_no_update;
DROP TRIGGER events_no_delete;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT EXISTS (SELECT 1 FROM privileged_write)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN NOT EXISTS (SELECT 1 FROM privileged_write)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
