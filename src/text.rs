//! Building the short texts every command writes (notification subjects and
//! bodies, idempotency keys, escalation reasons) without `format!`.
//!
//! `format!` goes through `fmt::Write` piece by piece and grows its buffer as
//! it goes; on the command path it cost more than the rest of a notification.
//! [`text`] sizes the buffer once and copies each piece in.

use chrono::{DateTime, Datelike, Timelike, Utc};

use crate::id::TicketRef;
use crate::priority::Priority;

/// Something [`text`] can append.
pub(crate) trait Piece {
    /// The bytes it appends, or a close upper bound.
    fn size(&self) -> usize;
    /// Appends it.
    fn push_to(&self, s: &mut String);
}

/// The pieces, concatenated.
pub(crate) fn text(parts: &[&dyn Piece]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.size()).sum());
    for p in parts {
        p.push_to(&mut s);
    }
    s
}

impl Piece for &str {
    fn size(&self) -> usize {
        self.len()
    }
    fn push_to(&self, s: &mut String) {
        s.push_str(self);
    }
}

impl Piece for String {
    fn size(&self) -> usize {
        self.len()
    }
    fn push_to(&self, s: &mut String) {
        s.push_str(self);
    }
}

impl Piece for u64 {
    fn size(&self) -> usize {
        20
    }
    fn push_to(&self, s: &mut String) {
        push_decimal(s, *self);
    }
}

impl Piece for TicketRef {
    fn size(&self) -> usize {
        21
    }
    fn push_to(&self, s: &mut String) {
        s.push('#');
        push_decimal(s, self.0);
    }
}

impl Piece for Priority {
    fn size(&self) -> usize {
        self.as_str().len()
    }
    fn push_to(&self, s: &mut String) {
        s.push_str(self.as_str());
    }
}

/// An instant as `2026-03-09T14:00:00Z` (RFC 3339, whole seconds, UTC).
pub(crate) struct Rfc3339(pub(crate) DateTime<Utc>);

impl Piece for Rfc3339 {
    fn size(&self) -> usize {
        20
    }
    fn push_to(&self, s: &mut String) {
        let t = self.0.naive_utc();
        let year = t.year();
        if (0..=9999).contains(&year) {
            let mut b = *b"0000-00-00T00:00:00Z";
            let year = year.unsigned_abs();
            for (i, v) in [
                year / 100,
                year % 100,
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
            ]
            .into_iter()
            .enumerate()
            {
                // Every value is below 100: two digits, and the casts cannot truncate.
                #[allow(clippy::cast_possible_truncation)]
                let (tens, ones) = ((v / 10) as u8, (v % 10) as u8);
                let at = [0, 2, 5, 8, 11, 14, 17][i];
                b[at] = b'0' + tens;
                b[at + 1] = b'0' + ones;
            }
            // Only ASCII was written.
            s.push_str(std::str::from_utf8(&b).unwrap_or_default());
        } else {
            // Years RFC 3339 cannot write: chrono's own extended form.
            s.push_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }
}

/// Appends `n` in decimal.
fn push_decimal(s: &mut String, mut n: u64) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        // n % 10 < 10: the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (n % 10) as u8;
        buf[i] = b'0' + digit;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    s.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_concatenate_as_format_would() {
        let at: DateTime<Utc> = "2026-03-09T04:05:06Z".parse().unwrap();
        let r = TicketRef(1042);
        assert_eq!(
            text(&[
                &"[",
                &r,
                &"] ",
                &String::from("VPN"),
                &" ",
                &0u64,
                &" ",
                &Rfc3339(at)
            ]),
            format!(
                "[{r}] VPN 0 {}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        );
        assert_eq!(
            text(&[&u64::MAX, &Priority::High]),
            format!("{}high", u64::MAX)
        );
        let far: DateTime<Utc> = "+12026-03-09T04:05:06Z".parse().unwrap();
        assert_eq!(
            text(&[&Rfc3339(far)]),
            far.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
}
