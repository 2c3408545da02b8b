//! The [`AttachmentStore`] suite: contents stored once per SHA-256, read
//! back exactly, removed, and keys checked.
//!
//! Every `pub async fn` here is a case; the build script puts it into
//! [`attachment_store_conformance_tests!`](crate::attachment_store_conformance_tests)
//! and [`store_conformance_tests!`](crate::store_conformance_tests). A case
//! takes an [`AttachmentStore`] (a full back end, or one that keeps only
//! contents, such as a directory).

use super::join;
use crate::error::Error;
use crate::store::AttachmentStore;
use crate::store::intake::sha256_hex;

/// Putting returns the SHA-256 in lowercase hex; the same content again is
/// the same key; reading gives the bytes back; an unknown key is `None`.
pub async fn content_is_stored_once_per_sha256<S: AttachmentStore + ?Sized>(store: &S) {
    let pdf = b"%PDF-1.7\n% invoice".to_vec();
    let key = store.put_content(&pdf).await.unwrap();
    assert_eq!(key, sha256_hex(&pdf));
    assert_eq!(key.len(), 64);
    assert_eq!(store.put_content(&pdf).await.unwrap(), key, "stored once");
    assert_eq!(store.content(&key).await.unwrap(), Some(pdf.clone()));
    let other = store.put_content(b"another file").await.unwrap();
    assert_ne!(other, key);
    assert_eq!(
        store.content(&other).await.unwrap().as_deref(),
        Some(&b"another file"[..])
    );
    let unknown = sha256_hex(b"never stored");
    assert_eq!(store.content(&unknown).await.unwrap(), None);
}

/// Empty content, every byte value and a few megabytes come back exactly.
pub async fn content_round_trips_exactly<S: AttachmentStore + ?Sized>(store: &S) {
    let every_byte: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let large: Vec<u8> = (0..3 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    for bytes in [Vec::new(), every_byte, large] {
        let key = store.put_content(&bytes).await.unwrap();
        let back = store.content(&key).await.unwrap().unwrap();
        assert_eq!(back.len(), bytes.len());
        assert!(back == bytes, "content of {} bytes changed", bytes.len());
    }
}

/// Two puts of the same content at once both succeed with one key.
pub async fn concurrent_puts_of_one_content_agree<S: AttachmentStore + ?Sized>(store: &S) {
    let bytes: Vec<u8> = b"the same screenshot ".repeat(50_000);
    let (a, b) = join(store.put_content(&bytes), store.put_content(&bytes)).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    assert_eq!(store.content(&a).await.unwrap(), Some(bytes));
}

/// Removing a content makes it unknown; removing it again finds none;
/// putting it again stores it anew.
pub async fn content_is_removed<S: AttachmentStore + ?Sized>(store: &S) {
    let key = store.put_content(b"to be forgotten").await.unwrap();
    let kept = store.put_content(b"to be kept").await.unwrap();
    assert!(store.remove_content(&key).await.unwrap());
    assert_eq!(store.content(&key).await.unwrap(), None);
    assert!(!store.remove_content(&key).await.unwrap());
    assert!(store.content(&kept).await.unwrap().is_some(), "others stay");
    assert_eq!(store.put_content(b"to be forgotten").await.unwrap(), key);
    assert_eq!(
        store.content(&key).await.unwrap().as_deref(),
        Some(&b"to be forgotten"[..])
    );
}

/// A key that is not 64 lowercase hex digits is a validation error naming
/// the field, on reads and removals alike: no key becomes a path unchecked.
pub async fn malformed_content_keys_are_refused<S: AttachmentStore + ?Sized>(store: &S) {
    let real = store.put_content(b"x").await.unwrap();
    for bad in [
        String::new(),
        "../../../../etc/passwd".to_owned(),
        real.to_uppercase(),
        real[..63].to_owned(),
        format!("{}/", &real[..63]),
        format!("{real}0"),
    ] {
        for r in [
            store.content(&bad).await.map(|_| ()),
            store.remove_content(&bad).await.map(|_| ()),
        ] {
            match r {
                Err(Error::Validation(v)) => assert!(v.to_string().contains("sha256"), "{v}"),
                other => panic!("key {bad:?}: expected a validation error, got {other:?}"),
            }
        }
    }
    assert!(store.content(&real).await.unwrap().is_some());
}
