//! Public API behaviour of `BusinessCalendar`: file format round trips,
//! special days, DST edges, year and range boundaries, errors.

use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use helpdesk::{BusinessCalendar, CalendarError, Error};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const FULL: &str = r#"
time_zone = "America/New_York"
holidays = ["2026-01-01", "--12-25", "2026-12-24"]

[week]
mon = ["09:00-12:00", "13:00-17:00"]
tue = ["09:00-17:00"]
wed = ["22:00-24:00"]
thu = ["00:00-06:00"]
sat = []

[special_days]
"2026-12-24" = ["09:00-13:00"]
"2026-12-28" = []
"#;

#[test]
fn is_send_sync_clone_static() {
    fn check<T: Clone + std::fmt::Debug + Send + Sync + 'static>() {}
    check::<BusinessCalendar>();
    check::<CalendarError>();
}

/// A configuration that embeds a calendar.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Policy {
    calendar: BusinessCalendar,
}

#[test]
fn toml_and_json_round_trip() {
    let cal = BusinessCalendar::from_toml(FULL).unwrap();
    let toml_text = toml::to_string(&cal).unwrap();
    let again = BusinessCalendar::from_toml(&toml_text).unwrap();
    assert_eq!(again, cal, "{toml_text}");
    assert!(toml_text.contains("sat = []"), "{toml_text}");
    let json = serde_json::to_string(&cal).unwrap();
    let from_json = BusinessCalendar::from_json(&json).unwrap();
    assert_eq!(from_json, cal);
    let s = t("2026-12-21T14:00:00Z");
    for d in [1, 60, 600, 6000] {
        let d = Duration::minutes(d);
        assert_eq!(from_json.add(s, d).unwrap(), cal.add(s, d).unwrap());
    }
    // Embedded in other configuration, errors come through serde.
    let bad = r#"{"calendar": {"time_zone": "UTC", "week": {"mon": ["09:00-25:00"]}}}"#;
    let e = serde_json::from_str::<Policy>(bad)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("week.mon[0]") && e.contains("09:00-25:00"),
        "{e}"
    );
}

#[test]
fn config_errors_name_path_and_value() {
    let cases = [
        (
            "time_zone = \"Europe/Atlantis\"",
            "time_zone",
            Some("Europe/Atlantis"),
        ),
        (
            "time_zone = \"UTC\"\n[week]\nmon = [\"09:00-12:00\", \"25:00-26:00\"]",
            "week.mon[1]",
            Some("25:00-26:00"),
        ),
        (
            "time_zone = \"UTC\"\n[week]\nfri = [\"12:00-12:00\"]",
            "week.fri[0]",
            Some("12:00-12:00"),
        ),
        (
            "time_zone = \"UTC\"\n[week]\nsun = [\"13:00-17:00\", \"09:00-12:00\"]",
            "week.sun[1]",
            Some("09:00-12:00"),
        ),
        (
            "time_zone = \"UTC\"\nholidays = [\"2026-13-01\"]",
            "holidays[0]",
            Some("2026-13-01"),
        ),
        (
            "time_zone = \"UTC\"\n[special_days]\n\"2026-12-24\" = [\"9-13\"]",
            "special_days.\"2026-12-24\"[0]",
            Some("9-13"),
        ),
    ];
    for (text, path, value) in cases {
        match BusinessCalendar::from_toml(text) {
            Err(Error::Config(e)) => {
                assert_eq!(
                    (e.path.as_str(), e.value.as_deref()),
                    (path, value),
                    "{text}"
                );
                assert!(e.to_string().contains(path), "{e}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    // Unknown keys and missing zones are parser errors naming the key.
    for (text, key) in [
        ("time_zone = \"UTC\"\nweekdays = {}", "weekdays"),
        ("[week]", "time_zone"),
    ] {
        let Err(Error::Config(e)) = BusinessCalendar::from_toml(text) else {
            panic!("{text}")
        };
        assert!(e.to_string().contains(key), "{e}");
    }
    let Err(Error::Config(e)) =
        BusinessCalendar::from_json(r#"{"time_zone": "UTC", "week": {"mo": []}}"#)
    else {
        panic!()
    };
    assert!(e.message.contains("mo"), "{e}");
    let Err(Error::Config(e)) = BusinessCalendar::builder("UTC")
        .hours(Weekday::Wed, &["09:00-17:00", "16:00-18:00"])
        .build()
    else {
        panic!()
    };
    assert_eq!(e.path, "week.wed[1]");
}

#[test]
fn holidays_special_days_and_overnight() {
    let cal = BusinessCalendar::from_toml(FULL).unwrap();
    // 2026-12-24 is a Thursday, a one-off holiday and a special day: 09:00-13:00 EST.
    assert_eq!(
        cal.between(
            t("2026-12-24T00:00:00-05:00"),
            t("2026-12-25T00:00:00-05:00")
        )
        .unwrap(),
        Duration::hours(4)
    );
    // --12-25 every year (2026 Friday closed anyway; 2028-12-25 is a Monday).
    assert_eq!(
        cal.between(
            t("2028-12-25T00:00:00-05:00"),
            t("2028-12-26T00:00:00-05:00")
        )
        .unwrap(),
        Duration::zero()
    );
    assert_eq!(
        cal.between(
            t("2029-12-24T00:00:00-05:00"),
            t("2029-12-25T00:00:00-05:00")
        )
        .unwrap(),
        Duration::hours(7)
    );
    // An empty special day closes a Monday.
    assert_eq!(
        cal.between(
            t("2026-12-28T00:00:00-05:00"),
            t("2026-12-29T00:00:00-05:00")
        )
        .unwrap(),
        Duration::zero()
    );
    // One-off holiday 2026-01-01 (a Thursday) closes its overnight part; 2026-01-08 does not.
    assert_eq!(
        cal.between(
            t("2026-01-07T00:00:00-05:00"),
            t("2026-01-09T00:00:00-05:00")
        )
        .unwrap(),
        Duration::hours(8)
    );
    assert_eq!(
        cal.between(
            t("2025-12-31T00:00:00-05:00"),
            t("2026-01-02T00:00:00-05:00")
        )
        .unwrap(),
        Duration::hours(2)
    );
    // Wed 22:00 to Thu 06:00 is one stretch.
    assert_eq!(
        cal.next_close(t("2026-01-07T23:00:00-05:00")).unwrap(),
        t("2026-01-08T06:00:00-05:00")
    );
    assert_eq!(
        cal.add(t("2026-01-07T21:00:00-05:00"), Duration::hours(3))
            .unwrap(),
        t("2026-01-08T01:00:00-05:00")
    );
    // Monday lunch: a due using up the morning lands at 12:00.
    assert_eq!(
        cal.add(t("2026-01-05T11:00:00-05:00"), Duration::hours(1))
            .unwrap(),
        t("2026-01-05T12:00:00-05:00")
    );
    assert_eq!(
        cal.next_open(t("2026-01-05T12:00:00-05:00")).unwrap(),
        t("2026-01-05T13:00:00-05:00")
    );
    assert_eq!(
        cal.next_close(t("2026-01-05T12:30:00-05:00")).unwrap(),
        t("2026-01-05T12:30:00-05:00")
    );
    assert!(!cal.is_open(t("2026-01-05T12:00:00-05:00")));
    assert!(cal.is_open(t("2026-01-05T11:59:59-05:00")));
}

#[test]
fn dst_edges_resolve_compatibly() {
    let cal = BusinessCalendar::builder("America/New_York")
        .hours(Weekday::Sun, &["01:00-01:30", "02:30-04:00"])
        .build()
        .unwrap();
    // 2026-03-08: 02:30 does not exist and moves to 03:30 EDT.
    assert_eq!(
        cal.between(t("2026-03-08T00:00:00Z"), t("2026-03-09T00:00:00Z"))
            .unwrap(),
        Duration::minutes(60)
    );
    assert_eq!(
        cal.next_open(t("2026-03-08T06:30:00Z")).unwrap(),
        t("2026-03-08T03:30:00-04:00")
    );
    // 2026-11-01: 01:00-01:30 happens twice; the earlier (EDT) occurrence counts.
    assert_eq!(
        cal.next_open(t("2026-11-01T04:00:00Z")).unwrap(),
        t("2026-11-01T01:00:00-04:00")
    );
    assert_eq!(
        cal.between(t("2026-11-01T00:00:00Z"), t("2026-11-02T00:00:00Z"))
            .unwrap(),
        Duration::minutes(30 + 90)
    );
    // A holiday on a 23-hour day closes 23 hours of a 24/7 calendar.
    let mut b = BusinessCalendar::builder("America/New_York").holiday(date("2026-03-08"));
    for day in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ] {
        b = b.hours(day, &["00:00-24:00"]);
    }
    let cal = b.build().unwrap();
    assert_eq!(
        cal.between(t("2026-03-07T00:00:00Z"), t("2026-03-11T00:00:00Z"))
            .unwrap(),
        Duration::hours(96 - 23)
    );
    assert_eq!(
        cal.next_open(t("2026-03-08T12:00:00Z")).unwrap(),
        t("2026-03-09T00:00:00-04:00")
    );
}

#[test]
fn year_boundaries_and_range() {
    let cal = BusinessCalendar::builder("UTC")
        .hours(Weekday::Thu, &["22:00-24:00"])
        .hours(Weekday::Fri, &["00:00-06:00"])
        .build()
        .unwrap();
    // 2026-12-31 is a Thursday: the stretch crosses the UTC new year.
    assert_eq!(
        cal.next_close(t("2026-12-31T23:00:00Z")).unwrap(),
        t("2027-01-01T06:00:00Z")
    );
    assert_eq!(
        cal.add(t("2026-12-31T23:00:00Z"), Duration::hours(1))
            .unwrap(),
        t("2027-01-01T00:00:00Z")
    );
    assert_eq!(
        cal.add(t("2026-12-31T23:00:00Z"), Duration::hours(2))
            .unwrap(),
        t("2027-01-01T01:00:00Z")
    );
    assert_eq!(
        cal.between(t("2026-12-31T00:00:00Z"), t("2027-01-02T00:00:00Z"))
            .unwrap(),
        Duration::hours(8)
    );
    // Decades at once: 52 or 53 weeks of 8 hours a year.
    let span = cal
        .between(t("1970-01-01T00:00:00Z"), t("2200-12-31T23:59:59Z"))
        .unwrap();
    assert_eq!(span.num_hours() % 8, 0);
    let end = t("2200-12-31T23:59:59Z");
    let last = cal.add(t("1970-01-01T00:00:00Z"), span).unwrap();
    assert_eq!(cal.between(last, end).unwrap(), Duration::zero());
    assert!(cal.is_open(last - Duration::seconds(1)) && !cal.is_open(last));
    assert_eq!(last.format("%a %H:%M").to_string(), "Fri 06:00");
    // Outside 1970..=2200.
    let before = t("1969-12-31T23:59:59Z");
    assert_eq!(
        cal.add(before, Duration::hours(1)),
        Err(CalendarError::OutOfRange { instant: before })
    );
    assert!(matches!(
        cal.between(before, t("2026-01-01T00:00:00Z")),
        Err(CalendarError::OutOfRange { .. })
    ));
    assert!(matches!(
        cal.add(t("2200-12-25T00:00:00Z"), Duration::hours(100)),
        Err(CalendarError::OutOfRange { .. })
    ));
    assert!(matches!(
        cal.next_open(t("2201-01-01T00:00:00Z")),
        Err(CalendarError::OutOfRange { .. })
    ));
    // is_open answers anywhere (1960-01-01 was a Friday).
    assert!(cal.is_open(t("1960-01-01T05:00:00Z")));
    assert!(!cal.is_open(t("1960-01-01T07:00:00Z")));
    assert!(
        cal.is_open(t("2300-01-01T01:00:00Z"))
            == (NaiveDate::from_ymd_opt(2300, 1, 1)
                .unwrap()
                .format("%a")
                .to_string()
                == "Fri")
    );
}

#[test]
fn errors_and_edge_arguments() {
    let cal = BusinessCalendar::from_toml(include_str!("data/new_york.toml")).unwrap();
    let s = t("2026-01-05T15:00:00Z");
    assert_eq!(
        cal.add(s, Duration::seconds(-1)),
        Err(CalendarError::NegativeDuration {
            duration: Duration::seconds(-1)
        })
    );
    assert_eq!(cal.add(s, Duration::zero()).unwrap(), s);
    // Sub-second parts are truncated, towards the past.
    let frac = s + Duration::milliseconds(1500);
    assert_eq!(
        cal.add(frac, Duration::zero()).unwrap(),
        s + Duration::seconds(1)
    );
    assert_eq!(
        cal.add(frac, Duration::milliseconds(2999)).unwrap(),
        s + Duration::seconds(3)
    );
    assert_eq!(cal.between(s, frac).unwrap(), Duration::seconds(1));
    let always = BusinessCalendar::always_open();
    assert_eq!(always.time_zone(), chrono_tz::UTC);
    assert_eq!(always.next_close(s), Err(CalendarError::NeverCloses));
    assert_eq!(always.next_open(s).unwrap(), s);
    // Errors convert into the crate error: no open time is a configuration
    // mistake, an instant out of range bad input.
    let e: Error = CalendarError::NeverOpen.into();
    assert_eq!(e.kind(), helpdesk::ErrorKind::Config);
    assert_eq!(
        e.to_string(),
        "invalid configuration at calendar: the calendar has no open time"
    );
}

#[test]
fn clones_share_answers_across_threads() {
    let cal = BusinessCalendar::from_toml(include_str!("data/new_york.toml")).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let cal = cal.clone();
            std::thread::spawn(move || {
                let s = t("2026-06-01T12:00:00Z") + Duration::days(i * 90);
                let due = cal.add(s, Duration::hours(40)).unwrap();
                cal.between(s, due).unwrap()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Duration::hours(40));
    }
}
