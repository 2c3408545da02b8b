//! Connecting over TLS: failures of the handshake told apart from the rest.
//!
//! With feature `tls` the driver speaks TLS (rustls with *ring*, the
//! webpki roots) as the URL's `sslmode` asks: `prefer` (the default) uses
//! it when the server offers it, `require` insists on it without checking
//! the certificate, `verify-ca` and `verify-full` check it against
//! `sslrootcert` (and the host name). A failure of any of these is
//! [`Error::Tls`], so a wrong CA is never mistaken for a database that is down.

use crate::error::{BoxError, Error};

use super::super::sql_common::db;

/// Maps an error of connecting: TLS failures to [`Error::Tls`], the rest as
/// [`db`] does.
pub(super) fn connect_error(what: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| match e {
        sqlx::Error::Tls(cause) => tls_error(cause),
        sqlx::Error::Io(io) if is_handshake_failure(&io) => tls_error(Box::new(io)),
        e => db(what)(e),
    }
}

fn tls_error(cause: BoxError) -> Error {
    let message = if cfg!(feature = "tls") {
        "cannot set up an encrypted connection (check the URL's sslmode and sslrootcert)"
    } else {
        "this build has no TLS: enable helpdesk's feature `tls`, or connect with sslmode=disable"
    };
    Error::Tls {
        peer: "PostgreSQL",
        message: message.to_owned(),
        cause: Some(cause),
    }
}

/// Whether an I/O error of connecting is rustls refusing the handshake (an
/// untrusted certificate, a wrong host name): the driver passes those on as
/// I/O errors wrapping rustls's own.
#[cfg(feature = "tls")]
fn is_handshake_failure(io: &std::io::Error) -> bool {
    io.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

#[cfg(not(feature = "tls"))]
fn is_handshake_failure(_: &std::io::Error) -> bool {
    false
}
