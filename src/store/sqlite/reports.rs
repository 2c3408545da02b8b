//! [`ReportStore`] on SQLite: the metric rows in `metric_rows` and
//! `metric_spans`, reports in SQL (see `store::report_sql`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Row, SqliteConnection};

use super::{SqliteStore, instant, micros, text_id};
use crate::error::{Error, Result};
use crate::id::{CustomerId, TicketId};
use crate::report::{Arrival, MetricRow, Report, ReportQuery, SpikeKey};
use crate::store::ReportStore;
use crate::store::report_sql::{
    ARRIVALS, CellRow, DELETE_METRIC_SPANS, Dialect, INSERT_METRIC_ROW, INSERT_METRIC_SPAN,
    LOAD_METRIC_ROW, OPT_IN, OPT_OUT, OPTED_OUT_AT, TICKET_EXISTS, UPSERT_METRIC_BODY,
    UPSERT_METRIC_ROW, Value, WITHOUT_METRICS, WITHOUT_METRICS_AFTER, assemble, metric_spans,
    metric_values, report_statements,
};
use crate::store::reports::check_batch;
use crate::store::sql_common::{Arg, db, to_i64};

/// Writes `row` (with its spans) in the commit's transaction: replaces the
/// stored one when `replace`, else only when the ticket has none. Returns
/// whether it was written.
pub(super) async fn write_row(
    conn: &mut SqliteConnection,
    row: &MetricRow,
    replace: bool,
) -> Result<bool> {
    let id = text_id(row.ticket_id.as_uuid());
    let sql = if replace {
        UPSERT_METRIC_ROW.as_str()
    } else {
        INSERT_METRIC_ROW.as_str()
    };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
    for v in metric_values(row) {
        q = match v {
            Value::Text(t) => q.bind(t),
            Value::Int(i) => q.bind(i),
        };
    }
    let written = q
        .execute(&mut *conn)
        .await
        .map_err(db("writing a metric row"))?
        .rows_affected();
    if written == 0 {
        return Ok(false);
    }
    sqlx::query(UPSERT_METRIC_BODY)
        .bind(id)
        .bind(Json(row))
        .execute(&mut *conn)
        .await
        .map_err(db("writing a metric row"))?;
    sqlx::query(DELETE_METRIC_SPANS)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db("writing a metric row"))?;
    for (n, from, until) in metric_spans(row) {
        sqlx::query(INSERT_METRIC_SPAN)
            .bind(id)
            .bind(n)
            .bind(from)
            .bind(until)
            .execute(&mut *conn)
            .await
            .map_err(db("writing a metric row"))?;
    }
    Ok(true)
}

#[async_trait]
impl ReportStore for SqliteStore {
    async fn metric_row(&self, id: TicketId) -> Result<Option<MetricRow>> {
        let row: Option<(Json<MetricRow>,)> = sqlx::query_as(LOAD_METRIC_ROW)
            .bind(text_id(id.as_uuid()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db("loading a metric row"))?;
        Ok(row.map(|(r,)| r.0))
    }

    async fn report(&self, query: &ReportQuery) -> Result<Report> {
        query.validate()?;
        let statements = report_statements(query, Dialect::Sqlite)?;
        let dims = query.group_by.len();
        // One read transaction: every statement sees the same rows.
        let mut tx = self.pool.begin().await.map_err(db("starting a report"))?;
        let mut results = Vec::with_capacity(statements.len());
        for s in statements {
            let q =
                s.args.iter().fold(
                    sqlx::query(sqlx::AssertSqlSafe(s.sql.as_str())),
                    |q, a| match a {
                        Arg::Text(t) => q.bind(t.as_str()),
                        Arg::Int(i) => q.bind(*i),
                        _ => q,
                    },
                );
            let rows = q
                .fetch_all(&mut *tx)
                .await
                .map_err(db("running a report"))?;
            let mut cells = Vec::with_capacity(rows.len());
            for r in rows {
                let get_err = db("reading a report");
                let bucket: i64 = r.try_get(0).map_err(get_err)?;
                let mut key = Vec::with_capacity(dims);
                for k in 0..dims {
                    key.push(
                        r.try_get::<Option<String>, _>(1 + k)
                            .map_err(db("reading a report"))?,
                    );
                }
                let mut ints = Vec::with_capacity(s.ints);
                for k in 0..s.ints {
                    ints.push(
                        r.try_get::<Option<i64>, _>(1 + dims + k)
                            .map_err(db("reading a report"))?,
                    );
                }
                cells.push(CellRow {
                    bucket,
                    key,
                    ints,
                    floats: Vec::new(),
                });
            }
            results.push((s.part, cells));
        }
        tx.commit().await.map_err(db("ending a report"))?;
        assemble(query, Dialect::Sqlite, results)
    }

    async fn arrivals(&self, since: DateTime<Utc>) -> Result<Vec<Arrival<SpikeKey>>> {
        let rows: Vec<(String, i64, Option<String>, Option<String>)> = sqlx::query_as(ARRIVALS)
            .bind(micros(since))
            .fetch_all(&self.pool)
            .await
            .map_err(db("reading arrivals"))?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, at, category, organization) in rows {
            let ticket: TicketId = id
                .parse()
                .map_err(|_| Error::corrupt(format!("stored ticket id `{id}`"), None))?;
            let at = instant(at)?;
            if let Some(c) = category {
                out.push(Arrival {
                    key: SpikeKey::Category(c),
                    at,
                    ticket,
                });
            }
            if let Some(o) = organization {
                out.push(Arrival {
                    key: SpikeKey::Organization(o),
                    at,
                    ticket,
                });
            }
        }
        Ok(out)
    }

    async fn tickets_without_metrics(
        &self,
        after: Option<TicketId>,
        limit: usize,
    ) -> Result<Vec<TicketId>> {
        check_batch(limit)?;
        let limit = to_i64(limit as u64, "limit")?;
        let rows: Vec<(String,)> = match after {
            Some(a) => {
                sqlx::query_as(WITHOUT_METRICS_AFTER)
                    .bind(text_id(a.as_uuid()))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query_as(WITHOUT_METRICS)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(db("listing tickets without metric rows"))?;
        rows.into_iter()
            .map(|(id,)| {
                id.parse()
                    .map_err(|_| Error::corrupt(format!("stored ticket id `{id}`"), None))
            })
            .collect()
    }

    async fn backfill_metric_rows(&self, rows: Vec<MetricRow>) -> Result<u64> {
        let mut tx = self
            .pool
            .begin_with(super::BEGIN_WRITE)
            .await
            .map_err(db("starting a transaction"))?;
        let mut written = 0;
        for row in &rows {
            let (exists,): (i64,) = sqlx::query_as(TICKET_EXISTS)
                .bind(text_id(row.ticket_id.as_uuid()))
                .fetch_one(&mut *tx)
                .await
                .map_err(db("backfilling metric rows"))?;
            if exists > 0 && write_row(&mut tx, row, false).await? {
                written += 1;
            }
        }
        tx.commit().await.map_err(db("committing"))?;
        Ok(written)
    }

    async fn set_survey_opt_out(
        &self,
        customer: CustomerId,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let id = text_id(customer.as_uuid());
        match at {
            Some(at) => sqlx::query(OPT_OUT).bind(id).bind(at.timestamp_micros()),
            None => sqlx::query(OPT_IN).bind(id),
        }
        .execute(&self.pool)
        .await
        .map_err(db("recording a survey opt-out"))?;
        Ok(())
    }

    async fn survey_opt_out(&self, customer: CustomerId) -> Result<Option<DateTime<Utc>>> {
        let row: Option<(i64,)> = sqlx::query_as(OPTED_OUT_AT)
            .bind(text_id(customer.as_uuid()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a survey opt-out"))?;
        row.map(|(at,)| instant(at)).transpose()
    }
}
