//! Unit tests of the calendar's public behaviour on hand-checked cases.

use chrono::{DateTime, Duration, Utc};

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn ny() -> BusinessCalendar {
    BusinessCalendar::from_toml(include_str!("../../tests/data/new_york.toml")).unwrap()
}

#[test]
fn add_lands_on_interval_end() {
    let c = ny();
    // 16:00 EST Friday + 1h = 17:00, not Monday 09:00.
    assert_eq!(
        c.add(t("2026-01-09T21:00:00Z"), Duration::hours(1))
            .unwrap(),
        t("2026-01-09T22:00:00Z")
    );
    assert_eq!(
        c.add(t("2026-01-10T12:00:00Z"), Duration::zero()).unwrap(),
        t("2026-01-10T12:00:00Z")
    );
    assert_eq!(
        c.add(t("2026-01-10T12:00:00Z"), Duration::seconds(1))
            .unwrap(),
        t("2026-01-12T14:00:01Z")
    );
}
