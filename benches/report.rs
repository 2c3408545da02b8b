//! A month's report grouped by group and week over 1,000,000 tickets'
//! metric rows (`REPORT_ROWS` to change it): in SQL on an SQLite file and
//! on PostgreSQL (when `HELPDESK_TEST_POSTGRES_URL` is set), by the
//! in-memory fold over the same rows, and, as the baseline, by loading
//! every ticket and replaying its timeline into a metric row before
//! folding (what a desk without metric rows would do). All in one run;
//! the SQL reports are checked equal to the fold first.
//!
//! Seeding: the 1,000,000 rows (and their unresolved spans) are written
//! in bulk straight into `metric_rows` and `metric_spans`, with foreign
//! keys off (the report reads no other table), because writing a million
//! tickets through the store would take most of an hour. Replaying a
//! million full tickets would too, so the replay is measured on
//! `REPLAY_TICKETS` (2,000) real tickets, each a six-command life through
//! `HelpDesk` on SQLite, and scaled linearly to the row count: the
//! output says so.

#![allow(missing_docs)] // criterion's macros generate undocumented functions

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use criterion::{Criterion, criterion_group, criterion_main};
use helpdesk::prelude::*;
use helpdesk::report::{
    BucketSize, Dimension, MetricRow, Report, ReportQuery, RowContext, compute,
};
use helpdesk::store::conformance::reports::sample_row;
use helpdesk::store::conformance::{created, t0};
use helpdesk::store::{ReportStore, SqliteStore};
use helpdesk::survey::Score;
use helpdesk::{Actor, AgentId, BusinessCalendar, Channel, CustomerId, GroupId, HelpDesk};
use helpdesk::{NewTicket, Requester, TicketId, TicketRef};

/// Rows per bulk statement.
const CHUNK: usize = 1000;

/// The sampled rows of `n` tickets (ids fresh, references from 1).
fn rows(n: u64) -> Vec<MetricRow> {
    (0..n)
        .map(|i| {
            let reference = TicketRef(i + 1);
            let (t, _) = created(reference, "Sampled");
            sample_row(&t, i)
        })
        .collect()
}

/// A row's columns as the store writes them (`store::report_sql`), in
/// `metric_rows`' order after the ticket id: dimensions, instants, then
/// the figures' integers. The report asserted equal to the fold below
/// checks this copy of the mapping.
fn columns(row: &MetricRow) -> (Vec<Option<String>>, Vec<Option<i64>>) {
    let micros = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp_micros());
    let (scale, value) = match row.rating {
        None => (None, None),
        Some(Score::Good) => (Some("good_bad"), Some(1)),
        Some(Score::Bad) => (Some("good_bad"), Some(0)),
        Some(Score::Stars(v)) => (Some("stars"), Some(i64::from(v))),
        Some(Score::Nps(v)) => (Some("nps"), Some(i64::from(v))),
        Some(Score::Ces(v)) => (Some("ces"), Some(i64::from(v))),
    };
    let mut texts: Vec<Option<String>> = [
        Dimension::Group,
        Dimension::Agent,
        Dimension::Channel,
        Dimension::Category,
        Dimension::Priority,
        Dimension::Organization,
    ]
    .map(|d| d.value(row))
    .into();
    texts.push(scale.map(str::to_owned));
    let mut ints = vec![
        Some(row.created_at.timestamp_micros()),
        micros(row.latest_resolved_at.filter(|_| row.resolved)),
        row.first_reply.map(|e| e.calendar_secs),
        row.first_reply.map(|e| e.business_secs),
        row.full_resolution.map(|e| e.calendar_secs),
        row.full_resolution.map(|e| e.business_secs),
        Some(i64::from(row.one_touch())),
        Some(i64::from(row.reopens > 0)),
    ];
    ints.extend(row.sla.iter().map(|c| Some(i64::from(c.met))));
    ints.extend(row.sla.iter().map(|c| Some(i64::from(c.breached))));
    ints.extend([
        value,
        micros(row.rated_at.filter(|_| row.rating.is_some())),
        micros(row.survey_sent_at),
        Some(i64::from(row.survey_answered())),
    ]);
    (texts, ints)
}

/// `metric_rows`' columns in the order [`columns`] gives them.
const INSERT_ROWS: &str = "INSERT INTO metric_rows (ticket_id, group_id, agent, channel, \
     category, priority, organization, rating_scale, created_at, resolved_at, first_reply_cal, \
     first_reply_bus, full_resolution_cal, full_resolution_bus, one_touch, reopened, sla_met_0, \
     sla_met_1, sla_met_2, sla_met_3, sla_breached_0, sla_breached_1, sla_breached_2, \
     sla_breached_3, rating_value, rated_at, survey_sent_at, survey_answered)";

/// Writes `rows` and their spans into the SQLite file at `path`.
async fn bulk_sqlite(path: &std::path::Path, rows: &[MetricRow]) {
    use sqlx::Connection;
    use sqlx::sqlite::SqliteConnectOptions;
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(false);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts)
        .await
        .expect("connect");
    let mut tx = conn.begin().await.expect("begin");
    for chunk in rows.chunks(CHUNK) {
        let one = format!("({})", vec!["?"; 28].join(", "));
        let sql = format!("{INSERT_ROWS} VALUES {}", vec![one; chunk.len()].join(", "));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            let (texts, ints) = columns(row);
            q = q.bind(row.ticket_id.as_uuid().hyphenated().to_string());
            for t in texts {
                q = q.bind(t);
            }
            for i in ints {
                q = q.bind(i);
            }
        }
        q.execute(&mut *tx).await.expect("insert rows");
        let spans: Vec<_> = chunk
            .iter()
            .flat_map(|r| (0_i64..).zip(&r.unresolved).map(move |(n, s)| (r, n, s)))
            .collect();
        let sql = format!(
            "INSERT INTO metric_spans (ticket_id, n, from_at, until_at) VALUES {}",
            vec!["(?, ?, ?, ?)"; spans.len()].join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (r, n, s) in spans {
            q = q
                .bind(r.ticket_id.as_uuid().hyphenated().to_string())
                .bind(n)
                .bind(s.from.timestamp_micros())
                .bind(s.until.map(|u| u.timestamp_micros()));
        }
        q.execute(&mut *tx).await.expect("insert spans");
    }
    tx.commit().await.expect("commit");
    sqlx::query("ANALYZE")
        .execute(&mut conn)
        .await
        .expect("analyze");
}

/// Writes `rows` and their spans into schema `schema` on PostgreSQL, a
/// column array per statement (`UNNEST`), foreign-key triggers off.
#[cfg(feature = "postgres")]
async fn bulk_postgres(url: &str, schema: &str, rows: &[MetricRow]) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET search_path TO \"{schema}\""
    )))
    .execute(&mut conn)
    .await
    .expect("search path");
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut conn)
        .await
        .expect("replica role");
    let mut tx = conn.begin().await.expect("begin");
    let unnest = {
        let mut casts = vec!["$1::uuid[]".to_owned()];
        casts.extend((2..=8).map(|i| format!("${i}::text[]")));
        casts.extend((9..=28).map(|i| format!("${i}::int8[]")));
        format!("{INSERT_ROWS} SELECT * FROM UNNEST({})", casts.join(", "))
    };
    // The INTEGER columns take int8 arrays through an implicit cast.
    for chunk in rows.chunks(CHUNK * 10) {
        let mut texts: Vec<Vec<Option<String>>> = vec![Vec::new(); 7];
        let mut ints: Vec<Vec<Option<i64>>> = vec![Vec::new(); 20];
        let ids: Vec<uuid::Uuid> = chunk.iter().map(|r| *r.ticket_id.as_uuid()).collect();
        for row in chunk {
            let (t, i) = columns(row);
            for (col, v) in texts.iter_mut().zip(t) {
                col.push(v);
            }
            for (col, v) in ints.iter_mut().zip(i) {
                col.push(v);
            }
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(unnest.as_str())).bind(ids);
        for col in texts {
            q = q.bind(col);
        }
        for col in ints {
            q = q.bind(col);
        }
        q.execute(&mut *tx).await.expect("insert rows");
        let (mut id, mut n, mut from, mut until) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in chunk {
            for (k, s) in (0_i32..).zip(&r.unresolved) {
                id.push(*r.ticket_id.as_uuid());
                n.push(k);
                from.push(s.from.timestamp_micros());
                until.push(s.until.map(|u| u.timestamp_micros()));
            }
        }
        sqlx::query(
            "INSERT INTO metric_spans (ticket_id, n, from_at, until_at) \
             SELECT * FROM UNNEST($1::uuid[], $2::int4[], $3::int8[], $4::int8[])",
        )
        .bind(id)
        .bind(n)
        .bind(from)
        .bind(until)
        .execute(&mut *tx)
        .await
        .expect("insert spans");
    }
    tx.commit().await.expect("commit");
    sqlx::query("VACUUM ANALYZE metric_rows")
        .execute(&mut conn)
        .await
        .expect("vacuum");
    sqlx::query("VACUUM ANALYZE metric_spans")
        .execute(&mut conn)
        .await
        .expect("vacuum");
}

/// `runs` timings of `f` (seconds), and their median.
fn median(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// A six-command ticket life through the desk (as `benches/desk.rs`).
async fn life(
    desk: &HelpDesk,
    requester: &Requester,
    agent: &Actor,
    group: &GroupId,
    i: u64,
) -> TicketId {
    let customer = desk.portal(requester.id);
    let channel = [Channel::Email, Channel::Portal, Channel::Phone]
        [usize::try_from(i % 3).unwrap_or(0)]
    .clone();
    let t = customer
        .open(
            NewTicket::new(
                requester.clone(),
                channel.clone(),
                "VPN drops every hour",
                "Since Monday.",
            )
            .group(group.clone()),
        )
        .await
        .expect("open");
    customer
        .message(t.id, "It happened again at 10:00", channel.clone())
        .await
        .expect("message");
    desk.reply(agent, t.id, "Please send the client log")
        .await
        .expect("reply");
    customer
        .message(t.id, "Log attached", channel)
        .await
        .expect("message");
    desk.reply(agent, t.id, "Fixed: new VPN profile pushed")
        .await
        .expect("reply");
    if !i.is_multiple_of(3) {
        desk.transition(agent, t.id, "resolved", Some("profile updated"))
            .await
            .expect("resolve");
    }
    t.id
}

/// The replay baseline: every ticket loaded with its timeline, replayed
/// into a metric row, and the rows folded.
async fn replay(
    store: &SqliteStore,
    ids: &[TicketId],
    desk: &HelpDesk,
    calendar: &BusinessCalendar,
    query: &ReportQuery,
) -> Report {
    let as_of = desk.clock().now();
    let ctx = RowContext::new(desk.lifecycle(), calendar, as_of);
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        store.load(*id).await.expect("load").expect("stored");
        let events = store.timeline(*id).await.expect("timeline");
        rows.push(MetricRow::from_timeline(&events, &ctx).expect("replay"));
    }
    compute(&rows, query).expect("fold")
}

#[allow(clippy::cast_precision_loss, clippy::too_many_lines)]
fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = env("REPORT_ROWS", 1_000_000);
    let sample = env("REPLAY_TICKETS", 2_000);
    let dir = tempfile::tempdir().expect("tempdir");

    // A month (the rows span three weeks from t0), by group and week.
    let query = ReportQuery::new(
        t0() - Span::days(3),
        t0() + Span::days(28),
        BucketSize::Week,
    )
    .group_by(Dimension::Group);
    let started = Instant::now();
    let rows = rows(n);
    let expected = compute(&rows, &query).expect("fold");
    println!(
        "generated {n} metric rows and folded them in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let path = dir.path().join("report.db");
    let sqlite = rt.block_on(SqliteStore::open(&path)).expect("sqlite");
    let started = Instant::now();
    rt.block_on(bulk_sqlite(&path, &rows));
    println!(
        "wrote {n} metric rows to SQLite in bulk in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        rt.block_on(sqlite.report(&query)).expect("sqlite report"),
        expected,
        "SQLite's report differs from the fold"
    );

    #[cfg(feature = "postgres")]
    let postgres = std::env::var("HELPDESK_TEST_POSTGRES_URL").ok().map(|url| {
        let schema = format!("helpdesk_bench_{}", uuid::Uuid::now_v7().simple());
        let store = rt
            .block_on(helpdesk::store::PostgresStore::connect_with_schema(
                &url, &schema,
            ))
            .expect("postgres");
        let started = Instant::now();
        rt.block_on(bulk_postgres(&url, &schema, &rows));
        println!(
            "wrote {n} metric rows to PostgreSQL in bulk in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        assert_eq!(
            rt.block_on(store.report(&query)).expect("pg report"),
            expected,
            "PostgreSQL's report differs from the fold"
        );
        (store, url, schema)
    });

    // The replay sample: real tickets through the desk on SQLite.
    let replay_store = Arc::new(
        rt.block_on(SqliteStore::open(dir.path().join("replay.db")))
            .expect("sqlite"),
    );
    let desk = HelpDesk::builder()
        .backend(replay_store.clone())
        .build()
        .expect("desk");
    let group = GroupId::new("network-l1").expect("group");
    let agent = Actor::agent(AgentId::new(), [group.clone()]);
    let requester = Requester::new(CustomerId::new(), "Ada").email("ada@example.com");
    let started = Instant::now();
    let from = desk.clock().now() - Span::days(1);
    let ids: Vec<TicketId> = rt.block_on(async {
        let mut ids = Vec::new();
        for i in 0..sample {
            ids.push(life(&desk, &requester, &agent, &group, i).await);
        }
        ids
    });
    println!(
        "played {sample} six-command ticket lives on SQLite in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let replay_query =
        ReportQuery::new(from, from + Span::days(28), BucketSize::Week).group_by(Dimension::Group);
    let calendar = BusinessCalendar::always_open();
    let replayed = rt.block_on(replay(&replay_store, &ids, &desk, &calendar, &replay_query));
    assert_eq!(
        replayed,
        rt.block_on(replay_store.report(&replay_query))
            .expect("replay sample's report"),
        "the replay's report differs from the stored rows'"
    );

    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
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
        b.iter(|| compute(&rows, &query).expect("fold"));
    });
    g.bench_function("replay_sample", |b| {
        b.iter(|| rt.block_on(replay(&replay_store, &ids, &desk, &calendar, &replay_query)));
    });
    g.finish();

    // The summary: medians of a few more runs, the replay scaled.
    let sqlite_s = median(5, || {
        rt.block_on(sqlite.report(&query)).expect("report");
    });
    let replay_s = median(3, || {
        rt.block_on(replay(&replay_store, &ids, &desk, &calendar, &replay_query));
    }) * n as f64
        / ids.len() as f64;
    println!(
        "summary over {n} rows: SQLite SQL {sqlite_s:.3} s; replay of {} tickets scaled \
         linearly to {n}: {replay_s:.1} s; SQLite {:.0}x faster",
        ids.len(),
        replay_s / sqlite_s
    );
    #[cfg(feature = "postgres")]
    if let Some((pg, url, schema)) = postgres {
        let pg_s = median(5, || {
            rt.block_on(pg.report(&query)).expect("report");
        });
        println!(
            "summary over {n} rows: PostgreSQL SQL {pg_s:.3} s; {:.0}x faster than the replay",
            replay_s / pg_s
        );
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
