//! The in-memory [`KnowledgeStore`]: articles and their histories in maps,
//! search by [`KbIndex`].

use std::collections::{BTreeMap, HashMap};
use std::sync::{MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryStore;
use crate::access::Actor;
use crate::error::{Error, Result};
use crate::id::{ArticleId, SuggestionId};
use crate::kb::{Article, ArticleEvent, KbIndex, SearchResults};
use crate::store::TimeRange;
use crate::store::knowledge::{
    ArticleQuery, ArticleWrite, Deflection, KbSearch, KnowledgeStore, SuggestionOutcome,
    SuggestionRecord, article_conflict, check_outcome, deflection_of,
};

/// The knowledge base's part of an [`InMemoryStore`], under its own lock.
#[derive(Debug, Default)]
pub(super) struct KbState {
    /// By id; ordered, for listings.
    articles: BTreeMap<ArticleId, (Article, Vec<ArticleEvent>)>,
    index: KbIndex,
    suggestions: HashMap<SuggestionId, (SuggestionRecord, Vec<SuggestionOutcome>)>,
}

impl InMemoryStore {
    fn kb(&self) -> MutexGuard<'_, KbState> {
        // Every mutation validates first and then applies changes that
        // cannot panic, so a poisoned lock still guards consistent data.
        self.kb.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl KnowledgeStore for InMemoryStore {
    async fn commit_article(&self, write: ArticleWrite) -> Result<()> {
        write.check()?;
        let mut kb = self.kb();
        let id = write.article.id;
        let stored = kb.articles.get(&id).map(|(a, _)| a.version);
        if stored != write.expected_version {
            return Err(article_conflict(
                id,
                write.expected_version,
                stored.unwrap_or(0),
            ));
        }
        kb.index.upsert(&write.article);
        let entry = kb
            .articles
            .entry(id)
            .or_insert_with(|| (write.article.clone(), Vec::new()));
        entry.0 = write.article;
        entry.1.extend(write.events);
        Ok(())
    }

    async fn commit_articles(&self, writes: Vec<ArticleWrite>) -> Result<()> {
        ArticleWrite::check_batch(&writes)?;
        let mut kb = self.kb();
        // Every version first, so a conflict changes nothing.
        for w in &writes {
            let stored = kb.articles.get(&w.article.id).map(|(a, _)| a.version);
            if stored != w.expected_version {
                return Err(article_conflict(
                    w.article.id,
                    w.expected_version,
                    stored.unwrap_or(0),
                ));
            }
        }
        for w in writes {
            kb.index.upsert(&w.article);
            let entry = kb
                .articles
                .entry(w.article.id)
                .or_insert_with(|| (w.article.clone(), Vec::new()));
            entry.0 = w.article;
            entry.1.extend(w.events);
        }
        Ok(())
    }

    async fn load_article(&self, id: ArticleId) -> Result<Option<Article>> {
        Ok(self.kb().articles.get(&id).map(|(a, _)| a.clone()))
    }

    async fn article_history(&self, id: ArticleId) -> Result<Vec<ArticleEvent>> {
        Ok(self
            .kb()
            .articles
            .get(&id)
            .map(|(_, h)| h.clone())
            .unwrap_or_default())
    }

    async fn list_articles(&self, query: &ArticleQuery) -> Result<Vec<Article>> {
        query.validate()?;
        let kb = self.kb();
        Ok(kb
            .articles
            .values()
            .map(|(a, _)| a)
            .filter(|a| query.matches(a))
            .take(query.limit)
            .cloned()
            .collect())
    }

    async fn search_articles(&self, search: &KbSearch) -> Result<SearchResults> {
        search.validate()?;
        let mut filter = search.filter.clone();
        filter.states = search.states().into_iter().collect();
        // The index is empty of categories: `category` matches one node,
        // as the KnowledgeStore contract says.
        Ok(self.kb().index.search(
            &Actor::System,
            &search.text,
            &search.locales,
            &filter,
            search.limit,
        ))
    }

    async fn record_suggestions(&self, record: SuggestionRecord) -> Result<()> {
        let mut kb = self.kb();
        if kb.suggestions.contains_key(&record.id) {
            return Err(Error::Duplicate {
                what: "suggestion",
                key: record.id.to_string(),
            });
        }
        kb.suggestions.insert(record.id, (record, Vec::new()));
        Ok(())
    }

    async fn record_outcome(
        &self,
        suggestion: SuggestionId,
        outcome: SuggestionOutcome,
        _at: DateTime<Utc>,
    ) -> Result<()> {
        let mut kb = self.kb();
        let (set, outcomes) = kb
            .suggestions
            .get_mut(&suggestion)
            .ok_or_else(|| Error::not_found("suggestion", suggestion))?;
        check_outcome(set, &outcome)?;
        if !outcomes.contains(&outcome) {
            outcomes.push(outcome);
        }
        Ok(())
    }

    async fn suggestion(
        &self,
        id: SuggestionId,
    ) -> Result<Option<(SuggestionRecord, Vec<SuggestionOutcome>)>> {
        Ok(self.kb().suggestions.get(&id).cloned())
    }

    async fn deflection(&self, range: &TimeRange) -> Result<Deflection> {
        let kb = self.kb();
        Ok(deflection_of(
            kb.suggestions.values().map(|(s, o)| (s, o.as_slice())),
            range,
        ))
    }
}
