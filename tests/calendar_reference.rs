//! The shared SLA reference cases (`tests/data/reference_ny_seed1.add.txt`,
//! a copy of `shared/sla-reference`): 10,000 lines `START MINUTES DUE` over
//! Mon-Fri 09:00-17:00 New York with four 2026 holidays, the dues agreed by
//! workclock 0.1.4, businesstimedelta, moment-business-time and timegrid.

use chrono::{DateTime, Duration, Utc};
use helpdesk::BusinessCalendar;

const CASES: &str = include_str!("data/reference_ny_seed1.add.txt");

fn parse(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn every_reference_due_matches() {
    let calendar = BusinessCalendar::from_toml(include_str!("data/new_york.toml")).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in CASES.lines().enumerate() {
        let mut fields = line.split(' ');
        let (Some(start), Some(minutes), Some(due), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            panic!("line {}: malformed: {line}", n + 1);
        };
        let (start, due) = (parse(start), parse(due));
        let d = Duration::minutes(minutes.parse().unwrap());
        let got = calendar.add(start, d).unwrap();
        if got != due {
            failures.push(format!(
                "line {}: add({start}, {minutes}m) = {got}, expected {due}",
                n + 1
            ));
        }
        let back = calendar.between(start, due).unwrap();
        if back != d {
            failures.push(format!(
                "line {}: between({start}, {due}) = {back}, expected {d}",
                n + 1
            ));
        }
        assert_eq!(calendar.between(due, start).unwrap(), -back);
        count += 1;
    }
    assert_eq!(count, 10_000);
    assert!(
        failures.is_empty(),
        "{} failures, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
}

/// The starts and durations regenerated with the splitmix64 generator of
/// `gen_cases.py` (first 1,000 cases), so the copied file is known to be the
/// generator's output and not hand-edited.
#[test]
fn splitmix_regenerates_the_first_starts() {
    let mut state: u64 = 1;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let y2026 = parse("2026-01-01T00:00:00Z");
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let local = |d: chrono::NaiveDate, h: u32, m: u32| {
        use chrono::TimeZone;
        tz.from_local_datetime(&d.and_hms_opt(h, m, 0).unwrap())
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    };
    let holidays = ["2026-01-01", "2026-07-03", "2026-11-26", "2026-12-25"];
    let boundary = [
        (9, 0),
        (17, 0),
        (8, 59),
        (16, 59),
        (17, 1),
        (0, 0),
        (9, 1),
        (12, 0),
    ];
    let dst = [
        local(chrono::NaiveDate::from_ymd_opt(2026, 3, 6).unwrap(), 0, 0),
        local(chrono::NaiveDate::from_ymd_opt(2026, 10, 30).unwrap(), 0, 0),
    ];
    for line in CASES.lines().take(1000) {
        let mut below = |n: u64| next() % n;
        let k = below(100);
        let start = if k < 40 {
            y2026 + Duration::minutes(below(365 * 1440) as i64)
        } else if k < 55 {
            let day = (y2026 + Duration::days(below(365) as i64)).date_naive();
            let (h, m) = boundary[below(8) as usize];
            local(day, h, m)
        } else if k < 70 {
            let h: chrono::NaiveDate = holidays[below(4) as usize].parse().unwrap();
            let day = h + Duration::days(below(3) as i64 - 1);
            let m = below(1440) as u32;
            local(day, m / 60, m % 60)
        } else if k < 85 {
            dst[below(2) as usize] + Duration::minutes(below(5 * 1440) as i64)
        } else {
            parse("2026-12-18T00:00:00Z") + Duration::minutes(below(14 * 1440) as i64)
        };
        let d = below(100);
        let minutes = if d < 50 {
            1 + below(5000)
        } else if d < 65 {
            480 * (1 + below(10))
        } else if d < 80 {
            60 * (1 + below(83))
        } else {
            1 + below(120)
        };
        let expected = format!("{} {minutes}", start.format("%Y-%m-%dT%H:%M:%SZ"));
        assert!(line.starts_with(&expected), "{line} vs {expected}");
    }
}
