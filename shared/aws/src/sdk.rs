//! The SDK configuration of a function: credentials and region from
//! Lambda's environment, HTTPS (`recovery_https`: HTTP/1.1, rustls on ring)
//! trusting the roots AWS endpoints chain to.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::SharedCredentialsProvider;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use bytes::Bytes;
use http_body_util::Full;
use recovery_https::{Failure, FailureKind, Https, NoTls, Roots};

/// The SDK configuration from what Lambda puts in a function's environment:
/// the execution role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and `AWS_REGION`; also
/// `AWS_ENDPOINT_URL` when an emulator stands in for AWS, and `SSL_CERT_FILE`
/// (see [`AWS_ROOTS`]). Load it once per cold start. `app_name` goes into every
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
        None => AWS_ROOTS,
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

/// What the SDK clients trust unless `SSL_CERT_FILE` asks for the
/// platform's store ([`Roots::Platform`], for partitions whose endpoints
/// chain elsewhere): only the roots AWS endpoints chain to, compiled in, no
/// file to read and parse at start.
pub const AWS_ROOTS: Roots = Roots::Pem(AWS_ROOT_CAS);

/// HTTPS for the SDK clients: `recovery_https` (hyper 1 over HTTP/1.1,
/// rustls on ring), one pool for each timeout setting the SDK asks for.
/// The SDK's own client would bring aws-lc-rs (about 2 MB of each package)
/// or, on ring, HTTP/2 and a second copy of hyper's client beside the range
/// API's.
pub fn https_client(roots: Roots) -> SharedHttpClient {
    SharedHttpClient::new(SdkHttps { roots, connectors: Mutex::default() })
}

#[derive(Debug)]
struct SdkHttps {
    roots: Roots,
    /// By connect and read timeout (the same for every client here).
    connectors: Mutex<Vec<(Timeouts, SharedHttpConnector)>>,
}

/// A connect timeout and a read timeout.
type Timeouts = (Option<Duration>, Option<Duration>);

impl HttpClient for SdkHttps {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.connector((settings.connect_timeout(), settings.read_timeout()))
    }
}

impl SdkHttps {
    fn connector(&self, key: Timeouts) -> SharedHttpConnector {
        let mut connectors = self.connectors.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, connector)) = connectors.iter().find(|(made_for, _)| *made_for == key) {
            return connector.clone();
        }
        let connector = SharedHttpConnector::new(SdkConnector {
            https: Https::new(self.roots, key.0),
            read_timeout: key.1,
        });
        connectors.push((key, connector.clone()));
        connector
    }
}

#[derive(Debug)]
struct SdkConnector {
    /// `Err` only if ring offers no safe TLS version (it always does).
    https: Result<Https, NoTls>,
    read_timeout: Option<Duration>,
}

impl HttpConnector for SdkConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let https = match &self.https {
            Ok(https) => https.clone(),
            Err(e) => {
                return HttpConnectorFuture::ready(Err(ConnectorError::user(e.clone().into())));
            }
        };
        let request = match whole(request) {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e))),
        };
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let sent = https.send(request);
            let answered = match read_timeout {
                Some(limit) => tokio::time::timeout(limit, sent)
                    .await
                    .map_err(|elapsed| ConnectorError::timeout(elapsed.into()))?,
                None => sent.await,
            };
            let response = answered.map_err(connector_error)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// The SDK's request with its body in memory (every request of DynamoDB,
/// SES, SNS, EventBridge and Secrets Manager has it there).
fn whole(request: HttpRequest) -> Result<http::Request<recovery_https::Body>, BoxError> {
    let (parts, body) = request.try_into_http1x()?.into_parts();
    let bytes = body.bytes().ok_or("a streaming request body")?;
    Ok(http::Request::from_parts(parts, Full::new(Bytes::copy_from_slice(bytes))))
}

/// How the SDK's retries see a request that got no answer: as the SDK's
/// own client classifies hyper's errors.
fn connector_error(failure: Failure) -> ConnectorError {
    match failure.kind {
        FailureKind::Connect | FailureKind::Closed => ConnectorError::io(failure.into()),
        FailureKind::Incomplete => {
            ConnectorError::other(failure.into(), Some(ErrorKind::TransientError))
        }
        FailureKind::Request => ConnectorError::user(failure.into()),
        FailureKind::Other => ConnectorError::other(failure.into(), None),
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

    /// A server on a port of its own that reads each request and answers
    /// it with `answer`, or never when `None`.
    async fn server(answer: Option<&'static str>) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut buffer = [0u8; 1024];
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buffer[..n]),
                        }
                    }
                    match answer {
                        Some(answer) => drop(stream.write_all(answer.as_bytes()).await),
                        None => std::future::pending().await,
                    }
                });
            }
        });
        address
    }

    fn request(address: &str) -> HttpRequest {
        let mut request = HttpRequest::new(SdkBody::from("{}"));
        request.set_uri(format!("http://{address}/")).unwrap();
        request
    }

    fn connector(read_timeout: Option<Duration>) -> SharedHttpConnector {
        let client = SdkHttps { roots: AWS_ROOTS, connectors: Mutex::default() };
        client.connector((Some(Duration::from_secs(1)), read_timeout))
    }

    #[tokio::test]
    async fn the_sdk_gets_the_answer_of_its_request() {
        let address = server(Some("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")).await;
        let response = connector(None).call(request(&address)).await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.body().bytes(), None, "the body streams");
        let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
        assert_eq!(body.to_bytes(), "ok");
    }

    /// As the SDK's own client tells them apart: a refused connection and
    /// a lost one are retried, a read timeout is a timeout, a body the
    /// client cannot send is the caller's.
    #[tokio::test]
    async fn failures_are_told_apart_for_the_retries() {
        let refused = connector(None).call(request("127.0.0.1:9")).await.unwrap_err();
        assert!(refused.is_io(), "{refused:?}");

        let silent = server(None).await;
        let waited = connector(Some(Duration::from_millis(50)));
        let timed_out = waited.call(request(&silent)).await.unwrap_err();
        assert!(timed_out.is_timeout(), "{timed_out:?}");

        let hung_up = server(Some("")).await;
        let lost = connector(None).call(request(&hung_up)).await.unwrap_err();
        assert!(lost.is_other() && lost.as_other() == Some(ErrorKind::TransientError), "{lost:?}");

        let mut streaming = request(&silent);
        *streaming.body_mut() = SdkBody::taken();
        let unsendable = connector(None).call(streaming).await.unwrap_err();
        assert!(unsendable.is_user(), "{unsendable:?}");
    }

    #[test]
    fn one_pool_serves_each_timeout_setting() {
        let client = SdkHttps { roots: AWS_ROOTS, connectors: Mutex::default() };
        let short = (Some(Duration::from_secs(1)), None);
        let long = (Some(Duration::from_secs(3)), None);
        client.connector(short);
        client.connector(short);
        client.connector(long);
        let made: Vec<_> = client.connectors.lock().unwrap().iter().map(|(key, _)| *key).collect();
        assert_eq!(made, [short, long]);
    }
}
