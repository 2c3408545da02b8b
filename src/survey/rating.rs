//! Scales, scores and ratings.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The question a survey asks, and so the values its answers take.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// "How would you rate the support you received?" Good or bad, with an
    /// optional comment and, for bad, a reason code (as Zendesk).
    #[default]
    GoodBad,
    /// One to five stars.
    Stars,
    /// Net Promoter Score: "How likely are you to recommend us?", 0 to 10.
    Nps,
    /// Customer Effort Score: "How easy was it to get your issue
    /// resolved?", 1 (very difficult) to 7 (very easy).
    Ces,
}

impl Scale {
    /// The configuration name: `good_bad`, `stars`, `nps`, `ces`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::GoodBad => "good_bad",
            Scale::Stars => "stars",
            Scale::Nps => "nps",
            Scale::Ces => "ces",
        }
    }

    /// The lowest and highest value of a numeric scale (`None` for good/bad).
    pub fn range(self) -> Option<(u8, u8)> {
        match self {
            Scale::GoodBad => None,
            Scale::Stars => Some((1, 5)),
            Scale::Nps => Some((0, 10)),
            Scale::Ces => Some((1, 7)),
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to the survey's question, on one [`Scale`].
///
/// Serialized as `{"type": "good"}` or `{"type": "stars", "value": 4}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Score {
    /// Good (good/bad scale).
    Good,
    /// Bad (good/bad scale).
    Bad,
    /// 1 to 5 stars.
    Stars(u8),
    /// 0 to 10, Net Promoter Score.
    Nps(u8),
    /// 1 to 7, Customer Effort Score.
    Ces(u8),
}

/// Where an NPS answer puts the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NpsGroup {
    /// 9 or 10.
    Promoter,
    /// 7 or 8.
    Passive,
    /// 0 to 6.
    Detractor,
}

impl Score {
    /// The scale the score belongs to.
    pub fn scale(self) -> Scale {
        match self {
            Score::Good | Score::Bad => Scale::GoodBad,
            Score::Stars(_) => Scale::Stars,
            Score::Nps(_) => Scale::Nps,
            Score::Ces(_) => Scale::Ces,
        }
    }

    /// The number on a numeric scale (`None` for good/bad).
    pub fn value(self) -> Option<u8> {
        match self {
            Score::Good | Score::Bad => None,
            Score::Stars(v) | Score::Nps(v) | Score::Ces(v) => Some(v),
        }
    }

    /// `Some(true)` for good, `Some(false)` for bad, `None` on other scales.
    pub fn is_good(self) -> Option<bool> {
        match self {
            Score::Good => Some(true),
            Score::Bad => Some(false),
            _ => None,
        }
    }

    /// The NPS group of an NPS score.
    ///
    /// ```
    /// use helpdesk::survey::{NpsGroup, Score};
    /// assert_eq!(Score::Nps(9).nps_group(), Some(NpsGroup::Promoter));
    /// assert_eq!(Score::Nps(6).nps_group(), Some(NpsGroup::Detractor));
    /// assert_eq!(Score::Stars(5).nps_group(), None);
    /// ```
    pub fn nps_group(self) -> Option<NpsGroup> {
        match self {
            Score::Nps(9..) => Some(NpsGroup::Promoter),
            Score::Nps(7 | 8) => Some(NpsGroup::Passive),
            Score::Nps(_) => Some(NpsGroup::Detractor),
            _ => None,
        }
    }

    /// Ok when a numeric score is within its scale's range.
    pub fn check_range(self) -> Result<(), RatingError> {
        match (self.value(), self.scale().range()) {
            (Some(v), Some((lo, hi))) if v < lo || v > hi => Err(RatingError::OutOfRange {
                scale: self.scale(),
                value: v,
            }),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Score::Good => f.write_str("good"),
            Score::Bad => f.write_str("bad"),
            Score::Stars(v) => write!(f, "{v} stars"),
            Score::Nps(v) => write!(f, "NPS {v}"),
            Score::Ces(v) => write!(f, "CES {v}"),
        }
    }
}

/// A customer's answer: a score, a reason code (bad ratings only) and a comment.
///
/// Build one with [`Rating::new`] and check it against the policy with
/// [`SurveyPolicy::check`](super::SurveyPolicy::check).
///
/// ```
/// use helpdesk::survey::{Rating, Score};
/// let r = Rating::new(Score::Bad).reason("too_slow").comment("  Took a week.  ");
/// assert_eq!(r.comment.as_deref(), Some("Took a week."));
/// assert_eq!(Rating::new(Score::Good).comment("   ").comment, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Rating {
    /// The answer.
    pub score: Score,
    /// Why it was bad: one of the policy's reason codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Rating {
    /// A rating with a score only.
    pub fn new(score: Score) -> Self {
        Rating {
            score,
            reason: None,
            comment: None,
        }
    }

    /// Sets the reason code.
    pub fn reason(mut self, code: impl Into<String>) -> Self {
        self.reason = Some(code.into());
        self
    }

    /// Sets the comment, trimmed; a blank comment is none.
    pub fn comment(mut self, text: impl AsRef<str>) -> Self {
        let text = text.as_ref().trim();
        self.comment = (!text.is_empty()).then(|| text.to_owned());
        self
    }
}

/// A rating does not fit the survey policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RatingError {
    /// The score is on another scale than the policy asks on.
    #[error("this survey asks on the {expected} scale, not {got}")]
    WrongScale {
        /// The policy's scale.
        expected: Scale,
        /// The score's scale.
        got: Scale,
    },
    /// A numeric score outside its scale.
    #[error("{value} is outside the {scale} scale ({})", range_text(*.scale))]
    OutOfRange {
        /// The scale.
        scale: Scale,
        /// The value given.
        value: u8,
    },
    /// A reason code the policy does not offer.
    #[error("unknown reason `{reason}`; allowed: {}", allowed_text(.allowed))]
    UnknownReason {
        /// The code given.
        reason: String,
        /// The codes the policy offers.
        allowed: Vec<String>,
    },
    /// A reason code on a rating that is not bad.
    #[error("a reason goes with a bad rating only")]
    ReasonNotAllowed,
    /// The comment is too long.
    #[error("the comment has {chars} characters; at most {max}")]
    CommentTooLong {
        /// Its length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
}

impl RatingError {
    /// The field of the rating at fault: `score`, `reason` or `comment`.
    pub fn field(&self) -> &'static str {
        match self {
            RatingError::WrongScale { .. } | RatingError::OutOfRange { .. } => "score",
            RatingError::UnknownReason { .. } | RatingError::ReasonNotAllowed => "reason",
            RatingError::CommentTooLong { .. } => "comment",
        }
    }
}

/// A rating that does not fit is bad input: [`crate::Error::Validation`]
/// on `rating.score`, `rating.reason` or `rating.comment`.
impl From<RatingError> for crate::Error {
    fn from(e: RatingError) -> Self {
        crate::Error::validation(format!("rating.{}", e.field()), e.to_string())
    }
}

fn range_text(scale: Scale) -> String {
    scale.range().map_or_else(
        || "good or bad".to_owned(),
        |(lo, hi)| format!("{lo} to {hi}"),
    )
}

fn allowed_text(allowed: &[String]) -> String {
    if allowed.is_empty() {
        "none".to_owned()
    } else {
        allowed.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::SurveyPolicy;

    fn policy(scale: &str) -> SurveyPolicy {
        SurveyPolicy::from_toml(&format!("scale = \"{scale}\"")).unwrap()
    }

    #[test]
    fn each_scale_takes_its_range_only() {
        for (scale, ok, bad) in [
            ("stars", [1, 5], [0, 6]),
            ("nps", [0, 10], [11, 255]),
            ("ces", [1, 7], [0, 8]),
        ] {
            let p = policy(scale);
            let make = |v| match p.scale {
                Scale::Stars => Score::Stars(v),
                Scale::Nps => Score::Nps(v),
                _ => Score::Ces(v),
            };
            for v in ok {
                assert!(p.check(&Rating::new(make(v))).is_ok(), "{scale} {v}");
            }
            for v in bad {
                let e = p.check(&Rating::new(make(v))).unwrap_err();
                assert!(
                    matches!(e, RatingError::OutOfRange { value, .. } if value == v),
                    "{e}"
                );
            }
        }
    }

    #[test]
    fn reasons_come_from_the_policy_and_go_with_bad_only() {
        let p = SurveyPolicy::from_toml("reasons = [\"slow\"]").unwrap();
        assert!(p.check(&Rating::new(Score::Bad).reason("slow")).is_ok());
        assert!(p.check(&Rating::new(Score::Bad)).is_ok());
        let e = p
            .check(&Rating::new(Score::Bad).reason("rude"))
            .unwrap_err();
        assert_eq!(e.to_string(), "unknown reason `rude`; allowed: slow");
        let e = p
            .check(&Rating::new(Score::Good).reason("slow"))
            .unwrap_err();
        assert_eq!(e, RatingError::ReasonNotAllowed);
    }

    #[test]
    fn errors_read_as_one_line_and_map_to_validation() {
        let e = policy("stars")
            .check(&Rating::new(Score::Stars(9)))
            .unwrap_err();
        assert_eq!(e.to_string(), "9 is outside the stars scale (1 to 5)");
        let e = policy("nps").check(&Rating::new(Score::Good)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "this survey asks on the nps scale, not good_bad"
        );
        let err: crate::Error = e.into();
        assert_eq!(err.kind(), crate::ErrorKind::Validation);
        assert!(
            err.to_string().starts_with("invalid rating.score: "),
            "{err}"
        );
        let long = "x".repeat(super::super::MAX_COMMENT_CHARS + 1);
        let e = policy("good_bad")
            .check(&Rating::new(Score::Good).comment(long))
            .unwrap_err();
        assert_eq!(e.field(), "comment");
    }

    #[test]
    fn scores_serialize_with_their_type() {
        assert_eq!(
            serde_json::to_string(&Score::Good).unwrap(),
            r#"{"type":"good"}"#
        );
        assert_eq!(
            serde_json::to_string(&Score::Stars(4)).unwrap(),
            r#"{"type":"stars","value":4}"#
        );
        let r: Rating =
            serde_json::from_str(r#"{"score":{"type":"bad"},"reason":"too_slow"}"#).unwrap();
        assert_eq!(r, Rating::new(Score::Bad).reason("too_slow"));
    }
}
