//! Article commands and the pure decision: `decide(article, command,
//! context) -> events`, then [`Article::apply`] folds them. Who may do what
//! is in the [`kb`](crate::kb) module docs.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::id::{EventId, TicketId};

use super::event::{ArticleCreated, ArticleEvent, ArticleEventKind};
use super::model::{
    Article, ArticleId, ArticleKind, ArticleState, CategoryId, CategoryTree, Locale, Voter,
};

/// The longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The largest body accepted, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The most tags an article may have.
pub const MAX_TAGS: usize = 32;

/// What is needed to create a draft.
///
/// ```
/// use helpdesk::kb::{ArticleKind, CategoryId, NewArticle};
/// let new = NewArticle::new(
///     CategoryId::new("vpn")?,
///     ArticleKind::Troubleshooting,
///     "en".parse()?,
///     "The VPN disconnects every hour",
///     "Install the new VPN profile from the portal.",
/// )
/// .tag("vpn");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewArticle {
    /// The category or section.
    pub category: CategoryId,
    /// The kind.
    pub kind: ArticleKind,
    /// Tags; normalised to lowercase.
    pub tags: BTreeSet<String>,
    /// The locale of the first text.
    pub locale: Locale,
    /// Its title (1-200 characters, one line).
    pub title: String,
    /// Its body, Markdown (not blank, at most 1 MiB).
    pub body: String,
    /// The ticket it is written from.
    pub source_ticket: Option<TicketId>,
}

impl NewArticle {
    /// A draft's first text.
    pub fn new(
        category: CategoryId,
        kind: ArticleKind,
        locale: Locale,
        title: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        NewArticle {
            category,
            kind,
            tags: BTreeSet::new(),
            locale,
            title: title.into(),
            body: body.into(),
            source_ticket: None,
        }
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.insert(tag.into());
        self
    }

    /// Records the ticket the article was written from.
    pub fn source_ticket(mut self, ticket: TicketId) -> Self {
        self.source_ticket = Some(ticket);
        self
    }
}

/// A change of category, kind or tags; unset parts stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DetailsChange {
    /// Move to this category or section.
    pub category: Option<CategoryId>,
    /// Change the kind.
    pub kind: Option<ArticleKind>,
    /// Tags to add.
    pub add_tags: BTreeSet<String>,
    /// Tags to remove.
    pub remove_tags: BTreeSet<String>,
}

impl DetailsChange {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Moves the article.
    pub fn category(mut self, c: CategoryId) -> Self {
        self.category = Some(c);
        self
    }
    /// Changes the kind.
    pub fn kind(mut self, k: ArticleKind) -> Self {
        self.kind = Some(k);
        self
    }
    /// Adds a tag.
    pub fn add_tag(mut self, t: impl Into<String>) -> Self {
        self.add_tags.insert(t.into());
        self
    }
    /// Removes a tag.
    pub fn remove_tag(mut self, t: impl Into<String>) -> Self {
        self.remove_tags.insert(t.into());
        self
    }
}

/// What someone wants done to an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ArticleCommand {
    /// Create a draft (the article must not exist yet).
    CreateDraft(NewArticle),
    /// Add a version to an existing translation. The same title and body as
    /// the current version change nothing.
    Edit {
        /// Which translation.
        locale: Locale,
        /// New title.
        title: String,
        /// New body.
        body: String,
    },
    /// Add a translation into a locale the article does not have yet.
    Translate {
        /// The new locale.
        locale: Locale,
        /// Title.
        title: String,
        /// Body.
        body: String,
    },
    /// Change category, kind or tags.
    UpdateDetails(DetailsChange),
    /// Publish for staff only.
    PublishInternal,
    /// Publish for everyone.
    PublishPublic,
    /// Take back to draft (from published or archived).
    Unpublish,
    /// Withdraw; the history stays.
    Archive,
    /// Say whether the article helped. One vote per person; voting again
    /// replaces the vote (the same vote again changes nothing).
    Vote {
        /// Whether it helped.
        helpful: bool,
    },
}

impl ArticleCommand {
    /// What the command needs permission for.
    pub fn action(&self) -> KbAction {
        match self {
            ArticleCommand::CreateDraft(_)
            | ArticleCommand::Edit { .. }
            | ArticleCommand::Translate { .. }
            | ArticleCommand::UpdateDetails(_) => KbAction::Write,
            ArticleCommand::PublishInternal
            | ArticleCommand::PublishPublic
            | ArticleCommand::Unpublish => KbAction::Publish,
            ArticleCommand::Archive => KbAction::Archive,
            ArticleCommand::Vote { .. } => KbAction::Vote,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            ArticleCommand::CreateDraft(_) => "create_draft",
            ArticleCommand::Edit { .. } => "edit",
            ArticleCommand::Translate { .. } => "translate",
            ArticleCommand::UpdateDetails(_) => "update_details",
            ArticleCommand::PublishInternal => "publish_internal",
            ArticleCommand::PublishPublic => "publish_public",
            ArticleCommand::Unpublish => "unpublish",
            ArticleCommand::Archive => "archive",
            ArticleCommand::Vote { .. } => "vote",
        }
    }
}

/// What an actor wants to do in the knowledge base, for [`may`] and
/// [`authorize`].
///
/// [`Error::Forbidden`] names an [`Action`] of the ticket side, so a denied
/// knowledge base action is reported as [`KbAction::as_action`] says (the
/// nearest ticket action) until `Action` learns the knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KbAction {
    /// Read an article.
    View,
    /// Create, edit, translate, or change details.
    Write,
    /// Publish (internal or public) or take back to draft.
    Publish,
    /// Archive.
    Archive,
    /// Vote on helpfulness.
    Vote,
}

impl KbAction {
    /// The ticket-side [`Action`] that [`Error::Forbidden`] carries for it:
    /// [`Action::View`] for viewing, [`Action::Update`] for the rest.
    pub fn as_action(self) -> Action {
        match self {
            KbAction::View => Action::View,
            KbAction::Write | KbAction::Publish | KbAction::Archive | KbAction::Vote => {
                Action::Update
            }
        }
    }
}

impl fmt::Display for KbAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KbAction::View => "read an article",
            KbAction::Write => "write an article",
            KbAction::Publish => "publish an article",
            KbAction::Archive => "archive an article",
            KbAction::Vote => "vote on an article",
        })
    }
}

/// Whether `actor` may read `article`: requesters read public articles,
/// staff read everything.
///
/// ```
/// use helpdesk::{Actor, CustomerId};
/// use helpdesk::kb::{self, ArticleState};
/// assert!(kb::may_read(&Actor::requester(CustomerId::new()), ArticleState::Public));
/// assert!(!kb::may_read(&Actor::requester(CustomerId::new()), ArticleState::Internal));
/// ```
pub fn may_read(actor: &Actor, state: ArticleState) -> bool {
    actor.is_staff() || state == ArticleState::Public
}

/// Whether `actor` may perform `action` on an article in `state` (`None`:
/// one that does not exist yet, for creating). See the table in the
/// [`kb`](crate::kb) module docs.
///
/// ```
/// use helpdesk::{Actor, AgentId};
/// use helpdesk::kb::{self, ArticleState, KbAction};
/// let agent = Actor::agent(AgentId::new(), []);
/// assert!(kb::may(&agent, KbAction::Write, Some(ArticleState::Draft)));
/// assert!(!kb::may(&agent, KbAction::Write, Some(ArticleState::Public)));
/// assert!(kb::may(&Actor::supervisor(AgentId::new()), KbAction::Publish, Some(ArticleState::Draft)));
/// ```
pub fn may(actor: &Actor, action: KbAction, state: Option<ArticleState>) -> bool {
    if state.is_some_and(|s| !may_read(actor, s)) {
        return false;
    }
    let lead = matches!(
        actor,
        Actor::Supervisor { .. } | Actor::Admin { .. } | Actor::System
    );
    match action {
        KbAction::View => true,
        KbAction::Write => match actor {
            Actor::Requester { .. } => false,
            Actor::Agent { .. } => state.is_none_or(|s| s == ArticleState::Draft),
            _ => true,
        },
        KbAction::Publish | KbAction::Archive => lead,
        KbAction::Vote => !matches!(actor, Actor::System),
    }
}

/// Ok when `actor` [`may`] perform `action` on `article`; else
/// [`Error::NotFound`] when they may not even read it, or
/// [`Error::Forbidden`].
pub fn authorize(actor: &Actor, action: KbAction, article: Option<&Article>) -> Result<()> {
    if let Some(a) = article
        && !may_read(actor, a.state)
    {
        return Err(Error::not_found("article", a.id));
    }
    if may(actor, action, article.map(|a| a.state)) {
        Ok(())
    } else {
        Err(Error::Forbidden {
            actor: actor.kind(),
            action: action.as_action(),
            ticket: None,
        })
    }
}

/// The inputs a decision needs besides the article and the command: who,
/// when, the ids new things get, and optionally the category tree to check
/// categories against.
///
/// ```
/// use chrono::Utc;
/// use helpdesk::{Actor, AgentId, EventId};
/// use helpdesk::kb::{ArticleId, KbContext};
/// let actor = Actor::agent(AgentId::new(), []);
/// // Fresh ids, drawn here by the caller (the decision itself draws nothing):
/// let ctx = KbContext::new(&actor, Utc::now());
/// // Or fixed ones, for tests and replays:
/// let ctx = KbContext::new(&actor, Utc::now()).with_ids(ArticleId::new(), EventId::new());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct KbContext<'a> {
    /// Who acts.
    pub actor: &'a Actor,
    /// When.
    pub now: DateTime<Utc>,
    /// The id of the event a command records (each command records at most one).
    pub event_id: EventId,
    /// The id a created article gets (used by [`ArticleCommand::CreateDraft`] only).
    pub article_id: ArticleId,
    /// When given, categories must be nodes of this tree.
    pub categories: Option<&'a CategoryTree>,
}

impl<'a> KbContext<'a> {
    /// The same context with the given ids.
    pub fn with_ids(mut self, article_id: ArticleId, event_id: EventId) -> Self {
        self.article_id = article_id;
        self.event_id = event_id;
        self
    }

    /// The same context, checking categories against `tree`.
    pub fn with_categories(mut self, tree: &'a CategoryTree) -> Self {
        self.categories = Some(tree);
        self
    }
}

/// Decides what `command` does to `article` (`None` when it does not exist
/// yet): the events to record, or why not. Pure: no I/O, no clock, no
/// random numbers. Each command records at most one event; a command that
/// would change nothing (the same vote again, publishing what is
/// published, an edit to the same text) records none.
///
/// ```
/// use chrono::Utc;
/// use helpdesk::{Actor, AgentId, ErrorKind};
/// use helpdesk::kb::{self, Article, ArticleCommand, ArticleKind, ArticleState, CategoryId, KbContext, NewArticle};
///
/// let agent = Actor::agent(AgentId::new(), []);
/// let lead = Actor::supervisor(AgentId::new());
/// let new = NewArticle::new(CategoryId::new("vpn")?, ArticleKind::HowTo, "en".parse()?,
///     "Connect to the VPN", "Open the VPN client and sign in.");
///
/// let (article, mut history) = kb::execute(None, &ArticleCommand::CreateDraft(new), &KbContext::new(&agent, Utc::now()))?;
/// // Agents write drafts; supervisors publish.
/// let err = kb::decide(Some(&article), &ArticleCommand::PublishPublic, &KbContext::new(&agent, Utc::now())).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Forbidden);
/// let (article, events) = kb::execute(Some(article), &ArticleCommand::PublishPublic, &KbContext::new(&lead, Utc::now()))?;
/// assert_eq!(article.state, ArticleState::Public);
///
/// // The article is the fold of its events.
/// history.extend(events);
/// assert_eq!(Article::replay(&history)?, article);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide(
    article: Option<&Article>,
    command: &ArticleCommand,
    ctx: &KbContext<'_>,
) -> Result<Vec<ArticleEvent>> {
    let actor = ctx.actor;
    let Some(article) = article else {
        let ArticleCommand::CreateDraft(new) = command else {
            return Err(Error::validation(
                "command",
                format!("`{}` needs an existing article", command.name()),
            ));
        };
        authorize(actor, KbAction::Write, None)?;
        let created = validate_new(new, ctx)?;
        return Ok(vec![event(
            ctx,
            ctx.article_id,
            1,
            ArticleEventKind::Created(Box::new(created)),
        )]);
    };
    authorize(actor, command.action(), Some(article))?;
    let kind = match command {
        ArticleCommand::CreateDraft(_) => {
            return Err(Error::Duplicate {
                what: "article",
                key: article.id.to_string(),
            });
        }
        ArticleCommand::Edit {
            locale,
            title,
            body,
        } => {
            not_archived(article)?;
            let translation = article
                .translation(locale)
                .ok_or_else(|| Error::not_found("translation", locale))?;
            let title = validate_title(title)?;
            validate_body(body)?;
            let latest = translation.latest();
            if latest.title == title && *latest.body == **body {
                None
            } else {
                Some(ArticleEventKind::Edited {
                    locale: locale.clone(),
                    revision: translation.next_revision(),
                    title,
                    body: Arc::from(body.as_str()),
                })
            }
        }
        ArticleCommand::Translate {
            locale,
            title,
            body,
        } => {
            not_archived(article)?;
            if article.translations.contains_key(locale) {
                return Err(Error::Duplicate {
                    what: "translation",
                    key: locale.to_string(),
                });
            }
            let title = validate_title(title)?;
            validate_body(body)?;
            Some(ArticleEventKind::Translated {
                locale: locale.clone(),
                title,
                body: Arc::from(body.as_str()),
            })
        }
        ArticleCommand::UpdateDetails(change) => {
            not_archived(article)?;
            details_changed(article, change, ctx)?
        }
        ArticleCommand::PublishInternal => move_to(article, ArticleState::Internal),
        ArticleCommand::PublishPublic => move_to(article, ArticleState::Public),
        ArticleCommand::Unpublish => move_to(article, ArticleState::Draft),
        ArticleCommand::Archive => move_to(article, ArticleState::Archived),
        ArticleCommand::Vote { helpful } => {
            if !article.state.is_published() {
                return Err(Error::validation(
                    "vote",
                    format!(
                        "only published articles take votes; this one is {}",
                        article.state
                    ),
                ));
            }
            let voter = voter(actor)?;
            (article.votes.get(&voter) != Some(helpful)).then_some(ArticleEventKind::Voted {
                voter,
                helpful: *helpful,
            })
        }
    };
    Ok(kind
        .map(|k| event(ctx, article.id, article.version + 1, k))
        .into_iter()
        .collect())
}

/// [`decide`], then the events applied: the new article and the events to
/// store.
pub fn execute(
    article: Option<Article>,
    command: &ArticleCommand,
    ctx: &KbContext<'_>,
) -> Result<(Article, Vec<ArticleEvent>)> {
    let events = decide(article.as_ref(), command, ctx)?;
    let mut article = article;
    for e in &events {
        match &mut article {
            Some(a) => a.apply(e)?,
            None => article = Some(Article::created(e)?),
        }
    }
    // `decide` returns a created event for a missing article or an error.
    let article = article.ok_or_else(|| Error::internal("decide created no article"))?;
    Ok((article, events))
}

fn event(
    ctx: &KbContext<'_>,
    article_id: ArticleId,
    seq: u64,
    kind: ArticleEventKind,
) -> ArticleEvent {
    ArticleEvent {
        id: ctx.event_id,
        article_id,
        seq,
        at: ctx.now,
        actor: ctx.actor.event_actor(),
        kind,
    }
}

fn move_to(article: &Article, to: ArticleState) -> Option<ArticleEventKind> {
    (article.state != to).then_some(ArticleEventKind::StateChanged {
        from: article.state,
        to,
    })
}

fn not_archived(article: &Article) -> Result<()> {
    if article.state == ArticleState::Archived {
        Err(Error::validation(
            "state",
            "the article is archived; take it back to draft (unpublish) to change it",
        ))
    } else {
        Ok(())
    }
}

fn voter(actor: &Actor) -> Result<Voter> {
    match actor {
        Actor::Requester { id } => Ok(Voter::Requester(*id)),
        _ => actor.agent_id().map(Voter::Agent).ok_or_else(|| {
            Error::validation("vote", "a vote needs a person; the system cannot vote")
        }),
    }
}

fn validate_new(new: &NewArticle, ctx: &KbContext<'_>) -> Result<ArticleCreated> {
    check_category(&new.category, ctx)?;
    let title = validate_title(&new.title)?;
    validate_body(&new.body)?;
    let tags = new
        .tags
        .iter()
        .map(|t| normalize_tag(t))
        .collect::<Result<BTreeSet<_>>>()?;
    check_tag_count(tags.len())?;
    Ok(ArticleCreated {
        category: new.category.clone(),
        kind: new.kind.clone(),
        tags,
        locale: new.locale.clone(),
        title,
        body: Arc::from(new.body.as_str()),
        source_ticket: new.source_ticket,
    })
}

fn details_changed(
    article: &Article,
    change: &DetailsChange,
    ctx: &KbContext<'_>,
) -> Result<Option<ArticleEventKind>> {
    let category = match &change.category {
        Some(c) if *c != article.category => {
            check_category(c, ctx)?;
            Some(c.clone())
        }
        _ => None,
    };
    let kind = change.kind.clone().filter(|k| *k != article.kind);
    let normalize = |tags: &BTreeSet<String>| {
        tags.iter()
            .map(|t| normalize_tag(t))
            .collect::<Result<BTreeSet<_>>>()
    };
    let add = normalize(&change.add_tags)?;
    let remove = normalize(&change.remove_tags)?;
    if let Some(t) = add.intersection(&remove).next() {
        return Err(Error::validation(
            "tags",
            format!("`{t}` is both added and removed"),
        ));
    }
    let tags_added: BTreeSet<String> = add.difference(&article.tags).cloned().collect();
    let tags_removed: BTreeSet<String> = remove.intersection(&article.tags).cloned().collect();
    check_tag_count(article.tags.len() + tags_added.len() - tags_removed.len())?;
    if category.is_none() && kind.is_none() && tags_added.is_empty() && tags_removed.is_empty() {
        return Ok(None);
    }
    Ok(Some(ArticleEventKind::DetailsChanged {
        category,
        kind,
        tags_added,
        tags_removed,
    }))
}

fn check_category(c: &CategoryId, ctx: &KbContext<'_>) -> Result<()> {
    match ctx.categories {
        Some(tree) if !tree.contains(c) => Err(Error::validation(
            "category",
            format!("`{c}` is not a category or section of this knowledge base"),
        )),
        _ => Ok(()),
    }
}

fn check_tag_count(n: usize) -> Result<()> {
    if n > MAX_TAGS {
        Err(Error::validation(
            "tags",
            format!("{n} tags; at most {MAX_TAGS} allowed"),
        ))
    } else {
        Ok(())
    }
}

/// A title: trimmed, one line, 1-200 characters.
fn validate_title(title: &str) -> Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(Error::validation("title", "must not be empty"));
    }
    let n = t.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(Error::validation(
            "title",
            format!("is {n} characters; at most {MAX_TITLE_CHARS} allowed"),
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::validation(
            "title",
            "must be one line without control characters",
        ));
    }
    Ok(t.to_owned())
}

fn validate_body(body: &str) -> Result<()> {
    if body.trim().is_empty() {
        return Err(Error::validation("body", "must not be empty"));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::validation(
            "body",
            format!("is {} bytes; at most {MAX_BODY_BYTES} allowed", body.len()),
        ));
    }
    if body.contains('\0') {
        return Err(Error::validation("body", "must not contain NUL characters"));
    }
    Ok(())
}

/// A tag: trimmed and lowercased; 1-64 characters without spaces, commas
/// or control characters.
fn normalize_tag(tag: &str) -> Result<String> {
    let t = tag.trim().to_lowercase();
    let ok = !t.is_empty()
        && t.chars().count() <= 64
        && !t
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',');
    if ok {
        Ok(t)
    } else {
        Err(Error::validation(
            "tags",
            format!("`{tag}` is not a tag (1-64 characters, no spaces or commas)"),
        ))
    }
}
