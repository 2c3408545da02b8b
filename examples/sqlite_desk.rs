//! A help desk on an SQLite file: run it twice, and the second run lists
//! the tickets of the first.
//!
//! ```sh
//! cargo run --example sqlite_desk
//! ```

#[path = "shared/story.rs"]
mod story;

use std::sync::Arc;

use helpdesk::store::SqliteStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = "./helpdesk-demo.db";
    // `open` creates the file and migrates the schema.
    let store = SqliteStore::open(path).await?;
    println!("Using {path} (delete it to start over).");
    story::run(Arc::new(store)).await
}
