//! [`BreachedPasswords`] on the Pwned Passwords range API
//! (`GET <url><five hex digits>` with `Add-Padding: true`), or a service
//! that answers as it does, over HTTPS (`recovery_https`, the SDK clients'
//! client) trusting only the roots that API's certificates chain to
//! (`data/range-api-roots.pem`). Plain HTTP only to the loopback address,
//! for a local stand-in.

use async_trait::async_trait;
use http_body_util::{BodyExt, Limited};
use recovery_https::{Body, Https, Roots};

use recovery_core::ports::{BreachedPasswords, DependencyError};

/// The range API.
pub const PWNED_PASSWORDS_RANGE: &str = "https://api.pwnedpasswords.com/range/";

/// The roots the range API's certificates chain to: those of the
/// authorities Cloudflare, which serves it, issues from.
pub const RANGE_API_ROOTS: &[u8] = include_bytes!("../data/range-api-roots.pem");

/// A padded range is about 40 KB; anything far larger is not one.
const MOST_BODY_BYTES: usize = 1 << 20;

const OP: &str = "breach_range";

/// The range API at `url` (ending in `/range/`).
#[derive(Clone)]
pub struct RangeApi {
    url: String,
    https: Https,
}

/// What makes a range API's URL unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRangeUrl;

impl RangeApi {
    /// The API at `url`: HTTPS, or HTTP to 127.0.0.1 or localhost.
    pub fn new(url: &str) -> Result<Self, InvalidRangeUrl> {
        if !recovery_domain::range_url_allowed(url) {
            return Err(InvalidRangeUrl);
        }
        let https = Https::new(Roots::Pem(RANGE_API_ROOTS), None).map_err(|_| InvalidRangeUrl)?;
        Ok(Self { url: url.to_owned(), https })
    }
}

#[async_trait]
impl BreachedPasswords for RangeApi {
    async fn range(&self, prefix: &str) -> Result<String, DependencyError> {
        let request = http::Request::get(format!("{}{prefix}", self.url))
            .header("Add-Padding", "true")
            .header(http::header::USER_AGENT, "password-recovery")
            .body(Body::default())
            .map_err(|_| DependencyError::new(OP, "InvalidRequest"))?;
        let response =
            self.https.send(request).await.map_err(|_| DependencyError::new(OP, "Unreachable"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(DependencyError::new(OP, format!("Status{}", status.as_u16())));
        }
        let body = Limited::new(response.into_body(), MOST_BODY_BYTES)
            .collect()
            .await
            .map_err(|_| DependencyError::new(OP, "BodyUnreadable"))?
            .to_bytes();
        String::from_utf8(body.to_vec()).map_err(|_| DependencyError::new(OP, "BodyNotText"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_roots_are_the_range_apis_authorities() {
        use rustls::RootCertStore;
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;

        let roots: Vec<_> = CertificateDer::pem_slice_iter(RANGE_API_ROOTS)
            .collect::<Result<_, _>>()
            .expect("every root parses");
        assert_eq!(roots.len(), 13);
        let mut store = RootCertStore::empty();
        let (added, ignored) = store.add_parsable_certificates(roots);
        assert_eq!((added, ignored), (13, 0));
    }

    #[test]
    fn only_https_or_the_loopback_address_is_asked() {
        assert!(recovery_domain::range_url_allowed(PWNED_PASSWORDS_RANGE));
        assert!(recovery_domain::range_url_allowed("http://127.0.0.1:8099/range/"));
        assert!(!recovery_domain::range_url_allowed("http://api.pwnedpasswords.com/range/"));
        assert!(!recovery_domain::range_url_allowed("http://127.0.0.1.evil.example/range/"));
        assert!(!recovery_domain::range_url_allowed("ftp://127.0.0.1/"));
        assert!(RangeApi::new("http://example.com/range/").is_err());
    }

    /// Nothing answers on the port: an error (the flow then fails open or
    /// closed), never a panic.
    #[tokio::test]
    async fn an_unreachable_api_is_a_dependency_error() {
        let api = RangeApi::new("http://127.0.0.1:9/range/").unwrap();
        let err = api.range("5BAA6").await.unwrap_err();
        assert_eq!((err.operation, err.code.as_str()), ("breach_range", "Unreachable"));
    }
}
