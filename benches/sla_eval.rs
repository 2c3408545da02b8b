//! SLA evaluation of a ticket with 50 events on a New York office calendar,
//! with one `between` call measured in the same run as the peer.
//!
//! Run: `cargo bench --no-default-features --bench sla_eval`.
//!
//! For instruction counts, which machine load cannot disturb, set
//! `SLA_EVAL_ITERS=N` (and `SLA_EVAL_CASE=office|24x7`, default office, and
//! `SLA_EVAL_EVENTS=1..=50`, default 50, to evaluate only the first events):
//! the binary then runs N evaluations without criterion and exits, so under
//! `valgrind --tool=callgrind` the difference between two values of N
//! divided by their difference is the cost of one evaluation.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group};
use helpdesk::doc_support::created_event as doc_created_event;
use helpdesk::sla::{SlaConfig, evaluate};
use helpdesk::ticket::{EventActor, EventKind, Lifecycle, TicketEvent};
use helpdesk::{AgentId, CustomerId, Priority, PriorityOrigin};

const CONFIG: &str = r#"
default = "standard"
[calendars.office]
time_zone = "America/New_York"
holidays = ["2026-03-09", "2026-05-25"]
[calendars.office.week]
mon = ["09:00-17:00"]
tue = ["09:00-12:00", "13:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
[[policies]]
name = "standard"
calendar = "office"
first_response = { target = "30m" }
next_response = { target = "4h" }
periodic_update = { target = "8h" }
resolution = { targets = { critical = "4h", high = "8h", medium = "16h", low = "40h" } }
[[policies]]
name = "always"
calendar = "24x7"
first_response = { target = "30m" }
next_response = { target = "4h" }
periodic_update = { target = "8h" }
resolution = { targets = { critical = "4h", high = "8h", medium = "16h", low = "40h" } }
"#;

/// 50 events over about three weeks: messages, replies, notes, pauses and a priority change.
fn history() -> Vec<TicketEvent> {
    let start: DateTime<Utc> = "2026-03-02T14:00:00Z".parse().unwrap();
    let created = doc_created_event(start);
    let id = created.ticket_id;
    let agent = EventActor::Agent(AgentId::new());
    let customer = EventActor::Requester(CustomerId::new());
    let mut events = vec![created];
    let mut push = |i: usize, actor: EventActor, kind: EventKind| {
        let seq = events.len() as u64 + 1;
        events.push(TicketEvent::new(
            id,
            seq,
            start + Duration::minutes(97 * i as i64),
            actor,
            kind,
        ));
    };
    let status = |from: &str, to: &str| EventKind::StatusChanged {
        from: from.into(),
        to: to.into(),
        reason: None,
    };
    for i in 1..50 {
        let kind = match i % 7 {
            0 => EventKind::CustomerMessage {
                body: "still broken".into(),
                channel: helpdesk::Channel::Email,
            },
            1 | 4 => EventKind::Reply {
                body: "working on it".into(),
            },
            2 => EventKind::InternalNote {
                body: "checked logs".into(),
            },
            3 => status(if i == 3 { "new" } else { "open" }, "pending"),
            5 => status("pending", "open"),
            _ if i == 20 => EventKind::PriorityChanged {
                from: Priority::Medium,
                to: Priority::High,
                origin: PriorityOrigin::Manual {
                    agent: None,
                    reason: "bench".into(),
                },
                explanation: String::new(),
            },
            _ => EventKind::InternalNote {
                body: "noted".into(),
            },
        };
        let actor = if matches!(kind, EventKind::CustomerMessage { .. }) {
            customer
        } else {
            agent
        };
        push(i, actor, kind);
    }
    events
}

fn bench(c: &mut Criterion) {
    let config = SlaConfig::from_toml(CONFIG).unwrap();
    let selected = config.get("standard").unwrap();
    let lifecycle = Lifecycle::default();
    let events = history();
    assert_eq!(events.len(), 50);
    let now = events.last().unwrap().at + Duration::hours(1);
    // Warm the calendar's year tables so the bench measures steady state.
    evaluate(selected.policy, selected.calendar, &lifecycle, &events, now).unwrap();
    let mut g = c.benchmark_group("sla");
    g.bench_function("evaluate_50_events", |b| {
        b.iter(|| {
            evaluate(
                selected.policy,
                selected.calendar,
                black_box(&lifecycle),
                black_box(&events),
                black_box(now),
            )
            .unwrap()
        });
    });
    let always = config.get("always").unwrap();
    g.bench_function("evaluate_50_events_24x7", |b| {
        b.iter(|| {
            evaluate(
                always.policy,
                always.calendar,
                black_box(&lifecycle),
                black_box(&events),
                black_box(now),
            )
            .unwrap()
        });
    });
    let short = &events[..1];
    g.bench_function("evaluate_1_event_24x7", |b| {
        b.iter(|| {
            evaluate(
                always.policy,
                always.calendar,
                black_box(&lifecycle),
                black_box(short),
                black_box(now),
            )
            .unwrap()
        });
    });
    let (a, z) = (events[0].at, now);
    g.bench_function("calendar_between_peer", |b| {
        b.iter(|| {
            selected
                .calendar
                .between(black_box(a), black_box(z))
                .unwrap()
        });
    });
    g.finish();
}

/// Runs `n` evaluations of one case, outside criterion, for callgrind.
fn fixed_iterations(n: u64, case: &str, len: usize) {
    let config = SlaConfig::from_toml(CONFIG).unwrap();
    let name = match case {
        "office" => "standard",
        "24x7" => "always",
        other => panic!("SLA_EVAL_CASE must be office or 24x7, not {other}"),
    };
    let selected = config.get(name).unwrap();
    let lifecycle = Lifecycle::default();
    let all = history();
    let now = all.last().unwrap().at + Duration::hours(1);
    let events = &all[..len.clamp(1, all.len())];
    // The same warm-up as the criterion run, so N = 0 includes it.
    evaluate(selected.policy, selected.calendar, &lifecycle, events, now).unwrap();
    for _ in 0..n {
        black_box(
            evaluate(
                selected.policy,
                selected.calendar,
                black_box(&lifecycle),
                black_box(events),
                black_box(now),
            )
            .unwrap(),
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .sample_size(30);
    targets = bench
}

fn main() {
    if let Ok(n) = std::env::var("SLA_EVAL_ITERS") {
        let n = n.parse().expect("SLA_EVAL_ITERS must be a count");
        let case = std::env::var("SLA_EVAL_CASE").unwrap_or_else(|_| "office".into());
        let len = std::env::var("SLA_EVAL_EVENTS")
            .map_or(50, |v| v.parse().expect("SLA_EVAL_EVENTS must be a count"));
        fixed_iterations(n, &case, len);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
