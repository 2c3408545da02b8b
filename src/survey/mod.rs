//! Satisfaction surveys: asking the requester how it went, once a ticket is
//! resolved.
//!
//! The pieces, all pure (no I/O, no clock: instants come in as inputs):
//!
//! - [`SurveyPolicy`]: configuration. When the invitation goes out (a delay
//!   after the resolution, in calendar or business time), on which
//!   [`Scale`] (good/bad with reason codes as Zendesk, 1-5 stars, NPS 0-10,
//!   CES 1-7), which tickets are excluded (tags, channels), a throttle per
//!   requester, and how long an invitation can be answered.
//! - [`invitation_due`]: for a ticket's timeline, which resolution cycle is
//!   waiting for an invitation, and when it is due; [`exclusion`]: whether
//!   it goes out or is skipped, and why.
//! - The invitation's link carries a token ([`TokenClaims::sign`]): HMAC-SHA256
//!   over the ticket id, the resolution cycle and the expiry, under a
//!   [`SurveyKey`] the application supplies. [`verify`] checks it in
//!   constant time; a forged, malformed or expired token is a [`TokenError`].
//! - [`rate`]: whether the requester may rate (or change the rating of) a
//!   cycle now ([`may_rate`]: their own ticket, not closed, the latest
//!   cycle) and whether the [`Rating`] fits the policy; it returns the
//!   [`Rated`] payload, which records the assignee and group at rating time.
//!
//! # Lifecycle of a survey
//!
//! 1. The ticket is resolved: cycle 1 begins ([`resolution_state`]).
//! 2. `resolved_at + delay`: the invitation is due. If the ticket is still
//!    resolved, [`exclusion`] decides: send ([`Invited`]) or skip
//!    ([`Skipped`]). A ticket closed or reopened before the due gets none.
//! 3. The requester answers through the link, or in the portal, and may
//!    change the answer until the ticket closes (or the token expires).
//! 4. Reopened and resolved again: cycle 2 begins, and is asked again; the
//!    cycle-1 token is then [`RatingRefused::Superseded`].
//!
//! ```
//! use helpdesk::survey::{invitation_due, rate, verify, Rating, Score, SurveyHistory, SurveyKey, SurveyPolicy, TokenClaims};
//! use helpdesk::ticket::{EventActor, Lifecycle};
//! use helpdesk::BusinessCalendar;
//! # let events = helpdesk::doc_support::doc_resolved_timeline("2026-03-06T14:00:00Z".parse()?, "2026-03-06T16:00:00Z".parse()?);
//! # let ada = match &events[0].actor { EventActor::Requester(id) => *id, _ => unreachable!() };
//! // `events` is a ticket of Ada's, resolved on Friday at 16:00 UTC.
//! let policy = SurveyPolicy::default();
//! let lifecycle = Lifecycle::default();
//! let invitation = invitation_due(&events, &lifecycle, &policy, &BusinessCalendar::always_open(), &SurveyHistory::new())?
//!     .expect("a resolved ticket waits for its survey");
//!
//! // At the due, the desk signs the link's token...
//! let key = SurveyKey::new(*b"an application secret of 32 byte")?;
//! let sent_at = invitation.due_at;
//! let token = TokenClaims::new(events[0].ticket_id, invitation.cycle, policy.expiry(sent_at)).sign(&key);
//!
//! // ...and when Ada follows it, verifies it and decides her rating.
//! let claims = verify(&key, &token, sent_at + chrono::Duration::hours(2))?;
//! let rated = rate(&events, &lifecycle, &policy, &EventActor::Requester(ada), Some(claims.cycle),
//!     Rating::new(Score::Bad).reason("too_slow").comment("Two days for a password reset."))?;
//! assert_eq!(rated.cycle, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod decide;
mod history;
mod policy;
mod rating;
mod status;
mod token;

#[cfg(test)]
pub(crate) mod testing;

pub use decide::{
    Exclusion, Invitation, RatingRefused, RequesterSurveys, ResolutionState, SurveyError,
    exclusion, invitation_due, may_rate, rate, resolution_state,
};
pub use history::{Invited, Rated, Skipped, SurveyEntry, SurveyHistory, SurveyRecord};
pub use policy::{
    DEFAULT_REASONS, Exclusions, MAX_COMMENT_CHARS, MAX_DAYS, MAX_DELAY, MAX_REASONS, SurveyPolicy,
    TimeBasis,
};
pub use rating::{NpsGroup, Rating, RatingError, Scale, Score};
pub use status::{RatingStatus, rating_status};
pub use token::{MIN_KEY_BYTES, SurveyKey, TokenClaims, TokenError, verify};
