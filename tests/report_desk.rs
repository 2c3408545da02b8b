//! Reports through the desk, on every back end: the metric rows the
//! commits write, reports for staff (and agents' groups only), the
//! backfill of rows for tickets stored before the desk kept them, and
//! spikes in generated traffic. `backends!` runs each scenario on the
//! in-memory store, an SQLite file and PostgreSQL (when
//! `HELPDESK_TEST_POSTGRES_URL` is set), so test names read
//! `report_figures::sqlite`.
#![cfg(feature = "sqlite")]

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use helpdesk::prelude::*;
use helpdesk::report::{
    BucketSize, Dimension, Figure, MetricRow, ReportQuery, RowContext, SpikeKey, compute,
};
use helpdesk::sla::SlaConfig;
use helpdesk::ticket::Lifecycle;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, Error, ErrorKind, GroupId, HelpDesk, ManualClock,
    NewTicket, Requester, Ticket,
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
resolution = { target = "16h" }
"#;

/// A back end of every port (as each of the crate's is).
trait Backend: Store + ReportStore + helpdesk::store::KnowledgeStore {}
impl<T: Store + ReportStore + helpdesk::store::KnowledgeStore> Backend for T {}

struct World {
    desk: HelpDesk,
    clock: Arc<ManualClock>,
    store: Arc<dyn Backend>,
}

impl World {
    fn new<S: Backend + 'static>(store: Arc<S>) -> Self {
        let clock = Arc::new(ManualClock::new(MONDAY_9.parse().unwrap()));
        let desk = HelpDesk::builder()
            .backend(store.clone())
            .clock(clock.clone())
            .sla(SlaConfig::from_toml(SLA).unwrap())
            .build()
            .unwrap();
        World { desk, clock, store }
    }

    fn network() -> GroupId {
        GroupId::new("network").unwrap()
    }

    async fn open(&self, subject: &str, group: &str, category: &str) -> Ticket {
        let who = CustomerId::new();
        let mut r = Requester::new(who, "Ada").email("ada@example.com");
        r.organization = Some("Acme".into());
        let new = NewTicket::new(r, Channel::Email, subject, "Details.")
            .group(GroupId::new(group).unwrap())
            .category(category);
        self.desk.portal(who).open(new).await.unwrap();
        let page = self
            .desk
            .store()
            .list(&helpdesk::store::TicketQuery::new(
                helpdesk::store::TicketFilter::default().text(subject),
                10,
            ))
            .await
            .unwrap();
        page.items.into_iter().next().unwrap()
    }

    fn later(&self, d: Duration) {
        self.clock.advance(d);
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn week() -> ReportQuery {
    ReportQuery::new(
        at("2026-03-02T00:00:00Z"),
        at("2026-03-09T00:00:00Z"),
        BucketSize::Week,
    )
}

/// The rows the desk wrote, and the row replayed from each timeline.
async fn rows(w: &World, tickets: &[Ticket]) -> Vec<MetricRow> {
    let sla = SlaConfig::from_toml(SLA).unwrap();
    let lifecycle = Lifecycle::default();
    let mut out = Vec::new();
    for t in tickets {
        let row = w
            .store
            .metric_row(t.id)
            .await
            .unwrap()
            .expect("a row per ticket");
        let events = w.store.timeline(t.id).await.unwrap();
        let ticket = Ticket::replay(&events).unwrap();
        let ctx = RowContext::new(&lifecycle, sla.select(&ticket).calendar, row.as_of);
        assert_eq!(
            row,
            MetricRow::from_timeline(&events, &ctx).unwrap(),
            "the stored row is the replayed one"
        );
        out.push(row);
    }
    out
}

async fn report_figures(w: World) {
    let sam = AgentId::new();
    let agent = Actor::agent(sam, [World::network()]);
    let boss = Actor::supervisor(AgentId::new());

    let vpn = w.open("VPN drops", "network", "network/vpn").await;
    let wifi = w.open("Wifi slow", "network", "network/wifi").await;
    let bill = w.open("Invoice wrong", "billing", "billing").await;

    w.later(Duration::minutes(30));
    w.desk
        .reply(&agent, vpn.id, "Restart the client.")
        .await
        .unwrap();
    w.later(Duration::minutes(30));
    w.desk
        .transition(&agent, vpn.id, "resolved", None)
        .await
        .unwrap();
    w.desk.reply(&agent, wifi.id, "Looking.").await.unwrap();
    w.later(Duration::hours(3));
    w.desk
        .reply(&agent, wifi.id, "Still looking.")
        .await
        .unwrap();
    w.desk
        .transition(&agent, wifi.id, "resolved", None)
        .await
        .unwrap();
    w.later(Duration::hours(1));
    w.desk
        .transition(&agent, wifi.id, "open", None)
        .await
        .unwrap();
    w.later(Duration::hours(1));
    w.desk
        .transition(&agent, wifi.id, "resolved", None)
        .await
        .unwrap();

    let rows = rows(&w, &[vpn.clone(), wifi.clone(), bill.clone()]).await;
    let q = week().group_by(Dimension::Group);
    let report = w.desk.report(&boss, &q).await.unwrap();
    assert_eq!(report, compute(&rows, &q).unwrap());
    assert_eq!(
        report.groups,
        vec![
            vec![Some("billing".to_owned())],
            vec![Some("network".to_owned())]
        ]
    );
    let network = report.cell(0, 1).unwrap();
    assert_eq!(
        (network.created, network.resolved, network.backlog),
        (2, 2, 0)
    );
    // First replies after 30 min and 1 h: median 45 min, in calendar and business time.
    assert_eq!(network.first_reply.calendar.median, Some(2700.0));
    assert_eq!(network.first_reply.business.median, Some(2700.0));
    assert_eq!((network.one_touch.count, network.one_touch.of), (1, 2));
    assert_eq!(Figure::ReopenRate.value(network), Some(0.5));
    let billing = report.cell(0, 0).unwrap();
    assert_eq!(
        (billing.created, billing.resolved, billing.backlog),
        (1, 0, 1)
    );

    // An agent's report covers their groups only; another group is refused.
    let mine = w.desk.report(&agent, &week()).await.unwrap();
    assert_eq!(mine.cell(0, 0).unwrap().created, 2);
    let err = w
        .desk
        .report(&agent, &week().filter(Dimension::Group, [Some("billing")]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    let err = w
        .desk
        .report(&Actor::requester(CustomerId::new()), &week())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let err = w
        .desk
        .report(
            &boss,
            &ReportQuery::new(
                at("2026-03-09T00:00:00Z"),
                at("2026-03-02T00:00:00Z"),
                BucketSize::Day,
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

async fn backfill(w: World) {
    // Tickets written by a desk that kept no rows (as before the migration).
    let old = HelpDesk::builder()
        .store(w.store.clone() as Arc<dyn Store>)
        .clock(w.clock.clone())
        .sla(SlaConfig::from_toml(SLA).unwrap())
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        let who = CustomerId::new();
        let t = old
            .portal(who)
            .open(NewTicket::new(
                Requester::new(who, "Ada"),
                Channel::Portal,
                format!("Old {i}"),
                "x",
            ))
            .await
            .unwrap();
        ids.push(t.id);
    }
    assert_eq!(w.store.metric_row(ids[0]).await.unwrap(), None);
    let boss = Actor::supervisor(AgentId::new());
    let created = |r: &helpdesk::report::Report| r.cell(0, 0).map_or(0, |f| f.created);
    assert_eq!(created(&w.desk.report(&boss, &week()).await.unwrap()), 0);

    let admin = Actor::admin(AgentId::new());
    let err = w.desk.backfill_metrics(&boss, None, 2).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let first = w.desk.backfill_metrics(&admin, None, 2).await.unwrap();
    assert_eq!((first.scanned, first.written), (2, 2));
    assert!(first.next.is_some());
    let second = w
        .desk
        .backfill_metrics(&admin, first.next, 2)
        .await
        .unwrap();
    assert_eq!((second.scanned, second.written, second.next), (1, 1, None));
    assert_eq!(created(&w.desk.report(&boss, &week()).await.unwrap()), 3);

    // A command on a backfilled ticket continues its row, which stays
    // the replayed one.
    w.later(Duration::hours(1));
    w.desk.reply(&boss, ids[0], "Hello").await.unwrap();
    let t = w.store.load(ids[0]).await.unwrap().unwrap();
    let row = rows(&w, &[t]).await.remove(0);
    assert_eq!(row.first_reply_at, Some(w.clock.now()));
}

async fn spikes(w: World) {
    let boss = Actor::supervisor(AgentId::new());
    let monday = at("2026-03-30T10:00:00Z");
    // Two VPN tickets in the 10:00 hour on each of the four Mondays before...
    for week in (1..=4).rev() {
        for i in 0..2 {
            w.clock
                .set(monday - Duration::weeks(week) - Duration::minutes(20 + i));
            w.open(&format!("VPN {week}-{i}"), "network", "network/vpn")
                .await;
            w.open(&format!("Mail {week}-{i}"), "network", "mail").await;
        }
    }
    // ...and twelve in this one: an outage. Mail stays as usual.
    let mut outage = Vec::new();
    for i in 0..12 {
        w.clock.set(monday - Duration::minutes(55 - 4 * i));
        outage.push(
            w.open(&format!("VPN down {i}"), "network", "network/vpn")
                .await
                .id,
        );
    }
    for i in 0..2 {
        w.clock.set(monday - Duration::minutes(30 + i));
        w.open(&format!("Mail now {i}"), "network", "mail").await;
    }
    let found = w.desk.spikes(&boss, monday).await.unwrap();
    let keys: Vec<&SpikeKey> = found.iter().map(|s| &s.key).collect();
    // The organization (every ticket is Acme's) spikes too: 14 against 4.
    assert_eq!(
        keys,
        [
            &SpikeKey::Category("network/vpn".into()),
            &SpikeKey::Organization("Acme".into())
        ]
    );
    assert_eq!(found[0].count, 12);
    assert_eq!(found[0].baseline, vec![2, 2, 2, 2]);
    assert_eq!(found[0].tickets, outage);
    let err = w
        .desk
        .spikes(&Actor::agent(AgentId::new(), [World::network()]), monday)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
}

backends!(report_figures, backfill, spikes);

/// `[reports]` and `[spikes]` load with the desk's configuration; errors
/// name the path.
#[test]
fn reports_and_spikes_config() {
    let config = helpdesk::DeskConfig::from_toml(
        "[reports]\nawaiting_requester = [\"pending\", \"on_hold\"]\n[spikes]\nwindow = \"30m\"\nmin_count = 5\n",
    )
    .unwrap();
    assert_eq!(config.reports.unwrap().awaiting_requester.len(), 2);
    assert_eq!(config.spikes.unwrap().min_count, 5);
    let err = helpdesk::DeskConfig::from_toml("[reports]\nawaiting_requester = [\"waiting\"]\n")
        .unwrap_err();
    assert!(
        err.to_string().contains("reports.awaiting_requester[0]"),
        "{err}"
    );
    let err = helpdesk::DeskConfig::from_toml("[spikes]\nmin_count = 0\n").unwrap_err();
    assert!(err.to_string().contains("spikes.min_count"), "{err}");
}
