//! Satisfaction surveys through the desk, on every back end: the invitation
//! `run_due` sends after the delay (in business time), the tickets it skips
//! and why, the throttle, ratings through the link's token and the portal,
//! the refusals, a new cycle after a reopen, and CSAT in the report.
//! `backends!` runs each scenario on the in-memory store, an SQLite file
//! and PostgreSQL (when `HELPDESK_TEST_POSTGRES_URL` is set).
#![cfg(feature = "sqlite")]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use helpdesk::notify::NotificationKind;
use helpdesk::prelude::*;
use helpdesk::report::{BucketSize, ReportQuery};
use helpdesk::sla::SlaConfig;
use helpdesk::survey::{
    Exclusion, Rating, RatingRefused, Score, SurveyError, SurveyKey, TokenError,
};
use helpdesk::ticket::EventKind;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, Error, GroupId, HelpDesk, ManualClock, NewTicket,
    RecordingNotifier, Requester, Ticket, TicketId,
};

#[path = "support/backends.rs"]
#[macro_use]
mod backends;

/// Monday 2026-03-02 09:00 UTC.
const MONDAY_9: &str = "2026-03-02T09:00:00Z";

const SLA: &str = r#"
default = "standard"
[calendars.office]
time_zone = "UTC"
week = { mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }
[[policies]]
name = "standard"
calendar = "office"
first_response = { target = "2h" }
"#;

/// Eight business hours after the resolution; a page of the application's.
const SURVEYS: &str = r#"
[surveys]
delay = "8h"
delay_time = "business"
throttle_days = 30
link_url = "https://help.example.com/survey"
exclude = { tags = ["no_survey"], channels = ["phone"] }
"#;

trait Backend: Store + ReportStore + helpdesk::store::KnowledgeStore {}
impl<T: Store + ReportStore + helpdesk::store::KnowledgeStore> Backend for T {}

struct World {
    desk: HelpDesk,
    clock: Arc<ManualClock>,
    sent: Arc<RecordingNotifier>,
    agent: Actor,
}

impl World {
    fn new<S: Backend + 'static>(store: Arc<S>) -> Self {
        let clock = Arc::new(ManualClock::new(at(MONDAY_9)));
        let sent = Arc::new(RecordingNotifier::new());
        let config = helpdesk::DeskConfig::from_toml(SURVEYS).unwrap();
        let desk = HelpDesk::builder()
            .config(config)
            .survey_key(SurveyKey::new(*b"an application secret of 32 byte").unwrap())
            .backend(store)
            .clock(clock.clone())
            .notifier(sent.clone())
            .sla(SlaConfig::from_toml(SLA).unwrap())
            .build()
            .unwrap();
        World {
            desk,
            clock,
            sent,
            agent: Actor::agent(AgentId::new(), [network()]),
        }
    }

    /// A ticket of a new requester's, through `channel`, with `tags`.
    async fn open(&self, channel: Channel, tags: &[&str]) -> (CustomerId, Ticket) {
        self.open_for(CustomerId::new(), channel, tags).await
    }

    async fn open_for(
        &self,
        who: CustomerId,
        channel: Channel,
        tags: &[&str],
    ) -> (CustomerId, Ticket) {
        let r = Requester::new(who, "Ada").email("ada@example.com");
        let mut new = NewTicket::new(r, channel, "VPN drops", "Details.").group(network());
        for t in tags {
            new = new.tag(*t);
        }
        (who, self.desk.open(&self.agent, new).await.unwrap())
    }

    async fn status(&self, id: TicketId, to: &str) {
        self.desk
            .transition(&self.agent, id, to, None)
            .await
            .unwrap();
    }

    /// Runs the due work at the clock's instant.
    async fn run(&self) {
        let report = self.desk.run_due(self.clock.now(), 100).await.unwrap();
        assert!(report.failed.is_empty(), "{:?}", report.failed);
    }

    fn set(&self, t: &str) {
        self.clock.set(at(t));
    }

    async fn survey_events(&self, id: TicketId) -> Vec<EventKind> {
        self.desk
            .store()
            .timeline(id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .filter(|k| {
                matches!(
                    k,
                    EventKind::SurveySent(_)
                        | EventKind::SurveySkipped(_)
                        | EventKind::SatisfactionRated(_)
                )
            })
            .collect()
    }

    /// The survey links sent about `id`, oldest first.
    fn links(&self, id: TicketId) -> Vec<helpdesk::notify::SurveyLink> {
        self.sent
            .delivered()
            .into_iter()
            .filter(|d| {
                d.notification.ticket_id == id
                    && d.notification.kind == NotificationKind::SurveyInvitation
            })
            .map(|d| d.notification.facts.survey.clone().expect("a link"))
            .collect()
    }
}

fn network() -> GroupId {
    GroupId::new("network").unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Resolved Monday 16:00: 1 business hour that day and 7 on Tuesday, so
/// the invitation is due Tuesday 16:00, not Tuesday 00:00. It goes out
/// once, with a link the requester rates through, and can change.
async fn invitation_after_business_delay(w: World) {
    let (_, t) = w.open(Channel::Email, &[]).await;
    w.set("2026-03-02T16:00:00Z");
    w.status(t.id, "resolved").await;
    w.set("2026-03-03T15:59:00Z");
    w.run().await;
    assert!(w.survey_events(t.id).await.is_empty(), "not yet due");
    w.set("2026-03-03T16:00:00Z");
    w.run().await;
    w.run().await;
    let events = w.survey_events(t.id).await;
    assert!(
        matches!(events.as_slice(), [EventKind::SurveySent(i)] if i.cycle == 1),
        "{events:?}"
    );
    let links = w.links(t.id);
    assert_eq!(links.len(), 1, "one invitation");
    let link = &links[0];
    assert_eq!(
        link.url.as_deref(),
        Some(format!("https://help.example.com/survey?token={}", link.token).as_str())
    );
    assert_eq!(link.expires_at, at("2026-03-31T16:00:00Z"));
    let message = w
        .sent
        .delivered()
        .into_iter()
        .find(|d| d.notification.kind == NotificationKind::SurveyInvitation)
        .unwrap()
        .message;
    assert!(message.text.contains(link.url.as_deref().unwrap()));

    // Rated through the link, then changed: the latest answer counts.
    w.set("2026-03-03T16:10:00Z");
    w.desk
        .rate(&link.token, Rating::new(Score::Bad).reason("too_slow"))
        .await
        .unwrap();
    w.set("2026-03-03T16:30:00Z");
    w.desk
        .rate(&link.token, Rating::new(Score::Good))
        .await
        .unwrap();
    let events = w.survey_events(t.id).await;
    let [
        _,
        EventKind::SatisfactionRated(first),
        EventKind::SatisfactionRated(second),
    ] = events.as_slice()
    else {
        panic!("{events:?}")
    };
    assert_eq!(first.rating.score, Score::Bad);
    assert_eq!(second.rating.score, Score::Good);
    assert_eq!(second.group, Some(network()), "the group at rating time");

    // CSAT: the ticket's latest rating, good.
    let query = ReportQuery::new(
        at("2026-03-02T00:00:00Z"),
        at("2026-03-09T00:00:00Z"),
        BucketSize::Week,
    );
    let report = w
        .desk
        .report(&Actor::supervisor(AgentId::new()), &query)
        .await
        .unwrap();
    let figures = report.cell(0, 0).unwrap();
    assert_eq!((figures.csat.count, figures.csat.of), (1, 1));
    assert_eq!(
        (figures.survey_response.count, figures.survey_response.of),
        (1, 1)
    );
}

/// A ticket closed, or reopened, before the due gets no invitation; the
/// reopened one is asked once resolved again; after another reopen its
/// link is superseded, and the third cycle is handled too (skipped: the
/// requester was asked two days before, within the throttle).
async fn closed_or_reopened_before_due(w: World) {
    let (_, closed) = w.open(Channel::Email, &[]).await;
    let (_, reopened) = w.open(Channel::Email, &[]).await;
    w.status(closed.id, "resolved").await;
    w.status(reopened.id, "resolved").await;
    w.set("2026-03-02T12:00:00Z");
    w.status(closed.id, "closed").await;
    w.status(reopened.id, "open").await;
    w.set("2026-03-04T09:00:00Z");
    w.run().await;
    assert!(w.survey_events(closed.id).await.is_empty());
    assert!(w.survey_events(reopened.id).await.is_empty());

    // Resolved again Wednesday 9:00: due 8 business hours later, 17:00.
    w.status(reopened.id, "resolved").await;
    w.set("2026-03-04T17:00:00Z");
    w.run().await;
    let events = w.survey_events(reopened.id).await;
    assert!(
        matches!(events.as_slice(), [EventKind::SurveySent(i)] if i.cycle == 2),
        "{events:?}"
    );
    let token = w.links(reopened.id)[0].token.clone();
    w.desk.rate(&token, Rating::new(Score::Good)).await.unwrap();

    // Reopened and resolved once more: the cycle-2 link is superseded.
    w.status(reopened.id, "open").await;
    w.status(reopened.id, "resolved").await;
    let err = w
        .desk
        .rate(&token, Rating::new(Score::Bad))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Survey(SurveyError::Refused(RatingRefused::Superseded {
                cycle: 2,
                current: 3
            }))
        ),
        "{err}"
    );
    w.set("2026-03-06T17:00:00Z");
    w.run().await;
    let events = w.survey_events(reopened.id).await;
    assert!(
        matches!(events.last(), Some(EventKind::SurveySkipped(s))
            if s.cycle == 3 && matches!(s.exclusion, Exclusion::Throttled { .. })),
        "{events:?}"
    );
    assert_eq!(w.links(reopened.id).len(), 1);
}

/// An excluded tag or channel, and a requester surveyed within the
/// throttle, are skipped with the reason on the timeline.
async fn exclusions_and_throttle(w: World) {
    let (_, tagged) = w.open(Channel::Email, &["no_survey"]).await;
    let (_, phoned) = w.open(Channel::Phone, &[]).await;
    let (ada, first) = w.open(Channel::Email, &[]).await;
    for t in [&tagged, &phoned, &first] {
        w.status(t.id, "resolved").await;
    }
    w.set("2026-03-03T09:00:00Z");
    w.run().await;
    let skipped = |events: Vec<EventKind>| match events.as_slice() {
        [EventKind::SurveySkipped(s)] => s.exclusion.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        skipped(w.survey_events(tagged.id).await),
        Exclusion::Tag {
            tag: "no_survey".into()
        }
    );
    assert_eq!(
        skipped(w.survey_events(phoned.id).await),
        Exclusion::Channel {
            channel: Channel::Phone
        }
    );
    assert!(w.links(tagged.id).is_empty() && w.links(phoned.id).is_empty());
    assert_eq!(w.links(first.id).len(), 1);

    // Ada's second ticket, ten days on: throttled (30 days).
    let (_, second) = w.open_for(ada, Channel::Email, &[]).await;
    w.set("2026-03-13T09:00:00Z");
    w.status(second.id, "resolved").await;
    w.set("2026-03-16T09:00:00Z");
    w.run().await;
    assert!(
        matches!(
            skipped(w.survey_events(second.id).await),
            Exclusion::Throttled { until, .. } if until == at("2026-04-02T09:00:00Z")
        ),
        "throttled until 30 days after the first invitation"
    );
    assert!(w.links(second.id).is_empty());
}

/// A requester who opted out (through the portal, or an admin for them)
/// gets no invitation: `run_due` records `SurveySkipped` with
/// `OptedOut`. Opting back in brings the next one. Only the requester
/// and admins may change it.
async fn opt_out_is_honored(w: World) {
    let (ada, first) = w.open(Channel::Email, &[]).await;
    let (bob, bobs) = w.open(Channel::Email, &[]).await;
    let admin = Actor::admin(AgentId::new());
    w.set("2026-03-02T10:00:00Z");
    w.desk.portal(ada).opt_out_of_surveys().await.unwrap();
    assert_eq!(
        w.desk.portal(ada).survey_opt_out().await.unwrap(),
        Some(at("2026-03-02T10:00:00Z"))
    );
    // Nobody else may, but an admin.
    for who in [
        w.agent.clone(),
        Actor::supervisor(AgentId::new()),
        Actor::requester(ada),
    ] {
        let err = w
            .desk
            .set_survey_opt_out(&who, bob, true)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden { .. }), "{who:?}: {err}");
        assert!(w.desk.survey_opt_out(&who, bob).await.is_err());
    }
    w.desk.set_survey_opt_out(&admin, bob, true).await.unwrap();
    assert!(w.desk.survey_opt_out(&admin, bob).await.unwrap().is_some());

    w.status(first.id, "resolved").await;
    w.status(bobs.id, "resolved").await;
    w.set("2026-03-03T11:00:00Z");
    w.run().await;
    for t in [&first, &bobs] {
        let events = w.survey_events(t.id).await;
        assert!(
            matches!(events.as_slice(), [EventKind::SurveySkipped(s)] if s.exclusion == Exclusion::OptedOut),
            "{events:?}"
        );
        assert!(w.links(t.id).is_empty());
    }

    // Back in: Ada's next resolution is surveyed (a skip is no throttle).
    w.desk.portal(ada).opt_in_to_surveys().await.unwrap();
    assert_eq!(w.desk.portal(ada).survey_opt_out().await.unwrap(), None);
    let (_, second) = w.open_for(ada, Channel::Email, &[]).await;
    w.status(second.id, "resolved").await;
    w.set("2026-03-04T12:00:00Z");
    w.run().await;
    assert!(
        matches!(
            w.survey_events(second.id).await.as_slice(),
            [EventKind::SurveySent(_)]
        ),
        "surveyed again"
    );
    assert_eq!(w.links(second.id).len(), 1);
}

/// The portal rates the requester's own ticket (latest cycle, until it
/// closes); forged and expired tokens, other people's tickets, and ratings
/// after the close are refused with typed errors.
async fn rating_rules(w: World) {
    let (ada, t) = w.open(Channel::Email, &[]).await;
    let portal = w.desk.portal(ada);
    let err = portal
        .rate(t.id, Rating::new(Score::Good))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Survey(SurveyError::Refused(RatingRefused::NotResolved { .. }))
        ),
        "{err}"
    );
    w.status(t.id, "resolved").await;
    portal
        .rate(t.id, Rating::new(Score::Bad).comment("Slow."))
        .await
        .unwrap();
    let err = w
        .desk
        .portal(CustomerId::new())
        .rate(t.id, Rating::new(Score::Good))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), helpdesk::ErrorKind::NotFound, "{err}");
    let err = portal
        .rate(t.id, Rating::new(Score::Stars(5)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Survey(SurveyError::Rating(_))),
        "{err}"
    );

    w.set("2026-03-03T09:00:00Z");
    w.run().await;
    let token = w.links(t.id)[0].token.clone();
    // One character changed in the tag: forged.
    let mut forged = token.clone().into_bytes();
    let i = forged.len() - 10;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let err = w
        .desk
        .rate(
            std::str::from_utf8(&forged).unwrap(),
            Rating::new(Score::Good),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Survey(SurveyError::Token(TokenError::Forged))),
        "{err}"
    );
    w.desk.rate(&token, Rating::new(Score::Good)).await.unwrap();

    // Closed: the rating is final, by link or portal.
    w.status(t.id, "closed").await;
    for err in [
        w.desk
            .rate(&token, Rating::new(Score::Bad))
            .await
            .unwrap_err(),
        portal
            .rate(t.id, Rating::new(Score::Bad))
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(
                err,
                Error::Survey(SurveyError::Refused(RatingRefused::Closed { .. }))
            ),
            "{err}"
        );
    }

    // Past the 28-day answer window the link is expired.
    w.set("2026-04-01T09:00:00Z");
    let err = w
        .desk
        .rate(&token, Rating::new(Score::Good))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Survey(SurveyError::Token(TokenError::Expired { .. }))
        ),
        "{err}"
    );
    let ratings = w
        .survey_events(t.id)
        .await
        .into_iter()
        .filter(|k| matches!(k, EventKind::SatisfactionRated(_)))
        .count();
    assert_eq!(ratings, 2, "the portal's and the link's");
}

backends!(
    invitation_after_business_delay,
    closed_or_reopened_before_due,
    exclusions_and_throttle,
    rating_rules,
    opt_out_is_honored,
);

/// A survey policy without the application's key fails the build, naming
/// what to do; invalid values name their path.
#[test]
fn survey_config() {
    let config = helpdesk::DeskConfig::from_toml(SURVEYS).unwrap();
    let err = HelpDesk::builder().config(config).build().unwrap_err();
    assert!(
        err.to_string().contains("HelpDeskBuilder::survey_key"),
        "{err}"
    );
    let err = helpdesk::DeskConfig::from_toml("[surveys]\nlink_url = \"ftp://x\"\n").unwrap_err();
    assert!(err.to_string().contains("surveys.link_url"), "{err}");
    let err = helpdesk::DeskConfig::from_toml("[surveys]\nanswer_window_days = 0\n").unwrap_err();
    assert!(
        err.to_string().contains("surveys.answer_window_days"),
        "{err}"
    );
}
