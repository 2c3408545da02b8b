//! Placeholder until the calendar bench lands.
fn main() {}
