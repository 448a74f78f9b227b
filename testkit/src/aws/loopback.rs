//! A scripted HTTP/1.1 server on a loopback port: canned answers per path,
//! and a record of the requests it received.

use super::url::decode;
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One canned HTTP answer.
#[derive(Clone, Debug)]
pub struct Canned {
    /// The HTTP status code.
    pub status: u16,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
    /// The response body.
    pub body: Vec<u8>,
    /// Send no Content-Length (the body ends when the connection closes).
    pub no_length: bool,
    /// Send only this many bytes of the body, after announcing its whole
    /// length: a connection cut mid-body.
    pub send_only: Option<usize>,
}

impl Canned {
    /// `status` with `body` and no extra headers.
    fn new(status: u16, body: Vec<u8>) -> Canned {
        Canned {
            status,
            headers: Vec::new(),
            body,
            no_length: false,
            send_only: None,
        }
    }

    /// `200 OK` with `body`.
    pub fn ok(body: Vec<u8>) -> Canned {
        Canned::new(200, body)
    }

    /// `200 OK` announcing all of `body` but cut after its first half.
    pub fn cut_short(body: Vec<u8>) -> Canned {
        let half = body.len() / 2;
        Canned {
            send_only: Some(half),
            ..Canned::ok(body)
        }
    }

    /// A JSON body with `status`.
    pub fn json(status: u16, value: &serde_json::Value) -> Canned {
        let mut c = Canned::new(status, value.to_string().into_bytes());
        c.headers
            .push(("Content-Type".into(), "application/json".into()));
        c
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

    /// `status` with an empty body.
    pub fn status(status: u16) -> Canned {
        Canned::new(status, Vec::new())
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
    /// `http://127.0.0.1:<port>`.
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
    /// Starts serving on a free loopback port, until dropped.
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

/// Answers one request on `stream` from `routes` (404 for unknown paths).
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
    let body = match answer.send_only {
        Some(n) => &answer.body[..n.min(answer.body.len())],
        None => &answer.body[..],
    };
    let _ = stream.write_all(body);
    let _ = stream.flush();
}
