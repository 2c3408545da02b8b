//! The article model: ids, categories, kinds, states, locales, translations
//! and their versions, and the [`Article`] snapshot itself.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{AgentId, CustomerId, TicketId};
use crate::ticket::EventActor;

pub use crate::id::ArticleId;
pub use crate::locale::Locale;

/// Whether `s` is a slug: 1-64 letters, digits, `-`, `_` or `.`.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Names a node of the [`CategoryTree`], e.g. `network` or `vpn`.
///
/// Categories are configuration, like groups, so their ids are readable
/// slugs: 1-64 letters, digits, `-`, `_`, `.`.
///
/// ```
/// use helpdesk::kb::CategoryId;
/// assert_eq!(CategoryId::new("vpn")?.as_str(), "vpn");
/// assert!(CategoryId::new("no spaces").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryId(Arc<str>);

impl CategoryId {
    /// A category id; must be a slug.
    pub fn new(s: impl Into<String>) -> Result<Self> {
        let s = s.into();
        if is_slug(&s) {
            Ok(CategoryId(Arc::from(s)))
        } else {
            Err(Error::validation(
                "category",
                format!("`{s}` is not a category id (1-64 letters, digits, `-`, `_`, `.`)"),
            ))
        }
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CategoryId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        CategoryId::new(s)
    }
}

impl TryFrom<String> for CategoryId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        CategoryId::new(s)
    }
}

impl From<CategoryId> for String {
    fn from(c: CategoryId) -> String {
        c.0.to_string()
    }
}

/// What a node of the [`CategoryTree`] is. As in Zendesk Guide, the top
/// level holds categories; categories hold sections; sections may hold
/// sections; articles live in either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A top-level category (has no parent).
    Category,
    /// A section inside a category or another section.
    Section,
}

/// One node of the [`CategoryTree`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryNode {
    /// Its id.
    pub id: CategoryId,
    /// Its display name.
    pub name: String,
    /// The enclosing node; `None` exactly for top-level categories.
    #[serde(default)]
    pub parent: Option<CategoryId>,
}

impl CategoryNode {
    /// Whether it is a top-level category or a section.
    pub fn kind(&self) -> NodeKind {
        if self.parent.is_some() {
            NodeKind::Section
        } else {
            NodeKind::Category
        }
    }
}

/// The knowledge base's categories and sections.
///
/// Built node by node (a parent before its children), or from a list with
/// [`CategoryTree::from_nodes`], which is also what deserialising does.
///
/// ```
/// use helpdesk::kb::{CategoryId, CategoryTree};
/// let mut tree = CategoryTree::new();
/// tree.add_category(CategoryId::new("network")?, "Network")?;
/// tree.add_section(CategoryId::new("vpn")?, "VPN", &CategoryId::new("network")?)?;
/// let under_network = tree.subtree(&CategoryId::new("network")?);
/// assert_eq!(under_network.len(), 2);
/// assert_eq!(tree.path(&CategoryId::new("vpn")?).len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<CategoryNode>", into = "Vec<CategoryNode>")]
pub struct CategoryTree {
    /// In insertion order, parents first.
    nodes: Vec<CategoryNode>,
    by_id: BTreeMap<CategoryId, usize>,
}

impl CategoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree from nodes listed parents first.
    pub fn from_nodes(nodes: impl IntoIterator<Item = CategoryNode>) -> Result<Self> {
        let mut tree = Self::new();
        for node in nodes {
            tree.insert(node)?;
        }
        Ok(tree)
    }

    /// Adds a top-level category.
    pub fn add_category(&mut self, id: CategoryId, name: impl Into<String>) -> Result<()> {
        self.insert(CategoryNode {
            id,
            name: name.into(),
            parent: None,
        })
    }

    /// Adds a section under `parent` (a category or a section).
    pub fn add_section(
        &mut self,
        id: CategoryId,
        name: impl Into<String>,
        parent: &CategoryId,
    ) -> Result<()> {
        self.insert(CategoryNode {
            id,
            name: name.into(),
            parent: Some(parent.clone()),
        })
    }

    /// Adds a node. Its parent must already be in the tree (so there are
    /// no cycles) and its id must be new.
    pub fn insert(&mut self, node: CategoryNode) -> Result<()> {
        let field = format!("categories.{}", node.id);
        if self.by_id.contains_key(&node.id) {
            return Err(Error::validation(field, "is defined twice"));
        }
        if node.name.trim().is_empty() || node.name.chars().count() > 200 {
            return Err(Error::validation(
                format!("{field}.name"),
                "must be 1-200 characters",
            ));
        }
        if let Some(parent) = &node.parent
            && !self.by_id.contains_key(parent)
        {
            return Err(Error::validation(
                format!("{field}.parent"),
                format!("`{parent}` is not defined before it"),
            ));
        }
        self.by_id.insert(node.id.clone(), self.nodes.len());
        self.nodes.push(node);
        Ok(())
    }

    /// The node with this id.
    pub fn get(&self, id: &CategoryId) -> Option<&CategoryNode> {
        self.by_id.get(id).map(|&i| &self.nodes[i])
    }

    /// Whether the tree has this node.
    pub fn contains(&self, id: &CategoryId) -> bool {
        self.by_id.contains_key(id)
    }

    /// Every node, parents before children.
    pub fn nodes(&self) -> &[CategoryNode] {
        &self.nodes
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node and everything below it (empty when `id` is unknown).
    pub fn subtree(&self, id: &CategoryId) -> BTreeSet<CategoryId> {
        let mut out = BTreeSet::new();
        if !self.contains(id) {
            return out;
        }
        out.insert(id.clone());
        // Parents come before children, so one pass in order finds every
        // descendant.
        for node in &self.nodes {
            if node.parent.as_ref().is_some_and(|p| out.contains(p)) {
                out.insert(node.id.clone());
            }
        }
        out
    }

    /// The path from the top-level category down to `id` (empty when unknown).
    pub fn path(&self, id: &CategoryId) -> Vec<&CategoryNode> {
        let mut path = Vec::new();
        let mut at = self.get(id);
        while let Some(node) = at {
            path.push(node);
            at = node.parent.as_ref().and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }
}

impl TryFrom<Vec<CategoryNode>> for CategoryTree {
    type Error = Error;
    fn try_from(nodes: Vec<CategoryNode>) -> Result<Self> {
        CategoryTree::from_nodes(nodes)
    }
}

impl From<CategoryTree> for Vec<CategoryNode> {
    fn from(t: CategoryTree) -> Self {
        t.nodes
    }
}

/// What sort of article it is.
///
/// Written and read as a lowercase name: `faq`, `troubleshooting`,
/// `how_to`, `training`, or any other slug, which becomes
/// [`ArticleKind::Other`].
///
/// ```
/// use helpdesk::kb::ArticleKind;
/// assert_eq!("how_to".parse::<ArticleKind>()?, ArticleKind::HowTo);
/// assert_eq!("policy".parse::<ArticleKind>()?, ArticleKind::Other("policy".into()));
/// assert_eq!(ArticleKind::Other("policy".into()).as_str(), "policy");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ArticleKind {
    /// A frequently asked question and its answer.
    Faq,
    /// Diagnosing and fixing a problem.
    Troubleshooting,
    /// Steps to do something.
    HowTo,
    /// Training material for users.
    Training,
    /// A kind the desk names itself (a slug that is none of the above;
    /// [`FromStr`] never puts a built-in name here).
    Other(String),
}

impl ArticleKind {
    /// The name, e.g. `how_to`.
    pub fn as_str(&self) -> &str {
        match self {
            ArticleKind::Faq => "faq",
            ArticleKind::Troubleshooting => "troubleshooting",
            ArticleKind::HowTo => "how_to",
            ArticleKind::Training => "training",
            ArticleKind::Other(name) => name,
        }
    }
}

impl FromStr for ArticleKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "faq" => ArticleKind::Faq,
            "troubleshooting" => ArticleKind::Troubleshooting,
            "how_to" => ArticleKind::HowTo,
            "training" => ArticleKind::Training,
            other if is_slug(other) => ArticleKind::Other(other.to_owned()),
            other => {
                return Err(Error::validation(
                    "kind",
                    format!(
                        "`{other}` is not an article kind (faq, troubleshooting, how_to, training, or a slug)"
                    ),
                ));
            }
        })
    }
}

impl TryFrom<String> for ArticleKind {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<ArticleKind> for String {
    fn from(k: ArticleKind) -> String {
        k.as_str().to_owned()
    }
}

impl fmt::Display for ArticleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may read an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleState {
    /// Being written; staff only.
    Draft,
    /// Published for staff only (agents' own know-how).
    Internal,
    /// Published for everyone, requesters included.
    Public,
    /// Withdrawn; staff only, kept for history.
    Archived,
}

impl ArticleState {
    /// Every state, in order.
    pub const ALL: [ArticleState; 4] = [
        ArticleState::Draft,
        ArticleState::Internal,
        ArticleState::Public,
        ArticleState::Archived,
    ];

    /// The name, e.g. `public`.
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleState::Draft => "draft",
            ArticleState::Internal => "internal",
            ArticleState::Public => "public",
            ArticleState::Archived => "archived",
        }
    }

    /// Whether the state is published (internal or public).
    pub fn is_published(self) -> bool {
        matches!(self, ArticleState::Internal | ArticleState::Public)
    }
}

impl fmt::Display for ArticleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ArticleState {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ArticleState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                Error::validation(
                    "state",
                    format!("`{s}` is not an article state (draft, internal, public, archived)"),
                )
            })
    }
}

/// One version of a translation. Versions are never changed or removed:
/// editing adds one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// 1 for the first text, then one more for each edit.
    pub revision: u32,
    /// The title.
    pub title: String,
    /// The body, as Markdown. Shared: bodies can be long and snapshots are cloned.
    pub body: Arc<str>,
    /// Who wrote it.
    pub author: EventActor,
    /// When.
    pub at: DateTime<Utc>,
}

/// The article in one locale: its versions, oldest first.
///
/// A translation always has at least one version, and revisions count
/// 1, 2, 3, ... without gaps: it is built from its first version and only
/// ever grows (deserialising checks the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TranslationRepr")]
pub struct Translation {
    locale: Locale,
    versions: Vec<Version>,
}

impl Translation {
    /// A translation with its first version (revision 1).
    pub(crate) fn first(locale: Locale, version: Version) -> Self {
        debug_assert_eq!(version.revision, 1);
        Translation {
            locale,
            versions: vec![version],
        }
    }

    /// Adds the next version; `version.revision` must be the next revision.
    pub(crate) fn push(&mut self, version: Version) -> Result<()> {
        if version.revision != self.next_revision() {
            return Err(Error::corrupt(
                format!(
                    "translation {} gets revision {} after {}",
                    self.locale,
                    version.revision,
                    self.latest().revision
                ),
                None,
            ));
        }
        self.versions.push(version);
        Ok(())
    }

    /// The locale.
    pub fn locale(&self) -> &Locale {
        &self.locale
    }

    /// Every version, oldest first (never empty).
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// The current text.
    pub fn latest(&self) -> &Version {
        // Never empty: built by `first` and only grown by `push`, and
        // deserialising rejects an empty list.
        &self.versions[self.versions.len() - 1]
    }

    /// The revision the next edit gets.
    pub fn next_revision(&self) -> u32 {
        self.latest().revision + 1
    }

    /// A given revision, if it exists.
    pub fn version(&self, revision: u32) -> Option<&Version> {
        let i = usize::try_from(revision.checked_sub(1)?).ok()?;
        self.versions.get(i)
    }
}

#[derive(Deserialize)]
struct TranslationRepr {
    locale: Locale,
    versions: Vec<Version>,
}

impl TryFrom<TranslationRepr> for Translation {
    type Error = Error;
    fn try_from(r: TranslationRepr) -> Result<Self> {
        let consecutive = r
            .versions
            .iter()
            .enumerate()
            .all(|(i, v)| usize::try_from(v.revision).is_ok_and(|rev| rev == i + 1));
        if r.versions.is_empty() || !consecutive {
            return Err(Error::corrupt(
                format!(
                    "translation {} must have revisions 1, 2, 3, ... without gaps",
                    r.locale
                ),
                None,
            ));
        }
        Ok(Translation {
            locale: r.locale,
            versions: r.versions,
        })
    }
}

/// Who cast a helpfulness vote: one vote per voter, which they may change.
///
/// Written as text, `requester:<uuid>` or `agent:<uuid>`, so that it can
/// key a JSON map of votes.
///
/// ```
/// use helpdesk::CustomerId;
/// use helpdesk::kb::Voter;
/// let v = Voter::Requester(CustomerId::new());
/// assert_eq!(v.to_string().parse::<Voter>()?, v);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Voter {
    /// A customer.
    Requester(CustomerId),
    /// Support staff.
    Agent(AgentId),
}

impl fmt::Display for Voter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Voter::Requester(id) => write!(f, "requester:{id}"),
            Voter::Agent(id) => write!(f, "agent:{id}"),
        }
    }
}

impl FromStr for Voter {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.split_once(':') {
            Some(("requester", id)) => Ok(Voter::Requester(id.parse()?)),
            Some(("agent", id)) => Ok(Voter::Agent(id.parse()?)),
            _ => Err(Error::validation(
                "voter",
                format!("`{s}` is not `requester:<uuid>` or `agent:<uuid>`"),
            )),
        }
    }
}

impl TryFrom<String> for Voter {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Voter> for String {
    fn from(v: Voter) -> String {
        v.to_string()
    }
}

impl From<Voter> for EventActor {
    fn from(v: Voter) -> Self {
        match v {
            Voter::Requester(id) => EventActor::Requester(id),
            Voter::Agent(id) => EventActor::Agent(id),
        }
    }
}

/// A knowledge base article, as of its last event.
///
/// Like a [`Ticket`](crate::Ticket), an article is a snapshot: the fold of
/// its [`ArticleEvent`](super::ArticleEvent)s ([`Article::replay`]). Change
/// it through [`decide`](super::decide)d commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Article {
    /// The stable id.
    pub id: ArticleId,
    /// The category or section it lives in.
    pub category: CategoryId,
    /// What sort of article.
    pub kind: ArticleKind,
    /// Tags (lowercase).
    pub tags: BTreeSet<String>,
    /// Who may read it.
    pub state: ArticleState,
    /// The texts, one per locale.
    pub translations: BTreeMap<Locale, Translation>,
    /// The ticket it was written from, if any.
    pub source_ticket: Option<TicketId>,
    /// Helpfulness votes: `true` for helpful.
    pub votes: BTreeMap<Voter, bool>,
    /// Who created it.
    pub created_by: EventActor,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When the last event happened.
    pub updated_at: DateTime<Utc>,
    /// The number of events applied so far.
    pub version: u64,
}

impl Article {
    /// The translation in `locale`.
    pub fn translation(&self, locale: &Locale) -> Option<&Translation> {
        self.translations.get(locale)
    }

    /// The first translation along a fallback chain (see [`Locale::fallbacks`]).
    pub fn best_translation(&self, chain: &[Locale]) -> Option<&Translation> {
        chain.iter().find_map(|l| self.translations.get(l))
    }

    /// The number of helpful votes.
    pub fn helpful_votes(&self) -> usize {
        self.votes.values().filter(|&&v| v).count()
    }

    /// The number of not-helpful votes.
    pub fn not_helpful_votes(&self) -> usize {
        self.votes.values().filter(|&&v| !v).count()
    }
}
