//! The knowledge base on the desk: article commands, reads, search with
//! locale fallback, suggestions and their outcomes, deflection, links from
//! tickets to the articles that solved them, and drafts from solved tickets.
//!
//! Access is the [`kb`](crate::kb) module's table: the domain decides
//! every article command, so a denied write is [`Error::Forbidden`] (and an
//! article the actor may not read is [`Error::NotFound`]) before anything
//! is stored. Full [`Article`]s (history, authors, voters) are for staff;
//! requesters read [`ArticleView`]s through [`Portal`](super::Portal).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;

use super::commands::staff;
use super::{Draft, HelpDesk, single};
use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::id::{ArticleId, SuggestionId, TicketId};
use crate::kb::redact::{PersonalData, redact};
use crate::kb::text::tokens;
use crate::kb::{
    self, Article, ArticleCommand, ArticleEvent, ArticleKind, ArticleState, ArticleView,
    CategoryId, DetailsChange, KbContext, KnowledgeConfig, Locale, NewArticle, SearchFilter,
    SearchHit, SearchResults, Voter,
};
use crate::store::TimeRange;
use crate::store::knowledge::{
    ArticleQuery, ArticleWrite, Deflection, KbSearch, KnowledgeStore, SuggestionOutcome,
    SuggestionRecord,
};
use crate::ticket::{EventKind, StatusCategory, Ticket};

/// Articles suggested for a ticket being written (or an open one), and the
/// id to record what came of them with
/// [`HelpDesk::record_suggestion_outcome`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Suggestions {
    /// The recorded set's id.
    pub id: SuggestionId,
    /// The articles, best first, with highlighted titles and snippets.
    pub hits: Vec<SearchHit>,
}

/// The most words of a ticket's text a suggestion search reads.
const SUGGESTION_WORDS: usize = 64;

impl HelpDesk {
    fn knowledge_store(&self) -> Result<&Arc<dyn KnowledgeStore>> {
        self.inner.knowledge.as_ref().ok_or(Error::NotConfigured {
            what: "knowledge base store",
            how: "give the desk one with HelpDeskBuilder::knowledge (every store of this crate is one)",
        })
    }

    /// The knowledge base's settings.
    pub fn knowledge_config(&self) -> &KnowledgeConfig {
        &self.inner.kb
    }

    /// Loads, decides, commits: one article command, retried from a fresh
    /// load when another writer got there first.
    pub(super) async fn article_run(
        &self,
        actor: &Actor,
        id: Option<ArticleId>,
        command: ArticleCommand,
    ) -> Result<Article> {
        let store = self.knowledge_store()?;
        let command = &command;
        let tree = &self.inner.kb.categories;
        let work = self.retrying(|| async move {
            let article = match id {
                Some(id) => Some(
                    store
                        .load_article(id)
                        .await?
                        .ok_or_else(|| Error::not_found("article", id))?,
                ),
                None => None,
            };
            let mut ctx = KbContext::new(actor, self.inner.clock.now());
            if !tree.is_empty() {
                ctx = ctx.with_categories(tree);
            }
            let expected = article.as_ref().map(|a| a.version);
            let (after, events) = kb::execute(article, command, &ctx)?;
            if !events.is_empty() {
                store
                    .commit_article(ArticleWrite::new(after.clone(), events, expected))
                    .await?;
            }
            Ok(after)
        });
        self.traced("article", None, actor.kind(), work).await
    }

    /// Carries out any article command for staff `actor` (`id`: `None` to
    /// create). The named methods below are this with one command each.
    pub async fn article_command(
        &self,
        actor: &Actor,
        id: Option<ArticleId>,
        command: ArticleCommand,
    ) -> Result<Article> {
        staff(actor, Action::Update)?;
        self.article_run(actor, id, command).await
    }

    /// Writes a new draft (agents and up).
    ///
    /// ```
    /// use helpdesk::{Actor, AgentId, ErrorKind, HelpDesk};
    /// use helpdesk::kb::{ArticleKind, ArticleState, CategoryId, NewArticle};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let desk = HelpDesk::builder().build()?;
    /// let agent = Actor::agent(AgentId::new(), []);
    /// let lead = Actor::supervisor(AgentId::new());
    /// let draft = desk.create_article(&agent, NewArticle::new(CategoryId::new("vpn")?,
    ///     ArticleKind::HowTo, "en".parse()?, "Connect to the VPN", "Open the client.")).await?;
    /// // Agents write; supervisors publish.
    /// let denied = desk.publish_public(&agent, draft.id).await.unwrap_err();
    /// assert_eq!(denied.kind(), ErrorKind::Forbidden);
    /// let public = desk.publish_public(&lead, draft.id).await?;
    /// assert_eq!(public.state, ArticleState::Public);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn create_article(&self, actor: &Actor, new: NewArticle) -> Result<Article> {
        self.article_command(actor, None, ArticleCommand::CreateDraft(new))
            .await
    }

    /// Loads many new articles at once, each created as a draft and, when
    /// `state` says so, published or archived in the same step: the bulk
    /// path for an import or a migration from another tool. Access is each
    /// command's (agents import drafts; publishing takes a supervisor or an
    /// admin). All are stored in one transaction
    /// ([`KnowledgeStore::commit_articles`]), or none when any is refused.
    /// Returns the articles in the order given; translations can follow
    /// with [`translate_article`](Self::translate_article).
    ///
    /// ```
    /// use helpdesk::{Actor, AgentId, CustomerId, HelpDesk};
    /// use helpdesk::kb::{ArticleKind, ArticleState, CategoryId, NewArticle, SearchFilter};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let desk = HelpDesk::builder().build()?;
    /// let lead = Actor::supervisor(AgentId::new());
    /// let faq = CategoryId::new("faq")?;
    /// let articles = (1..=3).map(|n| NewArticle::new(faq.clone(), ArticleKind::Faq, "en".parse().unwrap(),
    ///     format!("Question {n}"), "The answer.")).collect();
    /// let stored = desk.import_articles(&lead, articles, ArticleState::Public).await?;
    /// assert_eq!(stored.len(), 3);
    /// let found = desk.search(&Actor::requester(CustomerId::new()), "question ", &"en".parse()?,
    ///     &SearchFilter::new(), 10).await?;
    /// assert_eq!(found.hits.len(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn import_articles(
        &self,
        actor: &Actor,
        articles: Vec<NewArticle>,
        state: ArticleState,
    ) -> Result<Vec<Article>> {
        staff(actor, Action::Update)?;
        let store = self.knowledge_store()?;
        let then = match state {
            ArticleState::Draft => None,
            ArticleState::Internal => Some(ArticleCommand::PublishInternal),
            ArticleState::Public => Some(ArticleCommand::PublishPublic),
            ArticleState::Archived => Some(ArticleCommand::Archive),
        };
        let tree = &self.inner.kb.categories;
        let now = self.inner.clock.now();
        let context = || {
            let ctx = KbContext::new(actor, now);
            if tree.is_empty() {
                ctx
            } else {
                ctx.with_categories(tree)
            }
        };
        let mut writes = Vec::with_capacity(articles.len());
        for new in articles {
            let (mut article, mut events) =
                kb::execute(None, &ArticleCommand::CreateDraft(new), &context())?;
            if let Some(command) = &then {
                let (after, more) = kb::execute(Some(article), command, &context())?;
                article = after;
                events.extend(more);
            }
            writes.push(ArticleWrite::new(article, events, None));
        }
        let stored: Vec<Article> = writes.iter().map(|w| w.article.clone()).collect();
        let work = store.commit_articles(writes);
        self.traced("import_articles", None, actor.kind(), work)
            .await?;
        Ok(stored)
    }

    /// Adds a version to a translation (older versions stay readable).
    pub async fn edit_article(
        &self,
        actor: &Actor,
        id: ArticleId,
        locale: Locale,
        title: &str,
        body: &str,
    ) -> Result<Article> {
        let command = ArticleCommand::Edit {
            locale,
            title: title.to_owned(),
            body: body.to_owned(),
        };
        self.article_command(actor, Some(id), command).await
    }

    /// Adds a translation into a locale the article does not have yet.
    pub async fn translate_article(
        &self,
        actor: &Actor,
        id: ArticleId,
        locale: Locale,
        title: &str,
        body: &str,
    ) -> Result<Article> {
        let command = ArticleCommand::Translate {
            locale,
            title: title.to_owned(),
            body: body.to_owned(),
        };
        self.article_command(actor, Some(id), command).await
    }

    /// Changes the category, kind or tags.
    pub async fn update_article(
        &self,
        actor: &Actor,
        id: ArticleId,
        change: DetailsChange,
    ) -> Result<Article> {
        self.article_command(actor, Some(id), ArticleCommand::UpdateDetails(change))
            .await
    }

    /// Publishes for staff only (supervisors and admins).
    pub async fn publish_internal(&self, actor: &Actor, id: ArticleId) -> Result<Article> {
        self.article_command(actor, Some(id), ArticleCommand::PublishInternal)
            .await
    }

    /// Publishes for everyone, requesters included (supervisors and admins).
    pub async fn publish_public(&self, actor: &Actor, id: ArticleId) -> Result<Article> {
        self.article_command(actor, Some(id), ArticleCommand::PublishPublic)
            .await
    }

    /// Takes an article back to draft (supervisors and admins).
    pub async fn unpublish_article(&self, actor: &Actor, id: ArticleId) -> Result<Article> {
        self.article_command(actor, Some(id), ArticleCommand::Unpublish)
            .await
    }

    /// Archives an article; its history stays (supervisors and admins).
    pub async fn archive_article(&self, actor: &Actor, id: ArticleId) -> Result<Article> {
        self.article_command(actor, Some(id), ArticleCommand::Archive)
            .await
    }

    /// Staff say whether a published article helped; one vote per person,
    /// which voting again replaces. Requesters vote through the portal.
    pub async fn vote_article(
        &self,
        actor: &Actor,
        id: ArticleId,
        helpful: bool,
    ) -> Result<Article> {
        self.article_command(actor, Some(id), ArticleCommand::Vote { helpful })
            .await
    }

    /// An article, for staff (every state).
    pub async fn article(&self, actor: &Actor, id: ArticleId) -> Result<Article> {
        staff(actor, Action::View)?;
        self.knowledge_store()?
            .load_article(id)
            .await?
            .ok_or_else(|| Error::not_found("article", id))
    }

    /// An article's whole history, for staff.
    pub async fn article_history(&self, actor: &Actor, id: ArticleId) -> Result<Vec<ArticleEvent>> {
        staff(actor, Action::View)?;
        let history = self.knowledge_store()?.article_history(id).await?;
        if history.is_empty() {
            return Err(Error::not_found("article", id));
        }
        Ok(history)
    }

    /// A page of articles, for staff, by id; the filter's category takes in
    /// the sections below it.
    pub async fn articles(&self, actor: &Actor, query: ArticleQuery) -> Result<Vec<Article>> {
        staff(actor, Action::View)?;
        let mut query = query;
        query.filter = query.filter.resolved(&self.inner.kb.categories);
        self.knowledge_store()?.list_articles(&query).await
    }

    /// The search `actor` may run: the filter's category resolved to its
    /// subtree, and the states they may read (`None`: nothing to find).
    fn visible_search(
        &self,
        actor: &Actor,
        text: String,
        locale: &Locale,
        filter: &SearchFilter,
        limit: usize,
    ) -> Option<KbSearch> {
        let mut f = filter.clone().resolved(&self.inner.kb.categories);
        if actor.is_staff() {
            if f.states.is_empty() {
                f.states = BTreeSet::from([ArticleState::Internal, ArticleState::Public]);
            }
        } else {
            if !(f.states.is_empty() || f.states.contains(&ArticleState::Public)) {
                return None;
            }
            f.states = BTreeSet::from([ArticleState::Public]);
        }
        let chain = locale.fallbacks(&self.inner.kb.default_locale);
        Some(KbSearch::new(text, chain, f, limit))
    }

    /// Searches the knowledge base as `actor` may: requesters find public
    /// articles only (whatever the filter says), staff internal and public
    /// ones unless the filter asks for other states. Each article is found
    /// in `locale`, else its language, else the desk's default locale
    /// ([`KnowledgeConfig::default_locale`]). Ranked by BM25, title above
    /// body; see [`store::knowledge`](crate::store::knowledge).
    ///
    /// ```
    /// use helpdesk::{Actor, AgentId, CustomerId, HelpDesk};
    /// use helpdesk::kb::{ArticleKind, CategoryId, NewArticle, SearchFilter};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let desk = HelpDesk::builder().build()?;
    /// let lead = Actor::supervisor(AgentId::new());
    /// let a = desk.create_article(&lead, NewArticle::new(CategoryId::new("printing")?,
    ///     ArticleKind::Troubleshooting, "en".parse()?, "Printer offline", "Restart the spooler.")).await?;
    /// desk.publish_public(&lead, a.id).await?;
    /// // A French reader falls back to the English article.
    /// let found = desk.search(&Actor::requester(CustomerId::new()), "PRINTER spoo", &"fr".parse()?,
    ///     &SearchFilter::new(), 5).await?;
    /// assert_eq!(found.hits[0].title_html, "<mark>Printer</mark> offline");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn search(
        &self,
        actor: &Actor,
        query: &str,
        locale: &Locale,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<SearchResults> {
        let store = self.knowledge_store()?;
        let Some(search) = self.visible_search(actor, query.to_owned(), locale, filter, limit)
        else {
            return Ok(SearchResults::default());
        };
        store.search_articles(&search).await
    }

    /// Suggests articles for a ticket being written (its subject and text),
    /// as `actor` may read them, and records the set shown so that its
    /// outcome can be recorded ([`record_suggestion_outcome`](Self::record_suggestion_outcome))
    /// and deflection measured ([`deflection`](Self::deflection)). At most
    /// [`KnowledgeConfig::suggestions`] articles.
    pub async fn suggest(
        &self,
        actor: &Actor,
        subject: &str,
        body: &str,
        locale: &Locale,
    ) -> Result<Suggestions> {
        self.suggest_for(actor, subject, body, locale, None).await
    }

    /// [`suggest`](Self::suggest) for an existing ticket `actor` may see.
    pub async fn suggest_for_ticket(
        &self,
        actor: &Actor,
        ticket: TicketId,
        locale: &Locale,
    ) -> Result<Suggestions> {
        let t = self.load_visible(actor, ticket).await?;
        self.suggest_for(actor, &t.subject, &t.description, locale, Some(ticket))
            .await
    }

    async fn suggest_for(
        &self,
        actor: &Actor,
        subject: &str,
        body: &str,
        locale: &Locale,
        ticket: Option<TicketId>,
    ) -> Result<Suggestions> {
        let store = self.knowledge_store()?;
        // The ticket's words, not its punctuation: quotes in a message are
        // not meant as phrases. The trailing space ends the last word.
        let mut text = String::new();
        for t in tokens(subject)
            .into_iter()
            .chain(tokens(body))
            .take(SUGGESTION_WORDS)
        {
            text.push_str(&t.text);
            text.push(' ');
        }
        let limit = self.inner.kb.suggestions;
        let hits = match self.visible_search(actor, text, locale, &SearchFilter::new(), limit) {
            Some(search) => store.search_articles(&search).await?.hits,
            None => Vec::new(),
        };
        let mut record = SuggestionRecord::new(
            SuggestionId::new(),
            self.inner.clock.now(),
            actor.event_actor(),
            locale.clone(),
            hits.iter().map(|h| h.article).collect(),
        );
        if let Some(t) = ticket {
            record = record.ticket(t);
        }
        let id = record.id;
        store.record_suggestions(record).await?;
        Ok(Suggestions { id, hits })
    }

    /// Records what came of a set of suggestions: an article opened, marked
    /// helpful, or a ticket opened anyway. Staff may record for anyone; a
    /// requester only for a set shown to them (another's is
    /// [`Error::NotFound`]), and only a ticket they may see.
    pub async fn record_suggestion_outcome(
        &self,
        actor: &Actor,
        suggestion: SuggestionId,
        outcome: SuggestionOutcome,
    ) -> Result<()> {
        let store = self.knowledge_store()?;
        let Some((set, _)) = store.suggestion(suggestion).await? else {
            return Err(Error::not_found("suggestion", suggestion));
        };
        if !actor.is_staff() && set.shown_to != actor.event_actor() {
            return Err(Error::not_found("suggestion", suggestion));
        }
        if let Some(t) = outcome.ticket() {
            self.load_visible(actor, t).await?;
        }
        store
            .record_outcome(suggestion, outcome, self.inner.clock.now())
            .await
    }

    /// Deflection figures over the suggestions shown in `range`, for staff:
    /// how many sets were shown, opened, found helpful, followed by a
    /// ticket anyway, and deflected (helpful, no ticket); see
    /// [`Deflection`].
    pub async fn deflection(&self, actor: &Actor, range: TimeRange) -> Result<Deflection> {
        staff(actor, Action::View)?;
        self.knowledge_store()?.deflection(&range).await
    }

    /// Links an article to a ticket as what solved it; the link is an event
    /// in the ticket's timeline (`article_linked`). Linking the same article
    /// twice changes nothing. Returns the ticket.
    pub async fn link_article(
        &self,
        actor: &Actor,
        ticket: TicketId,
        article: ArticleId,
    ) -> Result<Ticket> {
        staff(actor, Action::Link)?;
        let store = self.knowledge_store()?;
        let work = self.retrying(|| async move {
            let t = self.load_visible(actor, ticket).await?;
            actor.authorize(Action::Link, Some(&t))?;
            let a = store
                .load_article(article)
                .await?
                .ok_or_else(|| Error::not_found("article", article))?;
            let linked = self.inner.store.timeline(ticket).await?.iter().any(
                |e| matches!(&e.kind, EventKind::ArticleLinked { article: x, .. } if *x == article),
            );
            if linked {
                return Ok(vec![t]);
            }
            let title = ArticleView::of(
                &a,
                std::slice::from_ref(&self.inner.kb.default_locale),
                None,
            )
            .title;
            let mut d = Draft::on(t, self.inner.clock.now());
            d.record_as(
                actor.event_actor(),
                EventKind::ArticleLinked { article, title },
            )?;
            self.write(vec![d], None).await
        });
        single(
            self.traced("link_article", Some(ticket), actor.kind(), work)
                .await?,
        )
    }

    /// A draft article from a solved ticket: its subject as the title, its
    /// description as the problem and its last public reply as the
    /// solution, with the requester's personal data taken out: every name,
    /// email address, phone number and organization the ticket ever had
    /// for them (and any email address at all) becomes a placeholder
    /// (see [`kb::redact`](crate::kb::redact)). It goes in the ticket's
    /// category when that is a category of the knowledge base, else in
    /// [`KnowledgeConfig::draft_category`], in the desk's default locale.
    pub async fn draft_from_ticket(&self, actor: &Actor, ticket: TicketId) -> Result<Article> {
        staff(actor, Action::View)?;
        let t = self.load_visible(actor, ticket).await?;
        let solved = self
            .inner
            .lifecycle
            .def(&t.status)
            .is_some_and(|d| d.category == StatusCategory::Done);
        if !solved {
            return Err(Error::validation(
                "ticket",
                format!("ticket {} is {}, not solved", t.reference, t.status),
            ));
        }
        let timeline = self.inner.store.timeline(ticket).await?;
        let solution = timeline
            .iter()
            .rev()
            .find_map(|e| match &e.kind {
                EventKind::Reply { body } => Some(body.clone()),
                _ => None,
            })
            .ok_or_else(|| {
                Error::validation(
                    "ticket",
                    format!("ticket {} has no public reply to draft from", t.reference),
                )
            })?;
        let who = personal_data(&t, &timeline);
        let mut title: String = redact(&t.subject, &who)
            .chars()
            .take(kb::MAX_TITLE_CHARS)
            .collect();
        if title.trim().is_empty() {
            title = format!("Solved ticket {}", t.reference);
        }
        let mut body = String::new();
        let _ = write!(
            body,
            "## Problem\n\n{}\n\n## Solution\n\n{}\n",
            redact(&t.description, &who),
            redact(&solution, &who)
        );
        let cfg = &self.inner.kb;
        let category = t
            .category
            .as_deref()
            .and_then(|c| c.rsplit('/').next())
            .and_then(|c| CategoryId::new(c).ok())
            .filter(|c| cfg.categories.is_empty() || cfg.categories.contains(c))
            .unwrap_or_else(|| cfg.draft_category.clone());
        let new = NewArticle::new(
            category,
            ArticleKind::Troubleshooting,
            cfg.default_locale.clone(),
            title,
            body,
        )
        .source_ticket(ticket);
        self.article_command(actor, None, ArticleCommand::CreateDraft(new))
            .await
    }
}

/// Every contact detail the ticket ever had for its requester.
fn personal_data(t: &Ticket, timeline: &[crate::ticket::TicketEvent]) -> PersonalData {
    let mut who = PersonalData::default();
    let mut add =
        |name: Option<&str>, email: Option<&str>, phone: Option<&str>, org: Option<&str>| {
            who.names.extend(name.map(str::to_owned));
            who.emails.extend(email.map(str::to_owned));
            who.phones.extend(phone.map(str::to_owned));
            who.organizations.extend(org.map(str::to_owned));
        };
    let r = &t.requester;
    add(
        Some(&r.name),
        r.email.as_deref(),
        r.phone.as_deref(),
        r.organization.as_deref(),
    );
    for e in timeline {
        match &e.kind {
            EventKind::Created(c) => {
                let r = &c.requester;
                add(
                    Some(&r.name),
                    r.email.as_deref(),
                    r.phone.as_deref(),
                    r.organization.as_deref(),
                );
            }
            EventKind::RequesterUpdated {
                name,
                email,
                phone,
                organization,
            } => add(
                name.as_deref(),
                email.as_deref(),
                phone.as_deref(),
                organization.as_deref(),
            ),
            _ => {}
        }
    }
    who
}

/// The portal's knowledge base: public articles only.
impl super::Portal<'_> {
    fn reader(&self) -> Actor {
        Actor::requester(self.customer())
    }

    /// Searches public articles in `locale` (then the desk's default).
    pub async fn search(
        &self,
        query: &str,
        locale: &Locale,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<SearchResults> {
        self.desk()
            .search(&self.reader(), query, locale, filter, limit)
            .await
    }

    /// A public article in `locale` (or the nearest it has). A draft,
    /// internal or archived article is [`Error::NotFound`], as a missing one.
    pub async fn article(&self, id: ArticleId, locale: &Locale) -> Result<ArticleView> {
        let desk = self.desk();
        let a = desk
            .knowledge_store()?
            .load_article(id)
            .await?
            .filter(|a| kb::may_read(&self.reader(), a.state))
            .ok_or_else(|| Error::not_found("article", id))?;
        Ok(self.article_view(&a, locale))
    }

    fn article_view(&self, a: &Article, locale: &Locale) -> ArticleView {
        let chain = locale.fallbacks(&self.desk().inner.kb.default_locale);
        ArticleView::of(a, &chain, Some(Voter::Requester(self.customer())))
    }

    /// Says whether a public article helped; one vote per customer, which
    /// voting again replaces.
    pub async fn vote(&self, id: ArticleId, helpful: bool, locale: &Locale) -> Result<ArticleView> {
        let a = self
            .desk()
            .article_run(&self.reader(), Some(id), ArticleCommand::Vote { helpful })
            .await?;
        Ok(self.article_view(&a, locale))
    }

    /// Suggestions for the ticket the customer is writing (see [`HelpDesk::suggest`]).
    pub async fn suggest(&self, subject: &str, body: &str, locale: &Locale) -> Result<Suggestions> {
        self.desk()
            .suggest(&self.reader(), subject, body, locale)
            .await
    }

    /// Records what came of suggestions shown to the customer.
    pub async fn suggestion_outcome(
        &self,
        suggestion: SuggestionId,
        outcome: SuggestionOutcome,
    ) -> Result<()> {
        self.desk()
            .record_suggestion_outcome(&self.reader(), suggestion, outcome)
            .await
    }
}
