//! TLS in transit to PostgreSQL (feature `tls`): the store connects with
//! `sslmode=require` and its connections are encrypted (checked in the
//! server's own `pg_stat_ssl`), and `sslmode=verify-full` against a CA that
//! did not sign the server's certificate is refused with [`Error::Tls`].
//!
//! Needs a server with `ssl = on` (`.ci/run` turns it on with Debian's
//! snakeoil certificate); runs when `HELPDESK_TEST_POSTGRES_URL` is set and
//! then fails rather than skips.

use std::path::Path;

use helpdesk::store::PostgresStore;
use helpdesk::{
    Actor, AgentId, Channel, CustomerId, Error, ErrorKind, HelpDesk, NewTicket, Requester,
};
use sqlx::Connection;

fn url() -> Option<String> {
    let url = std::env::var("HELPDESK_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        eprintln!("HELPDESK_TEST_POSTGRES_URL is not set: TLS to PostgreSQL not tested");
    }
    url
}

/// `url` with extra connection parameters.
fn with_params(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

/// The server's view of the connections named `app`: how many, and how
/// many of them are encrypted.
async fn connections_of(url: &str, app: &str) -> (i64, i64) {
    let mut conn = sqlx::PgConnection::connect(&with_params(url, "sslmode=disable"))
        .await
        .unwrap();
    let row: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE s.ssl) \
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
         WHERE a.application_name = $1",
    )
    .bind(app)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    row
}

async fn drop_schema(url: &str, schema: &str) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn sslmode_require_encrypts_the_stores_connections() {
    let Some(url) = url() else { return };
    let id = uuid::Uuid::now_v7().simple().to_string();
    let schema = format!("helpdesk_tls_{id}");
    let app = format!("helpdesk_tls_{id}");
    let store = PostgresStore::connect_with_schema(
        &with_params(&url, &format!("sslmode=require&application_name={app}")),
        &schema,
    )
    .await
    .expect("the server must offer TLS (ssl = on): .ci/run turns it on");

    // The desk works over it, and the server says the pool's connections are encrypted.
    let desk = HelpDesk::builder()
        .store(std::sync::Arc::new(store.clone()))
        .build()
        .unwrap();
    let ada = CustomerId::new();
    let t = desk
        .portal(ada)
        .open(NewTicket::new(
            Requester::new(ada, "Ada"),
            Channel::Portal,
            "Over TLS",
            "Hello",
        ))
        .await
        .unwrap();
    let admin = Actor::admin(AgentId::new());
    assert_eq!(desk.get(&admin, t.id).await.unwrap().subject, "Over TLS");
    let (all, encrypted) = connections_of(&url, &app).await;
    assert!(
        all > 0,
        "the store's connections are not in pg_stat_activity"
    );
    assert_eq!(
        encrypted, all,
        "a connection made with sslmode=require is in clear"
    );
    store.close().await;

    // The same check sees a connection in clear: it can fail.
    let plain_app = format!("helpdesk_plain_{id}");
    let plain = sqlx::PgConnection::connect(&with_params(
        &url,
        &format!("sslmode=disable&application_name={plain_app}"),
    ))
    .await
    .unwrap();
    assert_eq!(connections_of(&url, &plain_app).await, (1, 0));
    plain.close().await.unwrap();

    drop_schema(&url, &schema).await;
}

#[tokio::test]
async fn verify_full_against_a_wrong_ca_is_a_tls_error() {
    let Some(url) = url() else { return };
    let ca = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls/wrong-ca.pem");
    assert!(ca.exists(), "{} is missing", ca.display());
    let url = with_params(
        &url,
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    );
    let schema = format!("helpdesk_tls_{}", uuid::Uuid::now_v7().simple());
    for attempt in [
        PostgresStore::connect(&url).await.map(drop),
        PostgresStore::connect_with_schema(&url, &schema)
            .await
            .map(drop),
    ] {
        let err = attempt.expect_err("a server certificate the CA did not sign was accepted");
        assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
        assert!(
            matches!(
                err,
                Error::Tls {
                    peer: "PostgreSQL",
                    ..
                }
            ),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.starts_with("TLS to PostgreSQL failed"), "{text}");
        // The cause is rustls's verdict on the certificate, not a refused connection.
        assert!(text.contains("certificate"), "{text}");
        assert!(err.cause().is_some());
    }
}
