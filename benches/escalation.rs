//! `run_due` against a full scan, on 1,000,000 open tickets in memory of
//! which 1,000 are due. Run: `cargo bench --bench escalation`.
//!
//! - `run_due/1000_due_of_1M`: one `run_due(now, 1000)` that claims the 1,000
//!   due tickets from the deadline index and fires one level on each (an
//!   event, a tag, a commit). Fresh due tickets are inserted before each
//!   iteration, outside the timing, and the store is rebuilt every 200
//!   iterations (also untimed) so that it holds 1.0 to 1.2 million tickets:
//!   left to grow, it passed 1.8 million during a criterion run, where glibc's
//!   heap began to page-fault on every run (see README). For the same
//!   reason the bench fixes glibc's mmap threshold (see `main`).
//! - `full_scan/1M`: what a worker without the index would at least do: page
//!   through every ticket and test whether its breach has come (no firing).
//!
//! For profiling (`valgrind --tool=callgrind`, whose instruction counts other
//! load on the machine cannot disturb): `ESCALATION_BENCH_TICKETS=100000`
//! holds fewer open tickets (the cost of `run_due` must not depend on it),
//! and `ESCALATION_BENCH_ITERS=n` skips criterion and runs `run_due` exactly
//! `n` times after the setup.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use criterion::Criterion;
use helpdesk::escalation::EscalationConfig;
use helpdesk::prelude::*;
use helpdesk::sla::SlaConfig;
use helpdesk::store::{Commit, Schedule, TicketFilter, TicketQuery, TicketWrite};
use helpdesk::ticket::{EventActor, EventKind, TicketCreated};
use helpdesk::{
    Channel, CustomerId, HelpDesk, Impact, InMemoryStore, ManualClock, Priority, PriorityOrigin,
    Requester, RunReport, Ticket, TicketEvent, TicketId, TicketRef, Urgency,
};

const OPEN: usize = 1_000_000;
const DUE: usize = 1_000;
const TARGET_H: i64 = 8;
/// Fired tickets stay in the store (open, no longer due), so each run adds
/// 1,000 open tickets; a fresh store every this many runs keeps the bench at
/// the 1,000,000 (to 1,200,000) open tickets it is about.
const RUNS_PER_STORE: usize = 200;

/// A ticket as the desk opens one: created, then its SLA policy applied.
fn ticket(n: u64, at: DateTime<Utc>) -> (Ticket, Vec<TicketEvent>) {
    let created = TicketCreated {
        reference: TicketRef(n),
        subject: "Printer".into(),
        description: "".into(),
        requester: Requester::new(CustomerId::new(), "C").into(),
        channel: Channel::Email,
        category: None,
        tags: BTreeSet::new(),
        fields: BTreeMap::new(),
        impact: Impact::Medium,
        urgency: Urgency::Medium,
        priority: Priority::Medium,
        priority_origin: PriorityOrigin::Matrix {
            impact: Impact::Medium,
            urgency: Urgency::Medium,
        },
        explanation: String::new(),
        status: "open".into(),
        assignee: None,
        group: None,
        links: Vec::new(),
    };
    let id = TicketId::new();
    let events = vec![
        TicketEvent::new(
            id,
            1,
            at,
            EventActor::System,
            EventKind::Created(Box::new(created)),
        ),
        TicketEvent::new(
            id,
            2,
            at,
            EventActor::System,
            EventKind::SlaPolicyApplied {
                policy: "p".into(),
                reason: "the default policy".into(),
            },
        ),
    ];
    (Ticket::replay(&events).unwrap(), events)
}

/// Inserts `count` tickets opened at `at`, with their breach as deadline.
async fn insert(store: &InMemoryStore, first_ref: u64, count: usize, at: DateTime<Utc>) {
    let due = at + Duration::hours(TARGET_H);
    let mut batch = Vec::with_capacity(64);
    for i in 0..count {
        let (t, events) = ticket(first_ref + i as u64, at);
        let schedule = Schedule::deadline(Some(due)).sla(Some(due), Some("p".into()));
        batch.push(TicketWrite::new(t, events, None).schedule(schedule));
        if batch.len() == 64 || i + 1 == count {
            let tickets = std::mem::take(&mut batch);
            store.commit(Commit::tickets(tickets)).await.unwrap();
        }
    }
}

struct Setup {
    rt: tokio::runtime::Runtime,
    store: Arc<InMemoryStore>,
    desk: HelpDesk,
    now: DateTime<Utc>,
    next_ref: u64,
    open: usize,
    runs: usize,
}

impl Setup {
    fn new(open: usize) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let now: DateTime<Utc> = "2026-03-10T12:00:00Z".parse().unwrap();
        let store = Arc::new(InMemoryStore::new());
        let t0 = Instant::now();
        // Not yet due: opened an hour ago, breach in 7 hours.
        rt.block_on(insert(
            &store,
            10_000_000,
            open - DUE,
            now - Duration::hours(1),
        ));
        eprintln!("inserted {} tickets in {:?}", open - DUE, t0.elapsed());
        // The level fires on the SLA's resolution clock (24/7, 8 hours).
        let sla = SlaConfig::from_toml(&format!(
            "default = \"p\"\n[[policies]]\nname = \"p\"\nresolution = {{ target = \"{TARGET_H}h\" }}\n"
        ))
        .unwrap();
        let config = EscalationConfig::from_toml(
            "[[policies]]\nname = \"p\"\n[[policies.levels]]\nname = \"breach\"\n\
             trigger = { kind = \"at_breach\", metric = \"resolution\" }\nactions = [{ add_tag = \"breached\" }]\n",
        )
        .unwrap();
        let desk = HelpDesk::builder()
            .store(store.clone())
            .clock(Arc::new(ManualClock::new(now)))
            .sla(sla)
            .escalation(config)
            .build()
            .unwrap();
        Setup {
            rt,
            store,
            desk,
            now,
            next_ref: 1,
            open,
            runs: 0,
        }
    }

    /// Inserts 1,000 breached tickets (untimed), then times one `run_due`.
    fn run_due_once(&mut self) -> StdDuration {
        if self.runs == RUNS_PER_STORE {
            *self = Setup::new(self.open);
        }
        self.runs += 1;
        // Opened nine hours ago: breached an hour ago.
        let at = self.now - Duration::hours(TARGET_H + 1);
        self.rt
            .block_on(insert(&self.store, self.next_ref, DUE, at));
        self.next_ref += DUE as u64;
        let start = Instant::now();
        let report = self.timed_run_due();
        let took = start.elapsed();
        assert_eq!((report.claimed, report.fired), (DUE, DUE));
        took
    }

    /// Out of line so that a profiler can count exactly the timed part:
    /// `valgrind --tool=callgrind --toggle-collect='*timed_run_due*'`.
    #[inline(never)]
    fn timed_run_due(&self) -> RunReport {
        self.rt.block_on(self.desk.run_due(self.now, DUE)).unwrap()
    }

    fn full_scan(&self) -> usize {
        self.rt.block_on(async {
            let mut after = None;
            let mut due = 0usize;
            loop {
                let q =
                    TicketQuery::new(TicketFilter::default(), TicketQuery::MAX_LIMIT).after(after);
                let page = self.store.list(&q).await.unwrap();
                due += page
                    .items
                    .iter()
                    .filter(|t| {
                        t.created_at + Duration::hours(TARGET_H) <= self.now
                            && !t.tags.contains("breached")
                    })
                    .count();
                match page.next {
                    Some(n) => after = Some(n),
                    None => break due,
                }
            }
        })
    }
}

fn median(mut v: Vec<StdDuration>) -> StdDuration {
    v.sort();
    v[v.len() / 2]
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}"))
    })
}

/// glibc's malloc tunes its own mmap threshold, and with this bench's
/// 1.9 GB heap it settles, in about half of the processes, into trimming and
/// page-faulting the heap's top on every run: `run_due` then takes 9.4 ms
/// instead of 3.4 ms on the same build. A fixed threshold makes every
/// process measure the same, so the bench runs itself again with one unless
/// `GLIBC_TUNABLES` is set already.
fn rerun_with_fixed_malloc_threshold() {
    if cfg!(target_env = "gnu") && std::env::var_os("GLIBC_TUNABLES").is_none() {
        let status = std::process::Command::new(std::env::current_exe().expect("own path"))
            .args(std::env::args_os().skip(1))
            .env("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072")
            .status()
            .expect("running the bench again");
        std::process::exit(status.code().unwrap_or(1));
    }
}

fn main() {
    rerun_with_fixed_malloc_threshold();
    let mut setup = Setup::new(env_usize("ESCALATION_BENCH_TICKETS").unwrap_or(OPEN));
    if let Some(iters) = env_usize("ESCALATION_BENCH_ITERS") {
        let took: Vec<StdDuration> = (0..iters).map(|_| setup.run_due_once()).collect();
        eprintln!("{iters} fixed run_due iterations: {took:?}");
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    {
        let mut g = c.benchmark_group("escalation");
        g.sample_size(20)
            .measurement_time(StdDuration::from_secs(5));
        g.bench_function("run_due/1000_due_of_1M", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| setup.run_due_once()).sum());
        });
        g.sample_size(10);
        g.bench_function("full_scan/1M", |b| b.iter(|| setup.full_scan()));
        g.finish();
    }
    // Minimums are robust to other load on the machine; quote them with the medians.
    let runs: Vec<StdDuration> = (0..30).map(|_| setup.run_due_once()).collect();
    let scans: Vec<StdDuration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(setup.full_scan());
            t.elapsed()
        })
        .collect();
    let (run_min, scan_min) = (*runs.iter().min().unwrap(), *scans.iter().min().unwrap());
    let (run_med, scan_med) = (median(runs), median(scans));
    eprintln!(
        "summary: run_due(1000 due of 1M) min {run_min:?} median {run_med:?}; full scan min {scan_min:?} median {scan_med:?}; ratio (min) {:.0}x, (median) {:.0}x",
        scan_min.as_secs_f64() / run_min.as_secs_f64(),
        scan_med.as_secs_f64() / run_med.as_secs_f64()
    );
    c.final_summary();
}
