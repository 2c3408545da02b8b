//! Business-time arithmetic over lazily built, cached year tables.
//!
//! Instants are UTC seconds. Each UTC year from [`FIRST_YEAR`] to
//! [`LAST_YEAR`](super::table::LAST_YEAR) gets a [`YearTable`] on first
//! use, kept in a `OnceLock` so concurrent readers never block each other
//! once it exists. Within a year every answer is an indexed lookup (see
//! [`YearTable`]); crossing years adds one step per year.

use std::sync::OnceLock;

use chrono::Datelike;

use super::CalendarError;
use super::config::Rules;
use super::table::{At, FIRST_YEAR, RANGE_END, YEAR_STARTS, YEARS, YearTable, resolve, year_start};

/// A compiled calendar.
#[derive(Debug)]
pub(crate) struct Engine {
    rules: Rules,
    years: Box<[OnceLock<YearTable>]>,
    /// No open time at or after this instant (`i64::MAX` when open time recurs).
    open_until: i64,
}

impl Engine {
    pub(crate) fn new(rules: Rules) -> Self {
        let open_until = if rules.recurs() {
            i64::MAX
        } else {
            rules
                .special
                .iter()
                .filter(|(_, spans)| !spans.is_empty())
                .map(|(&date, _)| resolve(rules.tz, date, super::config::DAY_MINUTES))
                .max()
                .unwrap_or(i64::MIN)
        };
        Engine {
            rules,
            years: (0..YEARS).map(|_| OnceLock::new()).collect(),
            open_until,
        }
    }

    pub(crate) fn rules(&self) -> &Rules {
        &self.rules
    }

    #[inline]
    fn table(&self, year: usize) -> &YearTable {
        self.years[year]
            .get_or_init(|| YearTable::build(&self.rules, YEAR_STARTS[year], YEAR_STARTS[year + 1]))
    }

    /// Whether no open time is left from the start of `year` on.
    #[inline]
    fn exhausted(&self, year: usize) -> bool {
        YEAR_STARTS[year] >= self.open_until
    }

    #[inline]
    fn year(t: At) -> Result<usize, CalendarError> {
        t.year.ok_or_else(|| CalendarError::out_of_range(t.secs))
    }

    /// The earliest `t >= start` with `between(start, t) == d`, for `d >= 0`,
    /// with its cached year (the year whose table it was found in: `t` may
    /// also be that year's end).
    #[inline]
    pub(crate) fn add(&self, start: At, d: i64) -> Result<At, CalendarError> {
        let year = Self::year(start)?;
        if d == 0 {
            return Ok(start);
        }
        let prefix = if self.exhausted(year) {
            0
        } else {
            self.table(year).prefix(start.secs)
        };
        self.add_to_prefix(year, prefix, d)
    }

    /// The earliest instant at which business time from the start of
    /// `year` reaches `prefix + d`, for `d > 0` and `prefix` at most the
    /// year's total.
    #[inline]
    pub(crate) fn add_to_prefix(
        &self,
        mut year: usize,
        prefix: i64,
        d: i64,
    ) -> Result<At, CalendarError> {
        let mut target = prefix + d;
        if !self.exhausted(year) {
            let table = self.table(year);
            if target <= table.total {
                return Ok(At {
                    secs: table.locate(target),
                    year: Some(year),
                });
            }
            target -= table.total;
        }
        loop {
            year += 1;
            if year == YEARS {
                return Err(CalendarError::out_of_range(RANGE_END));
            }
            if self.exhausted(year) {
                return Err(CalendarError::NeverOpen);
            }
            let table = self.table(year);
            if target <= table.total {
                return Ok(At {
                    secs: table.locate(target),
                    year: Some(year),
                });
            }
            target -= table.total;
        }
    }

    /// Business seconds from the start of `t`'s year to `t`, and the open
    /// block containing `t` or else the next one that year (see
    /// [`YearTable::probe`]; `(i64::MAX, i64::MAX)` once no open time is left).
    #[inline]
    pub(crate) fn probe(&self, t: At) -> Result<(usize, i64, (i64, i64)), CalendarError> {
        let year = Self::year(t)?;
        if self.exhausted(year) {
            return Ok((year, 0, (i64::MAX, i64::MAX)));
        }
        let (prefix, block) = self.table(year).probe(t.secs, YEAR_STARTS[year + 1]);
        Ok((year, prefix, block))
    }

    /// Business seconds from `prefix_a` into year `ya` to `prefix_b` into
    /// year `yb`, negated when `yb < ya`: what [`between`](Self::between)
    /// answers for two probed instants, without probing again.
    pub(crate) fn span(&self, ya: usize, prefix_a: i64, yb: usize, prefix_b: i64) -> i64 {
        if yb < ya {
            return -self.span(yb, prefix_b, ya, prefix_a);
        }
        let mut total = prefix_b - prefix_a;
        for year in ya..yb {
            if self.exhausted(year) {
                break;
            }
            total += self.table(year).total;
        }
        total
    }

    /// Business seconds in `[a, b)`, negated when `b < a`.
    #[inline]
    pub(crate) fn between(&self, a: At, b: At) -> Result<i64, CalendarError> {
        if b.secs < a.secs {
            return self.between(b, a).map(|d| -d);
        }
        let (ya, yb) = (Self::year(a)?, Self::year(b)?);
        let (a, b) = (a.secs, b.secs);
        if ya == yb {
            if self.exhausted(ya) {
                return Ok(0);
            }
            let table = self.table(ya);
            return Ok(table.prefix(b) - table.prefix(a));
        }
        let mut total = 0;
        for year in ya..=yb {
            if self.exhausted(year) {
                break;
            }
            let table = self.table(year);
            let upto = if year == yb {
                table.prefix(b)
            } else {
                table.total
            };
            let from = if year == ya { table.prefix(a) } else { 0 };
            total += upto - from;
        }
        Ok(total)
    }

    pub(crate) fn is_open(&self, t: At) -> bool {
        let At { secs: t, year } = t;
        if let Some(year) = year {
            return !self.exhausted(year) && self.table(year).block_at(t).is_some();
        }
        // Outside the cached years: build that year's table once, uncached.
        let Some(year) = chrono::DateTime::from_timestamp(t, 0).map(|d| i64::from(d.year())) else {
            return false;
        };
        let table = YearTable::build(&self.rules, year_start(year), year_start(year + 1));
        table.block_at(t).is_some()
    }

    /// `t` if open, else the start of the next open block.
    pub(crate) fn next_open(&self, t: At) -> Result<i64, CalendarError> {
        let mut year = Self::year(t)?;
        let t = t.secs;
        let mut from = t;
        loop {
            if self.exhausted(year) {
                return Err(CalendarError::NeverOpen);
            }
            if let Some((start, _)) = self.table(year).block_from(from) {
                return Ok(start.max(t));
            }
            year += 1;
            if year == YEARS {
                return Err(CalendarError::out_of_range(RANGE_END));
            }
            from = YEAR_STARTS[year];
        }
    }

    /// `t` if closed, else the end of the open stretch containing `t`.
    pub(crate) fn next_close(&self, t: At) -> Result<i64, CalendarError> {
        let mut year = Self::year(t)?;
        let t = t.secs;
        if self.exhausted(year) {
            return Ok(t);
        }
        let Some((_, mut end)) = self.table(year).block_at(t) else {
            return Ok(t);
        };
        // Tables split open stretches at year ends; follow them across.
        while end == YEAR_STARTS[year + 1] {
            year += 1;
            if year == YEARS {
                return Err(CalendarError::NeverCloses);
            }
            if self.exhausted(year) {
                break;
            }
            match self.table(year).block_at(end) {
                Some((_, next_end)) => end = next_end,
                None => break,
            }
        }
        Ok(end)
    }
}

/// First year of the supported range, for messages.
pub(crate) const SUPPORTED: (i32, i32) = (FIRST_YEAR, super::table::LAST_YEAR);
