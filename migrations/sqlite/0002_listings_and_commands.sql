-- Listings by category, tag, channel and time, sorting by SLA due,
-- priority and last change, "breaching soon", command idempotency, and
-- events' kind and time as columns. Every new column is filled here for
-- the rows already stored, from the JSON the old version wrote.
--
-- Instants are INTEGER microseconds since the Unix epoch. The JSON holds
-- them as RFC 3339 text with 0 to 9 fraction digits and a `Z` (or an
-- offset): whole seconds come from strftime('%s', ...) on the text without
-- its fraction, and the fraction is cut (not rounded) to 6 digits, as
-- chrono's timestamp_micros() does.

-- Events -------------------------------------------------------------------

-- The append-only triggers would refuse the backfill; they come back below.
DROP TRIGGER events_no_update;
DROP TRIGGER events_no_delete;

-- `EventKind::name()`, which is the payload's `kind.type`.
ALTER TABLE events ADD COLUMN kind TEXT NOT NULL DEFAULT '';
-- When the event happened (the payload's `at`).
ALTER TABLE events ADD COLUMN at INTEGER NOT NULL DEFAULT 0;

UPDATE events SET
    kind = json_extract(payload, '$.kind.type'),
    at = (
        WITH t(s) AS (SELECT json_extract(payload, '$.at'))
        SELECT CAST(strftime('%s', substr(s, 1, 19) || CASE WHEN s LIKE '%Z' THEN 'Z' ELSE substr(s, -6) END) AS INTEGER) * 1000000
             + CASE WHEN substr(s, 20, 1) = '.'
                    THEN CAST(substr(substr(s, 21, length(s) - 20 - CASE WHEN s LIKE '%Z' THEN 1 ELSE 6 END) || '000000', 1, 6) AS INTEGER)
                    ELSE 0 END
        FROM t
    );

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- Tickets ------------------------------------------------------------------

-- SQLite adds NOT NULL columns only with a default; every row gets its
-- real value below, and every write sets them.
-- The category in ASCII lowercase (filters ignore ASCII case).
ALTER TABLE tickets ADD COLUMN category_key TEXT;
-- `email`, `portal`, ... or `other:<name>` for `Channel::Other`.
ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
-- 0 critical, 1 high, 2 medium, 3 low: ascending is most urgent first.
ALTER TABLE tickets ADD COLUMN priority_rank INTEGER NOT NULL DEFAULT 0;
-- The schedule's SLA due and policy (`Schedule::sla_due`, `sla_policy`).
-- Unknown for rows written before: the desk sets them at the next change.
ALTER TABLE tickets ADD COLUMN sla_due INTEGER;
ALTER TABLE tickets ADD COLUMN sla_policy TEXT;

UPDATE tickets SET
    category_key = lower(json_extract(snapshot, '$.category')),
    channel = CASE json_type(snapshot, '$.channel')
        WHEN 'text' THEN json_extract(snapshot, '$.channel')
        ELSE 'other:' || json_extract(snapshot, '$.channel.other') END,
    created_at = (
        WITH t(s) AS (SELECT json_extract(snapshot, '$.created_at'))
        SELECT CAST(strftime('%s', substr(s, 1, 19) || CASE WHEN s LIKE '%Z' THEN 'Z' ELSE substr(s, -6) END) AS INTEGER) * 1000000
             + CASE WHEN substr(s, 20, 1) = '.'
                    THEN CAST(substr(substr(s, 21, length(s) - 20 - CASE WHEN s LIKE '%Z' THEN 1 ELSE 6 END) || '000000', 1, 6) AS INTEGER)
                    ELSE 0 END
        FROM t
    ),
    updated_at = (
        WITH t(s) AS (SELECT json_extract(snapshot, '$.updated_at'))
        SELECT CAST(strftime('%s', substr(s, 1, 19) || CASE WHEN s LIKE '%Z' THEN 'Z' ELSE substr(s, -6) END) AS INTEGER) * 1000000
             + CASE WHEN substr(s, 20, 1) = '.'
                    THEN CAST(substr(substr(s, 21, length(s) - 20 - CASE WHEN s LIKE '%Z' THEN 1 ELSE 6 END) || '000000', 1, 6) AS INTEGER)
                    ELSE 0 END
        FROM t
    ),
    priority_rank = CASE priority
        WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END;

-- One index per sort order (creation order is the primary key's).
-- Earliest SLA due first, tickets without one last.
CREATE INDEX tickets_next_due ON tickets (sla_due IS NULL, sla_due, id);
CREATE INDEX tickets_priority ON tickets (priority_rank, id);
CREATE INDEX tickets_updated  ON tickets (updated_at, id);
CREATE INDEX tickets_created  ON tickets (created_at);
-- "Breaching soon": SLA due at or before an instant, per policy.
CREATE INDEX tickets_breaching ON tickets (sla_policy, sla_due) WHERE sla_due IS NOT NULL;

-- A ticket's tags in ASCII lowercase, kept in step by every commit.
CREATE TABLE ticket_tags (
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    tag_key   TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX ticket_tags_by_tag ON ticket_tags (tag_key, ticket_id);

-- SQLite's built-in lower() changes ASCII letters only, as the filter does.
INSERT OR IGNORE INTO ticket_tags (ticket_id, tag_key)
SELECT tickets.id, lower(tag.value)
FROM tickets, json_each(tickets.snapshot, '$.tags') AS tag;

-- Commands ------------------------------------------------------------------

-- Commands carried out under an idempotency key (`CommandRecord`), written
-- in the commit that carries the command out.
CREATE TABLE commands (
    key    TEXT PRIMARY KEY NOT NULL,
    record TEXT NOT NULL,
    at     INTEGER NOT NULL
) STRICT;
