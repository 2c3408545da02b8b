//! The knowledge base's configuration: the `[knowledge]` table of a
//! [`DeskConfig`](crate::DeskConfig).

use serde::Deserialize;

use crate::error::{ConfigError, Result};

use super::model::{CategoryId, CategoryTree, Locale};

/// The most suggestions [`KnowledgeConfig::suggestions`] may ask for.
pub const MAX_SUGGESTIONS: usize = 20;

/// How the desk's knowledge base behaves.
///
/// ```toml
/// [knowledge]
/// default_locale = "en"        # searched after the reader's own locale
/// suggestions = 5              # articles suggested for a ticket being written
/// draft_category = "drafts"    # where draft_from_ticket puts a draft whose ticket category is not a node
///
/// [[knowledge.categories]]     # the category tree, parents first
/// id = "network"
/// name = "Network"
///
/// [[knowledge.categories]]
/// id = "vpn"
/// name = "VPN"
/// parent = "network"
/// ```
///
/// ```
/// use helpdesk::kb::KnowledgeConfig;
/// let c: KnowledgeConfig = toml::from_str("default_locale = \"fr\"\nsuggestions = 3")?;
/// assert_eq!(c.default_locale.as_str(), "fr");
/// assert_eq!(KnowledgeConfig::default().suggestions, 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct KnowledgeConfig {
    /// The desk's locale: searched after the reader's (default `en`).
    pub default_locale: Locale,
    /// How many articles [`HelpDesk::suggest`](crate::HelpDesk::suggest)
    /// returns, 1..=[`MAX_SUGGESTIONS`] (default 5).
    pub suggestions: usize,
    /// The category of a draft made from a ticket whose category is not a
    /// node of the tree (default `drafts`).
    pub draft_category: CategoryId,
    /// The categories and sections, parents first (default: none; any
    /// category id is then accepted).
    pub categories: CategoryTree,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        KnowledgeConfig {
            // Literal, valid values.
            default_locale: Locale::new("en").unwrap_or_else(|_| unreachable!()),
            suggestions: 5,
            draft_category: CategoryId::new("drafts").unwrap_or_else(|_| unreachable!()),
            categories: CategoryTree::new(),
        }
    }
}

impl KnowledgeConfig {
    /// Checks the values: the suggestion count is within range, and with a
    /// tree, the draft category is one of its nodes. Errors are
    /// [`Error::Config`](crate::Error::Config) with the path inside the table.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_SUGGESTIONS).contains(&self.suggestions) {
            return Err(ConfigError::new(
                "suggestions",
                Some(self.suggestions.to_string()),
                format!("must be within 1..={MAX_SUGGESTIONS}"),
            )
            .into());
        }
        if !self.categories.is_empty() && !self.categories.contains(&self.draft_category) {
            return Err(ConfigError::new(
                "draft_category",
                Some(self.draft_category.to_string()),
                "is not one of the categories",
            )
            .into());
        }
        Ok(())
    }
}
