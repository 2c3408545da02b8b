//! What the SQL back ends share for the knowledge base: the documents an
//! article is indexed as, the filter as SQL, and hits with highlighting.

use crate::error::Result;
use crate::kb::text::{Query, index_text, plain_text};
use crate::kb::{Article, ArticleId, Highlighter, Locale, SearchFilter, SearchHit};
use crate::store::knowledge::KbSearch;

/// One (article, locale) document as stored.
pub(crate) struct DocRow {
    pub(crate) locale: String,
    /// The title as written, for highlighting.
    pub(crate) title: String,
    /// The body as plain text, for snippets.
    pub(crate) body: String,
    /// The folded words of the title, space-separated, for the index.
    pub(crate) title_idx: String,
    /// The folded words of the body.
    pub(crate) body_idx: String,
    /// Words in title and body (PostgreSQL's BM25 needs it; FTS5 counts itself).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) len: i32,
}

/// The documents of an article: its translations' latest versions.
pub(crate) fn docs_of(article: &Article) -> Vec<DocRow> {
    article
        .translations
        .iter()
        .map(|(locale, t)| {
            let v = t.latest();
            let body = plain_text(&v.body);
            let title_idx = index_text(&v.title);
            let body_idx = index_text(&body);
            let words = title_idx.split(' ').filter(|w| !w.is_empty()).count()
                + body_idx.split(' ').filter(|w| !w.is_empty()).count();
            DocRow {
                locale: locale.to_string(),
                title: v.title.clone(),
                body,
                title_idx,
                body_idx,
                len: i32::try_from(words).unwrap_or(i32::MAX),
            }
        })
        .collect()
}

/// SQL conditions with their text arguments, in placeholder order.
#[derive(Default)]
pub(crate) struct Conditions {
    pub(crate) sql: Vec<String>,
    pub(crate) args: Vec<String>,
}

impl Conditions {
    /// `AND`-joined, or `TRUE`.
    pub(crate) fn joined(&self) -> String {
        if self.sql.is_empty() {
            "1 = 1".to_owned()
        } else {
            self.sql.join(" AND ")
        }
    }

    fn list(
        &mut self,
        values: impl IntoIterator<Item = String>,
        ph: &mut dyn FnMut() -> String,
    ) -> String {
        let mut out = Vec::new();
        for v in values {
            out.push(ph());
            self.args.push(v);
        }
        out.join(", ")
    }
}

/// The conditions of `filter` on articles `a` (`states` as given; empty:
/// any), with placeholders from `ph`.
pub(crate) fn filter_conditions(
    filter: &SearchFilter,
    states: &[crate::kb::ArticleState],
    ph: &mut dyn FnMut() -> String,
) -> Conditions {
    let mut c = Conditions::default();
    if !states.is_empty() {
        let list = c.list(states.iter().map(|s| s.as_str().to_owned()), ph);
        c.sql.push(format!("a.state IN ({list})"));
    }
    if let Some(cat) = &filter.category {
        let p = c.list([cat.to_string()], ph);
        c.sql.push(format!("a.category = {p}"));
    }
    if !filter.within.is_empty() {
        let list = c.list(filter.within.iter().map(ToString::to_string), ph);
        c.sql.push(format!("a.category IN ({list})"));
    }
    if !filter.kinds.is_empty() {
        let list = c.list(filter.kinds.iter().map(|k| k.as_str().to_owned()), ph);
        c.sql.push(format!("a.kind IN ({list})"));
    }
    for tag in &filter.tags {
        let p = c.list([tag.clone()], ph);
        c.sql.push(format!(
            "EXISTS (SELECT 1 FROM kb_tags t WHERE t.article_id = a.id AND t.tag = {p})"
        ));
    }
    c
}

/// Adds the locale chain's condition on documents `d`: each article is
/// found in the first locale of the chain it has.
pub(crate) fn locale_condition(
    c: &mut Conditions,
    chain: &[Locale],
    ph: &mut dyn FnMut() -> String,
) {
    let mut seen: Vec<&Locale> = Vec::new();
    let mut alternatives = Vec::new();
    for l in chain {
        if seen.contains(&l) {
            continue;
        }
        let this = c.list([l.to_string()], ph);
        if seen.is_empty() {
            alternatives.push(format!("d.locale = {this}"));
        } else {
            let earlier = c.list(seen.iter().map(ToString::to_string), ph);
            alternatives.push(format!(
                "(d.locale = {this} AND NOT EXISTS (SELECT 1 FROM kb_docs e \
                 WHERE e.article_id = d.article_id AND e.locale IN ({earlier})))"
            ));
        }
        seen.push(l);
    }
    if !alternatives.is_empty() {
        c.sql.push(format!("({})", alternatives.join(" OR ")));
    }
}

/// A hit with its title and snippet highlighted for `query`.
pub(crate) fn hit(
    highlighter: &Highlighter<'_>,
    article: ArticleId,
    locale: &str,
    score: f64,
    title: String,
    body: &str,
) -> Result<SearchHit> {
    Ok(SearchHit {
        article,
        locale: locale.parse()?,
        score,
        title_html: highlighter.highlight(&title),
        snippet: highlighter.snippet(body),
        title,
    })
}

/// The parsed query of a search, or `None` when nothing can match.
pub(crate) fn parsed(search: &KbSearch) -> Option<Query> {
    let q = Query::parse(&search.text);
    (!q.is_empty()).then_some(q)
}

/// The tag rows of an article.
pub(crate) fn tags_of(article: &Article) -> impl Iterator<Item = &str> {
    article.tags.iter().map(String::as_str)
}

/// The outcome's kind and subject: one row per distinct outcome.
pub(crate) fn outcome_key(o: &crate::store::knowledge::SuggestionOutcome) -> String {
    let subject = o
        .article()
        .map(|a| a.to_string())
        .or_else(|| o.ticket().map(|t| t.to_string()))
        .unwrap_or_default();
    format!("{}:{subject}", o.name())
}
