//! The calendar file format (DESIGN.md) and its validation into [`Rules`].
//!
//! The file is deserialized into plain strings first and validated here, so an
//! error can name the exact path (`week.mon[1]`) and value (`25:00-26:00`)
//! instead of a parser position.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::ConfigError;

/// Minutes in a day: the `24:00` end of an interval.
pub(crate) const DAY_MINUTES: u16 = 24 * 60;

/// The calendar file as written, kept so a calendar serializes back to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CalendarFile {
    pub(crate) time_zone: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) holidays: Vec<String>,
    #[serde(default)]
    pub(crate) week: WeekFile,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) special_days: BTreeMap<String, Vec<String>>,
}

/// `[week]`: days not listed are closed. `Option` keeps `sat = []` on a round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WeekFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mon: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tue: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) wed: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) thu: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) fri: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sat: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sun: Option<Vec<String>>,
}

impl WeekFile {
    /// The days from Monday, with their key in the file.
    fn days(&self) -> [(&'static str, Option<&Vec<String>>); 7] {
        [
            ("mon", self.mon.as_ref()),
            ("tue", self.tue.as_ref()),
            ("wed", self.wed.as_ref()),
            ("thu", self.thu.as_ref()),
            ("fri", self.fri.as_ref()),
            ("sat", self.sat.as_ref()),
            ("sun", self.sun.as_ref()),
        ]
    }

    pub(crate) fn day_mut(&mut self, day: Weekday) -> &mut Option<Vec<String>> {
        match day {
            Weekday::Mon => &mut self.mon,
            Weekday::Tue => &mut self.tue,
            Weekday::Wed => &mut self.wed,
            Weekday::Thu => &mut self.thu,
            Weekday::Fri => &mut self.fri,
            Weekday::Sat => &mut self.sat,
            Weekday::Sun => &mut self.sun,
        }
    }
}

/// An open interval of one local date, in minutes from local midnight;
/// `end` may be [`DAY_MINUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u16,
    pub(crate) end: u16,
}

/// A validated calendar, ready to be compiled into tables.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub(crate) tz: Tz,
    /// Indexed by days from Monday.
    pub(crate) week: [Vec<Span>; 7],
    pub(crate) holidays: BTreeSet<NaiveDate>,
    /// Bit `d` of `yearly[m]` is set when `--mm-dd` is a holiday.
    pub(crate) yearly: [u32; 13],
    pub(crate) special: BTreeMap<NaiveDate, Vec<Span>>,
}

impl Rules {
    /// Whether the whole local date is closed by a holiday rule (special days
    /// are checked by the caller, since they override holidays).
    pub(crate) fn is_holiday(&self, date: NaiveDate) -> bool {
        self.yearly[date.month() as usize] & (1 << date.day()) != 0 || self.holidays.contains(&date)
    }

    /// The open spans of a local date: a special day's own, none on a
    /// holiday, else the weekday's.
    pub(crate) fn spans(&self, date: NaiveDate) -> &[Span] {
        if let Some(spans) = self.special.get(&date) {
            return spans;
        }
        if self.is_holiday(date) {
            return &[];
        }
        &self.week[date.weekday().num_days_from_monday() as usize]
    }

    /// Whether open time keeps recurring forever. When false, every open
    /// minute lies on a special day.
    pub(crate) fn recurs(&self) -> bool {
        // Every yearly date holiday (366 of them, with --02-29) closes all weekdays for good.
        let yearly_days: u32 = self.yearly.iter().map(|m| m.count_ones()).sum();
        self.week.iter().any(|d| !d.is_empty()) && yearly_days < 366
    }
}

/// Validates a calendar file; errors name the path and the value.
pub(crate) fn compile(file: &CalendarFile) -> Result<Rules, ConfigError> {
    let tz: Tz = file.time_zone.parse().map_err(|_| {
        ConfigError::new(
            "time_zone",
            Some(file.time_zone.clone()),
            "unknown IANA time zone",
        )
    })?;
    let mut week: [Vec<Span>; 7] = Default::default();
    for ((key, spans), out) in file.week.days().into_iter().zip(&mut week) {
        if let Some(spans) = spans {
            *out = parse_spans(&format!("week.{key}"), spans)?;
        }
    }
    let mut holidays = BTreeSet::new();
    let mut yearly = [0u32; 13];
    for (i, text) in file.holidays.iter().enumerate() {
        let path = format!("holidays[{i}]");
        if let Some(month_day) = text.strip_prefix("--") {
            let (month, day) = parse_month_day(month_day).ok_or_else(|| {
                ConfigError::new(
                    path,
                    Some(text.clone()),
                    "expected a date `YYYY-MM-DD` or a yearly date `--MM-DD`",
                )
            })?;
            yearly[month as usize] |= 1 << day;
        } else {
            holidays.insert(parse_date(&path, text)?);
        }
    }
    let mut special = BTreeMap::new();
    for (key, spans) in &file.special_days {
        let path = format!("special_days.\"{key}\"");
        let date = parse_date(&path, key)?;
        special.insert(date, parse_spans(&path, spans)?);
    }
    Ok(Rules {
        tz,
        week,
        holidays,
        yearly,
        special,
    })
}

fn parse_date(path: &str, text: &str) -> Result<NaiveDate, ConfigError> {
    let well_formed = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    well_formed
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| {
            ConfigError::new(
                path,
                Some(text.to_owned()),
                "expected a date `YYYY-MM-DD` or a yearly date `--MM-DD`",
            )
        })
}

/// `MM-DD` of a yearly date; February 29 is allowed (it closes leap days only).
fn parse_month_day(text: &str) -> Option<(u32, u32)> {
    let (month, day) = text.split_once('-')?;
    if month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (month, day) = (month.parse().ok()?, day.parse().ok()?);
    NaiveDate::from_ymd_opt(2000, month, day).map(|_| (month, day))
}

/// `HH:MM`, from `00:00` to `24:00`, as minutes.
fn parse_time(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b':' || !text.is_char_boundary(2) {
        return None;
    }
    if !b
        .iter()
        .enumerate()
        .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return None;
    }
    let (hours, minutes): (u16, u16) = (text[..2].parse().ok()?, text[3..].parse().ok()?);
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= DAY_MINUTES).then_some(total)
}

fn parse_spans(path: &str, texts: &[String]) -> Result<Vec<Span>, ConfigError> {
    let mut spans: Vec<Span> = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let error =
            |message: &str| ConfigError::new(format!("{path}[{i}]"), Some(text.clone()), message);
        let span = text
            .split_once('-')
            .and_then(|(s, e)| {
                Some(Span {
                    start: parse_time(s)?,
                    end: parse_time(e)?,
                })
            })
            .ok_or_else(|| error("expected `HH:MM-HH:MM` with times from 00:00 to 24:00"))?;
        if span.start >= span.end {
            return Err(error("the start must be before the end"));
        }
        if spans.last().is_some_and(|last| span.start < last.end) {
            return Err(error("intervals must be sorted and must not overlap"));
        }
        spans.push(span);
    }
    Ok(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(toml_text: &str) -> Result<Rules, ConfigError> {
        compile(&crate::load::toml(toml_text)?)
    }

    #[test]
    fn times_and_spans() {
        assert_eq!(parse_time("00:00"), Some(0));
        assert_eq!(parse_time("24:00"), Some(1440));
        assert_eq!(parse_time("24:01"), None);
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("9:00"), None);
        assert_eq!(parse_time("09:60"), None);
        assert_eq!(parse_time("+9:00"), None);
    }

    #[test]
    fn errors_name_path_and_value() {
        let e = file("time_zone = \"UTC\"\n[week]\nmon = [\"09:00-12:00\", \"25:00-26:00\"]")
            .unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.value.as_deref()),
            ("week.mon[1]", Some("25:00-26:00"))
        );
        let e = file("time_zone = \"UTC\"\n[week]\ntue = [\"13:00-17:00\", \"09:00-12:00\"]")
            .unwrap_err();
        assert_eq!(e.path, "week.tue[1]");
        let e = file("time_zone = \"UTC\"\n[week]\ntue = [\"09:00-12:00\", \"11:00-17:00\"]")
            .unwrap_err();
        assert_eq!(e.path, "week.tue[1]");
        let e = file("time_zone = \"UTC\"\n[week]\nwed = [\"17:00-09:00\"]").unwrap_err();
        assert_eq!(e.path, "week.wed[0]");
        let e = file("time_zone = \"Mars/Olympus\"").unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.value.as_deref()),
            ("time_zone", Some("Mars/Olympus"))
        );
        let e =
            file("time_zone = \"UTC\"\nholidays = [\"2026-01-01\", \"2026-02-30\"]").unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.value.as_deref()),
            ("holidays[1]", Some("2026-02-30"))
        );
        let e = file("time_zone = \"UTC\"\nholidays = [\"--13-01\"]").unwrap_err();
        assert_eq!(e.path, "holidays[0]");
        let e = file("time_zone = \"UTC\"\n[special_days]\n\"2026-12-24\" = [\"09:00-33:00\"]")
            .unwrap_err();
        assert_eq!(e.path, "special_days.\"2026-12-24\"[0]");
        let e = file("time_zone = \"UTC\"\n[special_days]\n\"2026-12-32\" = []").unwrap_err();
        assert_eq!(e.path, "special_days.\"2026-12-32\"");
        let e = file("time_zone = \"UTC\"\n[week]\nmonday = []").unwrap_err();
        assert!(e.to_string().contains("monday"), "{e}");
        let e = file("time_zone = \"UTC\"\nholiday = []").unwrap_err();
        assert!(e.to_string().contains("holiday"), "{e}");
    }

    #[test]
    fn yearly_holidays_and_special_days() {
        let rules = file(
            "time_zone = \"UTC\"\nholidays = [\"--12-25\", \"--02-29\", \"2026-01-01\"]\n\
             [week]\nfri = [\"09:00-17:00\"]\n[special_days]\n\"2027-12-25\" = [\"10:00-11:00\"]",
        )
        .unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(rules.is_holiday(d(2030, 12, 25)));
        assert!(rules.is_holiday(d(2028, 2, 29)));
        assert!(rules.is_holiday(d(2026, 1, 1)));
        assert!(!rules.is_holiday(d(2027, 1, 1)));
        assert!(rules.spans(d(2026, 12, 25)).is_empty()); // a Friday holiday
        assert_eq!(
            rules.spans(d(2027, 12, 25)),
            &[Span {
                start: 600,
                end: 660
            }]
        );
        assert_eq!(
            rules.spans(d(2027, 12, 24)),
            &[Span {
                start: 540,
                end: 1020
            }]
        );
        assert!(rules.recurs());
    }
}
