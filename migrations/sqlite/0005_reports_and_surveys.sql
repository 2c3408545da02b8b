-- Metric rows for reports (issue 13): one row per ticket, replaced by
-- every commit that carries one (TicketWrite::metrics), in the same
-- transaction. `body` is the whole MetricRow as JSON; the other columns
-- are what the report SQL reads. Instants are BIGINT microseconds since
-- the Unix epoch (on both databases, so the report SQL is one text), and
-- durations whole seconds. Tickets that existed before this migration get
-- their rows from HelpDesk::backfill_metrics.

CREATE TABLE metric_rows (
    ticket_id           TEXT PRIMARY KEY REFERENCES tickets (id),
    body                TEXT NOT NULL,
    -- The dimensions, as report::Dimension::value gives them.
    group_id            TEXT,
    agent               TEXT,
    channel             TEXT NOT NULL,
    category            TEXT,
    priority            TEXT NOT NULL,
    organization        TEXT,
    created_at          BIGINT NOT NULL,
    -- The latest resolution, only while the ticket is resolved.
    resolved_at         BIGINT,
    first_reply_cal     BIGINT,
    first_reply_bus     BIGINT,
    full_resolution_cal BIGINT,
    full_resolution_bus BIGINT,
    -- 1 when resolved with fewer than 2 public agent replies.
    one_touch           INTEGER NOT NULL,
    -- 1 when reopened at least once.
    reopened            INTEGER NOT NULL,
    -- SLA cycles met and breached, in the order of sla::Metric::ALL.
    sla_met_0           INTEGER NOT NULL,
    sla_met_1           INTEGER NOT NULL,
    sla_met_2           INTEGER NOT NULL,
    sla_met_3           INTEGER NOT NULL,
    sla_breached_0      INTEGER NOT NULL,
    sla_breached_1      INTEGER NOT NULL,
    sla_breached_2      INTEGER NOT NULL,
    sla_breached_3      INTEGER NOT NULL,
    -- The latest rating: its scale (good_bad, stars, nps, ces) and value
    -- (good 1, bad 0; the stars, score or effort otherwise).
    rating_scale        TEXT,
    rating_value        INTEGER,
    rated_at            BIGINT,
    survey_sent_at      BIGINT,
    -- 1 when the latest rating is about the latest invitation's cycle.
    survey_answered     INTEGER NOT NULL
);

CREATE INDEX metric_rows_created  ON metric_rows (created_at);
CREATE INDEX metric_rows_resolved ON metric_rows (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX metric_rows_rated    ON metric_rows (rated_at) WHERE rated_at IS NOT NULL;
CREATE INDEX metric_rows_surveyed ON metric_rows (survey_sent_at) WHERE survey_sent_at IS NOT NULL;

-- The periods each ticket was unresolved (MetricRow::unresolved), for the
-- backlog at each bucket's end; `until_at` NULL while still unresolved.
CREATE TABLE metric_spans (
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    n         INTEGER NOT NULL,
    from_at   BIGINT NOT NULL,
    until_at  BIGINT,
    PRIMARY KEY (ticket_id, n)
);

CREATE INDEX metric_spans_from ON metric_spans (from_at);
