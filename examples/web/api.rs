//! The JSON API under `/api/v1`: the desk's operations for any front end.
//! The persona header stands in for your authentication; everything else is
//! what a real deployment would expose. Errors are problem details
//! ([`super::problem`]). Staff routes hand the persona's actor to the
//! desk as it is: the desk's staff methods refuse the customer themselves
//! (403 `Forbidden`) before looking at any ticket.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use helpdesk::ticket::TicketEvent;
use helpdesk::{
    AgentId, Error, GroupId, NewTicket, PortalQuery, Requester, RequesterEvent, RequesterTicket,
    SplitPart,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::app::AppState;
use super::persona::{self, Persona};
use super::problem::ApiError;
use super::views::{self, QueueParams};

type ApiResult<T> = Result<T, ApiError>;

/// The API's routes, relative to `/api/v1`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/tickets", get(list).post(open))
        .route("/tickets/{key}", get(show))
        .route("/tickets/{key}/timeline", get(timeline))
        .route("/tickets/{key}/replies", post(reply))
        .route("/tickets/{key}/notes", post(note))
        .route("/tickets/{key}/transitions", post(transition))
        .route("/tickets/{key}/assignee", post(assign))
        .route("/tickets/{key}/group", post(change_group))
        .route("/tickets/{key}/escalations", post(escalate))
        .route("/tickets/{key}/split", post(split))
        .route("/tickets/{key}/merge", post(merge))
        .route("/supervisor/summary", get(summary))
        .route("/outbox", get(outbox))
        .route("/portal/tickets", get(portal_list).post(portal_open))
        .route("/portal/tickets/{key}", get(portal_show))
        .route("/portal/tickets/{key}/timeline", get(portal_timeline))
        .route("/portal/tickets/{key}/messages", post(portal_message))
        .fallback(|| async {
            ApiError::Http {
                status: StatusCode::NOT_FOUND,
                kind: "no_route",
                detail: "no such API route; see the route table in README.md".into(),
            }
        })
}

/// A JSON body whose rejections (not JSON, wrong fields, too large) are
/// problem details too.
pub(crate) struct Body<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(r) => Err(rejected(&r)),
        }
    }
}

fn rejected(r: &JsonRejection) -> ApiError {
    ApiError::Http {
        status: r.status(),
        kind: "bad_body",
        detail: r.body_text(),
    }
}

/// Query parameters whose rejections are problem details.
pub(crate) struct Params<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Params(v)),
            Err(r) => Err(bad_query(&r)),
        }
    }
}

fn bad_query(r: &QueryRejection) -> ApiError {
    ApiError::Http {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        kind: "bad_query",
        detail: r.body_text(),
    }
}

async fn me(who: Persona) -> Json<serde_json::Value> {
    Json(json!({
        "persona": who.slug(),
        "title": who.title(),
        "staff": who.is_staff(),
        "demo": "personas are a demo stand-in for your app's authentication",
    }))
}

async fn list(
    State(app): State<AppState>,
    who: Persona,
    Params(params): Params<QueueParams>,
) -> ApiResult<Json<views::Queue>> {
    let actor = who.actor();
    Ok(Json(views::queue(&app.desk, &actor, &params).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenBody {
    requester: RequesterBody,
    channel: String,
    subject: String,
    description: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequesterBody {
    /// Your app's customer id; a new one when absent.
    #[serde(default)]
    id: Option<helpdesk::CustomerId>,
    name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    organization: Option<String>,
    #[serde(default)]
    tier: Option<String>,
}

impl RequesterBody {
    fn into_requester(self) -> Requester {
        let mut r = Requester::new(self.id.unwrap_or_default(), self.name);
        r.email = self.email;
        r.phone = self.phone;
        r.organization = self.organization;
        r.tier = self.tier;
        r
    }
}

/// 201 Created with the new resource's location.
fn created(location: String, body: impl serde::Serialize) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response()
}

async fn open(
    State(app): State<AppState>,
    who: Persona,
    Body(b): Body<OpenBody>,
) -> ApiResult<Response> {
    let actor = who.actor();
    let mut new = NewTicket::new(
        b.requester.into_requester(),
        views::channel(&b.channel),
        b.subject,
        b.description,
    );
    if let Some(c) = b.category {
        new = new.category(c);
    }
    for t in b.tags {
        new = new.tag(t);
    }
    let t = app.desk.open(&actor, new).await?;
    let view = views::ticket_view(&app.desk, &actor, t).await?;
    Ok(created(
        format!("/api/v1/tickets/{}", view.ticket.reference.0),
        view,
    ))
}

async fn show(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
) -> ApiResult<Json<views::TicketView>> {
    let actor = who.actor();
    let t = views::ticket(&app.desk, &actor, &key).await?;
    Ok(Json(views::ticket_view(&app.desk, &actor, t).await?))
}

async fn timeline(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
) -> ApiResult<Json<Vec<TicketEvent>>> {
    let actor = who.actor();
    let t = views::ticket(&app.desk, &actor, &key).await?;
    Ok(Json(app.desk.timeline(&actor, t.id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TextBody {
    body: String,
}

/// Runs a one-ticket command and answers with the ticket after it.
async fn act<F, Fut>(
    app: &AppState,
    who: Persona,
    key: &str,
    f: F,
) -> ApiResult<Json<views::TicketView>>
where
    F: FnOnce(helpdesk::HelpDesk, helpdesk::Actor, helpdesk::TicketId) -> Fut,
    Fut: Future<Output = helpdesk::Result<helpdesk::Ticket>>,
{
    let actor = who.actor();
    let t = views::ticket(&app.desk, &actor, key).await?;
    let t = f(app.desk.clone(), actor.clone(), t.id).await?;
    Ok(Json(views::ticket_view(&app.desk, &actor, t).await?))
}

async fn reply(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<TextBody>,
) -> ApiResult<Json<views::TicketView>> {
    act(&app, who, &key, |d, a, id| async move {
        d.reply(&a, id, &b.body).await
    })
    .await
}

async fn note(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<TextBody>,
) -> ApiResult<Json<views::TicketView>> {
    act(&app, who, &key, |d, a, id| async move {
        d.note(&a, id, &b.body).await
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionBody {
    to: String,
    #[serde(default)]
    reason: Option<String>,
}

async fn transition(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<TransitionBody>,
) -> ApiResult<Json<views::TicketView>> {
    act(&app, who, &key, |d, a, id| async move {
        d.transition(&a, id, &b.to, b.reason.as_deref()).await
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    /// `null` unassigns.
    agent: Option<AgentId>,
}

async fn assign(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<AssignBody>,
) -> ApiResult<Json<views::TicketView>> {
    act(&app, who, &key, |d, a, id| async move {
        d.assign(&a, id, b.agent).await
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupBody {
    /// `null`: out of any group.
    group: Option<String>,
}

async fn change_group(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<GroupBody>,
) -> ApiResult<Json<views::TicketView>> {
    let group = b.group.map(GroupId::new).transpose()?;
    act(&app, who, &key, |d, a, id| async move {
        d.change_group(&a, id, group).await
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalateBody {
    reason: String,
}

async fn escalate(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<EscalateBody>,
) -> ApiResult<Json<views::TicketView>> {
    act(&app, who, &key, |d, a, id| async move {
        d.escalate(&a, id, &b.reason).await
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitBody {
    parts: Vec<SplitPart>,
}

async fn split(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<SplitBody>,
) -> ApiResult<Response> {
    let actor = who.actor();
    let t = views::ticket(&app.desk, &actor, &key).await?;
    let parts = app.desk.split(&actor, t.id, b.parts).await?;
    Ok((StatusCode::CREATED, Json(parts)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    /// The ticket it duplicates (reference or UUID).
    into: String,
}

async fn merge(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<MergeBody>,
) -> ApiResult<Json<views::TicketView>> {
    let actor = who.actor();
    let source = views::ticket(&app.desk, &actor, &key).await?;
    let target = views::ticket(&app.desk, &actor, &b.into).await?;
    let t = app.desk.merge(&actor, source.id, target.id).await?;
    Ok(Json(views::ticket_view(&app.desk, &actor, t).await?))
}

async fn summary(State(app): State<AppState>, who: Persona) -> ApiResult<Json<views::Summary>> {
    let actor = who.actor();
    Ok(Json(views::summary(&app.desk, &actor).await?))
}

async fn outbox(State(app): State<AppState>, who: Persona) -> ApiResult<Response> {
    if !who.is_staff() {
        return Err(Error::Forbidden {
            actor: who.actor().kind(),
            action: helpdesk::Action::View,
            ticket: None,
        }
        .into());
    }
    Ok(Json(app.outbox.sent()).into_response())
}

/// The portal's customer: only the customer persona has one.
pub(crate) fn customer(who: Persona) -> ApiResult<helpdesk::CustomerId> {
    if who == Persona::Customer {
        Ok(persona::customer())
    } else {
        Err(ApiError::Http {
            status: StatusCode::FORBIDDEN,
            kind: "not_a_customer",
            detail: format!(
                "the portal is the customer's; persona `{}` is staff (use /api/v1/tickets)",
                who.slug()
            ),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortalOpenBody {
    subject: String,
    description: String,
}

async fn portal_open(
    State(app): State<AppState>,
    who: Persona,
    Body(b): Body<PortalOpenBody>,
) -> ApiResult<Response> {
    let c = customer(who)?;
    let new = NewTicket::new(
        persona::customer_requester(),
        helpdesk::Channel::Portal,
        b.subject,
        b.description,
    );
    let t = app.desk.portal(c).open(new).await?;
    Ok(created(
        format!("/api/v1/portal/tickets/{}", t.reference.0),
        t,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PortalParams {
    limit: Option<usize>,
    after: Option<String>,
}

async fn portal_list(
    State(app): State<AppState>,
    who: Persona,
    Params(params): Params<PortalParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let c = customer(who)?;
    let mut q = PortalQuery::default();
    let limit = params.limit.unwrap_or(q.limit);
    if !(1..=views::MAX_PAGE).contains(&limit) {
        return Err(Error::validation(
            "limit",
            format!("a page holds 1 to {} tickets, not {limit}", views::MAX_PAGE),
        )
        .into());
    }
    q.limit = limit;
    q.after = params
        .after
        .as_deref()
        .map(str::parse::<helpdesk::store::Cursor>)
        .transpose()?;
    let page = app.desk.portal(c).tickets(q).await?;
    Ok(Json(json!({
        "items": page.items,
        "next": page.next.map(|c| c.to_string()),
    })))
}

async fn portal_show(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
) -> ApiResult<Json<RequesterTicket>> {
    let c = customer(who)?;
    Ok(Json(views::own_ticket(&app.desk, c, &key).await?))
}

async fn portal_timeline(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
) -> ApiResult<Json<Vec<RequesterEvent>>> {
    let c = customer(who)?;
    let t = views::own_ticket(&app.desk, c, &key).await?;
    Ok(Json(app.desk.portal(c).timeline(t.id).await?))
}

async fn portal_message(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<TextBody>,
) -> ApiResult<Json<RequesterTicket>> {
    let c = customer(who)?;
    let t = views::own_ticket(&app.desk, c, &key).await?;
    Ok(Json(app.desk.portal(c).reply(t.id, &b.body).await?))
}
