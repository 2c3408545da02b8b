//! The scenario runner the desk tests share: `backends!(a, b)` runs each
//! `async fn a(World)` on memory, SQLite (a temporary file) and PostgreSQL
//! (a fresh schema, dropped afterwards; where `HELPDESK_TEST_POSTGRES_URL`
//! is set). The including file defines `World::new(Arc<store>)`.

macro_rules! backends {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn memory() {
                    super::$scenario(World::new(Arc::new(helpdesk::InMemoryStore::new()))).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = helpdesk::store::SqliteStore::open(dir.path().join("desk.db"))
                        .await
                        .unwrap();
                    super::$scenario(World::new(Arc::new(store))).await;
                }

                #[cfg(feature = "postgres")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Ok(url) = std::env::var("HELPDESK_TEST_POSTGRES_URL") else {
                        eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: PostgreSQL not tested");
                        return;
                    };
                    let schema = format!("helpdesk_test_{}", uuid::Uuid::now_v7().simple());
                    let store = helpdesk::store::PostgresStore::connect_with_schema(&url, &schema)
                        .await
                        .unwrap();
                    super::$scenario(World::new(Arc::new(store.clone()))).await;
                    store.close().await;
                    crate::backends::drop_schema(&url, &schema).await;
                }
            }
        )*
    };
}

#[cfg(feature = "postgres")]
pub(crate) async fn drop_schema(url: &str, schema: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}
