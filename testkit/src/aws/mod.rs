//! Test harness for the AWS tests: the moto emulator on a free loopback port
//! (killed on drop), and a scripted loopback HTTP server that serves code bytes
//! and canned API answers. No traffic leaves 127.0.0.1.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

/// Points the AWS SDK at fixed test credentials and away from any local
/// profile or instance metadata. Safe to call from every test.
pub fn test_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for (k, v) in [
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/nonexistent/lambda-audit-test-config"),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/lambda-audit-test-credentials",
            ),
        ] {
            std::env::set_var(k, v);
        }
        std::env::remove_var("AWS_PROFILE");
        std::env::remove_var("AWS_SESSION_TOKEN");
    });
}

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|p| p.join("fixtures").is_dir())
        .map(|p| p.join("fixtures"))
        .expect("fixtures/ directory")
}

/// A corpus fixture's bytes.
pub fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("corpus").join(name)).expect("corpus fixture")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The moto AWS emulator (moto.server) on 127.0.0.1.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto, or returns None (after a loud SKIPPED line) when python3 or
    /// moto is missing and LAMBDA_AUDIT_SKIP_AWS=1. Without that variable a
    /// missing moto fails the test with instructions.
    pub fn start(test: &str) -> Option<Moto> {
        test_env();
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let probe = Command::new(&python)
            .args(["-c", "import moto.server, flask"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !probe.is_ok_and(|s| s.success()) {
            if std::env::var("LAMBDA_AUDIT_SKIP_AWS").as_deref() == Ok("1") {
                eprintln!("SKIPPED: {test}: python3 with moto[server] not found (LAMBDA_AUDIT_SKIP_AWS=1)");
                return None;
            }
            panic!(
                "{test}: the AWS tests need the moto emulator: run `python3 -m pip install 'moto[server]'` \
                 (scripts/test.sh does), or set LAMBDA_AUDIT_SKIP_AWS=1 to skip them"
            );
        }
        let port = free_port();
        // moto.server, exiting when its standard input closes: when this test
        // process ends, even without running Drop (an abort), moto goes too.
        let script = format!(
            "import os, sys, threading\n\
             threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n\
             from moto.server import main\n\
             main(['-H', '127.0.0.1', '-p', '{port}'])\n"
        );
        let child = Command::new(&python)
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto.server");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if http_get(port, "/moto-api/").is_some_and(|status| status < 500) {
                return Some(moto);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "{test}: moto did not answer on {} within 60 s",
            moto.endpoint
        );
    }

    fn port(&self) -> u16 {
        self.endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    /// Sends a query-protocol call (IAM, SQS) with an unsigned Authorization
    /// header naming `service` (moto routes on it and does not check signatures).
    pub fn query(&self, service: &str, form: &[(&str, &str)]) -> String {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {len}\r\nConnection: close\r\n\r\n{body}",
            port = self.port(),
            len = body.len()
        );
        let mut stream = TcpStream::connect(("127.0.0.1", self.port())).expect("connect moto");
        stream.write_all(request.as_bytes()).expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response
    }

    /// Creates the test functions and layers with tests/support/moto_seed.py;
    /// returns what it printed (ARNs and CodeSha256 values).
    pub fn seed(&self) -> serde_json::Value {
        let root = fixtures().parent().expect("workspace root").to_path_buf();
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let out = Command::new(python)
            .arg(root.join("tests/support/moto_seed.py"))
            .arg(&self.endpoint)
            .arg(fixtures())
            .output()
            .expect("run moto_seed.py");
        assert!(
            out.status.success(),
            "moto_seed.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("moto_seed.py prints JSON")
    }

    /// Creates an SQS queue; returns its ARN.
    pub fn create_queue(&self, name: &str) -> String {
        let answer = self.query("sqs", &[("Action", "CreateQueue"), ("QueueName", name)]);
        assert!(
            answer.contains("<CreateQueueResponse"),
            "CreateQueue: {answer}"
        );
        format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")
    }

    /// Receives every message waiting in a queue; returns their bodies as JSON.
    pub fn drain_queue(&self, name: &str) -> Vec<serde_json::Value> {
        let url = format!("{}/{ACCOUNT}/{name}", self.endpoint);
        let mut bodies = Vec::new();
        loop {
            let answer = self.query(
                "sqs",
                &[
                    ("Action", "ReceiveMessage"),
                    ("QueueUrl", &url),
                    ("MaxNumberOfMessages", "10"),
                    ("VisibilityTimeout", "600"),
                ],
            );
            let before = bodies.len();
            for part in answer.split("<Body>").skip(1) {
                let body = part.split("</Body>").next().unwrap_or_default();
                let text = body
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&#39;", "'")
                    .replace("&amp;", "&");
                bodies.push(serde_json::from_str(&text).expect("an EventBridge event"));
            }
            if bodies.len() == before {
                return bodies;
            }
        }
    }

    /// Creates an IAM role functions can be created with; returns its ARN.
    pub fn create_role(&self, name: &str) -> String {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let answer = self.query(
            "iam",
            &[
                ("Action", "CreateRole"),
                ("Version", "2010-05-08"),
                ("RoleName", name),
                ("AssumeRolePolicyDocument", doc),
            ],
        );
        assert!(
            answer.contains("<CreateRoleResponse"),
            "CreateRole: {answer}"
        );
        format!("arn:aws:iam::{ACCOUNT}:role/{name}")
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn http_get(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One canned HTTP answer.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Send no Content-Length (the body ends when the connection closes).
    pub no_length: bool,
}

impl Canned {
    pub fn ok(body: Vec<u8>) -> Canned {
        Canned {
            status: 200,
            headers: Vec::new(),
            body,
            no_length: false,
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Canned {
        Canned {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: value.to_string().into_bytes(),
            no_length: false,
        }
    }

    /// A Lambda REST-JSON error, as the SDK reads it.
    pub fn aws_error(status: u16, code: &str, message: &str) -> Canned {
        let mut c = Canned::json(
            status,
            &serde_json::json!({"Type": "User", "message": message}),
        );
        c.headers.push(("x-amzn-ErrorType".into(), code.into()));
        c
    }

    pub fn status(status: u16) -> Canned {
        Canned {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            no_length: false,
        }
    }
}

#[derive(Default)]
struct Routes {
    /// Answers per decoded path (query string dropped); the last one repeats.
    answers: HashMap<String, VecDeque<Canned>>,
    hits: HashMap<String, usize>,
    /// Request bodies received per path.
    bodies: HashMap<String, Vec<Vec<u8>>>,
    /// Query strings received per path.
    queries: HashMap<String, Vec<String>>,
}

/// A loopback HTTP/1.1 server answering from scripts, counting requests per path.
pub struct Scripted {
    pub base: String,
    routes: Arc<Mutex<Routes>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

impl Scripted {
    pub fn start() -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let routes = Arc::new(Mutex::new(Routes::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s) = (routes.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let r = r.clone();
                std::thread::spawn(move || serve(stream, &r));
            }
        });
        Scripted {
            base: format!("http://127.0.0.1:{port}"),
            routes,
            stop,
            port,
        }
    }

    /// Answers `path` with `answers` in turn, the last one from then on.
    pub fn route(&self, path: &str, answers: Vec<Canned>) {
        let mut routes = self.routes.lock().unwrap();
        routes.answers.insert(path.to_string(), answers.into());
    }

    /// Serves `bytes` at `/{sha256_hex}`, as a content-addressed code mirror.
    pub fn serve_code(&self, sha256_hex: &str, bytes: Vec<u8>) -> String {
        let path = format!("/{sha256_hex}");
        self.route(&path, vec![Canned::ok(bytes)]);
        path
    }

    /// The request bodies `path` received, once there are `n` (or after `timeout`).
    pub fn wait_for_bodies(&self, path: &str, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            let bodies = self
                .routes
                .lock()
                .unwrap()
                .bodies
                .get(path)
                .cloned()
                .unwrap_or_default();
            if bodies.len() >= n || Instant::now() > deadline {
                return bodies;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The (decoded) query strings `path` received, in order.
    pub fn queries(&self, path: &str) -> Vec<String> {
        self.routes
            .lock()
            .unwrap()
            .queries
            .get(path)
            .cloned()
            .unwrap_or_default()
    }

    /// How many requests `path` received.
    pub fn hits(&self, path: &str) -> usize {
        self.routes
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

fn serve(stream: TcpStream, routes: &Mutex<Routes>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = decode(target.split('?').next().unwrap_or("/"));
    let answer = {
        let mut routes = routes.lock().unwrap();
        *routes.hits.entry(path.clone()).or_default() += 1;
        routes.bodies.entry(path.clone()).or_default().push(body);
        let query = target.split_once('?').map_or("", |(_, q)| q);
        routes
            .queries
            .entry(path.clone())
            .or_default()
            .push(decode(query));
        match routes.answers.get_mut(&path) {
            Some(q) if q.len() > 1 => q.pop_front(),
            Some(q) => q.front().cloned(),
            None => None,
        }
    }
    .unwrap_or_else(|| Canned::aws_error(404, "NotFound", &format!("no route for {path}")));
    let mut stream = reader.into_inner();
    let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", answer.status);
    for (k, v) in &answer.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !answer.no_length {
        head.push_str(&format!("Content-Length: {}\r\n", answer.body.len()));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&answer.body);
    let _ = stream.flush();
}
