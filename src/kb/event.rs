//! Article events and their fold: an [`Article`] is [`Article::replay`] of
//! its [`ArticleEvent`]s, as a ticket is of its timeline.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{EventId, TicketId};
use crate::ticket::EventActor;

use super::model::{
    Article, ArticleId, ArticleKind, ArticleState, CategoryId, Locale, Translation, Version, Voter,
};

/// One entry of an article's history: who did what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleEvent {
    /// Unique id of the event.
    pub id: EventId,
    /// The article it belongs to.
    pub article_id: ArticleId,
    /// Position in the article's history, from 1; equals the article's version after it.
    pub seq: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: EventActor,
    /// What happened.
    pub kind: ArticleEventKind,
}

/// The initial state of an article, carried by [`ArticleEventKind::Created`]:
/// a draft with one translation at revision 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleCreated {
    /// The category or section.
    pub category: CategoryId,
    /// The kind.
    pub kind: ArticleKind,
    /// Tags.
    pub tags: BTreeSet<String>,
    /// The locale of the first text.
    pub locale: Locale,
    /// Its title.
    pub title: String,
    /// Its body (Markdown).
    pub body: Arc<str>,
    /// The ticket it was written from.
    pub source_ticket: Option<TicketId>,
}

/// What happened to an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ArticleEventKind {
    /// The article was created as a draft.
    Created(Box<ArticleCreated>),
    /// A translation got a new version (an edit).
    Edited {
        /// Which translation.
        locale: Locale,
        /// The new version's revision (the previous one plus one).
        revision: u32,
        /// New title.
        title: String,
        /// New body.
        body: Arc<str>,
    },
    /// A translation into a new locale was added (its revision 1).
    Translated {
        /// The new locale.
        locale: Locale,
        /// Title.
        title: String,
        /// Body.
        body: Arc<str>,
    },
    /// Category, kind or tags changed.
    DetailsChanged {
        /// New category, if it changed.
        category: Option<CategoryId>,
        /// New kind, if it changed.
        kind: Option<ArticleKind>,
        /// Tags added.
        tags_added: BTreeSet<String>,
        /// Tags removed.
        tags_removed: BTreeSet<String>,
    },
    /// The state changed (published, archived, back to draft).
    StateChanged {
        /// Old state.
        from: ArticleState,
        /// New state.
        to: ArticleState,
    },
    /// A reader voted, or changed their vote.
    Voted {
        /// Who.
        voter: Voter,
        /// Whether they found it helpful.
        helpful: bool,
    },
}

impl ArticleEventKind {
    /// A short name of the kind, e.g. `state_changed`.
    pub fn name(&self) -> &'static str {
        match self {
            ArticleEventKind::Created(_) => "created",
            ArticleEventKind::Edited { .. } => "edited",
            ArticleEventKind::Translated { .. } => "translated",
            ArticleEventKind::DetailsChanged { .. } => "details_changed",
            ArticleEventKind::StateChanged { .. } => "state_changed",
            ArticleEventKind::Voted { .. } => "voted",
        }
    }
}

impl Article {
    /// Rebuilds an article from its whole history.
    pub fn replay(events: &[ArticleEvent]) -> Result<Article> {
        let (first, rest) = events
            .split_first()
            .ok_or_else(|| Error::corrupt("cannot replay an empty article history", None))?;
        let mut article = Article::created(first)?;
        for e in rest {
            article.apply(e)?;
        }
        Ok(article)
    }

    /// The article as its `Created` event describes it.
    pub fn created(e: &ArticleEvent) -> Result<Article> {
        let ArticleEventKind::Created(c) = &e.kind else {
            return Err(Error::corrupt(
                format!(
                    "article {} does not start with a created event",
                    e.article_id
                ),
                None,
            ));
        };
        if e.seq != 1 {
            return Err(Error::corrupt(
                format!("article {} created event has seq {}", e.article_id, e.seq),
                None,
            ));
        }
        let c = &**c;
        let first = Version {
            revision: 1,
            title: c.title.clone(),
            body: c.body.clone(),
            author: e.actor,
            at: e.at,
        };
        Ok(Article {
            id: e.article_id,
            category: c.category.clone(),
            kind: c.kind.clone(),
            tags: c.tags.clone(),
            state: ArticleState::Draft,
            translations: BTreeMap::from([(
                c.locale.clone(),
                Translation::first(c.locale.clone(), first),
            )]),
            source_ticket: c.source_ticket,
            votes: BTreeMap::new(),
            created_by: e.actor,
            created_at: e.at,
            updated_at: e.at,
            version: 1,
        })
    }

    /// Applies one event. Events must come in order; one that cannot follow
    /// (wrong article, a gap, a revision out of turn) is [`Error::Corrupt`].
    pub fn apply(&mut self, e: &ArticleEvent) -> Result<()> {
        if e.article_id != self.id || e.seq != self.version + 1 {
            return Err(Error::corrupt(
                format!(
                    "event {} (article {}, seq {}) does not follow article {} at version {}",
                    e.id, e.article_id, e.seq, self.id, self.version
                ),
                None,
            ));
        }
        match &e.kind {
            ArticleEventKind::Created(_) => {
                return Err(Error::corrupt(
                    format!("article {} has a second created event", self.id),
                    None,
                ));
            }
            ArticleEventKind::Edited {
                locale,
                revision,
                title,
                body,
            } => {
                let translation = self.translations.get_mut(locale).ok_or_else(|| {
                    Error::corrupt(
                        format!("article {} edits missing translation {locale}", self.id),
                        None,
                    )
                })?;
                translation.push(Version {
                    revision: *revision,
                    title: title.clone(),
                    body: body.clone(),
                    author: e.actor,
                    at: e.at,
                })?;
            }
            ArticleEventKind::Translated {
                locale,
                title,
                body,
            } => {
                if self.translations.contains_key(locale) {
                    return Err(Error::corrupt(
                        format!("article {} translated into {locale} twice", self.id),
                        None,
                    ));
                }
                let first = Version {
                    revision: 1,
                    title: title.clone(),
                    body: body.clone(),
                    author: e.actor,
                    at: e.at,
                };
                self.translations
                    .insert(locale.clone(), Translation::first(locale.clone(), first));
            }
            ArticleEventKind::DetailsChanged {
                category,
                kind,
                tags_added,
                tags_removed,
            } => {
                if let Some(c) = category {
                    self.category = c.clone();
                }
                if let Some(k) = kind {
                    self.kind = k.clone();
                }
                self.tags.retain(|t| !tags_removed.contains(t));
                self.tags.extend(tags_added.iter().cloned());
            }
            ArticleEventKind::StateChanged { to, .. } => self.state = *to,
            ArticleEventKind::Voted { voter, helpful } => {
                self.votes.insert(*voter, *helpful);
            }
        }
        self.version = e.seq;
        self.updated_at = e.at;
        Ok(())
    }
}
