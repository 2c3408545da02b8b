//! A month's report grouped by group and week over 100,000 metric rows
//! (`REPORT_ROWS` to change it): in SQL on an SQLite file (and on
//! PostgreSQL when `HELPDESK_TEST_POSTGRES_URL` is set), by the in-memory
//! fold, and, as the raw baseline, by reading every stored row out of
//! SQLite and folding them in Rust (what a store without pushed-down SQL
//! would do). All in the same run; every way gives the same report.

#![allow(missing_docs)] // criterion's macros generate undocumented functions

use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Span;
use criterion::{Criterion, criterion_group, criterion_main};
use helpdesk::prelude::*;
use helpdesk::report::{BucketSize, Dimension, MetricRow, ReportQuery, compute};
use helpdesk::store::conformance::reports::sample_row;
use helpdesk::store::conformance::{created, t0};
use helpdesk::store::{Commit, SqliteStore, TicketWrite};

/// Writes `n` tickets with sampled rows, 1,000 per commit.
async fn seed<S: TicketStore + ?Sized>(store: &S, n: u64) -> Vec<MetricRow> {
    let mut rows = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    let mut batch = Vec::new();
    for i in 0..n {
        let (t, e) = created(store.next_reference().await.expect("reference"), "Sampled");
        let row = sample_row(&t, i);
        batch.push(TicketWrite::new(t, vec![e], None).metrics(row.clone()));
        rows.push(row);
        if batch.len() == 1000 || i + 1 == n {
            store
                .commit(Commit::tickets(std::mem::take(&mut batch)))
                .await
                .expect("seed commit");
        }
    }
    rows
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let n: u64 = std::env::var("REPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = rt
        .block_on(SqliteStore::open(dir.path().join("report.db")))
        .expect("sqlite");
    let started = std::time::Instant::now();
    let rows = rt.block_on(seed(&sqlite, n));
    println!(
        "seeded {n} tickets with metric rows on SQLite in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let memory = Arc::new(helpdesk::InMemoryStore::new());
    rt.block_on(seed(memory.as_ref(), n));

    // A month (the sample spans three weeks from t0), by group and week.
    let query = ReportQuery::new(
        t0() - Span::days(3),
        t0() + Span::days(28),
        BucketSize::Week,
    )
    .group_by(Dimension::Group);
    let expected = compute(&rows, &query).expect("fold");
    assert_eq!(
        rt.block_on(sqlite.report(&query)).expect("sqlite report"),
        expected
    );
    assert_eq!(
        rt.block_on(memory.report(&query)).expect("memory report"),
        expected
    );

    #[cfg(feature = "postgres")]
    let postgres = std::env::var("HELPDESK_TEST_POSTGRES_URL").ok().map(|url| {
        let schema = format!("helpdesk_bench_{}", uuid::Uuid::now_v7().simple());
        let store = rt
            .block_on(helpdesk::store::PostgresStore::connect_with_schema(
                &url, &schema,
            ))
            .expect("postgres");
        rt.block_on(seed(&store, n));
        assert_eq!(
            rt.block_on(store.report(&query)).expect("pg report"),
            expected
        );
        (store, url, schema)
    });

    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("sqlite_sql", |b| {
        b.iter(|| rt.block_on(sqlite.report(&query)).expect("report"));
    });
    #[cfg(feature = "postgres")]
    if let Some((pg, _, _)) = &postgres {
        g.bench_function("postgres_sql", |b| {
            b.iter(|| rt.block_on(pg.report(&query)).expect("report"));
        });
    }
    g.bench_function("memory_fold", |b| {
        b.iter(|| rt.block_on(memory.report(&query)).expect("report"));
    });
    // The baseline: every row read out of SQLite and folded in Rust.
    let ids: Vec<helpdesk::TicketId> = rows.iter().map(|r| r.ticket_id).collect();
    g.bench_function("sqlite_read_all_rows_then_fold", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut all = Vec::with_capacity(ids.len());
                for id in &ids {
                    all.push(sqlite.metric_row(*id).await.expect("row").expect("stored"));
                }
                compute(&all, &query).expect("fold")
            })
        });
    });
    g.finish();

    #[cfg(feature = "postgres")]
    if let Some((pg, url, schema)) = postgres {
        rt.block_on(async {
            use sqlx::Connection;
            pg.close().await;
            let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA \"{schema}\" CASCADE"
            )))
            .execute(&mut conn)
            .await
            .expect("drop schema");
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
