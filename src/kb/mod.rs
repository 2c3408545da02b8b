//! The knowledge base: articles in a category tree, their translations and
//! versions, who may write and publish them, and search.
//!
//! - **Articles are the fold of their events**, like tickets: [`decide`]
//!   turns an [`ArticleCommand`] into [`ArticleEvent`]s (or a typed error),
//!   and [`Article::apply`] folds them; [`Article::replay`] rebuilds an
//!   article from its history. Editing adds a [`Version`]; old versions
//!   stay readable.
//! - **One text pipeline for every back end** ([`text`]): folding (case and
//!   diacritics), tokens, and a query parser that never fails and renders
//!   safely for SQLite FTS5 and PostgreSQL `tsquery`.
//! - **An in-memory BM25 index** ([`KbIndex`], module [`index`]) with the
//!   ranking the SQL back ends reproduce.
//!
//! Pure: nothing here does I/O, reads a clock or draws a random number,
//! except [`KbContext::new`] and [`ArticleId::new`], which a caller uses to
//! draw fresh ids before deciding.
//!
//! # Who may do what
//!
//! | actor | reads | writes (create, edit, translate, details) | publishes, unpublishes, archives | votes |
//! |---|---|---|---|---|
//! | requester | public articles | no | no | on public articles |
//! | agent | every article | drafts | no | on published articles |
//! | supervisor, admin | every article | every article not archived | yes | on published articles |
//! | system | every article | every article not archived | yes | no (a vote needs a person) |
//!
//! An article a requester may not read is [`Error::NotFound`](crate::Error::NotFound)
//! to them, as if it did not exist, so drafts and internal articles cannot be
//! probed. A denied action is [`Error::Forbidden`](crate::Error::Forbidden).
//!
//! # States
//!
//! A new article is a draft. Supervisors publish it for staff
//! ([`ArticleCommand::PublishInternal`]) or for everyone
//! ([`ArticleCommand::PublishPublic`]), take it back to draft
//! ([`ArticleCommand::Unpublish`]) or archive it
//! ([`ArticleCommand::Archive`]); an archived article changes only by going
//! back to draft. Publishing what is already published records nothing.
//!
//! ```
//! use chrono::Utc;
//! use helpdesk::{Actor, AgentId, CustomerId};
//! use helpdesk::kb::{self, ArticleCommand, ArticleKind, CategoryId, CategoryTree, KbContext, KbIndex, NewArticle, SearchFilter};
//!
//! let mut tree = CategoryTree::new();
//! tree.add_category(CategoryId::new("network")?, "Network")?;
//! tree.add_section(CategoryId::new("vpn")?, "VPN", &CategoryId::new("network")?)?;
//!
//! let agent = Actor::agent(AgentId::new(), []);
//! let lead = Actor::supervisor(AgentId::new());
//! let new = NewArticle::new(CategoryId::new("vpn")?, ArticleKind::Troubleshooting, "en".parse()?,
//!     "The VPN keeps disconnecting", "Reinstall the *Corporate 2026* VPN profile.");
//! let (draft, _) = kb::execute(None, &ArticleCommand::CreateDraft(new), &KbContext::new(&agent, Utc::now()))?;
//! let translate = ArticleCommand::Translate { locale: "fr".parse()?,
//!     title: "Le VPN se déconnecte".into(), body: "Réinstallez le profil VPN *Corporate 2026*.".into() };
//! let (draft, _) = kb::execute(Some(draft), &translate, &KbContext::new(&agent, Utc::now()))?;
//! let (article, _) = kb::execute(Some(draft), &ArticleCommand::PublishPublic, &KbContext::new(&lead, Utc::now()))?;
//!
//! let mut index = KbIndex::new(tree);
//! index.upsert(&article);
//! let reader = Actor::requester(CustomerId::new());
//! let french = "fr".parse::<helpdesk::kb::Locale>()?.fallbacks(&"en".parse()?);
//! let found = index.search(&reader, "vpn deconnect", &french, &SearchFilter::new(), 5);
//! assert_eq!(found.hits[0].title_html, "Le <mark>VPN</mark> se <mark>déconnecte</mark>");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod command;
mod config;
mod event;
pub mod index;
mod model;
pub mod redact;
mod snippet;
#[cfg(test)]
mod tests;
pub mod text;
mod view;

pub use command::{
    ArticleCommand, DetailsChange, KbAction, KbContext, MAX_BODY_BYTES, MAX_TAGS, MAX_TITLE_CHARS,
    NewArticle, authorize, decide, execute, may, may_read,
};
pub use config::{KnowledgeConfig, MAX_SUGGESTIONS};
pub use event::{ArticleCreated, ArticleEvent, ArticleEventKind};
pub use index::{KbIndex, SearchFilter, SearchHit, SearchResults};
pub use model::{
    Article, ArticleId, ArticleKind, ArticleState, CategoryId, CategoryNode, CategoryTree, Locale,
    NodeKind, Translation, Version, Voter,
};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use snippet::Highlighter;
pub use view::ArticleView;
