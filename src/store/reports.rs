//! The [`ReportStore`] port: the metric rows written with every commit,
//! and the reports and arrivals read from them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::error::{Error, Result};
use crate::id::{CustomerId, TicketId};
use crate::report::{Arrival, MetricRow, Report, ReportError, ReportQuery, SpikeKey};

/// The most rows one [`ReportStore::tickets_without_metrics`] call returns.
pub const MAX_BACKFILL_BATCH: usize = 1000;

/// Metric rows and the reports over them. See [`crate::report`].
///
/// The rows are written by the ticket store's
/// [`commit`](super::TicketStore::commit): a [`TicketWrite`](super::TicketWrite)
/// carrying [`metrics`](super::TicketWrite::metrics) replaces the ticket's
/// row in the same transaction as its snapshot and events, so a row never
/// describes a version that was not committed. A `ReportStore` reads the
/// rows its own back end's commits write.
///
/// [`report`](ReportStore::report) must give exactly what
/// [`report::compute`](crate::report::compute) gives over the stored rows
/// (the conformance suite and a property test check this): the SQL back
/// ends compute it in the database, the in-memory one folds.
#[async_trait]
pub trait ReportStore: Send + Sync + std::fmt::Debug {
    /// The row stored for a ticket.
    async fn metric_row(&self, id: TicketId) -> Result<Option<MetricRow>>;

    /// The report of the stored rows for `query` (validated here; an
    /// invalid query is [`Error::Validation`] naming the field).
    async fn report(&self, query: &ReportQuery) -> Result<Report>;

    /// Every ticket created at or after `since`, under its category and
    /// under its organization ([`report::arrivals`](crate::report::arrivals)
    /// of those rows), oldest first.
    async fn arrivals(&self, since: DateTime<Utc>) -> Result<Vec<Arrival<SpikeKey>>>;

    /// Up to `limit` (at most [`MAX_BACKFILL_BATCH`]) tickets without a
    /// metric row, in id order, after `after`: what a backfill still has
    /// to do.
    async fn tickets_without_metrics(
        &self,
        after: Option<TicketId>,
        limit: usize,
    ) -> Result<Vec<TicketId>>;

    /// Stores each row whose ticket exists and has no row yet, and returns
    /// how many were stored. A row already there (a commit wrote it since
    /// the backfill read the timeline) is kept: it is at least as new.
    async fn backfill_metric_rows(&self, rows: Vec<MetricRow>) -> Result<u64>;

    /// Records that `customer` asked to be sent no satisfaction surveys,
    /// at `at` (`Some`), or that they take them again (`None`). Opting out
    /// again keeps the first instant; opting in when not out does nothing.
    async fn set_survey_opt_out(
        &self,
        customer: CustomerId,
        at: Option<DateTime<Utc>>,
    ) -> Result<()>;

    /// Since when `customer` has opted out of surveys; `None` while they
    /// take them (the default for everyone).
    async fn survey_opt_out(&self, customer: CustomerId) -> Result<Option<DateTime<Utc>>>;
}

/// Checks a backfill batch size.
pub(crate) fn check_batch(limit: usize) -> Result<()> {
    if limit == 0 || limit > MAX_BACKFILL_BATCH {
        return Err(Error::validation(
            "limit",
            format!("{limit} is not within 1..={MAX_BACKFILL_BATCH}"),
        ));
    }
    Ok(())
}

impl From<ReportError> for Error {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Forbidden { actor } => Error::Forbidden {
                actor,
                action: Action::RunReport,
                ticket: None,
            },
            ReportError::BadCell { .. } => Error::internal(e.to_string()),
            other => Error::validation(other.field().unwrap_or("query"), other.to_string()),
        }
    }
}
