//! The intake tables of the in-memory store.

use std::collections::HashMap;
use std::sync::Arc;

use super::{
    Attachment, AttachmentInfo, ContactKey, InboundEntry, InboundRecord, channel_key,
    contact_conflict, inbound_duplicate,
};
use crate::error::Result;
use crate::id::{AttachmentId, NotificationId, TicketId};
use crate::store::Commit;
use crate::ticket::Requester;

/// Contacts, inbound messages, notifications' tickets and attachments.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    contacts: HashMap<ContactKey, Requester>,
    /// By `(channel key, external id)`.
    inbound: HashMap<(String, String), InboundEntry>,
    /// Every notification ever enqueued: the outbox forgets delivered ones.
    notifications: HashMap<NotificationId, TicketId>,
    attachments: HashMap<AttachmentId, AttachmentInfo>,
    by_ticket: HashMap<TicketId, Vec<AttachmentId>>,
    /// Contents by SHA-256, shared by every attachment with those bytes.
    blobs: HashMap<String, Arc<[u8]>>,
}

impl Tables {
    /// Drops everything kept about ticket `id` (retention's delete): its
    /// inbound records, attachments and notification ids, and the contents
    /// no other attachment shares.
    pub(crate) fn forget_ticket(&mut self, id: TicketId) {
        self.inbound.retain(|_, e| e.ticket_id != id);
        self.notifications.retain(|_, t| *t != id);
        for a in self.by_ticket.remove(&id).unwrap_or_default() {
            self.attachments.remove(&a);
        }
        self.forget_orphan_blobs();
    }

    /// Erases requester `customer`'s contact keys and the attachments of
    /// `tickets`, with the contents no other attachment shares.
    pub(crate) fn erase_requester(
        &mut self,
        customer: crate::id::CustomerId,
        tickets: &[TicketId],
    ) -> super::IntakeErasure {
        let before = self.contacts.len();
        self.contacts.retain(|_, r| r.id != customer);
        let contacts = (before - self.contacts.len()) as u64;
        let mut attachments = 0;
        for t in tickets {
            for a in self.by_ticket.remove(t).unwrap_or_default() {
                attachments += u64::from(self.attachments.remove(&a).is_some());
            }
        }
        self.forget_orphan_blobs();
        super::IntakeErasure {
            contacts,
            attachments,
        }
    }

    fn forget_orphan_blobs(&mut self) {
        let shared: std::collections::HashSet<&str> = self
            .attachments
            .values()
            .map(|a| a.sha256.as_str())
            .collect();
        self.blobs.retain(|sha, _| shared.contains(sha.as_str()));
    }

    /// What the commit's inbound record would break; nothing is changed.
    pub(crate) fn check(&self, commit: &Commit) -> Result<()> {
        let Some(r) = &commit.inbound else {
            return Ok(());
        };
        if self
            .inbound
            .contains_key(&(channel_key(&r.channel), r.external_id.clone()))
        {
            return Err(inbound_duplicate(r));
        }
        for key in &r.contacts {
            if let Some(held) = self.contacts.get(key)
                && held.id != r.requester.id
            {
                return Err(contact_conflict(key));
            }
        }
        Ok(())
    }

    /// Applies the intake part of a checked commit.
    pub(crate) fn apply(&mut self, commit: &Commit) {
        for w in &commit.tickets {
            if w.expected_version.is_none() {
                for key in ContactKey::of_requester(&w.ticket.requester) {
                    self.contacts
                        .entry(key)
                        .or_insert_with(|| (*w.ticket.requester).clone());
                }
            }
        }
        for n in &commit.outbox {
            self.notifications.insert(n.id, n.ticket_id);
        }
        let Some(r) = &commit.inbound else { return };
        self.record(r);
    }

    fn record(&mut self, r: &InboundRecord) {
        for key in &r.contacts {
            self.contacts.insert(key.clone(), r.requester.clone());
        }
        self.inbound.insert(
            (channel_key(&r.channel), r.external_id.clone()),
            InboundEntry {
                ticket_id: r.ticket_id,
                event_id: r.event_id,
                customer: r.requester.id,
                at: r.at,
            },
        );
        for a in &r.attachments {
            let sha256 = a.sha256();
            if !r.contents_apart {
                self.blobs
                    .entry(sha256.clone())
                    .or_insert_with(|| Arc::from(a.bytes.as_slice()));
            }
            self.attachments.insert(
                a.id,
                AttachmentInfo {
                    id: a.id,
                    ticket_id: r.ticket_id,
                    event_id: r.event_id,
                    filename: a.filename.clone(),
                    content_type: a.content_type.clone(),
                    sniffed_type: a.sniffed_type().map(str::to_owned),
                    size: a.bytes.len() as u64,
                    sha256,
                    raw_message: a.raw_message,
                    at: r.at,
                },
            );
            self.by_ticket.entry(r.ticket_id).or_default().push(a.id);
        }
    }

    pub(crate) fn contact(&self, key: &ContactKey) -> Option<Requester> {
        self.contacts.get(key).cloned()
    }

    pub(crate) fn inbound(&self, channel: &str, external_id: &str) -> Option<InboundEntry> {
        self.inbound
            .get(&(channel.to_owned(), external_id.to_owned()))
            .cloned()
    }

    pub(crate) fn notification_ticket(&self, id: NotificationId) -> Option<TicketId> {
        self.notifications.get(&id).copied()
    }

    pub(crate) fn attachments(&self, ticket: TicketId) -> Vec<AttachmentInfo> {
        self.by_ticket
            .get(&ticket)
            .into_iter()
            .flatten()
            .filter_map(|id| self.attachments.get(id).cloned())
            .collect()
    }

    pub(crate) fn attachment(&self, id: AttachmentId) -> Option<Attachment> {
        let info = self.attachments.get(&id)?.clone();
        let bytes = self.blobs.get(&info.sha256)?.to_vec();
        Some(Attachment::new(info, bytes))
    }

    pub(crate) fn attachment_info(&self, id: AttachmentId) -> Option<AttachmentInfo> {
        self.attachments.get(&id).cloned()
    }

    pub(crate) fn content_referenced(&self, sha256: &str) -> bool {
        self.attachments.values().any(|a| a.sha256 == sha256)
    }

    /// Stores a content put through the attachment port.
    pub(crate) fn put_content(&mut self, sha256: String, bytes: &[u8]) {
        self.blobs.entry(sha256).or_insert_with(|| Arc::from(bytes));
    }

    pub(crate) fn content(&self, sha256: &str) -> Option<Vec<u8>> {
        self.blobs.get(sha256).map(|b| b.to_vec())
    }

    pub(crate) fn remove_content(&mut self, sha256: &str) -> bool {
        self.blobs.remove(sha256).is_some()
    }
}
