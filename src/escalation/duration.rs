use std::fmt;
use std::str::FromStr;

use chrono::Duration;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// An amount of business time, written `"30m"`, `"4h"`, `"1h30m"` or
/// `"90s"` in configuration (units `h`, `m`, `s`; `"0"` is zero).
///
/// ```
/// use helpdesk::escalation::BusinessDuration;
/// let d: BusinessDuration = "1h30m".parse()?;
/// assert_eq!(d.get(), chrono::Duration::minutes(90));
/// assert_eq!(d.to_string(), "1h30m");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BusinessDuration(Duration);

impl BusinessDuration {
    /// Wraps a duration (sub-second parts are dropped).
    pub fn new(d: Duration) -> Self {
        BusinessDuration(Duration::seconds(d.num_seconds()))
    }
    /// The duration.
    pub fn get(self) -> Duration {
        self.0
    }
}

impl From<Duration> for BusinessDuration {
    fn from(d: Duration) -> Self {
        BusinessDuration::new(d)
    }
}

impl FromStr for BusinessDuration {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || {
            Error::validation(
                "duration",
                format!("`{s}` is not a duration like `30m`, `4h` or `1h30m`"),
            )
        };
        let t = s.trim();
        if t == "0" {
            return Ok(BusinessDuration::default());
        }
        let mut secs: i64 = 0;
        let mut num = String::new();
        let mut any = false;
        for c in t.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let unit = match c {
                'h' => 3600,
                'm' => 60,
                's' => 1,
                _ => return Err(bad()),
            };
            let n: i64 = num.parse().map_err(|_| bad())?;
            secs = n
                .checked_mul(unit)
                .and_then(|v| secs.checked_add(v))
                .ok_or_else(bad)?;
            num.clear();
            any = true;
        }
        if !num.is_empty() || !any || secs > 100 * 365 * 86_400 {
            return Err(bad());
        }
        Ok(BusinessDuration(Duration::seconds(secs)))
    }
}

impl fmt::Display for BusinessDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.num_seconds();
        if s == 0 {
            return f.write_str("0");
        }
        let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if sec > 0 {
            write!(f, "{sec}s")?;
        }
        Ok(())
    }
}

impl Serialize for BusinessDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BusinessDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (s, secs) in [
            ("30m", 1800),
            ("4h", 14_400),
            ("1h30m", 5400),
            ("90s", 90),
            ("0", 0),
        ] {
            let d: BusinessDuration = s.parse().unwrap();
            assert_eq!(d.get().num_seconds(), secs);
        }
        assert_eq!(
            "90m".parse::<BusinessDuration>().unwrap().to_string(),
            "1h30m"
        );
        for bad in ["", "h", "5", "5x", "-5m", "1.5h"] {
            assert!(bad.parse::<BusinessDuration>().is_err(), "{bad}");
        }
    }
}
