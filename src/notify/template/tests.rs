use chrono::{DateTime, Utc};

use super::*;
use crate::id::{CustomerId, NotificationId, TicketId, TicketRef};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn locale(tag: &str) -> Locale {
    tag.parse().unwrap()
}

/// A notification of `kind` with every fact set, to the requester or staff.
fn note(kind: NotificationKind, to_requester: bool, lang: Option<&str>) -> Notification {
    let mut n = sample(kind, true, to_requester);
    n.id = NotificationId::new();
    n.ticket_id = TicketId::new();
    n.ticket_ref = TicketRef(1042);
    n.facts.subject = "VPN <down> & out".into();
    n.facts.recipient_name = to_requester.then(|| "Ada".into());
    n.facts.locale = lang.map(locale);
    n.facts.due = Some(at("2026-03-10T15:00:00Z"));
    n.facts.first_response.as_mut().unwrap().due = at("2026-03-10T15:00:00Z");
    n.facts.time_zone = chrono_tz::Europe::Paris;
    n
}

#[test]
fn builtin_templates_build() {
    let r = TemplateRenderer::builder().build().unwrap();
    for l in BUILTIN_LOCALES {
        for k in NotificationKind::ALL {
            assert!(r.names.contains(&text_name(l, k)), "{l}/{k} is missing");
        }
    }
}

/// Every kind in every built-in language, to a requester and to staff:
/// renders, says the reference, is not the English text (so nothing is
/// left untranslated), and its HTML part escapes the subject.
#[test]
fn every_kind_renders_in_every_language() {
    let r = TemplateRenderer::builtin();
    for k in NotificationKind::ALL {
        for to_requester in [true, false] {
            let en = r.render(&note(k, to_requester, Some("en"))).unwrap();
            for l in BUILTIN_LOCALES {
                let n = note(k, to_requester, Some(l));
                let m = r.render(&n).unwrap();
                assert!(m.subject.starts_with("[#1042]"), "{l}/{k}: {}", m.subject);
                assert!(!m.subject.contains('\n'));
                assert!(
                    m.text.contains("#1042") || k == NotificationKind::AgentReplied,
                    "{l}/{k}: {}",
                    m.text
                );
                assert!(
                    !m.text.contains("{{") && !m.text.contains("{%"),
                    "{l}/{k}: {}",
                    m.text
                );
                let html = m.html.unwrap();
                assert!(html.contains(&format!("<html lang=\"{l}\">")), "{l}/{k}");
                assert!(
                    !html.contains("<down>"),
                    "{l}/{k}: the subject must be escaped: {html}"
                );
                if l != "en" {
                    assert_ne!(m.text, en.text, "{l}/{k} reads like the English text");
                    // These subjects are the reference and the ticket's own subject.
                    let plain = matches!(
                        k,
                        NotificationKind::Acknowledged
                            | NotificationKind::FollowUpOpened
                            | NotificationKind::AgentReplied
                    );
                    assert!(
                        plain || m.subject != en.subject,
                        "{l}/{k}: the English subject"
                    );
                }
            }
        }
    }
}

#[test]
fn english_keeps_the_established_wording() {
    let r = TemplateRenderer::builtin();
    let mut n = note(NotificationKind::Acknowledged, true, None);
    n.facts.subject = "Printer down".into();
    n.facts.time_zone = chrono_tz::America::New_York;
    let m = r.render(&n).unwrap();
    assert_eq!(m.subject, "[#1042] Printer down");
    assert_eq!(
        m.text,
        "Hello Ada,\n\n\
         We received your request. Its reference is #1042; please quote it in any reply.\n\
         You can expect a first response within 4 business hours, by Tue 2026-03-10 11:00 EDT.\n\n\
         The support team"
    );
}

#[test]
fn french_acknowledgment_with_its_dates() {
    let r = TemplateRenderer::builder()
        .desk_name("Acme Support")
        .build()
        .unwrap();
    let mut n = note(NotificationKind::Acknowledged, true, Some("fr-CA"));
    n.facts.subject = "Imprimante en panne".into();
    let m = r.render(&n).unwrap();
    assert_eq!(m.subject, "[#1042] Imprimante en panne");
    assert_eq!(
        m.text,
        "Bonjour Ada,\n\n\
         Nous avons bien reçu votre demande. Sa référence est #1042 ; merci de la rappeler dans toute réponse.\n\
         Vous recevrez une première réponse sous 4 heures ouvrées, d'ici le mardi 10 mars 2026 à 16:00 (CET).\n\n\
         Acme Support"
    );
}

#[test]
fn greek_status_change() {
    let r = TemplateRenderer::builtin();
    let mut n = note(NotificationKind::StatusChanged, true, Some("el"));
    n.facts.subject = "Ο εκτυπωτής δεν τυπώνει".into();
    let m = r.render(&n).unwrap();
    assert_eq!(m.subject, "[#1042] Κατάσταση: επιλυμένο");
    assert_eq!(
        m.text,
        "Γεια σας Ada,\n\n\
         Το αίτημά σας #1042 «Ο εκτυπωτής δεν τυπώνει» είναι πλέον επιλυμένο.\n\n\
         Η ομάδα υποστήριξης"
    );
}

#[test]
fn russian_promise_takes_the_right_plural() {
    let r = TemplateRenderer::builtin();
    let mut n = note(NotificationKind::Acknowledged, true, Some("ru"));
    n.facts.time_zone = chrono_tz::Europe::Moscow;
    let forms: Vec<(i64, &str)> = vec![
        (1, "1 рабочего часа"),
        (2, "2 рабочих часов"),
        (21, "21 рабочего часа"),
    ];
    for (hours, words) in forms {
        n.facts.first_response.as_mut().unwrap().target = BusinessDuration::hours(hours);
        let m = r.render(&n).unwrap();
        assert!(
            m.text.contains(&format!(
                "Первый ответ вы получите в течение {words}; срок — вторник, 10 марта 2026 г., 18:00 (MSK)."
            )),
            "{}",
            m.text
        );
    }
    assert!(r.render(&n).unwrap().text.starts_with("Здравствуйте, Ada!"));
}

#[test]
fn hungarian_staff_notice_in_the_desks_language() {
    let r = TemplateRenderer::builder()
        .default_locale(locale("hu"))
        .build()
        .unwrap();
    let mut n = note(NotificationKind::Assigned, false, None);
    n.facts.subject = "Nem működik a nyomtató".into();
    let m = r.render(&n).unwrap();
    assert_eq!(m.subject, "[#1042] Önhöz rendelve: Nem működik a nyomtató");
    assert_eq!(
        m.text,
        "Kedves Kolléga!\n\nEzt a jegyet Önhöz rendelték: #1042 (prioritás: magas).\n\nAz ügyfélszolgálat"
    );
}

#[test]
fn locales_fall_back_to_the_default_then_english() {
    let r = TemplateRenderer::builder()
        .default_locale(locale("fr"))
        .template(
            "de",
            NotificationKind::Merged,
            "{% block subject %}[{{ reference }}] Zusammengeführt{% endblock %}{% block body %}Zusammengeführt.{% endblock %}",
        )
        .build()
        .unwrap();
    let kind = NotificationKind::Acknowledged;
    assert_eq!(r.locale_for(Some(&locale("el-GR")), kind), locale("el"));
    assert_eq!(r.locale_for(Some(&locale("pt-BR")), kind), locale("fr"));
    assert_eq!(r.locale_for(None, kind), locale("fr"));
    // German has only the one template: the others fall back.
    assert_eq!(
        r.locale_for(Some(&locale("de-AT")), NotificationKind::Merged),
        locale("de")
    );
    assert_eq!(r.locale_for(Some(&locale("de")), kind), locale("fr"));
    let only_de = TemplateRenderer::builder()
        .default_locale(locale("de"))
        .build()
        .unwrap();
    assert_eq!(only_de.locale_for(None, kind), locale("en"));
}

#[test]
fn html_part_escapes_every_value_and_keeps_paragraphs() {
    let r = TemplateRenderer::builtin();
    let mut n = note(NotificationKind::AgentReplied, true, Some("en"));
    n.facts.body = Some("Try <b>this</b>:\nstep one\n\nThanks & regards".into());
    let m = r.render(&n).unwrap();
    assert!(
        m.text
            .starts_with("Try <b>this</b>:\nstep one\n\nThanks & regards\n\n")
    );
    let html = m.html.unwrap();
    assert!(
        html.contains("<title>[#1042] VPN &lt;down&gt; &amp; out</title>"),
        "{html}"
    );
    assert!(
        html.contains(
            "<p>Try &lt;b&gt;this&lt;/b&gt;:<br>\nstep one</p>\n<p>Thanks &amp; regards</p>"
        ),
        "{html}"
    );
}

#[test]
fn an_html_template_makes_the_whole_html_part_autoescaped() {
    let r = TemplateRenderer::builder()
        .html_template(
            "en",
            NotificationKind::AgentReplied,
            "<html><body><h1>{{ subject }}</h1><div>{{ body }}</div></body></html>",
        )
        .build()
        .unwrap();
    let mut n = note(NotificationKind::AgentReplied, true, None);
    n.facts.body = Some("<script>x</script>".into());
    let html = r.render(&n).unwrap().html.unwrap();
    assert_eq!(
        html,
        "<html><body><h1>VPN &lt;down&gt; &amp; out</h1><div>&lt;script&gt;x&lt;&#x2f;script&gt;</div></body></html>"
    );
}

#[test]
fn bad_templates_fail_at_build_naming_template_and_line() {
    // An unknown variable, on line 3.
    let err = TemplateRenderer::builder()
        .template(
            "fr",
            NotificationKind::Queued,
            "{% block subject %}[{{ reference }}]{% endblock %}\n{% block body %}\nBonjour,\n{{ assignee }}{% endblock %}",
        )
        .build()
        .unwrap_err();
    assert_eq!(err.template(), "fr/queued.txt");
    assert_eq!(err.line(), Some(4));
    assert!(err.message().contains("undefined"), "{err}");

    // A syntax error in a shared macro file names that file.
    let err = TemplateRenderer::builder()
        .named(
            "ru/_common.txt",
            "{% macro greeting(name, to_requester) %}{{ name }{% endmacro %}",
        )
        .build()
        .unwrap_err();
    assert_eq!(err.template(), "ru/_common.txt");
    assert_eq!(err.line(), Some(1));

    // A file that is no kind at all (a typo) is refused, not ignored.
    let err = TemplateRenderer::builder()
        .named(
            "fr/acknowleged.txt",
            "{% block subject %}x{% endblock %}{% block body %}y{% endblock %}",
        )
        .build()
        .unwrap_err();
    assert_eq!(err.template(), "fr/acknowleged.txt");
    assert!(err.message().contains("not a notification kind"), "{err}");

    // A template without a subject block.
    let err = TemplateRenderer::builder()
        .template("en", NotificationKind::Merged, "Merged.")
        .build()
        .unwrap_err();
    assert_eq!(err.template(), "en/merged.txt");

    // And as the crate's error: a configuration error.
    let e: crate::Error = err.into();
    assert_eq!(e.kind(), crate::ErrorKind::Config);
}

#[test]
fn templates_from_a_directory_override_the_builtins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("fr")).unwrap();
    std::fs::write(
        dir.path().join("fr/merged.txt"),
        "{% block subject %}[{{ reference }}] Fusion{% endblock %}\n{% block body %}\nC'est fusionné, {{ name }}.\n{% endblock %}\n",
    )
    .unwrap();
    let r = TemplateRenderer::builder()
        .directory(dir.path())
        .build()
        .unwrap();
    let m = r
        .render(&note(NotificationKind::Merged, true, Some("fr")))
        .unwrap();
    assert_eq!(
        (m.subject.as_str(), m.text.as_str()),
        ("[#1042] Fusion", "C'est fusionné, Ada.")
    );
    // The other French templates are still the built-in ones.
    let m = r
        .render(&note(NotificationKind::Queued, false, Some("fr")))
        .unwrap();
    assert!(m.text.contains("file d'attente"));

    std::fs::write(
        dir.path().join("fr/queued.txt"),
        "{% block subject %}{{ reference }{% endblock %}",
    )
    .unwrap();
    let err = TemplateRenderer::builder()
        .directory(dir.path())
        .build()
        .unwrap_err();
    assert_eq!(err.template(), "fr/queued.txt");

    let err = TemplateRenderer::builder()
        .directory(dir.path().join("missing"))
        .build()
        .unwrap_err();
    assert!(err.message().starts_with("cannot read"), "{err}");
}

#[test]
fn hungarian_acknowledgment_with_its_dates() {
    let id = CustomerId::new();
    let n = Notification {
        recipient: Recipient::Requester { id, email: None },
        ..note(NotificationKind::Acknowledged, true, Some("hu"))
    };
    let m = TemplateRenderer::builtin().render(&n).unwrap();
    assert!(m.text.starts_with("Kedves Ada!"));
    assert!(
        m.text.contains(
            "4 munkaórán belül várható, legkésőbb ekkor: 2026. március 10., kedd 16:00 (CET)"
        ),
        "{}",
        m.text
    );
}
