//! Business-time durations as people write them in configuration:
//! `"4h"`, `"30m"`, `"1h30m"`. One type and one grammar for SLA targets,
//! escalation offsets and reminders alike.

use std::fmt;
use std::str::FromStr;

use chrono::Duration;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// An amount of business time in whole seconds, written in configuration
/// as one or more `<number><unit>` parts with units `h`, `m` and `s`:
/// `"4h"`, `"30m"`, `"1h30m"`, `"90s"`, or `"0"` for none.
///
/// There is deliberately no day unit: a "business day" is 8 hours on one
/// calendar and 24 on another, so `"2d"` would mean different things under
/// different policies. Write `"16h"` instead.
///
/// ```
/// use helpdesk::BusinessDuration;
/// let d: BusinessDuration = "1h30m".parse()?;
/// assert_eq!(d.as_duration(), chrono::Duration::minutes(90));
/// assert_eq!(d.to_string(), "1h30m");
/// assert!("2d".parse::<BusinessDuration>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BusinessDuration(i64);

impl BusinessDuration {
    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: i64) -> Self {
        BusinessDuration(secs)
    }
    /// A duration of `m` minutes.
    pub const fn minutes(m: i64) -> Self {
        BusinessDuration(m * 60)
    }
    /// A duration of `h` hours.
    pub const fn hours(h: i64) -> Self {
        BusinessDuration(h * 3600)
    }
    /// Whole seconds.
    pub const fn as_secs(self) -> i64 {
        self.0
    }
    /// As a chrono duration.
    pub fn as_duration(self) -> Duration {
        Duration::seconds(self.0)
    }
}

/// Sub-second parts are dropped: business time is counted in whole seconds.
impl From<Duration> for BusinessDuration {
    fn from(d: Duration) -> Self {
        BusinessDuration(d.num_seconds())
    }
}

impl From<BusinessDuration> for Duration {
    fn from(d: BusinessDuration) -> Self {
        d.as_duration()
    }
}

impl FromStr for BusinessDuration {
    type Err = Error;

    /// Parses `"4h"`, `"30m"`, `"1h30m"`; the error names the text and why.
    fn from_str(s: &str) -> Result<Self, Error> {
        parse(s).map_err(|why| Error::validation("duration", format!("`{s}`: {why}")))
    }
}

/// The hint every duration error ends with.
const HINT: &str = "write e.g. \"4h\", \"30m\" or \"1h30m\" (units h, m, s)";

/// A duration's seconds, or why the text is not one.
fn parse(s: &str) -> Result<BusinessDuration, String> {
    {
        let bad = |msg: &str| format!("{msg}; {HINT}");
        let text = s.trim();
        if text == "0" {
            return Ok(BusinessDuration(0));
        }
        if text.is_empty() {
            return Err(bad("empty duration"));
        }
        let mut total: i64 = 0;
        let mut number: Option<i64> = None;
        for c in text.chars() {
            if let Some(digit) = c.to_digit(10) {
                let n = number.unwrap_or(0);
                number = Some(
                    n.checked_mul(10)
                        .and_then(|n| n.checked_add(i64::from(digit)))
                        .ok_or_else(|| bad("too large"))?,
                );
                continue;
            }
            let unit = match c {
                'h' | 'H' => 3600,
                'm' | 'M' => 60,
                's' | 'S' => 1,
                'd' | 'D' => {
                    return Err(bad(
                        "days are ambiguous in business time (8 or 24 hours?), use hours",
                    ));
                }
                _ => return Err(bad("unexpected character")),
            };
            let n = number
                .take()
                .ok_or_else(|| bad("a unit needs a number before it"))?;
            total = n
                .checked_mul(unit)
                .and_then(|x| total.checked_add(x))
                .ok_or_else(|| bad("too large"))?;
        }
        if number.is_some() {
            return Err(bad("a number needs a unit after it"));
        }
        // A century of business time is far beyond any target and keeps
        // all later arithmetic (sums of targets and elapsed time) far from overflow.
        if total > 100 * 366 * 86_400 {
            return Err(bad("too large"));
        }
        Ok(BusinessDuration(total))
    }
}

impl fmt::Display for BusinessDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 % 3600 / 60, self.0 % 60);
        if self.0 == 0 {
            return f.write_str("0m");
        }
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
    }
}

impl Serialize for BusinessDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BusinessDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The reason only: configuration errors add the path and the value.
        let s = String::deserialize(deserializer)?;
        parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        for (s, secs, back) in [
            ("4h", 14_400, "4h"),
            ("30m", 1_800, "30m"),
            ("1h30m", 5_400, "1h30m"),
            ("90m", 5_400, "1h30m"),
            ("45s", 45, "45s"),
            (" 2h ", 7_200, "2h"),
        ] {
            let d: BusinessDuration = s.parse().unwrap();
            assert_eq!(d.as_secs(), secs, "{s}");
            assert_eq!(d.to_string(), back);
        }
    }

    #[test]
    fn zero_and_round_trips() {
        assert_eq!("0".parse::<BusinessDuration>().unwrap().as_secs(), 0);
        let d: BusinessDuration = "90m".parse().unwrap();
        assert_eq!(d.to_string().parse::<BusinessDuration>().unwrap(), d);
        for bad in ["5", "5x", "-5m", "1.5h", "0h0"] {
            assert!(bad.parse::<BusinessDuration>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_bad_text_naming_the_value() {
        for s in ["", "4", "h", "4x", "2d", "-1h", "99999999999999999999h"] {
            let e = s.parse::<BusinessDuration>().unwrap_err().to_string();
            assert!(e.contains(&format!("`{s}`")), "{e}");
        }
    }
}
