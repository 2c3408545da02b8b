//! Time as an input.
//!
//! Everything in the crate that depends on the current time asks a [`Clock`].
//! Production code uses [`SystemClock`]; tests and simulations use
//! [`ManualClock`] and move time by hand.
//!
//! ```
//! use helpdesk::{Clock, ManualClock};
//! use chrono::{Duration, TimeZone, Utc};
//! let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 6, 16, 55, 0).unwrap());
//! clock.advance(Duration::minutes(10));
//! assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 3, 6, 17, 5, 0).unwrap());
//! ```

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// A source of the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock. Truncates to microseconds, the precision every back end
/// stores, so a ticket reads back exactly as it was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        // Whole microseconds through the integer form: cheaper than
        // `duration_trunc`, and exact for any real "now".
        DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
    }
}

/// A clock that moves only when told to. Thread-safe; share it with `Arc`.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock to `t` (backwards is allowed, for tests of bad clocks).
    pub fn set(&self, t: DateTime<Utc>) {
        *self.lock() = t;
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        let mut now = self.lock();
        *now += d;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A poisoned lock only means another thread panicked while holding a
        // plain value; the value itself is still valid.
        self.now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}
