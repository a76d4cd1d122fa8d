//! A fault-injecting HTTP proxy for the emulator: wharf talks to the proxy, the proxy to
//! moto, and on the way it can throttle (a share of calls, or chosen operations), answer
//! 500/503, drop the connection, add latency, or hang. Decisions come from a seeded
//! generator, so a run is reproducible. It counts every request by operation, so tests
//! can report the attempts made.
//!
//! One request per connection: the proxy forwards with `Connection: close` and relays
//! moto's answer, which closes the client's connection too. HTTP/1.1 with Content-Length
//! bodies is all the SDK sends for these APIs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What to inject. Shares are fractions of all calls (0.0..=1.0).
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Throttle this share of calls (HTTP 429 ThrottlingException, or IAM's Throttling).
    pub throttle_share: f64,
    /// Always throttle these operations (e.g. "RegisterTaskDefinition").
    pub throttle_operations: Vec<String>,
    /// Answer 500 or 503 (alternately) to this share of calls.
    pub server_error_share: f64,
    /// Close the connection without answering this share of calls.
    pub drop_share: f64,
    /// Added before forwarding every call.
    pub latency: Duration,
    /// Never answer these operations (the client must time out).
    pub hang_operations: Vec<String>,
}

#[derive(Default)]
struct State {
    faults: Mutex<Faults>,
    /// Requests seen, by operation.
    requests: Mutex<BTreeMap<String, u64>>,
    /// Faults injected, by kind.
    injected: Mutex<BTreeMap<&'static str, u64>>,
    counter: AtomicU64,
    seed: u64,
}

pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<State>,
    _runtime: tokio::runtime::Runtime,
}

impl FaultProxy {
    /// A proxy in front of `upstream` (e.g. `http://127.0.0.1:PORT`), on a free port.
    pub fn start(upstream: &str, faults: Faults, seed: u64) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("proxy runtime");
        let state = Arc::new(State {
            faults: Mutex::new(faults),
            seed,
            ..State::default()
        });
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("proxy port");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let shared = state.clone();
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let state = shared.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, &state).await;
                });
            }
        });
        Self {
            endpoint,
            state,
            _runtime: runtime,
        }
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults.lock().unwrap() = faults;
    }

    /// Requests received, by operation (every attempt counts, retries included).
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn total_requests(&self) -> u64 {
        self.requests().values().sum()
    }

    /// Faults injected, by kind ("throttle", "server-error", "drop", "hang").
    pub fn injected(&self) -> BTreeMap<&'static str, u64> {
        self.state.injected.lock().unwrap().clone()
    }
}

/// A uniform number in [0, 1) from the seed and the request's sequence number.
fn draw(state: &State) -> f64 {
    let n = state.counter.fetch_add(1, Ordering::SeqCst);
    // splitmix64
    let mut z = state
        .seed
        .wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

struct Request {
    head: String,
    body: Vec<u8>,
    operation: String,
    /// The query protocol (IAM, STS) answers errors in XML.
    query_protocol: bool,
}

async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = find(&buffer, b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[header_end..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&body);
    let (operation, query_protocol) = match header("x-amz-target") {
        Some(target) => (
            target.rsplit('.').next().unwrap_or_default().to_string(),
            false,
        ),
        None => (
            text.split('&')
                .find_map(|pair| pair.strip_prefix("Action="))
                .unwrap_or("unknown")
                .to_string(),
            true,
        ),
    };
    Ok(Some(Request {
        head,
        body,
        operation,
        query_protocol,
    }))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn serve(mut client: TcpStream, upstream: &str, state: &State) -> std::io::Result<()> {
    let Some(request) = read_request(&mut client).await? else {
        return Ok(());
    };
    *state
        .requests
        .lock()
        .unwrap()
        .entry(request.operation.clone())
        .or_default() += 1;
    let faults = state.faults.lock().unwrap().clone();
    let count = |kind: &'static str| *state.injected.lock().unwrap().entry(kind).or_default() += 1;
    if faults.hang_operations.contains(&request.operation) {
        count("hang");
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return Ok(());
    }
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let roll = draw(state);
    let throttle =
        faults.throttle_operations.contains(&request.operation) || roll < faults.throttle_share;
    if throttle {
        count("throttle");
        let response = if request.query_protocol {
            response(
                400,
                "text/xml",
                "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>proxy</RequestId></ErrorResponse>",
            )
        } else {
            response(
                429,
                "application/x-amz-json-1.1",
                r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            )
        };
        return client.write_all(&response).await;
    }
    let roll = roll - faults.throttle_share.max(0.0);
    if (0.0..faults.server_error_share).contains(&roll) {
        count("server-error");
        let status = if state.counter.load(Ordering::SeqCst).is_multiple_of(2) {
            500
        } else {
            503
        };
        return client
            .write_all(&response(status, "text/plain", "injected failure"))
            .await;
    }
    let roll = roll - faults.server_error_share.max(0.0);
    if (0.0..faults.drop_share).contains(&roll) {
        count("drop");
        return Ok(()); // closing without a byte
    }
    let mut upstream = TcpStream::connect(upstream).await?;
    let head: String = request
        .head
        .lines()
        .filter(|line| {
            !line
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("connection")
        })
        .filter(|line| !line.is_empty())
        .map(|line| format!("{line}\r\n"))
        .collect();
    upstream
        .write_all(format!("{head}Connection: close\r\n\r\n").as_bytes())
        .await?;
    upstream.write_all(&request.body).await?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).await?;
    client.write_all(&answer).await?;
    client.shutdown().await
}

fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    let reason = match status {
        400 => "Bad Request",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Service Unavailable",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
