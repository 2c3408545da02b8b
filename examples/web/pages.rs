//! Server-rendered pages: the persona picker, the agents' queue, the ticket
//! page, the customer portal, the supervisor's dashboard and the outbox.
//! Forms post back and redirect (303), so every action works without
//! JavaScript; the script only keeps the SLA countdowns current.

use std::fmt::Write as _;

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use helpdesk::ticket::view::{Author, RequesterEventKind};
use helpdesk::ticket::{EventActor, EventKind, TicketEvent};
use helpdesk::{AgentId, Error, GroupId, HelpDesk, NewTicket, SplitPart, Ticket};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::app::AppState;
use super::html::{self, esc, page, when};
use super::persona::{self, Persona};
use super::problem::ApiError;
use super::views::{self, QueueParams};

pub(crate) fn routes() -> axum::Router<AppState> {
    Router::new()
        .route("/", get(picker))
        .route("/persona", post(choose))
        .route("/queue", get(queue))
        .route("/tickets/{key}", get(ticket))
        .route("/tickets/{key}/{action}", post(act))
        .route("/portal", get(portal))
        .route("/portal/tickets", post(portal_open))
        .route("/portal/tickets/{key}", get(portal_ticket))
        .route("/portal/tickets/{key}/reply", post(portal_reply))
        .route("/supervisor", get(supervisor))
        .route("/outbox", get(outbox))
        .route(
            "/static/app.css",
            get(|| async { asset("text/css", html::CSS) }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset("text/javascript", html::JS) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A page's failure: the problem, as a page, with its status.
pub(crate) struct PageError {
    problem: ApiError,
    persona: Option<Persona>,
}

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError {
            problem: ApiError::Desk(e),
            persona: None,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, body) = self.problem.problem();
        let mut details = String::new();
        if let Some(map) = body.as_object() {
            for (k, v) in map {
                if matches!(k.as_str(), "title" | "detail" | "status" | "type") {
                    continue;
                }
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let _ = write!(details, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
            }
        }
        let title = body["title"].as_str().unwrap_or("Error");
        let detail = body["detail"].as_str().unwrap_or("");
        let inner = format!(
            r#"<div class="error" role="alert"><p><strong>{} {}</strong></p><p>{}</p><dl class="facts">{details}</dl></div>
<p><a href="javascript:history.back()">Back</a> · <a href="/">Choose another persona</a></p>"#,
            status.as_u16(),
            esc(status.canonical_reason().unwrap_or("")),
            esc(detail),
        );
        let now = chrono::Utc::now();
        (status, page(title, self.persona, now, &inner)).into_response()
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

/// The persona of a page request; without one, the picker.
pub(crate) struct Who(pub(crate) Persona);

impl<S: Send + Sync> FromRequestParts<S> for Who {
    type Rejection = Redirect;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        persona::of(parts).map(Who).ok_or_else(|| Redirect::to("/"))
    }
}

/// A form body whose rejections are error pages.
pub(crate) struct Fields<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Fields<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(Fields(v)),
            Err(r) => Err(bad_form(&r)),
        }
    }
}

/// Query parameters whose rejections (an unknown filter, say) are error pages.
pub(crate) struct Filters<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Filters<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Filters(v)),
            Err(r) => Err(PageError {
                problem: ApiError::Http {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    kind: "bad_query",
                    detail: r.body_text(),
                },
                persona: persona::of(parts),
            }),
        }
    }
}

fn bad_form(r: &FormRejection) -> PageError {
    PageError {
        problem: ApiError::Http {
            status: r.status(),
            kind: "bad_form",
            detail: r.body_text(),
        },
        persona: None,
    }
}

pub(crate) fn with(persona: Persona) -> impl Fn(Error) -> PageError {
    move |e| PageError {
        problem: ApiError::Desk(e),
        persona: Some(persona),
    }
}

pub(crate) fn render(desk: &HelpDesk, title: &str, who: Persona, body: &str) -> Response {
    page(title, Some(who), desk.clock().now(), body).into_response()
}

fn back(to: &str) -> Response {
    Redirect::to(to).into_response()
}

// ------------------------------------------------------------- picker

async fn picker(State(app): State<AppState>, parts: Parts) -> Response {
    let current = persona::of(&parts);
    let mut options = String::new();
    for who in Persona::ALL {
        let checked = if Some(who) == current || (current.is_none() && who == Persona::Customer) {
            " checked"
        } else {
            ""
        };
        let what = match who {
            Persona::Customer => "Opens tickets in the portal, follows her own, replies.",
            Persona::L1 => "Works the service desk and network first-line queues.",
            Persona::L2 => "Gets what first line escalates to network engineering.",
            Persona::Supervisor => "Sees every ticket, the queue figures and what breaches soon.",
        };
        let _ = write!(
            options,
            r#"<label><input type="radio" name="persona" value="{slug}"{checked}> <strong>{title}</strong> {what}</label>"#,
            slug = who.slug(),
            title = esc(who.title()),
        );
    }
    let body = format!(
        r#"<p>A help desk built on the <code>helpdesk</code> crate, over {store}. Pick who you are; every page and the JSON API under <code>/api/v1</code> act as that persona.</p>
<form method="post" action="/persona">
<fieldset><legend>Who are you?</legend><div class="personas">{options}</div></fieldset>
<button type="submit">Continue</button>
</form>
<p class="muted">This is a demo: anyone may pick any persona (a cookie, or the <code>X-Demo-Persona</code> header for the API). Your app replaces this with its own sign-in.</p>"#,
        store = esc(&app.store_label),
    );
    page("Choose a persona", current, app.desk.clock().now(), &body).into_response()
}

#[derive(Deserialize)]
struct Choice {
    persona: String,
}

async fn choose(Fields(c): Fields<Choice>) -> PageResult {
    let who = Persona::parse(&c.persona).ok_or_else(|| {
        PageError::from(Error::validation(
            "persona",
            format!("`{}` is not a persona", c.persona),
        ))
    })?;
    let cookie = format!(
        "{}={}; Path=/; SameSite=Lax; HttpOnly",
        persona::COOKIE,
        who.slug()
    );
    let mut r = Redirect::to(who.home()).into_response();
    // The slug and the attributes are ASCII constants: always a valid header.
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

// -------------------------------------------------------------- queue

/// A filter's `<select>`; its empty choice is `empty` (`any`).
fn select(
    name: &str,
    label: &str,
    empty: &str,
    current: Option<&str>,
    options: &[(String, String)],
) -> String {
    let mut s = format!(
        r#"<div><label for="f-{name}">{label}</label><select id="f-{name}" name="{name}"><option value="">{empty}</option>"#
    );
    for (value, text) in options {
        let sel = if current == Some(value.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<option value="{}"{sel}>{}</option>"#,
            esc(value),
            esc(text)
        );
    }
    s.push_str("</select></div>");
    s
}

fn group_name(desk: &HelpDesk, g: &GroupId) -> String {
    desk.routing()
        .and_then(|r| r.group(g))
        .and_then(|d| d.name.clone())
        .unwrap_or_else(|| g.to_string())
}

fn agent_name(desk: &HelpDesk, a: AgentId) -> String {
    desk.routing()
        .and_then(|r| r.agent_name(a))
        .map_or_else(|| format!("agent {a}"), str::to_owned)
}

fn status_label(desk: &HelpDesk, t: &Ticket) -> String {
    desk.lifecycle()
        .def(&t.status)
        .map_or_else(|| t.status.to_string(), |d| d.label.clone())
}

fn rows(desk: &HelpDesk, items: &[views::Row]) -> String {
    let mut out = String::from(
        r#"<div class="table-wrap"><table><thead><tr><th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Priority</th><th scope="col">Status</th><th scope="col" class="opt">Group</th><th scope="col" class="opt">Assignee</th><th scope="col">SLA</th><th scope="col" class="opt">Channel</th></tr></thead><tbody>"#,
    );
    for r in items {
        let t = &r.ticket;
        let _ = write!(
            out,
            r#"<tr><td><a href="/tickets/{n}">{reference}</a></td><td>{subject}</td><td>{prio}</td><td>{status}</td><td class="opt">{group}</td><td class="opt">{assignee}</td><td>{sla}</td><td class="opt">{channel}</td></tr>"#,
            n = t.reference.0,
            reference = t.reference,
            subject = esc(&t.subject),
            prio = esc(desk.classifier().label(t.priority)),
            status = esc(&status_label(desk, t)),
            group = t
                .group
                .as_ref()
                .map_or_else(|| "—".into(), |g| esc(&group_name(desk, g))),
            assignee = t
                .assignee
                .map_or_else(|| "—".into(), |a| esc(&agent_name(desk, a))),
            sla = html::countdown(r.countdown.as_ref()),
            channel = esc(&t.channel.to_string()),
        );
    }
    if items.is_empty() {
        out.push_str(r#"<tr><td colspan="8">No tickets match.</td></tr>"#);
    }
    out.push_str("</tbody></table></div>");
    out
}

async fn queue(
    State(app): State<AppState>,
    Who(who): Who,
    Filters(params): Filters<QueueParams>,
) -> PageResult {
    let actor = who.actor();
    let desk = &app.desk;
    // An agent's queue is open work unless they ask for more: no status
    // chosen lists every status not done; `all` lists everything.
    let mut effective = params.clone();
    match params.status.as_deref().map(str::trim) {
        None | Some("") => {
            let open: Vec<&str> = desk
                .lifecycle()
                .statuses
                .iter()
                .filter(|d| d.category != helpdesk::ticket::StatusCategory::Done)
                .map(|d| d.id.as_str())
                .collect();
            effective.status = Some(open.join(","));
        }
        Some("all") => effective.status = None,
        Some(_) => {}
    }
    let q = views::queue(desk, &actor, &effective)
        .await
        .map_err(with(who))?;
    let statuses: Vec<(String, String)> =
        std::iter::once(("all".to_owned(), "any status".to_owned()))
            .chain(
                desk.lifecycle()
                    .statuses
                    .iter()
                    .map(|d| (d.id.to_string(), d.label.clone())),
            )
            .collect();
    let priorities: Vec<(String, String)> = [
        helpdesk::Priority::Critical,
        helpdesk::Priority::High,
        helpdesk::Priority::Medium,
        helpdesk::Priority::Low,
    ]
    .into_iter()
    .map(|x| (x.to_string(), desk.classifier().label(x).to_owned()))
    .collect();
    let groups: Vec<(String, String)> = desk
        .routing()
        .map(|r| {
            r.groups
                .iter()
                .map(|g| {
                    (
                        g.id.to_string(),
                        g.name.clone().unwrap_or_else(|| g.id.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let channels: Vec<(String, String)> = ["email", "phone", "chat", "portal", "social", "api"]
        .into_iter()
        .map(|c| (c.to_owned(), c.to_owned()))
        .collect();
    let mine = [("me".to_owned(), "me".to_owned())];
    let sla = [(
        "breaching".to_owned(),
        "breaching within 2 business hours".to_owned(),
    )];
    let sorts = [
        ("due".to_owned(), "next SLA due".to_owned()),
        ("priority".to_owned(), "priority".to_owned()),
        ("updated".to_owned(), "recently changed".to_owned()),
        ("created".to_owned(), "oldest first".to_owned()),
    ];
    let mut body = format!(
        r#"<form method="get" action="/queue" aria-label="Filter the queue"><div class="filters">{}{}{}{}{}{}{}<div><label for="f-text">Subject contains</label><input type="search" id="f-text" name="text" value="{}"></div></div><button type="submit">Filter</button> <a href="/queue">Clear</a></form>"#,
        select(
            "status",
            "Status",
            "open work",
            params.status.as_deref(),
            &statuses
        ),
        select(
            "priority",
            "Priority",
            "any",
            params.priority.as_deref(),
            &priorities
        ),
        select("group", "Group", "any", params.group.as_deref(), &groups),
        select(
            "assignee",
            "Assignee",
            "any",
            params.assignee.as_deref(),
            &mine
        ),
        select(
            "channel",
            "Channel",
            "any",
            params.channel.as_deref(),
            &channels
        ),
        select("sla", "SLA", "any", params.sla.as_deref(), &sla),
        select("sort", "Sort by", "any", params.sort.as_deref(), &sorts),
        esc(params.text.as_deref().unwrap_or("")),
    );
    let _ = write!(body, r"<h2>Tickets</h2>{}", rows(desk, &q.items));
    if let Some(next) = q.next {
        let mut more = params.clone();
        more.after = Some(next);
        let qs = serde_urlencoded_pairs(&more);
        let _ = write!(body, r#"<p><a href="/queue?{qs}">Next page</a></p>"#);
    }
    Ok(render(desk, "Queue", who, &body))
}

/// The query string of `params`, for the next page's link.
fn serde_urlencoded_pairs(params: &QueueParams) -> String {
    let v = serde_json::to_value(params).unwrap_or_default();
    let mut out = Vec::new();
    if let Some(map) = v.as_object() {
        for (k, v) in map {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => continue,
            };
            out.push(format!("{k}={}", url_escape(&v)));
        }
    }
    out.join("&")
}

fn url_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

// ------------------------------------------------------------- ticket

/// One staff timeline entry: its class and what it says.
/// What a staff timeline shows for a ticket id: its number, or "a deleted
/// ticket" (retention may have deleted it), from [`HelpDesk::links`].
type Refs = std::collections::HashMap<helpdesk::TicketId, String>;

fn reference(refs: &Refs, id: helpdesk::TicketId) -> String {
    refs.get(&id).cloned().unwrap_or_else(|| id.to_string())
}

fn describe(desk: &HelpDesk, refs: &Refs, e: &TicketEvent) -> (&'static str, String) {
    let who = match e.actor {
        EventActor::Requester(_) => "Customer".to_owned(),
        EventActor::Agent(a) => agent_name(desk, a),
        EventActor::System => "Desk".to_owned(),
    };
    let body = |b: &str| format!(r#"<div class="body">{}</div>"#, esc(b));
    let (class, what) = match &e.kind {
        EventKind::Created(c) => (
            "public",
            format!(
                "opened it by {}: <strong>{}</strong>{}",
                esc(&c.channel.to_string()),
                esc(&c.subject),
                body(&c.description)
            ),
        ),
        EventKind::CustomerMessage { body: b, channel } => (
            "public",
            format!("wrote by {}{}", esc(&channel.to_string()), body(b)),
        ),
        EventKind::Reply { body: b } => ("public", format!("replied{}", body(b))),
        EventKind::InternalNote { body: b } => {
            ("internal", format!("added an internal note{}", body(b)))
        }
        EventKind::StatusChanged { from, to, reason } => (
            "",
            format!(
                "moved it from {} to <strong>{}</strong>{}",
                esc(from.as_str()),
                esc(to.as_str()),
                reason
                    .as_deref()
                    .map_or_else(String::new, |r| format!(": {}", esc(r)))
            ),
        ),
        EventKind::PriorityChanged {
            to, explanation, ..
        } => (
            "",
            format!(
                "set priority {} ({})",
                esc(desk.classifier().label(*to)),
                esc(explanation)
            ),
        ),
        EventKind::Assigned { to, .. } => (
            "",
            to.map_or_else(
                || "unassigned it".into(),
                |a| format!("assigned it to {}", esc(&agent_name(desk, a))),
            ),
        ),
        EventKind::GroupChanged { to, .. } => (
            "",
            to.as_ref().map_or_else(
                || "took it out of its group".into(),
                |g| format!("moved it to {}", esc(&group_name(desk, g))),
            ),
        ),
        EventKind::Routed {
            group,
            assignee,
            reason,
        } => (
            "",
            format!(
                "routed it to {}{} ({})",
                group
                    .as_ref()
                    .map_or_else(|| "no group".into(), |g| esc(&group_name(desk, g))),
                assignee.map_or_else(String::new, |a| format!(", {}", esc(&agent_name(desk, a)))),
                esc(reason)
            ),
        ),
        EventKind::Escalated {
            level,
            actions,
            reason,
            manual,
            ..
        } => (
            "internal",
            format!(
                "escalated it{} ({}): {}; {}",
                if *manual { " by hand" } else { "" },
                esc(level),
                esc(&actions.join(", ")),
                esc(reason)
            ),
        ),
        EventKind::Linked { link } => (
            "",
            format!(
                "linked it ({}) to {}",
                link.kind,
                reference(refs, link.target)
            ),
        ),
        EventKind::Split { children } => (
            "",
            format!(
                "split off {}",
                children
                    .iter()
                    .map(|c| reference(refs, *c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        EventKind::MergedInto { into } => {
            ("", format!("merged it into {}", reference(refs, *into)))
        }
        EventKind::MergedFrom { source } => {
            ("", format!("merged {} into it", reference(refs, *source)))
        }
        EventKind::SlaPolicyApplied { policy, reason } => (
            "",
            format!("applied SLA policy {} ({})", esc(policy), esc(reason)),
        ),
        EventKind::SlaWarning { metric, due, .. } => (
            "internal",
            format!("warned: {} due {}", metric.label(), when(*due)),
        ),
        EventKind::SlaBreached { metric, due, .. } => (
            "internal",
            format!(
                "recorded a breach: {} was due {}",
                metric.label(),
                when(*due)
            ),
        ),
        EventKind::SlaMet { metric, .. } => ("", format!("recorded {} met", metric.label())),
        EventKind::WatcherAdded { agent } => (
            "",
            format!("added watcher {}", esc(&agent_name(desk, *agent))),
        ),
        EventKind::ArticleLinked { article, title } => (
            "",
            format!(
                r#"marked it solved by <a href="/kb/articles/{article}">{}</a>"#,
                esc(title)
            ),
        ),
        other => ("", esc(&format!("{other:?}"))),
    };
    (class, format!("<strong>{}</strong> {what}", esc(&who)))
}

async fn ticket(State(app): State<AppState>, Who(who): Who, Path(key): Path<String>) -> PageResult {
    let desk = &app.desk;
    let actor = who.actor();
    let t = views::ticket(desk, &actor, &key).await.map_err(with(who))?;
    let v = views::ticket_view(desk, &actor, t)
        .await
        .map_err(with(who))?;
    let events = desk
        .timeline(&actor, v.ticket.id)
        .await
        .map_err(with(who))?;
    let refs: Refs = desk
        .links(&actor, v.ticket.id)
        .await
        .map_err(with(who))?
        .into_iter()
        .map(|l| {
            let shown = match l.target {
                helpdesk::LinkTarget::Ticket { reference } => reference.to_string(),
                _ => "a deleted ticket".to_owned(),
            };
            (l.ticket, shown)
        })
        .collect();
    let t = &v.ticket;
    let n = t.reference.0;
    let mut timeline = String::from(r#"<ol class="timeline">"#);
    for e in &events {
        let (class, text) = describe(desk, &refs, e);
        let label = if class == "internal" {
            r#" <span class="muted">(staff only)</span>"#
        } else {
            ""
        };
        let _ = write!(
            timeline,
            r#"<li class="{class}">{} {text}{label}</li>"#,
            when(e.at)
        );
    }
    timeline.push_str("</ol>");
    let suggested = super::kb::ticket_panel(desk, &actor, t).await;
    let options = |items: Vec<(String, String)>, current: Option<String>| {
        let mut out = String::new();
        for (v, l) in items {
            let sel = if current.as_deref() == Some(v.as_str()) {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                out,
                r#"<option value="{}"{sel}>{}</option>"#,
                esc(&v),
                esc(&l)
            );
        }
        out
    };
    let moves = options(
        v.allowed
            .iter()
            .map(|s| {
                let l = desk
                    .lifecycle()
                    .def(s)
                    .map_or_else(|| s.to_string(), |d| d.label.clone());
                (s.to_string(), l)
            })
            .collect(),
        None,
    );
    let agents = options(
        std::iter::once((String::new(), "nobody".to_owned()))
            .chain(desk.routing().into_iter().flat_map(|r| {
                r.agents.iter().filter(|a| !a.groups.is_empty()).map(|a| {
                    (
                        a.id.to_string(),
                        a.name.clone().unwrap_or_else(|| a.id.to_string()),
                    )
                })
            }))
            .collect(),
        t.assignee.map(|a| a.to_string()),
    );
    let groups = options(
        desk.routing()
            .map(|r| {
                r.groups
                    .iter()
                    .map(|g| {
                        (
                            g.id.to_string(),
                            g.name.clone().unwrap_or_else(|| g.id.to_string()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        t.group.as_ref().map(ToString::to_string),
    );
    let body = format!(
        r#"<p class="sla-line">{countdown}</p>
<dl class="facts">
<dt>Status</dt><dd>{status}</dd>
<dt>Priority</dt><dd>{prio} <span class="muted">({why})</span></dd>
<dt>Requester</dt><dd>{req}</dd>
<dt>Channel</dt><dd>{channel}</dd>
<dt>Group</dt><dd>{group}</dd>
<dt>Assignee</dt><dd>{assignee}</dd>
<dt>SLA policy</dt><dd>{policy}</dd>
<dt>Opened</dt><dd>{opened}</dd>
</dl>
<h2>Timeline</h2>
{timeline}
{suggested}
<h2>Act on it</h2>
<div class="actions">
<form method="post" action="/tickets/{n}/reply"><label for="reply">Public reply (the customer sees it)</label><textarea id="reply" name="body" required></textarea><button type="submit">Send reply</button></form>
<form method="post" action="/tickets/{n}/note"><label for="note">Internal note (staff only)</label><textarea id="note" name="body" required></textarea><button type="submit">Add note</button></form>
<form method="post" action="/tickets/{n}/transition"><label for="to">New status</label><select id="to" name="to">{moves}</select><label for="reason">Reason (optional)</label><input type="text" id="reason" name="reason"><button type="submit">Change status</button></form>
<form method="post" action="/tickets/{n}/assign"><label for="agent">Assignee</label><select id="agent" name="agent">{agents}</select><button type="submit">Assign</button></form>
<form method="post" action="/tickets/{n}/group"><label for="group">Group</label><select id="group" name="group">{groups}</select><button type="submit">Move to group</button></form>
<form method="post" action="/tickets/{n}/escalate"><label for="esc">Escalate to the next tier: why?</label><input type="text" id="esc" name="reason" required><button type="submit">Escalate</button></form>
<form method="post" action="/tickets/{n}/split"><fieldset><legend>Split off a separate problem</legend><label for="sp-subject">Subject</label><input type="text" id="sp-subject" name="subject" required><label for="sp-desc">Description</label><textarea id="sp-desc" name="description" required></textarea><button type="submit">Split</button></fieldset></form>
<form method="post" action="/tickets/{n}/merge"><label for="into">Duplicate of ticket (number)</label><input type="text" id="into" name="into" inputmode="numeric" required><button type="submit">Merge into it</button></form>
</div>"#,
        countdown = html::countdown(v.countdown.as_ref()),
        status = esc(&v.status_label),
        prio = esc(desk.classifier().label(t.priority)),
        why = esc(&t.priority_explanation),
        req = esc(&format!(
            "{}{}{}",
            t.requester.name,
            t.requester
                .email
                .as_deref()
                .map_or_else(String::new, |e| format!(" <{e}>")),
            t.requester
                .tier
                .as_deref()
                .map_or_else(String::new, |x| format!(" ({x})"))
        )),
        channel = esc(&t.channel.to_string()),
        group = t
            .group
            .as_ref()
            .map_or_else(|| "—".into(), |g| esc(&group_name(desk, g))),
        assignee = t
            .assignee
            .map_or_else(|| "—".into(), |a| esc(&agent_name(desk, a))),
        policy = esc(v.sla_policy.as_deref().unwrap_or("—")),
        opened = when(t.created_at),
    );
    Ok(render(
        desk,
        &format!("{} {}", t.reference, t.subject),
        who,
        &body,
    ))
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    into: Option<String>,
}

fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

async fn act(
    State(app): State<AppState>,
    Who(who): Who,
    Path((key, action)): Path<(String, String)>,
    Fields(f): Fields<ActForm>,
) -> PageResult {
    let desk = &app.desk;
    let actor = who.actor();
    let t = views::ticket(desk, &actor, &key).await.map_err(with(who))?;
    let id = t.id;
    let body = f.body.as_deref().unwrap_or("");
    let reason = given(f.reason.as_deref());
    let done = match action.as_str() {
        "reply" => desk.reply(&actor, id, body).await,
        "note" => desk.note(&actor, id, body).await,
        "transition" => {
            desk.transition(&actor, id, f.to.as_deref().unwrap_or(""), reason)
                .await
        }
        "assign" => match given(f.agent.as_deref())
            .map(str::parse::<AgentId>)
            .transpose()
        {
            Ok(agent) => desk.assign(&actor, id, agent).await,
            Err(e) => Err(e),
        },
        "group" => match given(f.group.as_deref()).map(GroupId::new).transpose() {
            Ok(group) => desk.change_group(&actor, id, group).await,
            Err(e) => Err(e),
        },
        "escalate" => desk.escalate(&actor, id, reason.unwrap_or("")).await,
        "split" => {
            let part = SplitPart::new(
                f.subject.as_deref().unwrap_or(""),
                f.description.as_deref().unwrap_or(""),
            );
            let parts = desk
                .split(&actor, id, vec![part])
                .await
                .map_err(with(who))?;
            let to = parts.first().map_or(t.reference.0, |c| c.reference.0);
            return Ok(back(&format!("/tickets/{to}")));
        }
        "merge" => {
            let target = views::ticket(desk, &actor, f.into.as_deref().unwrap_or(""))
                .await
                .map_err(with(who))?;
            let merged = desk.merge(&actor, id, target.id).await.map_err(with(who))?;
            return Ok(back(&format!("/tickets/{}", merged.reference.0)));
        }
        other => Err(Error::not_found("action", other)),
    };
    let t = done.map_err(with(who))?;
    // Escalated or moved out of the agent's groups: back to their queue.
    if desk.get(&actor, t.id).await.is_err() {
        return Ok(back("/queue"));
    }
    Ok(back(&format!("/tickets/{}", t.reference.0)))
}

// ------------------------------------------------------------- portal

pub(crate) fn customer_only(who: Persona) -> Result<helpdesk::CustomerId, PageError> {
    if who == Persona::Customer {
        return Ok(persona::customer());
    }
    Err(PageError {
        problem: ApiError::Http {
            status: StatusCode::FORBIDDEN,
            kind: "not_a_customer",
            detail: "the portal is the customer's: switch to the customer persona".into(),
        },
        persona: Some(who),
    })
}

async fn portal(State(app): State<AppState>, Who(who): Who) -> PageResult {
    let c = customer_only(who)?;
    let desk = &app.desk;
    let page_ = desk
        .portal(c)
        .tickets(helpdesk::PortalQuery::default())
        .await
        .map_err(with(who))?;
    let mut list = String::from(
        r#"<div class="table-wrap"><table><thead><tr><th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Status</th><th scope="col">Updated</th></tr></thead><tbody>"#,
    );
    for t in &page_.items {
        let _ = write!(
            list,
            r#"<tr><td><a href="/portal/tickets/{n}">{r}</a></td><td>{s}</td><td>{st}</td><td>{u}</td></tr>"#,
            n = t.reference.0,
            r = t.reference,
            s = esc(&t.subject),
            st = esc(&t.status_label),
            u = when(t.updated_at),
        );
    }
    if page_.items.is_empty() {
        list.push_str(r#"<tr><td colspan="4">No tickets yet.</td></tr>"#);
    }
    list.push_str("</tbody></table></div>");
    let body = format!(
        r#"<h2>Ask for help</h2>
<form method="post" action="/portal/tickets">
<label for="subject">Subject</label><input type="text" id="subject" name="subject" required maxlength="200" autocomplete="off">
{suggestions}
<label for="description">What happened?</label><textarea id="description" name="description" required></textarea>
<button type="submit">Open ticket</button>
</form>
<h2>Find an answer yourself</h2>
{search}
<h2>My tickets</h2>
{list}"#,
        suggestions = super::kb::PORTAL_SUGGESTIONS,
        search = super::kb::search_form("", "en"),
    );
    Ok(render(desk, "Help center", who, &body))
}

#[derive(Deserialize)]
struct OpenForm {
    subject: String,
    description: String,
    /// The suggestion set shown while typing (the script fills it in).
    #[serde(default)]
    suggestion: Option<String>,
}

async fn portal_open(
    State(app): State<AppState>,
    Who(who): Who,
    Fields(f): Fields<OpenForm>,
) -> PageResult {
    let c = customer_only(who)?;
    let new = NewTicket::new(
        persona::customer_requester(),
        helpdesk::Channel::Portal,
        f.subject,
        f.description,
    );
    let t = app.desk.portal(c).open(new).await.map_err(with(who))?;
    super::kb::opened_anyway(&app.desk, c, f.suggestion.as_deref(), t.id)
        .await
        .map_err(with(who))?;
    Ok(back(&format!("/portal/tickets/{}", t.reference.0)))
}

async fn portal_ticket(
    State(app): State<AppState>,
    Who(who): Who,
    Path(key): Path<String>,
) -> PageResult {
    let c = customer_only(who)?;
    let desk = &app.desk;
    let t = views::own_ticket(desk, c, &key).await.map_err(with(who))?;
    let events = desk.portal(c).timeline(t.id).await.map_err(with(who))?;
    let mut timeline = String::from(r#"<ol class="timeline">"#);
    for e in &events {
        let who = match &e.by {
            Author::Requester => "You".to_owned(),
            Author::Staff { name } => name.clone().unwrap_or_else(|| "Support".into()),
            _ => "Help desk".to_owned(),
        };
        let body = |b: &str| format!(r#"<div class="body">{}</div>"#, esc(b));
        let what = match &e.kind {
            RequesterEventKind::Opened {
                subject,
                description,
                ..
            } => {
                format!(
                    "opened it: <strong>{}</strong>{}",
                    esc(subject),
                    body(description)
                )
            }
            RequesterEventKind::Message { body: b, .. } => format!("wrote{}", body(b)),
            RequesterEventKind::Reply { body: b } => format!("replied{}", body(b)),
            RequesterEventKind::StatusChanged { label, .. } => {
                format!("set the status to <strong>{}</strong>", esc(label))
            }
            RequesterEventKind::Linked { kind, .. } => format!("linked a related ticket ({kind})"),
            RequesterEventKind::Split { into } => format!("split it into {} ticket(s)", into.len()),
            RequesterEventKind::MergedInto { .. } => {
                "merged it with another of your tickets".into()
            }
            RequesterEventKind::MergedFrom { .. } => {
                "merged another of your tickets into it".into()
            }
            RequesterEventKind::ContactUpdated => "updated your contact details".into(),
            _ => "updated it".into(),
        };
        let _ = write!(
            timeline,
            r#"<li class="public">{} <strong>{}</strong> {what}</li>"#,
            when(e.at),
            esc(&who)
        );
    }
    timeline.push_str("</ol>");
    let rating = super::survey::portal_section(desk, c, &t)
        .await
        .map_err(with(who))?;
    let body = format!(
        r#"<dl class="facts"><dt>Status</dt><dd>{status}</dd><dt>Handled by</dt><dd>{by}</dd><dt>Opened</dt><dd>{opened}</dd></dl>
{rating}
<h2>Conversation</h2>
{timeline}
<form method="post" action="/portal/tickets/{n}/reply"><label for="reply">Reply</label><textarea id="reply" name="body" required></textarea><button type="submit">Send</button></form>"#,
        status = esc(&t.status_label),
        by = esc(t.assignee_name.as_deref().unwrap_or("our support team")),
        opened = when(t.created_at),
        n = t.reference.0,
    );
    Ok(render(
        desk,
        &format!("{} {}", t.reference, t.subject),
        who,
        &body,
    ))
}

#[derive(Deserialize)]
struct ReplyForm {
    body: String,
}

async fn portal_reply(
    State(app): State<AppState>,
    Who(who): Who,
    Path(key): Path<String>,
    Fields(f): Fields<ReplyForm>,
) -> PageResult {
    let c = customer_only(who)?;
    let t = views::own_ticket(&app.desk, c, &key)
        .await
        .map_err(with(who))?;
    let t = app
        .desk
        .portal(c)
        .reply(t.id, &f.body)
        .await
        .map_err(with(who))?;
    Ok(back(&format!("/portal/tickets/{}", t.reference.0)))
}

// --------------------------------------------------------- supervisor

fn counts(caption: &str, items: &[(String, u64)]) -> String {
    let mut s = format!(
        r#"<table><caption>{}</caption><thead><tr><th scope="col">Which</th><th scope="col">Tickets</th></tr></thead><tbody>"#,
        esc(caption)
    );
    for (k, n) in items {
        let _ = write!(s, "<tr><td>{}</td><td>{n}</td></tr>", esc(k));
    }
    s.push_str("</tbody></table>");
    s
}

async fn supervisor(State(app): State<AppState>, Who(who): Who) -> PageResult {
    let desk = &app.desk;
    let sum = views::summary(desk, &who.actor())
        .await
        .map_err(with(who))?;
    let figures = super::dashboard::section(desk, who)
        .await
        .map_err(with(who))?;
    let body = format!(
        r#"<div class="actions">{}{}{}</div>
<p>Outbox: {} waiting, {} delivered. <a href="/outbox">See the notifications</a>.</p>
<h2>Breaching within 2 business hours</h2>
{}
{figures}"#,
        counts("Tickets by status", &sum.by_status),
        counts("Open tickets by group", &sum.by_group),
        counts("Open tickets by priority", &sum.by_priority),
        sum.outbox_pending,
        sum.outbox_delivered,
        rows(desk, &sum.breaching_soon),
    );
    Ok(render(desk, "Supervisor dashboard", who, &body))
}

// ------------------------------------------------------------- outbox

async fn outbox(State(app): State<AppState>, Who(who): Who) -> PageResult {
    let mine = persona::customer_requester().email.unwrap_or_default();
    let sent: Vec<_> = app
        .outbox
        .sent()
        .into_iter()
        .filter(|n| who.is_staff() || n.recipient.contains(&mine))
        .collect();
    let mut body = String::from(
        r#"<p>What the desk sent, newest first (this demo keeps the last 200 in memory; your app plugs in SMTP or a webhook).</p><div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Ticket</th><th scope="col">To</th><th scope="col">Message</th></tr></thead><tbody>"#,
    );
    for n in &sent {
        // A survey invitation carries the bare token (the demo's policy
        // names no page address, as the port varies): the app builds the link.
        let link = n.survey_link.as_deref().map_or_else(String::new, |l| {
            format!(
                r#"<p><a class="survey-link" href="{}">Rate the resolution</a></p>"#,
                esc(l)
            )
        });
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td><strong>{}</strong><div class="body">{}</div>{link}</td></tr>"#,
            when(n.created_at),
            esc(&n.ticket),
            esc(&n.recipient),
            esc(&n.subject),
            esc(&n.text)
        );
    }
    if sent.is_empty() {
        body.push_str(r#"<tr><td colspan="4">Nothing sent yet.</td></tr>"#);
    }
    body.push_str("</tbody></table></div>");
    Ok(render(&app.desk, "Outbox", who, &body))
}
