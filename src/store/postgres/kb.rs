//! The PostgreSQL [`KnowledgeStore`]: a weighted `tsvector` with a GIN
//! index finds the candidates, and BM25 (which PostgreSQL lacks) ranks them
//! in Rust from the counts the database keeps, as the other back ends rank.

use std::fmt::Write as _;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::{BEGIN_WRITE, PostgresStore};
use crate::error::{Error, Result};
use crate::id::{ArticleId, SuggestionId};
use crate::kb::index::{B, BODY_WEIGHT, K1, TITLE_WEIGHT};
use crate::kb::text::{Clause, Match, Query};
use crate::kb::{Article, ArticleEvent, Highlighter, SearchResults};
use crate::store::TimeRange;
use crate::store::kb_sql::{docs_of, filter_conditions, hit, locale_condition, parsed, tags_of};
use crate::store::knowledge::{
    ArticleQuery, ArticleWrite, Deflection, KbSearch, KnowledgeStore, PG_CANDIDATES,
    SuggestionOutcome, SuggestionRecord, article_conflict, check_outcome,
};
use crate::store::sql_common::{db, to_i64, to_u64};

const INSERT_ARTICLE: &str = "INSERT INTO kb_articles (id, state, category, kind, snapshot, version, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING";
const UPDATE_ARTICLE: &str = "UPDATE kb_articles SET state = $2, category = $3, kind = $4, snapshot = $5, \
     version = $6, updated_at = $7 WHERE id = $1 AND version = $8";

/// Placeholders `$first`, `$first+1`, ...
fn ph(first: usize) -> impl FnMut() -> String {
    let mut n = first;
    move || {
        let p = format!("${n}");
        n += 1;
        p
    }
}

/// A lexeme: single-quoted, with `'` and `\` escaped (folded words hold
/// neither, but the rendering does not rely on it).
fn lexeme(w: &str) -> String {
    format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''"))
}

/// One clause as a `tsquery`. A phrase must lie within one field, as in
/// the other back ends: title and body are concatenated in one vector, so
/// the phrase is asked for with weight A (title) or weight B (body).
fn clause_tsquery(c: &Clause) -> String {
    let words = c.words();
    let with = |weight: &str| {
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let last = i + 1 == words.len();
                match (last && c.is_prefix(), weight) {
                    (true, "") => format!("{}:*", lexeme(w)),
                    (true, wt) => format!("{}:*{wt}", lexeme(w)),
                    (false, "") => lexeme(w),
                    (false, wt) => format!("{}:{wt}", lexeme(w)),
                }
            })
            .collect::<Vec<_>>()
            .join(" <-> ")
    };
    if words.len() == 1 {
        with("")
    } else {
        format!("(({}) | ({}))", with("A"), with("B"))
    }
}

fn query_tsquery(q: &Query, mode: Match) -> String {
    let joiner = match mode {
        Match::All => " & ",
        Match::Any => " | ",
    };
    q.clauses()
        .iter()
        .map(clause_tsquery)
        .collect::<Vec<_>>()
        .join(joiner)
}

/// How often `c` matches in a field's words.
fn count(c: &Clause, field: &[&str]) -> u32 {
    let words = c.words();
    if field.len() < words.len() {
        return 0;
    }
    let n = (0..=field.len() - words.len())
        .filter(|&i| {
            words.iter().enumerate().all(|(j, w)| {
                let t = field[i + j];
                if c.is_prefix() && j + 1 == words.len() {
                    t.starts_with(w.as_str())
                } else {
                    t == w
                }
            })
        })
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

struct Candidate {
    article: ArticleId,
    locale: String,
    title: String,
    body: String,
    score: f64,
}

async fn write_article(conn: &mut PgConnection, w: &ArticleWrite) -> Result<()> {
    let a = &w.article;
    let id = *a.id.as_uuid();
    let (sql, base) = match w.expected_version {
        None => (INSERT_ARTICLE, 0),
        Some(v) => (UPDATE_ARTICLE, to_i64(v, "version")?),
    };
    let mut q = sqlx::query(sql)
        .bind(id)
        .bind(a.state.as_str())
        .bind(a.category.as_str())
        .bind(a.kind.as_str())
        .bind(Json(a))
        .bind(to_i64(a.version, "version")?)
        .bind(a.updated_at);
    if w.expected_version.is_some() {
        q = q.bind(base);
    }
    let written = q
        .execute(&mut *conn)
        .await
        .map_err(db("writing an article"))?
        .rows_affected();
    if written == 0 {
        let actual: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM kb_articles WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db("reading an article version"))?;
        let actual = actual.map_or(Ok(0), |(v,)| to_u64(v, "version"))?;
        return Err(article_conflict(a.id, w.expected_version, actual));
    }
    for e in &w.events {
        sqlx::query(
            "INSERT INTO kb_events (article_id, seq, kind, at, payload) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(to_i64(e.seq, "seq")?)
        .bind(e.kind.name())
        .bind(e.at)
        .bind(Json(e))
        .execute(&mut *conn)
        .await
        .map_err(db("appending an article event"))?;
    }
    sqlx::query("DELETE FROM kb_tags WHERE article_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db("updating an article's tags"))?;
    for tag in tags_of(a) {
        sqlx::query("INSERT INTO kb_tags (article_id, tag) VALUES ($1, $2)")
            .bind(id)
            .bind(tag)
            .execute(&mut *conn)
            .await
            .map_err(db("storing an article's tags"))?;
    }
    let old: Vec<(i32,)> =
        sqlx::query_as("DELETE FROM kb_docs WHERE article_id = $1 RETURNING len")
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db("reindexing an article"))?;
    let docs = docs_of(a);
    let old_len: i64 = old.iter().map(|(l,)| i64::from(*l)).sum();
    let new_len: i64 = docs.iter().map(|d| i64::from(d.len)).sum();
    let doc_change = i64::try_from(docs.len()).unwrap_or(i64::MAX)
        - i64::try_from(old.len()).unwrap_or(i64::MAX);
    for d in docs {
        sqlx::query(
            "INSERT INTO kb_docs (article_id, locale, title, body, title_idx, body_idx, len) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(d.locale)
        .bind(d.title)
        .bind(d.body)
        .bind(d.title_idx)
        .bind(d.body_idx)
        .bind(d.len)
        .execute(&mut *conn)
        .await
        .map_err(db("indexing an article"))?;
    }
    sqlx::query(
        "UPDATE kb_stats SET docs = docs + $1, total_len = total_len + $2 WHERE only_row = 1",
    )
    .bind(doc_change)
    .bind(new_len - old_len)
    .execute(&mut *conn)
    .await
    .map_err(db("updating the search statistics"))?;
    Ok(())
}

/// Inserts new articles (`expected_version` `None`) with their events,
/// tags and documents: one `INSERT ... SELECT FROM unnest(...)` a table,
/// whatever the batch's size. An article that already exists is a
/// conflict; the caller's transaction then rolls everything back.
async fn insert_articles(conn: &mut PgConnection, writes: &[&ArticleWrite]) -> Result<()> {
    if writes.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = writes.iter().map(|w| *w.article.id.as_uuid()).collect();
    let existing: Option<(Uuid, i64)> =
        sqlx::query_as("SELECT id, version FROM kb_articles WHERE id = ANY($1) LIMIT 1")
            .bind(&ids)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("reading article versions"))?;
    if let Some((id, version)) = existing {
        return Err(article_conflict(
            ArticleId::from_uuid(id),
            None,
            to_u64(version, "version")?,
        ));
    }
    let mut a = ArticleColumns::default();
    let mut e = EventColumns::default();
    let (mut tag_ids, mut tags) = (Vec::new(), Vec::new());
    let mut d = DocColumns::default();
    for w in writes {
        let art = &w.article;
        let id = *art.id.as_uuid();
        a.state.push(art.state.as_str());
        a.category.push(art.category.as_str().to_owned());
        a.kind.push(art.kind.as_str().to_owned());
        a.snapshot.push(to_json(art)?);
        a.version.push(to_i64(art.version, "version")?);
        a.updated_at.push(art.updated_at);
        for ev in &w.events {
            e.article.push(id);
            e.seq.push(to_i64(ev.seq, "seq")?);
            e.kind.push(ev.kind.name());
            e.at.push(ev.at);
            e.payload.push(to_json(ev)?);
        }
        for t in tags_of(art) {
            tag_ids.push(id);
            tags.push(t);
        }
        for doc in docs_of(art) {
            d.article.push(id);
            d.len.push(doc.len);
            d.locale.push(doc.locale);
            d.title.push(doc.title);
            d.body.push(doc.body);
            d.title_idx.push(doc.title_idx);
            d.body_idx.push(doc.body_idx);
        }
    }
    sqlx::query(
        "INSERT INTO kb_articles (id, state, category, kind, snapshot, version, updated_at) \
         SELECT id, state, category, kind, snapshot::jsonb, version, updated_at \
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], \
                     $7::timestamptz[]) AS r (id, state, category, kind, snapshot, version, updated_at)",
    )
    .bind(&ids)
    .bind(&a.state)
    .bind(&a.category)
    .bind(&a.kind)
    .bind(&a.snapshot)
    .bind(&a.version)
    .bind(&a.updated_at)
    .execute(&mut *conn)
    .await
    .map_err(db("writing articles"))?;
    sqlx::query(
        "INSERT INTO kb_events (article_id, seq, kind, at, payload) \
         SELECT article_id, seq, kind, at, payload::jsonb \
         FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[]) \
              AS r (article_id, seq, kind, at, payload)",
    )
    .bind(&e.article)
    .bind(&e.seq)
    .bind(&e.kind)
    .bind(&e.at)
    .bind(&e.payload)
    .execute(&mut *conn)
    .await
    .map_err(db("appending article events"))?;
    sqlx::query(
        "INSERT INTO kb_tags (article_id, tag) SELECT * FROM unnest($1::uuid[], $2::text[])",
    )
    .bind(&tag_ids)
    .bind(&tags)
    .execute(&mut *conn)
    .await
    .map_err(db("storing article tags"))?;
    sqlx::query(
        "INSERT INTO kb_docs (article_id, locale, title, body, title_idx, body_idx, len) \
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], \
                              $6::text[], $7::int[])",
    )
    .bind(&d.article)
    .bind(&d.locale)
    .bind(&d.title)
    .bind(&d.body)
    .bind(&d.title_idx)
    .bind(&d.body_idx)
    .bind(&d.len)
    .execute(&mut *conn)
    .await
    .map_err(db("indexing articles"))?;
    sqlx::query(
        "UPDATE kb_stats SET docs = docs + $1, total_len = total_len + $2 WHERE only_row = 1",
    )
    .bind(i64::try_from(d.len.len()).unwrap_or(i64::MAX))
    .bind(d.len.iter().map(|l| i64::from(*l)).sum::<i64>())
    .execute(&mut *conn)
    .await
    .map_err(db("updating the search statistics"))?;
    Ok(())
}

/// JSON text for a `::jsonb` cast in a bulk insert.
fn to_json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::store("serializing an article", e))
}

/// Column arrays for `unnest`.
#[derive(Default)]
struct ArticleColumns {
    state: Vec<&'static str>,
    category: Vec<String>,
    kind: Vec<String>,
    snapshot: Vec<String>,
    version: Vec<i64>,
    updated_at: Vec<DateTime<Utc>>,
}

#[derive(Default)]
struct EventColumns {
    article: Vec<Uuid>,
    seq: Vec<i64>,
    kind: Vec<&'static str>,
    at: Vec<DateTime<Utc>>,
    payload: Vec<String>,
}

#[derive(Default)]
struct DocColumns {
    article: Vec<Uuid>,
    locale: Vec<String>,
    title: Vec<String>,
    body: Vec<String>,
    title_idx: Vec<String>,
    body_idx: Vec<String>,
    len: Vec<i32>,
}

impl PostgresStore {
    /// The index's size (documents, total words) and each clause's
    /// document frequency over the whole index, in one round trip.
    async fn statistics(&self, q: &Query) -> Result<(f64, f64, Vec<f64>)> {
        let mut sql = String::from("SELECT s.docs, s.total_len");
        for i in 0..q.clauses().len() {
            let _ = write!(
                sql,
                ", (SELECT count(*) FROM kb_docs WHERE tsv @@ to_tsquery('simple', ${}))",
                i + 1
            );
        }
        sql.push_str(" FROM kb_stats s WHERE s.only_row = 1");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in q.clauses() {
            query = query.bind(clause_tsquery(c));
        }
        let row = query
            .fetch_one(&self.pool)
            .await
            .map_err(db("reading the search statistics"))?;
        let get = |i: usize| -> Result<f64> {
            let v: i64 = row
                .try_get(i)
                .map_err(db("reading the search statistics"))?;
            #[allow(clippy::cast_precision_loss)] // counts far below 2^52
            Ok(v as f64)
        };
        let mut dfs = Vec::with_capacity(q.clauses().len());
        for i in 0..q.clauses().len() {
            dfs.push(get(i + 2)?);
        }
        Ok((get(0)?, get(1)?, dfs))
    }

    /// The documents matching `q` in `mode` within the search's filter,
    /// scored by BM25, best first.
    async fn ranked(
        &self,
        search: &KbSearch,
        parsed: &Query,
        mode: Match,
        stats: &(f64, f64, Vec<f64>),
    ) -> Result<Vec<Candidate>> {
        let mut next = ph(2);
        let mut conds = filter_conditions(&search.filter, &search.states(), &mut next);
        locale_condition(&mut conds, &search.locales, &mut next);
        let limit = next();
        let sql = format!(
            "SELECT d.article_id, d.locale, d.title, d.body, d.title_idx, d.body_idx, d.len \
             FROM kb_docs d JOIN kb_articles a ON a.id = d.article_id \
             WHERE d.tsv @@ to_tsquery('simple', $1) AND {} \
             ORDER BY ts_rank(d.tsv, to_tsquery('simple', $1), 0) DESC, d.article_id, d.locale \
             LIMIT {limit}",
            conds.joined()
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(query_tsquery(parsed, mode));
        for a in conds.args {
            query = query.bind(a);
        }
        let rows = query
            .bind(i64::try_from(PG_CANDIDATES).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(db("searching articles"))?;
        let (docs, total, dfs) = stats;
        let avgdl = if *docs > 0.0 { total / docs } else { 1.0 };
        let idf: Vec<f64> = dfs
            .iter()
            .map(|df| {
                let idf = ((docs - df + 0.5) / (df + 0.5)).ln();
                if idf > 0.0 { idf } else { 1e-6 }
            })
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let read = |e: sqlx::Error| Error::store("reading a search hit", e);
            let id: Uuid = r.try_get(0).map_err(read)?;
            let title_idx: String = r.try_get(4).map_err(read)?;
            let body_idx: String = r.try_get(5).map_err(read)?;
            let len: i32 = r.try_get(6).map_err(read)?;
            let title_words: Vec<&str> = title_idx.split(' ').filter(|w| !w.is_empty()).collect();
            let body_words: Vec<&str> = body_idx.split(' ').filter(|w| !w.is_empty()).collect();
            let norm = K1 * (1.0 - B + B * f64::from(len) / avgdl);
            let mut score = 0.0;
            let mut matched = 0;
            for (i, clause) in parsed.clauses().iter().enumerate() {
                let f = TITLE_WEIGHT * f64::from(count(clause, &title_words))
                    + BODY_WEIGHT * f64::from(count(clause, &body_words));
                if f > 0.0 {
                    matched += 1;
                    score += idf[i] * f * (K1 + 1.0) / (f + norm);
                }
            }
            let keep = match mode {
                Match::All => matched == parsed.clauses().len(),
                Match::Any => matched > 0,
            };
            if keep {
                out.push(Candidate {
                    article: ArticleId::from_uuid(id),
                    locale: r.try_get(1).map_err(read)?,
                    title: r.try_get(2).map_err(read)?,
                    body: r.try_get(3).map_err(read)?,
                    score,
                });
            }
        }
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.article.cmp(&b.article))
                .then_with(|| a.locale.cmp(&b.locale))
        });
        Ok(out)
    }
}

#[async_trait]
impl KnowledgeStore for PostgresStore {
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
            sqlx::query_as("SELECT snapshot FROM kb_articles WHERE id = $1")
                .bind(*id.as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(db("loading an article"))?;
        Ok(row.map(|(a,)| a.0))
    }

    async fn article_history(&self, id: ArticleId) -> Result<Vec<ArticleEvent>> {
        let rows: Vec<(Json<ArticleEvent>,)> =
            sqlx::query_as("SELECT payload FROM kb_events WHERE article_id = $1 ORDER BY seq")
                .bind(*id.as_uuid())
                .fetch_all(&self.pool)
                .await
                .map_err(db("loading an article's history"))?;
        Ok(rows.into_iter().map(|(e,)| e.0).collect())
    }

    async fn list_articles(&self, query: &ArticleQuery) -> Result<Vec<Article>> {
        query.validate()?;
        let states: Vec<_> = query.filter.states.iter().copied().collect();
        let mut p = ph(1);
        let mut c = filter_conditions(&query.filter, &states, &mut p);
        if let Some(after) = query.after {
            c.sql.push(format!("a.id > CAST({} AS UUID)", p()));
            c.args.push(after.to_string());
        }
        let limit = p();
        let sql = format!(
            "SELECT a.snapshot FROM kb_articles a WHERE {} ORDER BY a.id LIMIT {limit}",
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
        let stats = self.statistics(&query).await?;
        let mut relaxed = false;
        let mut ranked = self.ranked(search, &query, Match::All, &stats).await?;
        if ranked.is_empty() && query.clauses().len() > 1 {
            ranked = self.ranked(search, &query, Match::Any, &stats).await?;
            relaxed = true;
        }
        ranked.truncate(search.limit);
        let highlighter = Highlighter::new(&query);
        let hits = ranked
            .into_iter()
            .map(|c| {
                hit(
                    &highlighter,
                    c.article,
                    &c.locale,
                    c.score,
                    c.title,
                    &c.body,
                )
            })
            .collect::<Result<_>>()?;
        Ok(SearchResults { hits, relaxed })
    }

    async fn record_suggestions(&self, record: SuggestionRecord) -> Result<()> {
        let written = sqlx::query(
            "INSERT INTO kb_suggestions (id, at, has_articles, payload) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(*record.id.as_uuid())
        .bind(record.at)
        .bind(!record.articles.is_empty())
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
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (suggestion_id, outcome_key) DO NOTHING",
        )
        .bind(*suggestion.as_uuid())
        .bind(outcome.name())
        .bind(crate::store::kb_sql::outcome_key(&outcome))
        .bind(at)
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
            sqlx::query_as("SELECT payload FROM kb_suggestions WHERE id = $1")
                .bind(*id.as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(db("loading suggestions"))?;
        let Some((set,)) = row else { return Ok(None) };
        let outcomes: Vec<(Json<SuggestionOutcome>,)> =
            sqlx::query_as("SELECT payload FROM kb_outcomes WHERE suggestion_id = $1 ORDER BY seq")
                .bind(*id.as_uuid())
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
            .bind(range.from)
            .bind(range.to)
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
    WHERE s.has_articles
      AND ($1::timestamptz IS NULL OR s.at >= $1) AND ($2::timestamptz IS NULL OR s.at < $2)
)
SELECT count(*), count(*) FILTER (WHERE viewed), count(*) FILTER (WHERE helped),
       count(*) FILTER (WHERE opened), count(*) FILTER (WHERE helped AND NOT opened)
FROM sets";
