//! Notifications reach each person in their own language and time zone,
//! end to end through a desk configured from TOML.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, DeskConfig, Error, GroupId, HelpDesk, ManualClock,
    NewTicket, NotificationKind, Recipient, RecordingNotifier, Requester,
};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

const DESK: &str = r#"
[notifications]
default_locale = "fr"
desk_name = "Acme Assistance"

[calendars.office]
time_zone = "Europe/Paris"
week = { mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }

[sla]
default = "standard"
[[sla.policies]]
name = "standard"
calendar = "office"
first_response = { target = "4h" }
"#;

fn desk(config: &str, notes: Arc<RecordingNotifier>) -> Result<HelpDesk, Error> {
    HelpDesk::builder()
        .config(DeskConfig::from_toml(config)?)
        .clock(Arc::new(ManualClock::new(t("2026-03-10T08:00:00Z")))) // Tue 09:00 in Paris
        .notifier(notes)
        .build()
}

#[tokio::test]
async fn each_recipient_reads_their_own_language_and_time() {
    let notes = Arc::new(RecordingNotifier::new());
    let desk = desk(DESK, notes.clone()).unwrap();
    let eleni = CustomerId::new();
    let ticket = desk
        .portal(eleni)
        .open(
            NewTicket::new(
                Requester::new(eleni, "Ελένη")
                    .email("eleni@example.gr")
                    .locale("el".parse().unwrap())
                    .time_zone(chrono_tz::Europe::Athens),
                Channel::Email,
                "Ο εκτυπωτής δεν τυπώνει",
                "Βγάζει σφάλμα E-42.",
            )
            .group(GroupId::new("service-desk").unwrap()),
        )
        .await
        .unwrap();
    let r = ticket.reference;

    let sent = notes.take();
    // The requester: in Greek, at Athens time (due Tue 13:00 Paris = 14:00 Athens).
    let ack = sent
        .iter()
        .find(|d| d.notification.kind == NotificationKind::Acknowledged)
        .unwrap();
    assert!(matches!(
        ack.notification.recipient,
        Recipient::Requester { .. }
    ));
    assert_eq!(
        ack.message.subject,
        format!("[{r}] Ο εκτυπωτής δεν τυπώνει")
    );
    assert_eq!(
        ack.message.text,
        format!(
            "Γεια σας Ελένη,\n\n\
             Λάβαμε το αίτημά σας. Ο αριθμός αναφοράς του είναι {r}· παρακαλούμε να τον αναφέρετε σε κάθε απάντησή σας.\n\
             Θα λάβετε μια πρώτη απάντηση εντός 4 εργάσιμων ωρών, έως Τρίτη 10 Μαρτίου 2026, 14:00 (EET).\n\n\
             Acme Assistance"
        )
    );
    assert!(
        ack.message
            .html
            .as_deref()
            .unwrap()
            .contains("<html lang=\"el\">")
    );

    // The queue: staff read the desk's default language, French, at the
    // calendar's time.
    let queued = sent
        .iter()
        .find(|d| d.notification.kind == NotificationKind::Queued)
        .unwrap();
    assert_eq!(
        queued.message.subject,
        format!("[{r}] Nouveau dans votre file : Ο εκτυπωτής δεν τυπώνει")
    );
    assert!(queued.message.text.starts_with("Bonjour,\n\nLe ticket"));

    // A reply: the agent's words, with the Greek footer.
    let sam = Actor::agent(AgentId::new(), [GroupId::new("service-desk").unwrap()]);
    desk.reply(&sam, ticket.id, "Δοκιμάστε να τον επανεκκινήσετε.")
        .await
        .unwrap();
    let reply = notes
        .take()
        .into_iter()
        .find(|d| d.notification.kind == NotificationKind::AgentReplied)
        .unwrap();
    assert_eq!(
        reply.message.text,
        format!(
            "Δοκιμάστε να τον επανεκκινήσετε.\n\n\
             Για να μας απαντήσετε, απλώς απαντήστε σε αυτό το μήνυμα· παρακαλούμε να διατηρήσετε το {r} στο θέμα.\n\n\
             Acme Assistance"
        )
    );
}

#[tokio::test]
async fn a_requester_without_a_locale_reads_the_desks_default() {
    let notes = Arc::new(RecordingNotifier::new());
    let desk = desk(DESK, notes.clone()).unwrap();
    let ada = CustomerId::new();
    desk.portal(ada)
        .open(NewTicket::new(
            Requester::new(ada, "Ada"),
            Channel::Portal,
            "Imprimante en panne",
            "E-42.",
        ))
        .await
        .unwrap();
    let ack = &notes.take()[0];
    assert!(
        ack.message.text.starts_with("Bonjour Ada,"),
        "{}",
        ack.message.text
    );
    assert!(
        ack.message
            .text
            .contains("d'ici le mardi 10 mars 2026 à 13:00 (CET)"),
        "{}",
        ack.message.text
    );
}

#[tokio::test]
async fn a_bad_template_stops_the_desk_from_building() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("fr")).unwrap();
    std::fs::write(
        dir.path().join("fr/acknowledged.txt"),
        "{% block subject %}[{{ reference }}]{% endblock %}\n{% block body %}\n{{ customer.name }}\n{% endblock %}\n",
    )
    .unwrap();
    let config = format!(
        "[notifications]\ntemplates = {:?}\n",
        dir.path().display().to_string()
    );
    let err = desk(&config, Arc::new(RecordingNotifier::new())).unwrap_err();
    let Error::Template(e) = &err else {
        panic!("{err}")
    };
    assert_eq!(e.template(), "fr/acknowledged.txt");
    assert_eq!(e.line(), Some(3));
    assert!(
        err.to_string()
            .starts_with("notification template fr/acknowledged.txt, line 3: "),
        "{err}"
    );
}
