//! Reliability of the SQL stores: concurrent writers, a killed process,
//! many nodes claiming due work, and bad connection input.
//!
//! PostgreSQL tests read `HELPDESK_TEST_POSTGRES_URL` and are skipped with a
//! note when it is unset; each uses its own schema and drops it (the schema
//! of a test that panicked is swept by the conformance suite an hour later).
#![cfg(all(feature = "sqlite", feature = "test-util"))]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chrono::Duration;
use helpdesk::prelude::*;
use helpdesk::store::conformance::{created, note, notification, t0, write};
use helpdesk::store::{Commit, SqliteStore};
use helpdesk::{Error, Store, TicketId};
use sqlx::{Connection, SqliteConnection};

const WRITERS: usize = 8;
const UPDATES: usize = 200;

/// Applies `UPDATES` notes to `id`, reloading and retrying on conflict.
async fn hammer(store: &dyn Store, id: TicketId, writer: usize) -> usize {
    let mut done = 0;
    while done < UPDATES {
        let mut t = store.load(id).await.unwrap().unwrap();
        let base = t.version;
        let e = note(&mut t, &format!("writer {writer} update {done}"));
        match store.save(t, vec![e], base, vec![]).await {
            Ok(()) => done += 1,
            Err(e) if e.is_conflict() => {}
            Err(e) => panic!("writer {writer}: {e}"),
        }
    }
    done
}

/// Runs the writers on their own store handles and checks nothing was lost
/// or duplicated.
async fn lost_updates(stores: Vec<std::sync::Arc<dyn Store>>) {
    let (t, e) = created(stores[0].next_reference().await.unwrap(), "contended");
    stores[0].insert(t.clone(), vec![e], vec![]).await.unwrap();
    let tasks: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let s = s.clone();
            tokio::spawn(async move { hammer(&*s, t.id, i).await })
        })
        .collect();
    let mut commits = 1;
    for task in tasks {
        commits += task.await.unwrap();
    }
    assert_eq!(commits, 1 + WRITERS * UPDATES);
    let final_ticket = stores[0].load(t.id).await.unwrap().unwrap();
    assert_eq!(final_ticket.version as usize, commits);
    let timeline = stores[0].timeline(t.id).await.unwrap();
    assert_eq!(timeline.len(), commits);
    assert!(
        timeline
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq as usize == i + 1)
    );
    assert_eq!(helpdesk::Ticket::replay(&timeline).unwrap(), final_ticket);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    // Opened all at once on a new file: they race to create the schema.
    let opening: Vec<_> = (0..WRITERS)
        .map(|_| tokio::spawn(SqliteStore::open(path.clone())))
        .collect();
    let mut stores: Vec<std::sync::Arc<dyn Store>> = Vec::new();
    for o in opening {
        stores.push(std::sync::Arc::new(o.await.unwrap().unwrap()));
    }
    lost_updates(stores).await;
}

#[cfg(feature = "postgres")]
mod pg {
    use super::*;
    use helpdesk::store::PostgresStore;

    pub(super) fn url() -> Option<String> {
        let url = std::env::var("HELPDESK_TEST_POSTGRES_URL").ok();
        if url.is_none() {
            eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: skipping a PostgreSQL test");
        }
        url
    }

    pub(super) fn schema() -> String {
        format!("helpdesk_rel_{}", uuid::Uuid::now_v7().simple())
    }

    pub(super) async fn drop_schema(url: &str, schema: &str) {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA \"{schema}\" CASCADE"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres_concurrent_writers_lose_nothing() {
        let Some(url) = url() else { return };
        let schema = schema();
        let mut stores: Vec<std::sync::Arc<dyn Store>> = Vec::new();
        for _ in 0..WRITERS {
            stores.push(std::sync::Arc::new(
                PostgresStore::connect_with_schema(&url, &schema)
                    .await
                    .unwrap(),
            ));
        }
        lost_updates(stores).await;
        drop_schema(&url, &schema).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres_nodes_claim_each_due_ticket_once() {
        let Some(url) = url() else { return };
        let schema = schema();
        let first = PostgresStore::connect_with_schema(&url, &schema)
            .await
            .unwrap();
        let mut expected = HashSet::new();
        for batch in 0..10 {
            let mut commit = Commit::default();
            for i in 0..100 {
                let (t, e) = created(
                    first.next_reference().await.unwrap(),
                    &format!("due {batch}/{i}"),
                );
                expected.insert(t.id);
                commit
                    .tickets
                    .push(write(&t, vec![e], None, Some(t0() + Duration::seconds(i))));
            }
            first.commit(commit).await.unwrap();
        }
        let mut nodes = vec![first];
        for _ in 1..4 {
            nodes.push(
                PostgresStore::connect_with_schema(&url, &schema)
                    .await
                    .unwrap(),
            );
        }
        let now = t0() + Duration::hours(1);
        let tasks: Vec<_> = nodes
            .iter()
            .map(|node| {
                let node = node.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let got = node
                            .claim_due(now, 25, now + Duration::minutes(5))
                            .await
                            .unwrap();
                        if got.is_empty() {
                            return mine;
                        }
                        mine.extend(got);
                    }
                })
            })
            .collect();
        let mut seen = HashSet::new();
        let mut per_node = Vec::new();
        for task in tasks {
            let mine = task.await.unwrap();
            per_node.push(mine.len());
            for id in mine {
                assert!(seen.insert(id), "ticket {id} was claimed twice");
            }
        }
        assert_eq!(seen, expected, "claims per node: {per_node:?}");
        drop_schema(&url, &schema).await;
    }

    #[tokio::test]
    async fn postgres_down_or_unknown_database_is_a_store_error() {
        for url in [
            "postgres://postgres@127.0.0.1:1/test".to_owned(),
            "postgres://postgres:wrong@127.0.0.1:5432/helpdesk_no_such_database".to_owned(),
        ] {
            match PostgresStore::connect(&url).await {
                Err(e @ Error::Store { .. }) => {
                    assert!(e.cause().is_some(), "{e}: the cause is kept");
                }
                other => panic!("{url}: expected a store error, got {other:?}"),
            }
        }
        let Some(url) = url() else { return };
        let r = PostgresStore::connect_with_schema(&url, "bad-name; DROP").await;
        assert!(matches!(r, Err(Error::Validation(_))), "{r:?}");
    }
}

#[tokio::test]
async fn sqlite_in_missing_directory_is_a_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/desk.db");
    match SqliteStore::open(&path).await {
        Err(e @ Error::Store { .. }) => {
            assert!(e.cause().is_some(), "{e}: the cause is kept");
            let shown = e.to_string();
            assert_eq!(
                shown.matches(&*path.display().to_string()).count(),
                1,
                "{shown}"
            );
            assert!(shown.ends_with("no/such/dir does not exist"), "{shown}");
        }
        other => panic!("expected a store error, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_schema_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    SqliteStore::open(&path)
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, x'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    match SqliteStore::open(&path).await {
        Err(e @ Error::Store { .. }) => assert!(e.to_string().contains("newer"), "{e}"),
        other => panic!("expected a store error, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_changed_migration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    SqliteStore::open(&path)
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    // As if migration 1 had been edited after this database applied it.
    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    match SqliteStore::open(&path).await {
        Err(e @ Error::Store { .. }) => {
            assert!(
                e.to_string()
                    .starts_with("migration 1 applied to the database differs"),
                "{e}"
            );
        }
        other => panic!("expected a store error, got {other:?}"),
    }
}

const CRASH_ENV: &str = "HELPDESK_CRASH_CHILD_DB";

/// The child half of `sqlite_survives_sigkill`: writes until killed,
/// printing each acknowledged ticket. Does nothing in a normal test run.
#[tokio::test]
async fn crash_child() {
    let Ok(path) = std::env::var(CRASH_ENV) else {
        return;
    };
    let store = SqliteStore::open(&path).await.unwrap();
    for i in 0.. {
        let (mut t, e) = created(store.next_reference().await.unwrap(), &format!("crash {i}"));
        let n = notification(&t, &format!("{}:1:ack", t.id), t0());
        store.insert(t.clone(), vec![e], vec![n]).await.unwrap();
        let e2 = note(&mut t, "second write");
        let n2 = notification(&t, &format!("{}:2:note", t.id), t0());
        store.save(t.clone(), vec![e2], 1, vec![n2]).await.unwrap();
        println!("ACK {}", t.id);
    }
}

#[tokio::test]
async fn sqlite_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CRASH_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    while acked.len() < 150 {
        let line = lines.next().expect("the child stopped early").unwrap();
        if let Some(id) = line.strip_prefix("ACK ") {
            acked.push(id.parse::<TicketId>().unwrap());
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    // Acknowledgements printed before the kill count too.
    for line in lines {
        if let Some(id) = line.unwrap().strip_prefix("ACK ") {
            acked.push(id.parse::<TicketId>().unwrap());
        }
    }

    let store = SqliteStore::open(&path).await.unwrap();
    for id in &acked {
        let t = store.load(*id).await.unwrap();
        assert_eq!(t.map(|t| t.version), Some(2), "acknowledged ticket {id}");
    }
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok");

    // A dispatcher after the restart delivers every pending entry exactly once.
    let now = t0() + Duration::days(1);
    let mut keys = HashSet::new();
    loop {
        let batch = store
            .claim_outbox(now, 64, now + Duration::minutes(1))
            .await
            .unwrap();
        if batch.is_empty() {
            break;
        }
        for entry in batch {
            assert!(
                keys.insert(entry.notification.idempotency_key.clone()),
                "delivered twice"
            );
            store
                .mark_delivered(entry.notification.id, chrono::Utc::now())
                .await
                .unwrap();
        }
    }
    for id in &acked {
        assert!(keys.contains(&format!("{id}:1:ack")));
        assert!(keys.contains(&format!("{id}:2:note")));
    }
    let stats = store.outbox_stats().await.unwrap();
    assert_eq!(stats.pending, 0);
    assert_eq!(stats.delivered as usize, keys.len());
}
