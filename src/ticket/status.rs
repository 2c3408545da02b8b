use std::fmt;

use serde::{Deserialize, Serialize};

/// The id of a lifecycle status, e.g. `open` or `pending`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatusId(String);

impl StatusId {
    /// A status id from text.
    pub fn new(s: impl Into<String>) -> Self {
        StatusId(s.into())
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StatusId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
