//! The web demo's JSON API, through its router, over a real SQLite file.

#[path = "../examples/web/main.rs"]
#[allow(dead_code)]
mod demo;
