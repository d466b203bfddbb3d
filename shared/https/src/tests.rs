use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::BodyExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// A certificate for `localhost` and 127.0.0.1 that signs itself, and its
/// key: a test server's, trusted by a client given it as its root.
const LOCALHOST: &[u8] = include_bytes!("../data/localhost.pem");
const LOCALHOST_KEY: &[u8] = include_bytes!("../data/localhost-key.pem");
const AWS_ROOTS: &[u8] = include_bytes!("../../aws/data/aws-root-cas.pem");

/// Reads one request (headers and a `content-length` body); `None` at the
/// end of the connection.
async fn read_request(stream: &mut (impl AsyncRead + Unpin)) -> Option<String> {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        seen.push(byte[0]);
    }
    let head = String::from_utf8(seen).ok()?;
    let length = head
        .lines()
        .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length: ")?.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(head + &String::from_utf8_lossy(&body))
}

/// Answers every request on `stream` with its own body, until it closes.
async fn echo(mut stream: impl AsyncRead + AsyncWrite + Unpin) {
    while let Some(request) = read_request(&mut stream).await {
        let body = request.split_once("\r\n\r\n").map_or("", |(_, body)| body).to_owned();
        let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A server on a port of its own: its address, and how many connections
/// it took.
async fn server(
    serve: impl Fn(tokio::net::TcpStream) -> tokio::task::JoinHandle<()> + Send + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            serve(stream);
        }
    });
    (address, connections)
}

fn post(url: &str, body: &'static str) -> http::Request<Body> {
    http::Request::post(url).body(Full::new(Bytes::from_static(body.as_bytes()))).unwrap()
}

async fn text(response: http::Response<Incoming>) -> String {
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn requests_are_answered_over_one_kept_connection() {
    let (address, connections) = server(|stream| tokio::spawn(echo(stream))).await;
    let https = Https::new(Roots::Pem(AWS_ROOTS), None).unwrap();
    for body in ["first", "second", "third"] {
        let response = https.send(post(&format!("http://{address}/"), body)).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(text(response).await, body);
    }
    assert_eq!(connections.load(Ordering::SeqCst), 1, "the connection is kept");
}

#[tokio::test]
async fn https_to_a_server_the_roots_vouch_for_is_answered_and_to_others_refused() {
    let certificate = CertificateDer::from_pem_slice(LOCALHOST).unwrap();
    let key = rustls_pki_types::PrivateKeyDer::from_pem_slice(LOCALHOST_KEY).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let (address, _) = server(move |stream| {
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            if let Ok(tls) = acceptor.accept(stream).await {
                echo(tls).await;
            }
        })
    })
    .await;
    let port = address.rsplit(':').next().unwrap();
    let url = format!("https://localhost:{port}/");

    let trusting = Https::new(Roots::Pem(LOCALHOST), None).unwrap();
    let response = trusting.send(post(&url, "over TLS")).await.unwrap();
    assert_eq!(text(response).await, "over TLS");

    let aws_only = Https::new(Roots::Pem(AWS_ROOTS), None).unwrap();
    let refused = aws_only.send(post(&url, "over TLS")).await.unwrap_err();
    assert_eq!(refused.kind, FailureKind::Connect, "{refused}");
}

#[tokio::test]
async fn nothing_listening_is_a_connect_failure() {
    let https = Https::new(Roots::Pem(AWS_ROOTS), None).unwrap();
    let failure = https.send(post("http://127.0.0.1:9/", "")).await.unwrap_err();
    assert_eq!(failure.kind, FailureKind::Connect, "{failure}");
}

#[tokio::test]
async fn a_connection_closed_before_its_answer_is_an_incomplete_message() {
    let (address, _) = server(|mut stream| {
        tokio::spawn(async move {
            read_request(&mut stream).await;
        })
    })
    .await;
    let https = Https::new(Roots::Pem(AWS_ROOTS), None).unwrap();
    let failure = https.send(post(&format!("http://{address}/"), "x")).await.unwrap_err();
    assert_eq!(failure.kind, FailureKind::Incomplete, "{failure}");
}

#[test]
fn the_roots_given_are_the_roots_trusted() {
    assert_eq!(Roots::Pem(AWS_ROOTS).store().len(), 5);
    assert_eq!(Roots::Pem(LOCALHOST).store().len(), 1);
    assert_eq!(Roots::Pem(b"not a certificate").store().len(), 0);
}
