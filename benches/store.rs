//! SQL store overhead and listing speed.
//!
//! * `ticket_life/*`: insert a ticket and save it four times, through the
//!   `Store` and, as the peer, the same SQL statements issued directly with
//!   sqlx. The ratio `raw time / store time` is what the store keeps of the
//!   driver's throughput (target: at least 80%).
//! * `list_agent_queue/*`: the first page (50) of one agent's queue among
//!   100,000 tickets (target median: at most 5 ms).
//!
//! PostgreSQL runs when `HELPDESK_TEST_POSTGRES_URL` is set, in a schema of
//! its own that is dropped at the end. A summary with ratios and medians is
//! printed last.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use helpdesk::report::{MetricRow, RowContext};
use helpdesk::store::{Commit, SqliteStore, TicketFilter, TicketQuery, TicketWrite};
use helpdesk::ticket::{
    Channel, EventActor, EventKind, Lifecycle, Requester, StatusId, TicketCreated, TicketEvent,
};
use helpdesk::{
    AgentId, CustomerId, Impact, Priority, PriorityOrigin, Store, Ticket, TicketId, TicketRef,
    Urgency,
};
use sqlx::types::Json;
use tokio::runtime::Runtime;

fn created(reference: u64, assignee: Option<AgentId>) -> (Ticket, TicketEvent) {
    let customer = CustomerId::new();
    let event = TicketEvent::new(
        TicketId::new(),
        1,
        Utc.with_ymd_and_hms(2026, 3, 6, 9, 0, 0).unwrap(),
        EventActor::Requester(customer),
        EventKind::Created(Box::new(TicketCreated {
            reference: TicketRef(reference),
            subject: format!("VPN drops every hour ({reference})"),
            description: "Since Monday the VPN disconnects hourly.".into(),
            requester: Requester::new(customer, "Ada")
                .email("ada@example.com")
                .into(),
            channel: Channel::Email,
            category: Some("network/vpn".into()),
            tags: BTreeSet::from(["vpn".to_owned()]),
            fields: BTreeMap::new(),
            impact: Impact::Medium,
            urgency: Urgency::Medium,
            priority: Priority::Medium,
            priority_origin: PriorityOrigin::Matrix {
                impact: Impact::Medium,
                urgency: Urgency::Medium,
            },
            explanation: "matrix".into(),
            status: StatusId::new("new"),
            assignee,
            group: None,
            links: Vec::new(),
        })),
    );
    let ticket = Ticket::created(&event).unwrap();
    (ticket, event)
}

fn note(t: &mut Ticket) -> TicketEvent {
    let e = TicketEvent::new(
        t.id,
        t.version + 1,
        t.updated_at + chrono::Duration::seconds(1),
        EventActor::System,
        EventKind::InternalNote {
            body: "checked the logs".into(),
        },
    );
    t.apply(&e).unwrap();
    e
}

async fn life_via_store(store: &dyn Store) {
    let r = store.next_reference().await.unwrap();
    let (mut t, e) = created(r.0, None);
    store.insert(t.clone(), vec![e], vec![]).await.unwrap();
    for _ in 0..4 {
        let base = t.version;
        let e = note(&mut t);
        store.save(t.clone(), vec![e], base, vec![]).await.unwrap();
    }
}

/// The same life with the ticket's metric row written by every commit,
/// as the desk does when it has a report store. The row is replayed from
/// the creation once, outside the commits' work, so the difference to
/// [`life_via_store`] is the store writing rows (and their spans).
async fn life_with_metric_rows(store: &dyn Store, lifecycle: &Lifecycle) {
    let calendar = helpdesk::BusinessCalendar::always_open();
    let r = store.next_reference().await.unwrap();
    let (mut t, e) = created(r.0, None);
    let row = MetricRow::from_timeline(
        std::slice::from_ref(&e),
        &RowContext::new(lifecycle, &calendar, e.at),
    )
    .unwrap();
    store
        .commit(Commit::tickets(vec![
            TicketWrite::new(t.clone(), vec![e], None).metrics(row.clone()),
        ]))
        .await
        .unwrap();
    for _ in 0..4 {
        let base = t.version;
        let e = note(&mut t);
        store
            .commit(Commit::tickets(vec![
                TicketWrite::new(t.clone(), vec![e], Some(base)).metrics(row.clone()),
            ]))
            .await
            .unwrap();
    }
}

/// The statements `SqliteStore`/`PostgresStore` issue for the same life,
/// written directly against sqlx: the ticket row with its listing columns,
/// the events with their kind and instant, and the ticket's tags kept in
/// step. One macro body serves both drivers; `$time` turns an instant into
/// the database's column value.
macro_rules! raw_life {
    ($pool:expr, $begin:expr, $next_ref:expr, $id:expr, $id_ty:ty, $time:expr, $time_ty:ty) => {{
        let pool = $pool;
        let (last,): (i64,) = sqlx::query_as($next_ref).fetch_one(pool).await.unwrap();
        let (mut t, e) = created(last as u64, None);
        let tag = "vpn";
        let mut tx = pool.begin_with($begin).await.unwrap();
        sqlx::query(
            "INSERT INTO tickets (id, reference, status, group_id, assignee, priority, \
             requester_id, subject, subject_lower, snapshot, version, category_key, channel, \
             created_at, updated_at, priority_rank, next_deadline, sla_due, sla_policy) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19) ON CONFLICT DO NOTHING",
        )
        .bind($id(*t.id.as_uuid()))
        .bind(last)
        .bind(t.status.as_str())
        .bind(None::<String>)
        .bind(None::<$id_ty>)
        .bind(t.priority.as_str())
        .bind($id(*t.requester.id.as_uuid()))
        .bind(t.subject.as_str())
        .bind(t.subject.to_lowercase())
        .bind(Json(&t))
        .bind(1_i64)
        .bind(t.category.as_deref().map(str::to_ascii_lowercase))
        .bind("email")
        .bind($time(t.created_at))
        .bind($time(t.updated_at))
        .bind(2_i16)
        .bind(None::<$time_ty>)
        .bind(None::<$time_ty>)
        .bind(None::<String>)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query("INSERT INTO events (ticket_id, seq, kind, at, payload) VALUES ($1, $2, $3, $4, $5)")
            .bind($id(*t.id.as_uuid()))
            .bind(1_i64)
            .bind(e.kind.name())
            .bind($time(e.at))
            .bind(Json(&e))
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO ticket_tags (ticket_id, tag_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind($id(*t.id.as_uuid()))
        .bind(tag)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        for _ in 0..4 {
            let base = t.version as i64;
            let e = note(&mut t);
            let mut tx = pool.begin_with($begin).await.unwrap();
            let n = sqlx::query(
                "UPDATE tickets SET status = $3, group_id = $4, assignee = $5, priority = $6, \
                 requester_id = $7, subject = $8, subject_lower = $9, snapshot = $10, \
                 version = $11, category_key = $12, channel = $13, created_at = $14, \
                 updated_at = $15, priority_rank = $16 WHERE id = $1 AND version = $2",
            )
            .bind($id(*t.id.as_uuid()))
            .bind(base)
            .bind(t.status.as_str())
            .bind(None::<String>)
            .bind(None::<$id_ty>)
            .bind(t.priority.as_str())
            .bind($id(*t.requester.id.as_uuid()))
            .bind(t.subject.as_str())
            .bind(t.subject.to_lowercase())
            .bind(Json(&t))
            .bind(t.version as i64)
            .bind(t.category.as_deref().map(str::to_ascii_lowercase))
            .bind("email")
            .bind($time(t.created_at))
            .bind($time(t.updated_at))
            .bind(2_i16)
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected();
            assert_eq!(n, 1);
            sqlx::query("INSERT INTO events (ticket_id, seq, kind, at, payload) VALUES ($1, $2, $3, $4, $5)")
                .bind($id(*t.id.as_uuid()))
                .bind(e.seq as i64)
                .bind(e.kind.name())
                .bind($time(e.at))
                .bind(Json(&e))
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = $1 AND tag_key NOT IN ($2)")
                .bind($id(*t.id.as_uuid()))
                .bind(tag)
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO ticket_tags (ticket_id, tag_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind($id(*t.id.as_uuid()))
            .bind(tag)
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
    }};
}

async fn raw_life_sqlite(pool: &sqlx::SqlitePool) {
    raw_life!(
        pool,
        "BEGIN IMMEDIATE",
        "UPDATE ticket_reference SET last = last + 1 WHERE only_row = 1 RETURNING last",
        |u: uuid::Uuid| u.hyphenated(),
        uuid::fmt::Hyphenated,
        |t: chrono::DateTime<Utc>| t.timestamp_micros(),
        i64
    );
}

#[cfg(feature = "postgres")]
async fn raw_life_pg(pool: &sqlx::PgPool) {
    raw_life!(
        pool,
        "BEGIN",
        "SELECT nextval('ticket_reference')",
        |u: uuid::Uuid| u,
        uuid::Uuid,
        |t: chrono::DateTime<Utc>| t,
        chrono::DateTime<Utc>
    );
}

/// Fills a store with `n` tickets, every 20th for `agent`, in commits of 1000.
async fn fill(store: &dyn Store, n: u64, agent: AgentId) {
    let others: Vec<AgentId> = (0..19).map(|_| AgentId::new()).collect();
    for start in (0..n).step_by(1000) {
        let mut commit = Commit::default();
        for i in start..(start + 1000).min(n) {
            let who = if i % 20 == 0 {
                agent
            } else {
                others[(i % 19) as usize]
            };
            // Own references (far above the allocator's) spare 100k round trips.
            let (t, e) = created(10_000_000 + i, Some(who));
            commit.tickets.push(TicketWrite::new(t, vec![e], None));
        }
        store.commit(commit).await.unwrap();
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Median of `n` timed runs of `f`.
fn time_runs<F: std::future::Future<Output = ()>>(
    rt: &Runtime,
    n: usize,
    mut f: impl FnMut() -> F,
) -> Duration {
    median(
        (0..n)
            .map(|_| {
                let start = Instant::now();
                rt.block_on(f());
                start.elapsed()
            })
            .collect(),
    )
}

/// Medians of `n` timed runs each of `f` and `g`, taken in turns, so that
/// what drifts during the runs (the database's size and log, the machine's
/// other load) weighs on both alike.
#[allow(clippy::many_single_char_names)] // f and g as in the doc above
fn time_pairs<F, G>(
    rt: &Runtime,
    n: usize,
    mut f: impl FnMut() -> F,
    mut g: impl FnMut() -> G,
) -> (Duration, Duration)
where
    F: std::future::Future<Output = ()>,
    G: std::future::Future<Output = ()>,
{
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let start = Instant::now();
        rt.block_on(f());
        a.push(start.elapsed());
        let start = Instant::now();
        rt.block_on(g());
        b.push(start.elapsed());
    }
    (median(a), median(b))
}

type RawLife = Box<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>>;
type Cleanup = Box<dyn FnOnce(&Runtime)>;

struct Backend {
    name: &'static str,
    store: Box<dyn Store>,
    raw: RawLife,
    cleanup: Option<Cleanup>,
}

fn backends(rt: &Runtime, dir: &std::path::Path) -> Vec<Backend> {
    let path = dir.join("bench.db");
    let store = rt.block_on(SqliteStore::open(&path)).unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = rt
        .block_on(sqlx::sqlite::SqlitePoolOptions::new().connect_with(options))
        .unwrap();
    #[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
    let mut out = vec![Backend {
        name: "sqlite_file",
        store: Box::new(store),
        raw: Box::new(move || {
            let pool = pool.clone();
            Box::pin(async move { raw_life_sqlite(&pool).await })
        }),
        cleanup: None,
    }];
    #[cfg(feature = "postgres")]
    if let Ok(url) = std::env::var("HELPDESK_TEST_POSTGRES_URL") {
        use sqlx::Connection;
        let schema = format!("helpdesk_bench_{}", uuid::Uuid::now_v7().simple());
        let store = rt
            .block_on(helpdesk::store::PostgresStore::connect_with_schema(
                &url, &schema,
            ))
            .unwrap();
        let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
        let pool = rt
            .block_on(
                sqlx::postgres::PgPoolOptions::new()
                    .connect_with(options.options([("search_path", schema.as_str())])),
            )
            .unwrap();
        out.push(Backend {
            name: "postgres",
            store: Box::new(store),
            raw: Box::new(move || {
                let pool = pool.clone();
                Box::pin(async move { raw_life_pg(&pool).await })
            }),
            cleanup: Some(Box::new(move |rt: &Runtime| {
                rt.block_on(async {
                    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP SCHEMA \"{schema}\" CASCADE"
                    )))
                    .execute(&mut c)
                    .await
                    .unwrap();
                });
            })),
        });
    } else {
        eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: PostgreSQL is not measured");
    }
    out
}

fn bench(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let backends = backends(&rt, dir.path());
    let mut summary = Vec::new();

    let lifecycle = Lifecycle::default();
    let mut life = c.benchmark_group("ticket_life");
    for b in &backends {
        life.bench_function(format!("{}/store", b.name), |i| {
            i.iter(|| rt.block_on(life_via_store(&*b.store)));
        });
        life.bench_function(format!("{}/raw_sqlx", b.name), |i| {
            i.iter(|| rt.block_on((b.raw)()));
        });
        life.bench_function(format!("{}/store_with_metric_rows", b.name), |i| {
            i.iter(|| rt.block_on(life_with_metric_rows(&*b.store, &lifecycle)));
        });
    }
    life.finish();
    for b in &backends {
        let (store, raw) = time_pairs(&rt, 300, || life_via_store(&*b.store), || (b.raw)());
        summary.push(format!(
            "ticket_life {}: store median {:?}, raw sqlx median {:?}, throughput ratio store/raw {:.0}%",
            b.name,
            store,
            raw,
            100.0 * raw.as_secs_f64() / store.as_secs_f64()
        ));
        let (without, with) = time_pairs(
            &rt,
            300,
            || life_via_store(&*b.store),
            || life_with_metric_rows(&*b.store, &lifecycle),
        );
        summary.push(format!(
            "ticket_life {}: five commits without metric rows median {:?}, with {:?}: rows add {:+.1}%",
            b.name,
            without,
            with,
            100.0 * (with.as_secs_f64() / without.as_secs_f64() - 1.0)
        ));
    }

    let mut list = c.benchmark_group("list_agent_queue");
    for b in &backends {
        let agent = AgentId::new();
        let start = Instant::now();
        rt.block_on(fill(&*b.store, 100_000, agent));
        let filled = start.elapsed();
        let query = TicketQuery::new(TicketFilter::default().assignee(agent), 50);
        let page = rt.block_on(b.store.list(&query)).unwrap();
        assert_eq!(page.items.len(), 50);
        list.bench_function(format!("{}/first_page_50_of_100k", b.name), |i| {
            i.iter(|| rt.block_on(b.store.list(&query)).unwrap());
        });
        let med = time_runs(&rt, 500, || async {
            b.store.list(&query).await.unwrap();
        });
        summary.push(format!(
            "list_agent_queue {}: first page of 50 among 100,000 tickets, median {:?} (dataset built in {:?})",
            b.name, med, filled
        ));
    }
    list.finish();

    eprintln!(
        "\n== summary ({} logical CPUs) ==",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    for line in summary {
        eprintln!("{line}");
    }
    for b in backends {
        if let Some(cleanup) = b.cleanup {
            cleanup(&rt);
        }
    }
}

#[allow(missing_docs)]
mod group {
    use super::{Criterion, Duration, bench, criterion_group};
    criterion_group! {
        name = benches;
        config = Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .sample_size(30);
        targets = bench
    }
}

fn main() {
    group::benches();
    Criterion::default().configure_from_args().final_summary();
}
