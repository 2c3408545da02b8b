//! Email intake over the hand-written corpus in `tests/data/mail/` (see its
//! README): fields, threading hints, charsets, trimmed text, skip reasons,
//! limits, and no panic on any input.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use helpdesk::intake::email::{EmailIntakeConfig, Parsed, SkipReason, parse};
use helpdesk::intake::{InboundMessage, IntakeError, IntakeLimits, SubjectTag};
use helpdesk::{Channel, TicketRef};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/mail")
}

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn config() -> EmailIntakeConfig {
    EmailIntakeConfig::default().own_message_id_domain("desk.example.com")
}

fn message(name: &str) -> InboundMessage {
    match parse(&corpus(name), &config()) {
        Ok(Parsed::Message(m)) => *m,
        other => panic!("{name}: expected a message, got {other:?}"),
    }
}

fn skip_reason(raw: &[u8], config: &EmailIntakeConfig) -> Option<SkipReason> {
    match parse(raw, config) {
        Ok(Parsed::Skipped(s)) => Some(s.reason),
        Ok(Parsed::Message(_)) => None,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// What each corpus file gives, so a file added without an expectation
/// fails here instead of being silently left out.
#[derive(Debug, PartialEq)]
enum Outcome {
    NewTicket,
    ReplyByTag(u64),
    ReplyByMessageId(&'static str),
    Skip(&'static str),
    Error(&'static str),
}

const EXPECTED: &[(&str, Outcome)] = &[
    (
        "el_html_only.eml",
        Outcome::ReplyByMessageId("notif.0192a3b6.1050.reply@desk.example.com"),
    ),
    (
        "el_reply_in_reply_to.eml",
        Outcome::ReplyByMessageId("notif.0192a3b4.1042.reply@desk.example.com"),
    ),
    ("en_bounce.eml", Outcome::Skip("bounce")),
    ("en_list_mail.eml", Outcome::Skip("bulk")),
    ("en_new_request.eml", Outcome::NewTicket),
    ("en_outlook_reply.eml", Outcome::ReplyByTag(1042)),
    ("en_own_message.eml", Outcome::Skip("own")),
    ("fr_auto_reply.eml", Outcome::Skip("auto-reply")),
    ("fr_encoded_words.eml", Outcome::NewTicket),
    ("fr_reply_tagged.eml", Outcome::ReplyByTag(1042)),
    ("hu_newsletter_bulk.eml", Outcome::Skip("bulk")),
    (
        "hu_reply_closed.eml",
        Outcome::ReplyByMessageId("notif.0192a3b5.1017.resolved@desk.example.com"),
    ),
    ("not_mail.eml", Outcome::Error("malformed")),
    ("ru_bounce_exchange.eml", Outcome::Skip("bounce")),
    ("ru_forward.eml", Outcome::NewTicket),
    ("ru_malformed_mime.eml", Outcome::NewTicket),
];

fn outcome(raw: &[u8]) -> Outcome {
    match parse(raw, &config()) {
        Err(IntakeError::Malformed { .. }) => Outcome::Error("malformed"),
        Err(e) => panic!("unexpected error {e:?}"),
        Ok(Parsed::Skipped(s)) => Outcome::Skip(match s.reason {
            SkipReason::OwnMessage { .. } => "own",
            SkipReason::Bounce { .. } => "bounce",
            SkipReason::AutoReply { .. } => "auto-reply",
            SkipReason::Bulk { .. } => "bulk",
            other => panic!("new skip reason {other:?}"),
        }),
        Ok(Parsed::Message(m)) => {
            if let Some(r) = m.thread.ticket_ref {
                Outcome::ReplyByTag(r.0)
            } else if let Some(id) = m.thread.message_ids().next() {
                Outcome::ReplyByMessageId(Box::leak(id.to_owned().into_boxed_str()))
            } else {
                Outcome::NewTicket
            }
        }
    }
}

#[test]
fn every_corpus_file_gives_its_expected_outcome() {
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml")))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|(f, _)| *f).collect();
    assert_eq!(files, listed, "every .eml file needs an expectation here");
    for (file, expected) in EXPECTED {
        assert_eq!(&outcome(&corpus(file)), expected, "{file}");
    }
}

#[test]
fn english_new_request() {
    let m = message("en_new_request.eml");
    assert_eq!(m.channel, Channel::Email);
    assert_eq!(m.external_id, "CAF=new-request-0001@mail.example.com");
    assert_eq!(m.sender.email.as_deref(), Some("ada.lovelace@example.com"));
    assert_eq!(m.sender.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        m.recipients,
        ["support@desk.example.com", "charles@example.com"]
    );
    assert_eq!(m.subject, "VPN drops every hour");
    assert!(m.thread.is_empty());
    assert_eq!(
        m.sent_at,
        Some(Utc.with_ymd_and_hms(2026, 3, 2, 8, 41, 5).unwrap())
    );
    assert_eq!(
        m.text,
        "Hello,\n\n\
         Since Monday morning the VPN disconnects every hour, on the hour.\n\
         Laptop: ThinkPad T14s, asset tag AE-0042. A screenshot of the error\n\
         is attached.\n\n\
         Could you have a look?"
    );
    // The untrimmed text and the raw bytes are kept.
    assert!(
        m.full_text
            .contains("-- \nAda Lovelace\nAnalytical Engines Ltd")
    );
    assert_eq!(m.raw.as_deref(), Some(&corpus("en_new_request.eml")[..]));
    assert_eq!(m.html, None);

    assert_eq!(m.attachments.len(), 1);
    let png = &m.attachments[0];
    assert_eq!(png.filename, "vpn-error.png");
    assert_eq!(png.content_type, "image/png");
    assert_eq!(&png.bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(png.bytes.len(), 70);
}

#[test]
fn french_reply_with_the_subject_tag_and_quoted_history() {
    let m = message("fr_reply_tagged.eml");
    assert_eq!(
        m.subject,
        "RE : [#1042] Imprimante du 3e étage hors service"
    );
    assert_eq!(m.thread.ticket_ref, Some(TicketRef(1042)));
    assert!(m.thread.in_reply_to.is_empty() && m.thread.references.is_empty());
    assert_eq!(
        m.text,
        "Bonjour,\n\n\
         Merci, l'imprimante fonctionne de nouveau.\n\
         Je ferme la demande de mon côté."
    );
    assert!(m.full_text.contains("a écrit\u{a0}:\n\n> Bonjour Camille,"));
    assert!(m.full_text.contains("Envoyé de mon iPhone"));
}

#[test]
fn greek_reply_by_in_reply_to_in_iso_8859_7() {
    let m = message("el_reply_in_reply_to.eml");
    assert_eq!(m.subject, "Απ: Πρόβλημα με το VPN");
    assert_eq!(m.sender.name.as_deref(), Some("Ελένη Παπαδοπούλου"));
    assert_eq!(m.thread.ticket_ref, None);
    assert_eq!(
        m.thread.in_reply_to,
        ["notif.0192a3b4.1042.reply@desk.example.com"]
    );
    assert_eq!(
        m.thread.references,
        [
            "el-first-0001@mail.example.gr",
            "notif.0192a3b4.1042.reply@desk.example.com"
        ]
    );
    assert_eq!(
        m.thread.message_ids().collect::<Vec<_>>(),
        [
            "notif.0192a3b4.1042.reply@desk.example.com",
            "el-first-0001@mail.example.gr"
        ]
    );
    assert_eq!(
        m.text,
        "Καλησπέρα σας,\n\n\
         Δοκίμασα το νέο προφίλ VPN αλλά η σύνδεση πέφτει ακόμα κάθε μία ώρα.\n\
         Δεν επισυνάπτω κάτι άλλο· πείτε μου αν χρειάζεστε αρχεία καταγραφής.\n\n\
         Ελένη Παπαδοπούλου"
    );
    assert!(m.full_text.contains("> Καλημέρα Ελένη,"));
}

#[test]
fn russian_forward_in_koi8_r_keeps_the_forwarded_text() {
    let m = message("ru_forward.eml");
    assert_eq!(m.subject, "Fwd: Счёт 2026-031");
    assert_eq!(m.sender.name.as_deref(), Some("Иван Петров"));
    assert!(m.thread.is_empty(), "a forward opens a new ticket");
    assert_eq!(m.text, m.full_text.trim());
    assert!(
        m.text
            .starts_with("Добрый день!\n\nПересылаю письмо от бухгалтерии")
    );
    assert!(
        m.text
            .contains("От: Бухгалтерия <buh@example.ru>\nДата: пн, 2 мар. 2026 г. в 08:00")
    );
    assert!(
        m.text
            .contains("Счёт 2026-031 не оплачен. Просим оплатить до 10 марта.")
    );
}

#[test]
fn hungarian_reply_to_a_closed_ticket_in_iso_8859_2() {
    let m = message("hu_reply_closed.eml");
    assert_eq!(
        m.subject,
        "Re: Lezárva: a nyomtató nem nyomtat - hibakód E-501, ő/ű"
    );
    assert_eq!(m.sender.name.as_deref(), Some("Kovács Zsófia"));
    assert_eq!(m.thread.ticket_ref, None);
    assert_eq!(
        m.thread.in_reply_to,
        ["notif.0192a3b5.1017.resolved@desk.example.com"]
    );
    assert_eq!(
        m.text,
        "Jó napot!\n\n\
         Sajnos a hiba újra jelentkezett: a nyomtató ismét nem nyomtat, és\n\
         hibaüzenetet ír ki (E-501). Kérem, nézzék meg újra.\n\n\
         Üdvözlettel:\n\
         Kovács Zsófia"
    );
}

#[test]
fn outlook_reply_in_windows_1252_with_crlf() {
    let m = message("en_outlook_reply.eml");
    assert_eq!(m.thread.ticket_ref, Some(TicketRef(1042)));
    assert_eq!(
        m.text,
        "It\u{2019}s still failing \u{2013} the \u{201c}reconnect\u{201d} button does nothing.\n\
         We\u{2019}re losing about \u{20ac}200 an hour in sales.\n\n\
         Regards,\n\
         Grace"
    );
    assert!(!m.full_text.contains('\r'));
    assert!(m.full_text.contains("Sent: Monday, March 2, 2026 9:14 AM"));
    let html = m.html.as_deref().expect("the HTML alternative");
    assert!(html.contains("WordSection1") && html.contains("\u{20ac}200"));
}

#[test]
fn greek_html_only_message_becomes_trimmed_text() {
    let m = message("el_html_only.eml");
    assert_eq!(m.subject, "Απ: Ο εκτυπωτής δεν τυπώνει");
    assert_eq!(m.sender.name.as_deref(), Some("Νίκος Γεωργίου"));
    assert!(m.html.as_deref().unwrap().contains("gmail_quote"));
    assert_eq!(
        m.text,
        "Το πρόβλημα με τον εκτυπωτή παραμένει.\n\
         Ο κωδικός σφάλματος είναι «E-501» & η οθόνη αναβοσβήνει.\n\n\
         Ευχαριστώ,\n\
         Νίκος"
    );
    assert!(m.full_text.contains("έγραψε:\n> Καλημέρα,\n> δοκιμάστε"));
}

#[test]
fn french_encoded_words_and_an_rfc_2231_file_name() {
    let m = message("fr_encoded_words.eml");
    assert_eq!(m.subject, "Problème de connexion à l'intranet — urgent");
    assert_eq!(m.sender.name.as_deref(), Some("Renée Lefèvre"));
    assert_eq!(m.recipients, ["support@desk.example.com"]);
    assert_eq!(
        m.text,
        "Bonjour,\n\n\
         Depuis ce matin, impossible d'accéder à l'intranet : « erreur 502 ».\n\
         La facture de février est jointe pour référence.\n\n\
         Renée"
    );
    let pdf = &m.attachments[0];
    assert_eq!(pdf.filename, "facture_février.pdf");
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-1.4"));
}

#[test]
fn the_corpus_skips_give_their_evidence() {
    let skip = |name: &str| skip_reason(&corpus(name), &config()).expect(name);
    assert_eq!(
        skip("fr_auto_reply.eml"),
        SkipReason::AutoReply {
            evidence: "Auto-Submitted: auto-replied".into()
        }
    );
    assert_eq!(
        skip("en_bounce.eml"),
        SkipReason::Bounce {
            evidence: "From: mailer-daemon@googlemail.com".into()
        }
    );
    assert_eq!(
        skip("ru_bounce_exchange.eml"),
        SkipReason::Bounce {
            evidence: "multipart/report; report-type=delivery-status".into()
        }
    );
    assert_eq!(
        skip("hu_newsletter_bulk.eml"),
        SkipReason::Bulk {
            evidence: "Precedence: bulk".into()
        }
    );
    assert_eq!(
        skip("en_list_mail.eml"),
        SkipReason::Bulk {
            evidence: "Precedence: list".into()
        }
    );
    assert_eq!(
        skip("en_own_message.eml"),
        SkipReason::OwnMessage {
            message_id: "notif.0192a3b4.1042.ack@desk.example.com".into()
        }
    );

    let Ok(Parsed::Skipped(s)) = parse(&corpus("fr_auto_reply.eml"), &config()) else {
        panic!("skipped")
    };
    assert_eq!(s.subject, "Réponse automatique : Absente du bureau");
    assert_eq!(s.from.as_deref(), Some("camille.martin@exemple.fr"));
    assert_eq!(s.message_id.as_deref(), Some("oof-0007@exemple.fr"));
    assert_eq!(
        s.reason.to_string(),
        "an automatic reply (Auto-Submitted: auto-replied)"
    );
}

#[test]
fn own_mail_and_accepted_lists_are_taken_in_when_configured_so() {
    // Without its own domain configured, the desk cannot tell its own mail.
    let raw = corpus("en_own_message.eml");
    assert_eq!(skip_reason(&raw, &EmailIntakeConfig::default()), None);
    // A mailing list the desk accepts (say its public address is a group).
    let raw = corpus("en_list_mail.eml");
    let accepting = config().accept_list_id("users.lists.example.org");
    assert_eq!(skip_reason(&raw, &accepting), None);
    let accepting = config().accept_list_id("<USERS.lists.example.org>");
    assert_eq!(skip_reason(&raw, &accepting), None);
}

/// The new request with `header` put on top.
fn with_header(header: &str) -> Vec<u8> {
    let mut raw = format!("{header}\n").into_bytes();
    raw.extend(corpus("en_new_request.eml"));
    raw
}

#[test]
fn each_skip_rule_on_its_own() {
    let auto = |e: &str| Some(SkipReason::AutoReply { evidence: e.into() });
    let bulk = |e: &str| Some(SkipReason::Bulk { evidence: e.into() });
    let cases = [
        (
            "Auto-Submitted: auto-generated",
            auto("Auto-Submitted: auto-generated"),
        ),
        (
            "Auto-Submitted: auto-notified; owner-email=\"a@b\"",
            auto("Auto-Submitted: auto-notified; owner-email=\"a@b\""),
        ),
        ("Auto-Submitted: No", None),
        ("X-Autoreply: yes", auto("X-Autoreply: yes")),
        ("X-Autorespond: Vacation", auto("X-Autorespond: Vacation")),
        ("X-Autoreply: no", None),
        ("Precedence: auto_reply", auto("Precedence: auto_reply")),
        ("Precedence: bulk", bulk("Precedence: bulk")),
        ("Precedence: JUNK", bulk("Precedence: JUNK")),
        ("Precedence: list", bulk("Precedence: list")),
        ("Precedence: first-class", None),
        (
            "List-Id: Announcements <news.example.com>",
            bulk("List-Id: Announcements <news.example.com>"),
        ),
        ("List-Unsubscribe: <mailto:leave@example.com>", None),
        ("Return-Path: < >", auto("Return-Path: <>")),
    ];
    for (header, expected) in cases {
        assert_eq!(
            skip_reason(&with_header(header), &config()),
            expected,
            "{header}"
        );
    }

    let request = String::from_utf8(corpus("en_new_request.eml")).unwrap();
    let own = request.replace(
        "<CAF=new-request-0001@mail.example.com>",
        "<x@DESK.example.com>",
    );
    assert_eq!(
        skip_reason(own.as_bytes(), &config()),
        Some(SkipReason::OwnMessage {
            message_id: "x@DESK.example.com".into()
        })
    );
    let bounce = request.replace(
        "Ada Lovelace <Ada.Lovelace@Example.com>",
        "<POSTMASTER@example.com>",
    );
    assert_eq!(
        skip_reason(bounce.as_bytes(), &config()),
        Some(SkipReason::Bounce {
            evidence: "From: postmaster@example.com".into()
        })
    );
}

#[test]
fn a_read_receipt_is_an_automatic_reply() {
    let raw = "From: Ada <ada@example.com>\n\
               To: support@desk.example.com\n\
               Subject: Read: VPN drops every hour\n\
               Message-ID: <mdn-1@example.com>\n\
               Content-Type: multipart/report; report-type=disposition-notification; boundary=b\n\
               \n\
               --b\n\
               Content-Type: text/plain\n\
               \n\
               Your message was read.\n\
               --b\n\
               Content-Type: message/disposition-notification\n\
               \n\
               Disposition: manual-action/MDN-sent-manually; displayed\n\
               --b--\n";
    assert_eq!(
        skip_reason(raw.as_bytes(), &config()),
        Some(SkipReason::AutoReply {
            evidence: "multipart/report; report-type=disposition-notification".into()
        })
    );
}

#[test]
fn malformed_mime_gives_a_best_effort_message() {
    let m = message("ru_malformed_mime.eml");
    assert_eq!(m.sender.email.as_deref(), Some("olga.smirnova@example.ru"));
    assert_eq!(m.sender.name.as_deref(), Some("Ольга Смирнова"));
    assert_eq!(m.subject, "Принтер не работает");
    assert!(m.text.starts_with("Принтер не работает"), "{:?}", m.text);
}

#[test]
fn junk_and_empty_input_are_malformed() {
    for raw in [
        &corpus("not_mail.eml")[..],
        b"",
        b"\n\n\n",
        b"just some words\n",
    ] {
        assert!(
            matches!(parse(raw, &config()), Err(IntakeError::Malformed { .. })),
            "{raw:?}"
        );
    }
    // Headers but no sender address: a typed error too.
    let raw = b"Subject: hello\nDate: Mon, 2 Mar 2026 08:00:00 +0000\n\nhi\n";
    assert_eq!(parse(raw, &config()), Err(IntakeError::MissingSender));
}

#[test]
fn a_custom_subject_tag() {
    let raw = String::from_utf8(corpus("fr_reply_tagged.eml")).unwrap();
    let config = config().subject_tag(SubjectTag::new("[Réf ", "]").unwrap());
    // The default tag is no longer recognised...
    let m = parse(raw.as_bytes(), &config)
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(m.thread.ticket_ref, None);
    // ...the configured one is (the subject is an encoded word; a plain one here).
    let raw = raw.replace(
        raw.lines().find(|l| l.starts_with("Subject:")).unwrap(),
        "Subject: RE: [Réf 77] Imprimante",
    );
    let m = parse(raw.as_bytes(), &config)
        .unwrap()
        .into_message()
        .unwrap();
    assert_eq!(m.thread.ticket_ref, Some(TicketRef(77)));
}

// ---------------------------------------------------------------------------
// Limits.
// ---------------------------------------------------------------------------

const MIB: usize = 1024 * 1024;

/// A message with one attachment of `size` bytes per entry, base64-encoded
/// as mail clients send them.
fn with_attachments(sizes: &[usize]) -> Vec<u8> {
    let mut raw = String::from(
        "From: Ada <ada@example.com>\r\n\
         To: support@desk.example.com\r\n\
         Subject: Logs for the VPN problem\r\n\
         Message-ID: <large-1@example.com>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\
         \r\n\
         --b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         The logs are attached.\r\n",
    );
    for (n, &size) in sizes.iter().enumerate() {
        let bytes: Vec<u8> = (0..size).map(|i| (i * 7 + n) as u8).collect();
        write!(
            raw,
            "--b\r\nContent-Type: application/octet-stream\r\n\
             Content-Disposition: attachment; filename=\"vpn-{n}.log\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64(&bytes)
        )
        .unwrap();
    }
    raw.push_str("--b--\r\n");
    raw.into_bytes()
}

/// Base64 in 76-character lines (RFC 2045).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + bytes.len() / 38 + 4);
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> shift) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn a_10_mb_attachment_within_and_beyond_the_limits() {
    let raw = with_attachments(&[10 * MIB]);
    assert!(raw.len() > 13 * MIB, "base64 grows it by a third");

    let m = parse(&raw, &config()).unwrap().into_message().unwrap();
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].filename, "vpn-0.log");
    assert_eq!(m.attachments[0].bytes.len(), 10 * MIB);
    assert_eq!(m.attachments[0].bytes[..4], [0, 7, 14, 21]);
    assert_eq!(m.text, "The logs are attached.");

    let small_files = config().limits(IntakeLimits::default().max_attachment_bytes(5 * MIB));
    assert_eq!(
        parse(&raw, &small_files),
        Err(IntakeError::AttachmentTooLarge {
            index: 0,
            filename: "vpn-0.log".into(),
            size: 10 * MIB,
            limit: 5 * MIB
        })
    );

    let small_mail = config().limits(IntakeLimits::default().max_message_bytes(8 * MIB));
    assert_eq!(
        parse(&raw, &small_mail),
        Err(IntakeError::MessageTooLarge {
            size: raw.len(),
            limit: 8 * MIB
        })
    );
}

#[test]
fn attachment_count_and_text_limits() {
    let raw = with_attachments(&[10, 20, 30]);
    let two = config().limits(IntakeLimits::default().max_attachments(2));
    assert_eq!(
        parse(&raw, &two),
        Err(IntakeError::TooManyAttachments { count: 3, limit: 2 })
    );
    let m = parse(&raw, &config()).unwrap().into_message().unwrap();
    let sizes: Vec<usize> = m.attachments.iter().map(|a| a.bytes.len()).collect();
    assert_eq!(sizes, [10, 20, 30]);

    let request = corpus("en_new_request.eml");
    let text = message("en_new_request.eml").text;
    let short = config().limits(IntakeLimits::default().max_text_bytes(100));
    assert_eq!(
        parse(&request, &short),
        Err(IntakeError::TextTooLarge {
            size: text.len(),
            limit: 100
        })
    );
    // The limit is on the trimmed text: the signature does not count.
    let exact = config().limits(IntakeLimits::default().max_text_bytes(text.len()));
    assert!(parse(&request, &exact).is_ok());
}

#[test]
fn the_desk_error_names_the_field() {
    let raw = with_attachments(&[10, 20, 30]);
    let two = config().limits(IntakeLimits::default().max_attachments(2));
    let e = helpdesk::Error::from(parse(&raw, &two).unwrap_err());
    assert_eq!(e.kind(), helpdesk::ErrorKind::Validation);
    assert_eq!(
        e.to_string(),
        "invalid attachments: the message has 3 attachments; at most 2 are accepted"
    );
}

// ---------------------------------------------------------------------------
// No panic, whatever the input.
// ---------------------------------------------------------------------------

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
        let _ = parse(&raw, &config());
    }

    #[test]
    fn damaged_corpus_messages_never_panic(
        file in proptest::sample::select(EXPECTED.iter().map(|(f, _)| *f).collect::<Vec<_>>()),
        cut in proptest::num::usize::ANY,
        edits in proptest::collection::vec((proptest::num::usize::ANY, proptest::num::u8::ANY), 0..16),
    ) {
        let mut raw = corpus(file);
        for (at, byte) in edits {
            let len = raw.len();
            raw[at % len] = byte;
        }
        raw.truncate(cut % (raw.len() + 1));
        let _ = parse(&raw, &config());
    }
}
