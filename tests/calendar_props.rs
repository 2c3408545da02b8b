//! Property tests of the business calendar: differential against workclock
//! 0.1.4 (the oracle DESIGN.md names) over random calendars in zones with
//! unusual DST, and the calendar laws of DESIGN.md "Testing".
//!
//! Case counts are kept small so the file runs in seconds in debug builds.

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use helpdesk::{BusinessCalendar, CalendarError};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use workclock::{Holidays, Schedule, Weekdays, WorkDay};

const ZONES: [&str; 7] = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC",
];
const DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
/// The window instants are drawn from: 2025-01-01 to 2028-01-01 UTC.
const LO: i64 = 1_735_689_600;
const HI: i64 = 1_830_297_600;

/// A random calendar: spans in minutes per weekday, one-off holidays,
/// yearly holidays as (month, day).
#[derive(Debug, Clone)]
struct Cal {
    zone: &'static str,
    week: [Vec<(u16, u16)>; 7],
    holidays: Vec<NaiveDate>,
    yearly: Vec<(u32, u32)>,
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

impl Cal {
    fn texts(spans: &[(u16, u16)]) -> Vec<String> {
        spans
            .iter()
            .map(|&(s, e)| format!("{}-{}", hhmm(s), hhmm(e)))
            .collect()
    }

    fn ours(&self) -> BusinessCalendar {
        let mut b = BusinessCalendar::builder(self.zone);
        for (day, spans) in DAYS.iter().zip(&self.week) {
            let texts = Self::texts(spans);
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            b = b.hours(*day, &refs);
        }
        for &h in &self.holidays {
            b = b.holiday(h);
        }
        for &(m, d) in &self.yearly {
            b = b.yearly_holiday(m, d);
        }
        b.build().unwrap()
    }

    fn workclock(&self) -> Schedule {
        let mut b = Schedule::builder().time_zone(self.zone);
        let jday = [
            jiff::civil::Weekday::Monday,
            jiff::civil::Weekday::Tuesday,
            jiff::civil::Weekday::Wednesday,
            jiff::civil::Weekday::Thursday,
            jiff::civil::Weekday::Friday,
            jiff::civil::Weekday::Saturday,
            jiff::civil::Weekday::Sunday,
        ];
        let t = |m: u16| jiff::civil::time((m / 60 % 24) as i8, (m % 60) as i8, 0, 0);
        for (day, spans) in jday.iter().zip(&self.week) {
            for &(s, e) in spans {
                // workclock spells "X-24:00" as an overnight shift ending at 00:00.
                b = b.rule(WorkDay::new(
                    t(s),
                    t(e),
                    std::iter::once(*day).collect::<Weekdays>(),
                ));
            }
        }
        let mut dates: Vec<jiff::civil::Date> = self
            .holidays
            .iter()
            .map(|d| {
                jiff::civil::date(
                    d.format("%Y").to_string().parse().unwrap(),
                    d.format("%m").to_string().parse().unwrap(),
                    d.format("%d").to_string().parse().unwrap(),
                )
            })
            .collect();
        // workclock has no yearly holidays: expand them over every supported year (and a margin).
        for &(m, d) in &self.yearly {
            for y in 1969..=2201 {
                if NaiveDate::from_ymd_opt(y, m, d).is_some() {
                    dates.push(jiff::civil::date(y as i16, m as i8, d as i8));
                }
            }
        }
        b.rule(Holidays::new(dates)).build().unwrap()
    }
}

fn day_spans() -> impl Strategy<Value = Vec<(u16, u16)>> {
    // Quarter hours hit every DST edge of the zones (Chatham's is 02:45);
    // 00:00 and 24:00 are favoured so overnight pairs across days are common.
    prop::collection::btree_set(
        prop_oneof![2 => Just(0u16), 2 => Just(96u16), 8 => 0u16..=96],
        0..=6,
    )
    .prop_map(|points| {
        let points: Vec<u16> = points.into_iter().collect();
        points
            .chunks_exact(2)
            .map(|c| (c[0] * 15, c[1] * 15))
            .collect()
    })
}

fn cal() -> impl Strategy<Value = Cal> {
    (
        prop::sample::select(&ZONES[..]),
        prop::array::uniform7(day_spans()),
        prop::collection::vec(0u64..3 * 366, 0..8),
        prop::collection::vec((1u32..=12, 1u32..=28), 0..3),
    )
        .prop_filter("workclock needs some weekly hours", |(_, week, _, _)| {
            week.iter().any(|d| !d.is_empty())
        })
        .prop_map(|(zone, week, holidays, yearly)| Cal {
            zone,
            week,
            holidays: holidays
                .into_iter()
                .map(|d| NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(d))
                .collect(),
            yearly,
        })
}

/// The zone's offset changes in the window (to the hour), computed once per zone.
fn transitions(zone: &str) -> &'static [i64] {
    static ALL: std::sync::OnceLock<Vec<Vec<i64>>> = std::sync::OnceLock::new();
    let all = ALL.get_or_init(|| ZONES.iter().map(|z| scan_transitions(z)).collect());
    &all[ZONES.iter().position(|z| *z == zone).unwrap()]
}

fn scan_transitions(zone: &str) -> Vec<i64> {
    let tz: Tz = zone.parse().unwrap();
    let offset = |t: i64| {
        tz.offset_from_utc_datetime(&DateTime::from_timestamp(t, 0).unwrap().naive_utc())
            .fix()
    };
    let mut out = Vec::new();
    let mut t = LO;
    while t < HI {
        if offset(t) != offset(t + 3600) {
            out.push(t);
        }
        t += 3600;
    }
    out
}

/// An instant: uniform in the window, or within three days of a transition.
#[derive(Debug, Clone, Copy)]
struct Pick(bool, u32, i64);

fn pick() -> impl Strategy<Value = Pick> {
    (any::<bool>(), any::<u32>(), -3 * 86_400i64..3 * 86_400).prop_map(|(a, b, c)| Pick(a, b, c))
}

impl Pick {
    fn at(self, transitions: &[i64]) -> i64 {
        if self.0 && !transitions.is_empty() {
            let base = transitions[self.1 as usize % transitions.len()];
            // Round to a quarter hour half the time so instants hit span edges.
            let t = base + self.2;
            if self.1.is_multiple_of(2) {
                t - t.rem_euclid(900)
            } else {
                t
            }
        } else {
            LO + i64::from(self.1) % (HI - LO)
        }
    }
}

fn duration() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        (0i64..=800).prop_map(|q| q * 900),
        0i64..400 * 3600,
    ]
}

fn utc(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap()
}

fn ts(t: i64) -> Timestamp {
    Timestamp::from_second(t).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// add, between and next_open agree with workclock 0.1.4 on random calendars.
    #[test]
    fn agrees_with_workclock(
        cal in cal(),
        starts in prop::collection::vec((pick(), duration()), 12),
        pairs in prop::collection::vec((pick(), pick()), 12),
    ) {
        let ours = cal.ours();
        let theirs = cal.workclock();
        let tr = transitions(cal.zone);
        for (p, d) in starts {
            let s = p.at(tr);
            let got = ours.add(utc(s), Duration::seconds(d)).unwrap();
            let want = theirs.add(ts(s), SignedDuration::from_secs(d)).unwrap();
            prop_assert_eq!(got.timestamp(), want.as_second(), "add({}, {}s)", utc(s), d);
            let next = ours.next_open(utc(s)).unwrap();
            let period = theirs.next_period(ts(s)).unwrap();
            prop_assert_eq!(next.timestamp(), period.start.as_second(), "next_open({})", utc(s));
            if ours.is_open(utc(s)) {
                prop_assert_eq!(next.timestamp(), s);
                // workclock caps a period at its search limit; compare shorter ones.
                if let Ok(close) = ours.next_close(utc(s))
                    && close.timestamp() - s < 200 * 86_400 {
                        prop_assert_eq!(close.timestamp(), period.end.as_second(), "next_close({})", utc(s));
                    }
            }
        }
        for (a, b) in pairs {
            let (a, b) = (a.at(tr), b.at(tr));
            let got = ours.between(utc(a), utc(b)).unwrap();
            let want = theirs.between(ts(a), ts(b));
            prop_assert_eq!(got.num_seconds(), want.as_secs(), "between({}, {})", utc(a), utc(b));
        }
    }

    /// The same over the whole supported range, 1970..=2200: old tzdata
    /// history, and after 2099, where chrono-tz's tables stop and the
    /// calendar continues the zone's last DST rule as jiff does.
    #[test]
    fn agrees_with_workclock_1970_to_2200(
        cal in cal(),
        cases in prop::collection::vec((0i64..7_258_118_400 - 400 * 3600, duration(), 0i64..2_000_000), 6),
    ) {
        let ours = cal.ours();
        let theirs = cal.workclock();
        for (s, d, span) in cases {
            let got = ours.add(utc(s), Duration::seconds(d)).unwrap();
            let want = theirs.add(ts(s), SignedDuration::from_secs(d)).unwrap();
            prop_assert_eq!(got.timestamp(), want.as_second(), "add({}, {}s)", utc(s), d);
            let got = ours.between(utc(s), utc(s + span)).unwrap();
            let want = theirs.between(ts(s), ts(s + span));
            prop_assert_eq!(got.num_seconds(), want.as_secs(), "between({}, {})", utc(s), utc(s + span));
        }
    }

    /// The laws of DESIGN.md "Testing", on random calendars (with special days).
    #[test]
    fn calendar_laws(
        cal in cal(),
        special in prop::collection::vec((0u64..3 * 366, day_spans()), 0..4),
        cases in prop::collection::vec((pick(), duration(), duration()), 12),
    ) {
        let mut b = BusinessCalendar::builder(cal.zone);
        for (day, spans) in DAYS.iter().zip(&cal.week) {
            let texts = Cal::texts(spans);
            b = b.hours(*day, &texts.iter().map(String::as_str).collect::<Vec<_>>());
        }
        for &h in &cal.holidays {
            b = b.holiday(h);
        }
        for (d, spans) in &special {
            let texts = Cal::texts(spans);
            let date = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(*d);
            b = b.special_day(date, &texts.iter().map(String::as_str).collect::<Vec<_>>());
        }
        let c = b.build().unwrap();
        let tr = transitions(cal.zone);
        for (p, d1, d2) in cases {
            let s = utc(p.at(tr));
            let (d1, d2) = (Duration::seconds(d1.min(d2)), Duration::seconds(d1.max(d2)));
            let r1 = c.add(s, d1).unwrap();
            let r2 = c.add(s, d2).unwrap();
            prop_assert_eq!(c.between(s, r1).unwrap(), d1);
            prop_assert_eq!(c.between(s, r2).unwrap(), d2);
            prop_assert_eq!(c.between(r2, s).unwrap(), -d2);
            prop_assert!(r1 <= r2, "add not monotonic");
            prop_assert!(r1 >= s);
            if d1 > Duration::zero() {
                // The due ends business time: the second before it is open,
                // and one second less of business time is reached earlier.
                prop_assert!(c.is_open(r1 - Duration::seconds(1)), "due {} inside closed time", r1);
                prop_assert_eq!(c.add(s, d1 - Duration::seconds(1)).unwrap(), r1 - Duration::seconds(1));
            }
            prop_assert_eq!(c.between(s, r1).unwrap() + c.between(r1, r2).unwrap(), c.between(s, r2).unwrap());
            let open = c.next_open(s).unwrap();
            prop_assert!(c.is_open(open));
            prop_assert_eq!(c.between(s, open).unwrap(), Duration::zero());
        }
    }

    /// A 24/7 calendar in any zone counts real time, DST or not.
    #[test]
    fn always_open_is_real_time(zone in prop::sample::select(&ZONES[..]), cases in prop::collection::vec((pick(), duration()), 8)) {
        let all = ["00:00-24:00"];
        let mut b = BusinessCalendar::builder(zone);
        for day in DAYS {
            b = b.hours(day, &all);
        }
        let c = b.build().unwrap();
        let utc_always = BusinessCalendar::always_open();
        let tr = transitions(zone);
        for (p, d) in cases {
            let s = utc(p.at(tr));
            let d = Duration::seconds(d);
            prop_assert_eq!(c.add(s, d).unwrap(), s + d);
            prop_assert_eq!(utc_always.add(s, d).unwrap(), s + d);
            prop_assert_eq!(c.between(s, s + d).unwrap(), d);
            prop_assert_eq!(c.between(s + d, s).unwrap(), -d);
            prop_assert!(c.is_open(s));
        }
    }
}

#[test]
fn never_open_calendars_error_instead_of_looping() {
    let empty = BusinessCalendar::from_toml("time_zone = \"UTC\"").unwrap();
    let t = utc(LO);
    assert_eq!(
        empty.add(t, Duration::hours(1)),
        Err(CalendarError::NeverOpen)
    );
    assert_eq!(empty.add(t, Duration::zero()), Ok(t));
    assert_eq!(empty.next_open(t), Err(CalendarError::NeverOpen));
    assert_eq!(empty.between(utc(0), t), Ok(Duration::zero()));
    // Only a special day in the past: open time ran out.
    let past = BusinessCalendar::from_toml(
        "time_zone = \"Europe/London\"\n[special_days]\n\"2020-06-01\" = [\"09:00-10:00\"]",
    )
    .unwrap();
    assert_eq!(
        past.add(t, Duration::seconds(1)),
        Err(CalendarError::NeverOpen)
    );
    let before: DateTime<Utc> = "2020-06-01T07:00:00Z".parse().unwrap();
    assert_eq!(
        past.add(before, Duration::hours(1)).unwrap(),
        "2020-06-01T09:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(
        past.add(before, Duration::minutes(61)),
        Err(CalendarError::NeverOpen)
    );
    // Every date of the year a holiday closes everything for good.
    let mut holidays = Vec::new();
    for d in 0..366u64 {
        let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(d);
        holidays.push(format!("\"--{}\"", date.format("%m-%d")));
    }
    let toml = format!(
        "time_zone = \"UTC\"\nholidays = [{}]\n[week]\nmon = [\"09:00-17:00\"]",
        holidays.join(",")
    );
    let closed = BusinessCalendar::from_toml(&toml).unwrap();
    assert_eq!(
        closed.add(t, Duration::seconds(1)),
        Err(CalendarError::NeverOpen)
    );
}
