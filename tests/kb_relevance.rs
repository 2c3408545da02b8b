//! Search relevance on the shipped corpus (`tests/data/kb/`): every article
//! goes through the domain's commands into the in-memory index, every
//! labelled query is searched as a user would type it, and MRR and
//! recall@5 are computed. The assertion is about relevance, not time.
//!
//! Run with `--nocapture` to see the per-query table.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{Duration, TimeZone, Utc};
use helpdesk::kb::{
    self, Article, ArticleCommand, ArticleId, ArticleKind, ArticleState, CategoryNode,
    CategoryTree, KbContext, KbIndex, Locale, NewArticle, SearchFilter,
};
#[cfg(feature = "postgres")]
use helpdesk::store::PostgresStore;
#[cfg(feature = "sqlite")]
use helpdesk::store::SqliteStore;
use helpdesk::store::knowledge::{ArticleWrite, KbSearch};
use helpdesk::{Actor, AgentId, CustomerId, EventId, InMemoryStore, KnowledgeStore};
use serde::Deserialize;
use uuid::Uuid;

/// Ranks below this are not looked at (a search page).
const PAGE: usize = 10;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoriesFile {
    default_locale: Locale,
    category: Vec<CategoryNode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticlesFile {
    article: Vec<ArticleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleEntry {
    key: String,
    category: kb::CategoryId,
    kind: ArticleKind,
    tags: Vec<String>,
    state: ArticleState,
    /// The locale it was written in; the others are translations.
    lang: Locale,
    text: BTreeMap<Locale, Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Text {
    title: String,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueriesFile {
    query: Vec<LabelledQuery>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelledQuery {
    text: String,
    locale: Locale,
    relevant: Vec<String>,
    #[serde(rename = "as", default)]
    actor: Option<String>,
    checks: Vec<String>,
}

struct Corpus {
    tree: CategoryTree,
    default_locale: Locale,
    articles: Vec<(String, Article)>,
    /// Each article's history, in the order of `articles`.
    histories: Vec<Vec<kb::ArticleEvent>>,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kb")
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loads the corpus through the domain: an agent writes each draft in its
/// language and its translations, a supervisor publishes it.
fn load() -> Corpus {
    let dir = data_dir();
    let categories: CategoriesFile = read_toml(&dir.join("categories.toml"));
    let tree = CategoryTree::from_nodes(categories.category).expect("a valid tree");
    let mut files: Vec<PathBuf> = fs::read_dir(dir.join("articles"))
        .expect("tests/data/kb/articles")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let writer = Actor::agent(AgentId::from_uuid(Uuid::from_u128(1)), []);
    let lead = Actor::supervisor(AgentId::from_uuid(Uuid::from_u128(2)));
    let mut at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let mut event = 0u128;
    let mut articles = Vec::new();
    let mut histories = Vec::new();
    for file in files {
        let entries: ArticlesFile = read_toml(&file);
        for entry in entries.article {
            let id = ArticleId::from_uuid(Uuid::from_u128(articles.len() as u128 + 1));
            let mut ctx = |actor| {
                at += Duration::minutes(1);
                event += 1;
                KbContext::new(actor, at)
                    .with_ids(id, EventId::from_uuid(Uuid::from_u128(event)))
                    .with_categories(&tree)
            };
            let first = &entry.text[&entry.lang];
            let mut new = NewArticle::new(
                entry.category.clone(),
                entry.kind.clone(),
                entry.lang.clone(),
                &first.title,
                &first.body,
            );
            for t in &entry.tags {
                new = new.tag(t);
            }
            let create = ArticleCommand::CreateDraft(new);
            let (mut article, mut history) = kb::execute(None, &create, &ctx(&writer))
                .unwrap_or_else(|e| panic!("{}: {e}", entry.key));
            for (locale, text) in entry.text.iter().filter(|(l, _)| **l != entry.lang) {
                let translate = ArticleCommand::Translate {
                    locale: locale.clone(),
                    title: text.title.clone(),
                    body: text.body.clone(),
                };
                let (next, events) = kb::execute(Some(article), &translate, &ctx(&writer))
                    .unwrap_or_else(|e| panic!("{} {locale}: {e}", entry.key));
                article = next;
                history.extend(events);
            }
            let publish = match entry.state {
                ArticleState::Draft => None,
                ArticleState::Internal => Some(ArticleCommand::PublishInternal),
                ArticleState::Public => Some(ArticleCommand::PublishPublic),
                ArticleState::Archived => Some(ArticleCommand::Archive),
            };
            if let Some(cmd) = publish {
                let (next, events) = kb::execute(Some(article), &cmd, &ctx(&lead)).unwrap();
                article = next;
                history.extend(events);
            }
            histories.push(history);
            assert!(
                articles.iter().all(|(k, _)| *k != entry.key),
                "key {} is used twice",
                entry.key
            );
            articles.push((entry.key, article));
        }
    }
    Corpus {
        tree,
        default_locale: categories.default_locale,
        articles,
        histories,
    }
}

struct Outcome {
    query: LabelledQuery,
    /// The rank (from 1) of the first relevant hit, if on the page.
    first_relevant: Option<usize>,
    recall_at_5: f64,
    top: Vec<String>,
    relaxed: bool,
}

#[test]
fn search_finds_the_right_articles_on_the_shipped_corpus() {
    let corpus = load();
    let queries: QueriesFile = read_toml(&data_dir().join("queries.toml"));

    // The corpus is what the issue asks for.
    assert!(
        corpus.articles.len() >= 60,
        "{} articles",
        corpus.articles.len()
    );
    assert!(queries.query.len() >= 40, "{} queries", queries.query.len());
    let mut per_locale: BTreeMap<String, usize> = BTreeMap::new();
    for (_, a) in &corpus.articles {
        for l in a.translations.keys() {
            *per_locale.entry(l.to_string()).or_default() += 1;
        }
    }
    for l in ["en", "fr", "el", "ru", "hu"] {
        assert!(
            per_locale.get(l).copied().unwrap_or(0) >= 10,
            "{l}: {per_locale:?}"
        );
    }
    let multilingual = corpus
        .articles
        .iter()
        .filter(|(_, a)| a.translations.len() > 1)
        .count();

    let mut index = KbIndex::new(corpus.tree.clone());
    for (_, a) in &corpus.articles {
        index.upsert(a);
    }
    let key_of: HashMap<ArticleId, &str> = corpus
        .articles
        .iter()
        .map(|(k, a)| (a.id, k.as_str()))
        .collect();
    let by_key: HashMap<&str, &Article> = corpus
        .articles
        .iter()
        .map(|(k, a)| (k.as_str(), a))
        .collect();

    let requester = Actor::requester(CustomerId::from_uuid(Uuid::from_u128(3)));
    let agent = Actor::agent(AgentId::from_uuid(Uuid::from_u128(4)), []);
    let mut outcomes = Vec::new();
    for q in queries.query {
        let actor = match q.actor.as_deref() {
            None | Some("requester") => &requester,
            Some("agent") => &agent,
            Some(other) => panic!("unknown actor `{other}` for {:?}", q.text),
        };
        for key in &q.relevant {
            let article = by_key
                .get(key.as_str())
                .unwrap_or_else(|| panic!("{:?}: no article `{key}`", q.text));
            assert!(
                kb::may_read(actor, article.state),
                "{:?}: `{key}` is not visible to the searcher",
                q.text
            );
        }
        let chain = q.locale.fallbacks(&corpus.default_locale);
        let results = index.search(actor, &q.text, &chain, &SearchFilter::new(), PAGE);
        let top: Vec<String> = results
            .hits
            .iter()
            .map(|h| key_of[&h.article].to_owned())
            .collect();
        let first_relevant = top
            .iter()
            .position(|k| q.relevant.contains(k))
            .map(|i| i + 1);
        let found_in_5 = top
            .iter()
            .take(5)
            .filter(|k| q.relevant.contains(k))
            .count();
        outcomes.push(Outcome {
            recall_at_5: found_in_5 as f64 / q.relevant.len() as f64,
            first_relevant,
            top,
            relaxed: results.relaxed,
            query: q,
        });
    }

    let mrr = mean(
        outcomes
            .iter()
            .map(|o| o.first_relevant.map_or(0.0, |r| 1.0 / r as f64)),
    );
    let recall = mean(outcomes.iter().map(|o| o.recall_at_5));
    println!(
        "\ncorpus: {} articles ({multilingual} in several languages), translations per locale {per_locale:?}, {} queries",
        corpus.articles.len(),
        outcomes.len()
    );
    println!(
        "{:<40} {:>4} {:>5} {:>3}  top 3",
        "query", "lang", "rank", "R@5"
    );
    for o in &outcomes {
        println!(
            "{:<40} {:>4} {:>5} {:>3.1}  {}{}",
            o.query.text,
            o.query.locale.as_str(),
            o.first_relevant.map_or("-".to_owned(), |r| r.to_string()),
            o.recall_at_5,
            o.top.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if o.relaxed { "  (relaxed)" } else { "" },
        );
    }
    let mut by_check: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    let mut by_locale: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    for o in &outcomes {
        for c in &o.query.checks {
            by_check.entry(c.as_str()).or_default().push(o);
        }
        by_locale
            .entry(o.query.locale.as_str())
            .or_default()
            .push(o);
    }
    let line = |name: &str, group: &[&Outcome]| {
        let mrr = mean(
            group
                .iter()
                .map(|o| o.first_relevant.map_or(0.0, |r| 1.0 / r as f64)),
        );
        let recall = mean(group.iter().map(|o| o.recall_at_5));
        println!(
            "  {name:<22} n={:<3} MRR {mrr:.3}  recall@5 {recall:.3}",
            group.len()
        );
    };
    println!("by locale:");
    for (l, group) in &by_locale {
        line(l, group);
    }
    println!("by what the query exercises:");
    for (c, group) in &by_check {
        line(c, group);
    }
    let relaxed = outcomes.iter().filter(|o| o.relaxed).count();
    println!(
        "in memory: MRR {mrr:.3}, recall@5 {recall:.3}; {} of {} queries matched on all words\n",
        outcomes.len() - relaxed,
        outcomes.len()
    );
    assert!(mrr >= 0.8, "MRR {mrr:.3} is below 0.8");
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// The same corpus and queries through each [`KnowledgeStore`] back end:
/// every article is committed with its history, every query searched as
/// its searcher may (requesters: public articles; agents: internal and
/// public), and each back end's page must be the in-memory index's: the
/// same articles in the same order, hence the same MRR and recall@5.
async fn check_back_end(name: &str, store: &dyn KnowledgeStore) {
    let corpus = load();
    let queries: QueriesFile = read_toml(&data_dir().join("queries.toml"));
    let mut index = KbIndex::new(corpus.tree.clone());
    for ((_, a), history) in corpus.articles.iter().zip(&corpus.histories) {
        index.upsert(a);
        store
            .commit_article(ArticleWrite::new(a.clone(), history.clone(), None))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let key_of: HashMap<ArticleId, &str> = corpus
        .articles
        .iter()
        .map(|(k, a)| (a.id, k.as_str()))
        .collect();
    let requester = Actor::requester(CustomerId::from_uuid(Uuid::from_u128(3)));
    let agent = Actor::agent(AgentId::from_uuid(Uuid::from_u128(4)), []);
    let (mut reciprocal, mut recall, mut n) = (0.0, 0.0, 0usize);
    for q in &queries.query {
        let (actor, filter) = match q.actor.as_deref() {
            Some("agent") => (&agent, SearchFilter::new()),
            _ => (&requester, SearchFilter::new().state(ArticleState::Public)),
        };
        let chain = q.locale.fallbacks(&corpus.default_locale);
        let want = index.search(actor, &q.text, &chain, &SearchFilter::new(), PAGE);
        let got = store
            .search_articles(&KbSearch::new(q.text.clone(), chain, filter, PAGE))
            .await
            .unwrap_or_else(|e| panic!("{name} {:?}: {e}", q.text));
        let keys = |r: &kb::SearchResults| -> Vec<String> {
            r.hits
                .iter()
                .map(|h| key_of[&h.article].to_owned())
                .collect()
        };
        assert_eq!(keys(&got), keys(&want), "{name}: {:?}", q.text);
        assert_eq!(got.relaxed, want.relaxed, "{name}: {:?}", q.text);
        for (g, w) in got.hits.iter().zip(&want.hits) {
            assert_eq!(g.locale, w.locale, "{name}: {:?}", q.text);
            assert_eq!(
                (&g.title_html, &g.snippet),
                (&w.title_html, &w.snippet),
                "{name}: {:?}",
                q.text
            );
        }
        let top = keys(&got);
        reciprocal += top
            .iter()
            .position(|k| q.relevant.contains(k))
            .map_or(0.0, |r| 1.0 / (r + 1) as f64);
        recall += top
            .iter()
            .take(5)
            .filter(|k| q.relevant.contains(k))
            .count() as f64
            / q.relevant.len() as f64;
        n += 1;
    }
    let (mrr, recall) = (reciprocal / n as f64, recall / n as f64);
    println!(
        "{name}: MRR {mrr:.3}, recall@5 {recall:.3} over {n} queries (same pages as in memory)"
    );
    assert!(mrr >= 0.8, "{name}: MRR {mrr:.3} is below 0.8");
}

#[tokio::test]
async fn the_in_memory_store_ranks_the_corpus_like_the_index() {
    check_back_end("memory", &InMemoryStore::new()).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_ranks_the_corpus_like_memory() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("kb.db")).await.unwrap();
    check_back_end("sqlite", &store).await;
    store.close().await.unwrap();
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_ranks_the_corpus_like_memory() {
    let Ok(url) = std::env::var("HELPDESK_TEST_POSTGRES_URL") else {
        eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: skipping");
        return;
    };
    // Its own schema, dropped afterwards (the crate's tests sweep
    // `helpdesk_rel_*` schemas left by a panic once they are an hour old).
    let schema = format!("helpdesk_rel_{}", Uuid::now_v7().simple());
    let store = PostgresStore::connect_with_schema(&url, &schema)
        .await
        .unwrap();
    check_back_end("postgres", &store).await;
    store.close().await;
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}
