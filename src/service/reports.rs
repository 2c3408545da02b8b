//! Reports on the desk: the metric row each commit writes, reports and
//! early warnings for staff, and the backfill of rows for tickets written
//! before the desk kept them.

use chrono::{DateTime, Duration, Utc};

use super::{Draft, HelpDesk};
use crate::access::Actor;
use crate::action::Action;
use crate::error::{Error, Result};
use crate::id::TicketId;
use crate::report::{MetricRow, Report, ReportQuery, RowContext, Spike, SpikeKey, spikes};
use crate::store::ReportStore;
use crate::ticket::{EventKind, TicketEvent};

/// What one [`HelpDesk::backfill_metrics`] call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Backfill {
    /// Tickets looked at (without a row when listed).
    pub scanned: usize,
    /// Rows written.
    pub written: u64,
    /// Where to continue: pass it to the next call. `None` when the batch
    /// was the last.
    pub next: Option<TicketId>,
}

impl HelpDesk {
    /// The report store, or the error saying the desk has none.
    pub(super) fn report_store(&self) -> Result<&dyn ReportStore> {
        self.inner.reports.as_deref().ok_or(Error::NotConfigured {
            what: "report store",
            how: "plug one with HelpDeskBuilder::reports (the SQL and in-memory stores are \
                      report stores)",
        })
    }

    /// The metric row of the draft's ticket after its events, for the
    /// commit; `None` when the desk keeps no rows (no report store).
    ///
    /// Continues the stored row with the draft's events
    /// ([`MetricRow::advance`]), so the cost follows the command and not
    /// the ticket's history; replays the whole timeline for a new ticket,
    /// a ticket without a row yet, or when the SLA policy (and so the
    /// calendar business time is counted in) changed. (`MetricRow`'s tests
    /// check the continued row against the replay at every split; a check
    /// here would also fire on a draft that loses a race, which the commit
    /// rejects anyway.)
    pub(super) async fn metric_row_of(&self, d: &mut Draft) -> Result<Option<MetricRow>> {
        let Some(reports) = &self.inner.reports else {
            return Ok(None);
        };
        let calendar = self
            .inner
            .sla
            .as_ref()
            .map_or(&self.inner.open_calendar, |sla| {
                sla.select(&d.ticket).calendar
            });
        let ctx =
            RowContext::new(&self.inner.lifecycle, calendar, d.at).rules(&self.inner.metric_rules);
        let previous = match d.base_version {
            None => None,
            Some(_) => reports.metric_row(d.ticket.id).await?,
        };
        let policy_changed = d
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::SlaPolicyApplied { .. }));
        if let Some(prev) = previous.filter(|_| !policy_changed) {
            let row = prev.advance(&d.ticket, &d.events, &ctx)?;
            return Ok(Some(row));
        }
        self.replayed_row(d, &ctx).await.map(Some)
    }

    /// The row of the draft's ticket from its whole timeline.
    async fn replayed_row(&self, d: &mut Draft, ctx: &RowContext<'_>) -> Result<MetricRow> {
        let stored = self.stored_timeline(d).await?;
        let events: Vec<TicketEvent> = stored
            .as_deref()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .chain(&d.events)
            .cloned()
            .collect();
        MetricRow::from_timeline(&events, ctx)
    }

    /// The report of `query`, computed by the store (in SQL on SQLite and
    /// PostgreSQL). Supervisors and admins may run any report; an agent
    /// only over their own groups (the query is limited to them, and a
    /// group filter naming another group is [`Error::Forbidden`]);
    /// requesters none.
    ///
    /// ```
    /// use helpdesk::report::{BucketSize, Dimension, Figure, ReportQuery};
    /// use helpdesk::{Actor, AgentId, Channel, CustomerId, HelpDesk, NewTicket, Requester};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let desk = HelpDesk::builder().build()?;
    /// let ada = CustomerId::new();
    /// desk.portal(ada).open(NewTicket::new(Requester::new(ada, "Ada"), Channel::Portal, "VPN", "Drops.")).await?;
    /// let now = desk.clock().now();
    /// let query = ReportQuery::new(now - chrono::Duration::days(7), now + chrono::Duration::days(1), BucketSize::Day)
    ///     .group_by(Dimension::Channel);
    /// let report = desk.report(&Actor::supervisor(AgentId::new()), &query).await?;
    /// assert_eq!(report.group_label(0), "portal");
    /// assert_eq!(report.series(0, Figure::Created).into_iter().flatten().sum::<f64>(), 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn report(&self, actor: &Actor, query: &ReportQuery) -> Result<Report> {
        let scoped = query.authorize(actor)?;
        self.traced(
            "report",
            None,
            actor.kind(),
            self.report_store()?.report(&scoped),
        )
        .await
    }

    /// Categories and organizations with unusually many new tickets in the
    /// window ending at `now`, by the desk's spike rule (`[spikes]` in the
    /// configuration, or [`SpikeRule::default`](crate::report::SpikeRule)),
    /// each with its tickets. Supervisors and admins only.
    pub async fn spikes(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<Spike<SpikeKey>>> {
        if !matches!(
            actor,
            Actor::Supervisor { .. } | Actor::Admin { .. } | Actor::System
        ) {
            return Err(Error::Forbidden {
                actor: actor.kind(),
                action: Action::RunReport,
                ticket: None,
            });
        }
        let rule = &self.inner.spike_rule;
        let since =
            now - Duration::weeks(i64::from(rule.baseline_weeks)) - rule.window.as_duration();
        let arrivals = self.report_store()?.arrivals(since).await?;
        Ok(spikes(arrivals, rule, now))
    }

    /// Writes metric rows for up to `limit` tickets that have none (those
    /// stored before the desk kept rows), from their timelines, after
    /// ticket `after` in id order. Resumable: call again with
    /// [`Backfill::next`] until it is `None`; a ticket a command changes
    /// meanwhile keeps the row that command wrote. Admins and the system
    /// only.
    pub async fn backfill_metrics(
        &self,
        actor: &Actor,
        after: Option<TicketId>,
        limit: usize,
    ) -> Result<Backfill> {
        actor.authorize(Action::Configure, None)?;
        let reports = self.report_store()?;
        let ids = reports.tickets_without_metrics(after, limit).await?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in &ids {
            let events = self.inner.store.timeline(*id).await?;
            let Some(last) = events.last() else { continue };
            let ticket = crate::Ticket::replay(&events)?;
            let calendar = self
                .inner
                .sla
                .as_ref()
                .map_or(&self.inner.open_calendar, |sla| {
                    super::derive::policy_for(sla, events.iter(), &ticket).calendar
                });
            let ctx = RowContext::new(&self.inner.lifecycle, calendar, last.at)
                .rules(&self.inner.metric_rules);
            rows.push(MetricRow::from_timeline(&events, &ctx)?);
        }
        let written = reports.backfill_metric_rows(rows).await?;
        Ok(Backfill {
            scanned: ids.len(),
            written,
            next: (ids.len() == limit).then(|| ids.last().copied()).flatten(),
        })
    }
}
