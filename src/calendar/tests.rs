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

/// Marks answer as `between` and `add` do, within a year, across years,
/// and past the last open time of a calendar that stops recurring.
#[test]
fn marks_agree_with_between_and_add() {
    let ends = BusinessCalendar::from_toml(
        "time_zone = \"Europe/Berlin\"\n[special_days]\n\"2027-12-31\" = [\"22:00-24:00\"]\n\"2029-06-01\" = [\"09:00-10:00\"]",
    )
    .unwrap();
    let instants = [
        "2026-01-01T00:00:00Z",
        "2026-03-08T06:59:59.5Z",
        "2026-12-31T23:59:59Z",
        "2027-01-01T00:00:00Z",
        "2027-12-31T21:30:00Z",
        "2028-01-01T00:00:00Z",
        "2028-07-04T15:00:00Z",
        "2029-06-01T07:30:00Z",
        "2031-05-05T12:00:00Z",
    ];
    for c in [ny(), BusinessCalendar::always_open(), ends] {
        for a in instants.map(t) {
            let ma = c.mark(a).unwrap();
            for b in instants.map(t) {
                let mb = c.mark(b).unwrap();
                let want = c.between(a, b).unwrap().num_seconds();
                assert_eq!(c.between_marks(ma, mb), want, "{a} {b}");
                let within = (b.timestamp() - a.timestamp()).clamp(0, ma.block.1 - a.timestamp());
                if ma.block.0 <= a.timestamp() && within > 0 {
                    // Inside an open block, business time is real time.
                    let later = a + Duration::seconds(within);
                    assert_eq!(
                        c.between_marks(ma.advanced(within), c.mark(later).unwrap()),
                        0,
                        "{a} {later}"
                    );
                }
            }
            for d in [1, 59, 3_600, 86_400, 400 * 86_400] {
                assert_eq!(
                    c.add_to_mark(ma, d),
                    c.add(a, Duration::seconds(d)),
                    "{a} {d}"
                );
            }
        }
    }
}
