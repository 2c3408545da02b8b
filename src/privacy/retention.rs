//! Retention policies: what happens to a closed ticket's data after N days.
//!
//! ```toml
//! [[retention.policies]]
//! name = "chat transcripts"
//! when = { channel = ["chat"] }     # any ticket condition: category, organization, channel, ...
//! days = 90                         # after the ticket was closed (its last change in a final status)
//! action = "delete"                 # or "anonymise": personal data erased, statistics kept
//!
//! [[retention.policies]]
//! name = "everything else"
//! days = 730
//! action = "anonymise"
//! ```
//!
//! The first policy whose condition matches a closed ticket decides; a
//! ticket no policy matches is kept. Pure: [`RetentionConfig::due`] says
//! what is due, [`HelpDesk::run_retention`](crate::HelpDesk::run_retention) does it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::error::{ConfigError, Result};
use crate::id::{TicketId, TicketRef};
use crate::ticket::{Lifecycle, Ticket};

/// What a policy does to a ticket once due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RetentionAction {
    /// Every personal field (and message body) overwritten with `[erased]`
    /// in the snapshot and the events; statuses, times, SLA records stay,
    /// so reports keep the ticket.
    #[serde(alias = "anonymize")]
    Anonymise,
    /// The ticket, its events and its notifications removed; links to it
    /// from other tickets read as a deleted ticket
    /// ([`LinkTarget::Deleted`](crate::LinkTarget::Deleted)).
    Delete,
}

/// One retention policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RetentionPolicy {
    /// Its name, recorded with what it does.
    pub name: String,
    /// Which closed tickets it applies to (default: all).
    #[serde(default)]
    pub when: Condition,
    /// Days after closing.
    pub days: u32,
    /// What it does.
    pub action: RetentionAction,
}

/// The retention policies, in order: the first that matches decides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RetentionConfig {
    /// The policies.
    #[serde(default)]
    pub policies: Vec<RetentionPolicy>,
}

impl RetentionConfig {
    /// Checks names and days; errors name `retention.policies[i]`.
    pub fn validate(&self) -> Result<()> {
        for (i, p) in self.policies.iter().enumerate() {
            if p.name.trim().is_empty() {
                return Err(ConfigError::new(
                    format!("retention.policies[{i}].name"),
                    Some(p.name.clone()),
                    "a retention policy needs a name",
                )
                .into());
            }
            if p.days == 0 {
                return Err(ConfigError::new(
                    format!("retention.policies[{i}].days"),
                    Some("0".into()),
                    "keep closed tickets at least one day",
                )
                .into());
            }
        }
        Ok(())
    }

    /// The shortest period of any policy: nothing closed more recently is due.
    pub fn min_days(&self) -> Option<u32> {
        self.policies.iter().map(|p| p.days).min()
    }

    /// The policy due for `ticket` at `now`, if any: the first whose
    /// condition matches a ticket in a final status of `lifecycle` whose
    /// last change is at least its days before `now`.
    pub fn due<'a>(
        &'a self,
        ticket: &Ticket,
        lifecycle: &Lifecycle,
        now: DateTime<Utc>,
    ) -> Option<&'a RetentionPolicy> {
        if !lifecycle.is_final(&ticket.status) {
            return None;
        }
        let p = self.policies.iter().find(|p| p.when.matches(ticket))?;
        (ticket.updated_at + Duration::days(i64::from(p.days)) <= now).then_some(p)
    }
}

/// One thing retention did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetentionItem {
    /// The ticket.
    pub ticket: TicketId,
    /// Its reference.
    pub reference: TicketRef,
    /// The policy's name.
    pub policy: String,
    /// What it does.
    pub action: RetentionAction,
}

/// What a run of [`HelpDesk::run_retention`](crate::HelpDesk::run_retention) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetentionReport {
    /// Each ticket acted on (or that would be, in a dry run).
    pub items: Vec<RetentionItem>,
    /// Tickets another node changed or removed first: left for the next run.
    pub skipped: u64,
}
