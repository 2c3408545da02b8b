//! The knowledge base's storage port, [`KnowledgeStore`]: articles as
//! their events with the snapshot, listings, ranked search, and the record
//! of suggestions shown and what came of them.
//!
//! It is a port of its own, not part of [`Store`](super::Store), so that a
//! third-party ticket store need not implement a knowledge base: the desk
//! takes one with [`HelpDeskBuilder::knowledge`](crate::HelpDeskBuilder::knowledge).
//! Every back end of this crate implements it; its conformance suite is
//! [`knowledge_store_conformance_tests!`](crate::knowledge_store_conformance_tests).
//!
//! # Search, the same on every back end
//!
//! The text rules are [`kb::text`](crate::kb::text)'s on every back end:
//! the SQL back ends index the crate's own folded words
//! ([`index_text`](crate::kb::text::index_text) of the plain title and
//! body), so SQLite's `unicode61` tokenizer and PostgreSQL's `simple`
//! configuration see exactly the words the in-memory index sees, and
//! queries reach them only as [`Query::to_fts5`](crate::kb::text::Query::to_fts5)
//! or [`Query::to_tsquery`](crate::kb::text::Query::to_tsquery) strings
//! bound as parameters. Ranking is BM25 with the title weighted 3 to the
//! body's 1 ([`kb::index`](crate::kb::index) has the formula):
//!
//! - in memory, [`KbIndex`](crate::kb::KbIndex);
//! - SQLite, an FTS5 external-content table (`unicode61 remove_diacritics
//!   2`, prefix indexes of 2 to 4 characters for search as you type)
//!   ranked by `bm25(kb_fts, 3.0, 1.0)`;
//! - PostgreSQL, a `tsvector` (`setweight` A for the title, B for the body)
//!   with a GIN index finds the candidates; PostgreSQL has no BM25, so the
//!   candidates (at most [`PG_CANDIDATES`], the best by `ts_rank` first)
//!   are scored by the same BM25 in Rust from the document counts and
//!   lengths the database keeps. Below that many matches the ranking is
//!   exactly the other back ends'.
//!
//! Filters, locale fallback and the any-word retry are the in-memory
//! index's, as its docs say.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::TimeRange;
use crate::error::{Error, Result};
use crate::id::{ArticleId, SuggestionId, TicketId};
use crate::kb::{Article, ArticleEvent, ArticleState, Locale, SearchFilter, SearchResults};
use crate::ticket::EventActor;

/// The most candidates the PostgreSQL back end rescores per search (see
/// the [module docs](self)).
pub const PG_CANDIDATES: usize = 2000;

/// The largest page a listing or search returns.
pub const MAX_KB_LIMIT: usize = 1000;

/// One article's change: the new snapshot and the events that led to it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ArticleWrite {
    /// The snapshot after `events`.
    pub article: Article,
    /// The new events, continuing the stored history.
    pub events: Vec<ArticleEvent>,
    /// The version the change was based on; `None` inserts a new article.
    pub expected_version: Option<u64>,
}

impl ArticleWrite {
    /// A write of `article` after `events`, based on `expected_version`.
    pub fn new(article: Article, events: Vec<ArticleEvent>, expected_version: Option<u64>) -> Self {
        ArticleWrite {
            article,
            events,
            expected_version,
        }
    }

    /// Checks a batch: every write's shape, and one write per article.
    pub(crate) fn check_batch(writes: &[ArticleWrite]) -> Result<()> {
        let mut seen = std::collections::HashSet::with_capacity(writes.len());
        for w in writes {
            w.check()?;
            if !seen.insert(w.article.id) {
                return Err(Error::validation(
                    "article_writes",
                    format!("article {} is written twice in one batch", w.article.id),
                ));
            }
        }
        Ok(())
    }

    /// Checks the write's shape before any back end touches storage.
    pub(crate) fn check(&self) -> Result<()> {
        let base = self.expected_version.unwrap_or(0);
        let mut seq = base;
        for e in &self.events {
            seq += 1;
            if e.article_id != self.article.id || e.seq != seq {
                return Err(Error::validation(
                    "article_write.events",
                    format!(
                        "event {} of article {} has seq {}, expected {seq}",
                        e.id, self.article.id, e.seq
                    ),
                ));
            }
        }
        if self.events.is_empty() || seq != self.article.version {
            return Err(Error::validation(
                "article_write.article",
                format!(
                    "article {} version {} does not match its {} new events on version {base}",
                    self.article.id,
                    self.article.version,
                    self.events.len()
                ),
            ));
        }
        Ok(())
    }
}

/// The conflict a back end reports when an article's stored version is not
/// the write's expected one.
pub(crate) fn article_conflict(id: ArticleId, expected: Option<u64>, actual: u64) -> Error {
    Error::Conflict {
        what: "article",
        id: id.to_string(),
        expected: expected.unwrap_or(0),
        actual,
    }
}

/// A listing of articles: oldest first (by id), filtered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArticleQuery {
    /// Which articles. `states` empty means every state here (a listing is
    /// for staff; the desk restricts it for requesters); `category` is read
    /// as that one node (resolve a subtree with [`SearchFilter::resolved`]).
    pub filter: SearchFilter,
    /// Page size, 1..=[`MAX_KB_LIMIT`].
    pub limit: usize,
    /// Continue after this article.
    pub after: Option<ArticleId>,
}

impl ArticleQuery {
    /// The first `limit` articles matching `filter`.
    pub fn new(filter: SearchFilter, limit: usize) -> Self {
        ArticleQuery {
            filter,
            limit,
            after: None,
        }
    }

    /// Continues after `id`.
    pub fn after(mut self, id: Option<ArticleId>) -> Self {
        self.after = id;
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        check_limit(self.limit)
    }

    /// Whether `a` is on the listing (ignoring the page).
    pub(crate) fn matches(&self, a: &Article) -> bool {
        let f = &self.filter;
        (f.states.is_empty() || f.states.contains(&a.state))
            && f.category.as_ref().is_none_or(|c| *c == a.category)
            && (f.within.is_empty() || f.within.contains(&a.category))
            && (f.kinds.is_empty() || f.kinds.contains(&a.kind))
            && f.tags.is_subset(&a.tags)
            && self.after.is_none_or(|after| a.id > after)
    }
}

fn check_limit(limit: usize) -> Result<()> {
    if limit == 0 || limit > MAX_KB_LIMIT {
        Err(Error::validation(
            "limit",
            format!("{limit} is not within 1..={MAX_KB_LIMIT}"),
        ))
    } else {
        Ok(())
    }
}

/// A search as a store runs it: what was typed, the locale chain, the
/// filter with visibility already decided, and the page size.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KbSearch {
    /// What the user typed, as typed ([`Query::parse`](crate::kb::text::Query::parse) reads it).
    pub text: String,
    /// The locale chain (see [`Locale::fallbacks`]); each article is found
    /// in the first of these it has. Empty: every locale.
    pub locales: Vec<Locale>,
    /// The filter. Its `states` decide visibility: empty means internal and
    /// public (the desk always sets them; requesters get public only).
    /// `category` is one node; the desk resolves subtrees into `within`.
    pub filter: SearchFilter,
    /// How many hits, 1..=[`MAX_KB_LIMIT`].
    pub limit: usize,
}

impl KbSearch {
    /// A search of `text` in `locales` among what `filter` allows.
    pub fn new(
        text: impl Into<String>,
        locales: Vec<Locale>,
        filter: SearchFilter,
        limit: usize,
    ) -> Self {
        KbSearch {
            text: text.into(),
            locales,
            filter,
            limit,
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        check_limit(self.limit)
    }

    /// The states searched: the filter's, or internal and public.
    pub(crate) fn states(&self) -> Vec<ArticleState> {
        if self.filter.states.is_empty() {
            vec![ArticleState::Internal, ArticleState::Public]
        } else {
            self.filter.states.iter().copied().collect()
        }
    }
}

/// What someone did after seeing suggestions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SuggestionOutcome {
    /// They opened one of the suggested articles.
    Viewed {
        /// Which.
        article: ArticleId,
    },
    /// They said a suggested article answered their question.
    Helped {
        /// Which.
        article: ArticleId,
    },
    /// They opened a ticket anyway.
    TicketOpened {
        /// The ticket.
        ticket: TicketId,
    },
}

impl SuggestionOutcome {
    /// The name, e.g. `helped`.
    pub fn name(&self) -> &'static str {
        match self {
            SuggestionOutcome::Viewed { .. } => "viewed",
            SuggestionOutcome::Helped { .. } => "helped",
            SuggestionOutcome::TicketOpened { .. } => "ticket_opened",
        }
    }

    /// The article it is about, if any.
    pub fn article(&self) -> Option<ArticleId> {
        match *self {
            SuggestionOutcome::Viewed { article } | SuggestionOutcome::Helped { article } => {
                Some(article)
            }
            SuggestionOutcome::TicketOpened { .. } => None,
        }
    }

    /// The ticket it is about, if any.
    pub fn ticket(&self) -> Option<TicketId> {
        match *self {
            SuggestionOutcome::TicketOpened { ticket } => Some(ticket),
            _ => None,
        }
    }
}

/// One set of suggestions shown to someone writing a ticket (or reading
/// one): which articles, in which order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SuggestionRecord {
    /// Its id; outcomes refer to it.
    pub id: SuggestionId,
    /// When they were shown.
    pub at: DateTime<Utc>,
    /// To whom.
    pub shown_to: EventActor,
    /// The locale searched first.
    pub locale: Locale,
    /// The articles, best first (may be empty: nothing fitted).
    pub articles: Vec<ArticleId>,
    /// The ticket they were shown for, when it already existed.
    pub ticket: Option<TicketId>,
}

impl SuggestionRecord {
    /// A record of `articles` shown to `shown_to` at `at`.
    pub fn new(
        id: SuggestionId,
        at: DateTime<Utc>,
        shown_to: EventActor,
        locale: Locale,
        articles: Vec<ArticleId>,
    ) -> Self {
        SuggestionRecord {
            id,
            at,
            shown_to,
            locale,
            articles,
            ticket: None,
        }
    }

    /// For an existing ticket.
    pub fn ticket(mut self, ticket: TicketId) -> Self {
        self.ticket = Some(ticket);
        self
    }
}

/// Deflection figures over the suggestion sets shown in a time range.
///
/// A set is **deflected** when its reader marked a suggested article
/// helpful and opened no ticket after it; **viewed** when they opened at
/// least one suggested article. Only sets with at least one article count
/// (an empty set offered nothing to deflect with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Deflection {
    /// Suggestion sets shown with at least one article.
    pub shown: u64,
    /// Of those, sets where a suggested article was opened.
    pub viewed: u64,
    /// Sets where a suggested article was marked helpful.
    pub helped: u64,
    /// Sets after which a ticket was opened anyway.
    pub tickets_opened: u64,
    /// Sets marked helpful with no ticket opened after them.
    pub deflected: u64,
}

impl Deflection {
    /// `deflected / shown`, or `None` when nothing was shown.
    pub fn rate(&self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        (self.shown > 0).then(|| self.deflected as f64 / self.shown as f64)
    }
}

/// Folds suggestion sets and their outcomes into [`Deflection`] figures;
/// the in-memory back end's query, and the definition the SQL ones match.
pub(crate) fn deflection_of<'a>(
    sets: impl Iterator<Item = (&'a SuggestionRecord, &'a [SuggestionOutcome])>,
    range: &TimeRange,
) -> Deflection {
    let mut d = Deflection::default();
    for (set, outcomes) in sets {
        if set.articles.is_empty() || !range.contains(set.at) {
            continue;
        }
        d.shown += 1;
        let viewed = outcomes
            .iter()
            .any(|o| matches!(o, SuggestionOutcome::Viewed { .. }));
        let helped = outcomes
            .iter()
            .any(|o| matches!(o, SuggestionOutcome::Helped { .. }));
        let opened = outcomes
            .iter()
            .any(|o| matches!(o, SuggestionOutcome::TicketOpened { .. }));
        d.viewed += u64::from(viewed);
        d.helped += u64::from(helped);
        d.tickets_opened += u64::from(opened);
        d.deflected += u64::from(helped && !opened);
    }
    d
}

/// Checks an outcome against its set: an article outcome must name one of
/// the set's articles.
pub(crate) fn check_outcome(set: &SuggestionRecord, outcome: &SuggestionOutcome) -> Result<()> {
    match outcome.article() {
        Some(a) if !set.articles.contains(&a) => Err(Error::validation(
            "outcome.article",
            format!("article {a} was not among suggestions {}", set.id),
        )),
        _ => Ok(()),
    }
}

/// The knowledge base's storage. See the [module docs](self).
///
/// Article writes are optimistic like ticket commits: a stored version
/// other than `expected_version` (or an existing article, on insert) is
/// [`Error::Conflict`] and writes nothing. Events are append-only.
#[async_trait]
pub trait KnowledgeStore: Send + Sync + fmt::Debug {
    /// Stores an article's new events and snapshot, atomically, and
    /// reindexes it for search.
    async fn commit_article(&self, write: ArticleWrite) -> Result<()>;

    /// Stores many articles' writes in one transaction, all or none: the
    /// bulk path for loading a knowledge base (an import, a migration from
    /// another tool). Each write is checked as [`commit_article`](Self::commit_article)
    /// checks it; a conflict on any of them is [`Error::Conflict`] and
    /// stores nothing. At most one write per article. The SQL back ends
    /// write each table's rows in a few multi-row statements, so a batch of
    /// a thousand costs about what a handful of single commits cost.
    async fn commit_articles(&self, writes: Vec<ArticleWrite>) -> Result<()>;

    /// An article's snapshot.
    async fn load_article(&self, id: ArticleId) -> Result<Option<Article>>;

    /// An article's whole history, in order (empty when unknown).
    async fn article_history(&self, id: ArticleId) -> Result<Vec<ArticleEvent>>;

    /// A page of articles, by id.
    async fn list_articles(&self, query: &ArticleQuery) -> Result<Vec<Article>>;

    /// Ranked hits with highlighted titles and snippets. See the [module docs](self).
    async fn search_articles(&self, search: &KbSearch) -> Result<SearchResults>;

    /// Records a set of suggestions shown. The same id twice is [`Error::Duplicate`].
    async fn record_suggestions(&self, record: SuggestionRecord) -> Result<()>;

    /// Records what came of a set of suggestions. An unknown set is
    /// [`Error::NotFound`]; an article outcome must name one of its
    /// articles; the same outcome twice counts once.
    async fn record_outcome(
        &self,
        suggestion: SuggestionId,
        outcome: SuggestionOutcome,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// A set of suggestions and its outcomes so far.
    async fn suggestion(
        &self,
        id: SuggestionId,
    ) -> Result<Option<(SuggestionRecord, Vec<SuggestionOutcome>)>>;

    /// Deflection figures over the sets shown in `range`.
    async fn deflection(&self, range: &TimeRange) -> Result<Deflection>;
}
