//! Languages: the [`Locale`] a requester reads in, an article is written
//! in, a notification is rendered in.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A language tag in the BCP 47 shape most desks use: a 2-3 letter
/// language, then optionally a 4-letter script and a 2-letter or 3-digit
/// region, e.g. `en`, `el`, `pt-BR`, `zh-Hant-TW`, `es-419`.
///
/// The tag is normalised to the usual case (`pt-br` and `PT_BR` become
/// `pt-BR`). Extensions and variants are not accepted: a help desk chooses
/// the texts it has, it does not negotiate every subtag.
///
/// ```
/// use helpdesk::Locale;
/// let pt: Locale = "pt_br".parse()?;
/// assert_eq!(pt.as_str(), "pt-BR");
/// assert_eq!(pt.language(), "pt");
/// let chain = pt.fallbacks(&"en".parse()?);
/// assert_eq!(chain.iter().map(Locale::as_str).collect::<Vec<_>>(), ["pt-BR", "pt", "en"]);
/// assert!("english".parse::<Locale>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Locale(Arc<str>);

impl Locale {
    /// A locale from a tag like `fr` or `pt-BR`.
    pub fn new(tag: &str) -> Result<Self> {
        let bad = || {
            Error::validation(
                "locale",
                format!("`{tag}` is not a language tag like `en`, `fr` or `pt-BR`"),
            )
        };
        let mut parts = tag.trim().split(['-', '_']);
        let language = parts.next().ok_or_else(bad)?;
        if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(bad());
        }
        let mut out = language.to_ascii_lowercase();
        let mut rest: Vec<&str> = parts.collect();
        if rest.len() > 2 {
            return Err(bad());
        }
        if let Some(script) = rest.first().copied()
            && script.len() == 4
            && script.chars().all(|c| c.is_ascii_alphabetic())
        {
            out.push('-');
            out.push_str(&script[..1].to_ascii_uppercase());
            out.push_str(&script[1..].to_ascii_lowercase());
            rest.remove(0);
        }
        match rest.as_slice() {
            [] => {}
            [region] if region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()) => {
                out.push('-');
                out.push_str(&region.to_ascii_uppercase());
            }
            [region] if region.len() == 3 && region.chars().all(|c| c.is_ascii_digit()) => {
                out.push('-');
                out.push_str(region);
            }
            _ => return Err(bad()),
        }
        Ok(Locale(Arc::from(out)))
    }

    /// The tag, e.g. `pt-BR`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language subtag, e.g. `pt` for `pt-BR`.
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// The locales to try, in order, for a reader who asked for this one on
    /// a desk whose default is `default`: this tag, its language alone (for
    /// `pt-BR`, `pt`), then the default. Without repeats.
    pub fn fallbacks(&self, default: &Locale) -> Vec<Locale> {
        let mut chain = vec![self.clone()];
        if self.language() != self.as_str() {
            chain.push(Locale(Arc::from(self.language())));
        }
        if !chain.contains(default) {
            chain.push(default.clone());
        }
        chain
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Locale {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Locale::new(s)
    }
}

impl TryFrom<String> for Locale {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Locale::new(&s)
    }
}

impl From<Locale> for String {
    fn from(l: Locale) -> String {
        l.0.to_string()
    }
}
