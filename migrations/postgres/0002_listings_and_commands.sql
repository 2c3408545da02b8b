-- Listings by category, tag, channel and time, sorting by SLA due,
-- priority and last change, "breaching soon", command idempotency, and
-- events' kind and time as columns. Every new column is filled here for
-- the rows already stored, from the JSON the old version wrote.
--
-- The JSON holds instants as RFC 3339 text with 0 to 9 fraction digits.
-- PostgreSQL keeps microseconds and would round a longer fraction, where
-- chrono (and so every other write) cuts it: the fraction is cut to 6
-- digits before the text is cast.

-- ASCII-only lowercase, as the filters compare (lower() would also fold
-- non-ASCII letters under the database's locale).
CREATE FUNCTION helpdesk_ascii_lower(s TEXT) RETURNS TEXT AS $$
    SELECT translate(s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
$$ LANGUAGE SQL IMMUTABLE STRICT;

-- An RFC 3339 instant as chrono reads it, to the microsecond.
CREATE FUNCTION helpdesk_instant(s TEXT) RETURNS TIMESTAMPTZ AS $$
    SELECT regexp_replace(s, '(\.[0-9]{6})[0-9]+', '\1')::timestamptz
$$ LANGUAGE SQL STABLE STRICT;

-- Events -------------------------------------------------------------------

-- `EventKind::name()`, which is the payload's `kind.type`.
ALTER TABLE events ADD COLUMN kind TEXT;
-- When the event happened (the payload's `at`).
ALTER TABLE events ADD COLUMN at TIMESTAMPTZ;

-- The append-only trigger would refuse the backfill.
ALTER TABLE events DISABLE TRIGGER events_append_only;
UPDATE events SET
    kind = payload #>> '{kind,type}',
    at = helpdesk_instant(payload ->> 'at');
ALTER TABLE events ENABLE TRIGGER events_append_only;

ALTER TABLE events ALTER COLUMN kind SET NOT NULL;
ALTER TABLE events ALTER COLUMN at SET NOT NULL;

-- Tickets ------------------------------------------------------------------

-- The category in ASCII lowercase (filters ignore ASCII case).
ALTER TABLE tickets ADD COLUMN category_key TEXT;
-- `email`, `portal`, ... or `other:<name>` for `Channel::Other`.
ALTER TABLE tickets ADD COLUMN channel TEXT;
ALTER TABLE tickets ADD COLUMN created_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN updated_at TIMESTAMPTZ;
-- 0 critical, 1 high, 2 medium, 3 low: ascending is most urgent first.
ALTER TABLE tickets ADD COLUMN priority_rank SMALLINT;
-- The schedule's SLA due and policy (`Schedule::sla_due`, `sla_policy`).
-- Unknown for rows written before: the desk sets them at the next change.
ALTER TABLE tickets ADD COLUMN sla_due TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN sla_policy TEXT;

UPDATE tickets SET
    category_key = helpdesk_ascii_lower(snapshot ->> 'category'),
    channel = CASE jsonb_typeof(snapshot -> 'channel')
        WHEN 'string' THEN snapshot ->> 'channel'
        ELSE 'other:' || (snapshot #>> '{channel,other}') END,
    created_at = helpdesk_instant(snapshot ->> 'created_at'),
    updated_at = helpdesk_instant(snapshot ->> 'updated_at'),
    priority_rank = CASE priority
        WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END;

ALTER TABLE tickets ALTER COLUMN channel SET NOT NULL;
ALTER TABLE tickets ALTER COLUMN created_at SET NOT NULL;
ALTER TABLE tickets ALTER COLUMN updated_at SET NOT NULL;
ALTER TABLE tickets ALTER COLUMN priority_rank SET NOT NULL;

-- One index per sort order (creation order is the primary key's).
-- Earliest SLA due first, tickets without one last: the same expression
-- as SQLite's, so both run one statement.
CREATE INDEX tickets_next_due ON tickets ((sla_due IS NULL), sla_due, id);
CREATE INDEX tickets_priority ON tickets (priority_rank, id);
CREATE INDEX tickets_updated  ON tickets (updated_at, id);
CREATE INDEX tickets_created  ON tickets (created_at);
-- "Breaching soon": SLA due at or before an instant, per policy.
CREATE INDEX tickets_breaching ON tickets (sla_policy, sla_due) WHERE sla_due IS NOT NULL;

-- A ticket's tags in ASCII lowercase, kept in step by every commit.
CREATE TABLE ticket_tags (
    ticket_id UUID NOT NULL REFERENCES tickets (id),
    tag_key   TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag_key)
);

CREATE INDEX ticket_tags_by_tag ON ticket_tags (tag_key, ticket_id);

INSERT INTO ticket_tags (ticket_id, tag_key)
SELECT tickets.id, helpdesk_ascii_lower(tag)
FROM tickets, jsonb_array_elements_text(tickets.snapshot -> 'tags') AS tag
ON CONFLICT DO NOTHING;

-- Commands ------------------------------------------------------------------

-- Commands carried out under an idempotency key (`CommandRecord`), written
-- in the commit that carries the command out.
CREATE TABLE commands (
    key    TEXT PRIMARY KEY,
    record JSONB NOT NULL,
    at     TIMESTAMPTZ NOT NULL
);
