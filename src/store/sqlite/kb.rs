//! The SQLite [`KnowledgeStore`]: FTS5 over the crate's folded words,
//! ranked by `bm25()` with the title weighted 3 to the body's 1.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::{BEGIN_WRITE, SqliteStore, micros, text_id};
use crate::error::{Error, Result};
use crate::id::{ArticleId, SuggestionId};
use crate::kb::text::Match;
use crate::kb::{Article, ArticleEvent, Highlighter, SearchResults};
use crate::store::TimeRange;
use crate::store::kb_sql::{docs_of, filter_conditions, hit, locale_condition, parsed, tags_of};
use crate::store::knowledge::{
    ArticleQuery, ArticleWrite, Deflection, KbSearch, KnowledgeStore, SuggestionOutcome,
    SuggestionRecord, article_conflict, check_outcome,
};
use crate::store::sql_common::{db, to_i64, to_u64};

const INSERT_ARTICLE: &str = "INSERT INTO kb_articles (id, state, category, kind, snapshot, version, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING";
const UPDATE_ARTICLE: &str = "UPDATE kb_articles SET state = ?2, category = ?3, kind = ?4, snapshot = ?5, \
     version = ?6, updated_at = ?7 WHERE id = ?1 AND version = ?8";
const ARTICLE_VERSION: &str = "SELECT version FROM kb_articles WHERE id = ?1";
const INSERT_EVENT: &str =
    "INSERT INTO kb_events (article_id, seq, kind, at, payload) VALUES (?1, ?2, ?3, ?4, ?5)";
const INSERT_DOC: &str = "INSERT INTO kb_docs (article_id, locale, title, body, title_idx, body_idx) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

fn ph() -> impl FnMut() -> String {
    || "?".to_owned()
}

/// Writes the article's row, events, tags and documents (replacing the old ones).
async fn write_article(conn: &mut SqliteConnection, w: &ArticleWrite) -> Result<()> {
    let a = &w.article;
    let id = text_id(a.id.as_uuid());
    let (sql, base) = match w.expected_version {
        None => (INSERT_ARTICLE, 0),
        Some(v) => (UPDATE_ARTICLE, to_i64(v, "version")?),
    };
    let written = sqlx::query(sql)
        .bind(id)
        .bind(a.state.as_str())
        .bind(a.category.as_str())
        .bind(a.kind.as_str())
        .bind(Json(a))
        .bind(to_i64(a.version, "version")?)
        .bind(micros(a.updated_at))
        .bind(base)
        .execute(&mut *conn)
        .await
        .map_err(db("writing an article"))?
        .rows_affected();
    if written == 0 {
        let actual: Option<(i64,)> = sqlx::query_as(ARTICLE_VERSION)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("reading an article version"))?;
        let actual = actual.map_or(Ok(0), |(v,)| to_u64(v, "version"))?;
        return Err(article_conflict(a.id, w.expected_version, actual));
    }
    for e in &w.events {
        sqlx::query(INSERT_EVENT)
            .bind(id)
            .bind(to_i64(e.seq, "seq")?)
            .bind(e.kind.name())
            .bind(micros(e.at))
            .bind(Json(e))
            .execute(&mut *conn)
            .await
            .map_err(db("appending an article event"))?;
    }
    sqlx::query("DELETE FROM kb_tags WHERE article_id = ?1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db("updating an article's tags"))?;
    for tag in tags_of(a) {
        sqlx::query("INSERT INTO kb_tags (article_id, tag) VALUES (?1, ?2)")
            .bind(id)
            .bind(tag)
            .execute(&mut *conn)
            .await
            .map_err(db("storing an article's tags"))?;
    }
    sqlx::query("DELETE FROM kb_docs WHERE article_id = ?1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db("reindexing an article"))?;
    for d in docs_of(a) {
        sqlx::query(INSERT_DOC)
            .bind(id)
            .bind(d.locale)
            .bind(d.title)
            .bind(d.body)
            .bind(d.title_idx)
            .bind(d.body_idx)
            .execute(&mut *conn)
            .await
            .map_err(db("indexing an article"))?;
    }
    Ok(())
}

/// Rows per multi-row `INSERT`: at most 7 parameters a row keeps a
/// statement well below SQLite's 32,766 bound parameters.
const ROWS_PER_INSERT: usize = 500;

/// Inserts `rows` into `head` (`INSERT INTO t (cols) `), at most
/// [`ROWS_PER_INSERT`] a statement.
async fn insert_rows<T>(
    conn: &mut SqliteConnection,
    head: &str,
    rows: &[T],
    what: &'static str,
    mut bind: impl FnMut(sqlx::query_builder::Separated<'_, Sqlite, &'static str>, &T),
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut b = QueryBuilder::<Sqlite>::new(head);
        b.push_values(chunk, &mut bind);
        b.build().execute(&mut *conn).await.map_err(db(what))?;
    }
    Ok(())
}

/// Inserts new articles (`expected_version` `None`) with their events,
/// tags and documents, each table in multi-row statements. An article
/// that already exists is a conflict; the caller's transaction then rolls
/// everything back.
async fn insert_articles(conn: &mut SqliteConnection, writes: &[&ArticleWrite]) -> Result<()> {
    for chunk in writes.chunks(ROWS_PER_INSERT) {
        let mut b =
            QueryBuilder::<Sqlite>::new("SELECT id, version FROM kb_articles WHERE id IN (");
        let mut ids = b.separated(", ");
        for w in chunk {
            ids.push_bind(text_id(w.article.id.as_uuid()));
        }
        b.push(") LIMIT 1");
        let existing: Option<(String, i64)> = b
            .build_query_as()
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("reading article versions"))?;
        if let Some((id, version)) = existing {
            let id: ArticleId = id
                .parse()
                .map_err(|e| Error::corrupt("a stored article id", Some(Box::new(e))))?;
            return Err(article_conflict(id, None, to_u64(version, "version")?));
        }
    }
    let mut articles = Vec::with_capacity(writes.len());
    let mut events = Vec::with_capacity(writes.len() * 2);
    let mut tags = Vec::new();
    let mut docs = Vec::with_capacity(writes.len());
    for w in writes {
        let a = &w.article;
        let id = text_id(a.id.as_uuid());
        articles.push((id, a, to_i64(a.version, "version")?));
        for e in &w.events {
            events.push((id, e, to_i64(e.seq, "seq")?));
        }
        tags.extend(tags_of(a).map(|t| (id, t)));
        docs.extend(docs_of(a).into_iter().map(|d| (id, d)));
    }
    insert_rows(
        conn,
        "INSERT INTO kb_articles (id, state, category, kind, snapshot, version, updated_at) ",
        &articles,
        "writing articles",
        |mut r, (id, a, version)| {
            r.push_bind(*id)
                .push_bind(a.state.as_str())
                .push_bind(a.category.as_str())
                .push_bind(a.kind.as_str())
                .push_bind(Json(*a))
                .push_bind(*version)
                .push_bind(micros(a.updated_at));
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO kb_events (article_id, seq, kind, at, payload) ",
        &events,
        "appending article events",
        |mut r, (id, e, seq)| {
            r.push_bind(*id)
                .push_bind(*seq)
                .push_bind(e.kind.name())
                .push_bind(micros(e.at))
                .push_bind(Json(*e));
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO kb_tags (article_id, tag) ",
        &tags,
        "storing article tags",
        |mut r, (id, tag)| {
            r.push_bind(*id).push_bind(*tag);
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO kb_docs (article_id, locale, title, body, title_idx, body_idx) ",
        &docs,
        "indexing articles",
        |mut r, (id, d)| {
            r.push_bind(*id)
                .push_bind(d.locale.as_str())
                .push_bind(d.title.as_str())
                .push_bind(d.body.as_str())
                .push_bind(d.title_idx.as_str())
                .push_bind(d.body_idx.as_str());
        },
    )
    .await
}

impl SqliteStore {
    /// One ranked search with `mode`; returns hits before highlighting.
    async fn fts(
        &self,
        search: &KbSearch,
        fts: String,
    ) -> Result<Vec<(ArticleId, String, f64, String, String)>> {
        let mut p = ph();
        let mut c = filter_conditions(&search.filter, &search.states(), &mut p);
        locale_condition(&mut c, &search.locales, &mut p);
        // bm25() is negative, smaller is better; ties as in memory: by
        // article id (hyphenated text sorts like the UUID), then locale.
        let sql = format!(
            "SELECT d.article_id, d.locale, bm25(kb_fts, 3.0, 1.0) AS score, d.title, d.body \
             FROM kb_fts JOIN kb_docs d ON d.id = kb_fts.rowid JOIN kb_articles a ON a.id = d.article_id \
             WHERE kb_fts MATCH ? AND {} ORDER BY score, d.article_id, d.locale LIMIT ?",
            c.joined()
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(fts);
        for a in c.args {
            q = q.bind(a);
        }
        let rows = q
            .bind(i64::try_from(search.limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(db("searching articles"))?;
        rows.into_iter()
            .map(|r| {
                let id: String = r.try_get(0).map_err(db("reading a search hit"))?;
                let id: ArticleId = id
                    .parse()
                    .map_err(|e| Error::corrupt("a stored article id", Some(Box::new(e))))?;
                let score: f64 = r.try_get(2).map_err(db("reading a search hit"))?;
                Ok((
                    id,
                    r.try_get(1).map_err(db("reading a search hit"))?,
                    -score,
                    r.try_get(3).map_err(db("reading a search hit"))?,
                    r.try_get(4).map_err(db("reading a search hit"))?,
                ))
            })
            .collect()
    }
}

#[async_trait]
impl KnowledgeStore for SqliteStore {
    async fn commit_article(&self, write: ArticleWrite) -> Result<()> {
        write.check()?;
        let mut tx = self
            .pool
            .begin_with(BEGIN_WRITE)
            .await
            .map_err(db("starting a transaction"))?;
        write_article(&mut tx, &write).await?;
        tx.commit().await.map_err(db("committing an article"))
    }

    async fn commit_articles(&self, writes: Vec<ArticleWrite>) -> Result<()> {
        ArticleWrite::check_batch(&writes)?;
        let mut tx = self
            .pool
            .begin_with(BEGIN_WRITE)
            .await
            .map_err(db("starting a transaction"))?;
        let (new, changed): (Vec<&ArticleWrite>, Vec<&ArticleWrite>) =
            writes.iter().partition(|w| w.expected_version.is_none());
        for w in changed {
            write_article(&mut tx, w).await?;
        }
        insert_articles(&mut tx, &new).await?;
        tx.commit().await.map_err(db("committing articles"))
    }

    async fn load_article(&self, id: ArticleId) -> Result<Option<Article>> {
        let row: Option<(Json<Article>,)> =
            sqlx::query_as("SELECT snapshot FROM kb_articles WHERE id = ?1")
                .bind(text_id(id.as_uuid()))
                .fetch_optional(&self.pool)
                .await
                .map_err(db("loading an article"))?;
        Ok(row.map(|(a,)| a.0))
    }

    async fn article_history(&self, id: ArticleId) -> Result<Vec<ArticleEvent>> {
        let rows: Vec<(Json<ArticleEvent>,)> =
            sqlx::query_as("SELECT payload FROM kb_events WHERE article_id = ?1 ORDER BY seq")
                .bind(text_id(id.as_uuid()))
                .fetch_all(&self.pool)
                .await
                .map_err(db("loading an article's history"))?;
        Ok(rows.into_iter().map(|(e,)| e.0).collect())
    }

    async fn list_articles(&self, query: &ArticleQuery) -> Result<Vec<Article>> {
        query.validate()?;
        let states: Vec<_> = query.filter.states.iter().copied().collect();
        let mut p = ph();
        let mut c = filter_conditions(&query.filter, &states, &mut p);
        if let Some(after) = query.after {
            c.sql.push("a.id > ?".to_owned());
            c.args.push(text_id(after.as_uuid()).to_string());
        }
        let sql = format!(
            "SELECT a.snapshot FROM kb_articles a WHERE {} ORDER BY a.id LIMIT ?",
            c.joined()
        );
        let mut q = sqlx::query_as::<_, (Json<Article>,)>(sqlx::AssertSqlSafe(sql));
        for a in c.args {
            q = q.bind(a);
        }
        let rows = q
            .bind(i64::try_from(query.limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing articles"))?;
        Ok(rows.into_iter().map(|(a,)| a.0).collect())
    }

    async fn search_articles(&self, search: &KbSearch) -> Result<SearchResults> {
        search.validate()?;
        let Some(query) = parsed(search) else {
            return Ok(SearchResults::default());
        };
        let mut relaxed = false;
        // A non-empty query always renders.
        let all = query.to_fts5(Match::All).unwrap_or_default();
        let mut rows = self.fts(search, all).await?;
        if rows.is_empty() && query.clauses().len() > 1 {
            let any = query.to_fts5(Match::Any).unwrap_or_default();
            rows = self.fts(search, any).await?;
            relaxed = true;
        }
        let highlighter = Highlighter::new(&query);
        let hits = rows
            .into_iter()
            .map(|(id, locale, score, title, body)| {
                hit(&highlighter, id, &locale, score, title, &body)
            })
            .collect::<Result<_>>()?;
        Ok(SearchResults { hits, relaxed })
    }

    async fn record_suggestions(&self, record: SuggestionRecord) -> Result<()> {
        let written = sqlx::query(
            "INSERT INTO kb_suggestions (id, at, has_articles, payload) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(text_id(record.id.as_uuid()))
        .bind(micros(record.at))
        .bind(i64::from(!record.articles.is_empty()))
        .bind(Json(&record))
        .execute(&self.pool)
        .await
        .map_err(db("recording suggestions"))?
        .rows_affected();
        if written == 0 {
            return Err(Error::Duplicate {
                what: "suggestion",
                key: record.id.to_string(),
            });
        }
        Ok(())
    }

    async fn record_outcome(
        &self,
        suggestion: SuggestionId,
        outcome: SuggestionOutcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let Some((set, _)) = self.suggestion(suggestion).await? else {
            return Err(Error::not_found("suggestion", suggestion));
        };
        check_outcome(&set, &outcome)?;
        sqlx::query(
            "INSERT INTO kb_outcomes (suggestion_id, kind, outcome_key, at, payload) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (suggestion_id, outcome_key) DO NOTHING",
        )
        .bind(text_id(suggestion.as_uuid()))
        .bind(outcome.name())
        .bind(crate::store::kb_sql::outcome_key(&outcome))
        .bind(micros(at))
        .bind(Json(&outcome))
        .execute(&self.pool)
        .await
        .map_err(db("recording a suggestion outcome"))?;
        Ok(())
    }

    async fn suggestion(
        &self,
        id: SuggestionId,
    ) -> Result<Option<(SuggestionRecord, Vec<SuggestionOutcome>)>> {
        let row: Option<(Json<SuggestionRecord>,)> =
            sqlx::query_as("SELECT payload FROM kb_suggestions WHERE id = ?1")
                .bind(text_id(id.as_uuid()))
                .fetch_optional(&self.pool)
                .await
                .map_err(db("loading suggestions"))?;
        let Some((set,)) = row else { return Ok(None) };
        let outcomes: Vec<(Json<SuggestionOutcome>,)> =
            sqlx::query_as("SELECT payload FROM kb_outcomes WHERE suggestion_id = ?1 ORDER BY seq")
                .bind(text_id(id.as_uuid()))
                .fetch_all(&self.pool)
                .await
                .map_err(db("loading suggestion outcomes"))?;
        Ok(Some((
            set.0,
            outcomes.into_iter().map(|(o,)| o.0).collect(),
        )))
    }

    async fn deflection(&self, range: &TimeRange) -> Result<Deflection> {
        let row: (i64, i64, i64, i64, i64) = sqlx::query_as(DEFLECTION)
            .bind(range.from.map(micros))
            .bind(range.to.map(micros))
            .fetch_one(&self.pool)
            .await
            .map_err(db("computing deflection"))?;
        let n = |v: i64| to_u64(v, "count");
        Ok(Deflection {
            shown: n(row.0)?,
            viewed: n(row.1)?,
            helped: n(row.2)?,
            tickets_opened: n(row.3)?,
            deflected: n(row.4)?,
        })
    }
}

/// Deflection as `store::knowledge::Deflection` defines it.
const DEFLECTION: &str = "\
WITH sets AS (
    SELECT
        EXISTS (SELECT 1 FROM kb_outcomes o WHERE o.suggestion_id = s.id AND o.kind = 'viewed') AS viewed,
        EXISTS (SELECT 1 FROM kb_outcomes o WHERE o.suggestion_id = s.id AND o.kind = 'helped') AS helped,
        EXISTS (SELECT 1 FROM kb_outcomes o WHERE o.suggestion_id = s.id AND o.kind = 'ticket_opened') AS opened
    FROM kb_suggestions s
    WHERE s.has_articles = 1 AND (?1 IS NULL OR s.at >= ?1) AND (?2 IS NULL OR s.at < ?2)
)
SELECT count(*), coalesce(sum(viewed), 0), coalesce(sum(helped), 0), coalesce(sum(opened), 0),
       coalesce(sum(helped AND NOT opened), 0)
FROM sets";
