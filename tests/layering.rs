//! The layering rule of ARCHITECTURE.md, checked: the domain modules import
//! nothing from the service, the stores, the notifiers or the configuration
//! file that composes them, and read no clock and draw no random numbers
//! (ids and instants come in as inputs). `.ci/run` runs this with the rest
//! of the tests, so a forbidden import fails CI.
//!
//! Test code is not checked: everything from a file's `#[cfg(test)]` on,
//! and the test-only modules `tests.rs` and `testing.rs`; nor are comments.

use std::path::{Path, PathBuf};

/// The domain: pure rules and data.
const DOMAIN: &[&str] = &[
    "src/access.rs",
    "src/action.rs",
    "src/calendar",
    "src/classify.rs",
    "src/condition.rs",
    "src/duration.rs",
    "src/escalation",
    "src/kb",
    "src/priority.rs",
    "src/report",
    "src/routing",
    "src/sla",
    "src/survey",
    "src/ticket",
];

/// Imports a domain module may not make: the layers above it.
const FORBIDDEN_IMPORTS: &[&str] = &[
    "crate::service",
    "crate::store",
    "crate::notify",
    "crate::config",
    "crate::HelpDesk",
    "crate::Store",
    "crate::InMemoryStore",
    "crate::Notifier",
    "crate::doc_support",
    "sqlx",
    "tokio",
];

/// Ways of reading the clock or drawing randomness (fresh UUID v7 ids do both).
const FORBIDDEN_CALLS: &[&str] = &[
    "Utc::now",
    "Local::now",
    "SystemTime",
    "Instant::now",
    "SystemClock",
    "now_v7",
    "new_v7",
    "Uuid::new",
    "rand::",
    "thread_rng",
    "Id::new()",
    "EventId::at(",
    "TicketEvent::new(",
];

fn files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            files(&e, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs")
        && !path
            .file_name()
            .is_some_and(|n| n == "tests.rs" || n == "testing.rs")
    {
        out.push(path.to_path_buf());
    }
}

/// The code of a file, without comments and test modules, with line numbers.
fn code(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        let code = match line.find("//") {
            // `//` inside a string (a URL) is rare in the domain; a
            // comment after code is common.
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        out.push((i + 1, code.to_owned()));
    }
    out
}

#[test]
fn the_domain_imports_no_outer_layer_and_reads_no_clock() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut violations = Vec::new();
    let mut checked = 0;
    for dir in DOMAIN {
        let mut paths = Vec::new();
        files(&root.join(dir), &mut paths);
        assert!(!paths.is_empty(), "{dir} has no Rust files: update DOMAIN");
        for path in paths {
            checked += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            for (line, code) in code(&text) {
                for bad in FORBIDDEN_IMPORTS.iter().chain(FORBIDDEN_CALLS) {
                    if code.contains(bad) {
                        violations.push(format!(
                            "{}:{line}: `{bad}` in `{}`",
                            path.strip_prefix(root).unwrap().display(),
                            code.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} domain files found");
    assert!(
        violations.is_empty(),
        "the domain must stay pure (see ARCHITECTURE.md):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_a_violation() {
    let text = "use crate::store::Store;\n// use crate::service::X;\nfn f() { let t = Utc::now(); }\n#[cfg(test)]\nmod tests { use crate::store::X; }\n";
    let found: Vec<_> = code(text)
        .into_iter()
        .filter(|(_, c)| {
            FORBIDDEN_IMPORTS
                .iter()
                .chain(FORBIDDEN_CALLS)
                .any(|b| c.contains(b))
        })
        .map(|(l, _)| l)
        .collect();
    assert_eq!(found, vec![1, 3]);
}
