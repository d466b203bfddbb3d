//! One HTTPS client for the adapters: hyper 1 (the one the Lambda runtime
//! uses) over HTTP/1.1, with rustls on ring, trusting only the roots it is
//! given. The AWS SDK's clients send through it (`recovery-aws`) and so
//! does the breached-password range API (`recovery-breaches`): one copy of
//! the client in a package that links both, and no HTTP/2 (the AWS
//! endpoints these functions call speak HTTP/1.1). Plain HTTP is for an
//! emulator or a stand-in on the loopback address; the callers decide.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// A request body: whole, in memory.
pub type Body = Full<Bytes>;

/// Which certificate authorities a client trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roots {
    /// These PEM certificates alone, compiled in: no file to read at start.
    Pem(&'static [u8]),
    /// The platform's store (`SSL_CERT_FILE`, or the system's bundle and
    /// folders).
    Platform,
}

impl Roots {
    fn store(self) -> RootCertStore {
        let mut store = RootCertStore::empty();
        match self {
            Roots::Pem(pem) => {
                store.add_parsable_certificates(
                    CertificateDer::pem_slice_iter(pem).filter_map(Result::ok),
                );
            }
            Roots::Platform => {
                store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            }
        }
        store
    }
}

/// The client: a pool of keep-alive connections, HTTPS or plain HTTP.
#[derive(Clone, Debug)]
pub struct Https {
    client: Client<HttpsConnector<HttpConnector>, Body>,
}

/// Why a request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No connection: DNS, TCP or TLS (worth another try).
    Connect,
    /// The connection closed or broke before an answer (worth another try).
    Closed,
    /// The answer stopped in the middle.
    Incomplete,
    /// The request itself could not be sent as it is.
    Request,
    Other,
}

/// A request that got no answer: what kind of failure, and hyper's error.
#[derive(Debug)]
pub struct Failure {
    pub kind: FailureKind,
    error: hyper_util::client::legacy::Error,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.error)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// The TLS library offers no safe protocol version (ring always offers
/// TLS 1.2 and 1.3: this does not happen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoTls;

impl std::fmt::Display for NoTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no safe TLS protocol version")
    }
}

impl std::error::Error for NoTls {}

impl Https {
    /// A client trusting `roots`, giving up on a TCP connection after
    /// `connect_timeout`.
    pub fn new(roots: Roots, connect_timeout: Option<Duration>) -> Result<Self, NoTls> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| NoTls)?
            .with_root_certificates(roots.store())
            .with_no_client_auth();
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(connect_timeout);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client =
            Client::builder(TokioExecutor::new()).pool_timer(TokioTimer::new()).build(connector);
        Ok(Self { client })
    }

    /// Sends `request` and answers the response, its body still to read.
    pub async fn send(
        &self,
        request: http::Request<Body>,
    ) -> Result<http::Response<Incoming>, Failure> {
        self.client.request(request).await.map_err(|error| Failure { kind: kind_of(&error), error })
    }
}

fn kind_of(error: &hyper_util::client::legacy::Error) -> FailureKind {
    if error.is_connect() {
        return FailureKind::Connect;
    }
    let mut next: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = next {
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>() {
            let broken = hyper.is_closed()
                || hyper.is_canceled()
                || std::error::Error::source(hyper).is_some_and(|s| s.is::<std::io::Error>());
            return if hyper.is_user() {
                FailureKind::Request
            } else if hyper.is_incomplete_message() {
                FailureKind::Incomplete
            } else if broken {
                FailureKind::Closed
            } else {
                FailureKind::Other
            };
        }
        if cause.is::<std::io::Error>() {
            return FailureKind::Closed;
        }
        next = cause.source();
    }
    FailureKind::Other
}

#[cfg(test)]
mod tests;
