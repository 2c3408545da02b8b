//! Who is asking. A DEMO stand-in for authentication: the persona comes from
//! the `X-Demo-Persona` header or the `demo_persona` cookie, and anyone can
//! claim any persona. In your app this is where your own authentication
//! turns a session or token into an `Actor` (staff) or a `CustomerId`
//! (the portal).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use helpdesk::{Actor, AgentId, CustomerId, GroupId};

use super::problem::ApiError;

/// The header that names the persona.
pub(crate) const HEADER: &str = "x-demo-persona";
/// The cookie that names the persona (set by the persona picker).
pub(crate) const COOKIE: &str = "demo_persona";

/// Ada, the demo customer (the first-line agents' seeded tickets have her
/// and other customers as requesters).
pub(crate) const ADA: &str = "01936f6e-0000-7000-8000-0000000000c1";
/// Ana, first-line agent (service desk and network L1) in `examples/config/desk.toml`.
pub(crate) const ANA: &str = "01936f6e-0000-7000-8000-000000000011";
/// Chen, network engineering (L2).
pub(crate) const CHEN: &str = "01936f6e-0000-7000-8000-000000000013";
/// Lena, the service desk lead, here the supervisor.
pub(crate) const LENA: &str = "01936f6e-0000-7000-8000-000000000001";

/// The four demo personas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Persona {
    /// Ada, a customer: the portal.
    Customer,
    /// Ana, a first-line agent.
    L1,
    /// Chen, a second-line engineer.
    L2,
    /// Lena, who sees every ticket.
    Supervisor,
}

impl Persona {
    pub(crate) const ALL: [Persona; 4] = [
        Persona::Customer,
        Persona::L1,
        Persona::L2,
        Persona::Supervisor,
    ];

    /// The persona's slug in the header and cookie.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Persona::Customer => "customer",
            Persona::L1 => "l1",
            Persona::L2 => "l2",
            Persona::Supervisor => "supervisor",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Persona> {
        Persona::ALL
            .into_iter()
            .find(|p| p.slug().eq_ignore_ascii_case(s.trim()))
    }

    /// Who they are, for the page.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Persona::Customer => "Ada Lovelace, a customer",
            Persona::L1 => "Ana, first-line agent (service desk, network L1)",
            Persona::L2 => "Chen, network engineer (L2)",
            Persona::Supervisor => "Lena, supervisor",
        }
    }

    /// The page they start on.
    pub(crate) fn home(self) -> &'static str {
        match self {
            Persona::Customer => "/portal",
            Persona::L1 | Persona::L2 => "/queue",
            Persona::Supervisor => "/supervisor",
        }
    }

    pub(crate) fn is_staff(self) -> bool {
        self != Persona::Customer
    }

    /// The desk actor. The groups match `examples/config/desk.toml`.
    pub(crate) fn actor(self) -> Actor {
        match self {
            Persona::Customer => Actor::requester(customer()),
            Persona::L1 => Actor::agent(agent(ANA), [group("service-desk"), group("network-l1")]),
            Persona::L2 => Actor::agent(agent(CHEN), [group("network-l2")]),
            Persona::Supervisor => Actor::supervisor(agent(LENA)),
        }
    }
}

/// Ada's customer id.
pub(crate) fn customer() -> CustomerId {
    ADA.parse().expect("a constant UUID")
}

/// An agent id from one of the constants above.
pub(crate) fn agent(id: &str) -> AgentId {
    id.parse().expect("a constant UUID")
}

fn group(id: &str) -> GroupId {
    GroupId::new(id).expect("a constant group slug")
}

/// The persona of a request, if it names one (header first, then cookie).
pub(crate) fn of(parts: &Parts) -> Option<Persona> {
    if let Some(h) = parts.headers.get(HEADER) {
        return h.to_str().ok().and_then(Persona::parse);
    }
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .and_then(|(_, v)| Persona::parse(v))
}

impl<S: Send + Sync> FromRequestParts<S> for Persona {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        of(parts).ok_or_else(ApiError::no_persona)
    }
}

/// Ada's contact details, as the embedding app's user profile would give them.
pub(crate) fn customer_requester() -> helpdesk::Requester {
    helpdesk::Requester::new(customer(), "Ada Lovelace")
        .email("ada@example.com")
        .organization("Analytical Engines Ltd")
}
