//! Every TOML configuration shown in README.md loads and validates, so the
//! README cannot drift from the crate.

use helpdesk::sla::SlaConfig;
use helpdesk::ticket::Lifecycle;
use helpdesk::{BusinessCalendar, Classifier, DeskConfig, HelpDesk};

fn toml_blocks() -> Vec<String> {
    let readme = include_str!("../README.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_readme_toml_block_loads() {
    let blocks = toml_blocks();
    assert!(blocks.len() >= 5, "found only {} TOML blocks", blocks.len());
    for block in blocks {
        let loaded = if block.contains("[dependencies]") {
            Ok(())
        } else if block.contains("[surveys") {
            // The survey key comes from the application, never the file.
            let key = helpdesk::survey::SurveyKey::new([7u8; 32]).unwrap();
            DeskConfig::from_toml(&block).and_then(|c| {
                HelpDesk::builder()
                    .config(c)
                    .survey_key(key)
                    .build()
                    .map(drop)
            })
        } else if [
            "[routing",
            "[escalation",
            "[sla",
            "[classifier",
            "[lifecycle",
            "[intake",
            "[knowledge",
            "[retention",
            "[notifications",
        ]
        .iter()
        .any(|t| block.contains(t))
        {
            // A whole desk (or part of one) in the one configuration file.
            DeskConfig::from_toml(&block)
                .and_then(|c| HelpDesk::builder().config(c).build().map(drop))
        } else if block.contains("statuses") {
            Lifecycle::from_toml(&block).map(drop)
        } else if block.contains("[[policies]]") {
            SlaConfig::from_toml(&block).map(drop)
        } else if block.contains("[[rules]]") {
            Classifier::from_toml(&block).map(drop)
        } else if block.contains("[week]") {
            BusinessCalendar::from_toml(&block).map(drop)
        } else {
            panic!("README has a TOML block this test does not know how to load:\n{block}");
        };
        if let Err(e) = loaded {
            panic!("README block does not load: {e}\n{block}");
        }
    }
}
