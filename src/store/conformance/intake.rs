//! The [`IntakeStore`](crate::store::IntakeStore) suite: inbound messages stored once per
//! `(channel, external id)` in the ticket commit, the contact index, the
//! tickets of notifications, and attachments stored once per content.
//!
//! Every `pub async fn` here is a case; the build script puts it into
//! [`intake_store_conformance_tests!`](crate::intake_store_conformance_tests)
//! and [`store_conformance_tests!`](crate::store_conformance_tests). A case
//! takes a [`TicketStore`]; one whose [`TicketStore::intake`] is `None`
//! has no intake and passes every case untested.

use chrono::Duration;

use super::{
    assert_duplicate, commit_note_with_outbox, created, created_for, note, notification, t0,
};
use crate::error::Error;
use crate::id::{AttachmentId, NotificationId};
use crate::store::{
    Commit, ContactKey, InboundRecord, NewAttachment, Outbox, TicketStore, TicketWrite,
};
use crate::ticket::{Channel, Requester, Ticket, TicketEvent};

/// A new ticket's write taking in `(channel, external_id)` from its
/// requester, with the sender's email as the contact to claim.
fn taking_in(ticket: &Ticket, event: &TicketEvent, channel: Channel, external_id: &str) -> Commit {
    let requester = Requester::clone(&ticket.requester);
    let record = InboundRecord::new(channel, external_id, (ticket.id, event.id), requester, t0())
        .contacts(vec![ContactKey::email("sender@example.com").unwrap()]);
    Commit::tickets(vec![TicketWrite::new(
        ticket.clone(),
        vec![event.clone()],
        None,
    )])
    .inbound(record)
}

/// The same `(channel, external id)` twice fails the second commit whole
/// with a duplicate, whatever else it writes; another channel's same id is
/// another message.
pub async fn inbound_message_is_taken_in_once<S: TicketStore + ?Sized>(store: &S) {
    let Some(intake) = store.intake() else { return };
    let (t, e) = created(store.next_reference().await.unwrap(), "first");
    store
        .commit(taking_in(&t, &e, Channel::Email, "CAF=1@mail.example.com"))
        .await
        .unwrap();
    let stored = intake
        .inbound(&Channel::Email, "CAF=1@mail.example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.ticket_id, stored.event_id), (t.id, e.id));
    assert_eq!(stored.customer, t.requester.id);
    assert_eq!(stored.at, t0());
    assert!(
        intake
            .inbound(&Channel::Chat, "CAF=1@mail.example.com")
            .await
            .unwrap()
            .is_none()
    );

    let (again, again_e) = created_for(
        store.next_reference().await.unwrap(),
        "again",
        t.requester.id,
    );
    assert_duplicate(
        store
            .commit(taking_in(
                &again,
                &again_e,
                Channel::Email,
                "CAF=1@mail.example.com",
            ))
            .await,
        "inbound message",
        "email:CAF=1@mail.example.com",
    );
    assert!(
        store.load(again.id).await.unwrap().is_none(),
        "nothing written"
    );

    let (chat, chat_e) = created_for(
        store.next_reference().await.unwrap(),
        "chat",
        t.requester.id,
    );
    store
        .commit(taking_in(
            &chat,
            &chat_e,
            Channel::Other("sms".into()),
            "CAF=1@mail.example.com",
        ))
        .await
        .unwrap();
    let other = intake
        .inbound(&Channel::Other("sms".into()), "CAF=1@mail.example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.ticket_id, chat.id);
}

/// New tickets index their requester's email and phone where nobody holds
/// them; an inbound record claims its contacts, refreshes its own, and a
/// contact another customer holds fails the commit with a conflict.
pub async fn contacts_are_indexed_and_claimed<S: TicketStore + ?Sized>(store: &S) {
    let Some(intake) = store.intake() else { return };
    let (mut t, e) = created(store.next_reference().await.unwrap(), "by phone");
    let mut r = Requester::clone(&t.requester);
    r.phone = Some("+30 210 555 0100".into());
    t.requester = r.clone().into();
    store.insert(t.clone(), vec![e], vec![]).await.unwrap();
    let by_phone = ContactKey::phone("+302105550100").unwrap();
    let found = intake.contact(&by_phone).await.unwrap().unwrap();
    assert_eq!(found.id, r.id);
    assert_eq!(
        intake
            .contact(&ContactKey::email("ADA@example.com").unwrap())
            .await
            .unwrap()
            .map(|r| r.id),
        Some(r.id)
    );

    // Another customer's ticket with the same email leaves the index alone.
    let (other, other_e) = created(store.next_reference().await.unwrap(), "same email");
    assert_ne!(other.requester.id, r.id);
    store
        .insert(other.clone(), vec![other_e], vec![])
        .await
        .unwrap();
    let email = ContactKey::email("ada@example.com").unwrap();
    assert_eq!(intake.contact(&email).await.unwrap().unwrap().id, r.id);

    // The other customer's message claiming that email: a conflict, and
    // nothing of the commit is written.
    let (mut msg, mut msg_e) = created_for(
        store.next_reference().await.unwrap(),
        "claims",
        other.requester.id,
    );
    let claim = |ticket: &Ticket, event: &TicketEvent, keys: Vec<ContactKey>, id: &str| {
        let record = InboundRecord::new(
            Channel::Chat,
            id,
            (ticket.id, event.id),
            Requester::clone(&ticket.requester),
            t0(),
        )
        .contacts(keys);
        Commit::tickets(vec![TicketWrite::new(
            ticket.clone(),
            vec![event.clone()],
            None,
        )])
        .inbound(record)
    };
    let err = store
        .commit(claim(&msg, &msg_e, vec![email.clone()], "chat-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { what: "contact", id, .. } if *id == email.to_string()),
        "{err:?}"
    );
    assert!(store.load(msg.id).await.unwrap().is_none());
    assert!(
        intake
            .inbound(&Channel::Chat, "chat-1")
            .await
            .unwrap()
            .is_none()
    );

    // The same customer refreshes their own contact's details.
    let handle = ContactKey::handle(&Channel::Chat, "ada-chat").unwrap();
    (msg, msg_e) = created_for(store.next_reference().await.unwrap(), "refresh", r.id);
    let mut renamed = Requester::clone(&msg.requester);
    renamed.name = "Ada L.".into();
    msg.requester = renamed.into();
    store
        .commit(claim(
            &msg,
            &msg_e,
            vec![by_phone.clone(), handle.clone()],
            "chat-2",
        ))
        .await
        .unwrap();
    assert_eq!(
        intake.contact(&by_phone).await.unwrap().unwrap().name,
        "Ada L."
    );
    assert_eq!(intake.contact(&handle).await.unwrap().unwrap().id, r.id);
    assert!(
        intake
            .contact(&ContactKey::email("nobody@example.com").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

/// The desk's mail is threaded by notification id: the ticket of any
/// notification ever enqueued, delivered or not.
pub async fn notification_ticket_outlives_delivery<S: TicketStore + Outbox + ?Sized>(store: &S) {
    let Some(intake) = store.intake() else { return };
    let (t, e) = created(store.next_reference().await.unwrap(), "notified");
    store.insert(t.clone(), vec![e], vec![]).await.unwrap();
    let n = notification(&t, &format!("{}:2:ack", t.id), t0());
    commit_note_with_outbox(store, &t, vec![n.clone()])
        .await
        .unwrap();
    assert_eq!(intake.notification_ticket(n.id).await.unwrap(), Some(t.id));
    let claimed = store
        .claim_outbox(t0() + Duration::seconds(1), 10, t0() + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .mark_delivered(n.id, t0() + Duration::seconds(2))
        .await
        .unwrap();
    assert_eq!(intake.notification_ticket(n.id).await.unwrap(), Some(t.id));
    assert_eq!(
        intake
            .notification_ticket(NotificationId::new())
            .await
            .unwrap(),
        None
    );
}

/// Attachments come back with their bytes and metadata, in order; the same
/// content twice is stored under one SHA-256; a commit that fails stores none.
pub async fn attachments_are_stored_once_per_content<S: TicketStore + ?Sized>(store: &S) {
    let Some(intake) = store.intake() else { return };
    let (t, e) = created(store.next_reference().await.unwrap(), "files");
    let png = b"\x89PNG\r\n\x1a\n".to_vec();
    let a = NewAttachment::file("écran.png", "image/png", png.clone());
    let b = NewAttachment::file("copy.png", "image/png", png.clone());
    let raw = NewAttachment::raw_message(
        "message.eml",
        "message/rfc822",
        b"From: a@b\r\n\r\nhi".to_vec(),
    );
    let record = InboundRecord::new(
        Channel::Email,
        "files-1@example.com",
        (t.id, e.id),
        Requester::clone(&t.requester),
        t0(),
    )
    .attachment(a.clone())
    .attachment(b.clone())
    .attachment(raw.clone());
    store
        .commit(
            Commit::tickets(vec![TicketWrite::new(t.clone(), vec![e.clone()], None)])
                .inbound(record),
        )
        .await
        .unwrap();
    let list = intake.attachments(t.id).await.unwrap();
    let mut ids: Vec<AttachmentId> = list.iter().map(|i| i.id).collect();
    let mut want = vec![a.id, b.id, raw.id];
    ids.sort();
    want.sort();
    assert_eq!(ids, want);
    let got = intake.attachment(a.id).await.unwrap().unwrap();
    assert_eq!(got.bytes, png);
    assert_eq!(got.info.filename, "écran.png");
    assert_eq!(got.info.content_type, "image/png");
    assert_eq!(got.info.sniffed_type.as_deref(), Some("image/png"));
    assert_eq!(got.info.size, 8);
    assert_eq!((got.info.ticket_id, got.info.event_id), (t.id, e.id));
    assert!(!got.info.raw_message);
    assert_eq!(got.info.sha256, a.sha256());
    assert_eq!(got.info.sha256.len(), 64);
    let copy = intake.attachment(b.id).await.unwrap().unwrap();
    assert_eq!((copy.bytes, copy.info.sha256), (png, a.sha256()));
    assert!(
        intake
            .attachment(raw.id)
            .await
            .unwrap()
            .unwrap()
            .info
            .raw_message
    );
    assert!(
        intake
            .attachment(AttachmentId::new())
            .await
            .unwrap()
            .is_none()
    );

    // A commit that fails (the same message again) stores no file.
    let mut t2 = t.clone();
    let n = note(&mut t2, "again");
    let lost = NewAttachment::file("lost.txt", "text/plain", b"lost".to_vec());
    let again = InboundRecord::new(
        Channel::Email,
        "files-1@example.com",
        (t2.id, n.id),
        Requester::clone(&t2.requester),
        t0(),
    )
    .attachment(lost.clone());
    let r = store
        .commit(
            Commit::tickets(vec![TicketWrite::new(t2, vec![n], Some(t.version))]).inbound(again),
        )
        .await;
    assert!(matches!(r, Err(Error::Duplicate { .. })), "{r:?}");
    assert!(intake.attachment(lost.id).await.unwrap().is_none());
    assert_eq!(intake.attachments(t.id).await.unwrap().len(), 3);
    assert_eq!(store.load(t.id).await.unwrap().unwrap().version, t.version);
}

/// A commit whose contents are kept apart writes the attachments' rows
/// only: they are listed and described, their content is not in the
/// store, and the store tells which contents are still referred to.
pub async fn attachment_rows_are_stored_without_contents_apart<S: TicketStore + ?Sized>(store: &S) {
    let Some(intake) = store.intake() else { return };
    let (t, e) = created(store.next_reference().await.unwrap(), "files apart");
    let pdf = NewAttachment::file("invoice.pdf", "application/pdf", b"%PDF-1.4 apart".to_vec());
    let record = InboundRecord::new(
        Channel::Chat,
        "apart-1",
        (t.id, e.id),
        Requester::clone(&t.requester),
        t0(),
    )
    .attachment(pdf.clone())
    .keep_contents_apart();
    store
        .commit(
            Commit::tickets(vec![TicketWrite::new(t.clone(), vec![e.clone()], None)])
                .inbound(record),
        )
        .await
        .unwrap();
    let listed = intake.attachments(t.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    let info = intake.attachment_info(pdf.id).await.unwrap().unwrap();
    assert_eq!(info, listed[0]);
    assert_eq!(
        (info.filename.as_str(), info.content_type.as_str()),
        ("invoice.pdf", "application/pdf")
    );
    assert_eq!(info.sniffed_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        (info.size, info.sha256.as_str()),
        (14, pdf.sha256().as_str())
    );
    assert_eq!((info.ticket_id, info.event_id), (t.id, e.id));
    assert!(
        intake.attachment(pdf.id).await.unwrap().is_none(),
        "the content is not in this store"
    );
    assert!(intake.content_referenced(&pdf.sha256()).await.unwrap());
    let other = NewAttachment::file("x", "text/plain", b"unreferenced".to_vec());
    assert!(!intake.content_referenced(&other.sha256()).await.unwrap());
    assert!(
        intake
            .attachment_info(AttachmentId::new())
            .await
            .unwrap()
            .is_none()
    );
}
