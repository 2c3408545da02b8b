//! One UTC year of a calendar compiled into sorted open blocks with running
//! totals, so that business time up to an instant, and the instant reached by
//! a business time, are each one binary search.

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::config::{DAY_MINUTES, Rules};

/// First year with a cached table.
pub(crate) const FIRST_YEAR: i32 = 1970;
/// Last year with a cached table.
pub(crate) const LAST_YEAR: i32 = 2200;
/// Number of cached years.
pub(crate) const YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// Days from 1970-01-01 to `y-m-d` (proleptic Gregorian), after Howard
/// Hinnant's `days_from_civil`; `const` so the year starts are a constant.
const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The UTC second at which `year` starts.
pub(crate) const fn year_start(year: i64) -> i64 {
    days_from_civil(year, 1, 1) * 86_400
}

/// `YEAR_STARTS[i]` is the start of year `FIRST_YEAR + i`; the last entry is
/// the end of `LAST_YEAR`.
pub(crate) const YEAR_STARTS: [i64; YEARS + 1] = {
    let mut out = [0; YEARS + 1];
    let mut i = 0;
    while i <= YEARS {
        out[i] = year_start(FIRST_YEAR as i64 + i as i64);
        i += 1;
    }
    out
};

/// Start of the supported range (1970-01-01T00:00:00Z).
pub(crate) const RANGE_START: i64 = YEAR_STARTS[0];
/// End of the supported range, exclusive (2201-01-01T00:00:00Z).
pub(crate) const RANGE_END: i64 = YEAR_STARTS[YEARS];

/// The cached year holding `t`, if `t` is in the supported range.
#[inline]
pub(crate) fn year_index(t: i64) -> Option<usize> {
    if !(RANGE_START..RANGE_END).contains(&t) {
        return None;
    }
    // The mean Gregorian year lands within one year of the answer.
    let mut i = ((t / 31_556_952) as usize).min(YEARS - 1);
    while YEAR_STARTS[i] > t {
        i -= 1;
    }
    while YEAR_STARTS[i + 1] <= t {
        i += 1;
    }
    Some(i)
}

/// A maximal stretch of open time, clipped to its year, with the business
/// seconds from the year's start to the block's end.
#[derive(Debug, Clone, Copy)]
struct Block {
    start: i64,
    end: i64,
    cum_end: i64,
}

/// The open time of `[lo, hi)`.
#[derive(Debug)]
pub(crate) struct YearTable {
    blocks: Box<[Block]>,
    /// Business seconds in the whole year.
    pub(crate) total: i64,
}

impl YearTable {
    /// Compiles `[lo, hi)` the way DESIGN.md (and workclock) define open
    /// time: the union of every date's spans resolved to instants, minus the
    /// whole local dates of holidays that are not special days.
    pub(crate) fn build(rules: &Rules, lo: i64, hi: i64) -> Self {
        // Local dates are within a day of UTC dates, and a span ends by the
        // next local midnight (plus a DST gap), so two dates of margin suffice.
        let first = utc_date(lo) - Days::new(2);
        let last = utc_date(hi) + Days::new(2);
        let tz = &rules.tz;
        let mut on: Vec<(i64, i64)> = Vec::with_capacity(400);
        let mut off: Vec<(i64, i64)> = Vec::new();
        let mut date = first;
        while date <= last {
            for span in rules.spans(date) {
                let start = resolve(tz, date, span.start);
                let end = resolve(tz, date, span.end);
                push_clipped(&mut on, start, end, lo, hi);
            }
            if rules.is_holiday(date) && !rules.special.contains_key(&date) {
                let start = resolve(tz, date, 0);
                let end = resolve(tz, date, DAY_MINUTES);
                push_clipped(&mut off, start, end, lo, hi);
            }
            date = date + Days::new(1);
        }
        let on = union(on);
        let off = union(off);
        let mut blocks = Vec::with_capacity(on.len());
        let mut total = 0;
        subtract(&on, &off, |start, end| {
            total += end - start;
            blocks.push(Block {
                start,
                end,
                cum_end: total,
            });
        });
        YearTable {
            blocks: blocks.into_boxed_slice(),
            total,
        }
    }

    /// Business seconds from the year's start to `t` (within the year).
    #[inline]
    pub(crate) fn prefix(&self, t: i64) -> i64 {
        let i = self.blocks.partition_point(|b| b.start <= t);
        match i.checked_sub(1) {
            None => 0,
            Some(j) => {
                let b = self.blocks[j];
                b.cum_end - (b.end - t).max(0)
            }
        }
    }

    /// The earliest instant whose prefix is `target`, for `0 < target <= total`.
    #[inline]
    pub(crate) fn locate(&self, target: i64) -> i64 {
        let j = self.blocks.partition_point(|b| b.cum_end < target);
        // `target <= total` is the last block's `cum_end`, so `j` is in bounds.
        let b = self.blocks[j];
        b.end - (b.cum_end - target)
    }

    /// The open block containing `t`, as `(start, end)`.
    pub(crate) fn block_at(&self, t: i64) -> Option<(i64, i64)> {
        let i = self.blocks.partition_point(|b| b.start <= t);
        let b = self.blocks.get(i.checked_sub(1)?)?;
        (t < b.end).then_some((b.start, b.end))
    }

    /// The first block ending after `t`, as `(start, end)`.
    pub(crate) fn block_from(&self, t: i64) -> Option<(i64, i64)> {
        let i = self.blocks.partition_point(|b| b.end <= t);
        self.blocks.get(i).map(|b| (b.start, b.end))
    }
}

fn utc_date(t: i64) -> NaiveDate {
    DateTime::from_timestamp(t, 0).map_or(NaiveDate::MAX, |d| d.date_naive())
}

fn push_clipped(out: &mut Vec<(i64, i64)>, start: i64, end: i64, lo: i64, hi: i64) {
    let (start, end) = (start.max(lo), end.min(hi));
    if start < end {
        out.push((start, end));
    }
}

/// Sorts and merges blocks that overlap or touch.
fn union(mut blocks: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    blocks.sort_unstable();
    blocks.dedup_by(|next, last| {
        let joins = next.0 <= last.1;
        if joins {
            last.1 = last.1.max(next.1);
        }
        joins
    });
    blocks
}

/// Emits `on` minus `off`; both sorted and merged.
fn subtract(on: &[(i64, i64)], off: &[(i64, i64)], mut emit: impl FnMut(i64, i64)) {
    let mut k = 0;
    for &(block_start, block_end) in on {
        let mut start = block_start;
        while k < off.len() && off[k].1 <= start {
            k += 1;
        }
        let mut j = k;
        while j < off.len() && off[j].0 < block_end {
            if off[j].0 > start {
                emit(start, off[j].0);
            }
            start = start.max(off[j].1);
            j += 1;
        }
        if start < block_end {
            emit(start, block_end);
        }
    }
}

/// The instant of local `date` + `minute` (up to 24:00, the next midnight) by
/// the RFC 5545 "compatible" rule: a repeated time takes the earlier
/// occurrence, a time in a gap moves forward by the gap's length.
pub(crate) fn resolve(tz: &Tz, date: NaiveDate, minute: u16) -> i64 {
    let (date, minute) = if minute >= DAY_MINUTES {
        (date + Days::new(1), minute - DAY_MINUTES)
    } else {
        (date, minute)
    };
    let local: NaiveDateTime = date
        .and_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)
        .unwrap_or(NaiveDateTime::MAX);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => {
            // In a gap the offset before the transition (the smaller one)
            // maps the wall time forward by the gap. Reading the offset at
            // `local - o` flips between the two offsets around the gap, so
            // two reads find both.
            let x = local.and_utc().timestamp();
            let offset_at = |u: i64| {
                DateTime::from_timestamp(u, 0).map_or(0, |u| {
                    i64::from(
                        tz.offset_from_utc_datetime(&u.naive_utc())
                            .fix()
                            .local_minus_utc(),
                    )
                })
            };
            let o1 = offset_at(x - offset_at(x));
            let o2 = offset_at(x - o1);
            x - o1.min(o2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_starts_match_chrono() {
        for (i, &start) in YEAR_STARTS.iter().enumerate() {
            let year = FIRST_YEAR + i as i32;
            let expected = NaiveDate::from_ymd_opt(year, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            assert_eq!(start, expected.and_utc().timestamp(), "{year}");
        }
        assert_eq!(year_index(0), Some(0));
        assert_eq!(year_index(-1), None);
        assert_eq!(year_index(RANGE_END), None);
        assert_eq!(year_index(RANGE_END - 1), Some(YEARS - 1));
        for i in 0..YEARS {
            assert_eq!(year_index(YEAR_STARTS[i]), Some(i));
            assert_eq!(year_index(YEAR_STARTS[i + 1] - 1), Some(i));
        }
    }

    fn ts(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn compatible_resolution() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        // Spring forward 02:00 -> 03:00: 02:30 is 03:30 EDT.
        assert_eq!(resolve(&ny, d(3, 8), 150), ts("2026-03-08T07:30:00Z"));
        assert_eq!(resolve(&ny, d(3, 8), 180), ts("2026-03-08T07:00:00Z"));
        // Fall back: 01:30 happens twice; take the EDT one.
        assert_eq!(resolve(&ny, d(11, 1), 90), ts("2026-11-01T05:30:00Z"));
        assert_eq!(resolve(&ny, d(11, 1), 1440), ts("2026-11-02T05:00:00Z"));
        // Lord Howe moves by 30 minutes.
        let lh: Tz = "Australia/Lord_Howe".parse().unwrap();
        let local = resolve(
            &lh,
            NaiveDate::from_ymd_opt(2026, 10, 4).unwrap(),
            2 * 60 + 15,
        );
        assert_eq!(local, ts("2026-10-04T02:45:00+11:00"));
    }

    #[test]
    fn subtract_cuts_holes() {
        let mut out = Vec::new();
        subtract(
            &[(0, 100), (200, 300)],
            &[(-10, 5), (20, 30), (40, 50), (90, 210), (250, 400)],
            |a, b| {
                out.push((a, b));
            },
        );
        assert_eq!(out, [(5, 20), (30, 40), (50, 90), (210, 250)]);
    }
}
