-- Search as you type ends a query in an unfinished word ("vpn disc"), a
-- prefix query. Without a prefix index FTS5 answers it by merging the
-- posting lists of every indexed word that starts with the prefix: for a
-- two-letter prefix over a large vocabulary thousands of lists, which made
-- such a search over 100,000 articles take a quarter of a second
-- (benches/kb.rs). Prefix indexes of 2, 3 and 4 characters make each a
-- single lookup; longer prefixes match few enough words to merge.
--
-- The external-content table is rebuilt from kb_docs; the triggers on
-- kb_docs name kb_fts and keep working.

DROP TABLE kb_fts;

CREATE VIRTUAL TABLE kb_fts USING fts5(
    title_idx,
    body_idx,
    content = 'kb_docs',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

INSERT INTO kb_fts (kb_fts) VALUES ('rebuild');
