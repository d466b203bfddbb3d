//! Plain HTTP/1.1 (ureq), enough to talk to the functions and the emulator.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;
use ureq::config::AutoHeaderValue;

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }

    /// Status, headers and body, without the headers that differ on every
    /// answer of any server (`date`).
    pub fn comparable(&self) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("date"))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        headers.sort();
        (self.status, headers, self.body.clone())
    }
}

/// One HTTP/1.1 request to `url` (`http://host:port/path`) with `headers`
/// and no others but `Host` (the URL's, unless `headers` has one) and the
/// body's length, answered whatever its status and without following a
/// redirect.
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .user_agent(AutoHeaderValue::None)
        .accept(AutoHeaderValue::None)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body).unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let mut response = agent.run(request).unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = response
        .body_mut()
        .read_to_vec()
        .unwrap_or_else(|e| panic!("{method} {url}: reading the answer: {e}"));
    HttpResponse { status: response.status().as_u16(), headers, body }
}

pub fn post_json(url: &str, body: &Value) -> HttpResponse {
    http("POST", url, &[("Content-Type", "application/json")], body.to_string().as_bytes())
}

pub fn post_form(url: &str, body: &str) -> HttpResponse {
    http("POST", url, &[("Content-Type", "application/x-www-form-urlencoded")], body.as_bytes())
}

pub(crate) fn wait_until_answering(url: &str, within: Duration) {
    let deadline = Instant::now() + within;
    let authority = url.trim_start_matches("http://").split('/').next().unwrap_or("").to_owned();
    while TcpStream::connect(&authority).is_err() {
        assert!(Instant::now() < deadline, "{url} did not start within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
