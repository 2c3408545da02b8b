//! Business calendars: when support is open, and business-time arithmetic.
//!
//! A [`BusinessCalendar`] is weekly opening hours in an IANA time zone, minus
//! holidays, plus special days with their own hours. It answers two questions
//! an SLA needs, both on UTC instants with second precision:
//!
//! - [`between`](BusinessCalendar::between): how much business time lies in `[a, b)`;
//! - [`add`](BusinessCalendar::add): when a given amount of business time,
//!   counted from a start, is used up (the due).
//!
//! # File format
//!
//! ```toml
//! time_zone = "America/New_York"            # IANA name, required
//! holidays = ["2026-01-01", "--12-25"]      # one-off dates, or yearly `--MM-DD`
//! [week]                                    # days not listed are closed
//! mon = ["09:00-17:00"]
//! tue = ["09:00-12:00", "13:00-17:00"]      # sorted, non-overlapping; end may be 24:00
//! [special_days]                            # replaces the weekday's hours and any holiday
//! "2026-12-24" = ["09:00-13:00"]
//! ```
//!
//! # Semantics
//!
//! - Wall-clock edges resolve by the RFC 5545 "compatible" rule: a time in a
//!   DST gap moves forward by the gap's length; a repeated time takes the
//!   earlier occurrence.
//! - A holiday closes its whole local date `[00:00, 24:00)`. Overnight hours
//!   are two intervals, `"22:00-24:00"` and the next day's `"00:00-06:00"`.
//! - `between(a, b)` is business time in `[a, b)`, negated when `b < a`.
//! - `add(start, d)` is the earliest `t >= start` with `between(start, t) == d`:
//!   `add(start, 0) == start`, and a due that uses up an interval lands on
//!   its end (17:00), not on the next opening.
//! - Sub-second parts of instants are truncated (towards the past) and
//!   durations are truncated to whole seconds.
//! - Arithmetic covers 1970-01-01T00:00:00Z to 2201-01-01T00:00:00Z
//!   (exclusive); outside it, [`CalendarError::OutOfRange`].
//!
//! # Performance
//!
//! Each UTC year is compiled, on first use, into a table of open intervals
//! with running totals and cached (thread-safely) inside the calendar, so
//! `add` and `between` are a few indexed lookups each, independent of the
//! duration and of the number of holidays. Clones share the cache.
//!
//! # Examples
//!
//! ```
//! use chrono::{DateTime, Duration, Utc};
//! use helpdesk::BusinessCalendar;
//!
//! let calendar = BusinessCalendar::from_toml(r#"
//!     time_zone = "America/New_York"
//!     holidays = ["2026-12-25"]
//!     [week]
//!     mon = ["09:00-17:00"]
//!     tue = ["09:00-17:00"]
//!     wed = ["09:00-17:00"]
//!     thu = ["09:00-17:00"]
//!     fri = ["09:00-17:00"]
//! "#)?;
//! // Opened on Christmas Eve at 16:00 New York time, with 8 business hours.
//! let opened: DateTime<Utc> = "2026-12-24T21:00:00Z".parse()?;
//! let due = calendar.add(opened, Duration::hours(8))?;
//! assert_eq!(due, "2026-12-28T21:00:00Z".parse::<DateTime<Utc>>()?); // Monday 16:00
//! assert_eq!(calendar.between(opened, due)?, Duration::hours(8));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod engine;
mod mark;
mod table;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use self::config::{CalendarFile, compile};
use self::engine::Engine;
pub(crate) use self::mark::{Mark, YearHint, datetime_from_secs};
use crate::ConfigError;

/// A business calendar could not be built or could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The calendar has no open time at all (or none left after the instant
    /// asked about), so no due can be computed.
    #[error("the calendar has no open time")]
    NeverOpen,
    /// An instant is outside the supported range, 1970-01-01T00:00:00Z to
    /// 2201-01-01T00:00:00Z (exclusive). For a result that would pass the
    /// end, `instant` is that end.
    #[error("instant {instant} is outside the supported range (years {FIRST}..={LAST})", FIRST = engine::SUPPORTED.0, LAST = engine::SUPPORTED.1)]
    OutOfRange {
        /// The offending instant.
        instant: DateTime<Utc>,
    },
    /// `add` was given a negative duration.
    #[error("negative business duration {duration}")]
    NegativeDuration {
        /// The duration given.
        duration: Duration,
    },
    /// `next_close` was asked inside open time that lasts past the supported
    /// range (a 24/7 calendar never closes).
    #[error("the calendar never closes")]
    NeverCloses,
}

/// A calendar that cannot answer, seen from the desk: a calendar without
/// open time is a configuration mistake; an instant or duration out of
/// range is bad input.
impl From<CalendarError> for crate::Error {
    fn from(e: CalendarError) -> Self {
        match e {
            CalendarError::NeverOpen | CalendarError::NeverCloses => {
                ConfigError::new("calendar", None, e.to_string()).into()
            }
            CalendarError::OutOfRange { .. } => crate::Error::validation("instant", e.to_string()),
            CalendarError::NegativeDuration { .. } => {
                crate::Error::validation("duration", e.to_string())
            }
        }
    }
}

impl CalendarError {
    fn out_of_range(t: i64) -> Self {
        CalendarError::OutOfRange {
            instant: DateTime::from_timestamp(t, 0).unwrap_or(DateTime::<Utc>::MAX_UTC),
        }
    }
}

/// Opening hours in a time zone, with holidays and special days, answering
/// business-time questions on UTC instants.
///
/// Cheap to clone: clones share the compiled schedule and its cache. See the
/// [module documentation](self) for the file format and the exact semantics.
///
/// Serializes to, and deserializes from, the file format (TOML or JSON).
#[derive(Clone)]
pub struct BusinessCalendar {
    inner: Arc<Inner>,
}

struct Inner {
    file: CalendarFile,
    engine: Engine,
}

impl fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BusinessCalendar")
            .field("file", &self.inner.file)
            .finish_non_exhaustive()
    }
}

impl PartialEq for BusinessCalendar {
    /// Calendars are equal when they were written the same way.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner) || self.inner.file == other.inner.file
    }
}

/// Whole seconds of an instant; sub-second parts are dropped towards the past.
#[inline]
fn secs(t: DateTime<Utc>) -> table::At {
    table::At::new(t)
}

#[inline]
fn instant(t: i64) -> Result<DateTime<Utc>, CalendarError> {
    table::to_datetime(t).ok_or(CalendarError::OutOfRange {
        instant: DateTime::<Utc>::MAX_UTC,
    })
}

/// [`instant`] for an answer whose year is known, sparing the year search.
#[inline]
fn instant_at(t: table::At) -> Result<DateTime<Utc>, CalendarError> {
    let Some(year) = t.year else {
        return instant(t.secs);
    };
    table::to_datetime_in(t.secs, year).ok_or(CalendarError::OutOfRange {
        instant: DateTime::<Utc>::MAX_UTC,
    })
}

impl BusinessCalendar {
    fn from_file(file: CalendarFile) -> Result<Self, ConfigError> {
        let rules = compile(&file)?;
        Ok(BusinessCalendar {
            inner: Arc::new(Inner {
                file,
                engine: Engine::new(rules),
            }),
        })
    }

    /// Reads a calendar in the TOML file format.
    ///
    /// Errors are [`crate::Error::Config`], naming the field (e.g.
    /// `week.mon[1]`) and the value (e.g. `25:00-26:00`).
    ///
    /// # Examples
    ///
    /// ```
    /// use helpdesk::{BusinessCalendar, Error};
    ///
    /// let calendar = BusinessCalendar::from_toml("time_zone = \"Europe/London\"\n[week]\nmon = [\"09:00-17:00\"]")?;
    /// assert_eq!(calendar.time_zone(), chrono_tz::Europe::London);
    ///
    /// let bad = BusinessCalendar::from_toml("time_zone = \"UTC\"\n[week]\nmon = [\"09:00-12:00\", \"25:00-26:00\"]");
    /// let Err(Error::Config(e)) = bad else { panic!("expected a config error") };
    /// assert_eq!((e.path.as_str(), e.value.as_deref()), ("week.mon[1]", Some("25:00-26:00")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_toml(s: &str) -> crate::Result<Self> {
        let file: CalendarFile = crate::load::toml(s)?;
        Ok(Self::from_file(file)?)
    }

    /// Reads a calendar in the JSON form of the file format.
    ///
    /// # Examples
    ///
    /// ```
    /// use helpdesk::BusinessCalendar;
    ///
    /// let calendar = BusinessCalendar::from_json(
    ///     r#"{"time_zone": "Asia/Kolkata", "holidays": ["--01-26"], "week": {"mon": ["09:30-18:00"]}}"#,
    /// )?;
    /// assert_eq!(calendar.time_zone(), chrono_tz::Asia::Kolkata);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(s: &str) -> crate::Result<Self> {
        let file: CalendarFile = crate::load::json(s)?;
        Ok(Self::from_file(file)?)
    }

    /// A calendar open around the clock, in UTC: business time is real time.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{DateTime, Duration, Utc};
    /// use helpdesk::BusinessCalendar;
    ///
    /// let always = BusinessCalendar::always_open();
    /// let t: DateTime<Utc> = "2026-03-08T06:30:00Z".parse()?;
    /// assert_eq!(always.add(t, Duration::hours(30))?, t + Duration::hours(30));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn always_open() -> Self {
        let mut builder = Self::builder("UTC");
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ] {
            builder = builder.hours(day, &["00:00-24:00"]);
        }
        // Proven valid: a known zone and one whole-day interval per day.
        builder.build_config().expect("the 24/7 calendar is valid")
    }

    /// Starts a calendar in code, in the IANA zone `time_zone`; validated by
    /// [`CalendarBuilder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{NaiveDate, Weekday};
    /// use helpdesk::BusinessCalendar;
    ///
    /// let calendar = BusinessCalendar::builder("Europe/Berlin")
    ///     .hours(Weekday::Mon, &["08:00-12:00", "13:00-17:00"])
    ///     .hours(Weekday::Sat, &["22:00-24:00"])
    ///     .holiday(NaiveDate::from_ymd_opt(2026, 10, 3).ok_or("bad date")?)
    ///     .yearly_holiday(12, 25)
    ///     .special_day(NaiveDate::from_ymd_opt(2026, 12, 24).ok_or("bad date")?, &["09:00-12:00"])
    ///     .build()?;
    /// assert_eq!(calendar.time_zone(), chrono_tz::Europe::Berlin);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(time_zone: &str) -> CalendarBuilder {
        CalendarBuilder {
            file: CalendarFile {
                time_zone: time_zone.to_owned(),
                ..CalendarFile::default()
            },
        }
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.inner.engine.rules().tz
    }

    /// The earliest instant `t >= start` with `between(start, t) == d`: the
    /// due of `d` business time from `start`.
    ///
    /// `add(start, 0) == start`, even in closed time; a due that uses up an
    /// interval lands on its end.
    ///
    /// # Errors
    ///
    /// [`CalendarError::NegativeDuration`] for `d < 0`,
    /// [`CalendarError::NeverOpen`] when no open time is left,
    /// [`CalendarError::OutOfRange`] when `start` or the due is outside
    /// 1970..=2200.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{DateTime, Duration, Utc};
    /// use helpdesk::BusinessCalendar;
    ///
    /// let calendar = BusinessCalendar::from_toml("time_zone = \"UTC\"\n[week]\nfri = [\"09:00-17:00\"]")?;
    /// let friday: DateTime<Utc> = "2026-01-09T16:00:00Z".parse()?;
    /// assert_eq!(calendar.add(friday, Duration::hours(1))?, "2026-01-09T17:00:00Z".parse::<DateTime<Utc>>()?);
    /// assert_eq!(calendar.add(friday, Duration::hours(2))?, "2026-01-16T10:00:00Z".parse::<DateTime<Utc>>()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn add(&self, start: DateTime<Utc>, d: Duration) -> Result<DateTime<Utc>, CalendarError> {
        if d < Duration::zero() {
            return Err(CalendarError::NegativeDuration { duration: d });
        }
        instant_at(self.inner.engine.add(secs(start), d.num_seconds())?)
    }

    /// Business time in `[a, b)`, negated when `b < a`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] when `a` or `b` is outside 1970..=2200.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{DateTime, Duration, Utc};
    /// use helpdesk::BusinessCalendar;
    ///
    /// let calendar = BusinessCalendar::from_toml("time_zone = \"UTC\"\n[week]\nfri = [\"09:00-17:00\"]\nmon = [\"09:00-17:00\"]")?;
    /// let friday: DateTime<Utc> = "2026-01-09T16:00:00Z".parse()?;
    /// let monday: DateTime<Utc> = "2026-01-12T10:00:00Z".parse()?;
    /// assert_eq!(calendar.between(friday, monday)?, Duration::hours(2));
    /// assert_eq!(calendar.between(monday, friday)?, Duration::hours(-2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Result<Duration, CalendarError> {
        self.inner
            .engine
            .between(secs(a), secs(b))
            .map(Duration::seconds)
    }

    /// Whether `t` is in open time. Works for any instant; outside
    /// 1970..=2200 it is computed without the cache (slower).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use helpdesk::BusinessCalendar;
    ///
    /// let calendar = BusinessCalendar::from_toml("time_zone = \"Asia/Kolkata\"\n[week]\nmon = [\"09:00-17:00\"]")?;
    /// assert!(calendar.is_open("2026-01-05T03:30:00Z".parse::<DateTime<Utc>>()?)); // 09:00 IST
    /// assert!(!calendar.is_open("2026-01-05T11:30:00Z".parse::<DateTime<Utc>>()?)); // 17:00 IST
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        self.inner.engine.is_open(secs(t))
    }

    /// `t` itself if open, else the next instant the calendar opens.
    ///
    /// # Errors
    ///
    /// [`CalendarError::NeverOpen`] when no open time is left,
    /// [`CalendarError::OutOfRange`] when `t` or the answer is outside 1970..=2200.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use helpdesk::BusinessCalendar;
    ///
    /// let calendar = BusinessCalendar::from_toml("time_zone = \"UTC\"\n[week]\nmon = [\"09:00-17:00\"]")?;
    /// let saturday: DateTime<Utc> = "2026-01-10T10:00:00Z".parse()?;
    /// assert_eq!(calendar.next_open(saturday)?, "2026-01-12T09:00:00Z".parse::<DateTime<Utc>>()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_open(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        instant(self.inner.engine.next_open(secs(t))?)
    }

    /// `t` itself if closed, else the end of the open stretch containing `t`
    /// (adjacent intervals, such as `22:00-24:00` and `00:00-06:00`, form one stretch).
    ///
    /// # Errors
    ///
    /// [`CalendarError::NeverCloses`] when the stretch lasts past 2200,
    /// [`CalendarError::OutOfRange`] when `t` is outside 1970..=2200.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use helpdesk::BusinessCalendar;
    ///
    /// let calendar = BusinessCalendar::from_toml("time_zone = \"UTC\"\n[week]\nmon = [\"22:00-24:00\"]\ntue = [\"00:00-06:00\"]")?;
    /// let monday_night: DateTime<Utc> = "2026-01-12T23:00:00Z".parse()?;
    /// assert_eq!(calendar.next_close(monday_night)?, "2026-01-13T06:00:00Z".parse::<DateTime<Utc>>()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_close(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        instant(self.inner.engine.next_close(secs(t))?)
    }
}

/// Builds a [`BusinessCalendar`] in code; see [`BusinessCalendar::builder`].
///
/// Values are validated by [`build`](Self::build), with the same errors as
/// the file format (paths such as `week.mon[0]`).
#[derive(Debug, Clone)]
#[must_use]
pub struct CalendarBuilder {
    file: CalendarFile,
}

impl CalendarBuilder {
    /// Sets the open intervals (`"HH:MM-HH:MM"`, end up to `24:00`) of a weekday,
    /// replacing any set before.
    pub fn hours(mut self, day: Weekday, intervals: &[&str]) -> Self {
        *self.file.week.day_mut(day) = Some(intervals.iter().map(|&s| s.to_owned()).collect());
        self
    }

    /// Closes one local date.
    pub fn holiday(mut self, date: NaiveDate) -> Self {
        self.file.holidays.push(date.format("%Y-%m-%d").to_string());
        self
    }

    /// Closes a date every year (`--MM-DD` in the file); `(2, 29)` closes leap days.
    pub fn yearly_holiday(mut self, month: u32, day: u32) -> Self {
        self.file.holidays.push(format!("--{month:02}-{day:02}"));
        self
    }

    /// Gives one local date its own intervals, replacing its weekday's hours
    /// and any holiday; an empty list closes it.
    pub fn special_day(mut self, date: NaiveDate, intervals: &[&str]) -> Self {
        self.file.special_days.insert(
            date.format("%Y-%m-%d").to_string(),
            intervals.iter().map(|&s| s.to_owned()).collect(),
        );
        self
    }

    /// Validates and compiles the calendar.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] naming the field and value, as for
    /// [`BusinessCalendar::from_toml`].
    pub fn build(self) -> crate::Result<BusinessCalendar> {
        Ok(self.build_config()?)
    }

    fn build_config(self) -> Result<BusinessCalendar, ConfigError> {
        BusinessCalendar::from_file(self.file)
    }
}

impl Serialize for BusinessCalendar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.inner.file.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for BusinessCalendar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let file = CalendarFile::deserialize(deserializer)?;
        BusinessCalendar::from_file(file).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
