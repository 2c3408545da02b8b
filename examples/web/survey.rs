//! Rating the resolution: the demo's survey policy and key, the rating
//! form on a resolved ticket in the portal, the survey page a survey
//! invitation links to (`/survey/{token}`), and their JSON API.
//!
//! Two ways in, one rule: the portal rates as the signed-in requester
//! (`Portal::rate`, their own ticket only), the survey link rates by its
//! signed token (`HelpDesk::rate`; no sign-in, the token is the
//! credential). Either way a rating can change until the ticket closes,
//! and it counts in the supervisor's CSAT.

use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use helpdesk::survey::{
    Rating, RatingRefused, RatingStatus, Scale, Score, SurveyError, SurveyKey, SurveyPolicy,
};
use helpdesk::{Error, HelpDesk, RequesterTicket};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{self, Body};
use super::app::AppState;
use super::html::{esc, page, when};
use super::pages::{self, Fields, PageError, PageResult, Who};
use super::persona::{self, Persona};
use super::problem::ApiError;
use super::views;

/// The demo's survey policy: the invitation goes out a minute after a
/// ticket is resolved (the worker looks every 5 seconds), asks good or
/// bad with Zendesk's reasons for a bad rating, and can be answered for
/// two weeks. A real desk waits longer (the default is a day).
pub(crate) const POLICY: &str = r#"
delay = "1m"
scale = "good_bad"
answer_window_days = 14
"#;

/// The key survey links are signed with. A DEMO constant, so links stay
/// valid across restarts of the demo: a real app supplies its own secret
/// (at least 32 random bytes from its secret store), never one in code.
const DEMO_KEY: &[u8; 32] = b"helpdesk web demo survey key 32b";

pub(crate) fn policy() -> helpdesk::Result<SurveyPolicy> {
    Ok(SurveyPolicy::from_toml(POLICY)?)
}

pub(crate) fn key() -> helpdesk::Result<SurveyKey> {
    SurveyKey::new(*DEMO_KEY).map_err(|e| Error::from(SurveyError::from(e)))
}

/// The link an invitation's token opens, relative to the demo's address.
pub(crate) fn link(token: &str) -> String {
    format!("/survey/{token}")
}

// ---------------------------------------------------------------- API

/// The rating routes, relative to `/api/v1`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/portal/tickets/{key}/rating",
            get(api_portal_status).put(api_portal_rate),
        )
        .route("/surveys/{token}", get(api_survey).put(api_survey_rate))
}

/// A rating as the API takes it: the crate's `Score` (`{"type": "good"}`,
/// `{"type": "stars", "value": 4}`), a reason code for a bad one, a comment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    score: Score,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

impl RatingBody {
    fn rating(self) -> Rating {
        let mut r = Rating::new(self.score);
        if let Some(reason) = self.reason {
            r = r.reason(reason);
        }
        if let Some(c) = self.comment {
            r = r.comment(c);
        }
        r
    }
}

/// Why a rating is refused, as a code for front ends.
fn refused_code(r: &RatingRefused) -> &'static str {
    match r {
        RatingRefused::NotRequester => "not_requester",
        RatingRefused::NotResolved { .. } => "not_resolved",
        RatingRefused::Closed { .. } => "closed",
        RatingRefused::Superseded { .. } => "superseded",
        _ => "refused",
    }
}

/// The rating status, with the question's scale and reasons, as JSON.
fn status_json(desk: &HelpDesk, st: &RatingStatus) -> Value {
    let policy = desk.survey_policy();
    json!({
        "cycle": st.cycle,
        "rating": st.rating,
        "rated_at": st.rated_at,
        "open": st.open(),
        "refused": st.refused.as_ref().map(|r| json!({"why": refused_code(r), "detail": r.to_string()})),
        "scale": policy.map(|p| p.scale),
        "reasons": policy.map(SurveyPolicy::reasons),
    })
}

fn answer(desk: &HelpDesk, t: &RequesterTicket, st: &RatingStatus) -> Json<Value> {
    Json(json!({"ticket": t, "rating": status_json(desk, st)}))
}

async fn api_portal_status(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let c = api::customer(who)?;
    let t = views::own_ticket(&app.desk, c, &key).await?;
    let st = app.desk.portal(c).rating(t.id).await?;
    Ok(answer(&app.desk, &t, &st))
}

async fn api_portal_rate(
    State(app): State<AppState>,
    who: Persona,
    Path(key): Path<String>,
    Body(b): Body<RatingBody>,
) -> Result<Json<Value>, ApiError> {
    let c = api::customer(who)?;
    let t = views::own_ticket(&app.desk, c, &key).await?;
    let portal = app.desk.portal(c);
    let t = portal.rate(t.id, b.rating()).await?;
    let st = portal.rating(t.id).await?;
    Ok(answer(&app.desk, &t, &st))
}

/// No persona needed: the token is the credential.
async fn api_survey(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (t, st) = app.desk.survey(&token).await?;
    Ok(answer(&app.desk, &t, &st))
}

async fn api_survey_rate(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Body(b): Body<RatingBody>,
) -> Result<Json<Value>, ApiError> {
    app.desk.rate(&token, b.rating()).await?;
    let (t, st) = app.desk.survey(&token).await?;
    Ok(answer(&app.desk, &t, &st))
}

// -------------------------------------------------------------- pages

pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/portal/tickets/{key}/rating", post(portal_rate))
        .route("/survey/{token}", get(survey_page).post(survey_rate))
}

/// The rating form's fields. The reason is taken with a bad score only:
/// the form shows it next to both choices.
#[derive(Debug, Deserialize)]
pub(crate) struct RatingForm {
    #[serde(default)]
    score: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

fn rating_of(policy: &SurveyPolicy, f: RatingForm) -> helpdesk::Result<Rating> {
    let raw = f.score.as_deref().map_or("", str::trim);
    let number = || {
        raw.parse::<u8>().map_err(|_| {
            Error::validation(
                "rating.score",
                format!("choose a number on the {} scale", policy.scale),
            )
        })
    };
    let score = match policy.scale {
        Scale::GoodBad => match raw {
            "good" => Score::Good,
            "bad" => Score::Bad,
            _ => return Err(Error::validation("rating.score", "choose good or bad")),
        },
        Scale::Stars => Score::Stars(number()?),
        Scale::Nps => Score::Nps(number()?),
        Scale::Ces => Score::Ces(number()?),
    };
    let mut r = Rating::new(score);
    if score == Score::Bad
        && let Some(reason) = f.reason.as_deref().map(str::trim).filter(|s| !s.is_empty())
    {
        r = r.reason(reason);
    }
    if let Some(c) = f.comment {
        r = r.comment(c);
    }
    Ok(r)
}

fn policy_of(desk: &HelpDesk) -> helpdesk::Result<&SurveyPolicy> {
    desk.survey_policy().ok_or(Error::NotConfigured {
        what: "survey policy",
        how: "the demo configures one in examples/web/survey.rs",
    })
}

/// A score in words.
fn score_text(s: Score) -> String {
    match s {
        Score::Good => "Good, I'm satisfied".into(),
        Score::Bad => "Bad, I'm unsatisfied".into(),
        Score::Stars(v) => format!("{v} of 5 stars"),
        Score::Nps(v) => format!("{v} of 10"),
        Score::Ces(v) => format!("{v} of 7 (easy)"),
    }
}

/// A reason code in words (`too_slow`: "too slow").
fn reason_text(code: &str) -> String {
    code.replace(['_', '-'], " ")
}

/// The current answer and what can still be done about it.
fn status_html(st: &RatingStatus) -> String {
    let mut s = String::new();
    match &st.rating {
        Some(r) => {
            let _ = write!(
                s,
                r#"<p id="current-rating">Your rating: <strong>{}</strong>"#,
                esc(&score_text(r.score))
            );
            if let Some(reason) = &r.reason {
                let _ = write!(s, " ({})", esc(&reason_text(reason)));
            }
            if let Some(c) = &r.comment {
                let _ = write!(s, " · “{}”", esc(c));
            }
            if let Some(at) = st.rated_at {
                let _ = write!(s, r#" <span class="muted">given {}</span>"#, when(at));
            }
            s.push_str("</p>");
        }
        None if st.open() => {
            s.push_str(r#"<p id="current-rating">Not rated yet. How did we do?</p>"#);
        }
        None => s.push_str(r#"<p id="current-rating">Not rated.</p>"#),
    }
    let note = match &st.refused {
        None if st.rating.is_some() => {
            "You can change your rating until the ticket is closed.".to_owned()
        }
        None => String::new(),
        Some(RatingRefused::Closed { .. }) => {
            "The ticket is closed, so the rating is final.".into()
        }
        Some(RatingRefused::Superseded { .. }) => {
            "This link is for an earlier resolution: the ticket was reopened and resolved again since. Rate it from the newer invitation or in the portal.".into()
        }
        Some(RatingRefused::NotResolved { .. }) => {
            "You can rate the ticket once it is resolved.".into()
        }
        Some(other) => other.to_string(),
    };
    if !note.is_empty() {
        let _ = write!(s, r#"<p class="muted">{}</p>"#, esc(&note));
    }
    s
}

/// The rating form for `policy`'s scale, posting to `action`, preset to
/// the current answer.
fn form_html(policy: &SurveyPolicy, action: &str, current: Option<&Rating>) -> String {
    let now = current.map(|r| r.score);
    let mut choices = String::new();
    let mut choice = |value: String, score: Score| {
        let checked = if now == Some(score) { " checked" } else { "" };
        let _ = write!(
            choices,
            r#"<label class="choice"><input type="radio" name="score" id="rate-{value}" value="{value}" required{checked}> {}</label>"#,
            esc(&score_text(score))
        );
    };
    match policy.scale {
        Scale::GoodBad => {
            choice("good".into(), Score::Good);
            choice("bad".into(), Score::Bad);
        }
        scale => {
            let (lo, hi) = scale.range().unwrap_or((1, 5));
            for v in lo..=hi {
                let score = match scale {
                    Scale::Stars => Score::Stars(v),
                    Scale::Nps => Score::Nps(v),
                    _ => Score::Ces(v),
                };
                choice(v.to_string(), score);
            }
        }
    }
    let mut reasons = String::new();
    let offered = policy.reasons();
    if !offered.is_empty() {
        let was = current.and_then(|r| r.reason.as_deref());
        let mut options = String::from(r#"<option value="">(none)</option>"#);
        for code in offered {
            let sel = if was == Some(code) { " selected" } else { "" };
            let _ = write!(
                options,
                r#"<option value="{}"{sel}>{}</option>"#,
                esc(code),
                esc(&reason_text(code))
            );
        }
        let _ = write!(
            reasons,
            r#"<label for="rate-reason">If bad: what went wrong? (optional)</label><select id="rate-reason" name="reason">{options}</select>"#
        );
    }
    let comment = current.and_then(|r| r.comment.as_deref()).unwrap_or("");
    let button = if current.is_some() {
        "Change rating"
    } else {
        "Send rating"
    };
    format!(
        r#"<form method="post" action="{action}" id="rating-form"><fieldset><legend>How would you rate the support you received?</legend>{choices}</fieldset>{reasons}<label for="rate-comment">Comment (optional)</label><textarea id="rate-comment" name="comment" maxlength="2000">{comment}</textarea><button type="submit">{button}</button></form>"#,
        action = esc(action),
        comment = esc(comment),
    )
}

/// The portal ticket page's rating section: once the ticket was resolved,
/// the current rating and, until it closes, the form.
pub(crate) async fn portal_section(
    desk: &HelpDesk,
    customer: helpdesk::CustomerId,
    t: &RequesterTicket,
) -> helpdesk::Result<String> {
    let Some(policy) = desk.survey_policy() else {
        return Ok(String::new());
    };
    let st = desk.portal(customer).rating(t.id).await?;
    if st.cycle == 0 {
        return Ok(String::new());
    }
    let form = if st.open() {
        form_html(
            policy,
            &format!("/portal/tickets/{}/rating", t.reference.0),
            st.rating.as_ref(),
        )
    } else {
        String::new()
    };
    Ok(format!(
        r#"<section id="rating" aria-labelledby="rating-h"><h2 id="rating-h">Rate the resolution</h2>{}{form}</section>"#,
        status_html(&st)
    ))
}

async fn portal_rate(
    State(app): State<AppState>,
    Who(who): Who,
    Path(key): Path<String>,
    Fields(f): Fields<RatingForm>,
) -> PageResult {
    let c = pages::customer_only(who)?;
    let desk = &app.desk;
    let t = views::own_ticket(desk, c, &key)
        .await
        .map_err(pages::with(who))?;
    let rating = policy_of(desk)
        .and_then(|p| rating_of(p, f))
        .map_err(pages::with(who))?;
    desk.portal(c)
        .rate(t.id, rating)
        .await
        .map_err(pages::with(who))?;
    Ok(Redirect::to(&format!("/portal/tickets/{}#rating", t.reference.0)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SurveyQuery {
    /// Set by the redirect after a rating: say thank you.
    rated: Option<String>,
}

/// The page a survey invitation links to. Anyone holding the link may
/// answer (it goes to the requester only); a forged, malformed or expired
/// link is the error page with its status.
async fn survey_page(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<SurveyQuery>,
    parts: Parts,
) -> PageResult {
    let desk = &app.desk;
    let persona = persona::of(&parts);
    let (t, st) = desk.survey(&token).await.map_err(PageError::from)?;
    let policy = policy_of(desk)?;
    let thanks = if q.rated.is_some() {
        r#"<p class="flash" role="status">Thank you: your rating is recorded.</p>"#
    } else {
        ""
    };
    let form = if st.open() {
        form_html(policy, &link(&token), st.rating.as_ref())
    } else {
        String::new()
    };
    let body = format!(
        r#"{thanks}<p>Your request <strong>{reference}</strong> “{subject}” was resolved.</p>
<dl class="facts"><dt>Status</dt><dd>{status}</dd><dt>Handled by</dt><dd>{by}</dd></dl>
<section id="rating" aria-labelledby="rating-h"><h2 id="rating-h">Rate the resolution</h2>{status_html}{form}</section>
<p class="muted">This page opens from the link in the survey invitation; the link is signed, so it needs no sign-in.</p>"#,
        reference = t.reference,
        subject = esc(&t.subject),
        status = esc(&t.status_label),
        by = esc(t.assignee_name.as_deref().unwrap_or("our support team")),
        status_html = status_html(&st),
    );
    Ok(page("How did we do?", persona, desk.clock().now(), &body).into_response())
}

async fn survey_rate(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Fields(f): Fields<RatingForm>,
) -> Result<Response, PageError> {
    let desk = &app.desk;
    let rating = rating_of(policy_of(desk)?, f)?;
    desk.rate(&token, rating).await?;
    Ok(Redirect::to(&format!("{}?rated=1", link(&token))).into_response())
}
