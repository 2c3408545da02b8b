//! Attachment contents as files in a directory.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;

use super::{AttachmentStore, check_key, wrong_content};
use crate::error::{Error, Result};
use crate::store::intake::sha256_hex;

/// Attachment contents in a directory on disk, one file per content, named
/// by its SHA-256: `ab/cdef…` (the first two hex digits are a
/// subdirectory, so no directory holds more than a few thousand files).
/// The same content twice is one file.
///
/// Writes are atomic: a content goes to a temporary file in its final
/// directory, is flushed to disk (`fsync`), and is renamed into place, and
/// the directory is flushed too. A crash leaves either the whole file or
/// none (at worst a `.tmp-*` file, which is safe to delete); a reader
/// never sees half a file. Reads check the content against its name, so a
/// file damaged on disk is [`Error::Corrupt`], not wrong bytes handed out.
/// Every I/O error names the path it failed on.
///
/// Tickets and the attachments' rows (name, types, size) stay in the
/// ticket store; plug this in with
/// [`HelpDeskBuilder::attachments`](crate::HelpDeskBuilder::attachments).
/// The desk's size limits ([`IntakeLimits`](crate::intake::IntakeLimits))
/// apply before anything is written. File operations run on tokio's
/// blocking pool, so the store needs a tokio runtime.
///
/// ```
/// use helpdesk::store::{AttachmentStore, DirAttachmentStore};
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let files = DirAttachmentStore::open(dir.path().join("attachments"))?;
/// let key = files.put_content(b"%PDF-1.7 ...").await?;
/// assert_eq!(files.put_content(b"%PDF-1.7 ...").await?, key, "stored once");
/// assert!(dir.path().join("attachments").join(&key[..2]).join(&key[2..]).is_file());
/// assert_eq!(files.content(&key).await?.as_deref(), Some(&b"%PDF-1.7 ..."[..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct DirAttachmentStore {
    root: Arc<Path>,
}

impl DirAttachmentStore {
    /// A store in directory `root`, which is created if missing. An error
    /// names the path when it cannot be created or is not a directory.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref();
        fs::create_dir_all(root).map_err(|e| io("creating the attachment directory", root, e))?;
        let meta =
            fs::metadata(root).map_err(|e| io("reading the attachment directory", root, e))?;
        if !meta.is_dir() {
            return Err(Error::store_msg(format!(
                "the attachment directory {} is not a directory",
                root.display()
            )));
        }
        Ok(DirAttachmentStore {
            root: Arc::from(root),
        })
    }

    /// The directory the contents are in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the content with key `sha256` (checked) lives.
    fn path_of(&self, sha256: &str) -> (PathBuf, PathBuf) {
        let dir = self.root.join(&sha256[..2]);
        let file = dir.join(&sha256[2..]);
        (dir, file)
    }

    /// Runs blocking file work off the async threads.
    async fn blocking<T: Send + 'static>(
        f: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| Error::internal(format!("an attachment file task failed: {e}")))?
    }
}

#[async_trait]
impl AttachmentStore for DirAttachmentStore {
    async fn put_content(&self, bytes: &[u8]) -> Result<String> {
        let bytes = bytes.to_vec();
        let store = self.clone();
        Self::blocking(move || {
            let sha256 = sha256_hex(&bytes);
            let (dir, file) = store.path_of(&sha256);
            if file.is_file() {
                return Ok(sha256);
            }
            if !dir.is_dir() {
                fs::create_dir_all(&dir)
                    .map_err(|e| io("creating an attachment directory", &dir, e))?;
                sync_dir(&store.root)?;
            }
            write_atomically(&dir, &file, &bytes)?;
            Ok(sha256)
        })
        .await
    }

    async fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        check_key(sha256)?;
        let (_, file) = self.path_of(sha256);
        let sha256 = sha256.to_owned();
        Self::blocking(move || {
            let bytes = match fs::read(&file) {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(io("reading attachment content", &file, e)),
            };
            let found = sha256_hex(&bytes);
            if found != sha256 {
                return Err(wrong_content(&sha256, &found, file.display()));
            }
            Ok(Some(bytes))
        })
        .await
    }

    async fn remove_content(&self, sha256: &str) -> Result<bool> {
        check_key(sha256)?;
        let (dir, file) = self.path_of(sha256);
        Self::blocking(move || match fs::remove_file(&file) {
            Ok(()) => {
                sync_dir(&dir)?;
                Ok(true)
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io("removing attachment content", &file, e)),
        })
        .await
    }
}

/// Writes `bytes` to `file` (in `dir`) through a flushed temporary file
/// and a rename, then flushes `dir` so the new name survives a crash.
fn write_atomically(dir: &Path, file: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::now_v7().simple()));
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| io("creating a temporary attachment file", &tmp, e))?;
        f.write_all(bytes)
            .map_err(|e| io("writing attachment content", &tmp, e))?;
        f.sync_all()
            .map_err(|e| io("flushing attachment content", &tmp, e))?;
        // Two writers of the same content may race here: each renames a
        // complete copy of the same bytes, so either result is right.
        fs::rename(&tmp, file).map_err(|e| io("moving attachment content into place", file, e))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written?;
    sync_dir(dir)
}

/// Flushes a directory's entries to disk (where the platform can).
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("flushing the attachment directory", dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// An I/O failure on `path` while `doing`.
fn io(doing: &str, path: &Path, e: std::io::Error) -> Error {
    Error::store(format!("{doing} {}", path.display()), e)
}
