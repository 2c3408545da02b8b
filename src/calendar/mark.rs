//! Crate-internal business-time lookups for the SLA clock, which asks about
//! many instants of one ticket: each is placed once in its year's table
//! (a [`Mark`]), and business time between marks, or a due after one, needs
//! no second lookup.

use chrono::{DateTime, Utc};

use super::{BusinessCalendar, CalendarError, instant_at, secs, table};

/// The UTC year of an instant, as a hint for [`datetime_from_secs`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct YearHint(Option<usize>);

impl YearHint {
    /// The year of `t`.
    #[inline]
    pub(crate) fn of(t: DateTime<Utc>) -> YearHint {
        YearHint(table::At::new(t).year)
    }
}

/// `DateTime::from_timestamp(t, 0)`, cheaper within 1970..=2200, and
/// cheaper still when `t` is in the year of `hint` (later years cost a
/// search).
#[inline]
pub(crate) fn datetime_from_secs(t: i64, hint: YearHint) -> Option<DateTime<Utc>> {
    match hint.0 {
        Some(year) => table::to_datetime_in(t, year),
        None => table::to_datetime(t),
    }
}

/// Where an instant stands in a calendar, for the SLA clock, which asks
/// about many instants of one ticket: business time since the start of its
/// UTC year, from which business time between two marks is a difference
/// and a due one more lookup, and the open block at or after it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    year: usize,
    prefix: i64,
    /// The open block `[open, close)` containing the instant or else the
    /// next one in its year, in UTC seconds: `[instant, open)` is closed.
    /// Blocks end at year ends, and `(i64::MAX, i64::MAX)` when no open
    /// time is left.
    pub(crate) block: (i64, i64),
}

impl Mark {
    /// The mark of an instant `d` business seconds later within the same
    /// UTC year (within `block`, say).
    pub(crate) fn advanced(self, d: i64) -> Mark {
        Mark {
            prefix: self.prefix + d,
            ..self
        }
    }
}

impl BusinessCalendar {
    /// The [`Mark`] of `t` (sub-second parts dropped, as everywhere).
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] when `t` is outside 1970..=2200.
    #[inline]
    pub(crate) fn mark(&self, t: DateTime<Utc>) -> Result<Mark, CalendarError> {
        let (year, prefix, block) = self.inner.engine.probe(secs(t))?;
        Ok(Mark {
            year,
            prefix,
            block,
        })
    }

    /// Business seconds between two marked instants, negated when `b` is
    /// before `a`: `between(a, b)` without looking either up again.
    #[inline]
    pub(crate) fn between_marks(&self, a: Mark, b: Mark) -> i64 {
        if a.year == b.year {
            return b.prefix - a.prefix;
        }
        self.inner.engine.span(a.year, a.prefix, b.year, b.prefix)
    }

    /// `add(start, d)` for the marked `start` and `d > 0` business seconds.
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add).
    #[inline]
    pub(crate) fn add_to_mark(&self, start: Mark, d: i64) -> Result<DateTime<Utc>, CalendarError> {
        instant_at(
            self.inner
                .engine
                .add_to_prefix(start.year, start.prefix, d)?,
        )
    }
}
