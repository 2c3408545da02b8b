//! Properties of SLA evaluation over random histories.

use chrono::{DateTime, Duration, Utc};
use helpdesk::doc_support::created_event as doc_created_event;
use helpdesk::sla::{MetricState, SlaConfig, evaluate};
use helpdesk::ticket::{EventActor, EventKind, Lifecycle, TicketEvent};
use helpdesk::{AgentId, CustomerId, Priority, PriorityOrigin};
use proptest::prelude::*;

const CONFIG: &str = r#"
default = "office"
[calendars.office]
time_zone = "America/New_York"
holidays = ["2026-03-09"]
[calendars.office.week]
mon = ["09:00-17:00"]
tue = ["09:00-12:00", "13:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
[[policies]]
name = "office"
calendar = "office"
first_response = { target = "30m" }
next_response = { target = "2h", warning = "30m" }
periodic_update = { target = "6h" }
resolution = { targets = { critical = "2h", high = "4h", medium = "8h", low = "1000s" } }
[[policies]]
name = "always"
calendar = "24x7"
first_response = { target = "30m" }
next_response = { target = "2h", warning = "30m" }
periodic_update = { target = "6h" }
resolution = { targets = { critical = "2h", high = "4h", medium = "8h", low = "1000s" } }
"#;

#[derive(Debug, Clone)]
enum Step {
    Reply,
    Message,
    Status(&'static str),
    Priority(Priority),
    Note,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::Reply),
        Just(Step::Message),
        prop::sample::select(vec!["open", "pending", "on_hold", "resolved"]).prop_map(Step::Status),
        prop::sample::select(Priority::ALL.to_vec()).prop_map(Step::Priority),
        Just(Step::Note),
    ]
}

fn history(start: DateTime<Utc>, steps: &[(Step, i64)]) -> Vec<TicketEvent> {
    let created = doc_created_event(start);
    let id = created.ticket_id;
    let mut events = vec![created];
    let (mut at, mut status, mut priority) = (start, "new", Priority::Medium);
    for (s, gap) in steps {
        at += Duration::minutes(*gap);
        let kind = match s {
            Step::Reply => EventKind::Reply { body: "r".into() },
            Step::Message => EventKind::CustomerMessage {
                body: "m".into(),
                channel: helpdesk::Channel::Email,
            },
            Step::Note => EventKind::InternalNote { body: "n".into() },
            Step::Status(to) => {
                let from = std::mem::replace(&mut status, to);
                EventKind::StatusChanged {
                    from: from.into(),
                    to: (*to).into(),
                    reason: None,
                }
            }
            Step::Priority(p) => EventKind::PriorityChanged {
                from: std::mem::replace(&mut priority, *p),
                to: *p,
                origin: PriorityOrigin::Manual {
                    agent: None,
                    reason: "p".into(),
                },
                explanation: String::new(),
            },
        };
        let actor = match s {
            Step::Message => EventActor::Requester(CustomerId::new()),
            _ => EventActor::Agent(AgentId::new()),
        };
        let seq = events.len() as u64 + 1;
        events.push(TicketEvent::new(id, seq, at, actor, kind));
    }
    events
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn evaluation_invariants(
        start_min in 0i64..(60 * 24 * 14),
        steps in prop::collection::vec((step(), 0i64..600), 0..40),
        after in 0i64..3000,
        which in prop::bool::ANY,
    ) {
        let config = SlaConfig::from_toml(CONFIG).unwrap();
        let sel = config.get(if which { "office" } else { "always" }).unwrap();
        let start: DateTime<Utc> = "2026-03-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
            + Duration::minutes(start_min);
        let events = history(start, &steps);
        let now = events.last().unwrap().at + Duration::minutes(after);
        let lc = Lifecycle::default();
        let s = evaluate(sel.policy, sel.calendar, &lc, &events, now).unwrap();
        // Pure: the same inputs give the same answer.
        prop_assert_eq!(&s, &evaluate(sel.policy, sel.calendar, &lc, &events, now).unwrap());
        for m in &s.metrics {
            prop_assert!(!(m.met_at.is_some() && m.breached_at.is_some()), "{:?}", m);
            prop_assert_eq!(m.met_at.is_some(), m.state == MetricState::Met);
            prop_assert!(m.elapsed >= Duration::zero() && m.paused >= Duration::zero());
            if let Some(started) = m.started_at {
                let real = now - started;
                prop_assert!(m.elapsed + m.paused <= real + Duration::seconds(1), "{:?}", m);
                if !which && matches!(m.state, MetricState::Running | MetricState::Paused) {
                    // 24/7 business time is real time: nothing is lost or invented.
                    prop_assert_eq!(m.elapsed + m.paused, real, "{:?}", m);
                }
            }
            if let (Some(w), Some(d)) = (m.warn_at, m.due) {
                prop_assert!(w <= d, "{:?}", m);
            }
            if m.state == MetricState::Running {
                prop_assert!(m.due.unwrap() > now && m.warn_at.is_some());
                prop_assert!(m.elapsed < m.target.unwrap());
            }
            if m.state == MetricState::Breached {
                prop_assert!(m.breached_at.unwrap() <= now);
            }
        }
        if let Some(d) = s.next_deadline {
            prop_assert!(d > now);
        }
    }
}
