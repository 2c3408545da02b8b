//! The [`HelpDesk`] service: commands in, events, snapshots and
//! notifications out.
//!
//! Every command follows one path: check the actor's access, load the
//! ticket, let the domain record events (which fold into the new snapshot),
//! write snapshot + events + outbox in one atomic commit, then hand the new
//! notifications to the notifier. A commit that loses a race with another
//! writer ([`Error::Conflict`]) is retried from a fresh load a few times
//! before the conflict is returned.

mod builder;
mod commands;
mod derive;
mod draft;
mod due;
mod outbox;
mod routing;
mod sla;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::escalation::EscalationConfig;
use crate::id::{GroupId, TicketId, TicketRef};
use crate::notify::Notifier;
use crate::notify::plan::{PlanContext, plan};
use crate::priority::Classifier;
use crate::routing::RoutingConfig;
use crate::sla::SlaConfig;
use crate::store::{Commit, Store};
use crate::ticket::{Lifecycle, Ticket};

pub use builder::HelpDeskBuilder;
pub use commands::SplitPart;
pub(crate) use draft::Draft;
pub use due::RunReport;
pub use outbox::{DispatchReport, RetryPolicy};

/// How many times a command is re-run after losing a race to another writer.
const CONFLICT_RETRIES: usize = 32;

/// The help desk. Cheap to clone (an `Arc` inside); share it across tasks.
///
/// ```
/// use helpdesk::{Actor, Channel, CustomerId, HelpDesk, NewTicket, Requester};
/// # tokio_test_block_on(async {
/// let desk = HelpDesk::builder().build()?;
/// let ada = CustomerId::new();
/// let ticket = desk
///     .open(&Actor::requester(ada), NewTicket::new(
///         Requester::new(ada, "Ada").email("ada@example.com"),
///         Channel::Portal,
///         "Printer on floor 3 is down",
///         "It shows error E-42.",
///     ))
///     .await?;
/// assert_eq!(ticket.status.as_str(), "new");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HelpDesk {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    notifier: Option<Arc<dyn Notifier>>,
    clock: Arc<dyn Clock>,
    classifier: Classifier,
    lifecycle: Lifecycle,
    retry: RetryPolicy,
    routing: Option<RoutingConfig>,
    escalation: Option<EscalationConfig>,
    /// Round-robin turns per group. Per desk: on several nodes each rotates
    /// on its own, which stays fair on average and needs no shared state.
    turns: Mutex<HashMap<GroupId, usize>>,
    sla: Option<SlaConfig>,
}

impl HelpDesk {
    /// Starts a builder; every part has a default (in-memory store, system
    /// clock, default classifier and lifecycle, no notifier).
    pub fn builder() -> HelpDeskBuilder {
        HelpDeskBuilder::default()
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The lifecycle.
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.inner.lifecycle
    }

    /// The classifier.
    pub fn classifier(&self) -> &Classifier {
        &self.inner.classifier
    }

    async fn load(&self, id: TicketId) -> Result<Ticket> {
        self.inner
            .store
            .load(id)
            .await?
            .ok_or_else(|| Error::not_found("ticket", id))
    }

    /// Looks up a ticket's id by its reference (`#1042`).
    async fn id_of(&self, reference: TicketRef) -> Result<TicketId> {
        let t = self.inner.store.load_by_reference(reference).await?;
        t.map(|t| t.id)
            .ok_or_else(|| Error::not_found("ticket", reference))
    }

    /// Writes the changed drafts and their notifications atomically, then
    /// delivers the notifications. Returns every draft's final snapshot, in
    /// order, including the events `derive` recorded (SLA, escalation).
    async fn commit(&self, drafts: Vec<Draft>) -> Result<Vec<Ticket>> {
        self.write(drafts, true).await
    }

    /// [`commit`](Self::commit); the snapshots are returned only when
    /// `snapshots` is set (they cost a copy of each ticket).
    async fn write(&self, drafts: Vec<Draft>, snapshots: bool) -> Result<Vec<Ticket>> {
        let mut tickets = Vec::with_capacity(if snapshots { drafts.len() } else { 0 });
        let mut writes = Vec::with_capacity(drafts.len());
        let mut outbox = Vec::new();
        let mut at = None;
        for mut d in drafts {
            if !d.is_changed() {
                if snapshots {
                    tickets.push(d.ticket);
                }
                continue;
            }
            let derived = self.derive(&mut d).await?;
            let ctx = PlanContext {
                lifecycle: &self.inner.lifecycle,
                first_response: derived.first_response.as_deref(),
            };
            // One command never changes who the requester is or the ticket's
            // reference, so its final snapshot serves every event's plan.
            outbox.extend(d.events.iter().flat_map(|e| plan(&d.ticket, e, ctx)));
            outbox.extend(derived.notifications);
            // A command happens at one instant: its drafts all carry it.
            at.get_or_insert(d.at);
            if snapshots {
                tickets.push(d.ticket.clone());
            }
            writes.push(d.into_write(derived.next_deadline));
        }
        let Some(now) = at else { return Ok(tickets) };
        let inline = self.inner.notifier.is_some() && !outbox.is_empty();
        let commit = Commit {
            tickets: writes,
            outbox_not_before: inline.then(|| now + self.inner.retry.inline_lease),
            outbox,
        };
        let delivered = if inline {
            commit.outbox.clone()
        } else {
            Vec::new()
        };
        self.inner.store.commit(commit).await?;
        if inline {
            self.deliver(delivered, now).await;
        }
        Ok(tickets)
    }

    /// Runs `command` (load, decide, commit) again from a fresh load when its
    /// commit loses a race to another writer, up to a bound.
    ///
    /// `command` makes a fresh future per attempt. (An async closure would
    /// read better, but its future cannot yet be proven `Send`, and callers
    /// spawn these commands on multi-threaded runtimes.)
    async fn retrying<T, F, Fut>(&self, mut command: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 0;
        loop {
            match command().await {
                Err(e) if e.is_conflict() && attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                    // Writers racing on one ticket tend to run in lockstep,
                    // the same one losing every time; letting other tasks run
                    // first breaks the step.
                    YieldNow(false).await;
                }
                other => return other,
            }
        }
    }
    /// [`commit`](Self::commit) for one draft.
    async fn commit_one(&self, draft: Draft) -> Result<Ticket> {
        let mut tickets = self.commit(vec![draft]).await?;
        tickets
            .pop()
            .ok_or_else(|| Error::store_msg("commit returned no snapshot"))
    }
}

/// Returns `Pending` once (after asking to be polled again), so the executor
/// runs other ready tasks first; works on any async runtime.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}
