//! The ticket reference in a subject line: `[#1042]`.

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::id::TicketRef;

/// How the desk writes a ticket's reference into subjects, and finds it in
/// the subjects of replies: a prefix, the reference's digits, a suffix.
///
/// The default is `[#1042]` (prefix `[#`, suffix `]`). A desk that shares
/// mailboxes with other systems using the same style picks its own, e.g.
/// `[Acme #1042]`. Prefixes match ASCII case-insensitively, as some mail
/// clients change the case of subjects.
///
/// ```
/// use helpdesk::intake::SubjectTag;
/// use helpdesk::TicketRef;
///
/// let tag = SubjectTag::default();
/// assert_eq!(tag.find("RE: [#1042] Imprimante HS"), Some(TicketRef(1042)));
/// assert_eq!(tag.find("Invoice #1042"), None);
/// assert_eq!(tag.format(TicketRef(7)), "[#7]");
///
/// let acme = SubjectTag::new("[Acme #", "]")?;
/// assert_eq!(acme.find("Re: [ACME #55] VPN"), Some(TicketRef(55)));
/// assert_eq!(acme.find("Re: [#55] VPN"), None);
///
/// // From configuration:
/// let tag: SubjectTag = toml::from_str(r#"prefix = "(ref "
/// suffix = ")""#)?;
/// assert_eq!(tag.find("Re: (ref 9) printer"), Some(TicketRef(9)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TagSpec", into = "TagSpec")]
pub struct SubjectTag {
    prefix: String,
    suffix: String,
}

/// The longest prefix or suffix, in bytes.
const MAX_AFFIX_BYTES: usize = 40;

/// The most digits a reference has (`u64::MAX` has 20).
const MAX_DIGITS: usize = 20;

impl SubjectTag {
    /// A tag with this prefix and suffix.
    ///
    /// The prefix must not be empty; neither may contain a digit, a line
    /// break or be longer than 40 bytes, so a tag is always read back as
    /// it was written. The suffix may be empty (`#1042`), then the
    /// reference ends at the first non-digit.
    pub fn new(prefix: impl Into<String>, suffix: impl Into<String>) -> Result<Self, ConfigError> {
        let (prefix, suffix) = (prefix.into(), suffix.into());
        if prefix.is_empty() {
            return Err(ConfigError::new("prefix", None, "must not be empty"));
        }
        for (field, value) in [("prefix", &prefix), ("suffix", &suffix)] {
            let problem = if value.len() > MAX_AFFIX_BYTES {
                Some("is longer than 40 bytes")
            } else if value.chars().any(|c| c.is_ascii_digit()) {
                Some("must not contain digits")
            } else if value.chars().any(char::is_control) {
                Some("must not contain control characters")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(ConfigError::new(field, Some(value.clone()), problem));
            }
        }
        Ok(SubjectTag { prefix, suffix })
    }

    /// The text before the reference's digits.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The text after the reference's digits.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// The tag for `reference`, e.g. `[#1042]`.
    pub fn format(&self, reference: TicketRef) -> String {
        format!("{}{}{}", self.prefix, reference.0, self.suffix)
    }

    /// The first well-formed tag's reference in `subject`, if any.
    pub fn find(&self, subject: &str) -> Option<TicketRef> {
        self.tags(subject).next().map(|(_, reference)| reference)
    }

    /// `subject` without any of this desk's tags, spaces around them
    /// collapsed: `Re: [#1042] VPN` becomes `Re: VPN`.
    pub fn strip(&self, subject: &str) -> String {
        let mut out = String::with_capacity(subject.len());
        let mut rest = 0;
        for (range, _) in self.tags(subject) {
            out.push_str(&subject[rest..range.start]);
            rest = range.end;
        }
        out.push_str(&subject[rest..]);
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Every well-formed tag in `subject`: its byte range and reference.
    fn tags<'s>(
        &'s self,
        subject: &'s str,
    ) -> impl Iterator<Item = (std::ops::Range<usize>, TicketRef)> + 's {
        // ASCII lower-casing keeps every byte where it is, so positions in
        // `lower` are positions in `subject`.
        let lower = subject.to_ascii_lowercase();
        let prefix = self.prefix.to_ascii_lowercase();
        let suffix = self.suffix.to_ascii_lowercase();
        let mut from = 0;
        std::iter::from_fn(move || {
            while let Some(found) = lower[from..].find(&prefix) {
                let start = from + found;
                let digits_start = start + prefix.len();
                from = digits_start;
                let digits = lower[digits_start..]
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                if digits == 0 || digits > MAX_DIGITS {
                    continue;
                }
                let digits_end = digits_start + digits;
                if !lower[digits_end..].starts_with(&suffix) {
                    continue;
                }
                let Ok(number) = lower[digits_start..digits_end].parse::<u64>() else {
                    continue;
                };
                let end = digits_end + suffix.len();
                from = end;
                return Some((start..end, TicketRef(number)));
            }
            None
        })
    }
}

impl Default for SubjectTag {
    fn default() -> Self {
        SubjectTag {
            prefix: "[#".into(),
            suffix: "]".into(),
        }
    }
}

/// The tag as configuration writes it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagSpec {
    prefix: String,
    #[serde(default)]
    suffix: String,
}

impl TryFrom<TagSpec> for SubjectTag {
    type Error = ConfigError;
    fn try_from(spec: TagSpec) -> Result<Self, Self::Error> {
        SubjectTag::new(spec.prefix, spec.suffix)
    }
}

impl From<SubjectTag> for TagSpec {
    fn from(tag: SubjectTag) -> Self {
        TagSpec {
            prefix: tag.prefix,
            suffix: tag.suffix,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_default_tag_anywhere_in_the_subject() {
        let t = SubjectTag::default();
        for (subject, expected) in [
            ("[#1042] VPN", Some(1042)),
            ("Re: [#1042] VPN", Some(1042)),
            ("Απ: Πρόβλημα [#77]", Some(77)),
            ("RE : TR : [#5][#6]", Some(5)),
            ("[#] [#12x] [#13]", Some(13)),
            ("[# 12]", None),
            ("#1042", None),
            ("[#99999999999999999999999]", None),
            ("", None),
        ] {
            assert_eq!(t.find(subject), expected.map(TicketRef), "{subject}");
        }
    }

    #[test]
    fn an_empty_suffix_ends_at_the_first_non_digit() {
        let t = SubjectTag::new("Ticket #", "").unwrap();
        assert_eq!(t.find("Re: Ticket #1042: VPN"), Some(TicketRef(1042)));
        assert_eq!(t.find("ticket #12"), Some(TicketRef(12)));
    }

    #[test]
    fn format_and_find_round_trip() {
        let t = SubjectTag::new("«Réf. ", "»").unwrap();
        let subject = format!("Re: {} Imprimante", t.format(TicketRef(31337)));
        assert_eq!(subject, "Re: «Réf. 31337» Imprimante");
        assert_eq!(t.find(&subject), Some(TicketRef(31337)));
        assert_eq!(t.strip(&subject), "Re: Imprimante");
    }

    #[test]
    fn strip_removes_every_tag() {
        let t = SubjectTag::default();
        assert_eq!(t.strip("Re: [#1] [#2]  VPN [#x]"), "Re: VPN [#x]");
    }

    #[test]
    fn bad_tags_are_config_errors() {
        for (prefix, suffix, path) in [
            ("", "]", "prefix"),
            ("[1#", "]", "prefix"),
            ("[#", "]2", "suffix"),
            ("[#\n", "]", "prefix"),
        ] {
            let e = SubjectTag::new(prefix, suffix).unwrap_err();
            assert_eq!(e.path, path, "{prefix:?} {suffix:?}");
        }
        assert!(SubjectTag::new("x".repeat(41), "").is_err());
        let e = toml::from_str::<SubjectTag>("prefix = \"\"").unwrap_err();
        assert!(e.to_string().contains("must not be empty"), "{e}");
    }
}
