//! The same 100,000 articles in SQLite (FTS5) and PostgreSQL (`tsvector`,
//! GIN), loaded through the desk's bulk path
//! ([`HelpDesk::import_articles`], batches of 1,000) and searched through
//! the desk ([`HelpDesk::search`], a French requester with English as the
//! fallback, ten hits with highlighted titles and snippets), against the
//! same full-text query issued raw through sqlx, measured in the same run.
//!
//! The raw query is what a developer would write by hand for the same
//! page: the same match, visibility and locale-fallback conditions, ranked
//! by the database (`bm25()` in SQLite, `ts_rank` in PostgreSQL), the first
//! ten rows with title and body, retried with any word when all words find
//! nothing; no highlighting or snippets. Throughput is compared over the
//! whole query mix (the sum of each query's best of two), store against
//! raw.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use helpdesk::kb::text::{Match, Query};
use helpdesk::kb::{ArticleState, KnowledgeConfig, Locale, SearchFilter};
use helpdesk::store::{KnowledgeStore, Store};
use helpdesk::{Actor, AgentId, CustomerId, HelpDesk};
use tokio::runtime::Runtime;
use uuid::Uuid;

use super::{ARTICLES, Corpus};

/// Articles per `import_articles` call.
const BATCH: usize = 1_000;

/// The first this many of the generated queries (drawn at random, so a
/// fair sample of the mix) are timed one by one on the SQL back ends:
/// queries whose words match most of the corpus (a two-letter prefix, or
/// the any-word retry) take a quarter of a second there, and the whole mix
/// three times over would keep the bench busy for many minutes.
const SQL_QUERIES: usize = 300;

/// Loads the corpus into `desk` in batches, as an import would; returns
/// articles per second.
fn load(rt: &Runtime, desk: &HelpDesk, corpus: &Corpus) -> f64 {
    let lead = Actor::supervisor(AgentId::from_uuid(Uuid::from_u128(1)));
    let started = Instant::now();
    for chunk in corpus.new.chunks(BATCH) {
        for state in [ArticleState::Public, ArticleState::Internal] {
            let batch: Vec<_> = chunk
                .iter()
                .filter(|(_, s)| *s == state)
                .map(|(n, _)| n.clone())
                .collect();
            rt.block_on(desk.import_articles(&lead, batch, state))
                .unwrap();
        }
    }
    ARTICLES as f64 / started.elapsed().as_secs_f64()
}

fn desk_over<S: Store + KnowledgeStore + 'static>(store: Arc<S>, corpus: &Corpus) -> HelpDesk {
    let mut kb = KnowledgeConfig::default();
    kb.categories = corpus.tree.clone();
    kb.draft_category = helpdesk::kb::CategoryId::new("cat-0").unwrap();
    HelpDesk::builder()
        .store(store.clone())
        .knowledge(store)
        .knowledge_config(kb)
        .build()
        .unwrap()
}

/// The baseline on SQLite: the store's FTS5 query, written by hand.
#[cfg(feature = "sqlite")]
const RAW_SQLITE: &str = "SELECT d.article_id, d.locale, bm25(kb_fts, 3.0, 1.0) AS score, d.title, d.body \
    FROM kb_fts JOIN kb_docs d ON d.id = kb_fts.rowid JOIN kb_articles a ON a.id = d.article_id \
    WHERE kb_fts MATCH ?1 AND a.state IN (?2) AND (d.locale = ?3 OR (d.locale = ?4 AND NOT EXISTS \
    (SELECT 1 FROM kb_docs e WHERE e.article_id = d.article_id AND e.locale IN (?5)))) \
    ORDER BY score, d.article_id, d.locale LIMIT ?6";

/// The baseline on PostgreSQL: the same match ranked by `ts_rank`.
#[cfg(feature = "postgres")]
const RAW_POSTGRES: &str = "SELECT d.article_id, d.locale, ts_rank(d.tsv, q) AS score, d.title, d.body \
    FROM kb_docs d JOIN kb_articles a ON a.id = d.article_id, to_tsquery('simple', $1) q \
    WHERE d.tsv @@ q AND a.state IN ($2) AND (d.locale = $3 OR (d.locale = $4 AND NOT EXISTS \
    (SELECT 1 FROM kb_docs e WHERE e.article_id = d.article_id AND e.locale IN ($5)))) \
    ORDER BY score DESC, d.article_id, d.locale LIMIT $6";

/// A page of hits: article ids, best first.
type Page = Vec<String>;

/// Each query's best of two, for `run`; and the pages it returned.
fn per_query<F, Fut>(rt: &Runtime, queries: &[String], run: F) -> (Vec<Duration>, Vec<Page>)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Page>,
{
    let mut times = Vec::with_capacity(queries.len());
    let mut pages = Vec::with_capacity(queries.len());
    for q in queries {
        let mut best = Duration::MAX;
        let mut page = Vec::new();
        for _ in 0..2 {
            let t = Instant::now();
            page = rt.block_on(run(q.clone()));
            best = best.min(t.elapsed());
        }
        times.push(best);
        pages.push(page);
    }
    (times, pages)
}

fn median_us(times: &[Duration]) -> f64 {
    let mut v = times.to_vec();
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e6
}

fn p90_us(times: &[Duration]) -> f64 {
    let mut v = times.to_vec();
    v.sort();
    v[v.len() * 9 / 10].as_secs_f64() * 1e6
}

/// Measures the desk's search against `raw` on one back end and prints
/// the figures; then criterion measures both over the mix.
fn compare<R, Fut>(
    c: &mut Criterion,
    rt: &Runtime,
    name: &str,
    desk: &HelpDesk,
    queries: &[String],
    raw: R,
) where
    R: Fn(String) -> Fut,
    Fut: Future<Output = Page>,
{
    let queries = &queries[..SQL_QUERIES.min(queries.len())];
    let reader = Actor::requester(CustomerId::from_uuid(Uuid::from_u128(2)));
    let fr: Locale = "fr".parse().unwrap();
    let filter = SearchFilter::new();
    let through_desk = |q: String| {
        let (reader, fr, filter) = (&reader, &fr, &filter);
        async move {
            desk.search(reader, &q, fr, filter, 10)
                .await
                .unwrap()
                .hits
                .iter()
                .map(|h| h.article.to_string())
                .collect::<Page>()
        }
    };
    // Warm the caches (pages, prepared statements).
    for q in &queries[..50.min(queries.len())] {
        rt.block_on(through_desk(q.clone()));
        rt.block_on(raw(q.clone()));
    }
    let (store_times, store_pages) = per_query(rt, queries, through_desk);
    let (raw_times, raw_pages) = per_query(rt, queries, &raw);
    let same = store_pages
        .iter()
        .zip(&raw_pages)
        .filter(|(a, b)| a == b)
        .count();
    let same_sets = store_pages
        .iter()
        .zip(&raw_pages)
        .filter(|(a, b)| {
            let mut a = (*a).clone();
            let mut b = (*b).clone();
            a.sort();
            b.sort();
            a == b
        })
        .count();
    let hits: usize = store_pages.iter().map(Vec::len).sum();
    let store_total: Duration = store_times.iter().sum();
    let raw_total: Duration = raw_times.iter().sum();
    println!(
        "{name}: through the desk median {:.0} µs, p90 {:.0} µs; raw sqlx median {:.0} µs, p90 {:.0} µs; \
         store throughput {:.0}% of raw ({:.0} vs {:.0} queries/s over the mix); \
         {:.1} hits a query; pages equal to raw: {same} of {n} (same sets: {same_sets})",
        median_us(&store_times),
        p90_us(&store_times),
        median_us(&raw_times),
        p90_us(&raw_times),
        100.0 * raw_total.as_secs_f64() / store_total.as_secs_f64(),
        queries.len() as f64 / store_total.as_secs_f64(),
        queries.len() as f64 / raw_total.as_secs_f64(),
        hits as f64 / queries.len() as f64,
        n = queries.len(),
    );
    if std::env::var_os("KB_SLOWEST").is_some() {
        let mut slow: Vec<_> = store_times.iter().zip(queries).collect();
        slow.sort();
        for (t, q) in slow.iter().rev().take(15) {
            println!("  {:>6.0} µs  {q:?}", t.as_secs_f64() * 1e6);
        }
    }

    let mut g = c.benchmark_group(format!("kb_search_100k_{name}"));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let mut i = 0;
    g.bench_function("desk_mixed", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            rt.block_on(through_desk(queries[i].clone()))
        });
    });
    let mut i = 0;
    g.bench_function("raw_sqlx_mixed", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            rt.block_on(raw(queries[i].clone()))
        });
    });
    g.finish();
}

/// The query as the back end's match string, all words, then any word.
fn match_strings(q: &str, render: fn(&Query, Match) -> Option<String>) -> Vec<String> {
    let parsed = Query::parse(q);
    let mut out: Vec<String> = render(&parsed, Match::All).into_iter().collect();
    if parsed.clauses().len() > 1 {
        out.extend(render(&parsed, Match::Any));
    }
    out
}

#[cfg(feature = "sqlite")]
pub(super) fn sqlite(c: &mut Criterion, corpus: &Corpus, queries: &[String]) {
    use helpdesk::store::SqliteStore;
    use sqlx::Row;

    let rt = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kb.db");
    let store = Arc::new(rt.block_on(SqliteStore::open(&path)).unwrap());
    let desk = desk_over(store.clone(), corpus);
    let rate = load(&rt, &desk, corpus);
    let size = std::fs::metadata(&path).map_or(0, |m| m.len())
        + std::fs::metadata(dir.path().join("kb.db-wal")).map_or(0, |m| m.len());
    println!(
        "sqlite: {ARTICLES} articles loaded through HelpDesk::import_articles ({BATCH} a batch): \
         {rate:.0} articles/s; file {:.0} MB",
        size as f64 / 1e6
    );
    // The baseline's own pool, configured as the store's.
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
        .foreign_keys(true);
    let pool = rt
        .block_on(sqlx::sqlite::SqlitePoolOptions::new().connect_with(options))
        .unwrap();
    let raw = |q: String| {
        let pool = pool.clone();
        async move {
            for m in match_strings(&q, Query::to_fts5) {
                let rows = sqlx::query(RAW_SQLITE)
                    .bind(m)
                    .bind("public")
                    .bind("fr")
                    .bind("en")
                    .bind("fr")
                    .bind(10_i64)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                if !rows.is_empty() {
                    return rows
                        .iter()
                        .map(|r| {
                            let _: (f64, String, String) =
                                (r.get(2), r.get::<String, _>(3), r.get::<String, _>(4));
                            r.get::<String, _>(0)
                        })
                        .collect();
                }
            }
            Vec::new()
        }
    };
    compare(c, &rt, "sqlite", &desk, queries, raw);
    rt.block_on(pool.close());
    rt.block_on(store.close()).unwrap();
}

#[cfg(feature = "postgres")]
pub(super) fn postgres(c: &mut Criterion, corpus: &Corpus, queries: &[String]) {
    use helpdesk::store::PostgresStore;
    use sqlx::{Connection, Row};

    let Some(url) = std::env::var("HELPDESK_TEST_POSTGRES_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .ok()
    else {
        println!(
            "postgres: neither HELPDESK_TEST_POSTGRES_URL nor DATABASE_URL is set: PostgreSQL is not measured"
        );
        return;
    };
    let rt = Runtime::new().unwrap();
    let schema = format!("helpdesk_kbbench_{}", Uuid::now_v7().simple());
    let store = Arc::new(
        rt.block_on(PostgresStore::connect_with_schema(&url, &schema))
            .unwrap(),
    );
    let desk = desk_over(store.clone(), corpus);
    let rate = load(&rt, &desk, corpus);
    let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let pool = rt
        .block_on(
            sqlx::postgres::PgPoolOptions::new()
                .connect_with(options.options([("search_path", schema.as_str())])),
        )
        .unwrap();
    // Autovacuum analyzes a freshly loaded table within a minute; the
    // bench does not wait for it.
    let analyzed = Instant::now();
    rt.block_on(sqlx::query("ANALYZE").execute(&pool)).unwrap();
    println!(
        "postgres: {ARTICLES} articles loaded through HelpDesk::import_articles ({BATCH} a batch): \
         {rate:.0} articles/s; ANALYZE {:.1} s",
        analyzed.elapsed().as_secs_f64()
    );
    let raw = |q: String| {
        let pool = pool.clone();
        async move {
            for m in match_strings(&q, Query::to_tsquery) {
                let rows = sqlx::query(RAW_POSTGRES)
                    .bind(m)
                    .bind("public")
                    .bind("fr")
                    .bind("en")
                    .bind("fr")
                    .bind(10_i64)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                if !rows.is_empty() {
                    return rows
                        .iter()
                        .map(|r| {
                            let _: (f32, String, String) =
                                (r.get(2), r.get::<String, _>(3), r.get::<String, _>(4));
                            r.get::<Uuid, _>(0).to_string()
                        })
                        .collect();
                }
            }
            Vec::new()
        }
    };
    compare(c, &rt, "postgres", &desk, queries, raw);
    rt.block_on(async {
        pool.close().await;
        store.close().await;
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA \"{schema}\" CASCADE"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    });
}
