//! Business calendars: when support is open, and business-time arithmetic.
//!
//! (Being implemented: see issue 3.)

/// A business calendar could not be built or could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The calendar has no open time at all, so no due can be computed.
    #[error("the calendar has no open time")]
    NeverOpen,
}
