//! Reads email messages and prints what the help desk would do with each:
//! open a new ticket, add a reply to a ticket named by its subject tag or
//! found by Message-ID, or skip the message and why, with the text the
//! ticket's timeline would show.
//!
//! ```text
//! cargo run --example mail_intake --features email -- tests/data/mail
//! cargo run --example mail_intake --features email -- --own-domain desk.example.com ~/Maildir
//! ```
//!
//! Arguments are `.eml` files, directories of `.eml` files, or Maildirs (a
//! directory with `cur/` and `new/`). Options:
//!
//! - `--own-domain DOMAIN`: the domain of the desk's own Message-IDs (its
//!   own mail coming back is skipped);
//! - `--tag PREFIX SUFFIX`: the subject tag around ticket references
//!   (default `[#` and `]`);
//! - `--accept-list LIST-ID`: a mailing list whose mail is taken in.
//!
//! Nothing is stored: the desk itself takes these messages in with
//! `receive` (phase 2 of intake).

use std::error::Error;
use std::path::{Path, PathBuf};

use helpdesk::intake::email::{EmailIntakeConfig, Parsed, parse};
use helpdesk::intake::text::clean_subject;
use helpdesk::intake::{InboundMessage, SubjectTag};

fn main() -> Result<(), Box<dyn Error>> {
    let (config, inputs) = read_args(std::env::args().skip(1))?;
    if inputs.is_empty() {
        eprintln!(
            "usage: mail_intake [--own-domain DOMAIN] [--tag PREFIX SUFFIX] [--accept-list ID] FILE.eml|DIR|MAILDIR..."
        );
        std::process::exit(2);
    }
    for input in &inputs {
        let files = message_files(input).map_err(|e| format!("{}: {e}", input.display()))?;
        for file in files {
            println!("{}", file.display());
            match std::fs::read(&file) {
                Ok(raw) => describe(&raw, &config),
                Err(e) => println!("  cannot read: {e}"),
            }
            println!();
        }
    }
    Ok(())
}

fn read_args(
    mut args: impl Iterator<Item = String>,
) -> Result<(EmailIntakeConfig, Vec<PathBuf>), Box<dyn Error>> {
    let mut config = EmailIntakeConfig::default();
    let mut inputs = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--own-domain" => config = config.own_message_id_domain(value("--own-domain")?),
            "--tag" => {
                let prefix = value("--tag")?;
                let suffix = value("--tag")?;
                config = config.subject_tag(SubjectTag::new(prefix, suffix)?);
            }
            "--accept-list" => config = config.accept_list_id(value("--accept-list")?),
            _ => inputs.push(PathBuf::from(arg)),
        }
    }
    Ok((config, inputs))
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

fn describe(raw: &[u8], config: &EmailIntakeConfig) {
    let msg = match parse(raw, config) {
        Err(e) => {
            println!("  rejected: {e}");
            return;
        }
        Ok(Parsed::Skipped(skip)) => {
            println!("  skipped:  {}", skip.reason);
            println!("  from:     {}", skip.from.as_deref().unwrap_or("(nobody)"));
            println!("  subject:  {}", skip.subject);
            return;
        }
        Ok(Parsed::Message(msg)) => msg,
    };
    let sender = &msg.sender;
    println!(
        "  from:     {} <{}>",
        sender.name.as_deref().unwrap_or(""),
        sender.email.as_deref().unwrap_or("")
    );
    println!("  subject:  {}", msg.subject);
    println!("  action:   {}", action(&msg, &config.subject_tag));
    for a in &msg.attachments {
        println!(
            "  attached: {} ({}, {} bytes)",
            a.filename,
            a.content_type,
            a.bytes.len()
        );
    }
    let trimmed = msg.full_text.len().saturating_sub(msg.text.len());
    println!("  text ({trimmed} bytes of quoted history and signature trimmed):");
    for line in msg.text.lines() {
        println!("    | {line}");
    }
}

/// What the desk would do, in the threading order: the subject tag, then
/// the Message-IDs the message answers, then a new ticket.
fn action(msg: &InboundMessage, tag: &SubjectTag) -> String {
    if let Some(reference) = msg.thread.ticket_ref {
        return format!("reply to {reference} (subject tag)");
    }
    if let Some(id) = msg.thread.message_ids().next() {
        return format!(
            "reply to the ticket of <{id}> if the desk sent that message, else a new ticket"
        );
    }
    let subject = clean_subject(&msg.subject, tag);
    if subject.is_empty() {
        "new ticket (no subject)".into()
    } else {
        format!("new ticket: {subject}")
    }
}
