-- The knowledge base: articles (snapshot + append-only events), their
-- documents for search (one per article and locale) with a weighted
-- tsvector and a GIN index, and suggestions with their outcomes.
--
-- The indexed columns hold the crate's own folded words
-- (kb::text::index_text: lowercase, diacritics removed in Rust, so no
-- `unaccent` extension is needed), read with the 'simple' configuration
-- (no stemming, no stop words), so PostgreSQL sees exactly the words every
-- other back end sees. The title has weight A, the body weight B.

CREATE TABLE kb_articles (
    id         UUID PRIMARY KEY,
    state      TEXT NOT NULL,
    category   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    snapshot   JSONB NOT NULL,
    version    BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX kb_articles_state ON kb_articles (state, id);

CREATE TABLE kb_tags (
    article_id UUID NOT NULL REFERENCES kb_articles (id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
);

CREATE TABLE kb_events (
    article_id UUID NOT NULL REFERENCES kb_articles (id),
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    payload    JSONB NOT NULL,
    PRIMARY KEY (article_id, seq)
);

CREATE FUNCTION helpdesk_kb_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'article events are append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER kb_events_append_only BEFORE UPDATE OR DELETE ON kb_events
    FOR EACH ROW EXECUTE FUNCTION helpdesk_kb_events_append_only();

-- One row per article and locale. `len` is the number of words in title
-- and body, for BM25's length normalisation.
CREATE TABLE kb_docs (
    article_id UUID NOT NULL REFERENCES kb_articles (id),
    locale     TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    title_idx  TEXT NOT NULL,
    body_idx   TEXT NOT NULL,
    len        INTEGER NOT NULL,
    tsv        TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_idx), 'A') ||
        setweight(to_tsvector('simple', body_idx), 'B')
    ) STORED,
    PRIMARY KEY (article_id, locale)
);

CREATE INDEX kb_docs_tsv ON kb_docs USING GIN (tsv);

-- The index's document count and total length (BM25's N and avgdl), kept
-- by the writes so a search does not count the table.
CREATE TABLE kb_stats (
    only_row  INTEGER PRIMARY KEY CHECK (only_row = 1),
    docs      BIGINT NOT NULL,
    total_len BIGINT NOT NULL
);
INSERT INTO kb_stats (only_row, docs, total_len) VALUES (1, 0, 0);

CREATE TABLE kb_suggestions (
    id           UUID PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    has_articles BOOLEAN NOT NULL,
    payload      JSONB NOT NULL
);

CREATE INDEX kb_suggestions_at ON kb_suggestions (at);

CREATE TABLE kb_outcomes (
    seq           BIGSERIAL PRIMARY KEY,
    suggestion_id UUID NOT NULL REFERENCES kb_suggestions (id),
    kind          TEXT NOT NULL,
    outcome_key   TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    payload       JSONB NOT NULL,
    UNIQUE (suggestion_id, outcome_key)
);
