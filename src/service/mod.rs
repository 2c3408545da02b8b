//! The [`HelpDesk`] service: commands in, events, snapshots and
//! notifications out.
//!
//! Every command follows one path: check the actor's access, load the
//! ticket, ask the domain ([`ticket::decide`](crate::ticket::decide)) for
//! events, which fold into the new snapshot; derive the SLA clocks, the
//! escalation plan and the schedule from one SLA evaluation; plan the
//! notifications; write snapshot + events + schedule + outbox (+ the
//! command's idempotency record) in one atomic commit; then deliver. A
//! commit that loses a race with another writer ([`Error::Conflict`]) is
//! retried from a fresh load a few times before the conflict is returned.

mod builder;
mod commands;
mod derive;
mod draft;
mod due;
mod intake;
mod knowledge;
mod links;
mod outbox;
mod portal;
mod privacy;
mod reports;
mod routing;
mod sla;
mod survey_opt_out;
mod surveys;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tracing::Instrument;

use crate::classify::Classifier;
use crate::clock::Clock;
use crate::error::{Error, ErrorKind, Result};
use crate::escalation::EscalationConfig;
use crate::id::{GroupId, TicketId};
use crate::notify::plan::{PlanContext, plan};
use crate::notify::{Notifier, Render};
use crate::routing::RoutingConfig;
use crate::sla::SlaConfig;
use crate::store::{CommandRecord, Commit, Store};
use crate::ticket::{Lifecycle, Ticket};

pub use builder::HelpDeskBuilder;
pub use commands::Idempotent;
pub(crate) use draft::Draft;
pub use due::RunReport;
pub use intake::Received;
pub use knowledge::Suggestions;
pub use links::{LinkTarget, LinkedTicket};
pub use outbox::{DispatchReport, RetryPolicy};
pub use portal::{Portal, PortalQuery};
pub use reports::Backfill;

/// How many times a command is re-run after losing a race to another writer.
const CONFLICT_RETRIES: usize = 32;

/// The help desk. Cheap to clone (an `Arc` inside); share it across tasks.
///
/// Staff work through its methods, which take an [`Actor`](crate::Actor)
/// and return the staff view ([`Ticket`], [`TicketEvent`](crate::TicketEvent));
/// customers work through [`HelpDesk::portal`], which returns only what a
/// requester may see.
///
/// ```
/// use helpdesk::{Actor, AgentId, Channel, CustomerId, GroupId, HelpDesk, NewTicket, Requester};
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let desk = HelpDesk::builder().build()?;
/// let ada = CustomerId::new();
/// let mine = desk
///     .portal(ada)
///     .open(NewTicket::new(
///         Requester::new(ada, "Ada").email("ada@example.com"),
///         Channel::Portal,
///         "Printer on floor 3 is down",
///         "It shows error E-42.",
///     ))
///     .await?;
/// assert_eq!(mine.status.as_str(), "new");
/// let sam = Actor::agent(AgentId::new(), [GroupId::new("service-desk")?]);
/// let ticket = desk.reply(&sam, mine.id, "On my way with a new toner.").await?;
/// assert_eq!(ticket.status.as_str(), "open");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct HelpDesk {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    notifier: Option<Arc<dyn Notifier>>,
    renderer: Arc<dyn Render>,
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
    /// The knowledge base's store, if the desk has one.
    knowledge: Option<Arc<dyn crate::store::KnowledgeStore>>,
    /// The knowledge base's settings.
    kb: crate::kb::KnowledgeConfig,
    /// Where metric rows are read (the store's commits write them); `None`:
    /// the desk keeps no rows.
    reports: Option<Arc<dyn crate::store::ReportStore>>,
    metric_rules: crate::report::MetricRules,
    spike_rule: crate::report::SpikeRule,
    /// The calendar business time is counted in without SLA policies.
    open_calendar: crate::BusinessCalendar,
    intake: crate::intake::IntakeConfig,
    /// The encrypting store around `store`, when a key provider is plugged in.
    privacy: Option<Arc<crate::privacy::EncryptedStore>>,
    /// Erasure of requesters' data outside tickets.
    erasure_hooks: Vec<Arc<dyn crate::privacy::ErasureHook>>,
    /// Retention policies for closed tickets.
    retention: Option<crate::privacy::RetentionConfig>,
    /// Whether staff reads of tickets are recorded (the access audit).
    audit_reads: bool,
    surveys: Option<surveys::Surveys>,
    /// Where attachment contents are kept apart from the store, if anywhere.
    attachment_store: Option<Arc<dyn crate::store::AttachmentStore>>,
}

impl HelpDesk {
    /// Starts a builder; every part has a default (in-memory store, system
    /// clock, default classifier and lifecycle, English wording, no notifier).
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

    /// The SLA configuration, if any.
    pub fn sla(&self) -> Option<&SlaConfig> {
        self.inner.sla.as_ref()
    }

    /// The escalation configuration, if any.
    pub fn escalation(&self) -> Option<&EscalationConfig> {
        self.inner.escalation.as_ref()
    }

    /// Writes the changed drafts, their schedules and notifications (and the
    /// command's idempotency record) atomically, then delivers the
    /// notifications. Returns every draft's final snapshot, in order.
    async fn write(&self, drafts: Vec<Draft>, key: Option<&str>) -> Result<Vec<Ticket>> {
        // Boxed: the write's state (drafts, the commit, the deliveries) is
        // large, and every future that awaits it would otherwise hold and
        // move it by value.
        Box::pin(self.write_inner(drafts, key, None)).await
    }

    /// [`write`](Self::write), storing the inbound message the drafts take
    /// in with them.
    async fn write_inbound(
        &self,
        drafts: Vec<Draft>,
        inbound: crate::store::InboundRecord,
    ) -> Result<Vec<Ticket>> {
        Box::pin(self.write_inner(drafts, None, Some(Box::new(inbound)))).await
    }

    async fn write_inner(
        &self,
        drafts: Vec<Draft>,
        key: Option<&str>,
        inbound: Option<Box<crate::store::InboundRecord>>,
    ) -> Result<Vec<Ticket>> {
        let mut tickets = Vec::with_capacity(drafts.len());
        let mut writes = Vec::with_capacity(drafts.len());
        let mut outbox = Vec::new();
        let mut at = None;
        for mut d in drafts {
            if !d.is_changed() {
                tickets.push(d.ticket);
                continue;
            }
            let derived = match d.take_derived() {
                Some(derived) => derived,
                None => self.derive(&mut d).await?,
            };
            let ctx = PlanContext {
                lifecycle: &self.inner.lifecycle,
                first_response: derived.first_response,
                time_zone: derived.time_zone.unwrap_or(chrono_tz::Tz::UTC),
            };
            outbox.extend(d.events.iter().flat_map(|e| plan(&d.ticket, e, ctx)));
            outbox.extend(self.survey_invitations(&d, ctx.time_zone));
            // A command happens at one instant: its drafts all carry it.
            at.get_or_insert(d.at);
            tickets.push(d.ticket.clone());
            let row = self.metric_row_of(&mut d).await?;
            let write = d.into_write(derived.schedule);
            writes.push(match row {
                Some(row) => write.metrics(row),
                None => write,
            });
        }
        let Some(now) = at else { return Ok(tickets) };
        let inline = self.inner.notifier.is_some() && !outbox.is_empty();
        let mut commit = Commit::tickets(writes)
            .outbox_not_before(inline.then(|| now + self.inner.retry.inline_lease));
        if let Some(key) = key {
            let versions = tickets.iter().map(|t| (t.id, t.version)).collect();
            commit = commit.command(CommandRecord::new(key, versions, now));
        }
        commit.inbound = inbound;
        let delivered = if inline { outbox.clone() } else { Vec::new() };
        self.inner.store.commit(commit.outbox(outbox)).await?;
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

    /// [`retrying`](Self::retrying) a command that may carry an idempotency
    /// `key`: a command already carried out under it is not run again, and
    /// its first result is returned.
    async fn once<F, Fut>(&self, key: Option<&str>, command: F) -> Result<Vec<Ticket>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Vec<Ticket>>>,
    {
        let Some(key) = key else {
            return self.retrying(command).await;
        };
        if let Some(done) = self.inner.store.command(key).await? {
            return self.replay(&done).await;
        }
        match self.retrying(command).await {
            // Another node carried out the same command first.
            Err(e) if e.kind() == ErrorKind::Duplicate => {
                match self.inner.store.command(key).await? {
                    Some(done) => self.replay(&done).await,
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    /// The tickets a command carried out before left them: each replayed up
    /// to the version the command gave it.
    async fn replay(&self, done: &CommandRecord) -> Result<Vec<Ticket>> {
        let mut out = Vec::with_capacity(done.tickets.len());
        for (id, version) in &done.tickets {
            let mut events = self.inner.store.timeline(*id).await?;
            events.truncate(usize::try_from(*version).unwrap_or(usize::MAX));
            out.push(Ticket::replay(&events)?);
        }
        Ok(out)
    }

    /// Runs `fut` in a span naming the command, the ticket and the actor's
    /// kind, and records its outcome (`ok` or the error's kind) on the span.
    async fn traced<T>(
        &self,
        command: &'static str,
        ticket: Option<TicketId>,
        actor: crate::ActorKind,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let span = tracing::info_span!(
            "helpdesk.command",
            command,
            ticket = ticket.map(tracing::field::display),
            actor = actor.as_str(),
            outcome = tracing::field::Empty,
        );
        // Boxed: the command's future is large, and moving it by value into
        // the span's wrapper copied it several times per command.
        let result = Box::pin(fut).instrument(span.clone()).await;
        match &result {
            Ok(_) => span.record("outcome", "ok"),
            Err(e) => span.record("outcome", tracing::field::debug(e.kind())),
        };
        result
    }
}

/// The one ticket of a command's result.
fn single(mut tickets: Vec<Ticket>) -> Result<Ticket> {
    tickets
        .drain(..)
        .next()
        .ok_or_else(|| Error::internal("a command returned no ticket"))
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
