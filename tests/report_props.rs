//! Memory, SQLite and PostgreSQL give identical reports: random metric
//! rows (`store::conformance::reports::sample_row`), random queries
//! (bucket size, time zone, period, grouping, filters), the same report
//! from the fold and from each database's SQL. PostgreSQL joins in when
//! `HELPDESK_TEST_POSTGRES_URL` is set.
#![cfg(all(feature = "sqlite", feature = "test-util"))]

use chrono::Duration;
use helpdesk::prelude::*;
use helpdesk::report::{BucketSize, Dimension, ReportQuery, compute};
use helpdesk::store::conformance::reports::sample_row;
use helpdesk::store::conformance::{created, t0};
use helpdesk::store::{Commit, TicketWrite};
use proptest::prelude::*;

fn query() -> impl Strategy<Value = ReportQuery> {
    let bucket = prop_oneof![
        Just(BucketSize::Hour),
        Just(BucketSize::Day),
        Just(BucketSize::Week),
        Just(BucketSize::Month),
    ];
    let tz = prop_oneof![
        Just(chrono_tz::Tz::UTC),
        Just(chrono_tz::America::New_York),
        Just(chrono_tz::Asia::Kolkata),
    ];
    let dims = proptest::sample::subsequence(Dimension::ALL.to_vec(), 0..=2);
    let filter = prop_oneof![
        Just(None),
        Just(Some((Dimension::Group, vec![Some("network-l1"), None]))),
        Just(Some((
            Dimension::Priority,
            vec![Some("high"), Some("critical")]
        ))),
        Just(Some((Dimension::Category, vec![Some("billing")]))),
    ];
    (bucket, tz, dims, filter, -3_i64..10, 1_i64..30).prop_map(
        |(bucket, tz, dims, filter, from_day, days)| {
            // Hours only over a few days, so a query stays within MAX_BUCKETS.
            let days = if bucket == BucketSize::Hour {
                days.min(3)
            } else {
                days
            };
            let from = t0() + Duration::days(from_day) + Duration::minutes(from_day * 37);
            let mut q = ReportQuery::new(from, from + Duration::days(days), bucket).time_zone(tz);
            for d in dims {
                q = q.group_by(d);
            }
            if let Some((d, values)) = filter {
                q = q.filter(d, values);
            }
            q
        },
    )
}

async fn load<S: TicketStore + ReportStore>(
    store: &S,
    n: u64,
    seed: u64,
) -> Vec<helpdesk::report::MetricRow> {
    let mut rows = Vec::new();
    for i in 0..n {
        let (t, e) = created(store.next_reference().await.unwrap(), "Sampled");
        let row = sample_row(&t, seed.wrapping_add(i));
        store
            .commit(Commit::tickets(vec![
                TicketWrite::new(t, vec![e], None).metrics(row.clone()),
            ]))
            .await
            .unwrap();
        rows.push(row);
    }
    rows
}

#[cfg(feature = "postgres")]
async fn on_postgres(n: u64, seed: u64, q: &ReportQuery) -> Option<helpdesk::report::Report> {
    use sqlx::Connection;
    let url = std::env::var("HELPDESK_TEST_POSTGRES_URL").ok()?;
    let schema = format!("helpdesk_test_{}", uuid::Uuid::now_v7().simple());
    let store = helpdesk::store::PostgresStore::connect_with_schema(&url, &schema)
        .await
        .unwrap();
    load(&store, n, seed).await;
    let report = store.report(q).await.unwrap();
    store.close().await;
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    Some(report)
}

#[cfg(not(feature = "postgres"))]
#[allow(clippy::unused_async)]
async fn on_postgres(_: u64, _: u64, _: &ReportQuery) -> Option<helpdesk::report::Report> {
    None
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn memory_sqlite_and_postgres_agree(n in 1_u64..40, seed in any::<u64>(), q in query()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let memory = helpdesk::InMemoryStore::new();
            let rows = load(&memory, n, seed).await;
            let expected = compute(&rows, &q).unwrap();
            prop_assert_eq!(&memory.report(&q).await.unwrap(), &expected);

            let sqlite = helpdesk::store::SqliteStore::in_memory().await.unwrap();
            load(&sqlite, n, seed).await;
            prop_assert_eq!(&sqlite.report(&q).await.unwrap(), &expected);

            if let Some(pg) = on_postgres(n, seed, &q).await {
                prop_assert_eq!(&pg, &expected);
            }
            Ok(())
        })?;
    }
}
