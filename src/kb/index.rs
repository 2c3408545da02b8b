//! The in-memory search index: BM25 over (article, locale) documents.
//!
//! # Ranking
//!
//! Each translation of an article (its latest version) is one document
//! with two fields, title and body. A query's clauses (words, phrases,
//! prefixes; see [`Query`]) are scored with BM25 exactly as SQLite FTS5's
//! `bm25()` function scores them, so the SQLite back end ranks the same way:
//!
//! ```text
//! score(d) = Σ_clauses IDF(c) · f(c,d)·(k1 + 1) / (f(c,d) + k1·(1 − b + b·|d| / avgdl))
//! f(c,d)   = TITLE_WEIGHT · (matches of c in d's title) + BODY_WEIGHT · (matches in its body)
//! IDF(c)   = ln((N − n(c) + 0.5) / (n(c) + 0.5)), or 1e-6 when that is not positive
//! ```
//!
//! with `k1` = [`K1`] = 1.2, `b` = [`B`] = 0.75, [`TITLE_WEIGHT`] = 3 and
//! [`BODY_WEIGHT`] = 1; `|d|` is the document's words in both fields, `avgdl`
//! the mean over the index, `N` the number of documents and `n(c)` the
//! documents the clause matches (a prefix counts a document once, whichever
//! words it matched). The SQLite back end is to call `bm25(kb_fts, 3.0, 1.0)`
//! with the columns (title, body), which returns this score negated; the
//! PostgreSQL back end is to give the title weight `A` and the body weight
//! `B` with `setweight` and rank with `ts_rank('{0, 0, 0.333, 1}', ...)`,
//! which keeps the 3:1 ratio but is not BM25 (PostgreSQL has none built in).
//!
//! Statistics are over the whole index: every locale and state, as in one
//! FTS5 table. Ties are broken by article id, then locale, so results are
//! deterministic.
//!
//! # Matching
//!
//! Every clause must match ([`Match::All`]); when no document matches them
//! all and there is more than one, search retries with any clause matching
//! ([`Match::Any`]) and says so ([`SearchResults::relaxed`]).
//!
//! Readers see what they may: requesters public articles only, whatever
//! the filter says; staff, by default, internal and public ones (ask for
//! drafts or archived articles with [`SearchFilter::state`]). Each article
//! is found in one locale: the first of the requested chain it has (see
//! [`Locale::fallbacks`]).
//!
//! # Speed
//!
//! Posting lists per word (document, matches in title, matches in body),
//! sorted by document; the words of each document in order, for phrases;
//! a sorted dictionary for prefixes. A search walks the shortest list and
//! looks the document up in the others. `benches/kb.rs` measures it on
//! 100,000 generated articles.
//!
//! ```
//! use chrono::Utc;
//! use helpdesk::{Actor, AgentId, CustomerId};
//! use helpdesk::kb::{self, ArticleCommand, ArticleKind, CategoryId, CategoryTree, KbContext, KbIndex, NewArticle, SearchFilter};
//!
//! let mut tree = CategoryTree::new();
//! tree.add_category(CategoryId::new("printing")?, "Printing")?;
//! let lead = Actor::supervisor(AgentId::new());
//! let new = NewArticle::new(CategoryId::new("printing")?, ArticleKind::Troubleshooting, "fr".parse()?,
//!     "L'imprimante est hors ligne", "Redémarrez le **spouleur d'impression** puis imprimez une page de test.");
//! let (article, _) = kb::execute(None, &ArticleCommand::CreateDraft(new), &KbContext::new(&lead, Utc::now()))?;
//! let (article, _) = kb::execute(Some(article), &ArticleCommand::PublishPublic, &KbContext::new(&lead, Utc::now()))?;
//!
//! let mut index = KbIndex::new(tree);
//! index.upsert(&article);
//! let reader = Actor::requester(CustomerId::new());
//! let results = index.search(&reader, "IMPRIMANTE spoul", &["fr".parse()?], &SearchFilter::new(), 10);
//! assert_eq!(results.hits[0].article, article.id);
//! assert_eq!(results.hits[0].title_html, "L&#39;<mark>imprimante</mark> est hors ligne");
//! assert_eq!(results.hits[0].snippet, "Redémarrez le <mark>spouleur</mark> d&#39;impression puis imprimez une page de test.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use crate::access::Actor;

use super::model::{
    Article, ArticleId, ArticleKind, ArticleState, CategoryId, CategoryTree, Locale,
};
use super::snippet::Highlighter;
use super::text::{Clause, Match, Query, plain_text, tokens};

/// BM25's term-frequency saturation, as in FTS5.
pub const K1: f64 = 1.2;
/// BM25's length normalisation, as in FTS5.
pub const B: f64 = 0.75;
/// How much a match in the title counts against one in the body.
pub const TITLE_WEIGHT: f64 = 3.0;
/// How much a match in the body counts.
pub const BODY_WEIGHT: f64 = 1.0;

type DocId = u32;
type TermId = u32;

/// One document's matches of one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Posting {
    doc: DocId,
    title: u32,
    body: u32,
}

impl Posting {
    fn weighted(self) -> f64 {
        TITLE_WEIGHT * f64::from(self.title) + BODY_WEIGHT * f64::from(self.body)
    }
}

/// What filters read about an article; shared by its documents.
#[derive(Debug)]
struct Meta {
    id: ArticleId,
    category: CategoryId,
    kind: ArticleKind,
    tags: BTreeSet<String>,
    state: ArticleState,
    /// The locales it has documents in.
    locales: Vec<u16>,
}

/// One (article, locale) document.
#[derive(Debug)]
struct Doc {
    meta: Arc<Meta>,
    locale: u16,
    /// The words of the title, then of the body.
    terms: Box<[TermId]>,
    title_len: u32,
    /// The plain title and body, for highlighting.
    title: String,
    body: String,
}

impl Doc {
    fn len(&self) -> usize {
        self.terms.len()
    }
}

/// What a search reads of every candidate document, kept apart from the
/// texts and the shared [`Meta`] so that walking thousands of candidates
/// stays in cache (`allowed` was the largest cost of a search while it read
/// these through `Doc` and `Meta`).
#[derive(Debug, Clone, Copy)]
struct DocInfo {
    article: ArticleId,
    /// Words in title and body.
    len: u32,
    locale: u16,
    state: ArticleState,
    /// Bit `i` is set when the article has a document in locale `i`, for
    /// the first 64 locales (see [`Plan::locale_ok`]).
    article_locales: u64,
}

/// The first 64 locale ids as a bit mask; the rest do not fit.
fn locale_bit(locale: u16) -> u64 {
    1u64.checked_shl(u32::from(locale)).unwrap_or(0)
}

/// What to search among: all given parts must hold.
///
/// ```
/// use helpdesk::kb::{ArticleKind, ArticleState, CategoryId, SearchFilter};
/// let f = SearchFilter::new()
///     .category(CategoryId::new("network")?)   // and every section below it
///     .kind(ArticleKind::Troubleshooting)
///     .tag("vpn")
///     .state(ArticleState::Public);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchFilter {
    /// In this category or section, or any section below it.
    pub category: Option<CategoryId>,
    /// Of one of these kinds (any kind when empty).
    pub kinds: BTreeSet<ArticleKind>,
    /// With every one of these tags.
    pub tags: BTreeSet<String>,
    /// In one of these states; empty means internal and public. Requesters
    /// only ever see public articles.
    pub states: BTreeSet<ArticleState>,
    /// In one of exactly these categories or sections (empty: any). Unlike
    /// [`category`](Self::category) it needs no tree: the desk resolves a
    /// category to its subtree here before asking a store, which may not
    /// know the tree.
    pub within: BTreeSet<CategoryId>,
}

impl SearchFilter {
    /// No filter: published articles in every category.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only this category or section and what is below it.
    pub fn category(mut self, c: CategoryId) -> Self {
        self.category = Some(c);
        self
    }
    /// Also this kind.
    pub fn kind(mut self, k: ArticleKind) -> Self {
        self.kinds.insert(k);
        self
    }
    /// Also require this tag (matched lowercase).
    pub fn tag(mut self, t: impl Into<String>) -> Self {
        self.tags.insert(t.into().trim().to_lowercase());
        self
    }
    /// Also this state.
    pub fn state(mut self, s: ArticleState) -> Self {
        self.states.insert(s);
        self
    }
    /// Only these exact categories or sections (see [`within`](Self::within)).
    pub fn within(mut self, categories: impl IntoIterator<Item = CategoryId>) -> Self {
        self.within.extend(categories);
        self
    }
    /// The filter with [`category`](Self::category) resolved against `tree`
    /// into [`within`](Self::within) (the category and every section below
    /// it, intersected with what `within` already held), so that a store
    /// without the tree filters the same way. A store without a tree reads
    /// `category` as that one node only.
    pub fn resolved(mut self, tree: &CategoryTree) -> Self {
        if let Some(c) = self.category.take() {
            let mut set = tree.subtree(&c);
            set.insert(c.clone());
            if !self.within.is_empty() {
                set.retain(|x| self.within.contains(x));
            }
            if set.is_empty() {
                // Nothing can match: `c` is not in `within` either, so
                // keeping both (category exact, within) matches nothing.
                self.category = Some(c);
            } else {
                self.within = set;
            }
        }
        self
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The article.
    pub article: ArticleId,
    /// The translation that matched.
    pub locale: Locale,
    /// The BM25 score; higher is better.
    pub score: f64,
    /// The title, plain.
    pub title: String,
    /// The title as HTML, escaped, with the matched words in `<mark>`.
    pub title_html: String,
    /// About 30 words of the body around the best match, as HTML like
    /// `title_html`, with `…` where the body was cut.
    pub snippet: String,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    /// Best first.
    pub hits: Vec<SearchHit>,
    /// True when no article matched every word, and these match some.
    pub relaxed: bool,
}

/// An in-memory BM25 index of knowledge base articles. See the [module
/// docs](self) for ranking and matching.
#[derive(Debug, Default)]
pub struct KbIndex {
    categories: CategoryTree,
    dictionary: BTreeMap<String, TermId>,
    /// By term id; each sorted by document.
    postings: Vec<Vec<Posting>>,
    /// By document id; `None` once removed (ids are not reused, so posting
    /// lists stay sorted by appending).
    docs: Vec<Option<Doc>>,
    /// By document id, like `docs`.
    info: Vec<DocInfo>,
    by_article: HashMap<ArticleId, Vec<DocId>>,
    locales: Vec<Locale>,
    live_docs: usize,
    total_len: u64,
}

/// The filter, resolved for one search.
struct Plan {
    states: [bool; 4],
    /// Filters that need the article's [`Meta`]; `None` when there are none.
    meta: Option<MetaFilter>,
    /// `None` when every locale is searched. Else, by locale id: `None`
    /// for a locale outside the chain, or the locales earlier in it.
    chain: Option<Vec<Option<Earlier>>>,
}

struct MetaFilter {
    categories: Option<HashSet<CategoryId>>,
    kinds: BTreeSet<ArticleKind>,
    tags: BTreeSet<String>,
}

/// The locales before one in the chain.
struct Earlier {
    ids: Vec<u16>,
    /// The same as a mask, when all of them are among the first 64.
    mask: Option<u64>,
}

fn state_index(s: ArticleState) -> usize {
    match s {
        ArticleState::Draft => 0,
        ArticleState::Internal => 1,
        ArticleState::Public => 2,
        ArticleState::Archived => 3,
    }
}

impl KbIndex {
    /// An empty index over articles in `categories` (used by category filters).
    pub fn new(categories: CategoryTree) -> Self {
        KbIndex {
            categories,
            ..Self::default()
        }
    }

    /// The category tree filters resolve against.
    pub fn categories(&self) -> &CategoryTree {
        &self.categories
    }

    /// Replaces the category tree (documents keep their categories).
    pub fn set_categories(&mut self, tree: CategoryTree) {
        self.categories = tree;
    }

    /// The number of documents (one per article and locale).
    pub fn len(&self) -> usize {
        self.live_docs
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.live_docs == 0
    }

    /// Whether the article is indexed.
    pub fn contains(&self, id: ArticleId) -> bool {
        self.by_article.contains_key(&id)
    }

    /// Indexes the article (the latest version of each translation),
    /// replacing what was indexed for it before.
    pub fn upsert(&mut self, article: &Article) {
        self.remove(article.id);
        let locales: Vec<u16> = article
            .translations
            .keys()
            .map(|l| self.locale_id(l))
            .collect();
        let mask = locales.iter().fold(0, |m, &l| m | locale_bit(l));
        let meta = Arc::new(Meta {
            id: article.id,
            category: article.category.clone(),
            kind: article.kind.clone(),
            tags: article.tags.clone(),
            state: article.state,
            locales,
        });
        let mut ids = Vec::with_capacity(article.translations.len());
        for (locale, translation) in &article.translations {
            let latest = translation.latest();
            let locale = self.locale_id(locale);
            let title = latest.title.clone();
            let body = plain_text(&latest.body);
            ids.push(self.add_doc(Arc::clone(&meta), mask, locale, title, body));
        }
        self.by_article.insert(article.id, ids);
    }

    /// Removes the article; false when it was not indexed.
    pub fn remove(&mut self, id: ArticleId) -> bool {
        let Some(ids) = self.by_article.remove(&id) else {
            return false;
        };
        for doc_id in ids {
            let Some(doc) = self.docs.get_mut(doc_id as usize).and_then(Option::take) else {
                continue;
            };
            let mut terms = doc.terms.to_vec();
            terms.sort_unstable();
            terms.dedup();
            for t in terms {
                let list = &mut self.postings[t as usize];
                if let Ok(i) = list.binary_search_by_key(&doc_id, |p| p.doc) {
                    list.remove(i);
                }
            }
            self.live_docs -= 1;
            self.total_len -= doc.len() as u64;
        }
        true
    }

    fn locale_id(&mut self, locale: &Locale) -> u16 {
        if let Some(i) = self.locales.iter().position(|l| l == locale) {
            return i as u16;
        }
        self.locales.push(locale.clone());
        (self.locales.len() - 1) as u16
    }

    fn term_id(&mut self, word: String) -> TermId {
        if let Some(&id) = self.dictionary.get(&word) {
            return id;
        }
        let id = self.postings.len() as TermId;
        self.postings.push(Vec::new());
        self.dictionary.insert(word, id);
        id
    }

    fn add_doc(
        &mut self,
        meta: Arc<Meta>,
        article_locales: u64,
        locale: u16,
        title: String,
        body: String,
    ) -> DocId {
        let doc_id = self.docs.len() as DocId;
        let title_terms: Vec<TermId> = tokens(&title)
            .into_iter()
            .map(|t| self.term_id(t.text))
            .collect();
        let title_len = title_terms.len() as u32;
        let mut terms = title_terms;
        terms.extend(
            tokens(&body)
                .into_iter()
                .map(|t| self.term_id(t.text))
                .collect::<Vec<_>>(),
        );
        let mut counts: BTreeMap<TermId, Posting> = BTreeMap::new();
        for (i, &t) in terms.iter().enumerate() {
            let p = counts.entry(t).or_insert(Posting {
                doc: doc_id,
                title: 0,
                body: 0,
            });
            if i < title_len as usize {
                p.title += 1;
            } else {
                p.body += 1;
            }
        }
        for (t, p) in counts {
            self.postings[t as usize].push(p);
        }
        self.live_docs += 1;
        self.total_len += terms.len() as u64;
        self.info.push(DocInfo {
            article: meta.id,
            len: terms.len() as u32,
            locale,
            state: meta.state,
            article_locales,
        });
        self.docs.push(Some(Doc {
            meta,
            locale,
            terms: terms.into_boxed_slice(),
            title_len,
            title,
            body,
        }));
        doc_id
    }

    /// Searches for what a user typed (parsed with [`Query::parse`]) as
    /// `actor`, in the first locale of `locales` each article has (every
    /// locale when empty), among articles passing `filter`; the best
    /// `limit` hits.
    pub fn search(
        &self,
        actor: &Actor,
        query: &str,
        locales: &[Locale],
        filter: &SearchFilter,
        limit: usize,
    ) -> SearchResults {
        self.search_query(actor, &Query::parse(query), locales, filter, limit)
    }

    /// [`search`](Self::search) with a parsed query.
    pub fn search_query(
        &self,
        actor: &Actor,
        query: &Query,
        locales: &[Locale],
        filter: &SearchFilter,
        limit: usize,
    ) -> SearchResults {
        if query.is_empty() || limit == 0 || self.live_docs == 0 {
            return SearchResults::default();
        }
        let plan = self.plan(actor, locales, filter);
        let clauses: Vec<Cow<'_, [Posting]>> = query
            .clauses()
            .iter()
            .map(|c| self.clause_hits(c))
            .collect();
        let mut relaxed = false;
        let mut scored = self.score(&clauses, Match::All, &plan);
        if scored.is_empty() && clauses.len() > 1 {
            scored = self.score(&clauses, Match::Any, &plan);
            relaxed = true;
        }
        let top = self.top(scored, limit);
        let highlighter = Highlighter::new(query);
        let hits = top
            .into_iter()
            .filter_map(|hit| {
                let doc = self.doc(hit.doc)?;
                Some(SearchHit {
                    article: hit.article,
                    locale: self.locales[doc.locale as usize].clone(),
                    score: hit.score,
                    title: doc.title.clone(),
                    title_html: highlighter.highlight(&doc.title),
                    snippet: highlighter.snippet(&doc.body),
                })
            })
            .collect();
        SearchResults { hits, relaxed }
    }

    fn doc(&self, id: DocId) -> Option<&Doc> {
        self.docs.get(id as usize).and_then(Option::as_ref)
    }

    fn plan(&self, actor: &Actor, locales: &[Locale], filter: &SearchFilter) -> Plan {
        let mut states = [false; 4];
        if actor.is_staff() {
            if filter.states.is_empty() {
                states[state_index(ArticleState::Internal)] = true;
                states[state_index(ArticleState::Public)] = true;
            } else {
                for s in &filter.states {
                    states[state_index(*s)] = true;
                }
            }
        } else {
            states[state_index(ArticleState::Public)] =
                filter.states.is_empty() || filter.states.contains(&ArticleState::Public);
        }
        let mut categories = filter.category.as_ref().map(|c| {
            let mut set: HashSet<CategoryId> = self.categories.subtree(c).into_iter().collect();
            // A category the tree does not know still matches its own articles.
            set.insert(c.clone());
            set
        });
        if !filter.within.is_empty() {
            categories = Some(match categories {
                Some(set) => set
                    .into_iter()
                    .filter(|c| filter.within.contains(c))
                    .collect(),
                None => filter.within.iter().cloned().collect(),
            });
        }
        let meta = (categories.is_some() || !filter.kinds.is_empty() || !filter.tags.is_empty())
            .then(|| MetaFilter {
                categories,
                kinds: filter.kinds.clone(),
                tags: filter.tags.clone(),
            });
        let chain = (!locales.is_empty()).then(|| {
            let mut chain: Vec<Option<Earlier>> = Vec::new();
            chain.resize_with(self.locales.len(), || None);
            let mut earlier: Vec<u16> = Vec::new();
            for l in locales {
                let Some(id) = self.locales.iter().position(|x| x == l) else {
                    continue; // no document has it
                };
                let id = id as u16;
                if chain[id as usize].is_none() {
                    let mask = earlier.iter().try_fold(0u64, |m, &e| {
                        (locale_bit(e) != 0).then_some(m | locale_bit(e))
                    });
                    chain[id as usize] = Some(Earlier {
                        ids: earlier.clone(),
                        mask,
                    });
                    earlier.push(id);
                }
            }
            chain
        });
        Plan {
            states,
            meta,
            chain,
        }
    }

    /// Whether the document passes the plan's filters and is its article's
    /// best locale in the chain.
    fn allowed(&self, doc: DocId, plan: &Plan) -> bool {
        let info = &self.info[doc as usize];
        if !plan.states[state_index(info.state)] {
            return false;
        }
        if let Some(chain) = &plan.chain {
            // The first locale of the chain the article has must be this one.
            let Some(Some(earlier)) = chain.get(info.locale as usize) else {
                return false;
            };
            let has_earlier = match earlier.mask {
                Some(mask) => info.article_locales & mask != 0,
                None => self
                    .doc(doc)
                    .is_some_and(|d| earlier.ids.iter().any(|l| d.meta.locales.contains(l))),
            };
            if has_earlier {
                return false;
            }
        }
        let Some(f) = &plan.meta else {
            return true;
        };
        let Some(meta) = self.doc(doc).map(|d| &*d.meta) else {
            return false;
        };
        f.categories
            .as_ref()
            .is_none_or(|set| set.contains(&meta.category))
            && (f.kinds.is_empty() || f.kinds.contains(&meta.kind))
            && f.tags.is_subset(&meta.tags)
    }

    /// The documents a clause matches, with its matches in each field.
    fn clause_hits(&self, clause: &Clause) -> Cow<'_, [Posting]> {
        let words = clause.words();
        // `Query::parse` never makes a clause without words.
        let (last, firsts) = words.split_last().expect("a clause has at least one word");
        if firsts.is_empty() {
            return if clause.is_prefix() {
                self.prefix_union(last)
            } else {
                Cow::Borrowed(self.term_postings(last))
            };
        }
        // A phrase: the documents having all its words, then a check of the
        // word order in each field.
        let mut ids: Vec<TermId> = Vec::with_capacity(firsts.len());
        for w in firsts {
            match self.dictionary.get(w) {
                Some(&id) => ids.push(id),
                None => return Cow::Borrowed(&[]),
            }
        }
        let last_ids: HashSet<TermId> = if clause.is_prefix() {
            self.expansions(last).collect()
        } else {
            self.dictionary.get(last).copied().into_iter().collect()
        };
        let last_hits = if clause.is_prefix() {
            self.prefix_union(last)
        } else {
            Cow::Borrowed(self.term_postings(last))
        };
        let mut lists: Vec<&[Posting]> = ids
            .iter()
            .map(|&t| self.postings[t as usize].as_slice())
            .collect();
        lists.push(&last_hits);
        let mut out = Vec::new();
        for doc_id in intersect(&lists) {
            let Some(doc) = self.doc(doc_id) else {
                continue;
            };
            let title_len = doc.title_len as usize;
            let (title, body) = doc.terms.split_at(title_len);
            let count = |field: &[TermId]| -> u32 {
                if field.len() < words.len() {
                    return 0;
                }
                (0..=field.len() - words.len())
                    .filter(|&i| {
                        ids.iter().enumerate().all(|(j, &t)| field[i + j] == t)
                            && last_ids.contains(&field[i + ids.len()])
                    })
                    .count() as u32
            };
            let p = Posting {
                doc: doc_id,
                title: count(title),
                body: count(body),
            };
            if p.title + p.body > 0 {
                out.push(p);
            }
        }
        Cow::Owned(out)
    }

    fn term_postings(&self, word: &str) -> &[Posting] {
        self.dictionary
            .get(word)
            .map_or(&[], |&id| self.postings[id as usize].as_slice())
    }

    /// The ids of the indexed words starting with `prefix`.
    fn expansions<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = TermId> + 'a {
        self.dictionary
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(w, _)| w.starts_with(prefix))
            .map(|(_, &id)| id)
    }

    /// The documents with any word starting with `prefix`, the matches of
    /// all those words added up per field.
    fn prefix_union(&self, prefix: &str) -> Cow<'_, [Posting]> {
        let lists: Vec<&[Posting]> = self
            .expansions(prefix)
            .map(|t| self.postings[t as usize].as_slice())
            .filter(|l| !l.is_empty())
            .collect();
        let total: usize = lists.iter().map(|l| l.len()).sum();
        match lists.as_slice() {
            [] => Cow::Borrowed(&[]),
            [one] => Cow::Borrowed(one),
            // A short prefix of a common word expands to thousands of words
            // and millions of postings: sorting them all cost 5-13 ms on
            // 100,000 articles; adding them up in one slot per document
            // costs a pass over the postings and one over the documents.
            _ if total > self.docs.len() / 4 => {
                let mut sums = vec![(0u32, 0u32); self.docs.len()];
                for p in lists.iter().flat_map(|l| l.iter()) {
                    let s = &mut sums[p.doc as usize];
                    s.0 += p.title;
                    s.1 += p.body;
                }
                let merged = sums
                    .into_iter()
                    .enumerate()
                    .filter(|(_, (t, b))| t + b > 0)
                    .map(|(doc, (title, body))| Posting {
                        doc: doc as DocId,
                        title,
                        body,
                    })
                    .collect();
                Cow::Owned(merged)
            }
            _ => {
                let mut all: Vec<Posting> = lists.concat();
                all.sort_unstable_by_key(|p| p.doc);
                let mut merged: Vec<Posting> = Vec::with_capacity(all.len());
                for p in all {
                    match merged.last_mut() {
                        Some(m) if m.doc == p.doc => {
                            m.title += p.title;
                            m.body += p.body;
                        }
                        _ => merged.push(p),
                    }
                }
                Cow::Owned(merged)
            }
        }
    }

    /// The allowed documents matching the clauses (all or any), with scores.
    fn score(&self, clauses: &[Cow<'_, [Posting]>], mode: Match, plan: &Plan) -> Vec<Scored> {
        let n = self.live_docs as f64;
        let avgdl = self.total_len as f64 / n;
        let idf: Vec<f64> = clauses
            .iter()
            .map(|c| {
                let df = c.len() as f64;
                let idf = ((n - df + 0.5) / (df + 0.5)).ln();
                if idf > 0.0 { idf } else { 1e-6 }
            })
            .collect();
        let norm = |doc: DocId| {
            let len = f64::from(self.info[doc as usize].len);
            K1 * (1.0 - B + B * len / avgdl)
        };
        let term = |i: usize, p: Posting, norm: f64| {
            let f = p.weighted();
            idf[i] * f * (K1 + 1.0) / (f + norm)
        };
        let scored = |score: f64, doc: DocId| Scored {
            score,
            article: self.info[doc as usize].article,
            doc,
        };
        let mut out = Vec::new();
        let mut cursors = vec![0usize; clauses.len()];
        match mode {
            Match::All => {
                // Walk the shortest list; look each document up in the others.
                let mut order: Vec<usize> = (0..clauses.len()).collect();
                order.sort_by_key(|&i| clauses[i].len());
                // `search_query` returns early for an empty query.
                let (&drive, rest) = order.split_first().expect("a query has a clause");
                let mut found = Vec::with_capacity(clauses.len());
                'docs: for &p in clauses[drive].iter() {
                    found.clear();
                    found.push((drive, p));
                    for &i in rest {
                        match seek(&clauses[i], &mut cursors[i], p.doc) {
                            Some(q) => found.push((i, q)),
                            None => continue 'docs,
                        }
                    }
                    if self.allowed(p.doc, plan) {
                        let nd = norm(p.doc);
                        out.push(scored(
                            found.iter().map(|&(i, q)| term(i, q, nd)).sum(),
                            p.doc,
                        ));
                    }
                }
            }
            Match::Any => {
                // Merge the lists (at most `MAX_CLAUSES`) in document order.
                loop {
                    let next = clauses
                        .iter()
                        .zip(&cursors)
                        .filter_map(|(list, &c)| list.get(c).map(|p| p.doc))
                        .min();
                    let Some(doc) = next else { break };
                    let ok = self.allowed(doc, plan);
                    let nd = norm(doc);
                    let mut sum = 0.0;
                    for (i, list) in clauses.iter().enumerate() {
                        if let Some(&p) = list.get(cursors[i]).filter(|p| p.doc == doc) {
                            cursors[i] += 1;
                            if ok {
                                sum += term(i, p, nd);
                            }
                        }
                    }
                    if ok {
                        out.push(scored(sum, doc));
                    }
                }
            }
        }
        out
    }

    /// The best `limit`: score descending, then article id, then locale.
    fn top(&self, mut scored: Vec<Scored>, limit: usize) -> Vec<Scored> {
        let cmp = |a: &Scored, b: &Scored| -> Ordering {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.article.cmp(&b.article))
                .then_with(|| self.locale_of(a.doc).cmp(self.locale_of(b.doc)))
        };
        if scored.len() > limit {
            scored.select_nth_unstable_by(limit - 1, cmp);
            scored.truncate(limit);
        }
        scored.sort_unstable_by(cmp);
        scored
    }

    fn locale_of(&self, doc: DocId) -> &str {
        self.locales[self.info[doc as usize].locale as usize].as_str()
    }
}

/// A candidate hit.
#[derive(Debug, Clone, Copy)]
struct Scored {
    score: f64,
    article: ArticleId,
    doc: DocId,
}

/// The posting for `doc` in `list`, searching forward from `*from` (the
/// documents asked for only increase), by galloping then binary search.
fn seek(list: &[Posting], from: &mut usize, doc: DocId) -> Option<Posting> {
    let mut step = 1;
    let mut hi = *from;
    while hi < list.len() && list[hi].doc < doc {
        *from = hi;
        hi += step;
        step *= 2;
    }
    let hi = hi.min(list.len());
    let i = *from + list[*from..hi].partition_point(|p| p.doc < doc);
    *from = i;
    list.get(i).filter(|p| p.doc == doc).copied()
}

/// The documents in every list.
fn intersect(lists: &[&[Posting]]) -> Vec<DocId> {
    let mut order: Vec<&[Posting]> = lists.to_vec();
    order.sort_by_key(|l| l.len());
    let Some((first, rest)) = order.split_first() else {
        return Vec::new();
    };
    let mut cursors = vec![0usize; rest.len()];
    first
        .iter()
        .filter(|p| {
            rest.iter()
                .zip(cursors.iter_mut())
                .all(|(l, c)| seek(l, c, p.doc).is_some())
        })
        .map(|p| p.doc)
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::id::{AgentId, CustomerId, EventId};
    use crate::kb::{ArticleCommand, KbContext, NewArticle, execute};

    fn cat(s: &str) -> CategoryId {
        CategoryId::new(s).unwrap()
    }
    fn locale(s: &str) -> Locale {
        s.parse().unwrap()
    }
    fn lead() -> Actor {
        Actor::supervisor(AgentId::from_uuid(Uuid::from_u128(1)))
    }
    fn reader() -> Actor {
        Actor::requester(CustomerId::from_uuid(Uuid::from_u128(2)))
    }

    fn tree() -> CategoryTree {
        let mut t = CategoryTree::new();
        t.add_category(cat("network"), "Network").unwrap();
        t.add_section(cat("vpn"), "VPN", &cat("network")).unwrap();
        t.add_category(cat("printing"), "Printing").unwrap();
        t
    }

    /// An article with id `n`, texts `(locale, title, body)`, in `state`.
    fn article(
        n: u128,
        category: &str,
        state: ArticleState,
        texts: &[(&str, &str, &str)],
    ) -> Article {
        let actor = lead();
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let ctx = |e: u128| {
            KbContext::new(&actor, at).with_ids(
                ArticleId::from_uuid(Uuid::from_u128(n)),
                EventId::from_uuid(Uuid::from_u128(e)),
            )
        };
        let (l, title, body) = texts[0];
        let new = NewArticle::new(cat(category), ArticleKind::Faq, locale(l), title, body).tag("t");
        let (mut a, _) = execute(None, &ArticleCommand::CreateDraft(new), &ctx(1)).unwrap();
        for (i, &(l, title, body)) in texts[1..].iter().enumerate() {
            let cmd = ArticleCommand::Translate {
                locale: locale(l),
                title: title.into(),
                body: body.into(),
            };
            a = execute(Some(a), &cmd, &ctx(2 + i as u128)).unwrap().0;
        }
        let publish = match state {
            ArticleState::Draft => return a,
            ArticleState::Internal => ArticleCommand::PublishInternal,
            ArticleState::Public => ArticleCommand::PublishPublic,
            ArticleState::Archived => ArticleCommand::Archive,
        };
        execute(Some(a), &publish, &ctx(100)).unwrap().0
    }

    fn ids(r: &SearchResults) -> Vec<u128> {
        r.hits
            .iter()
            .map(|h| h.article.as_uuid().as_u128())
            .collect()
    }

    fn search(index: &KbIndex, q: &str) -> SearchResults {
        index.search(&lead(), q, &[], &SearchFilter::new(), 10)
    }

    #[test]
    fn scores_are_fts5_bm25_with_the_title_weighted() {
        let mut index = KbIndex::new(tree());
        let p = ArticleState::Public;
        index.upsert(&article(
            1,
            "vpn",
            p,
            &[("en", "VPN client", "Install it.")],
        ));
        index.upsert(&article(
            2,
            "vpn",
            p,
            &[("en", "Remote access", "Use the vpn client daily.")],
        ));
        index.upsert(&article(
            3,
            "vpn",
            p,
            &[("en", "Printers", "Nothing here at all.")],
        ));
        let r = search(&index, "vpn ");
        assert_eq!(ids(&r), [1, 2], "a title match ranks above a body match");
        // By hand: N = 3, n = 2, lengths 4, 7 and 5 words (avg 16/3).
        let idf = ((3.0 - 2.0 + 0.5) / (2.0 + 0.5_f64)).ln();
        assert!(idf < 0.0); // clamped, as FTS5 does
        let bm25 = |f: f64, len: f64| {
            1e-6 * f * (K1 + 1.0) / (f + K1 * (1.0 - B + B * len / (16.0 / 3.0)))
        };
        assert!((r.hits[0].score - bm25(3.0, 4.0)).abs() < 1e-15);
        assert!((r.hits[1].score - bm25(1.0, 7.0)).abs() < 1e-15);
        let r = search(&index, "client install");
        let idf_client = ((3.0 - 2.0 + 0.5) / 2.5_f64).ln().max(1e-6);
        let idf_install = (2.5 / 1.5_f64).ln();
        let norm = K1 * (1.0 - B + B * 4.0 / (16.0 / 3.0));
        let expected = idf_client.max(1e-6) * 3.0 * (K1 + 1.0) / (3.0 + norm)
            + idf_install * 1.0 * (K1 + 1.0) / (1.0 + norm);
        assert_eq!(ids(&r), [1]);
        assert!((r.hits[0].score - expected).abs() < 1e-12);
    }

    #[test]
    fn phrases_need_adjacent_words_in_one_field_and_prefixes_complete_words() {
        let mut index = KbIndex::new(tree());
        let p = ArticleState::Public;
        index.upsert(&article(
            1,
            "vpn",
            p,
            &[("fr", "Mot de passe oublié", "Réinitialisez-le.")],
        ));
        index.upsert(&article(
            2,
            "vpn",
            p,
            &[("fr", "Le mot", "de passe pour tout.")],
        ));
        index.upsert(&article(
            3,
            "vpn",
            p,
            &[("fr", "Passe", "Un mot, de la passe.")],
        ));
        assert_eq!(ids(&search(&index, "\"mot de passe\"")), [1]);
        // An unclosed quote is ignored: three words, the last a prefix.
        assert_eq!(ids(&search(&index, "\"mot de pas")), [1, 3, 2]);
        assert_eq!(ids(&search(&index, "reinitial")), [1]);
        assert_eq!(ids(&search(&index, "\"de passe\" pour")), [2]);
        // A phrase with a prefix last word, from a word with inner punctuation.
        assert_eq!(
            ids(&search(&index, "réinitialisez-l")).len(),
            0,
            "one letter is no prefix"
        );
        assert_eq!(ids(&search(&index, "reinitialisez-le")), [1]);
    }

    #[test]
    fn filters_and_access_choose_what_is_searched() {
        let mut index = KbIndex::new(tree());
        let text = [("en", "Printer offline", "Restart the printer.")];
        index.upsert(&article(1, "vpn", ArticleState::Public, &text));
        index.upsert(&article(2, "network", ArticleState::Internal, &text));
        index.upsert(&article(3, "printing", ArticleState::Draft, &text));
        index.upsert(&article(4, "printing", ArticleState::Archived, &text));
        let find =
            |actor: &Actor, f: SearchFilter| ids(&index.search(actor, "printer", &[], &f, 10));
        assert_eq!(find(&lead(), SearchFilter::new()), [1, 2]);
        assert_eq!(find(&reader(), SearchFilter::new()), [1]);
        assert_eq!(
            find(&reader(), SearchFilter::new().state(ArticleState::Draft)),
            Vec::<u128>::new()
        );
        assert_eq!(
            find(
                &lead(),
                SearchFilter::new()
                    .state(ArticleState::Draft)
                    .state(ArticleState::Archived)
            ),
            [3, 4]
        );
        assert_eq!(
            find(&lead(), SearchFilter::new().category(cat("network"))),
            [1, 2],
            "subtree"
        );
        assert_eq!(find(&lead(), SearchFilter::new().category(cat("vpn"))), [1]);
        assert_eq!(find(&lead(), SearchFilter::new().tag("T")), [1, 2]);
        assert_eq!(
            find(&lead(), SearchFilter::new().tag("t").tag("other")),
            Vec::<u128>::new()
        );
        assert_eq!(
            find(&lead(), SearchFilter::new().kind(ArticleKind::HowTo)),
            Vec::<u128>::new()
        );
        assert_eq!(
            find(&lead(), SearchFilter::new().kind(ArticleKind::Faq)),
            [1, 2]
        );
    }

    #[test]
    fn each_article_is_found_in_its_best_locale() {
        let mut index = KbIndex::new(tree());
        let p = ArticleState::Public;
        index.upsert(&article(
            1,
            "vpn",
            p,
            &[
                ("en", "VPN setup", "Install."),
                ("fr", "Installer le VPN", "Installez."),
            ],
        ));
        index.upsert(&article(2, "vpn", p, &[("en", "VPN errors", "Codes.")]));
        let chain = locale("fr").fallbacks(&locale("en"));
        let r = index.search(&reader(), "vpn", &chain, &SearchFilter::new(), 10);
        let found: Vec<(u128, &str)> = r
            .hits
            .iter()
            .map(|h| (h.article.as_uuid().as_u128(), h.locale.as_str()))
            .collect();
        assert_eq!(found, [(2, "en"), (1, "fr")]);
        // Without a chain, every translation is a hit of its own.
        assert_eq!(search(&index, "vpn").hits.len(), 3);
    }

    #[test]
    fn the_locale_chain_works_beyond_64_locales() {
        let mut index = KbIndex::new(tree());
        let p = ArticleState::Public;
        // 70 locales (`aa`, `ab`, ...), so the later ones do not fit the masks.
        let tags: Vec<String> = (0..70u8)
            .map(|i| format!("{}{}", (b'a' + i / 26) as char, (b'a' + i % 26) as char))
            .collect();
        for (n, tag) in tags.iter().enumerate() {
            index.upsert(&article(
                100 + n as u128,
                "vpn",
                p,
                &[(tag, "Other", "Text.")],
            ));
        }
        let (late, later) = (tags[66].as_str(), tags[68].as_str());
        index.upsert(&article(
            1,
            "vpn",
            p,
            &[(late, "VPN", "x."), (later, "VPN", "y.")],
        ));
        index.upsert(&article(2, "vpn", p, &[(later, "VPN", "z.")]));
        let chain = [locale(late), locale(later)];
        let r = index.search(&reader(), "vpn", &chain, &SearchFilter::new(), 10);
        let found: Vec<(u128, &str)> = r
            .hits
            .iter()
            .map(|h| (h.article.as_uuid().as_u128(), h.locale.as_str()))
            .collect();
        assert_eq!(found, [(1, late), (2, later)]);
    }

    #[test]
    fn ties_break_by_article_id_and_updates_replace_the_text() {
        let mut index = KbIndex::new(tree());
        let text = [("en", "Same title", "Same body.")];
        for n in [5, 3, 4] {
            index.upsert(&article(n, "vpn", ArticleState::Public, &text));
        }
        assert_eq!(ids(&search(&index, "same")), [3, 4, 5]);
        index.upsert(&article(
            4,
            "vpn",
            ArticleState::Public,
            &[("en", "Other", "Words.")],
        ));
        assert_eq!(ids(&search(&index, "same")), [3, 5]);
        assert_eq!(ids(&search(&index, "words")), [4]);
        assert_eq!(index.len(), 3);
        assert!(index.remove(ArticleId::from_uuid(Uuid::from_u128(3))));
        assert!(!index.remove(ArticleId::from_uuid(Uuid::from_u128(3))));
        assert_eq!(ids(&search(&index, "same")), [5]);
        assert_eq!(index.total_len, 4 + 2);
    }

    #[test]
    fn no_full_match_relaxes_to_any_word() {
        let mut index = KbIndex::new(tree());
        let p = ArticleState::Public;
        index.upsert(&article(1, "vpn", p, &[("en", "VPN drops", "Reconnect.")]));
        index.upsert(&article(
            2,
            "vpn",
            p,
            &[("en", "Printer jams", "Open the tray.")],
        ));
        let r = search(&index, "vpn tray ");
        assert!(r.relaxed);
        assert_eq!(r.hits.len(), 2);
        let r = search(&index, "vpn drops");
        assert!(!r.relaxed);
        assert_eq!(ids(&r), [1]);
        assert!(search(&index, "\"\" *** -").hits.is_empty());
        assert!(
            index
                .search(&lead(), "vpn", &[], &SearchFilter::new(), 0)
                .hits
                .is_empty()
        );
    }
}
