//! The knowledge base in the demo: articles in English and French seeded on
//! first start, search (customers see public articles only, staff internal
//! ones too), suggested articles while a customer writes a ticket (with
//! what came of them recorded), suggested articles on the agent's ticket
//! page, and the "solved by" link from a ticket to an article.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use helpdesk::kb::{
    ArticleId, ArticleKind, ArticleView, CategoryId, KnowledgeConfig, NewArticle, SearchFilter,
    SearchResults,
};
use helpdesk::store::knowledge::SuggestionOutcome;
use helpdesk::{Actor, DeskConfig, Error, HelpDesk, Locale, Result, Ticket, TicketId};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{Body, Params};
use super::app::AppState;
use super::html::esc;
use super::pages::{Fields, Filters, PageError, Who, render, with};
use super::persona::{self, Persona};
use super::problem::ApiError;
use super::views;

/// The knowledge base's settings and categories.
const KB_TOML: &str = r#"
[knowledge]
default_locale = "en"
suggestions = 3
draft_category = "drafts"
categories = [
  { id = "network", name = "Network" },
  { id = "vpn", name = "VPN", parent = "network" },
  { id = "wifi", name = "Wi-Fi", parent = "network" },
  { id = "accounts", name = "Accounts" },
  { id = "printing", name = "Printing" },
  { id = "hardware", name = "Hardware" },
  { id = "drafts", name = "Drafts" },
]
"#;

/// The most hits a search returns.
const MAX_HITS: usize = 20;

/// The demo's knowledge base settings.
pub(crate) fn config() -> Result<KnowledgeConfig> {
    DeskConfig::from_toml(KB_TOML)?
        .knowledge
        .ok_or_else(|| Error::validation("knowledge", "the demo's [knowledge] table is missing"))
}

/// An article to seed: category, kind, public?, English title and body,
/// and the French translation when it has one.
type SeedArticle = (
    &'static str,
    ArticleKind,
    bool,
    (&'static str, &'static str),
    Option<(&'static str, &'static str)>,
);

const ARTICLES: &[SeedArticle] = &[
    (
        "vpn",
        ArticleKind::Troubleshooting,
        true,
        (
            "The VPN disconnects every hour",
            "Install the 2026 VPN profile from the portal's downloads, then sign in again. The old profile renews its key every hour and drops the connection when it does.",
        ),
        Some((
            "Le VPN se déconnecte toutes les heures",
            "Installez le profil VPN 2026 depuis les téléchargements du portail, puis reconnectez-vous. L'ancien profil renouvelle sa clé toutes les heures et coupe alors la connexion.",
        )),
    ),
    (
        "accounts",
        ArticleKind::HowTo,
        true,
        (
            "Reset your CRM password",
            "Open the sign-in page of the CRM, choose Forgot password and follow the link we email you. After three wrong attempts the account locks for 15 minutes.",
        ),
        Some((
            "Réinitialiser votre mot de passe du CRM",
            "Ouvrez la page de connexion du CRM, choisissez Mot de passe oublié et suivez le lien envoyé par e-mail. Après trois essais erronés, le compte est bloqué 15 minutes.",
        )),
    ),
    (
        "printing",
        ArticleKind::Faq,
        true,
        (
            "The printer jams on duplex jobs",
            "Duplex jams on the floor printers come from the paper weight: use 80 g/m² paper, or print single-sided from the printer dialog.",
        ),
        Some((
            "L'imprimante bourre en recto verso",
            "Les bourrages en recto verso viennent du grammage : utilisez du papier 80 g/m², ou imprimez en recto seul depuis la boîte de dialogue.",
        )),
    ),
    (
        "wifi",
        ArticleKind::Troubleshooting,
        true,
        (
            "Slow Wi-Fi in meeting rooms",
            "Meeting rooms have their own network, Rooms-5G. Join it instead of the office network for video calls.",
        ),
        None,
    ),
    (
        "hardware",
        ArticleKind::HowTo,
        true,
        (
            "Laptop will not wake from sleep",
            "Hold the power button for ten seconds, then update the firmware from the software centre. The last update fixed waking from sleep on most models.",
        ),
        Some((
            "L'ordinateur portable ne sort pas de veille",
            "Maintenez le bouton d'alimentation dix secondes, puis mettez à jour le firmware depuis le centre logiciel.",
        )),
    ),
    (
        "vpn",
        ArticleKind::HowTo,
        false,
        (
            "Restarting the VPN gateway",
            "Staff only: restart the VPN gateway from the network console, then watch the tunnel count recover for five minutes.",
        ),
        None,
    ),
];

/// Seeds the knowledge base: written by first line, translated, and
/// published by the supervisor (the last one for staff only).
pub(crate) async fn seed(desk: &HelpDesk) -> Result<()> {
    let ana = Actor::agent(persona::agent(persona::ANA), []);
    let lena = Actor::supervisor(persona::agent(persona::LENA));
    let en = Locale::new("en")?;
    let fr = Locale::new("fr")?;
    for (category, kind, public, (title, body), french) in ARTICLES {
        let a = desk
            .create_article(
                &ana,
                NewArticle::new(
                    CategoryId::new(*category)?,
                    kind.clone(),
                    en.clone(),
                    *title,
                    *body,
                ),
            )
            .await?;
        if let Some((t, b)) = french {
            desk.translate_article(&ana, a.id, fr.clone(), t, b).await?;
        }
        if *public {
            desk.publish_public(&lena, a.id).await?;
        } else {
            desk.publish_internal(&lena, a.id).await?;
        }
    }
    Ok(())
}

/// Whether the knowledge base has no article yet (a database from before
/// the demo had one gets its articles on the next start).
pub(crate) async fn is_empty(desk: &HelpDesk) -> Result<bool> {
    let lena = Actor::supervisor(persona::agent(persona::LENA));
    let some = desk
        .articles(
            &lena,
            helpdesk::store::knowledge::ArticleQuery::new(SearchFilter::new(), 1),
        )
        .await?;
    Ok(some.is_empty())
}

/// The locale asked for (`en` when none).
fn locale(lang: Option<&str>) -> Result<Locale> {
    match lang.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => Locale::new(l),
        None => Locale::new("en"),
    }
}

/// Searches as the persona: a customer through the portal (public
/// articles), staff through the desk.
async fn search(
    desk: &HelpDesk,
    who: Persona,
    q: &str,
    lang: &Locale,
    limit: usize,
) -> Result<SearchResults> {
    let filter = SearchFilter::new();
    if who.is_staff() {
        desk.search(&who.actor(), q, lang, &filter, limit).await
    } else {
        desk.portal(persona::customer())
            .search(q, lang, &filter, limit)
            .await
    }
}

/// An article as the persona may read it.
async fn article(
    desk: &HelpDesk,
    who: Persona,
    id: ArticleId,
    lang: &Locale,
) -> Result<ArticleView> {
    if who.is_staff() {
        let a = desk.article(&who.actor(), id).await?;
        let chain = lang.fallbacks(&desk.knowledge_config().default_locale);
        Ok(ArticleView::of(&a, &chain, None))
    } else {
        desk.portal(persona::customer()).article(id, lang).await
    }
}

fn parse_article(s: &str) -> Result<ArticleId> {
    s.trim()
        .parse()
        .map_err(|_| Error::validation("article", format!("`{s}` is not an article id")))
}

/// A suggestion set's id (its type is the desk's; only its text is ours).
fn parse_suggestion<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.trim()
        .parse()
        .map_err(|_| Error::validation("suggestion", format!("`{s}` is not a suggestion id")))
}

fn hits_json(r: &SearchResults) -> Value {
    Value::Array(
        r.hits
            .iter()
            .map(|h| {
                json!({
                    "article": h.article.to_string(),
                    "locale": h.locale.as_str(),
                    "title": h.title,
                    "title_html": h.title_html,
                    "snippet_html": h.snippet,
                    "score": h.score,
                })
            })
            .collect(),
    )
}

// ---------------------------------------------------------------- API

/// The knowledge base's API routes, relative to `/api/v1`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/kb/search", get(api_search))
        .route("/kb/articles/{id}", get(api_article))
        .route("/kb/suggestions", post(api_suggest))
        .route("/kb/suggestions/{id}/outcome", post(api_outcome))
        .route("/tickets/{key}/suggestions", get(api_ticket_suggestions))
        .route("/tickets/{key}/articles", post(api_link))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    q: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

async fn api_search(
    State(app): State<AppState>,
    who: Persona,
    Params(p): Params<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    let limit = p.limit.unwrap_or(10);
    if !(1..=MAX_HITS).contains(&limit) {
        return Err(Error::validation("limit", format!("must be within 1..={MAX_HITS}")).into());
    }
    let lang = locale(p.lang.as_deref())?;
    let r = search(&app.desk, who, &p.q, &lang, limit).await?;
    Ok(Json(json!({"hits": hits_json(&r), "relaxed": r.relaxed})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LangParams {
    #[serde(default)]
    lang: Option<String>,
}

async fn api_article(
    State(app): State<AppState>,
    who: Persona,
    Path(id): Path<String>,
    Params(p): Params<LangParams>,
) -> Result<Json<ArticleView>, ApiError> {
    let lang = locale(p.lang.as_deref())?;
    Ok(Json(
        article(&app.desk, who, parse_article(&id)?, &lang).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuggestBody {
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    lang: Option<String>,
}

fn suggestions_json(s: &helpdesk::Suggestions) -> Value {
    json!({
        "id": s.id.to_string(),
        "hits": hits_json(&SearchResults { hits: s.hits.clone(), ..SearchResults::default() }),
    })
}

async fn api_suggest(
    State(app): State<AppState>,
    who: Persona,
    Body(b): Body<SuggestBody>,
) -> Result<Json<Value>, ApiError> {
    let lang = locale(b.lang.as_deref())?;
    let s = app
        .desk
        .suggest(&who.actor(), &b.subject, &b.body, &lang)
        .await?;
    Ok(Json(suggestions_json(&s)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeBody {
    /// `viewed`, `helped` or `ticket_opened`.
    outcome: String,
    #[serde(default)]
    article: Option<String>,
    /// The ticket's number or id, for `ticket_opened`.
    #[serde(default)]
    ticket: Option<String>,
}

async fn outcome_of(
    desk: &HelpDesk,
    actor: &Actor,
    outcome: &str,
    article: Option<&str>,
    ticket: Option<&str>,
) -> Result<SuggestionOutcome> {
    let article = || {
        article
            .ok_or_else(|| Error::validation("article", format!("`{outcome}` needs an article")))
            .and_then(parse_article)
    };
    Ok(match outcome {
        "viewed" => SuggestionOutcome::Viewed {
            article: article()?,
        },
        "helped" => SuggestionOutcome::Helped {
            article: article()?,
        },
        "ticket_opened" => {
            let key = ticket
                .ok_or_else(|| Error::validation("ticket", "`ticket_opened` needs a ticket"))?;
            let ticket = if actor.is_staff() {
                views::ticket(desk, actor, key).await?.id
            } else {
                views::own_ticket(desk, persona::customer(), key).await?.id
            };
            SuggestionOutcome::TicketOpened { ticket }
        }
        other => {
            return Err(Error::validation(
                "outcome",
                format!("`{other}` is not one of viewed, helped, ticket_opened"),
            ));
        }
    })
}

async fn api_outcome(
    State(app): State<AppState>,
    who: Persona,
    Path(id): Path<String>,
    Body(b): Body<OutcomeBody>,
) -> Result<Json<Value>, ApiError> {
    let actor = who.actor();
    let id = parse_suggestion(&id)?;
    let outcome = outcome_of(
        &app.desk,
        &actor,
        &b.outcome,
        b.article.as_deref(),
        b.ticket.as_deref(),
    )
    .await?;
    app.desk
        .record_suggestion_outcome(&actor, id, outcome)
        .await?;
    Ok(Json(json!({"recorded": outcome.name()})))
}

async fn api_ticket_suggestions(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Params(p): Params<LangParams>,
) -> Result<Json<Value>, ApiError> {
    let actor = who.actor();
    staff_only(&actor)?;
    let lang = locale(p.lang.as_deref())?;
    let t = views::ticket(&app.desk, &actor, &key).await?;
    let s = app.desk.suggest_for_ticket(&actor, t.id, &lang).await?;
    Ok(Json(suggestions_json(&s)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    article: String,
}

async fn api_link(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<LinkBody>,
) -> Result<Json<Ticket>, ApiError> {
    let actor = who.actor();
    let t = views::ticket(&app.desk, &actor, &key).await?;
    let t = app
        .desk
        .link_article(&actor, t.id, parse_article(&b.article)?)
        .await?;
    Ok(Json(t))
}

/// Staff only, as the desk's staff methods say it (403 `Forbidden`).
fn staff_only(actor: &Actor) -> Result<()> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(Error::Forbidden {
            actor: actor.kind(),
            action: helpdesk::Action::View,
            ticket: None,
        })
    }
}

// -------------------------------------------------------------- pages

/// The knowledge base's pages and the portal's suggestion script.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/kb", get(page_search))
        .route("/kb/articles/{id}", get(page_article))
        .route("/kb/articles/{id}/helped", post(page_helped))
        .route("/tickets/{key}/solved-by", post(page_link))
        .route(
            "/static/suggest.js",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "text/javascript")],
                    SUGGEST_JS,
                )
                    .into_response()
            }),
        )
}

/// Where a hit links to: the article, carrying the suggestion set it was
/// shown in, so that opening it records `viewed`.
fn hit_link(article: ArticleId, lang: &Locale, suggestion: Option<&str>) -> String {
    let mut href = format!("/kb/articles/{article}?lang={}", lang.as_str());
    if let Some(s) = suggestion {
        let _ = write!(href, "&s={s}");
    }
    href
}

fn hit_list(r: &SearchResults, lang: &Locale, suggestion: Option<&str>) -> String {
    let mut s = String::from(r#"<ul class="hits">"#);
    for h in &r.hits {
        // The title's and snippet's highlights are the library's HTML,
        // built from escaped text.
        let _ = write!(
            s,
            r#"<li><a href="{href}">{title}</a> <span class="muted">[{locale}]</span><div class="body">{snippet}</div></li>"#,
            href = esc(&hit_link(h.article, lang, suggestion)),
            title = h.title_html,
            locale = esc(h.locale.as_str()),
            snippet = h.snippet,
        );
    }
    s.push_str("</ul>");
    s
}

/// The search form, for the portal and the knowledge base page.
pub(crate) fn search_form(q: &str, lang: &str) -> String {
    let opt = |v: &str, label: &str| {
        let sel = if v == lang { " selected" } else { "" };
        format!(r#"<option value="{v}"{sel}>{label}</option>"#)
    };
    format!(
        r#"<form method="get" action="/kb" role="search"><label for="kb-q">Search the knowledge base</label><input type="search" id="kb-q" name="q" value="{q}" required maxlength="200"><label for="kb-lang">Language</label><select id="kb-lang" name="lang">{en}{fr}</select><button type="submit">Search</button></form>"#,
        q = esc(q),
        en = opt("en", "English"),
        fr = opt("fr", "Français"),
    )
}

#[derive(Debug, Deserialize)]
struct PageSearch {
    #[serde(default)]
    q: String,
    #[serde(default)]
    lang: Option<String>,
}

async fn page_search(
    State(app): State<AppState>,
    Who(who): Who,
    Filters(p): Filters<PageSearch>,
) -> Result<Response, PageError> {
    let lang = locale(p.lang.as_deref()).map_err(with(who))?;
    let mut body = search_form(&p.q, lang.as_str());
    if !p.q.trim().is_empty() {
        let r = search(&app.desk, who, &p.q, &lang, 10)
            .await
            .map_err(with(who))?;
        let _ = write!(
            body,
            r"<h2>{} result(s) for “{}”</h2>",
            r.hits.len(),
            esc(&p.q)
        );
        if r.hits.is_empty() {
            body.push_str("<p>No article matches. Try other words, or open a ticket.</p>");
        } else {
            body.push_str(&hit_list(&r, &lang, None));
        }
        if r.relaxed {
            body.push_str(r#"<p class="muted">No article had every word; these have some.</p>"#);
        }
    }
    if !who.is_staff() {
        body.push_str(r#"<p><a href="/portal">Back to the help center</a></p>"#);
    }
    Ok(render(&app.desk, "Knowledge base", who, &body))
}

#[derive(Debug, Deserialize)]
struct ArticleParams {
    #[serde(default)]
    lang: Option<String>,
    /// The suggestion set the article was shown in.
    #[serde(default)]
    s: Option<String>,
}

async fn page_article(
    State(app): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    Filters(p): Filters<ArticleParams>,
) -> Result<Response, PageError> {
    let desk = &app.desk;
    let lang = locale(p.lang.as_deref()).map_err(with(who))?;
    let id = parse_article(&id).map_err(with(who))?;
    let a = article(desk, who, id, &lang).await.map_err(with(who))?;
    let suggestion = p.s.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(s) = suggestion {
        desk.record_suggestion_outcome(
            &who.actor(),
            parse_suggestion(s).map_err(with(who))?,
            SuggestionOutcome::Viewed { article: id },
        )
        .await
        .map_err(with(who))?;
    }
    let mut body = String::new();
    for para in a.body.split("\n\n") {
        let _ = write!(body, "<p>{}</p>", esc(para));
    }
    let _ = write!(
        body,
        r#"<p class="muted">{kind:?} · {category} · in {locale} · {up} found it helpful, {down} did not</p>"#,
        kind = a.kind,
        category = esc(&a.category.to_string()),
        locale = esc(a.locale.as_str()),
        up = a.helpful,
        down = a.not_helpful,
    );
    if !who.is_staff() {
        let s = suggestion.map_or_else(String::new, |s| {
            format!(r#"<input type="hidden" name="s" value="{}">"#, esc(s))
        });
        let _ = write!(
            body,
            r#"<form method="post" action="/kb/articles/{id}/helped">{s}<input type="hidden" name="lang" value="{lang}"><button type="submit">This solved my problem</button></form>
<p><a href="/portal">Still stuck? Open a ticket</a> · <a href="/kb">Search again</a></p>"#,
            lang = esc(lang.as_str()),
        );
    }
    Ok(render(desk, &a.title, who, &body))
}

#[derive(Debug, Deserialize)]
struct HelpedForm {
    #[serde(default)]
    s: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

/// The customer says the article solved it: a helpful vote, and the
/// suggestion set's `helped` outcome when it came from one.
async fn page_helped(
    State(app): State<AppState>,
    Who(who): Who,
    Path(id): Path<String>,
    Fields(f): Fields<HelpedForm>,
) -> Result<Response, PageError> {
    let lang = locale(f.lang.as_deref()).map_err(with(who))?;
    let id = parse_article(&id).map_err(with(who))?;
    let c = super::pages::customer_only(who)?;
    app.desk
        .portal(c)
        .vote(id, true, &lang)
        .await
        .map_err(with(who))?;
    if let Some(s) = f.s.as_deref().filter(|s| !s.is_empty()) {
        let s = parse_suggestion(s).map_err(with(who))?;
        app.desk
            .record_suggestion_outcome(&who.actor(), s, SuggestionOutcome::Helped { article: id })
            .await
            .map_err(with(who))?;
    }
    Ok(Redirect::to(&format!("/kb/articles/{id}?lang={}", lang.as_str())).into_response())
}

#[derive(Debug, Deserialize)]
struct LinkForm {
    article: String,
}

async fn page_link(
    State(app): State<AppState>,
    Who(who): Who,
    Path(key): Path<String>,
    Fields(f): Fields<LinkForm>,
) -> Result<Response, PageError> {
    let actor = who.actor();
    let t = views::ticket(&app.desk, &actor, &key)
        .await
        .map_err(with(who))?;
    let article = parse_article(&f.article).map_err(with(who))?;
    app.desk
        .link_article(&actor, t.id, article)
        .await
        .map_err(with(who))?;
    Ok(Redirect::to(&format!("/tickets/{}", t.reference.0)).into_response())
}

/// The agent's ticket page's panel: articles suggested for the ticket,
/// each with a "solved by" button.
pub(crate) async fn ticket_panel(desk: &HelpDesk, actor: &Actor, ticket: &Ticket) -> String {
    let lang = desk.knowledge_config().default_locale.clone();
    let s = match desk.suggest_for_ticket(actor, ticket.id, &lang).await {
        Ok(s) => s,
        Err(e) => {
            return format!(
                r#"<p class="muted">No suggestions: {}</p>"#,
                esc(&e.to_string())
            );
        }
    };
    let n = ticket.reference.0;
    let mut out = String::from("<h2>Suggested articles</h2>");
    if s.hits.is_empty() {
        out.push_str(r#"<p class="muted">No article matches this ticket. <a href="/kb">Search the knowledge base</a>.</p>"#);
        return out;
    }
    let set = s.id.to_string();
    out.push_str(r#"<ul class="hits" id="ticket-suggestions">"#);
    for h in &s.hits {
        let _ = write!(
            out,
            r#"<li><a href="{href}">{title}</a><div class="body">{snippet}</div><form method="post" action="/tickets/{n}/solved-by" class="inline"><input type="hidden" name="article" value="{id}"><button type="submit">Solved by this article</button></form></li>"#,
            href = esc(&hit_link(h.article, &lang, Some(&set))),
            title = h.title_html,
            snippet = h.snippet,
            id = h.article,
        );
    }
    out.push_str("</ul>");
    out
}

/// The portal's new-ticket form's suggestions: the box the script fills,
/// the hidden field that carries the set's id into the opened ticket, and
/// the script.
pub(crate) const PORTAL_SUGGESTIONS: &str = r#"<input type="hidden" id="suggestion" name="suggestion" value="">
<div id="suggested" aria-live="polite"></div>
<script src="/static/suggest.js" defer></script>"#;

/// Records that the customer opened a ticket anyway after the suggestions
/// `suggestion` (the form's hidden field; empty when none were shown).
pub(crate) async fn opened_anyway(
    desk: &HelpDesk,
    customer: helpdesk::CustomerId,
    suggestion: Option<&str>,
    ticket: TicketId,
) -> Result<()> {
    let Some(s) = suggestion.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    desk.portal(customer)
        .suggestion_outcome(
            parse_suggestion(s)?,
            SuggestionOutcome::TicketOpened { ticket },
        )
        .await
}

/// Asks the suggestions API as the customer types the subject (after a
/// pause), and shows what it returns; each link carries the set's id.
const SUGGEST_JS: &str = r"(function () {
  var subject = document.getElementById('subject');
  var description = document.getElementById('description');
  var box = document.getElementById('suggested');
  var field = document.getElementById('suggestion');
  if (!subject || !box || !field) return;
  var timer = null, last = '';
  function ask() {
    var text = subject.value.trim();
    if (text.length < 3 || text === last) return;
    last = text;
    fetch('/api/v1/kb/suggestions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ subject: text, body: description ? description.value : '' })
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) {
      if (!s) return;
      box.textContent = '';
      if (!s.hits.length) { field.value = ''; return; }
      field.value = s.id;
      var h = document.createElement('h3');
      h.textContent = 'These articles may answer it';
      box.appendChild(h);
      var ul = document.createElement('ul');
      ul.className = 'hits';
      s.hits.forEach(function (hit) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = '/kb/articles/' + hit.article + '?lang=' + encodeURIComponent(hit.locale) + '&s=' + s.id;
        a.textContent = hit.title;
        a.target = '_blank';
        li.appendChild(a);
        var p = document.createElement('div');
        p.className = 'body';
        // The desk's snippet: escaped text with <mark>s.
        p.innerHTML = hit.snippet_html;
        li.appendChild(p);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
  }
  subject.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
})();
";
