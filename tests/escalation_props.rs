//! Property: whatever the policy and however the clock steps (and however
//! often, and from how many desks, `run_due` runs), no level fires twice and
//! levels fire in the order of their trigger instants, each at or after it.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use helpdesk::escalation::EscalationConfig;
use helpdesk::prelude::*;
use helpdesk::sla::SlaConfig;
use helpdesk::ticket::EventKind;
use helpdesk::{
    Actor, BusinessCalendar, Channel, CustomerId, HelpDesk, InMemoryStore, ManualClock, NewTicket,
    Requester,
};
use proptest::prelude::*;

const OFFICE: &str = r#"time_zone = "America/New_York"
holidays = ["2026-03-09"]
week = { mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }"#;

#[derive(Debug, Clone)]
enum Trig {
    Percent(u32),
    BeforeDue(i64),
    AtBreach,
    AfterBreach(i64),
}

impl Trig {
    fn toml(&self) -> String {
        match self {
            Trig::Percent(p) => {
                format!("{{ kind = \"percent\", metric = \"resolution\", percent = {p} }}")
            }
            Trig::BeforeDue(m) => {
                format!("{{ kind = \"before_due\", metric = \"resolution\", offset = \"{m}m\" }}")
            }
            Trig::AtBreach => "{ kind = \"at_breach\", metric = \"resolution\" }".into(),
            Trig::AfterBreach(m) => {
                format!("{{ kind = \"after_breach\", metric = \"resolution\", offset = \"{m}m\" }}")
            }
        }
    }
    /// Business seconds on the clock at which it fires (the oracle's own arithmetic).
    fn threshold(&self, target: i64) -> i64 {
        match self {
            Trig::Percent(p) => target * i64::from(*p) / 100,
            Trig::BeforeDue(m) => (target - m * 60).max(0),
            Trig::AtBreach => target,
            Trig::AfterBreach(m) => target + m * 60,
        }
    }
}

fn trig() -> impl Strategy<Value = Trig> {
    prop_oneof![
        (1u32..=100).prop_map(Trig::Percent),
        (1i64..=600).prop_map(Trig::BeforeDue),
        Just(Trig::AtBreach),
        (1i64..=600).prop_map(Trig::AfterBreach),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn no_level_fires_twice_and_levels_fire_in_trigger_order(
        target_min in 30i64..=960,
        office in any::<bool>(),
        levels in prop::collection::vec(trig(), 1..=5),
        steps in prop::collection::vec((1i64..=900, any::<bool>(), any::<bool>()), 1..=12),
    ) {
        // The levels fire on the SLA's resolution clock.
        let mut sla = String::from("default = \"p\"\n");
        if office {
            let _ = writeln!(sla, "[calendars.office]\n{OFFICE}");
        }
        let _ = writeln!(
            sla,
            "[[policies]]\nname = \"p\"\ncalendar = \"{}\"\nresolution = {{ target = \"{target_min}m\" }}",
            if office { "office" } else { "24x7" }
        );
        let sla = SlaConfig::from_toml(&sla).unwrap();
        let mut toml = String::from("[[policies]]\nname = \"p\"\n");
        for (i, l) in levels.iter().enumerate() {
            let _ = writeln!(toml, "[[policies.levels]]\nname = \"l{i}\"\ntrigger = {}\nactions = [{{ add_tag = \"l{i}\" }}]", l.toml());
        }
        let config = EscalationConfig::from_toml(&toml).unwrap();
        let calendar = if office { BusinessCalendar::from_toml(OFFICE).unwrap() } else { BusinessCalendar::always_open() };
        let start: DateTime<Utc> = "2026-03-06T20:00:00Z".parse().unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
        let desk = |_: u8| HelpDesk::builder().store(store.clone()).clock(clock.clone()).sla(sla.clone()).escalation(config.clone()).build().unwrap();
        let (a, b) = (desk(0), desk(1));
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let events = rt.block_on(async {
            let c = CustomerId::new();
            let id = a.portal(c).open(NewTicket::new(Requester::new(c, "C"), Channel::Email, "s", "d")).await.unwrap().id;
            for (minutes, twice, both) in &steps {
                clock.advance(Duration::minutes(*minutes));
                let now = clock.now();
                if *both {
                    let (x, y) = tokio::join!(a.run_due(now, 10), b.run_due(now, 10));
                    assert!(x.unwrap().failed.is_empty() && y.unwrap().failed.is_empty());
                } else {
                    assert!(a.run_due(now, 10).await.unwrap().failed.is_empty());
                }
                if *twice {
                    assert!(b.run_due(now, 10).await.unwrap().failed.is_empty());
                }
            }
            a.timeline(&Actor::System, id).await.unwrap()
        });
        let end = clock.now();
        let oracle = |i: usize| calendar.add(start, Duration::seconds(levels[i].threshold(target_min * 60))).unwrap();
        let fired: Vec<(usize, DateTime<Utc>)> = events.iter().filter_map(|e| match &e.kind {
            EventKind::Escalated { level, .. } => Some((level[1..].parse::<usize>().unwrap(), e.at)),
            _ => None,
        }).collect();
        // At most once each.
        let mut seen = std::collections::BTreeSet::new();
        for (i, _) in &fired {
            prop_assert!(seen.insert(*i), "level l{i} fired twice: {fired:?}");
        }
        // In trigger order (ties in level order), never early.
        for w in fired.windows(2) {
            prop_assert!((oracle(w[0].0), w[0].0) <= (oracle(w[1].0), w[1].0), "out of order: {fired:?}");
        }
        for (i, at) in &fired {
            prop_assert!(*at >= oracle(*i), "l{i} fired at {at}, before {}", oracle(*i));
        }
        // And every level whose instant has passed did fire.
        for i in 0..levels.len() {
            prop_assert_eq!(seen.contains(&i), oracle(i) <= end, "level l{} (due {}) at end {}", i, oracle(i), end);
        }
    }
}
