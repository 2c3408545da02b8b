//! [`SurveyPolicy`]: when a satisfaction survey goes out, on which scale,
//! to whom not, and for how long it can be answered.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{RatingError, Scale};
use crate::BusinessDuration;
use crate::error::ConfigError;
use crate::ticket::Channel;

/// The longest delay after a resolution: a survey sent later is no longer
/// about the ticket the customer remembers.
pub const MAX_DELAY: BusinessDuration = BusinessDuration::hours(90 * 24);

/// The longest answer window and throttle, in days.
pub const MAX_DAYS: u32 = 366;

/// The most reason codes a policy may offer.
pub const MAX_REASONS: usize = 32;

/// The longest comment a rating may carry, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;

/// The reasons a customer may give for a bad rating when the policy names
/// none: Zendesk's default list.
pub const DEFAULT_REASONS: [&str; 5] = [
    "too_slow",
    "not_resolved",
    "agent_knowledge",
    "agent_attitude",
    "other",
];

/// How a desk asks its customers how satisfied they are.
///
/// A survey invitation goes out a delay after a ticket is *resolved*
/// (a status of category Done that is not final), never for a ticket that is
/// closed (a final status) or reopened by then. The customer can answer,
/// and change the answer, until the ticket closes or the answer window of
/// the invitation ends, whichever comes first. A reopened ticket that is
/// resolved again is asked again, for its new resolution cycle.
///
/// Every field has a default, so an empty table is the default policy:
/// after 24 hours of calendar time, good/bad with Zendesk's reasons for a
/// bad rating, no exclusions, no throttle, 28 days to answer.
///
/// ```
/// use helpdesk::survey::{Scale, SurveyPolicy, TimeBasis};
/// use helpdesk::BusinessDuration;
///
/// let policy = SurveyPolicy::from_toml(r#"
///     delay = "8h"
///     delay_time = "business"          # counted in the SLA calendar's hours
///     scale = "good_bad"               # or "stars" (1-5), "nps" (0-10), "ces" (1-7)
///     reasons = ["too_slow", "not_resolved", "other"]
///     throttle_days = 30               # at most one survey per requester per 30 days
///     answer_window_days = 14
///     [exclude]
///     tags = ["no_survey", "spam"]
///     channels = ["phone"]
/// "#)?;
/// assert_eq!(policy.delay, BusinessDuration::hours(8));
/// assert_eq!(policy.delay_time, TimeBasis::Business);
/// assert_eq!(policy.scale, Scale::GoodBad);
/// assert_eq!(SurveyPolicy::from_toml("")?, SurveyPolicy::default());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Invalid values are a [`ConfigError`] naming the path and the value:
///
/// ```
/// use helpdesk::survey::SurveyPolicy;
/// let err = SurveyPolicy::from_toml("scale = \"stars\"\nreasons = [\"too_slow\"]").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid configuration at reasons: reason codes go with the good_bad scale only (value: too_slow)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SurveyPolicy {
    /// How long after the resolution the invitation goes out (default `"24h"`).
    #[serde(default = "default_delay")]
    pub delay: BusinessDuration,
    /// Whether [`delay`](Self::delay) is calendar time or business time of
    /// the ticket's SLA calendar (default calendar).
    #[serde(default)]
    pub delay_time: TimeBasis,
    /// The question's scale (default good/bad).
    #[serde(default)]
    pub scale: Scale,
    /// The reason codes a bad rating may carry (good/bad scale only).
    /// Absent: [`DEFAULT_REASONS`]; an empty list offers none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<String>>,
    /// Tickets that get no survey.
    #[serde(default)]
    pub exclude: Exclusions,
    /// At most one survey per requester within this many days (absent: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_days: Option<u32>,
    /// How many days an invitation can be answered (default 28).
    #[serde(default = "default_window")]
    pub answer_window_days: u32,
    /// The survey page's address (http or https); the invitation links to
    /// it with `token=<token>` added to its query. Absent: the invitation
    /// carries the token alone, and the application builds the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_url: Option<String>,
}

/// Whether a delay counts every second or only business hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// Every second counts.
    #[default]
    Calendar,
    /// Only the open hours of the ticket's SLA calendar count.
    Business,
}

/// Tickets that get no survey, whatever else holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusions {
    /// A ticket with any of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// A ticket that came in through one of these channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
}

fn default_delay() -> BusinessDuration {
    BusinessDuration::hours(24)
}

fn default_window() -> u32 {
    28
}

impl Default for SurveyPolicy {
    fn default() -> Self {
        SurveyPolicy {
            delay: default_delay(),
            delay_time: TimeBasis::Calendar,
            scale: Scale::GoodBad,
            reasons: None,
            exclude: Exclusions::default(),
            throttle_days: None,
            answer_window_days: default_window(),
            link_url: None,
        }
    }
}

impl SurveyPolicy {
    /// Parses and validates a policy from TOML.
    pub fn from_toml(s: &str) -> Result<Self, ConfigError> {
        let policy: SurveyPolicy = crate::load::toml(s)?;
        policy.validate()?;
        Ok(policy)
    }

    /// Parses and validates a policy from JSON (same structure).
    ///
    /// ```
    /// use helpdesk::survey::{Scale, SurveyPolicy};
    /// let p = SurveyPolicy::from_json(r#"{"scale": "nps", "answer_window_days": 7}"#)?;
    /// assert_eq!((p.scale, p.answer_window_days), (Scale::Nps, 7));
    /// assert!(p.reasons().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(s: &str) -> Result<Self, ConfigError> {
        let policy: SurveyPolicy = crate::load::json(s)?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks every field; the error's path is relative to the policy (a
    /// desk configuration puts its own prefix, e.g. `surveys.`, before it).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad =
            |path: String, value: String, why: &str| Err(ConfigError::new(path, Some(value), why));
        if self.delay.as_secs() < 0 || self.delay > MAX_DELAY {
            return bad(
                "delay".into(),
                self.delay.to_string(),
                "the delay must be between 0 and 90 days (2160h)",
            );
        }
        if !(1..=MAX_DAYS).contains(&self.answer_window_days) {
            return bad(
                "answer_window_days".into(),
                self.answer_window_days.to_string(),
                "the answer window must be 1 to 366 days",
            );
        }
        if let Some(days) = self.throttle_days
            && !(1..=MAX_DAYS).contains(&days)
        {
            return bad(
                "throttle_days".into(),
                days.to_string(),
                "the throttle must be 1 to 366 days (leave it out for none)",
            );
        }
        if let Some(reasons) = &self.reasons {
            if self.scale != Scale::GoodBad && !reasons.is_empty() {
                return bad(
                    "reasons".into(),
                    reasons.join(", "),
                    "reason codes go with the good_bad scale only",
                );
            }
            if reasons.len() > MAX_REASONS {
                return bad(
                    "reasons".into(),
                    reasons.len().to_string(),
                    "at most 32 reason codes",
                );
            }
            for (i, r) in reasons.iter().enumerate() {
                if !is_code(r) {
                    return bad(
                        format!("reasons[{i}]"),
                        r.clone(),
                        "a reason code is 1-64 lowercase letters, digits, `_` or `-`",
                    );
                }
                if reasons[..i].contains(r) {
                    return bad(format!("reasons[{i}]"), r.clone(), "duplicate reason code");
                }
            }
        }
        for (i, t) in self.exclude.tags.iter().enumerate() {
            if t.trim().is_empty() {
                return bad(
                    format!("exclude.tags[{i}]"),
                    t.clone(),
                    "a tag must not be empty",
                );
            }
            if self.exclude.tags[..i].contains(t) {
                return bad(format!("exclude.tags[{i}]"), t.clone(), "duplicate tag");
            }
        }
        if let Some(url) = &self.link_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return bad(
                "link_url".into(),
                url.clone(),
                "the survey page's address must start with https:// or http://",
            );
        }
        for (i, c) in self.exclude.channels.iter().enumerate() {
            if self.exclude.channels[..i].contains(c) {
                return bad(
                    format!("exclude.channels[{i}]"),
                    c.to_string(),
                    "duplicate channel",
                );
            }
        }
        Ok(())
    }

    /// The reason codes a bad rating may carry: the configured list, or
    /// [`DEFAULT_REASONS`] on the good/bad scale when none is configured;
    /// none on the other scales.
    pub fn reasons(&self) -> Vec<&str> {
        match (&self.reasons, self.scale) {
            (Some(list), _) => list.iter().map(String::as_str).collect(),
            (None, Scale::GoodBad) => DEFAULT_REASONS.to_vec(),
            (None, _) => Vec::new(),
        }
    }

    /// The instant an invitation sent at `sent_at` stops being answerable:
    /// `sent_at` plus the answer window in calendar days (of 24 hours).
    pub fn expiry(&self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        sent_at + Duration::days(i64::from(self.answer_window_days))
    }

    /// The survey link for `token`: [`link_url`](Self::link_url) with
    /// `token=<token>` added to its query, or `None` without an address.
    ///
    /// ```
    /// use helpdesk::survey::SurveyPolicy;
    /// let p = SurveyPolicy::from_toml("link_url = \"https://help.example.com/survey\"")?;
    /// assert_eq!(p.link("abc").as_deref(), Some("https://help.example.com/survey?token=abc"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn link(&self, token: &str) -> Option<String> {
        let base = self.link_url.as_deref()?;
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(format!("{base}{sep}token={token}"))
    }

    /// Checks that `rating` fits this policy: its scale, its range, its
    /// reason code, the length of its comment.
    ///
    /// ```
    /// use helpdesk::survey::{Rating, RatingError, Score, SurveyPolicy};
    /// let policy = SurveyPolicy::default(); // good/bad
    /// assert!(policy.check(&Rating::new(Score::Bad).reason("too_slow")).is_ok());
    /// assert!(matches!(
    ///     policy.check(&Rating::new(Score::Stars(4))),
    ///     Err(RatingError::WrongScale { .. })
    /// ));
    /// assert!(matches!(
    ///     policy.check(&Rating::new(Score::Good).reason("too_slow")),
    ///     Err(RatingError::ReasonNotAllowed)
    /// ));
    /// ```
    pub fn check(&self, rating: &super::Rating) -> Result<(), RatingError> {
        let got = rating.score.scale();
        if got != self.scale {
            return Err(RatingError::WrongScale {
                expected: self.scale,
                got,
            });
        }
        rating.score.check_range()?;
        if let Some(reason) = &rating.reason {
            if rating.score != super::Score::Bad {
                return Err(RatingError::ReasonNotAllowed);
            }
            let allowed = self.reasons();
            if !allowed.contains(&reason.as_str()) {
                return Err(RatingError::UnknownReason {
                    reason: reason.clone(),
                    allowed: allowed.into_iter().map(str::to_owned).collect(),
                });
            }
        }
        if let Some(comment) = &rating.comment {
            let chars = comment.chars().count();
            if chars > MAX_COMMENT_CHARS {
                return Err(RatingError::CommentTooLong {
                    chars,
                    max: MAX_COMMENT_CHARS,
                });
            }
        }
        Ok(())
    }
}

/// A reason code: 1-64 of `a-z`, `0-9`, `_`, `-`.
fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_issues() {
        let p = SurveyPolicy::default();
        assert_eq!(p.delay, BusinessDuration::hours(24));
        assert_eq!(p.delay_time, TimeBasis::Calendar);
        assert_eq!(p.scale, Scale::GoodBad);
        assert_eq!(p.answer_window_days, 28);
        assert_eq!(p.throttle_days, None);
        assert_eq!(p.reasons(), DEFAULT_REASONS.to_vec());
        p.validate().unwrap();
        assert_eq!(SurveyPolicy::from_json("{}").unwrap(), p);
    }

    #[test]
    fn round_trips_through_toml_and_json() {
        let p = SurveyPolicy::from_toml(
            "delay = \"1h30m\"\ndelay_time = \"business\"\nscale = \"ces\"\nthrottle_days = 7\n[exclude]\nchannels = [\"chat\", { other = \"walk-in\" }]\n",
        )
        .unwrap();
        assert_eq!(
            p.exclude.channels,
            vec![Channel::Chat, Channel::Other("walk-in".into())]
        );
        let toml_text = toml::to_string(&p).unwrap();
        assert_eq!(SurveyPolicy::from_toml(&toml_text).unwrap(), p);
        let json_text = serde_json::to_string(&p).unwrap();
        assert_eq!(SurveyPolicy::from_json(&json_text).unwrap(), p);
    }

    #[test]
    fn errors_name_path_and_value() {
        let cases = [
            ("answer_window_days = 0", "answer_window_days", "0"),
            ("answer_window_days = 400", "answer_window_days", "400"),
            ("throttle_days = 0", "throttle_days", "0"),
            ("delay = \"2200h\"", "delay", "2200h"),
            ("delay = \"2d\"", "delay", "2d"),
            ("reasons = [\"ok\", \"Too Slow\"]", "reasons[1]", "Too Slow"),
            ("reasons = [\"ok\", \"ok\"]", "reasons[1]", "ok"),
            ("scale = \"thumbs\"", "scale", "thumbs"),
            ("[exclude]\ntags = [\"a\", \" \"]", "exclude.tags[1]", " "),
            (
                "[exclude]\nchannels = [\"phone\", \"phone\"]",
                "exclude.channels[1]",
                "phone",
            ),
        ];
        for (src, path, value) in cases {
            let e = SurveyPolicy::from_toml(src).unwrap_err();
            assert_eq!(
                (e.path.as_str(), e.value.as_deref()),
                (path, Some(value)),
                "{src}: {e}"
            );
        }
        let e = SurveyPolicy::from_toml("dely = \"1h\"").unwrap_err();
        assert_eq!(e.path, "dely");
        assert!(e.message.starts_with("unknown field"), "{e}");
        let e = SurveyPolicy::from_json(r#"{"answer_window_days": -1}"#).unwrap_err();
        assert_eq!(e.path, "answer_window_days");
    }

    #[test]
    fn in_code_policies_are_validated_too() {
        let p = SurveyPolicy {
            delay: BusinessDuration::from_secs(-1),
            ..SurveyPolicy::default()
        };
        assert_eq!(p.validate().unwrap_err().path, "delay");
    }

    #[test]
    fn expiry_counts_calendar_days() {
        let p = SurveyPolicy::default();
        let sent: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().unwrap();
        assert_eq!(
            p.expiry(sent),
            "2026-03-29T10:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
