//! [`ReportStore`] in memory: the rows in a map, reports by the fold.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryStore;
use crate::error::Result;
use crate::id::{CustomerId, TicketId};
use crate::report::{Arrival, MetricRow, Report, ReportQuery, SpikeKey, arrivals, compute};
use crate::store::ReportStore;
use crate::store::reports::check_batch;

#[async_trait]
impl ReportStore for InMemoryStore {
    async fn metric_row(&self, id: TicketId) -> Result<Option<MetricRow>> {
        Ok(self.lock().metrics.get(&id).cloned())
    }

    async fn report(&self, query: &ReportQuery) -> Result<Report> {
        query.validate()?;
        // Copied out so the fold runs without holding the store's lock.
        let rows: Vec<MetricRow> = self
            .lock()
            .metrics
            .values()
            .filter(|r| query.keeps(r))
            .cloned()
            .collect();
        Ok(compute(&rows, query)?)
    }

    async fn arrivals(&self, since: DateTime<Utc>) -> Result<Vec<Arrival<SpikeKey>>> {
        let mut rows: Vec<MetricRow> = self
            .lock()
            .metrics
            .values()
            .filter(|r| r.created_at >= since)
            .cloned()
            .collect();
        rows.sort_by_key(|r| (r.created_at, r.ticket_id));
        Ok(arrivals(&rows))
    }

    async fn tickets_without_metrics(
        &self,
        after: Option<TicketId>,
        limit: usize,
    ) -> Result<Vec<TicketId>> {
        check_batch(limit)?;
        let inner = self.lock();
        let from = match after {
            Some(a) => std::ops::Bound::Excluded(a),
            None => std::ops::Bound::Unbounded,
        };
        Ok(inner
            .order
            .range((from, std::ops::Bound::Unbounded))
            .filter(|id| !inner.metrics.contains_key(id))
            .take(limit)
            .copied()
            .collect())
    }

    async fn backfill_metric_rows(&self, rows: Vec<MetricRow>) -> Result<u64> {
        let mut inner = self.lock();
        let mut written = 0;
        for row in rows {
            if inner.tickets.contains_key(&row.ticket_id)
                && !inner.metrics.contains_key(&row.ticket_id)
            {
                inner.metrics.insert(row.ticket_id, row);
                written += 1;
            }
        }
        Ok(written)
    }

    async fn set_survey_opt_out(
        &self,
        customer: CustomerId,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let mut inner = self.lock();
        match at {
            Some(at) => {
                inner.survey_opt_outs.entry(customer).or_insert(at);
            }
            None => {
                inner.survey_opt_outs.remove(&customer);
            }
        }
        Ok(())
    }

    async fn survey_opt_out(&self, customer: CustomerId) -> Result<Option<DateTime<Utc>>> {
        Ok(self.lock().survey_opt_outs.get(&customer).copied())
    }
}
