//! Cutting a report's period into buckets on the wall clock of a time zone.

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, Months, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{BucketSize, MAX_BUCKETS, ReportError, ReportQuery};

/// One bucket of a report: `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Bucket {
    /// Its first instant.
    pub start: DateTime<Utc>,
    /// The instant after it.
    pub end: DateTime<Utc>,
    /// Its local name: `2026-03-08 14:00` (hour), `2026-03-08` (day),
    /// `2026-W10` (ISO week), `2026-03` (month).
    pub label: String,
}

impl ReportQuery {
    /// The query's buckets, in order: contiguous, covering `[from, to)`,
    /// the first and last cut at the period's ends.
    pub fn buckets(&self) -> Result<Vec<Bucket>, ReportError> {
        self.check_shape()?;
        let tz = self.time_zone;
        let mut start = floor(self.from.with_timezone(&tz).naive_local(), self.bucket);
        let mut out = Vec::new();
        loop {
            let next = step(start, self.bucket).ok_or(ReportError::OutOfRange)?;
            let (a, b) = (resolve(tz, start), resolve(tz, next));
            let (a, b) = (a.max(self.from), b.min(self.to));
            // A bucket wholly inside a DST gap (the hour skipped in spring) is empty.
            if a < b {
                if out.len() == MAX_BUCKETS {
                    return Err(ReportError::TooManyBuckets { max: MAX_BUCKETS });
                }
                out.push(Bucket {
                    start: a,
                    end: b,
                    label: label(start, self.bucket),
                });
            }
            if b >= self.to {
                return Ok(out);
            }
            start = next;
        }
    }
}

/// The local start of the bucket holding local time `t`.
fn floor(t: NaiveDateTime, size: BucketSize) -> NaiveDateTime {
    let date = t.date();
    match size {
        BucketSize::Hour => date.and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        BucketSize::Day => date.and_time(NaiveTime::MIN),
        BucketSize::Week => {
            let monday = date - Days::new(u64::from(date.weekday().num_days_from_monday()));
            monday.and_time(NaiveTime::MIN)
        }
        BucketSize::Month => date.with_day(1).unwrap_or(date).and_time(NaiveTime::MIN),
    }
}

/// The local start of the bucket after the one starting at `start`.
fn step(start: NaiveDateTime, size: BucketSize) -> Option<NaiveDateTime> {
    match size {
        BucketSize::Hour => start.checked_add_signed(Duration::hours(1)),
        BucketSize::Day => start.checked_add_days(Days::new(1)),
        BucketSize::Week => start.checked_add_days(Days::new(7)),
        BucketSize::Month => start.checked_add_months(Months::new(1)),
    }
}

fn label(start: NaiveDateTime, size: BucketSize) -> String {
    match size {
        BucketSize::Hour => start.format("%Y-%m-%d %H:00").to_string(),
        BucketSize::Day => start.format("%Y-%m-%d").to_string(),
        BucketSize::Week => {
            let w = start.date().iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        BucketSize::Month => start.format("%Y-%m").to_string(),
    }
}

/// The instant of local time `local` in `tz` by the RFC 5545 "compatible"
/// rule, as the business calendars resolve their edges: a repeated time
/// takes the earlier occurrence, a time in a gap moves forward by the gap.
fn resolve(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => {
            // In a gap, the offset before the transition (the smaller one)
            // maps the wall time forward by the gap's length. Reading the
            // offset at `local - o` flips between the two offsets around
            // the gap, so two reads find both.
            let x = local.and_utc();
            let offset_at = |u: DateTime<Utc>| {
                Duration::seconds(i64::from(
                    tz.offset_from_utc_datetime(&u.naive_utc())
                        .fix()
                        .local_minus_utc(),
                ))
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
    use chrono_tz::America::{New_York, Santiago};
    use chrono_tz::Australia::Lord_Howe;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn buckets(from: &str, to: &str, size: BucketSize, tz: Tz) -> Vec<Bucket> {
        ReportQuery::new(at(from), at(to), size)
            .time_zone(tz)
            .buckets()
            .unwrap()
    }

    fn hours(b: &Bucket) -> i64 {
        (b.end - b.start).num_minutes()
    }

    #[test]
    fn days_follow_local_midnight_through_dst() {
        // New York: DST starts 2026-03-08 02:00 and ends 2026-11-01 02:00.
        let days = buckets(
            "2026-03-07T05:00:00Z",
            "2026-03-10T04:00:00Z",
            BucketSize::Day,
            New_York,
        );
        let lens: Vec<_> = days
            .iter()
            .map(|b| (b.label.as_str(), hours(b) / 60))
            .collect();
        assert_eq!(
            lens,
            [("2026-03-07", 24), ("2026-03-08", 23), ("2026-03-09", 24)]
        );
        let days = buckets(
            "2026-10-31T04:00:00Z",
            "2026-11-03T05:00:00Z",
            BucketSize::Day,
            New_York,
        );
        let lens: Vec<_> = days.iter().map(|b| hours(b) / 60).collect();
        assert_eq!(lens, [24, 25, 24]);
        assert_eq!(days[1].start, at("2026-11-01T04:00:00Z"));
    }

    #[test]
    fn hours_skip_the_gap_and_merge_the_repeat() {
        let spring = buckets(
            "2026-03-08T06:00:00Z",
            "2026-03-08T08:00:00Z",
            BucketSize::Hour,
            New_York,
        );
        let labels: Vec<_> = spring.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["2026-03-08 01:00", "2026-03-08 03:00"]);
        let autumn = buckets(
            "2026-11-01T04:00:00Z",
            "2026-11-01T08:00:00Z",
            BucketSize::Hour,
            New_York,
        );
        let got: Vec<_> = autumn
            .iter()
            .map(|b| (b.label.as_str(), hours(b)))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-11-01 00:00", 60),
                ("2026-11-01 01:00", 120),
                ("2026-11-01 02:00", 60)
            ]
        );
    }

    #[test]
    fn a_midnight_in_a_gap_starts_the_day_at_the_transition() {
        // Santiago springs forward at 24:00 on 2026-09-05: 2026-09-06 begins at 01:00.
        let days = buckets(
            "2026-09-05T04:00:00Z",
            "2026-09-07T03:00:00Z",
            BucketSize::Day,
            Santiago,
        );
        assert_eq!(days[1].label, "2026-09-06");
        assert_eq!(days[1].start, at("2026-09-06T04:00:00Z"));
        assert_eq!(hours(&days[0]) / 60, 24);
        assert_eq!(hours(&days[1]) / 60, 23);
    }

    #[test]
    fn half_hour_dst_keeps_hours_on_the_wall_clock() {
        // Lord Howe moves its clocks by 30 minutes (2026-04-05 02:00 -> 01:30).
        let hrs = buckets(
            "2026-04-04T13:00:00Z",
            "2026-04-04T17:00:00Z",
            BucketSize::Hour,
            Lord_Howe,
        );
        let total: i64 = hrs.iter().map(hours).sum();
        assert_eq!(total, 240);
        assert!(hrs.windows(2).all(|w| w[0].end == w[1].start));
        assert!(hrs.iter().any(|b| hours(b) == 90), "{hrs:?}");
    }

    #[test]
    fn weeks_start_monday_and_months_the_first_with_the_ends_cut() {
        let weeks = buckets(
            "2025-12-31T00:00:00Z",
            "2026-01-20T00:00:00Z",
            BucketSize::Week,
            Tz::UTC,
        );
        let got: Vec<_> = weeks.iter().map(|b| (b.label.as_str(), b.start)).collect();
        assert_eq!(
            got,
            [
                ("2026-W01", at("2025-12-31T00:00:00Z")),
                ("2026-W02", at("2026-01-05T00:00:00Z")),
                ("2026-W03", at("2026-01-12T00:00:00Z")),
                ("2026-W04", at("2026-01-19T00:00:00Z")),
            ]
        );
        assert_eq!(weeks[3].end, at("2026-01-20T00:00:00Z"));
        let months = buckets(
            "2026-01-15T00:00:00Z",
            "2026-04-01T00:00:00Z",
            BucketSize::Month,
            Tz::UTC,
        );
        let labels: Vec<_> = months.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(months[1].end - months[1].start, Duration::days(28));
    }
}
