//! SLA arithmetic on the shared reference cases (10,000 lines of
//! `tests/data/reference_ny_seed1.add.txt`: Mon-Fri 09:00-17:00 New York,
//! four 2026 holidays): `add(START, MINUTES)` and `between(START, DUE)`.
//! One iteration runs all 10,000 cases, so the time per case is the reported
//! time divided by 10,000 (criterion also prints cases per second).
//!
//! Measured in the same run, on the same cases: this crate's calendar,
//! workclock 0.1.4 (the engine behind the reference dues), and both with
//! 1,000 extra holidays (one every ~36 days from 2000 to 2098).
//!
//! ```sh
//! cargo bench --bench sla
//! ```
//!
//! For instruction counts, which machine load cannot disturb, set
//! `SLA_ITERS=N` (and `SLA_OP=add|between`, default add): the binary then
//! runs N passes over the 10,000 cases on this crate's calendar without
//! criterion and exits, so under `valgrind --tool=callgrind` the difference
//! between two values of N, divided by 10,000 times their difference, is the
//! cost of one call.

use std::hint::black_box;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{Criterion, SamplingMode, Throughput};
use helpdesk::BusinessCalendar;
use jiff::{SignedDuration, Timestamp};
use workclock::{Holidays, Schedule, Weekdays, WorkDay};

const CASES: &str = include_str!("../tests/data/reference_ny_seed1.add.txt");
const CALENDAR: &str = include_str!("../tests/data/new_york.toml");

struct Case {
    start: DateTime<Utc>,
    d: Duration,
    due: DateTime<Utc>,
    j_start: Timestamp,
    j_d: SignedDuration,
    j_due: Timestamp,
}

fn cases() -> Vec<Case> {
    CASES
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split(' ').collect();
            let start: DateTime<Utc> = f[0].parse().expect("reference start");
            let minutes: i64 = f[1].parse().expect("reference minutes");
            let due: DateTime<Utc> = f[2].parse().expect("reference due");
            Case {
                start,
                d: Duration::minutes(minutes),
                due,
                j_start: f[0].parse().expect("reference start"),
                j_d: SignedDuration::from_mins(minutes),
                j_due: f[2].parse().expect("reference due"),
            }
        })
        .collect()
}

fn extra_holidays() -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
    (0..1000u64)
        .map(|i| first + chrono::Days::new(i * 36 + i % 7))
        .collect()
}

fn workclock(extra: &[NaiveDate]) -> Schedule {
    use jiff::civil::{date, time};
    let mut dates = vec![
        date(2026, 1, 1),
        date(2026, 7, 3),
        date(2026, 11, 26),
        date(2026, 12, 25),
    ];
    for d in extra {
        let s = d.format("%Y-%m-%d").to_string();
        dates.push(s.parse().expect("valid date"));
    }
    Schedule::builder()
        .time_zone("America/New_York")
        .rule(WorkDay::new(
            time(9, 0, 0, 0),
            time(17, 0, 0, 0),
            Weekdays::MON_TO_FRI,
        ))
        .rule(Holidays::new(dates))
        .build()
        .expect("valid schedule")
}

/// Runs `n` passes of `op` over all cases, outside criterion, for callgrind.
fn fixed_iterations(n: u64, op: &str, cases: &[Case]) {
    let ours = BusinessCalendar::from_toml(CALENDAR).expect("reference calendar");
    // The same check as the criterion run, which also builds the year
    // tables, so N = 0 includes it.
    for case in cases {
        assert_eq!(ours.add(case.start, case.d).ok(), Some(case.due));
    }
    match op {
        "add" => {
            for _ in 0..n {
                for case in cases {
                    let _ = black_box(ours.add(black_box(case.start), black_box(case.d)));
                }
            }
        }
        "between" => {
            for _ in 0..n {
                for case in cases {
                    let _ = black_box(ours.between(black_box(case.start), black_box(case.due)));
                }
            }
        }
        other => panic!("SLA_OP must be add or between, not {other}"),
    }
}

fn main() {
    if let Ok(n) = std::env::var("SLA_ITERS") {
        let n = n.parse().expect("SLA_ITERS must be a count");
        let op = std::env::var("SLA_OP").unwrap_or_else(|_| "add".into());
        fixed_iterations(n, &op, &cases());
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(StdDuration::from_millis(500))
        .measurement_time(StdDuration::from_secs(3))
        .sample_size(20)
        .configure_from_args();

    let cases = cases();
    let n = cases.len();
    let ours = BusinessCalendar::from_toml(CALENDAR).expect("reference calendar");
    let extra = extra_holidays();
    let mut with_holidays = toml::from_str::<toml::Table>(CALENDAR).expect("reference calendar");
    let holidays = with_holidays["holidays"]
        .as_array_mut()
        .expect("holidays array");
    holidays.extend(
        extra
            .iter()
            .map(|d| toml::Value::String(d.format("%Y-%m-%d").to_string())),
    );
    let ours_1000 = BusinessCalendar::from_toml(&with_holidays.to_string())
        .expect("calendar with 1,000 holidays");
    let theirs = workclock(&[]);
    let theirs_1000 = workclock(&extra);

    // Same answers before timing anything.
    for case in &cases {
        assert_eq!(ours.add(case.start, case.d).ok(), Some(case.due));
        assert_eq!(theirs.add(case.j_start, case.j_d).ok(), Some(case.j_due));
    }

    let mut group = c.benchmark_group("sla_add");
    group.throughput(Throughput::Elements(n as u64));
    // Flat sampling: a workclock iteration (10,000 cases) takes tens of
    // milliseconds, and linear sampling would need 210 of them per sample set.
    group.sampling_mode(SamplingMode::Flat);
    for (name, cal) in [("helpdesk", &ours), ("helpdesk_1000_holidays", &ours_1000)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for case in &cases {
                    let _ = black_box(cal.add(black_box(case.start), black_box(case.d)));
                }
            });
        });
    }
    for (name, sched) in [
        ("workclock", &theirs),
        ("workclock_1000_holidays", &theirs_1000),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for case in &cases {
                    let _ = black_box(sched.add(black_box(case.j_start), black_box(case.j_d)));
                }
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("sla_between");
    group.throughput(Throughput::Elements(n as u64));
    // Flat sampling: a workclock iteration (10,000 cases) takes tens of
    // milliseconds, and linear sampling would need 210 of them per sample set.
    group.sampling_mode(SamplingMode::Flat);
    for (name, cal) in [("helpdesk", &ours), ("helpdesk_1000_holidays", &ours_1000)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for case in &cases {
                    let _ = black_box(cal.between(black_box(case.start), black_box(case.due)));
                }
            });
        });
    }
    for (name, sched) in [
        ("workclock", &theirs),
        ("workclock_1000_holidays", &theirs_1000),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for case in &cases {
                    black_box(sched.between(black_box(case.j_start), black_box(case.j_due)));
                }
            });
        });
    }
    group.finish();
    c.final_summary();
}
