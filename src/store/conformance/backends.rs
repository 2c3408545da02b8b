//! The suites against this crate's back ends, one module each.

use crate::InMemoryStore;

#[allow(clippy::unused_async)] // the macro awaits every setup
async fn memory_setup() -> Option<(InMemoryStore, ())> {
    Some((InMemoryStore::new(), ()))
}
store_conformance_tests!(memory, memory_setup);

#[cfg(feature = "sqlite")]
async fn sqlite_file_setup() -> Option<(crate::store::SqliteStore, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::SqliteStore::open(dir.path().join("desk.db"))
        .await
        .unwrap();
    Some((store, dir))
}
#[cfg(feature = "sqlite")]
store_conformance_tests!(sqlite_file, sqlite_file_setup);

#[cfg(feature = "sqlite")]
async fn sqlite_memory_setup() -> Option<(crate::store::SqliteStore, ())> {
    Some((crate::store::SqliteStore::in_memory().await.unwrap(), ()))
}
#[cfg(feature = "sqlite")]
store_conformance_tests!(sqlite_memory, sqlite_memory_setup);

#[cfg(feature = "postgres")]
pub(crate) async fn postgres_setup() -> Option<(crate::store::PostgresStore, String)> {
    let Ok(url) = std::env::var("HELPDESK_TEST_POSTGRES_URL") else {
        eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: skipping a PostgreSQL test");
        return None;
    };
    sweep_stale_schemas(&url).await;
    let schema = format!("helpdesk_test_{}", uuid::Uuid::now_v7().simple());
    let store = crate::store::PostgresStore::connect_with_schema(&url, &schema)
        .await
        .unwrap();
    Some((store, schema))
}
/// Drops the schemas that test runs left behind, once they are an hour
/// old: a panicking test skips its teardown. The names end in a UUID v7,
/// whose time says when the schema was made. Once per process.
#[cfg(feature = "postgres")]
async fn sweep_stale_schemas(url: &str) {
    static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if SWEPT.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(url).await else {
        return;
    };
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace \
         WHERE nspname LIKE 'helpdesk\\_test\\_%' OR nspname LIKE 'helpdesk\\_rel\\_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap_or_default();
    let hour_ago =
        u64::try_from((chrono::Utc::now() - chrono::Duration::hours(1)).timestamp()).unwrap_or(0);
    for name in names {
        let made = name
            .rsplit('_')
            .next()
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .and_then(|id| id.get_timestamp())
            .map(|ts| ts.to_unix().0);
        if made.is_some_and(|secs| secs < hour_ago) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

#[cfg(feature = "postgres")]
pub(crate) async fn postgres_teardown((store, schema): (crate::store::PostgresStore, String)) {
    store.close().await;
    let url = std::env::var("HELPDESK_TEST_POSTGRES_URL").unwrap();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}
#[cfg(feature = "postgres")]
store_conformance_tests!(postgres, postgres_setup, postgres_teardown);

// The attachment store's suite on a directory on disk (the databases run
// it in `store_conformance_tests!`).
#[cfg(feature = "dir-attachments")]
#[allow(clippy::unused_async)] // the macro awaits every setup
async fn dir_attachments_setup() -> Option<(crate::store::DirAttachmentStore, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::DirAttachmentStore::open(dir.path().join("attachments")).unwrap();
    Some((store, dir))
}
#[cfg(feature = "dir-attachments")]
attachment_store_conformance_tests!(dir_attachments, dir_attachments_setup);

// The knowledge base's suite, on every back end (a port apart from `Store`).
knowledge_store_conformance_tests!(knowledge_memory, memory_setup);
#[cfg(feature = "sqlite")]
knowledge_store_conformance_tests!(knowledge_sqlite_file, sqlite_file_setup);
#[cfg(feature = "sqlite")]
knowledge_store_conformance_tests!(knowledge_sqlite_memory, sqlite_memory_setup);
#[cfg(feature = "postgres")]
knowledge_store_conformance_tests!(knowledge_postgres, postgres_setup, postgres_teardown);
// The same suites through the encrypting wrapper: sealing and opening
// personal data must be invisible to every contract.
fn encrypted(
    backend: std::sync::Arc<impl crate::Store + crate::store::PrivacyStore + 'static>,
) -> crate::privacy::EncryptedStore {
    let kek = std::sync::Arc::new(crate::privacy::LocalKeyProvider::from_bytes([9; 32]));
    crate::privacy::EncryptedStore::new(backend.clone(), backend, kek)
}

#[allow(clippy::unused_async)] // the macro awaits every setup
async fn encrypted_memory_setup() -> Option<(crate::privacy::EncryptedStore, ())> {
    Some((encrypted(std::sync::Arc::new(InMemoryStore::new())), ()))
}
// The ports the wrapper seals; the report and intake ports are served by
// the wrapped back end itself (the desk reaches them directly).
ticket_store_conformance_tests!(encrypted_memory_tickets, encrypted_memory_setup);
due_index_conformance_tests!(encrypted_memory_due, encrypted_memory_setup);
outbox_conformance_tests!(encrypted_memory_outbox, encrypted_memory_setup);
privacy_store_conformance_tests!(encrypted_memory_privacy, encrypted_memory_setup);

#[cfg(feature = "sqlite")]
async fn encrypted_sqlite_setup() -> Option<(crate::privacy::EncryptedStore, tempfile::TempDir)> {
    let (store, dir) = sqlite_file_setup().await?;
    Some((encrypted(std::sync::Arc::new(store)), dir))
}
#[cfg(feature = "sqlite")]
ticket_store_conformance_tests!(encrypted_sqlite_tickets, encrypted_sqlite_setup);
#[cfg(feature = "sqlite")]
due_index_conformance_tests!(encrypted_sqlite_due, encrypted_sqlite_setup);
#[cfg(feature = "sqlite")]
outbox_conformance_tests!(encrypted_sqlite_outbox, encrypted_sqlite_setup);
#[cfg(feature = "sqlite")]
privacy_store_conformance_tests!(encrypted_sqlite_privacy, encrypted_sqlite_setup);
