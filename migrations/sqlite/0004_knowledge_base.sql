-- The knowledge base: articles (snapshot + append-only events), their
-- documents for search (one per article and locale) with an FTS5
-- external-content index, and suggestions with their outcomes.
--
-- The indexed columns hold the crate's own folded words (kb::text::index_text),
-- so FTS5's tokenizer sees exactly the words every other back end sees;
-- `remove_diacritics 2` is belt and braces for text written by hand.

CREATE TABLE kb_articles (
    id         TEXT PRIMARY KEY NOT NULL,
    state      TEXT NOT NULL,
    category   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    snapshot   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX kb_articles_state ON kb_articles (state, id);

CREATE TABLE kb_tags (
    article_id TEXT NOT NULL REFERENCES kb_articles (id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
) STRICT, WITHOUT ROWID;

CREATE TABLE kb_events (
    article_id TEXT NOT NULL REFERENCES kb_articles (id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    payload    TEXT NOT NULL,
    PRIMARY KEY (article_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER kb_events_no_update BEFORE UPDATE ON kb_events
BEGIN
    SELECT RAISE(ABORT, 'article events are append-only');
END;
CREATE TRIGGER kb_events_no_delete BEFORE DELETE ON kb_events
BEGIN
    SELECT RAISE(ABORT, 'article events are append-only');
END;

-- One row per article and locale: the latest version's plain title and
-- body (for highlighting) and their folded words (for the index).
CREATE TABLE kb_docs (
    id         INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES kb_articles (id),
    locale     TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    title_idx  TEXT NOT NULL,
    body_idx   TEXT NOT NULL,
    UNIQUE (article_id, locale)
) STRICT;

CREATE VIRTUAL TABLE kb_fts USING fts5(
    title_idx,
    body_idx,
    content = 'kb_docs',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER kb_docs_ai AFTER INSERT ON kb_docs BEGIN
    INSERT INTO kb_fts (rowid, title_idx, body_idx) VALUES (new.id, new.title_idx, new.body_idx);
END;
CREATE TRIGGER kb_docs_ad AFTER DELETE ON kb_docs BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title_idx, body_idx)
    VALUES ('delete', old.id, old.title_idx, old.body_idx);
END;
CREATE TRIGGER kb_docs_au AFTER UPDATE ON kb_docs BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title_idx, body_idx)
    VALUES ('delete', old.id, old.title_idx, old.body_idx);
    INSERT INTO kb_fts (rowid, title_idx, body_idx) VALUES (new.id, new.title_idx, new.body_idx);
END;

CREATE TABLE kb_suggestions (
    id           TEXT PRIMARY KEY NOT NULL,
    at           INTEGER NOT NULL,
    has_articles INTEGER NOT NULL,
    payload      TEXT NOT NULL
) STRICT;

CREATE INDEX kb_suggestions_at ON kb_suggestions (at);

-- `outcome_key` is the outcome's kind and subject, so the same outcome
-- twice is one row.
CREATE TABLE kb_outcomes (
    seq           INTEGER PRIMARY KEY,
    suggestion_id TEXT NOT NULL REFERENCES kb_suggestions (id),
    kind          TEXT NOT NULL,
    outcome_key   TEXT NOT NULL,
    at            INTEGER NOT NULL,
    payload       TEXT NOT NULL,
    UNIQUE (suggestion_id, outcome_key)
) STRICT;
