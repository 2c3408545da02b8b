//! The web demo in a real browser (Chromium through chromedriver).

#[path = "../examples/web/main.rs"]
#[allow(dead_code)]
mod demo;
