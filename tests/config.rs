//! The one desk configuration file: the example loads into a working desk,
//! and mistakes get errors that name the full path, the value and the
//! reason, once, without nested quoting (the messages are pinned here).

use helpdesk::ticket::FieldValue;
use helpdesk::{
    Actor, AgentId, Channel, Condition, CustomerId, DeskConfig, Error, HelpDesk, NewTicket,
    Priority, Requester,
};

const DESK_TOML: &str = include_str!("../examples/config/desk.toml");

fn error(toml: &str) -> String {
    match DeskConfig::from_toml(toml) {
        Err(e @ Error::Config(_)) => e.to_string(),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

const SLA: &str = "[sla]\ndefault = \"s\"\n[[sla.policies]]\nname = \"s\"\n";

#[test]
fn the_example_file_configures_every_part_of_a_desk() {
    let config = DeskConfig::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/config/desk.toml"
    ))
    .unwrap();
    assert_eq!(config.lifecycle.as_ref().unwrap().statuses.len(), 6);
    assert_eq!(
        config.lifecycle.as_ref().unwrap(),
        &helpdesk::ticket::Lifecycle::default(),
        "the file spells out the default lifecycle"
    );
    assert_eq!(config.classifier.as_ref().unwrap().rules.len(), 3);
    let sla = config.sla.as_ref().unwrap();
    assert_eq!(sla.policies().len(), 2);
    assert!(sla.calendars().contains_key("office"));
    assert_eq!(config.routing.as_ref().unwrap().groups.len(), 4);
    assert_eq!(config.escalation.as_ref().unwrap().policies.len(), 2);
    assert_eq!(
        config.retry.unwrap().first_delay,
        chrono::Duration::seconds(10)
    );
    HelpDesk::builder().config(config).build().unwrap();
}

#[tokio::test]
async fn a_desk_built_from_the_file_classifies_by_its_rules() {
    let desk = HelpDesk::builder()
        .config(DeskConfig::from_toml(DESK_TOML).unwrap())
        .build()
        .unwrap();
    let c = CustomerId::new();
    // The natural form of a custom field in a rule: `location = "server room"`.
    let t = desk
        .open(
            &Actor::supervisor(AgentId::new()),
            NewTicket::new(
                Requester::new(c, "Cy"),
                Channel::Phone,
                "Rack fan loud",
                "...",
            )
            .field("location", "server room"),
        )
        .await
        .unwrap();
    assert_eq!(t.impact, helpdesk::Impact::High);
    assert!(
        t.priority_explanation.contains("rule `server room`"),
        "{}",
        t.priority_explanation
    );
    let outage = desk
        .portal(c)
        .open(NewTicket::new(
            Requester::new(c, "Cy"),
            Channel::Email,
            "Mail server down",
            "...",
        ))
        .await
        .unwrap();
    assert_eq!(outage.priority, Priority::Critical);
}

#[test]
fn json_takes_the_same_structure() {
    let c = DeskConfig::from_json(
        r#"{"calendars": {"office": {"time_zone": "Europe/Paris", "week": {"mon": ["09:00-17:00"]}}},
            "sla": {"default": "s", "policies": [{"name": "s", "calendar": "office",
                    "first_response": {"target": "4h"}}]}}"#,
    )
    .unwrap();
    assert!(c.sla.is_some());
    let e = DeskConfig::from_json(
        r#"{"sla": {"default": "s", "policies": [{"name": "s", "first_response": {"target": "2d"}}]}}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid configuration at sla.policies[0].first_response.target: days are ambiguous in \
         business time (8 or 24 hours?), use hours; write e.g. \"4h\", \"30m\" or \"1h30m\" \
         (units h, m, s) (value: 2d)"
    );
}

#[test]
fn mistakes_name_the_full_path_the_value_and_the_reason_once() {
    let cases = [
        (
            format!("{SLA}first_reponse = {{ target = \"4h\" }}\n"),
            "invalid configuration at sla.policies[0].first_reponse: unknown field; expected one \
             of `name`, `when`, `calendar`, `reopen`, `first_response`, `next_response`, \
             `periodic_update`, `resolution`",
        ),
        (
            format!("{SLA}first_response = {{ target = \"2d\" }}\n"),
            "invalid configuration at sla.policies[0].first_response.target: days are ambiguous in \
             business time (8 or 24 hours?), use hours; write e.g. \"4h\", \"30m\" or \"1h30m\" \
             (units h, m, s) (value: 2d)",
        ),
        (
            format!("{SLA}calendar = \"ofice\"\nfirst_response = {{ target = \"4h\" }}\n"),
            "invalid configuration at sla.policies[0].calendar: no such calendar in [calendars] \
             (or use \"24x7\") (value: ofice)",
        ),
        (
            format!("{SLA}resolution = {{ targets = {{ high = \"0m\" }} }}\n"),
            "invalid configuration at sla.policies[0].resolution.targets.high: a target must be \
             positive (value: 0m)",
        ),
        (
            "[calendars.office]\ntime_zone = \"Mars/Olympus\"\n".to_owned(),
            "invalid configuration at calendars.office.time_zone: unknown IANA time zone (value: \
             Mars/Olympus)",
        ),
        (
            "[calendars.office]\ntime_zone = \"Europe/Paris\"\nweek = { mon = [\"09:00-25:00\"] }\n"
                .to_owned(),
            "invalid configuration at calendars.office.week.mon[0]: expected `HH:MM-HH:MM` with \
             times from 00:00 to 24:00 (value: 09:00-25:00)",
        ),
        (
            "[[classifier.rules]]\nname = \"x\"\npriority = \"urgent\"\n".to_owned(),
            "invalid configuration at classifier.rules[0].priority: not a known value; expected \
             one of `critical`, `high`, `medium`, `low` (value: urgent)",
        ),
        (
            "[[routing.groups]]\nid = \"a b\"\ntier = 1\narea = \"x\"\n".to_owned(),
            "invalid configuration at routing.groups[0].id: a group id is 1-64 letters, digits, \
             `-`, `_`, `.` (value: a b)",
        ),
        (
            "[sla]\ndefault = \n".to_owned(),
            "invalid configuration: TOML syntax error at line 2, column 11: invalid string; \
             expected `\"`, `'`",
        ),
        (
            "[slas]\n".to_owned(),
            "invalid configuration at slas: unknown field; expected one of `lifecycle`, \
             `classifier`, `calendars`, `sla`, `routing`, `escalation`, `retry`, `knowledge`, \
             `reports`, `spikes`, `intake`, `retention`, `privacy`, \
             `notifications`, `surveys`",
        ),
        (
            "[intake]\nmail_domain = \"support@desk.example.com\"\n".to_owned(),
            "invalid configuration at intake.mail_domain: must be a domain name such as \
             desk.example.com (no `@`, no spaces) (value: support@desk.example.com)",
        ),
        (
            "[intake]\nlimits = { max_attachments = \"ten\" }\n".to_owned(),
            "invalid configuration at intake.limits.max_attachments: invalid type: string \"ten\", \
             expected usize (value: ten)",
        ),
        (
            "[retry]\nfirst_delay = \"0s\"\n".to_owned(),
            "invalid configuration at retry.first_delay: must be positive (value: 0s)",
        ),
    ];
    for (toml, want) in cases {
        assert_eq!(error(&toml), want, "for\n{toml}");
    }
}

#[test]
fn custom_fields_in_conditions_take_the_natural_form_and_the_tagged_one() {
    let c: Condition = toml::from_str(
        r#"fields = { location = "server room", floor = 3, ratio = 0.5, urgent = true, since = 2026-03-01, quoted_date = "2026-03-01", forced = { type = "text", value = "2026-03-01" } }"#,
    )
    .unwrap();
    let f = &c.fields;
    assert_eq!(f["location"], FieldValue::Text("server room".into()));
    assert_eq!(f["floor"], FieldValue::Number(3.0));
    assert_eq!(f["ratio"], FieldValue::Number(0.5));
    assert_eq!(f["urgent"], FieldValue::Bool(true));
    let date = FieldValue::Date("2026-03-01".parse().unwrap());
    assert_eq!(f["since"], date);
    assert_eq!(f["quoted_date"], date);
    assert_eq!(f["forced"], FieldValue::Text("2026-03-01".into()));
    // A date condition matches a text field holding that date.
    assert!(date.matches(&FieldValue::Text("2026-03-01".into())));
    // Stored values keep the tagged form and read back unchanged.
    let stored = serde_json::to_string(&date).unwrap();
    assert_eq!(stored, r#"{"type":"date","value":"2026-03-01"}"#);
    assert_eq!(serde_json::from_str::<FieldValue>(&stored).unwrap(), date);
}
