//! Feeds email messages to a help desk kept in an SQLite file: each
//! message opens a ticket, is added to the ticket it answers (by subject
//! tag, by the desk's own Message-IDs, by the customer's earlier ones),
//! opens a follow-up of a closed ticket, or is skipped with the reason
//! (auto-replies, bounces, bulk mail, the desk's own mail). Run it twice on
//! the same mail: every message is a duplicate the second time.
//!
//! ```text
//! cargo run --example mail_intake --features email -- tests/data/mail
//! cargo run --example mail_intake --features email -- --db desk.db --mail-domain desk.example.com ~/Maildir
//! ```
//!
//! Arguments are `.eml` files, directories of `.eml` files, or Maildirs (a
//! directory with `cur/` and `new/`). Options:
//!
//! - `--db FILE`: the SQLite database (default `mail_intake.db`, created
//!   if missing);
//! - `--mail-domain DOMAIN`: the domain of the desk's own Message-IDs
//!   (replies to them thread; its own mail coming back is skipped);
//! - `--tag PREFIX SUFFIX`: the subject tag around ticket references
//!   (default `[#` and `]`);
//! - `--accept-list LIST-ID`: a mailing list whose mail is taken in.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use helpdesk::intake::{IntakeConfig, SubjectTag};
use helpdesk::store::SqliteStore;
use helpdesk::ticket::EventKind;
use helpdesk::{Actor, AgentId, HelpDesk, Received, Ticket};

struct Args {
    db: PathBuf,
    intake: IntakeConfig,
    inputs: Vec<PathBuf>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = read_args(std::env::args().skip(1))?;
    if args.inputs.is_empty() {
        eprintln!(
            "usage: mail_intake [--db FILE] [--mail-domain DOMAIN] [--tag PREFIX SUFFIX] [--accept-list ID] FILE.eml|DIR|MAILDIR..."
        );
        std::process::exit(2);
    }
    let store = SqliteStore::open(&args.db).await?;
    let desk = HelpDesk::builder()
        .store(Arc::new(store.clone()))
        .intake(args.intake)
        .build()?;
    println!("desk: {}", args.db.display());
    for input in &args.inputs {
        let files = message_files(input).map_err(|e| format!("{}: {e}", input.display()))?;
        for file in files {
            println!("{}", file.display());
            match std::fs::read(&file) {
                Ok(raw) => take_in(&desk, &raw).await?,
                Err(e) => println!("  cannot read: {e}"),
            }
            println!();
        }
    }
    store.close().await?;
    Ok(())
}

/// Hands one message to the desk and prints what it did. A message the
/// desk refuses (unreadable, over a limit) is printed and the run goes on;
/// a failing database stops it.
async fn take_in(desk: &HelpDesk, raw: &[u8]) -> Result<(), Box<dyn Error>> {
    let received = match desk.receive_email(raw).await {
        Ok(r) => r,
        Err(e) if e.kind() == helpdesk::ErrorKind::Validation => {
            println!("  refused:  {e}");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    match &received {
        Received::Opened {
            ticket,
            new_requester,
        } => {
            let who = if *new_requester {
                "new requester"
            } else {
                "known requester"
            };
            println!(
                "  opened:   {} {} ({who})",
                ticket.reference, ticket.subject
            );
            show(desk, ticket).await?;
        }
        Received::Added { ticket } => {
            println!("  added to: {} {}", ticket.reference, ticket.subject);
            show(desk, ticket).await?;
        }
        Received::FollowUp { ticket, closed } => {
            println!("  follow-up {} of closed ticket {closed}", ticket.reference);
            show(desk, ticket).await?;
        }
        Received::Duplicate { ticket_id, .. } => {
            println!("  duplicate: taken in before, on ticket {ticket_id}");
        }
        Received::Skipped(skip) => {
            println!("  skipped:  {}", skip.reason);
            println!("  from:     {}", skip.from.as_deref().unwrap_or("(nobody)"));
        }
        other => println!("  {other:?}"),
    }
    Ok(())
}

/// The requester, the files and the text the timeline shows for the
/// message just taken in.
async fn show(desk: &HelpDesk, ticket: &Ticket) -> Result<(), Box<dyn Error>> {
    let staff = Actor::supervisor(AgentId::new());
    let r = &ticket.requester;
    println!(
        "  from:     {} <{}>",
        r.name,
        r.email.as_deref().unwrap_or("")
    );
    for a in desk.attachments(&staff, ticket.id).await? {
        let what = if a.raw_message {
            "raw message"
        } else {
            "attached"
        };
        println!(
            "  {what}: {} ({}, {} bytes)",
            a.filename, a.content_type, a.size
        );
    }
    let timeline = desk.timeline(&staff, ticket.id).await?;
    let text = timeline.iter().rev().find_map(|e| match &e.kind {
        EventKind::CustomerMessage { body, .. } => Some(body.clone()),
        EventKind::Created(c) => Some(c.description.to_string()),
        _ => None,
    });
    println!("  text:");
    for line in text.unwrap_or_default().lines() {
        println!("    | {line}");
    }
    Ok(())
}

fn read_args(mut args: impl Iterator<Item = String>) -> Result<Args, Box<dyn Error>> {
    let mut intake = IntakeConfig::default();
    let mut db = PathBuf::from("mail_intake.db");
    let mut inputs = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--db" => db = PathBuf::from(value("--db")?),
            "--mail-domain" => intake = intake.mail_domain(value("--mail-domain")?),
            "--tag" => {
                let prefix = value("--tag")?;
                let suffix = value("--tag")?;
                intake = intake.subject_tag(SubjectTag::new(prefix, suffix)?);
            }
            "--accept-list" => intake.accepted_list_ids.push(value("--accept-list")?),
            _ => inputs.push(PathBuf::from(arg)),
        }
    }
    intake.validate()?;
    Ok(Args { db, intake, inputs })
}

/// The messages at `path`: the file itself, the messages of a Maildir's
/// `cur/` and `new/`, or the `.eml` files of a directory; sorted by name.
fn message_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let maildir: Vec<PathBuf> = ["cur", "new"]
        .iter()
        .map(|sub| path.join(sub))
        .filter(|p| p.is_dir())
        .collect();
    let mut files = Vec::new();
    if maildir.is_empty() {
        files.extend(
            list(path)?
                .into_iter()
                .filter(|f| f.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml"))),
        );
    } else {
        for dir in maildir {
            files.extend(list(&dir)?);
        }
    }
    files.sort();
    Ok(files)
}

/// The regular, not hidden, files in `dir`.
fn list(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if path.is_file() && !hidden {
            files.push(path);
        }
    }
    Ok(files)
}
