//! Conditions on a ticket, shared by every rule engine in the crate.
//!
//! Priority rules, SLA policy selection, routing rules and escalation levels
//! all say "when the ticket looks like this". They share one [`Condition`]
//! type, so a condition written for one works the same in the others.
//!
//! Every field is optional; a condition matches when *all* the fields it sets
//! match (an empty condition matches every ticket). A list field matches when
//! the ticket's value is any one of the list. Text comparisons ignore case.
//!
//! ```
//! use helpdesk::Condition;
//! let c: Condition = toml::from_str(r#"
//!     category = ["network", "network/vpn"]
//!     words = ["outage", "down"]
//! "#)?;
//! assert!(c.category.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::id::GroupId;
use crate::priority::Priority;
use crate::ticket::{Channel, FieldValue, StatusId, Ticket};

/// A condition on a ticket. See the [module docs](self).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Condition {
    /// Category is one of these (a category `network/vpn` also matches `network`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Vec<String>>,
    /// Channel is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Vec<Channel>>,
    /// The requester's tier is one of these (e.g. `vip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_tier: Option<Vec<String>>,
    /// The requester's organization is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Vec<String>>,
    /// The ticket has at least one of these tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The subject or description contains at least one of these words
    /// (whole words, case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<String>>,
    /// Priority is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Vec<Priority>>,
    /// Group is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Vec<GroupId>>,
    /// Status is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Vec<StatusId>>,
    /// Each named custom field has this value, written naturally (`location
    /// = "server room"`, `floor = 3`, `since = 2026-03-01`) or tagged; see
    /// [`FieldValue`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldValue>,
}

impl Condition {
    /// A condition that matches every ticket.
    pub fn always() -> Self {
        Condition::default()
    }

    /// Does `ticket` satisfy every part of this condition?
    pub fn matches(&self, ticket: &Ticket) -> bool {
        fn any_eq(list: Option<&Vec<String>>, value: Option<&str>) -> bool {
            list.is_none_or(|l| value.is_some_and(|v| l.iter().any(|x| x.eq_ignore_ascii_case(v))))
        }
        let category_ok = self.category.as_ref().is_none_or(|l| {
            ticket
                .category
                .as_deref()
                .is_some_and(|c| l.iter().any(|want| category_within(c, want)))
        });
        category_ok
            && self
                .channel
                .as_ref()
                .is_none_or(|l| l.contains(&ticket.channel))
            && any_eq(
                self.requester_tier.as_ref(),
                ticket.requester.tier.as_deref(),
            )
            && any_eq(
                self.organization.as_ref(),
                ticket.requester.organization.as_deref(),
            )
            && self.tags.as_ref().is_none_or(|l| {
                l.iter()
                    .any(|t| ticket.tags.iter().any(|have| have.eq_ignore_ascii_case(t)))
            })
            && self.words.as_ref().is_none_or(|l| {
                l.iter().any(|w| {
                    contains_word(&ticket.subject, w) || contains_word(&ticket.description, w)
                })
            })
            && self
                .priority
                .as_ref()
                .is_none_or(|l| l.contains(&ticket.priority))
            && self
                .group
                .as_ref()
                .is_none_or(|l| ticket.group.as_ref().is_some_and(|g| l.contains(g)))
            && self
                .status
                .as_ref()
                .is_none_or(|l| l.contains(&ticket.status))
            && self
                .fields
                .iter()
                .all(|(k, v)| ticket.fields.get(k).is_some_and(|have| v.matches(have)))
    }
}

/// `network/vpn` lies within `network` and within itself.
pub(crate) fn category_within(category: &str, wanted: &str) -> bool {
    category.eq_ignore_ascii_case(wanted)
        || (category.len() > wanted.len()
            && category.as_bytes()[wanted.len()] == b'/'
            && category[..wanted.len()].eq_ignore_ascii_case(wanted))
}

/// Whole-word, case-insensitive search without allocating per word boundary.
pub(crate) fn contains_word(haystack: &str, word: &str) -> bool {
    let word = word.trim();
    if word.is_empty() {
        return false;
    }
    let hay = haystack.to_lowercase();
    let word = word.to_lowercase();
    let is_word_char = |c: char| c.is_alphanumeric() || c == '_';
    hay.match_indices(&word).any(|(i, m)| {
        let before = hay[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word_char(c));
        let after = hay[i + m.len()..]
            .chars()
            .next()
            .is_none_or(|c| !is_word_char(c));
        before && after
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_whole_words_only() {
        assert!(contains_word("The VPN is DOWN again", "down"));
        assert!(!contains_word("download failed", "down"));
        assert!(contains_word("down.", "down"));
        assert!(!contains_word("anything", ""));
    }

    #[test]
    fn subcategories_lie_within_their_parent() {
        assert!(category_within("network/vpn", "network"));
        assert!(category_within("Network", "network"));
        assert!(!category_within("networking", "network"));
    }
}
