//! A Lambda Runtime API (the interface a custom runtime polls), small enough
//! to time: it notes when the function first asks for an event (the end of
//! what Lambda reports as Init Duration), when each event went out and when
//! its answer came back.
//!
//! <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "/2018-06-01/runtime";

/// The answer to one event.
#[derive(Debug)]
pub struct Answer {
    pub body: Vec<u8>,
    /// Posted to `/error` rather than `/response`.
    pub error: bool,
    pub delivered_at: Instant,
    pub answered_at: Instant,
}

impl Answer {
    pub fn took(&self) -> Duration {
        self.answered_at - self.delivered_at
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Default)]
struct State {
    queue: VecDeque<(String, Vec<u8>)>,
    first_poll: Option<Instant>,
    delivered: HashMap<String, Instant>,
    answers: HashMap<String, Answer>,
    init_error: Option<String>,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One Runtime API endpoint, for one function process.
pub struct RuntimeApi {
    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    shared: Arc<Shared>,
    next_id: u64,
}

impl RuntimeApi {
    pub fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = accepting.clone();
                if shared.lock().closed {
                    break;
                }
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Ok(Self { address, shared, next_id: 0 })
    }

    /// When the function first asked for an event, waiting up to `timeout`.
    pub fn first_poll(&self, timeout: Duration) -> Result<Instant, String> {
        self.wait(timeout, "the function never asked for an event", |state| state.first_poll)
    }

    /// Hands `event` to the function and waits for its answer.
    pub fn invoke(
        &mut self,
        event: &serde_json::Value,
        timeout: Duration,
    ) -> Result<Answer, String> {
        self.next_id += 1;
        let id = format!("bench-{:08}", self.next_id);
        let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
        self.shared.lock().queue.push_back((id.clone(), body));
        self.shared.changed.notify_all();
        let late = format!("no answer to {id} within {timeout:?}");
        self.wait(timeout, &late, |state| state.answers.remove(&id))
    }

    /// Waits up to `timeout` for `ready` to find something, or for the
    /// function to report a failed start.
    fn wait<T>(
        &self,
        timeout: Duration,
        late: &str,
        mut ready: impl FnMut(&mut State) -> Option<T>,
    ) -> Result<T, String> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            if let Some(found) = ready(&mut state) {
                return Ok(found);
            }
            if let Some(error) = &state.init_error {
                return Err(format!("the function failed to start: {error}"));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(late.to_owned());
            }
            state =
                self.shared.changed.wait_timeout(state, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
    }
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = value.parse().ok()?;
        } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some(Request { method, path, body })
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) -> bool {
    let mut head = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).is_ok() && stream.write_all(body).is_ok()
}

fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let path = request.path.strip_prefix(PREFIX).unwrap_or("");
        let accepted = ("202 Accepted", br#"{"status":"OK"}"#.as_slice());
        let ok = match (request.method.as_str(), path) {
            ("GET", "/invocation/next") => match next_event(shared) {
                Some((id, event)) => {
                    let deadline = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_millis() + 60_000)
                        .unwrap_or(0);
                    let headers = [
                        ("content-type", "application/json".to_owned()),
                        ("lambda-runtime-aws-request-id", id),
                        ("lambda-runtime-deadline-ms", deadline.to_string()),
                        (
                            "lambda-runtime-invoked-function-arn",
                            "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
                        ),
                        (
                            "lambda-runtime-trace-id",
                            "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
                        ),
                    ];
                    respond(&mut writer, "200 OK", &headers, &event)
                }
                None => false,
            },
            ("POST", "/init/error") => {
                let mut state = shared.lock();
                state.init_error = Some(String::from_utf8_lossy(&request.body).into_owned());
                shared.changed.notify_all();
                respond(&mut writer, accepted.0, &[], accepted.1)
            }
            ("POST", invocation) if invocation.starts_with("/invocation/") => {
                let rest = &invocation["/invocation/".len()..];
                let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
                let mut state = shared.lock();
                let delivered_at = state.delivered.remove(id).unwrap_or_else(Instant::now);
                state.answers.insert(
                    id.to_owned(),
                    Answer {
                        body: request.body,
                        error: kind == "error",
                        delivered_at,
                        answered_at: Instant::now(),
                    },
                );
                shared.changed.notify_all();
                drop(state);
                respond(&mut writer, accepted.0, &[], accepted.1)
            }
            _ => respond(&mut writer, "404 Not Found", &[], b"{}"),
        };
        if !ok {
            return;
        }
    }
}

/// Blocks until an event is queued (the long poll), or the API closes.
fn next_event(shared: &Shared) -> Option<(String, Vec<u8>)> {
    let mut state = shared.lock();
    if state.first_poll.is_none() {
        state.first_poll = Some(Instant::now());
        shared.changed.notify_all();
    }
    loop {
        if state.closed {
            return None;
        }
        if let Some((id, event)) = state.queue.pop_front() {
            state.delivered.insert(id.clone(), Instant::now());
            return Some((id, event));
        }
        state = shared.changed.wait(state).unwrap_or_else(|p| p.into_inner());
    }
}
