//! One UTC year of a calendar compiled into sorted open blocks with running
//! totals, so that business time up to an instant, and the instant reached by
//! a business time, are each an indexed lookup: the blocks are indexed by
//! UTC day and by running total, and a lookup walks the few blocks of one
//! index entry (or searches them, when there are many).

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
    Timelike, Utc,
};
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

/// An instant in whole UTC seconds, with its cached year (`None` outside
/// the cached years).
#[derive(Debug, Clone, Copy)]
pub(crate) struct At {
    pub(crate) secs: i64,
    pub(crate) year: Option<usize>,
}

impl At {
    /// Reads the year and day straight from chrono's packed date, which is
    /// cheaper than `timestamp()` and gives the year without a search.
    /// Sub-second parts are dropped (towards the past).
    #[inline]
    pub(crate) fn new(t: DateTime<Utc>) -> At {
        let n = t.naive_utc();
        let year = n.year();
        if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
            let i = (year - FIRST_YEAR) as usize;
            // Through `time()`: `NaiveTime` keeps the seconds of the day,
            // while `NaiveDateTime` recomputes them from hours and minutes.
            let secs = YEAR_STARTS[i]
                + i64::from(n.ordinal0()) * 86_400
                + i64::from(n.time().num_seconds_from_midnight());
            At {
                secs,
                year: Some(i),
            }
        } else {
            At {
                secs: t.timestamp(),
                year: None,
            }
        }
    }
}

/// `JAN_FIRST[i]` is January 1 of year `FIRST_YEAR + i`: a date in a known
/// year is then that date with its ordinal replaced, which is cheaper than
/// chrono's conversions from a year or a day number.
const JAN_FIRST: [NaiveDate; YEARS] = {
    let mut out = [NaiveDate::MIN; YEARS];
    let mut i = 0;
    while i < YEARS {
        if let Some(date) = NaiveDate::from_ymd_opt(FIRST_YEAR + i as i32, 1, 1) {
            out[i] = date;
        }
        i += 1;
    }
    out
};

/// `t` as a `DateTime`; within the cached years this avoids chrono's
/// general day-number conversion, which costs as much as a lookup.
#[inline]
pub(crate) fn to_datetime(t: i64) -> Option<DateTime<Utc>> {
    match year_index(t) {
        Some(y) => to_datetime_in(t, y),
        None => DateTime::from_timestamp(t, 0),
    }
}

/// `t` as a `DateTime`, given the cached year `y` that holds `t` or ends
/// at `t` (an answer that uses up the last open block of a year): the
/// year is then known without a search.
#[inline]
pub(crate) fn to_datetime_in(t: i64, y: usize) -> Option<DateTime<Utc>> {
    let offset = t - *YEAR_STARTS.get(y)?;
    let (day, second) = (offset / 86_400, offset % 86_400);
    let date = match JAN_FIRST.get(y)?.with_ordinal0(day as u32) {
        Some(date) if offset >= 0 => date,
        // Past the year's last day: January 1 of the next year, if cached.
        _ => return to_datetime_next(t, y),
    };
    let time = NaiveTime::from_num_seconds_from_midnight_opt(second as u32, 0)?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

/// The rare case of [`to_datetime_in`] where `t` is not in year `y`.
#[cold]
fn to_datetime_next(t: i64, y: usize) -> Option<DateTime<Utc>> {
    match year_index(t) {
        Some(next) if next != y => to_datetime_in(t, next),
        _ => DateTime::from_timestamp(t, 0),
    }
}

/// The open time of one year `[lo, hi)`: maximal open blocks, clipped to
/// the year, in three dense arrays (dense so searches touch few cache lines).
#[derive(Debug)]
pub(crate) struct YearTable {
    lo: i64,
    starts: Box<[i64]>,
    ends: Box<[i64]>,
    /// Business seconds from `lo` to the end of each block.
    cum_end: Box<[i64]>,
    /// `day_first[k]`: the first block ending after the start of UTC day `k`
    /// of the year (one extra entry for the end), so finding the block of an
    /// instant starts at most a day's blocks away.
    day_first: Box<[u32]>,
    /// The same in business time: `due_first[k]` is the first block whose
    /// running total passes `k << due_shift` (at most the last block), with
    /// buckets about as wide as a block, so finding the block where a due
    /// falls starts at most a bucket's blocks away, whatever the duration.
    due_first: Box<[u32]>,
    due_shift: u32,
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
        let tz = rules.tz;
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
        subtract(&on, &off, |start, end| blocks.push((start, end)));
        Self::from_blocks(lo, hi, &blocks)
    }

    /// The table of `[lo, hi)` open in `blocks`: sorted, disjoint, not
    /// touching, non-empty and within `[lo, hi)`.
    fn from_blocks(lo: i64, hi: i64, blocks: &[(i64, i64)]) -> Self {
        let (mut starts, mut ends, mut cum_end) = (Vec::new(), Vec::new(), Vec::new());
        let mut total = 0;
        for &(start, end) in blocks {
            total += end - start;
            starts.push(start);
            ends.push(end);
            cum_end.push(total);
        }
        let days = (hi - lo + 86_399) / 86_400;
        let day_first = (0..=days)
            .map(|k| ends.partition_point(|&e| e <= lo + k * 86_400) as u32)
            .collect();
        let (due_first, due_shift) = due_index(&cum_end, total);
        YearTable {
            lo,
            starts: starts.into_boxed_slice(),
            ends: ends.into_boxed_slice(),
            cum_end: cum_end.into_boxed_slice(),
            day_first,
            due_first,
            due_shift,
            total,
        }
    }

    /// The first block ending after `t`, for `t` in the year (may be `len`).
    #[inline]
    fn block_index(&self, t: i64) -> usize {
        let k = ((t - self.lo) / 86_400) as usize;
        let mut i = self.day_first[k] as usize;
        let last = self.day_first[k + 1] as usize;
        if last - i > 8 {
            // Many blocks in one day: search instead of walking.
            return i + self.ends[i..last].partition_point(|&e| e <= t);
        }
        while i < last && self.ends[i] <= t {
            i += 1;
        }
        i
    }

    /// Business seconds from the year's start to `t` (within the year).
    #[inline]
    pub(crate) fn prefix(&self, t: i64) -> i64 {
        let i = self.block_index(t);
        match self.starts.get(i) {
            Some(&start) if start <= t => self.cum_end[i] - (self.ends[i] - t),
            _ => i.checked_sub(1).map_or(0, |j| self.cum_end[j]),
        }
    }

    /// Business seconds from the year's start to `t`, and the open block
    /// `(start, end)` containing `t` or else the next one in the year
    /// (`(hi, hi)` for the year's end `hi` when there is none).
    #[inline]
    pub(crate) fn probe(&self, t: i64, hi: i64) -> (i64, (i64, i64)) {
        let i = self.block_index(t);
        match (self.starts.get(i), self.ends.get(i), self.cum_end.get(i)) {
            (Some(&start), Some(&end), Some(&cum)) => {
                let prefix = if start <= t {
                    cum - (end - t)
                } else {
                    cum - (end - start)
                };
                (prefix, (start, end))
            }
            _ => (self.total, (hi, hi)),
        }
    }

    /// The earliest instant whose prefix is `target`, for
    /// `0 < target <= total`.
    #[inline]
    pub(crate) fn locate(&self, target: i64) -> i64 {
        let cum = &self.cum_end;
        // Buckets are `(k << shift, (k + 1) << shift]`; the answer is the
        // first block reaching `target`, between this bucket's first block
        // and the next one's.
        let k = ((target - 1) >> self.due_shift) as usize;
        let (mut i, last) = match (self.due_first.get(k), self.due_first.get(k + 1)) {
            (Some(&i), Some(&last)) => (i as usize, last as usize),
            _ => (0, cum.len().saturating_sub(1)),
        };
        if last - i > 8 {
            // Many short blocks in one bucket: search instead of walking.
            i += cum
                .get(i..last)
                .map_or(0, |c| c.partition_point(|&c| c < target));
        } else {
            while i < last && cum[i] < target {
                i += 1;
            }
        }
        match (self.ends.get(i), cum.get(i)) {
            (Some(&end), Some(&c)) => end - (c - target),
            // Only for a target past the total, which callers rule out.
            _ => self.ends.last().copied().unwrap_or(self.lo),
        }
    }

    /// The open block containing `t`, as `(start, end)`.
    pub(crate) fn block_at(&self, t: i64) -> Option<(i64, i64)> {
        let i = self.block_index(t);
        let (&start, &end) = (self.starts.get(i)?, self.ends.get(i)?);
        (start <= t).then_some((start, end))
    }

    /// The first block ending after `t`, as `(start, end)`.
    pub(crate) fn block_from(&self, t: i64) -> Option<(i64, i64)> {
        let i = self.block_index(t);
        Some((*self.starts.get(i)?, *self.ends.get(i)?))
    }
}

/// The bucket index of [`YearTable::due_first`] for running totals `cum`
/// ending at `total`: buckets of a power of two seconds, no wider than the
/// mean block, so that most buckets hold one or two block ends.
fn due_index(cum: &[i64], total: i64) -> (Box<[u32]>, u32) {
    let Some(last) = cum.len().checked_sub(1) else {
        return (Box::new([0, 0]), 0);
    };
    let mean = (total / cum.len() as i64).max(1);
    let shift = mean.ilog2();
    let buckets = ((total - 1).max(0) >> shift) as usize + 2;
    let first = (0..buckets)
        .map(|k| cum.partition_point(|&c| c <= (k as i64) << shift).min(last) as u32)
        .collect();
    (first, shift)
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
pub(crate) fn resolve(tz: Tz, date: NaiveDate, minute: u16) -> i64 {
    let (date, minute) = if minute >= DAY_MINUTES {
        (date + Days::new(1), minute - DAY_MINUTES)
    } else {
        (date, minute)
    };
    let year = date.year();
    if year > TZ_TABLE_LAST_YEAR {
        let stand_in = equivalent_year(year);
        // Same leap-ness, so every date (Feb 29 included) exists in the stand-in year.
        if let Some(shifted) = date.with_year(stand_in) {
            let delta = (date - shifted).num_seconds();
            return resolve_exact(tz, shifted, minute) + delta;
        }
    }
    resolve_exact(tz, date, minute)
}

/// The last year chrono-tz's precomputed transitions cover; after it every
/// zone keeps one offset, while tzdata's final rules (what jiff, java.time
/// and workclock apply) keep changing it every year.
const TZ_TABLE_LAST_YEAR: i32 = 2099;

/// A year of 2072..=2099 with the same calendar as `year` (leap or not, same
/// weekday on January 1): DST rules are "the last Sunday of March" and the
/// like, so it has the same local transitions. 28 consecutive years with a
/// leap year every 4 hold all 14 kinds of calendar.
fn equivalent_year(year: i32) -> i32 {
    let kind = |y: i32| {
        let leap = NaiveDate::from_ymd_opt(y, 2, 29).is_some();
        let weekday = NaiveDate::from_ymd_opt(y, 1, 1).map(|d| d.weekday());
        (leap, weekday)
    };
    let want = kind(year);
    (TZ_TABLE_LAST_YEAR - 27..=TZ_TABLE_LAST_YEAR)
        .find(|&y| kind(y) == want)
        .unwrap_or(year)
}

fn resolve_exact(tz: Tz, date: NaiveDate, minute: u16) -> i64 {
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
        assert_eq!(resolve(ny, d(3, 8), 150), ts("2026-03-08T07:30:00Z"));
        assert_eq!(resolve(ny, d(3, 8), 180), ts("2026-03-08T07:00:00Z"));
        // Fall back: 01:30 happens twice; take the EDT one.
        assert_eq!(resolve(ny, d(11, 1), 90), ts("2026-11-01T05:30:00Z"));
        assert_eq!(resolve(ny, d(11, 1), 1440), ts("2026-11-02T05:00:00Z"));
        // Lord Howe moves by 30 minutes.
        let lh: Tz = "Australia/Lord_Howe".parse().unwrap();
        let local = resolve(
            lh,
            NaiveDate::from_ymd_opt(2026, 10, 4).unwrap(),
            2 * 60 + 15,
        );
        assert_eq!(local, ts("2026-10-04T02:45:00+11:00"));
    }

    #[test]
    fn to_datetime_matches_chrono() {
        for t in [
            0,
            1,
            86_399,
            86_400,
            951_782_400,
            1_767_225_599,
            RANGE_END - 1,
            RANGE_END,
            -1,
        ] {
            assert_eq!(to_datetime(t), DateTime::from_timestamp(t, 0), "{t}");
        }
        for i in 0..YEARS {
            for t in [
                YEAR_STARTS[i],
                YEAR_STARTS[i + 1] - 1,
                YEAR_STARTS[i] + 59 * 86_400 + 3_601,
            ] {
                assert_eq!(to_datetime(t), DateTime::from_timestamp(t, 0), "{t}");
            }
        }
    }

    #[test]
    fn at_matches_timestamp() {
        let mut t: i64 = -86_400 * 400;
        while t < RANGE_END + 86_400 * 400 {
            let dt = DateTime::from_timestamp(t, 999_999_999).unwrap();
            let at = At::new(dt);
            assert_eq!(at.secs, t, "{dt}");
            assert_eq!(at.year, year_index(t), "{dt}");
            t += 7_654_321;
        }
    }

    #[test]
    fn dst_continues_after_chrono_tz_tables() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // 2150-03-08 is the second Sunday of March 2150; 2150-11-01 the first of November.
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            resolve(ny, d(2150, 7, 1), 9 * 60),
            ts("2150-07-01T13:00:00Z")
        );
        assert_eq!(
            resolve(ny, d(2150, 1, 1), 9 * 60),
            ts("2150-01-01T14:00:00Z")
        );
        assert_eq!(resolve(ny, d(2150, 3, 8), 150), ts("2150-03-08T07:30:00Z"));
        assert_eq!(resolve(ny, d(2150, 3, 7), 150), ts("2150-03-07T07:30:00Z"));
        assert_eq!(resolve(ny, d(2150, 11, 1), 90), ts("2150-11-01T05:30:00Z"));
        assert_eq!(
            resolve(ny, d(2200, 2, 28), 1440),
            ts("2200-03-01T05:00:00Z")
        );
        for y in 2100..=2300 {
            let e = equivalent_year(y);
            assert!((2072..=2099).contains(&e), "{y}");
        }
    }

    /// `locate` and `probe` against a walk over the blocks, on layouts that
    /// stress the bucket index: one block, many tiny ones next to a huge
    /// one, uneven gaps, and blocks touching the year's ends.
    #[test]
    fn locate_and_probe_match_a_walk() {
        let (lo, hi) = (YEAR_STARTS[56], YEAR_STARTS[57]);
        let mut layouts: Vec<Vec<(i64, i64)>> = vec![
            vec![(lo, hi)],
            vec![(lo + 5, lo + 6)],
            (0..3000)
                .map(|i| (lo + 3 * i, lo + 3 * i + 1))
                .chain([(lo + 20_000, hi)])
                .collect(),
        ];
        let mut x: i64 = 12_345;
        let mut next = |n: i64| {
            x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
            x % n
        };
        for _ in 0..4 {
            let mut blocks = Vec::new();
            let mut t = lo + next(100_000);
            while t < hi {
                let end = (t + 1 + next(40_000)).min(hi);
                blocks.push((t, end));
                t = end + 1 + next(200_000);
            }
            layouts.push(blocks);
        }
        for blocks in layouts {
            let table = YearTable::from_blocks(lo, hi, &blocks);
            // The running total after each block.
            let cum: Vec<i64> = blocks
                .iter()
                .scan(0, |c, &(s, e)| {
                    *c += e - s;
                    Some(*c)
                })
                .collect();
            let total = *cum.last().unwrap();
            assert_eq!(table.total, total);
            let walk_locate = |target: i64| {
                let i = cum.partition_point(|&c| c < target);
                blocks[i].1 - (cum[i] - target)
            };
            let mut targets: Vec<i64> = (0..2000).map(|_| 1 + next(total)).collect();
            targets.extend([1, total]);
            targets.extend(
                cum.iter()
                    .flat_map(|&c| [c, c + 1])
                    .filter(|&c| c <= total)
                    .take(500),
            );
            for target in targets {
                assert_eq!(table.locate(target), walk_locate(target), "{target}");
            }
            let walk_probe = |t: i64| {
                let i = blocks.partition_point(|&(_, e)| e <= t);
                let before = if i == 0 { 0 } else { cum[i - 1] };
                match blocks.get(i) {
                    Some(&(s, e)) => (before + (t - s).max(0), (s, e)),
                    None => (total, (hi, hi)),
                }
            };
            for _ in 0..2000 {
                let t = lo + next(hi - lo);
                assert_eq!(table.probe(t, hi), walk_probe(t), "{t}");
            }
            for &(s, e) in blocks.iter().take(500) {
                for t in [s - 1, s, e - 1, e] {
                    if (lo..hi).contains(&t) {
                        assert_eq!(table.probe(t, hi), walk_probe(t), "{t}");
                    }
                }
            }
        }
    }

    #[test]
    fn to_datetime_in_a_known_year() {
        for i in 0..YEARS {
            for t in [
                YEAR_STARTS[i],
                YEAR_STARTS[i] + 59 * 86_400 + 3_601,
                YEAR_STARTS[i + 1] - 1,
                // The end of year `i`, as an answer found in its table.
                YEAR_STARTS[i + 1],
            ] {
                assert_eq!(to_datetime_in(t, i), DateTime::from_timestamp(t, 0), "{t}");
            }
        }
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
