//! What a reader sees of an article: one translation's current text and
//! the vote counts, without the history, the authors or who voted.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Article, ArticleId, ArticleKind, CategoryId, Locale, Voter};

/// One article as a requester reads it (see [`ArticleView::of`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ArticleView {
    /// The article.
    pub id: ArticleId,
    /// Its category or section.
    pub category: CategoryId,
    /// Its kind.
    pub kind: ArticleKind,
    /// Its tags.
    pub tags: BTreeSet<String>,
    /// The locale shown.
    pub locale: Locale,
    /// The title.
    pub title: String,
    /// The body, Markdown.
    pub body: Arc<str>,
    /// When the article last changed.
    pub updated_at: DateTime<Utc>,
    /// Readers who found it helpful.
    pub helpful: usize,
    /// Readers who did not.
    pub not_helpful: usize,
    /// The reader's own vote, if they voted.
    pub my_vote: Option<bool>,
}

impl ArticleView {
    /// The article in the first locale of `chain` it has (or, when it has
    /// none of them, its first translation), for `reader`.
    pub fn of(article: &Article, chain: &[Locale], reader: Option<Voter>) -> Self {
        let t = article
            .best_translation(chain)
            .or_else(|| article.translations.values().next());
        let (locale, title, body) = match t {
            Some(t) => (
                t.locale().clone(),
                t.latest().title.clone(),
                t.latest().body.clone(),
            ),
            // An article always has a translation (its first text); this
            // arm only keeps the function total.
            None => (
                chain
                    .first()
                    .cloned()
                    .unwrap_or_else(|| Locale::new("en").unwrap_or_else(|_| unreachable!())),
                String::new(),
                Arc::from(""),
            ),
        };
        ArticleView {
            id: article.id,
            category: article.category.clone(),
            kind: article.kind.clone(),
            tags: article.tags.clone(),
            locale,
            title,
            body,
            updated_at: article.updated_at,
            helpful: article.helpful_votes(),
            not_helpful: article.not_helpful_votes(),
            my_vote: reader.and_then(|v| article.votes.get(&v).copied()),
        }
    }
}
