-- The SQLite back end's migration 0011 adds FTS5 prefix indexes for
-- search as you type. PostgreSQL needs no change: a prefix lexeme
-- ('disc':*) is a range scan of the GIN index's sorted lexemes. This
-- migration keeps the version numbers of both back ends equal.
SELECT 1;
