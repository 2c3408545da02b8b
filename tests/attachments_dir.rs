//! Attachment contents in a directory on disk (`DirAttachmentStore`) while
//! tickets and the attachments' rows live in SQLite: the files' layout,
//! one file per content, atomic writes leaving no temporary files, damage
//! on disk detected, I/O errors naming their path, requesters seeing only
//! their public files, and retention's delete removing the files nothing
//! refers to any more.
#![cfg(all(feature = "sqlite", feature = "dir-attachments"))]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use helpdesk::intake::{InboundAttachment, InboundMessage, Sender};
use helpdesk::privacy::LocalKeyProvider;
use helpdesk::store::{AttachmentStore, DirAttachmentStore, SqliteStore};
use helpdesk::{Actor, AgentId, Channel, ErrorKind, HelpDesk, Received, TicketId, TicketStore};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n a small screenshot";

struct World {
    desk: HelpDesk,
    store: Arc<SqliteStore>,
    files: PathBuf,
    _dir: tempfile::TempDir,
}

async fn world(config: Option<&str>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("desk.db")).await.unwrap());
    let files = dir.path().join("attachments");
    let mut b = HelpDesk::builder()
        .backend(store.clone())
        .attachments(Arc::new(DirAttachmentStore::open(&files).unwrap()));
    if let Some(toml) = config {
        b = b
            .config(helpdesk::DeskConfig::from_toml(toml).unwrap())
            .privacy(
                store.clone(),
                Arc::new(LocalKeyProvider::from_bytes([7; 32])),
            );
    }
    World {
        desk: b.build().unwrap(),
        store,
        files,
        _dir: dir,
    }
}

fn boss() -> Actor {
    Actor::supervisor(AgentId::new())
}

/// Every file under `root`, relative, sorted.
fn files_in(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

fn chat(id: &str, handle: &str) -> InboundMessage {
    InboundMessage::new(
        Channel::Chat,
        id,
        Sender::new().handle(handle),
        "The screen shows this.",
    )
    .attachment(InboundAttachment::new("screen.png", "image/png", PNG))
}

/// The content is a file named by its SHA-256 (`ab/cdef…`), not a row of
/// the database; a retried webhook and the same file on another ticket add
/// no file; staff read it back with its declared and sniffed types, the
/// requester reads their own file and a stranger nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contents_live_in_the_directory_once() {
    let w = world(None).await;
    let msg = chat("chat-1", "ada").raw(b"{\"platform\":\"chat\"}".to_vec());
    let Received::Opened { ticket, .. } = w.desk.receive(msg.clone()).await.unwrap() else {
        panic!("expected a new ticket")
    };
    assert!(matches!(
        w.desk.receive(msg).await.unwrap(),
        Received::Duplicate { .. }
    ));
    let other = w.desk.receive(chat("chat-2", "grace")).await.unwrap();
    assert_ne!(other.ticket_id(), Some(ticket.id));

    let infos = w.desk.attachments(&boss(), ticket.id).await.unwrap();
    assert_eq!(infos.len(), 2, "the file and the raw message");
    let png = infos.iter().find(|a| !a.raw_message).unwrap();
    let raw = infos.iter().find(|a| a.raw_message).unwrap();
    assert_eq!(
        files_in(&w.files),
        {
            let mut want: Vec<String> = [&png.sha256, &raw.sha256]
                .iter()
                .map(|k| format!("{}/{}", &k[..2], &k[2..]))
                .collect();
            want.sort();
            want
        },
        "one file per content, no temporary files left"
    );
    assert_eq!(
        std::fs::read(w.files.join(&png.sha256[..2]).join(&png.sha256[2..])).unwrap(),
        PNG
    );
    let intake = w.store.intake().unwrap();
    assert!(
        intake.attachment(png.id).await.unwrap().is_none(),
        "no content in SQLite"
    );

    let got = w.desk.attachment(&boss(), png.id).await.unwrap();
    assert_eq!(got.bytes, PNG);
    assert_eq!(got.info.content_type, "image/png");
    assert_eq!(got.info.sniffed_type.as_deref(), Some("image/png"));
    assert_eq!(got.info.size, PNG.len() as u64);

    let portal = w.desk.portal(ticket.requester.id);
    let theirs = portal.attachments(ticket.id).await.unwrap();
    assert_eq!(
        theirs.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![png.id]
    );
    assert_eq!(portal.attachment(png.id).await.unwrap().bytes, PNG);
    assert_eq!(
        portal.attachment(raw.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let stranger = w.desk.portal(helpdesk::CustomerId::new());
    assert_eq!(
        stranger.attachment(png.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

/// A file changed on disk is reported corrupt, naming its path, rather
/// than handed out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_file_is_corrupt_not_served() {
    let w = world(None).await;
    let r = w.desk.receive(chat("chat-1", "ada")).await.unwrap();
    let info = w
        .desk
        .attachments(&boss(), r.ticket_id().unwrap())
        .await
        .unwrap()
        .remove(0);
    let path = w.files.join(&info.sha256[..2]).join(&info.sha256[2..]);
    std::fs::write(&path, b"\x89PNG damaged").unwrap();
    let err = w.desk.attachment(&boss(), info.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
}

/// Opening a store on a file, or writing under a directory that cannot be
/// created, is an error naming the path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn io_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = DirAttachmentStore::open(&file).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.to_string().contains(&*file.to_string_lossy()), "{err}");

    let root = dir.path().join("files");
    let store = DirAttachmentStore::open(&root).unwrap();
    let key = store.put_content(b"first").await.unwrap();
    // A file where the content's subdirectory goes.
    let sub = root.join(&key[..2]);
    assert!(store.remove_content(&key).await.unwrap());
    std::fs::remove_dir(&sub).unwrap();
    std::fs::write(&sub, b"in the way").unwrap();
    let err = store.put_content(b"first").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.to_string().contains(&*sub.to_string_lossy()), "{err}");
}

const RETENTION: &str = r#"
[[retention.policies]]
name = "chat transcripts"
when = { channel = ["chat"] }
days = 30
action = "delete"
"#;

/// Ada's ticket with the shared PNG and a file only she sent (`mine`), and
/// Grace's with the PNG alone: two files in the directory.
async fn ada_and_grace(w: &World, mine: &'static [u8]) -> (TicketId, TicketId) {
    let only_hers = InboundAttachment::new("log.txt", "text/plain", mine);
    let ada = w
        .desk
        .receive(chat("chat-1", "ada").attachment(only_hers))
        .await
        .unwrap()
        .ticket_id()
        .unwrap();
    let grace = w
        .desk
        .receive(chat("chat-2", "grace"))
        .await
        .unwrap()
        .ticket_id()
        .unwrap();
    assert_eq!(
        files_in(&w.files).len(),
        2,
        "the shared PNG and Ada's own file"
    );
    (ada, grace)
}

/// Retention's delete removes the files of the deleted ticket that no
/// other attachment refers to, and keeps the shared ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_removes_files_nothing_refers_to() {
    let w = world(Some(RETENTION)).await;
    let agent = boss();
    let (first, kept) = ada_and_grace(&w, b"only on the first").await;
    w.desk
        .transition(&agent, first, "resolved", None)
        .await
        .unwrap();
    w.desk
        .transition(&agent, first, "closed", None)
        .await
        .unwrap();

    let later = chrono::Utc::now() + chrono::Duration::days(40);
    let report = w.desk.run_retention(later, 10).await.unwrap();
    assert_eq!(report.items.len(), 1);
    let left = files_in(&w.files);
    assert_eq!(left.len(), 1, "{left:?}");
    let png = w.desk.attachments(&agent, kept).await.unwrap().remove(0);
    assert_eq!(
        left[0],
        format!("{}/{}", &png.sha256[..2], &png.sha256[2..])
    );
    assert_eq!(w.desk.attachment(&agent, png.id).await.unwrap().bytes, PNG);
}

/// Erasing a requester removes the files of their tickets that no other
/// attachment refers to, and keeps the shared ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_removes_the_requesters_files() {
    let w = world(Some(RETENTION)).await;
    let (ada, grace) = ada_and_grace(&w, b"ada's passport").await;
    let admin = Actor::admin(AgentId::new());
    let customer = w.desk.get(&admin, ada).await.unwrap().requester.id;

    let record = w
        .desk
        .erase_requester(&admin, customer, "GDPR art. 17")
        .await
        .unwrap();
    assert_eq!(record.elsewhere.get("attachments"), Some(&2), "{record:?}");
    let left = files_in(&w.files);
    assert_eq!(left.len(), 1, "{left:?}");
    let png = w.desk.attachments(&admin, grace).await.unwrap().remove(0);
    assert_eq!(
        left[0],
        format!("{}/{}", &png.sha256[..2], &png.sha256[2..])
    );
    assert_eq!(w.desk.attachment(&admin, png.id).await.unwrap().bytes, PNG);
}
