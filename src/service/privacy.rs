//! Erasure on request: crypto-shredding a requester's data, and its audit trail.

use std::collections::BTreeMap;
use std::sync::Arc;

use uuid::Uuid;

use super::{Draft, HelpDesk};
use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::id::{CustomerId, TicketId};
use crate::privacy::seal::{self, Slot};
use crate::privacy::{EncryptedStore, ErasureRecord};
use crate::store::{PrivacyStore, TicketFilter, TicketQuery};
use crate::ticket::{EventKind, FieldValue, TicketEvent};

const NO_PRIVACY: Error = Error::NotConfigured {
    what: "key provider",
    how: "plug one in with HelpDeskBuilder::privacy: erasure destroys the requester's data \
          key, and a desk without encryption has none",
};

/// Whether `e` still carries personal data in clear (after opening).
fn is_personal(e: &TicketEvent) -> bool {
    let mut e = e.clone();
    let mut personal = false;
    // The visitor only reads here; it cannot fail.
    let _ = seal::event(&mut e, &mut |slot| {
        personal |= !seal::slot_is_marker(&slot);
        Ok(())
    });
    personal
}

/// Whether `e` is a survey answer whose free text is still readable.
fn has_survey_comment(e: &TicketEvent) -> bool {
    matches!(&e.kind, EventKind::SatisfactionRated(r)
        if r.rating.comment.as_deref().is_some_and(|c| !seal::is_marker(c)))
}

impl HelpDesk {
    fn privacy_store(&self) -> Result<&Arc<EncryptedStore>> {
        self.inner.privacy.as_ref().ok_or(NO_PRIVACY)
    }

    /// Checks at start that the key provider's key-encryption key opens the
    /// data keys stored (see [`EncryptedStore::verify`]): a wrong one is
    /// [`Error::Config`], never garbage text later. A desk without
    /// [`privacy`](crate::HelpDeskBuilder::privacy) has nothing to check.
    pub async fn verify_privacy(&self) -> Result<()> {
        match &self.inner.privacy {
            Some(p) => p.verify().await,
            None => Ok(()),
        }
    }

    /// Erases requester `customer`'s personal data (the right to erasure):
    /// destroys their data keys, so nothing sealed under them opens again,
    /// even with the key-encryption key; appends
    /// [`EventKind::RequesterErased`] to each of their tickets (replay then
    /// reads `[erased]` for every personal field); drops their undelivered
    /// notifications; removes the contact keys (email, phone, handles)
    /// intake indexed for them and their tickets' attachments (the
    /// contents too, unless another attachment shares them); runs the
    /// [erasure hooks](crate::HelpDeskBuilder::erasure_hook); and keeps an
    /// [`ErasureRecord`] (who, when, `basis`, counts; never the data). Their
    /// survey comments are sealed with their tickets, so they read
    /// `[erased]` too; the record counts them, the contacts and the
    /// attachments in [`ErasureRecord::elsewhere`] (`survey_comments`,
    /// `contacts`, `attachments`).
    ///
    /// Statuses, times, priorities and SLA records stay, so reports do not
    /// change. Idempotent: erasing again touches only what came since, and
    /// when nothing did returns the last record unchanged. Admins only
    /// ([`Error::Forbidden`] otherwise); a desk without a key provider is
    /// [`Error::NotConfigured`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use helpdesk::privacy::{ERASED, LocalKeyProvider};
    /// use helpdesk::{Actor, AgentId, Channel, CustomerId, HelpDesk, InMemoryStore, NewTicket, Requester};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let store = Arc::new(InMemoryStore::new());
    /// let desk = HelpDesk::builder()
    ///     .store(store.clone())
    ///     .privacy(store, Arc::new(LocalKeyProvider::from_bytes([42; 32])))
    ///     .build()?;
    /// let ada = CustomerId::new();
    /// let t = desk.portal(ada).open(NewTicket::new(
    ///     Requester::new(ada, "Ada").email("ada@example.com"), Channel::Portal,
    ///     "Invoice question", "My card ends in 4242.")).await?;
    /// let admin = Actor::admin(AgentId::new());
    /// let record = desk.erase_requester(&admin, ada, "GDPR art. 17, request 114").await?;
    /// assert_eq!(record.tickets, 1);
    /// let after = desk.get(&admin, t.id).await?;
    /// assert_eq!(after.requester.name, ERASED);
    /// assert_eq!(&*after.description, ERASED);
    /// assert_eq!(after.status.as_str(), "new"); // the bookkeeping stays
    /// assert_eq!(desk.erasures(&admin, Some(ada)).await?, vec![record]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn erase_requester(
        &self,
        admin: &Actor,
        customer: CustomerId,
        basis: &str,
    ) -> Result<ErasureRecord> {
        let work = self.erase_inner(admin, customer, basis);
        self.traced("erase_requester", None, admin.kind(), work)
            .await
    }

    async fn erase_inner(
        &self,
        admin: &Actor,
        customer: CustomerId,
        basis: &str,
    ) -> Result<ErasureRecord> {
        admin.authorize(Action::EraseRequester, None)?;
        let basis = basis.trim();
        if basis.is_empty() {
            return Err(Error::validation(
                "basis",
                "an erasure needs its legal basis (e.g. `GDPR art. 17(1)(a), request 114`)",
            ));
        }
        let privacy = self.privacy_store()?;
        let at = self.inner.clock.now();

        // What is still personal, read before the keys go.
        let tickets = self.tickets_of(customer).await?;
        let mut todo = Vec::new();
        let mut events = 0;
        let mut survey_comments = 0;
        for id in &tickets {
            let timeline = self.inner.store.timeline(*id).await?;
            survey_comments += timeline.iter().filter(|e| has_survey_comment(e)).count() as u64;
            let personal = timeline.iter().filter(|e| is_personal(e)).count() as u64;
            let erased = timeline
                .iter()
                .any(|e| matches!(e.kind, EventKind::RequesterErased { .. }));
            if personal > 0 || !erased {
                todo.push(*id);
                events += personal;
            }
        }

        let mut keys = privacy.destroy_data_keys(customer, at).await?;
        for id in &todo {
            self.mark_erased(admin, *id, basis).await?;
        }
        let notifications = privacy.drop_pending_notifications(&tickets).await?;
        // A command that committed between the first destruction and the
        // marks sealed its data under a fresh key: that one goes too.
        keys += privacy.destroy_data_keys(customer, at).await?;

        let mut elsewhere = BTreeMap::new();
        if survey_comments > 0 {
            elsewhere.insert("survey_comments".to_owned(), survey_comments);
        }
        if let Some(intake) = self.inner.store.intake() {
            // Contents kept apart (a directory) are not the store's to
            // delete: note them before their rows go, remove the unshared.
            let mut apart = Vec::new();
            for id in &tickets {
                apart.extend(self.contents_apart_of(*id).await?);
            }
            let erased = intake.erase_requester(customer, &tickets).await?;
            self.remove_unreferenced(apart).await?;
            for (name, n) in [
                ("contacts", erased.contacts),
                ("attachments", erased.attachments),
            ] {
                if n > 0 {
                    elsewhere.insert(name.to_owned(), n);
                }
            }
        }
        for hook in &self.inner.erasure_hooks {
            let n = hook.erase(customer, at).await?;
            if n > 0 {
                elsewhere.insert(hook.name().to_owned(), n);
            }
        }

        let nothing = todo.is_empty() && keys == 0 && notifications == 0 && elsewhere.is_empty();
        if nothing && let Some(last) = privacy.erasures(Some(customer)).await?.pop() {
            return Ok(last);
        }
        let record = ErasureRecord {
            id: Uuid::now_v7(),
            customer,
            by: admin.agent_id(),
            at,
            basis: basis.to_owned(),
            tickets: todo.len() as u64,
            events,
            notifications,
            keys,
            elsewhere,
        };
        privacy.record_erasure(&record).await?;
        tracing::info!(
            customer = %customer,
            tickets = record.tickets,
            events = record.events,
            notifications = record.notifications,
            "requester erased"
        );
        Ok(record)
    }

    /// Appends the erasure event to one ticket, from a fresh load per attempt.
    async fn mark_erased(&self, admin: &Actor, id: TicketId, basis: &str) -> Result<()> {
        self.retrying(|| async move {
            let Some(ticket) = self.inner.store.load(id).await? else {
                return Ok(Vec::new());
            };
            let mut d = Draft::on(ticket, self.inner.clock.now());
            d.record_as(
                admin.event_actor(),
                EventKind::RequesterErased {
                    basis: basis.to_owned(),
                },
            )?;
            self.write(vec![d], None).await
        })
        .await
        .map(drop)
    }

    /// Every ticket requested by `customer`.
    async fn tickets_of(&self, customer: CustomerId) -> Result<Vec<TicketId>> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let query =
                TicketQuery::new(TicketFilter::default().requester(customer), 1000).after(after);
            let page = self.inner.store.list(&query).await?;
            out.extend(page.items.iter().map(|t| t.id));
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// The erasure records, oldest first (only `customer`'s when given).
    /// Admins only.
    pub async fn erasures(
        &self,
        admin: &Actor,
        customer: Option<CustomerId>,
    ) -> Result<Vec<ErasureRecord>> {
        admin.authorize(Action::EraseRequester, None)?;
        self.privacy_store()?.erasures(customer).await
    }
}

/// `e` with its redactable content replaced by `[redacted]`, or `None`
/// when it has none (a status change, say).
fn redacted(e: &TicketEvent) -> Option<TicketEvent> {
    use crate::privacy::REDACTED;
    use crate::ticket::FieldChange;
    let mut e = e.clone();
    match &mut e.kind {
        EventKind::CustomerMessage { body, .. }
        | EventKind::Reply { body }
        | EventKind::InternalNote { body } => REDACTED.clone_into(body),
        EventKind::Created(c) => c.description = REDACTED.into(),
        EventKind::FieldChanged {
            change: FieldChange::Custom { value: Some(v), .. },
        } => *v = FieldValue::Text(REDACTED.to_owned()),
        _ => return None,
    }
    Some(e)
}

impl HelpDesk {
    /// Redacts the content of event `seq` of ticket `id` for good (a
    /// customer pasted a password): a message body, the description (of
    /// the `Created` event) or a custom field's value then reads
    /// `[redacted]`. Records [`EventKind::Redacted`] with who and `reason`,
    /// then overwrites the original in the store (the one rewrite of
    /// history besides retention: [`PrivacyStore::rewrite_events`]); the
    /// snapshot is replayed from the rewritten history. Supervisors and
    /// admins only. Needs [`privacy`](crate::HelpDeskBuilder::privacy)
    /// (its store does the rewrite). Redacting again finishes an
    /// interrupted redaction and records nothing new.
    ///
    /// On SQLite the overwritten bytes are zeroed (`secure_delete`) and the
    /// write-ahead log checkpointed; on PostgreSQL the old row version stays
    /// in the table file until `VACUUM` reclaims it (autovacuum does, in
    /// time; run `VACUUM events` to be sure at once).
    pub async fn redact(
        &self,
        actor: &Actor,
        id: TicketId,
        seq: u64,
        reason: &str,
    ) -> Result<crate::Ticket> {
        let work = self.redact_inner(actor, id, seq, reason);
        self.traced("redact", Some(id), actor.kind(), work).await
    }

    async fn redact_inner(
        &self,
        actor: &Actor,
        id: TicketId,
        seq: u64,
        reason: &str,
    ) -> Result<crate::Ticket> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::validation("reason", "a redaction needs a reason"));
        }
        let privacy = self.privacy_store()?.clone();
        let ticket = self.load_visible(actor, id).await?;
        actor.authorize(Action::Redact, Some(&ticket))?;
        let timeline = self.inner.store.timeline(id).await?;
        let target = timeline.iter().find(|e| e.seq == seq).ok_or_else(|| {
            Error::not_found("event", format!("{seq} of ticket {}", ticket.reference))
        })?;
        if redacted(target).is_none() {
            return Err(Error::validation(
                "seq",
                format!(
                    "event {seq} ({}) has no message, description or field value to redact",
                    target.kind.name()
                ),
            ));
        }
        let recorded = timeline
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Redacted { seq: s, .. } if *s == seq));
        if !recorded {
            self.retrying(|| async move {
                let ticket = self.load_visible(actor, id).await?;
                let mut d = Draft::on(ticket, self.inner.clock.now());
                d.record_as(
                    actor.event_actor(),
                    EventKind::Redacted {
                        seq,
                        reason: reason.to_owned(),
                    },
                )?;
                self.write(vec![d], None).await
            })
            .await?;
        }
        // Overwrite the original, on the history as it stands now.
        let privacy = &privacy;
        self.retrying(|| async move {
            let mut timeline = self.inner.store.timeline(id).await?;
            let Some(slot) = timeline.iter_mut().find(|e| e.seq == seq) else {
                return Err(Error::not_found("event", seq));
            };
            let Some(new) = redacted(slot) else {
                return Err(Error::internal("a redactable event stopped being one"));
            };
            *slot = new.clone();
            let snapshot = crate::Ticket::replay(&timeline)?;
            privacy.rewrite_events(&snapshot, &[new]).await?;
            Ok(snapshot)
        })
        .await
    }
}

/// Every personal value of `e` overwritten with `[erased]`; `true` when
/// anything changed.
fn anonymise(e: &mut TicketEvent) -> bool {
    use crate::privacy::ERASED;
    let mut changed = false;
    // The visitor here never fails.
    let _ = seal::event(e, &mut |slot| {
        if seal::slot_is_marker(&slot) {
            return Ok(());
        }
        match slot {
            Slot::Text(s) => ERASED.clone_into(s),
            Slot::Field(v) => *v = FieldValue::Text(ERASED.to_owned()),
        }
        changed = true;
        Ok(())
    });
    changed
}

impl HelpDesk {
    /// Carries out the [retention policies](crate::privacy::retention) due
    /// at `now`, for at most `limit` tickets: anonymises or deletes closed
    /// tickets whose time has come. Safe on many nodes at once: each action
    /// is fenced by the ticket's version (like a commit), so a ticket another
    /// node got to first is skipped, never done twice. Needs retention
    /// policies and [`privacy`](crate::HelpDeskBuilder::privacy) (whose
    /// store does the one permitted rewrite and deletion of events).
    ///
    /// Deletion removes the ticket, its events, tags, schedule and outbox
    /// entries; other tickets' links to it then read as a deleted ticket
    /// ([`LinkTarget::Deleted`](crate::LinkTarget::Deleted), through
    /// [`HelpDesk::links`] and [`Portal::links`](crate::Portal::links)). Anonymising records
    /// [`EventKind::Anonymised`] and overwrites every personal value of the
    /// ticket's earlier events with `[erased]`; statuses, times and SLA
    /// records stay, so reports keep counting it.
    pub async fn run_retention(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<crate::privacy::RetentionReport> {
        let work = self.retention_inner(now, limit, false);
        self.traced("run_retention", None, crate::ActorKind::System, work)
            .await
    }

    /// What [`run_retention`](Self::run_retention) would do at `now`, without doing it.
    pub async fn retention_plan(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<crate::privacy::RetentionReport> {
        self.retention_inner(now, limit, true).await
    }

    async fn retention_inner(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
        dry_run: bool,
    ) -> Result<crate::privacy::RetentionReport> {
        use crate::privacy::RetentionAction;
        use crate::privacy::retention::RetentionItem;
        let config = self.inner.retention.as_ref().ok_or(Error::NotConfigured {
            what: "retention policy",
            how: "add [[retention.policies]] to the desk configuration, or call HelpDeskBuilder::retention",
        })?;
        let privacy = self.privacy_store()?.clone();
        let mut report = crate::privacy::RetentionReport::default();
        let Some(min) = config.min_days() else {
            return Ok(report);
        };
        let finals: Vec<_> = self
            .inner
            .lifecycle
            .statuses
            .iter()
            .filter(|s| self.inner.lifecycle.is_final(&s.id))
            .map(|s| s.id.clone())
            .collect();
        let filter = TicketFilter::default().status(finals).updated(
            None,
            Some(now - chrono::Duration::days(i64::from(min)) + chrono::Duration::microseconds(1)),
        );
        let mut after = None;
        'pages: loop {
            let page = self
                .inner
                .store
                .list(&TicketQuery::new(filter.clone(), 200).after(after))
                .await?;
            for t in &page.items {
                if report.items.len() >= limit {
                    break 'pages;
                }
                let Some(policy) = config.due(t, &self.inner.lifecycle, now) else {
                    continue;
                };
                let timeline = self.inner.store.timeline(t.id).await?;
                if policy.action == RetentionAction::Anonymise
                    && timeline
                        .iter()
                        .any(|e| matches!(e.kind, EventKind::Anonymised { .. }))
                {
                    continue;
                }
                let item = RetentionItem {
                    ticket: t.id,
                    reference: t.reference,
                    policy: policy.name.clone(),
                    action: policy.action,
                };
                if dry_run {
                    report.items.push(item);
                    continue;
                }
                let done = match policy.action {
                    RetentionAction::Delete => {
                        let contents = self.contents_apart_of(t.id).await?;
                        let done = privacy.delete_ticket(t.id, t.version).await?;
                        if done {
                            self.remove_unreferenced(contents).await?;
                        }
                        done
                    }
                    RetentionAction::Anonymise => {
                        self.anonymise_ticket(t.clone(), &policy.name, &privacy)
                            .await?
                    }
                };
                if done {
                    report.items.push(item);
                } else {
                    report.skipped += 1;
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(report)
    }

    /// Records the anonymisation (fenced by the version loaded) and then
    /// overwrites the personal values of every event; `false` when another
    /// writer changed the ticket first.
    async fn anonymise_ticket(
        &self,
        ticket: crate::Ticket,
        policy: &str,
        privacy: &Arc<EncryptedStore>,
    ) -> Result<bool> {
        let id = ticket.id;
        let mut d = Draft::on(ticket, self.inner.clock.now());
        d.record_as(
            crate::ticket::EventActor::System,
            EventKind::Anonymised {
                policy: policy.to_owned(),
            },
        )?;
        match self.write(vec![d], None).await {
            Ok(_) => {}
            Err(e) if e.is_conflict() => return Ok(false),
            Err(e) => return Err(e),
        }
        self.retrying(|| async move {
            let mut timeline = self.inner.store.timeline(id).await?;
            let changed: Vec<TicketEvent> = timeline
                .iter_mut()
                .filter_map(|e| anonymise(e).then(|| e.clone()))
                .collect();
            let snapshot = crate::Ticket::replay(&timeline)?;
            privacy.rewrite_events(&snapshot, &changed).await
        })
        .await?;
        Ok(true)
    }
}

impl HelpDesk {
    /// Records `actor`'s read of `ticket` when the access audit is on.
    pub(super) async fn audit_read(
        &self,
        actor: &Actor,
        ticket: &crate::Ticket,
        read: &str,
    ) -> Result<()> {
        let (true, Some(privacy)) = (self.inner.audit_reads, &self.inner.privacy) else {
            return Ok(());
        };
        privacy
            .record_access(&crate::privacy::AccessRecord {
                id: Uuid::now_v7(),
                at: self.inner.clock.now(),
                by: actor.agent_id(),
                actor: actor.kind(),
                ticket: ticket.id,
                customer: ticket.requester.id,
                read: read.to_owned(),
            })
            .await
    }

    /// Who read requester `customer`'s tickets, when and how, oldest first
    /// (the access audit; see [`HelpDeskBuilder::audit_reads`](crate::HelpDeskBuilder::audit_reads)).
    /// Admins only: requesters and other staff get [`Error::Forbidden`].
    pub async fn accesses(
        &self,
        admin: &Actor,
        customer: CustomerId,
    ) -> Result<Vec<crate::privacy::AccessRecord>> {
        admin.authorize(Action::EraseRequester, None)?;
        self.privacy_store()?.accesses(customer).await
    }
}
