//! A help desk on PostgreSQL: the database named by `DATABASE_URL`.
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo run --example postgres_desk --features postgres
//! ```

#[path = "shared/story.rs"]
mod story;

use std::sync::Arc;

use helpdesk::store::PostgresStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "DATABASE_URL is not set; e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
        );
        std::process::exit(2);
    };
    // `connect` migrates the schema in the server's default search_path.
    let store = PostgresStore::connect(&url).await?;
    story::run(Arc::new(store)).await
}
