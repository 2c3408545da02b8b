use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::error::{ConfigError, Error, Result};
pub use crate::id::StatusId;

/// What a status means to the machinery (SLA clocks, reopening, queues).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    /// Just arrived, nobody has looked at it yet.
    Initial,
    /// Being worked on.
    Active,
    /// Waiting (on the customer, a third party); SLA clocks may pause.
    Paused,
    /// Finished (resolved or closed).
    Done,
}

/// One status of a lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusDef {
    /// Its id.
    pub id: StatusId,
    /// Display label.
    pub label: String,
    /// Its category.
    pub category: StatusCategory,
}

/// The statuses a ticket can be in and the allowed moves between them.
///
/// Lifecycles are data: the default is New, Open, Pending (waiting on the
/// customer), On-hold (waiting on a third party), Resolved and Closed. Define
/// your own in TOML:
///
/// ```
/// use helpdesk::ticket::Lifecycle;
/// let lc = Lifecycle::from_toml(r#"
///     initial = "new"
///     statuses = [
///       { id = "new", label = "New", category = "initial" },
///       { id = "triage", label = "Triage", category = "active" },
///       { id = "done", label = "Done", category = "done" },
///     ]
///     [transitions]
///     new = ["triage", "done"]
///     triage = ["done"]
///     done = ["triage"]
///     [on_customer_message]
///     done = "triage"
/// "#)?;
/// assert!(lc.check("new".into(), &"triage".into()).is_ok());
/// assert!(lc.check("done".into(), &"new".into()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A status with no outgoing transitions is *final* (like Closed): a customer
/// message to a ticket in a final status opens a follow-up ticket instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// The status new tickets start in.
    pub initial: StatusId,
    /// All statuses.
    pub statuses: Vec<StatusDef>,
    /// Allowed targets per status.
    #[serde(default)]
    pub transitions: BTreeMap<StatusId, Vec<StatusId>>,
    /// Where a customer message moves a ticket from the given status
    /// (e.g. Pending -> Open, Resolved -> Open, which reopens it).
    #[serde(default)]
    pub on_customer_message: BTreeMap<StatusId, StatusId>,
    /// Where a public agent reply moves a ticket from the given status
    /// (e.g. New -> Open).
    #[serde(default)]
    pub on_agent_reply: BTreeMap<StatusId, StatusId>,
}

impl Default for Lifecycle {
    /// New, Open, Pending (waiting on the customer), On-hold (waiting on a
    /// third party), Resolved and Closed:
    ///
    /// | status | category | may move to | a customer message moves it to | an agent's public reply moves it to |
    /// |---|---|---|---|---|
    /// | `new` | initial | open, pending, on_hold, resolved, closed | | open |
    /// | `open` | active | pending, on_hold, resolved, closed | | |
    /// | `pending` | paused | open, on_hold, resolved, closed | open | |
    /// | `on_hold` | paused | open, pending, resolved, closed | | |
    /// | `resolved` | done | open, closed | open (a reopening) | |
    /// | `closed` | done | nothing: it is final | (opens a follow-up ticket) | |
    ///
    /// `examples/config/desk.toml` spells the same lifecycle out as configuration.
    fn default() -> Self {
        use StatusCategory::{Active, Done, Initial, Paused};
        let s = |id: &str, label: &str, category| StatusDef {
            id: id.into(),
            label: label.into(),
            category,
        };
        let t = |from: &str, to: &[&str]| {
            (
                StatusId::new(from),
                to.iter().map(|x| StatusId::new(*x)).collect(),
            )
        };
        Lifecycle {
            initial: "new".into(),
            statuses: vec![
                s("new", "New", Initial),
                s("open", "Open", Active),
                s("pending", "Pending", Paused),
                s("on_hold", "On-hold", Paused),
                s("resolved", "Resolved", Done),
                s("closed", "Closed", Done),
            ],
            transitions: [
                t("new", &["open", "pending", "on_hold", "resolved", "closed"]),
                t("open", &["pending", "on_hold", "resolved", "closed"]),
                t("pending", &["open", "on_hold", "resolved", "closed"]),
                t("on_hold", &["open", "pending", "resolved", "closed"]),
                t("resolved", &["open", "closed"]),
            ]
            .into_iter()
            .collect(),
            on_customer_message: [("pending", "open"), ("resolved", "open")]
                .into_iter()
                .map(|(a, b)| (a.into(), b.into()))
                .collect(),
            on_agent_reply: [("new", "open")]
                .into_iter()
                .map(|(a, b)| (a.into(), b.into()))
                .collect(),
        }
    }
}

impl Lifecycle {
    /// Parses and validates a lifecycle from TOML.
    pub fn from_toml(s: &str) -> Result<Self> {
        let lc: Lifecycle = crate::load::toml(s)?;
        lc.validate()?;
        Ok(lc)
    }

    /// Parses and validates a lifecycle from JSON.
    pub fn from_json(s: &str) -> Result<Self> {
        let lc: Lifecycle = crate::load::json(s)?;
        lc.validate()?;
        Ok(lc)
    }

    /// Checks that every status referenced is defined, ids are unique, the
    /// initial status has category `initial`, and automatic moves are allowed transitions.
    pub fn validate(&self) -> Result<()> {
        let bad = |path: String, value: &StatusId, msg: &str| -> Error {
            ConfigError::new(path, Some(value.to_string()), msg).into()
        };
        for (i, s) in self.statuses.iter().enumerate() {
            if s.id.as_str().trim().is_empty() {
                return Err(bad(
                    format!("statuses[{i}].id"),
                    &s.id,
                    "a status needs an id",
                ));
            }
            if self.statuses[..i].iter().any(|o| o.id == s.id) {
                return Err(bad(
                    format!("statuses[{i}].id"),
                    &s.id,
                    "duplicate status id",
                ));
            }
        }
        match self.def(&self.initial) {
            None => return Err(bad("initial".into(), &self.initial, "not a defined status")),
            Some(d) if d.category != StatusCategory::Initial => {
                return Err(bad(
                    "initial".into(),
                    &self.initial,
                    "the initial status must have category `initial`",
                ));
            }
            Some(_) => {}
        }
        for (from, tos) in &self.transitions {
            if self.def(from).is_none() {
                return Err(bad(
                    format!("transitions.{from}"),
                    from,
                    "not a defined status",
                ));
            }
            for (i, to) in tos.iter().enumerate() {
                if self.def(to).is_none() {
                    return Err(bad(
                        format!("transitions.{from}[{i}]"),
                        to,
                        "not a defined status",
                    ));
                }
            }
        }
        for (table, map) in [
            ("on_customer_message", &self.on_customer_message),
            ("on_agent_reply", &self.on_agent_reply),
        ] {
            for (from, to) in map {
                if self.check(from.clone(), to).is_err() {
                    return Err(bad(
                        format!("{table}.{from}"),
                        to,
                        "the automatic move must be an allowed transition",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The definition of a status.
    pub fn def(&self, id: &StatusId) -> Option<&StatusDef> {
        self.statuses.iter().find(|s| &s.id == id)
    }

    /// The category of a status (`None` if undefined).
    pub fn category(&self, id: &StatusId) -> Option<StatusCategory> {
        self.def(id).map(|d| d.category)
    }

    /// The statuses reachable in one move from `from`.
    pub fn allowed(&self, from: &StatusId) -> &[StatusId] {
        self.transitions.get(from).map_or(&[], Vec::as_slice)
    }

    /// A final status has no way out; messages to it open a follow-up.
    pub fn is_final(&self, id: &StatusId) -> bool {
        self.allowed(id).is_empty()
    }

    /// The status that `name` names: its id, ignoring case, or else its
    /// label, ignoring case (`"Resolved"`, `"on-hold"`, `"On-hold"`).
    pub fn resolve(&self, name: &str) -> Option<&StatusId> {
        let name = name.trim();
        // Most names are ASCII, compared without allocating; others by
        // their Unicode lower case.
        let folded = (!name.is_ascii()).then(|| name.to_lowercase());
        let same = |s: &str| match &folded {
            None => s.eq_ignore_ascii_case(name),
            Some(f) => s.to_lowercase() == *f,
        };
        let by =
            |f: fn(&StatusDef) -> &str| self.statuses.iter().find(|s| same(f(s))).map(|s| &s.id);
        by(|s| s.id.as_str()).or_else(|| by(|s| s.label.as_str()))
    }

    /// The status `name` names (see [`resolve`](Self::resolve)), or
    /// [`Error::UnknownStatus`] listing the statuses and the targets allowed
    /// from `from`.
    pub fn status(&self, name: &str, from: &StatusId) -> Result<StatusId> {
        self.resolve(name)
            .cloned()
            .ok_or_else(|| Error::UnknownStatus {
                status: name.to_owned(),
                statuses: self.statuses.iter().map(|s| s.id.clone()).collect(),
                allowed: self.allowed(from).to_vec(),
            })
    }

    /// Ok when `from -> to` is allowed, else [`Error::InvalidTransition`]
    /// naming both and the allowed targets ([`Error::UnknownStatus`] when
    /// `to` is not a status at all).
    pub fn check(&self, from: StatusId, to: &StatusId) -> Result<()> {
        if self.def(to).is_none() {
            return Err(Error::UnknownStatus {
                status: to.to_string(),
                statuses: self.statuses.iter().map(|s| s.id.clone()).collect(),
                allowed: self.allowed(&from).to_vec(),
            });
        }
        let allowed = self.allowed(&from);
        if allowed.contains(to) {
            Ok(())
        } else {
            Err(Error::InvalidTransition {
                from,
                to: to.clone(),
                allowed: allowed.to_vec(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_lifecycle_is_valid_and_closed_is_final() {
        let lc = Lifecycle::default();
        lc.validate().unwrap();
        assert!(lc.is_final(&"closed".into()));
        assert!(!lc.is_final(&"resolved".into()));
        assert_eq!(lc.category(&"pending".into()), Some(StatusCategory::Paused));
    }

    #[test]
    fn invalid_transition_names_from_to_and_allowed() {
        let lc = Lifecycle::default();
        let err = lc.check("resolved".into(), &"pending".into()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("resolved") && msg.contains("pending") && msg.contains("open, closed"),
            "{msg}"
        );
        let msg = lc
            .check("closed".into(), &"open".into())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("final"), "{msg}");
    }

    #[test]
    fn config_errors_name_the_path() {
        let err = Lifecycle::from_toml(
            r#"initial = "new"
            statuses = [{ id = "new", label = "New", category = "initial" }]
            [transitions]
            new = ["gone"]"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("transitions.new[0]") && err.contains("gone"),
            "{err}"
        );
    }
}
