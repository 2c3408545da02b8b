//! Webhooks out (feature `webhooks`): work in progress on this branch.

/// `[notifications.webhook]` (not yet implemented on this commit).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct WebhookConfig {}
