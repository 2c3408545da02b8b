-- helpdesk schema for PostgreSQL. Created in the connection's search_path,
-- so one database can hold several desks (or one per test) in schemas.

CREATE TABLE tickets (
    id              UUID PRIMARY KEY,
    reference       BIGINT NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    group_id        TEXT,
    assignee        UUID,
    priority        TEXT NOT NULL,
    requester_id    UUID NOT NULL,
    subject         TEXT NOT NULL,
    -- Lowercased in Rust so the text filter matches exactly like the other back ends.
    subject_lower   TEXT NOT NULL,
    snapshot        JSONB NOT NULL,
    version         BIGINT NOT NULL,
    next_deadline   TIMESTAMPTZ,
    due_lease_until TIMESTAMPTZ
);

CREATE INDEX tickets_status    ON tickets (status, id);
CREATE INDEX tickets_group     ON tickets (group_id, id);
CREATE INDEX tickets_assignee  ON tickets (assignee, id);
CREATE INDEX tickets_requester ON tickets (requester_id, id);
CREATE INDEX tickets_due       ON tickets (next_deadline, id) WHERE next_deadline IS NOT NULL;

CREATE TABLE events (
    ticket_id UUID NOT NULL REFERENCES tickets (id),
    seq       BIGINT NOT NULL,
    payload   JSONB NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);

-- The timeline is the truth: it is only ever appended to.
CREATE FUNCTION helpdesk_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION helpdesk_events_append_only();

CREATE TABLE outbox (
    id              UUID PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    ticket_id       UUID NOT NULL,
    payload         JSONB NOT NULL,
    available_at    TIMESTAMPTZ NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ
);

CREATE INDEX outbox_pending ON outbox (available_at, id) WHERE delivered_at IS NULL;

-- References start at 1001, like the in-memory store's.
CREATE SEQUENCE ticket_reference START WITH 1001;
