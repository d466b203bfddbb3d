//! The SDK configuration of a function: credentials and region from
//! Lambda's environment, HTTPS on rustls (ring) trusting the roots AWS
//! endpoints chain to.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{SharedCredentialsProvider, SharedHttpClient};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};

/// The SDK configuration from what Lambda puts in a function's environment:
/// the execution role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and `AWS_REGION`; also
/// `AWS_ENDPOINT_URL` when an emulator stands in for AWS, and `SSL_CERT_FILE`
/// (see [`Roots`]). Load it once per cold start. `app_name` goes into every
/// request's user agent (`app/<name>`), so CloudTrail, and the emulator's
/// call log, tell the callers apart.
///
/// Deliberately not `aws_config::defaults()`: its provider chain (profile
/// files, SSO, STS web identity, IMDS, ECS) never applies inside Lambda and
/// adds about half a megabyte to each package.
pub fn load_sdk_config(app_name: &str) -> SdkConfig {
    sdk_config_from(|name| std::env::var(name).ok(), app_name)
}

/// [`load_sdk_config`] with the region, endpoint and roots looked up through
/// `var`; the credentials still come from the process environment, when the
/// first request needs them.
pub fn sdk_config_from(var: impl Fn(&str) -> Option<String>, app_name: &str) -> SdkConfig {
    let credentials = EnvironmentVariableCredentialsProvider::new();
    // Setting `SSL_CERT_FILE` (for instance to
    // `/etc/pki/tls/certs/ca-bundle.crt`) switches to the platform's store.
    let roots = match var("SSL_CERT_FILE") {
        Some(_) => Roots::Platform,
        None => Roots::Aws,
    };
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(var("AWS_REGION").map(Region::new))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(https_client(roots));
    if let Some(endpoint) = var("AWS_ENDPOINT_URL").filter(|e| !e.is_empty()) {
        builder = builder.endpoint_url(endpoint);
    }
    if let Ok(name) = aws_config::AppName::new(app_name.to_owned()) {
        builder = builder.app_name(name);
    }
    builder.build()
}

/// The roots of trust for AWS endpoints: Amazon Root CA 1 to 4 and the
/// Starfield Services root that cross-signs them.
const AWS_ROOT_CAS: &[u8] = include_bytes!("../data/aws-root-cas.pem");

/// Which certificate authorities the SDK clients trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roots {
    /// Only the roots AWS endpoints chain to (`shared/aws/data/aws-root-cas.pem`):
    /// no file to read and parse at start.
    Aws,
    /// The platform's store (`SSL_CERT_FILE` or the system bundle and
    /// directories), for partitions whose endpoints chain elsewhere.
    Platform,
}

/// HTTPS for the SDK clients: hyper 1 (the one the Lambda runtime uses) with
/// rustls on ring. aws-lc-rs, the SDK's default, adds about 2 MB to each
/// package (it also brings post-quantum key exchange, which ring lacks).
pub fn https_client(roots: Roots) -> SharedHttpClient {
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring));
    let trust = match roots {
        Roots::Aws => TrustStore::empty().with_pem_certificate(AWS_ROOT_CAS),
        Roots::Platform => return builder.build_https(),
    };
    match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // Cannot fail today; should it ever, the platform's roots still work.
        Err(_) => builder.build_https(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_configuration_comes_from_the_lambda_environment() {
        let sdk = sdk_config_from(
            |name| match name {
                "AWS_REGION" => Some("eu-central-1".into()),
                "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:5000".into()),
                _ => None,
            },
            "verify-code",
        );
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-central-1"));
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert_eq!(sdk.app_name().map(|a| a.as_ref()), Some("verify-code"));
        assert!(sdk.credentials_provider().is_some());
        assert!(sdk.http_client().is_some());

        let deployed = sdk_config_from(|_| None, "verify-code");
        assert_eq!(deployed.endpoint_url(), None, "AWS itself when unset");
    }

    #[test]
    fn the_embedded_roots_are_the_five_aws_roots() {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let roots: Vec<_> = CertificateDer::pem_slice_iter(AWS_ROOT_CAS)
            .collect::<Result<_, _>>()
            .expect("well-formed PEM");
        assert_eq!(roots.len(), 5);
        let der: Vec<&[u8]> = roots.iter().map(|c| c.as_ref()).collect();
        for name in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ] {
            assert!(
                der.iter().any(|d| d.windows(name.len()).any(|w| w == name.as_bytes())),
                "{name} is missing"
            );
        }
    }
}
