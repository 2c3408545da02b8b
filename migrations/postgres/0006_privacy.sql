-- Privacy: requesters' data keys (wrapped), the erasure audit trail, and
-- the one documented exception to the append-only timeline.

-- A requester's data keys, wrapped by the key-encryption key. `wrapped`
-- becomes NULL when the key is destroyed (the requester was erased); the
-- row stays, so a value sealed under it reads as erased, not as corrupt.
CREATE TABLE data_keys (
    id           UUID PRIMARY KEY,
    customer_id  UUID NOT NULL,
    kek_id       TEXT NOT NULL,
    wrapped      BYTEA,
    destroyed_at TIMESTAMPTZ
);

-- At most one live key per requester: the first writer's wins.
CREATE UNIQUE INDEX data_keys_live ON data_keys (customer_id) WHERE wrapped IS NOT NULL;

-- Who erased whose data, when, why and how much (never the data).
CREATE TABLE erasures (
    id          UUID PRIMARY KEY,
    customer_id UUID NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    record      JSONB NOT NULL
);

CREATE INDEX erasures_by_customer ON erasures (customer_id, at);

-- The access audit: which staff member read whose data, when (on by
-- configuration; queried by admins only).
CREATE TABLE access_log (
    id          UUID PRIMARY KEY,
    customer_id UUID NOT NULL,
    ticket_id   UUID NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    record      JSONB NOT NULL
);

CREATE INDEX access_log_by_customer ON access_log (customer_id, at);

-- Privileged writes: a transaction that runs
-- `SET LOCAL helpdesk.privileged_write = 'on'` may rewrite or delete events
-- (redaction and retention deletion, nothing else); the setting ends with
-- the transaction.
CREATE OR REPLACE FUNCTION helpdesk_events_append_only() RETURNS trigger AS $$
BEGIN
    IF current_setting('helpdesk.privileged_write', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'events are append-only';
END;
$$ LANGUAGE plpgsql;
