//! Errors as RFC 9457 problem details (`application/problem+json`), carrying
//! the crate's typed error as data, and the same problem as an HTML page.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use helpdesk::survey::{RatingRefused, SurveyError, TokenError};
use helpdesk::{Error, ErrorKind};
use serde_json::{Map, Value, json};

/// An error of an API route: the desk's own, or one of the HTTP layer's
/// (a missing persona, a body that is not JSON).
#[derive(Debug)]
pub(crate) enum ApiError {
    /// The desk refused or failed.
    Desk(Error),
    /// The request itself is malformed, before the desk sees it.
    Http {
        status: StatusCode,
        kind: &'static str,
        detail: String,
    },
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Desk(e)
    }
}

impl ApiError {
    /// A request without a persona: the place where the embedding app's
    /// own authentication would answer 401.
    pub(crate) fn no_persona() -> Self {
        ApiError::Http {
            status: StatusCode::UNAUTHORIZED,
            kind: "no_persona",
            detail: "choose a demo persona: header `X-Demo-Persona: customer|l1|l2|supervisor` \
                     or the `demo_persona` cookie (a demo stand-in for your app's authentication)"
                .into(),
        }
    }

    /// The HTTP status, the problem's `kind` and its body.
    pub(crate) fn problem(&self) -> (StatusCode, Value) {
        match self {
            ApiError::Desk(e) => {
                let status = status_of(e);
                let mut body = Map::new();
                let kind = kind_name(e.kind());
                body.insert("type".into(), json!(format!("urn:helpdesk:error:{kind}")));
                body.insert("title".into(), json!(title(e)));
                body.insert("status".into(), json!(status.as_u16()));
                body.insert("detail".into(), json!(e.to_string()));
                body.insert("kind".into(), json!(kind));
                fields(e, &mut body);
                (status, Value::Object(body))
            }
            ApiError::Http {
                status,
                kind,
                detail,
            } => (
                *status,
                json!({
                    "type": format!("urn:helpdesk:error:{kind}"),
                    "title": status.canonical_reason().unwrap_or("Error"),
                    "status": status.as_u16(),
                    "detail": detail,
                    "kind": kind,
                }),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.problem();
        if status.is_server_error() {
            tracing::error!(problem = %body, "request failed");
        }
        let mut response = (status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// The HTTP status for a desk error.
pub(crate) fn status_of(e: &Error) -> StatusCode {
    if let Error::Survey(s) = e {
        return survey_status(s);
    }
    match e.kind() {
        ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        // Both are about the ticket's current state, not the request's shape.
        ErrorKind::Conflict | ErrorKind::Duplicate | ErrorKind::InvalidTransition => {
            StatusCode::CONFLICT
        }
        ErrorKind::Store | ErrorKind::Notify => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A survey answer not taken: a link that is no link (400), forged (403)
/// or past its answer window (410); a rating that does not fit the
/// question (422); a ticket that cannot be rated now (409), or not by
/// this person (403).
fn survey_status(e: &SurveyError) -> StatusCode {
    match e {
        SurveyError::Token(TokenError::Forged)
        | SurveyError::Refused(RatingRefused::NotRequester) => StatusCode::FORBIDDEN,
        SurveyError::Token(TokenError::Expired { .. }) => StatusCode::GONE,
        SurveyError::Token(_) => StatusCode::BAD_REQUEST,
        SurveyError::Refused(_) => StatusCode::CONFLICT,
        // `SurveyError::Rating`: the answer does not fit the question.
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The survey error's own name, for the problem's `survey` member.
fn survey_code(e: &SurveyError) -> &'static str {
    match e {
        SurveyError::Token(TokenError::Forged) => "forged",
        SurveyError::Token(TokenError::Expired { .. }) => "expired",
        SurveyError::Token(_) => "malformed",
        SurveyError::Rating(_) => "invalid_rating",
        SurveyError::Refused(RatingRefused::NotRequester) => "not_requester",
        SurveyError::Refused(RatingRefused::NotResolved { .. }) => "not_resolved",
        SurveyError::Refused(RatingRefused::Closed { .. }) => "closed",
        SurveyError::Refused(RatingRefused::Superseded { .. }) => "superseded",
        _ => "refused",
    }
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Validation => "validation",
        ErrorKind::NotFound => "not_found",
        ErrorKind::Conflict => "conflict",
        ErrorKind::Duplicate => "duplicate",
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::InvalidTransition => "invalid_transition",
        ErrorKind::Config => "config",
        ErrorKind::Store => "store",
        ErrorKind::Corrupt => "corrupt",
        ErrorKind::Notify => "notify",
        ErrorKind::Survey => "survey",
        _ => "internal",
    }
}

fn title(e: &Error) -> &'static str {
    if let Error::Survey(s) = e {
        return match s {
            SurveyError::Token(TokenError::Expired { .. }) => "Survey link expired",
            SurveyError::Token(_) => "Survey link not valid",
            SurveyError::Rating(_) => "Invalid rating",
            _ => "Rating not accepted",
        };
    }
    match e.kind() {
        ErrorKind::Validation => "Invalid input",
        ErrorKind::NotFound => "Not found",
        ErrorKind::Conflict => "Changed concurrently",
        ErrorKind::Duplicate => "Already done",
        ErrorKind::Forbidden => "Not allowed",
        ErrorKind::InvalidTransition => "Status change not allowed",
        ErrorKind::Store | ErrorKind::Notify => "Temporarily unavailable",
        _ => "Server error",
    }
}

/// The typed error's fields as problem extension members.
fn fields(e: &Error, body: &mut Map<String, Value>) {
    let mut put = |k: &str, v: Value| {
        body.insert(k.into(), v);
    };
    match e {
        Error::Validation(v) => put("field", json!(v.field)),
        Error::NotFound { what, id } => {
            put("what", json!(what));
            put("id", json!(id));
        }
        Error::Conflict {
            what,
            id,
            expected,
            actual,
        } => {
            put("what", json!(what));
            put("id", json!(id));
            put("expected", json!(expected));
            put("actual", json!(actual));
        }
        Error::Duplicate { what, key } => {
            put("what", json!(what));
            put("key", json!(key));
        }
        Error::Forbidden {
            actor,
            action,
            ticket,
        } => {
            put("actor", json!(actor));
            put("action", json!(action.to_string()));
            put("ticket", json!(ticket.map(|t| t.to_string())));
        }
        Error::InvalidTransition { from, to, allowed } => {
            put("from", json!(from));
            put("to", json!(to));
            put("allowed", json!(allowed));
        }
        Error::UnknownStatus {
            status,
            statuses,
            allowed,
        } => {
            put("status_asked", json!(status));
            put("statuses", json!(statuses));
            put("allowed", json!(allowed));
        }
        Error::Survey(s) => {
            put("survey", json!(survey_code(s)));
            survey_fields(s, &mut put);
        }
        _ => {}
    }
}

fn survey_fields(e: &SurveyError, put: &mut impl FnMut(&str, Value)) {
    match e {
        SurveyError::Token(TokenError::Expired { expired_at }) => {
            put("expired_at", json!(expired_at));
        }
        SurveyError::Rating(r) => {
            put("field", json!(format!("rating.{}", r.field())));
            if let helpdesk::survey::RatingError::UnknownReason { allowed, .. } = r {
                put("allowed", json!(allowed));
            }
        }
        SurveyError::Refused(RatingRefused::Closed { closed_at }) => {
            put("closed_at", json!(closed_at));
        }
        SurveyError::Refused(RatingRefused::Superseded { cycle, current }) => {
            put("cycle", json!(cycle));
            put("current", json!(current));
        }
        _ => {}
    }
}
