//! The built-in templates, compiled into the crate.

/// `(name, source)` of every built-in template.
pub(super) const BUILTIN: &[(&str, &str)] = &[
    ("en/_common.txt", include_str!("builtin/en/_common.txt")),
    (
        "en/acknowledged.txt",
        include_str!("builtin/en/acknowledged.txt"),
    ),
    (
        "en/agent_replied.txt",
        include_str!("builtin/en/agent_replied.txt"),
    ),
    (
        "en/status_changed.txt",
        include_str!("builtin/en/status_changed.txt"),
    ),
    (
        "en/customer_message.txt",
        include_str!("builtin/en/customer_message.txt"),
    ),
    ("en/assigned.txt", include_str!("builtin/en/assigned.txt")),
    ("en/queued.txt", include_str!("builtin/en/queued.txt")),
    (
        "en/follow_up_opened.txt",
        include_str!("builtin/en/follow_up_opened.txt"),
    ),
    ("en/merged.txt", include_str!("builtin/en/merged.txt")),
    (
        "en/sla_warning.txt",
        include_str!("builtin/en/sla_warning.txt"),
    ),
    (
        "en/sla_breached.txt",
        include_str!("builtin/en/sla_breached.txt"),
    ),
    ("en/escalated.txt", include_str!("builtin/en/escalated.txt")),
    (
        "en/update_due.txt",
        include_str!("builtin/en/update_due.txt"),
    ),
    (
        "en/survey_invitation.txt",
        include_str!("builtin/en/survey_invitation.txt"),
    ),
    ("fr/_common.txt", include_str!("builtin/fr/_common.txt")),
    (
        "fr/acknowledged.txt",
        include_str!("builtin/fr/acknowledged.txt"),
    ),
    (
        "fr/agent_replied.txt",
        include_str!("builtin/fr/agent_replied.txt"),
    ),
    (
        "fr/status_changed.txt",
        include_str!("builtin/fr/status_changed.txt"),
    ),
    (
        "fr/customer_message.txt",
        include_str!("builtin/fr/customer_message.txt"),
    ),
    ("fr/assigned.txt", include_str!("builtin/fr/assigned.txt")),
    ("fr/queued.txt", include_str!("builtin/fr/queued.txt")),
    (
        "fr/follow_up_opened.txt",
        include_str!("builtin/fr/follow_up_opened.txt"),
    ),
    ("fr/merged.txt", include_str!("builtin/fr/merged.txt")),
    (
        "fr/sla_warning.txt",
        include_str!("builtin/fr/sla_warning.txt"),
    ),
    (
        "fr/sla_breached.txt",
        include_str!("builtin/fr/sla_breached.txt"),
    ),
    ("fr/escalated.txt", include_str!("builtin/fr/escalated.txt")),
    (
        "fr/update_due.txt",
        include_str!("builtin/fr/update_due.txt"),
    ),
    (
        "fr/survey_invitation.txt",
        include_str!("builtin/fr/survey_invitation.txt"),
    ),
    ("el/_common.txt", include_str!("builtin/el/_common.txt")),
    (
        "el/acknowledged.txt",
        include_str!("builtin/el/acknowledged.txt"),
    ),
    (
        "el/agent_replied.txt",
        include_str!("builtin/el/agent_replied.txt"),
    ),
    (
        "el/status_changed.txt",
        include_str!("builtin/el/status_changed.txt"),
    ),
    (
        "el/customer_message.txt",
        include_str!("builtin/el/customer_message.txt"),
    ),
    ("el/assigned.txt", include_str!("builtin/el/assigned.txt")),
    ("el/queued.txt", include_str!("builtin/el/queued.txt")),
    (
        "el/follow_up_opened.txt",
        include_str!("builtin/el/follow_up_opened.txt"),
    ),
    ("el/merged.txt", include_str!("builtin/el/merged.txt")),
    (
        "el/sla_warning.txt",
        include_str!("builtin/el/sla_warning.txt"),
    ),
    (
        "el/sla_breached.txt",
        include_str!("builtin/el/sla_breached.txt"),
    ),
    ("el/escalated.txt", include_str!("builtin/el/escalated.txt")),
    (
        "el/update_due.txt",
        include_str!("builtin/el/update_due.txt"),
    ),
    (
        "el/survey_invitation.txt",
        include_str!("builtin/el/survey_invitation.txt"),
    ),
    ("ru/_common.txt", include_str!("builtin/ru/_common.txt")),
    (
        "ru/acknowledged.txt",
        include_str!("builtin/ru/acknowledged.txt"),
    ),
    (
        "ru/agent_replied.txt",
        include_str!("builtin/ru/agent_replied.txt"),
    ),
    (
        "ru/status_changed.txt",
        include_str!("builtin/ru/status_changed.txt"),
    ),
    (
        "ru/customer_message.txt",
        include_str!("builtin/ru/customer_message.txt"),
    ),
    ("ru/assigned.txt", include_str!("builtin/ru/assigned.txt")),
    ("ru/queued.txt", include_str!("builtin/ru/queued.txt")),
    (
        "ru/follow_up_opened.txt",
        include_str!("builtin/ru/follow_up_opened.txt"),
    ),
    ("ru/merged.txt", include_str!("builtin/ru/merged.txt")),
    (
        "ru/sla_warning.txt",
        include_str!("builtin/ru/sla_warning.txt"),
    ),
    (
        "ru/sla_breached.txt",
        include_str!("builtin/ru/sla_breached.txt"),
    ),
    ("ru/escalated.txt", include_str!("builtin/ru/escalated.txt")),
    (
        "ru/update_due.txt",
        include_str!("builtin/ru/update_due.txt"),
    ),
    (
        "ru/survey_invitation.txt",
        include_str!("builtin/ru/survey_invitation.txt"),
    ),
    ("hu/_common.txt", include_str!("builtin/hu/_common.txt")),
    (
        "hu/acknowledged.txt",
        include_str!("builtin/hu/acknowledged.txt"),
    ),
    (
        "hu/agent_replied.txt",
        include_str!("builtin/hu/agent_replied.txt"),
    ),
    (
        "hu/status_changed.txt",
        include_str!("builtin/hu/status_changed.txt"),
    ),
    (
        "hu/customer_message.txt",
        include_str!("builtin/hu/customer_message.txt"),
    ),
    ("hu/assigned.txt", include_str!("builtin/hu/assigned.txt")),
    ("hu/queued.txt", include_str!("builtin/hu/queued.txt")),
    (
        "hu/follow_up_opened.txt",
        include_str!("builtin/hu/follow_up_opened.txt"),
    ),
    ("hu/merged.txt", include_str!("builtin/hu/merged.txt")),
    (
        "hu/sla_warning.txt",
        include_str!("builtin/hu/sla_warning.txt"),
    ),
    (
        "hu/sla_breached.txt",
        include_str!("builtin/hu/sla_breached.txt"),
    ),
    ("hu/escalated.txt", include_str!("builtin/hu/escalated.txt")),
    (
        "hu/update_due.txt",
        include_str!("builtin/hu/update_due.txt"),
    ),
    (
        "hu/survey_invitation.txt",
        include_str!("builtin/hu/survey_invitation.txt"),
    ),
];
