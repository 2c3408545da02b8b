//! What the page needs to count down to a ticket's next SLA due in business
//! time: computed on the server from the desk's one SLA evaluation, so the
//! browser only adds the time that has passed since, inside the calendar's
//! open windows, and nothing while the clock is paused.

use chrono::{DateTime, Duration, Utc};
use helpdesk::BusinessCalendar;
use helpdesk::sla::{MetricState, MetricStatus, SlaStatus};
use serde::Serialize;

/// How far ahead the open windows are listed: the page is reloaded long
/// before a week of business time passes.
const HORIZON_DAYS: i64 = 14;
/// At most this many windows (two a day for two weeks, and some).
const MAX_WINDOWS: usize = 40;

/// The state the countdown shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ClockState {
    /// Counting down.
    Running,
    /// Stopped by a pause status (Pending, On-hold): frozen.
    Paused,
    /// Past its due and not yet fulfilled: counting how late.
    Overdue,
}

/// The countdown to one metric's due.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Countdown {
    /// The metric, e.g. `first_response`.
    pub(crate) metric: String,
    /// Its label, e.g. `First response`.
    pub(crate) label: &'static str,
    pub(crate) state: ClockState,
    /// The due (none while paused: it moves with the pause).
    pub(crate) due: Option<DateTime<Utc>>,
    /// Business seconds left at `at` (negative: overdue by that much).
    pub(crate) remaining_secs: i64,
    /// The instant the figures are for: the server's clock.
    pub(crate) at: DateTime<Utc>,
    /// The calendar's open windows from `at` on, in which business time
    /// passes; empty while paused.
    pub(crate) open: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The countdown for a ticket's SLA status: the running metric due first,
/// else an overdue one, else the paused one with the least time left.
pub(crate) fn of(status: &SlaStatus, calendar: &BusinessCalendar) -> Option<Countdown> {
    let at = status.at;
    let open_cycle = |m: &&MetricStatus| m.completed_at.is_none();
    let running = status
        .metrics
        .iter()
        .filter(|m| m.state == MetricState::Running && m.due.is_some())
        .min_by_key(|m| m.due);
    let overdue = status
        .metrics
        .iter()
        .filter(open_cycle)
        .filter(|m| m.state == MetricState::Breached && m.due.is_some())
        .min_by_key(|m| m.due);
    let paused = status
        .metrics
        .iter()
        .filter(|m| m.state == MetricState::Paused)
        .min_by_key(|m| m.remaining);
    let (m, state) = match (overdue, running, paused) {
        (Some(m), _, _) => (m, ClockState::Overdue),
        (None, Some(m), _) => (m, ClockState::Running),
        (None, None, Some(m)) => (m, ClockState::Paused),
        (None, None, None) => return None,
    };
    let remaining_secs = match state {
        ClockState::Paused => m.remaining.unwrap_or_default().num_seconds(),
        ClockState::Running => m
            .due
            .and_then(|due| calendar.between(at, due).ok())
            .or(m.remaining)
            .unwrap_or_default()
            .num_seconds(),
        ClockState::Overdue => -m
            .due
            .and_then(|due| calendar.between(due, at).ok())
            .unwrap_or_default()
            .num_seconds(),
    };
    let open = if state == ClockState::Paused {
        Vec::new()
    } else {
        windows(calendar, at)
    };
    Some(Countdown {
        metric: m.metric.to_string(),
        label: m.metric.label(),
        state,
        due: m.due,
        remaining_secs,
        at,
        open,
    })
}

/// The calendar's open windows from `from` to the horizon.
fn windows(
    calendar: &BusinessCalendar,
    from: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let horizon = from + Duration::days(HORIZON_DAYS);
    let mut out = Vec::new();
    let mut t = from;
    while t < horizon && out.len() < MAX_WINDOWS {
        let Ok(start) = calendar.next_open(t) else {
            break;
        };
        if start >= horizon {
            break;
        }
        // A calendar open around the clock never closes: one window to the horizon.
        let end = calendar
            .next_close(start)
            .map_or(horizon, |e| e.min(horizon));
        if end <= start {
            break;
        }
        out.push((start, end));
        t = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_windows_skip_nights_and_weekends() {
        let cal = BusinessCalendar::from_toml(
            "time_zone = \"UTC\"\n[week]\nmon = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]",
        )
        .unwrap();
        let fri_noon: DateTime<Utc> = "2026-01-09T12:00:00Z".parse().unwrap();
        let w = windows(&cal, fri_noon);
        assert_eq!(w[0].0, fri_noon);
        assert_eq!(
            w[0].1,
            "2026-01-09T17:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            w[1].0,
            "2026-01-12T09:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn always_open_is_one_window() {
        let w = windows(
            &BusinessCalendar::always_open(),
            "2026-01-09T12:00:00Z".parse().unwrap(),
        );
        assert_eq!(w.len(), 1);
    }
}
