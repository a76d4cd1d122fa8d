//! A fault-injecting HTTP proxy for the emulator: wharf talks to the proxy, the proxy to
//! moto, and on the way it can throttle (a share of calls, or chosen operations), answer
//! 500/503, drop the connection, add latency, or hang. Decisions come from a seeded
//! generator, so a run is reproducible. It counts every request by operation, so tests
//! can report the attempts made.
//!
//! With `FaultProxy::with_aws_behaviour`, ECS calls also go through the AWS-behaviour layer
//! (aws_behaviour.rs), which answers the way AWS documents where moto does not.
//!
//! One request per connection: the proxy forwards with `Connection: close` and relays
//! moto's answer, which closes the client's connection too. HTTP/1.1 with Content-Length
//! bodies is all the SDK sends for these APIs.
//!
//! The proxy runs on its own thread and runtime, so a test may start and drop it from
//! synchronous code or from inside an async test alike.

use super::aws_behaviour::{AwsBehaviour, ECR_TARGET, ECS_TARGET, Reply, Upstream};
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
    /// The AWS-behaviour layer, when on.
    behaviour: Option<Arc<AwsBehaviour>>,
}

pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl FaultProxy {
    /// A proxy in front of `upstream` (e.g. `http://127.0.0.1:PORT`), on a free port.
    pub fn start(upstream: &str, faults: Faults, seed: u64) -> Self {
        Self::launch(upstream, faults, seed, None)
    }

    /// A proxy that also answers ECS the way AWS documents it (see aws_behaviour.rs),
    /// with `faults` injected before the layer.
    pub fn with_aws_behaviour(upstream: &str, faults: Faults, seed: u64) -> Self {
        Self::launch(upstream, faults, seed, Some(Arc::new(AwsBehaviour::new())))
    }

    fn launch(
        upstream: &str,
        faults: Faults,
        seed: u64,
        behaviour: Option<Arc<AwsBehaviour>>,
    ) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let state = Arc::new(State {
            faults: Mutex::new(faults),
            seed,
            behaviour,
            ..State::default()
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("proxy port");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("proxy runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("tokio listener");
                    let accept = async {
                        while let Ok((client, _)) = listener.accept().await {
                            let state = shared.clone();
                            let upstream = upstream.clone();
                            tokio::spawn(async move {
                                let _ = serve(client, &upstream, &state).await;
                            });
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stopped => {}
                    }
                });
                // Hung calls (hang_operations) are abandoned, not awaited.
                runtime.shutdown_background();
            })
            .expect("proxy thread");
        Self {
            endpoint,
            state,
            stop: Some(stop),
        }
    }

    /// The AWS-behaviour layer (panics when the proxy was started without it).
    pub fn aws_behaviour(&self) -> &AwsBehaviour {
        self.state
            .behaviour
            .as_deref()
            .expect("a proxy started with_aws_behaviour")
    }

    /// The next UpdateService of service `name` that starts a deployment fails, and ECS
    /// rolls the service back to its previous deployment (see `rollback_sequence`).
    pub fn roll_back_next_deployment(&self, name: &str) {
        self.aws_behaviour().roll_back_next_deployment(name);
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
    /// The X-Amz-Target service prefix (`AmazonEC2ContainerServiceV20141113` for ECS).
    target: Option<String>,
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
    let target = header("x-amz-target");
    let (operation, query_protocol) = match &target {
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
        target: target.and_then(|t| t.rsplit_once('.').map(|(prefix, _)| prefix.to_string())),
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
    if let Some(behaviour) = &state.behaviour
        && request.query_protocol
        && request.operation == "AssumeRole"
        && behaviour.enabled("assume_role_trust")
        && let Some(denied) = assume_role_denial(upstream, &request).await?
    {
        client.write_all(&denied).await?;
        return client.shutdown().await;
    }
    let path = request
        .head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or_default()
        .to_string();
    if let Some(behaviour) = &state.behaviour
        && behaviour.enabled("inspector_ecr_configuration")
        && matches!(
            path.as_str(),
            "/configuration/get" | "/configuration/update"
        )
    {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let reply = behaviour.inspector_call(&path, &body);
        client.write_all(&http_reply(&reply)).await?;
        return client.shutdown().await;
    }
    if let Some(behaviour) = &state.behaviour
        && request.target.as_deref() == Some(ECR_TARGET)
        && behaviour.enabled("registry_supply_chain_apis")
        && super::aws_behaviour::SUPPLY_CHAIN_OPERATIONS.contains(&request.operation.as_str())
    {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let reply = behaviour.supply_chain_call(&request.operation, &body);
        client.write_all(&http_reply(&reply)).await?;
        return client.shutdown().await;
    }
    if let Some(behaviour) = &state.behaviour
        && request.target.as_deref() == Some(ECR_TARGET)
        && behaviour.enabled("lifecycle_archive_rules")
        && matches!(
            request.operation.as_str(),
            "PutLifecyclePolicy" | "GetLifecyclePolicy" | "DeleteLifecyclePolicy"
        )
    {
        let reply = lifecycle_policy(upstream, behaviour, &request).await?;
        client.write_all(&http_reply(&reply)).await?;
        return client.shutdown().await;
    }
    if let Some(behaviour) = &state.behaviour
        && request.target.as_deref() == Some(ECS_TARGET)
        && AwsBehaviour::handles(&request.operation)
    {
        let link = MotoLink {
            upstream,
            head: &request.head,
        };
        let reply = behaviour
            .handle(&link, &request.operation, &request.body)
            .await?;
        client.write_all(&http_reply(&reply)).await?;
        return client.shutdown().await;
    }
    let answer = exchange(upstream, &request.head, None, &request.body).await?;
    client.write_all(&answer).await?;
    client.shutdown().await
}

/// `assume_role_trust`: AccessDenied, as STS answers, when the role does not exist in its
/// account or its trust policy does not let the caller assume it; None to pass the call on.
async fn assume_role_denial(upstream: &str, request: &Request) -> std::io::Result<Option<Vec<u8>>> {
    let form: BTreeMap<String, String> = String::from_utf8_lossy(&request.body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let role_arn = form.get("RoleArn").cloned().unwrap_or_default();
    let account = role_arn.split(':').nth(4).unwrap_or_default().to_string();
    let name = role_arn.rsplit('/').next().unwrap_or_default().to_string();
    // GetRole in the role's account: moto takes the account from x-moto-account-id and
    // the service from the credential scope.
    let mut head = String::new();
    for line in request.head.lines() {
        if line.to_ascii_lowercase().starts_with("authorization:") {
            head.push_str(&line.replace("/sts/aws4_request", "/iam/aws4_request"));
            head.push_str("\r\n");
        } else if !line.is_empty() {
            head.push_str(line);
            head.push_str("\r\n");
        }
    }
    head.push_str(&format!("x-moto-account-id: {account}\r\n"));
    let body = format!(
        "Action=GetRole&Version=2010-05-08&RoleName={}",
        percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
    );
    let raw = exchange(upstream, &head, None, body.as_bytes()).await?;
    let reply = parse_reply(&raw)?;
    let text = String::from_utf8_lossy(&reply.body);
    let policy = (reply.status == 200)
        .then(|| {
            let start =
                text.find("<AssumeRolePolicyDocument>")? + "<AssumeRolePolicyDocument>".len();
            let end = text[start..].find("</AssumeRolePolicyDocument>")? + start;
            let document = decode(
                &text[start..end]
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&"),
            );
            serde_json::from_str::<serde_json::Value>(&document).ok()
        })
        .flatten();
    let external_id = form.get("ExternalId").map(String::as_str);
    if super::aws_behaviour::assume_role_allowed(
        policy.as_ref(),
        super::aws_behaviour::CALLER_ACCOUNT,
        external_id,
    ) {
        return Ok(None);
    }
    let message = format!(
        "User: arn:aws:iam::{}:user/testing is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
        super::aws_behaviour::CALLER_ACCOUNT
    );
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{message}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>"
    );
    Ok(Some(response(403, "text/xml", &body)))
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// `lifecycle_archive_rules`: ECR's lifecycle policy calls, with the documents moto refuses
/// (archive storage, last-pull ages) kept by the layer and answered as ECR answers.
async fn lifecycle_policy(
    upstream: &str,
    behaviour: &AwsBehaviour,
    request: &Request,
) -> std::io::Result<Reply> {
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
    let repository = body["repositoryName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let answer = |text: &str| {
        Reply::json(
            200,
            &serde_json::json!({
                "registryId": "123456789012",
                "repositoryName": repository,
                "lifecyclePolicyText": text,
                "lastEvaluatedAt": 0,
            }),
        )
    };
    match request.operation.as_str() {
        "PutLifecyclePolicy" => {
            let text = body["lifecyclePolicyText"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if super::aws_behaviour::uses_archive_features(&doc) {
                // The repository must exist, as for any PutLifecyclePolicy: moto says so.
                let probe = serde_json::json!({"repositoryNames": [repository]}).to_string();
                let head = request
                    .head
                    .replace("PutLifecyclePolicy", "DescribeRepositories");
                let found = parse_reply(&exchange(upstream, &head, None, probe.as_bytes()).await?)?;
                if found.status != 200 {
                    return Ok(found);
                }
                behaviour.keep_lifecycle_policy(&repository, Some(text.clone()));
                return Ok(answer(&text));
            }
            behaviour.keep_lifecycle_policy(&repository, None);
            parse_reply(&exchange(upstream, &request.head, None, &request.body).await?)
        }
        "GetLifecyclePolicy" => match behaviour.kept_lifecycle_policy(&repository) {
            Some(text) => Ok(answer(&text)),
            None => parse_reply(&exchange(upstream, &request.head, None, &request.body).await?),
        },
        _ => match behaviour.keep_lifecycle_policy(&repository, None) {
            Some(text) => Ok(answer(&text)),
            None => parse_reply(&exchange(upstream, &request.head, None, &request.body).await?),
        },
    }
}

/// Sends one request to moto (the client's head, with another X-Amz-Target operation when
/// `operation` is given, and `body`) and returns moto's raw answer.
async fn exchange(
    upstream: &str,
    head: &str,
    operation: Option<&str>,
    body: &[u8],
) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream).await?;
    let mut text = String::new();
    for line in head.lines().filter(|line| !line.is_empty()) {
        let name = line.split(':').next().unwrap_or_default().trim();
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if is("connection") || is("content-length") || is("expect") {
            continue;
        }
        match operation {
            Some(op) if is("x-amz-target") => {
                text.push_str(&format!("X-Amz-Target: {ECS_TARGET}.{op}\r\n"))
            }
            _ => text.push_str(&format!("{line}\r\n")),
        }
    }
    stream
        .write_all(
            format!(
                "{text}Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await?;
    stream.write_all(body).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(answer)
}

/// moto, as the AWS-behaviour layer's upstream: the client's own request, re-aimed.
struct MotoLink<'a> {
    upstream: &'a str,
    head: &'a str,
}

impl Upstream for MotoLink<'_> {
    async fn call(&self, operation: &str, body: &[u8]) -> std::io::Result<Reply> {
        let raw = exchange(self.upstream, self.head, Some(operation), body).await?;
        parse_reply(&raw)
    }
}

/// An HTTP/1.1 response (Content-Length, chunked, or read to the close) as a `Reply`.
fn parse_reply(raw: &[u8]) -> std::io::Result<Reply> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let end = find(raw, b"\r\n\r\n").ok_or_else(|| bad("no header end in moto's answer"))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status in moto's answer"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let rest = &raw[end + 4..];
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        let mut at = 0;
        loop {
            let line_end = find(&rest[at..], b"\r\n").ok_or_else(|| bad("bad chunk"))? + at;
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[at..line_end])
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim(),
                16,
            )
            .map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                break;
            }
            let start = line_end + 2;
            body.extend_from_slice(
                rest.get(start..start + size)
                    .ok_or_else(|| bad("short chunk"))?,
            );
            at = start + size + 2;
        }
        body
    } else {
        match header("content-length").and_then(|v| v.parse::<usize>().ok()) {
            Some(n) => rest[..n.min(rest.len())].to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// A `Reply` as an HTTP/1.1 response with its own framing.
fn http_reply(reply: &Reply) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        let framing = ["content-length", "transfer-encoding", "connection"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h));
        if !framing {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&reply.body);
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Service Unavailable",
    }
}

fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        reason(status),
        body.len()
    )
    .into_bytes()
}
