//! Reports through the public API: metric rows from generated ticket
//! histories, the in-memory fold's invariants, the SVG chart, and spike
//! detection on generated traffic.

use chrono::{DateTime, Duration, Utc};
use helpdesk::report::{
    Arrival, BucketSize, Chart, Dimension, Figure, MetricRow, Report, ReportQuery, RowContext,
    SpikeKey, SpikeRule, Stat, compute, spikes,
};
use helpdesk::survey::TimeBasis;
use helpdesk::ticket::{Channel, EventActor, EventKind, Lifecycle, TicketEvent};
use helpdesk::{AgentId, BusinessCalendar, Priority, TicketId};
use proptest::prelude::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A small deterministic generator (SplitMix64), so generated traffic is
/// the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A ticket's timeline, built step by step.
struct History {
    events: Vec<TicketEvent>,
    status: String,
    agent: AgentId,
}

impl History {
    fn open(
        opened: DateTime<Utc>,
        channel: Channel,
        category: Option<&str>,
        priority: Priority,
    ) -> Self {
        let mut e = helpdesk::doc_support::created_event(opened);
        if let EventKind::Created(c) = &mut e.kind {
            c.channel = channel;
            c.category = category.map(str::to_owned);
            c.priority = priority;
        }
        History {
            events: vec![e],
            status: "new".into(),
            agent: AgentId::new(),
        }
    }

    fn push(&mut self, kind: EventKind, when: DateTime<Utc>) {
        let first = &self.events[0];
        let e = TicketEvent::new(
            first.ticket_id,
            self.events.len() as u64 + 1,
            when,
            EventActor::Agent(self.agent),
            kind,
        );
        self.events.push(e);
    }

    fn reply(&mut self, when: DateTime<Utc>) {
        self.push(
            EventKind::Reply {
                body: "Try this.".into(),
            },
            when,
        );
    }

    fn status(&mut self, to: &str, when: DateTime<Utc>) {
        let from = std::mem::replace(&mut self.status, to.to_owned());
        self.push(
            EventKind::StatusChanged {
                from: from.as_str().into(),
                to: to.into(),
                reason: None,
            },
            when,
        );
    }

    fn row(&self, calendar: &BusinessCalendar, as_of: DateTime<Utc>) -> MetricRow {
        let lifecycle = Lifecycle::default();
        MetricRow::from_timeline(&self.events, &RowContext::new(&lifecycle, calendar, as_of))
            .unwrap()
    }
}

fn office() -> BusinessCalendar {
    BusinessCalendar::from_toml(
        "time_zone = \"Europe/Paris\"\n[week]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\nwed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\n",
    )
    .unwrap()
}

/// Four weeks of email, chat and phone tickets, most replied to and resolved.
fn month_of_tickets() -> Vec<MetricRow> {
    let cal = office();
    let mut rng = Rng(7);
    let start = at("2026-03-02T07:00:00Z");
    let as_of = at("2026-04-01T00:00:00Z");
    let mut rows = Vec::new();
    for i in 0..240 {
        let opened = start + Duration::minutes((i * 167 + rng.below(60) as i64) % (27 * 24 * 60));
        let channel = [Channel::Email, Channel::Chat, Channel::Phone][i as usize % 3].clone();
        let mut h = History::open(opened, channel, Some("general"), Priority::Medium);
        let reply = opened + Duration::minutes(10 + rng.below(600) as i64);
        h.reply(reply);
        if rng.below(4) > 0 {
            h.status(
                "resolved",
                reply + Duration::minutes(30 + rng.below(3000) as i64),
            );
        }
        rows.push(h.row(&cal, as_of));
    }
    rows
}

fn weekly_by_channel(rows: &[MetricRow]) -> Report {
    let q = ReportQuery::new(
        at("2026-03-01T23:00:00Z"),
        at("2026-03-29T22:00:00Z"),
        BucketSize::Week,
    )
    .time_zone(chrono_tz::Europe::Paris)
    .group_by(Dimension::Channel);
    compute(rows, &q).unwrap()
}

#[test]
fn the_svg_chart_is_well_formed_and_holds_every_data_point() {
    let report = weekly_by_channel(&month_of_tickets());
    assert_eq!(report.buckets.len(), 4);
    assert_eq!(report.groups.len(), 3);
    for (figure, svg) in [
        (
            Figure::Created,
            Chart::bars(&report, Figure::Created).to_svg(),
        ),
        (
            Figure::FirstReply(Stat::Median, TimeBasis::Calendar),
            Chart::line(
                &report,
                Figure::FirstReply(Stat::Median, TimeBasis::Calendar),
            )
            .target(4.0 * 3600.0)
            .title("First reply median against the 4 h target")
            .to_svg(),
        ),
    ] {
        // To look at the charts: HELPDESK_CHART_DIR=/tmp cargo test --test report_api
        if let Ok(dir) = std::env::var("HELPDESK_CHART_DIR") {
            std::fs::write(format!("{dir}/{figure}.svg"), &svg).unwrap();
        }
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::to_owned))
            .collect();
        for g in 0..report.groups.len() {
            let label = report.group_label(g);
            assert!(texts.contains(&label), "legend lacks {label}: {texts:?}");
            let series = doc
                .descendants()
                .find(|n| {
                    n.attribute("class") == Some("series")
                        && n.attribute("data-group") == Some(label.as_str())
                })
                .expect("a group per series");
            let shown: Vec<(String, f64)> = series
                .descendants()
                .filter(|n| n.attribute("class") == Some("point"))
                .map(|n| {
                    (
                        n.attribute("data-bucket").unwrap().to_owned(),
                        n.attribute("data-value").unwrap().parse().unwrap(),
                    )
                })
                .collect();
            let expected: Vec<(String, f64)> = report
                .series(g, figure)
                .into_iter()
                .zip(&report.buckets)
                .filter_map(|(v, b)| v.map(|v| (b.label.clone(), v)))
                .collect();
            assert_eq!(shown, expected, "{figure} of {label}");
        }
        for label in ["2026-W10", "2026-W13", "week (Europe/Paris)"] {
            assert!(texts.iter().any(|t| t == label), "axis lacks {label}");
        }
        assert!(
            texts.iter().any(|t| t.starts_with(&figure.label())),
            "y axis title"
        );
        if figure != Figure::Created {
            let target = doc
                .descendants()
                .find(|n| n.attribute("class") == Some("target"))
                .unwrap();
            assert_eq!(target.attribute("data-value"), Some("14400"));
            assert!(texts.iter().any(|t| t == "target 4 h"), "{texts:?}");
        }
    }
}

#[test]
fn exports_cover_every_bucket_and_group() {
    let rows = month_of_tickets();
    let report = weekly_by_channel(&rows);
    let csv = report.to_csv();
    assert_eq!(csv.lines().count(), 1 + 4 * 3);
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["rows"].as_array().unwrap().len(), 12);
    let created: u64 = report.rows.iter().map(|r| r.figures.created).sum();
    let q = &report.query;
    let in_period = rows
        .iter()
        .filter(|r| r.created_at >= q.from && r.created_at < q.to)
        .count();
    assert_eq!(created as usize, in_period);
}

// ---------------------------------------------------------------- spikes

const CATEGORIES: [&str; 3] = ["network/vpn", "email", "printing"];
const ORGS: [&str; 2] = ["Acme", "Globex"];

/// Five weeks of steady traffic: per category a few tickets an hour in the
/// working day (07:00-19:00 UTC, weekdays), one now and then at night, and
/// a Monday-morning rush three times as busy, each count jittered by one.
fn steady_traffic(start: DateTime<Utc>, weeks: i64, rng: &mut Rng) -> Vec<Arrival<SpikeKey>> {
    let mut out = Vec::new();
    for hour in 0..weeks * 7 * 24 {
        let t0 = start + Duration::hours(hour);
        let weekday = hour / 24 % 7; // start is a Monday
        let h = hour % 24;
        for (c, category) in CATEGORIES.iter().enumerate() {
            let base = match (weekday, h) {
                (0, 8..=11) => 9,
                (0..=4, 7..=18) => 3,
                _ => u64::from(rng.below(6) == 0),
            } + c as u64 % 2;
            let n = base + rng.below(2);
            for _ in 0..n {
                let ticket = TicketId::new();
                let at = t0 + Duration::seconds(rng.below(3600) as i64);
                out.push(Arrival {
                    key: SpikeKey::Category((*category).into()),
                    at,
                    ticket,
                });
                let org = ORGS[rng.below(2) as usize];
                out.push(Arrival {
                    key: SpikeKey::Organization(org.into()),
                    at,
                    ticket,
                });
            }
        }
    }
    out
}

/// The arrivals with borrowed keys: no copies of their text per call.
fn borrowed(traffic: &[Arrival<SpikeKey>]) -> impl Iterator<Item = Arrival<&SpikeKey>> {
    traffic.iter().map(|a| Arrival {
        key: &a.key,
        at: a.at,
        ticket: a.ticket,
    })
}

#[test]
fn steady_traffic_and_busy_monday_mornings_raise_no_alarm() {
    let start = at("2026-02-02T00:00:00Z"); // a Monday
    for seed in [42, 7, 2026] {
        let traffic = steady_traffic(start, 5, &mut Rng(seed));
        let rule = SpikeRule::default();
        let last_week = start + Duration::weeks(4);
        let mut monday_rush = 0;
        for step in 0..7 * 24 * 2 {
            let now = last_week + Duration::minutes(30 * step + 30);
            let found = spikes(borrowed(&traffic), &rule, now);
            assert!(found.is_empty(), "false alarm at {now}: {found:?}");
            if now == at("2026-03-02T11:00:00Z") {
                let count = traffic
                    .iter()
                    .filter(|a| a.at > now - Duration::hours(1) && a.at <= now)
                    .filter(|a| a.key == SpikeKey::Category("network/vpn".into()))
                    .count();
                monday_rush = count;
            }
        }
        // The Monday rush is three times an ordinary hour, and still no spike:
        // it is compared with the last four Monday mornings.
        assert!(
            monday_rush >= 9,
            "the generated Monday rush ({monday_rush}) is busy"
        );
    }
}

#[test]
fn an_outage_burst_is_found_in_its_category_with_its_tickets() {
    let start = at("2026-02-02T00:00:00Z");
    let mut rng = Rng(42);
    let mut traffic = steady_traffic(start, 5, &mut rng);
    // Wednesday of the last week, 14:00-14:40: the VPN goes down.
    let outage = at("2026-03-04T14:00:00Z");
    let burst: Vec<TicketId> = (0..25).map(|_| TicketId::new()).collect();
    for (i, ticket) in burst.iter().enumerate() {
        traffic.push(Arrival {
            key: SpikeKey::Category("network/vpn".into()),
            at: outage + Duration::seconds(96 * i as i64),
            ticket: *ticket,
        });
    }
    let rule = SpikeRule::default();
    assert!(
        spikes(traffic.iter().cloned(), &rule, outage).is_empty(),
        "quiet before the outage"
    );

    let now = outage + Duration::minutes(45);
    let found = spikes(traffic.iter().cloned(), &rule, now);
    let keys: Vec<&SpikeKey> = found.iter().map(|s| &s.key).collect();
    assert_eq!(keys, [&SpikeKey::Category("network/vpn".into())]);
    let spike = &found[0];
    assert!(f64::from(spike.count) > spike.threshold);
    assert_eq!(spike.baseline.len(), 4);
    for t in &burst {
        assert!(spike.tickets.contains(t), "the burst's tickets are listed");
    }
    let in_window = traffic
        .iter()
        .filter(|a| a.key == spike.key && a.at > now - Duration::hours(1) && a.at <= now)
        .count();
    assert_eq!(spike.tickets.len(), in_window);
    assert_eq!(spike.count as usize, in_window);
}

#[test]
fn rows_give_arrivals_by_category_and_organization() {
    let mut h = History::open(
        at("2026-03-02T09:00:00Z"),
        Channel::Email,
        Some("network/vpn"),
        Priority::High,
    );
    h.reply(at("2026-03-02T09:10:00Z"));
    let row = h.row(&office(), at("2026-03-02T10:00:00Z"));
    let arrivals = helpdesk::report::arrivals(&[row]);
    assert_eq!(
        arrivals.len(),
        1,
        "the doc ticket's requester has no organization"
    );
    assert_eq!(arrivals[0].key, SpikeKey::Category("network/vpn".into()));
}

// ---------------------------------------------------------------- the fold's invariants

/// One step of a generated history.
#[derive(Debug, Clone)]
enum Step {
    Reply,
    Message,
    Move(usize),
}

fn step() -> impl Strategy<Value = (u16, Step)> {
    (
        1u16..2000,
        prop_oneof![
            Just(Step::Reply),
            Just(Step::Message),
            (0usize..6).prop_map(Step::Move)
        ],
    )
}

fn ticket() -> impl Strategy<Value = (u32, usize, usize, Vec<(u16, Step)>)> {
    (
        0u32..(21 * 24 * 60),
        0usize..3,
        0usize..4,
        prop::collection::vec(step(), 0..12),
    )
}

fn build(spec: &(u32, usize, usize, Vec<(u16, Step)>), cal: &BusinessCalendar) -> MetricRow {
    let (offset, channel, category, steps) = spec;
    let lc = Lifecycle::default();
    let opened = at("2026-03-01T00:00:00Z") + Duration::minutes(i64::from(*offset));
    let channel = [Channel::Email, Channel::Chat, Channel::Phone][*channel].clone();
    let category = [Some("vpn"), Some("mail"), Some("print"), None][*category];
    let mut h = History::open(opened, channel, category, Priority::Low);
    let mut t = opened;
    for (minutes, s) in steps {
        t += Duration::minutes(i64::from(*minutes));
        match s {
            Step::Reply => h.reply(t),
            Step::Message => h.push(
                EventKind::CustomerMessage {
                    body: "?".into(),
                    channel: Channel::Email,
                },
                t,
            ),
            Step::Move(i) => {
                let allowed = lc.allowed(&h.status.as_str().into()).to_vec();
                if !allowed.is_empty() {
                    h.status(allowed[i % allowed.len()].as_str(), t);
                }
            }
        }
    }
    h.row(cal, t + Duration::hours(1))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Grouping only splits tickets: every count of the grouped report adds
    /// up to the ungrouped one, bucket by bucket; creation counts match the
    /// rows; rates stay within [0, 1].
    #[test]
    fn grouping_partitions_the_counts(specs in prop::collection::vec(ticket(), 0..25)) {
        let cal = office();
        let rows: Vec<MetricRow> = specs.iter().map(|s| build(s, &cal)).collect();
        let base = ReportQuery::new(at("2026-03-02T00:00:00Z"), at("2026-03-23T00:00:00Z"), BucketSize::Day)
            .time_zone(chrono_tz::Europe::Paris);
        let total = compute(&rows, &base).unwrap();
        let grouped = compute(&rows, &base.clone().group_by(Dimension::Channel).group_by(Dimension::Category)).unwrap();
        let counts = |r: &Report, b: usize, g: usize| {
            let f = r.cell(b, g).unwrap();
            [f.created, f.resolved, f.backlog, f.one_touch.count, f.reopened.count,
             f.sla.resolution.of, f.first_reply.calendar.count, f.full_resolution.business.count]
        };
        for b in 0..total.buckets.len() {
            let mut sum = [0u64; 8];
            for g in 0..grouped.groups.len() {
                for (s, c) in sum.iter_mut().zip(counts(&grouped, b, g)) {
                    *s += c;
                }
            }
            prop_assert_eq!(sum, counts(&total, b, 0));
        }
        let in_period = rows.iter().filter(|r| r.created_at >= base.from && r.created_at < base.to).count();
        prop_assert_eq!(total.rows.iter().map(|r| r.figures.created).sum::<u64>() as usize, in_period);
        for r in &grouped.rows {
            for f in [Figure::OneTouchRate, Figure::ReopenRate, Figure::Csat] {
                if let Some(v) = f.value(&r.figures) {
                    prop_assert!((0.0..=1.0).contains(&v));
                }
            }
            let s = r.figures.first_reply.business;
            if let (Some(m), Some(p)) = (s.median, s.p90) {
                prop_assert!(m <= p);
            }
        }
        // The backlog at the period's end is the rows unresolved then.
        let open_at_end = rows.iter().filter(|r| r.unresolved.iter().any(|s| s.open_just_before(base.to))).count();
        let last = total.buckets.len() - 1;
        prop_assert_eq!(total.cell(last, 0).unwrap().backlog as usize, open_at_end);
    }
}
