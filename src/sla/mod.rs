//! Service level agreements: policies, their selection, and evaluation.
//!
//! An [`SlaPolicy`] sets business-time targets per [`Metric`] and
//! [`Priority`](crate::Priority), counted in a [`BusinessCalendar`](crate::BusinessCalendar).
//! The desk chooses a policy for each ticket by ordered conditions (the shared
//! [`Condition`](crate::Condition)), first match wins, else the default, and
//! records the choice as an event. [`evaluate`] turns the ticket's events
//! into an [`SlaStatus`]; the desk records warnings, breaches and met
//! targets as events too, so reports never recompute.
//!
//! # Metrics
//!
//! - **first response**: creation -> the first public agent reply.
//! - **next response**: each customer message after the first reply -> the
//!   next public agent reply.
//! - **periodic update**: from each public agent reply, the next one is due
//!   within the target while the ticket is not resolved.
//! - **resolution**: creation -> a status of category Done. Reopening starts a
//!   new cycle or continues the old one ([`Reopen`]).
//!
//! Pause statuses stop a metric's clock; by default the lifecycle's statuses
//! of category Paused (Pending, On-hold) pause every metric but first
//! response. While the ticket is Done no clock runs; resolving a ticket ends
//! open first-response, next-response and periodic-update cycles without
//! fulfilment (they stay breached if they were).
//!
//! The due is the first instant at which a target is used up: a reply at
//! the due is late. Priority changes keep the time already used and apply the
//! new priority's target.
//!
//! # Configuration
//!
//! Durations are strings of `<number><unit>` parts with units `h`, `m`, `s`
//! (`"4h"`, `"30m"`, `"1h30m"`); days are rejected because a business day's
//! length depends on the calendar ([`BusinessDuration`](crate::BusinessDuration)). Warnings are a share
//! of the target (`"80%"`, the default) or business time before the due (`"1h"`).
//!
//! ```
//! use helpdesk::sla::{Metric, Reopen, SlaConfig};
//! use helpdesk::Priority;
//! let config = SlaConfig::from_toml(r#"
//!     default = "standard"
//!
//!     [calendars.office]                 # the calendar file format
//!     time_zone = "America/New_York"
//!     holidays = ["2026-12-25"]
//!     [calendars.office.week]
//!     mon = ["09:00-17:00"]
//!     tue = ["09:00-17:00"]
//!     wed = ["09:00-17:00"]
//!     thu = ["09:00-17:00"]
//!     fri = ["09:00-17:00"]
//!
//!     [[policies]]                       # tried in order, first match wins
//!     name = "vip"
//!     when = { requester_tier = ["vip"] } # the shared Condition
//!     calendar = "24x7"                  # "24x7", a [calendars] name, or an inline table
//!     reopen = "continue"                # or "new_cycle" (default)
//!     first_response = { target = "1h" }
//!     resolution = { targets = { critical = "4h", high = "8h" }, target = "24h" }
//!
//!     [[policies]]
//!     name = "standard"
//!     calendar = "office"
//!     [policies.first_response]
//!     targets = { critical = "30m", high = "1h", medium = "4h", low = "8h" }
//!     warning = "75%"
//!     [policies.next_response]
//!     target = "4h"
//!     [policies.resolution]
//!     targets = { critical = "8h", high = "16h", medium = "40h", low = "80h" }
//!     warning = "4h"                    # 4 business hours before the due
//!     pause = ["pending", "on_hold"]    # the default, spelled out
//! "#)?;
//! let vip = config.policy("vip").unwrap();
//! assert_eq!(vip.reopen, Reopen::Continue);
//! assert_eq!(vip.target(Metric::Resolution, Priority::Low), Some(chrono::Duration::hours(24)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Invalid configuration is a [`ConfigError`](crate::ConfigError) naming the
//! path and the value, e.g. ``invalid configuration at `policies[1].calendar`:
//! no such calendar in [calendars] (or use "24x7") (value `ofice`)``.

pub(crate) mod config;
mod eval;
mod status;

pub use config::{
    CalendarRef, MetricPolicy, Reopen, Selected, SlaConfig, SlaPolicy, Targets, Warning,
};
pub use eval::evaluate;
pub(crate) use eval::{ClockPoint, Reached, Watch, clock_reads, evaluate_events};
pub use status::{CycleOutcome, Metric, MetricState, MetricStatus, SlaStatus};
