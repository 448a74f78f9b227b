//! The moto AWS emulator, started per test on a free loopback port.

use super::url::encode;
use super::{test_env, ACCOUNT, REGION};
use crate::paths::{fixtures, workspace_root};
use crate::skip::skip;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python interpreter: `$PYTHON`, else `python3`.
pub(super) fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The moto AWS emulator (moto.server) on 127.0.0.1.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`, for the SDK's endpoint URL.
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto, or returns `None` after a [`skip`] when python3 with
    /// `moto[server]` is missing.
    pub fn start() -> Option<Moto> {
        Moto::launch(false)
    }

    /// Starts moto answering one request at a time. Moto's DynamoDB
    /// `TransactWriteItems` backs up the tables and restores them when a
    /// condition fails, which loses the writes of requests served meanwhile:
    /// tests of concurrent writers need the atomicity DynamoDB gives, which
    /// serving requests one by one restores.
    pub fn start_serialized() -> Option<Moto> {
        Moto::launch(true)
    }

    fn launch(serialized: bool) -> Option<Moto> {
        test_env();
        let probe = Command::new(python())
            .args(["-c", "import moto.server, flask"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !probe.is_ok_and(|s| s.success()) {
            skip(format_args!(
                "{} with moto[server] not found: run `python3 -m pip install 'moto[server]'` \
                 (scripts/test.sh does)",
                python()
            ));
            return None;
        }
        let port = free_port();
        // moto.server, exiting when its standard input closes: when this test
        // process ends, even without running Drop (an abort), moto goes too.
        let serve = if serialized {
            // The server's own app, each request under one lock.
            "import moto.server, werkzeug.serving\n\
             os.environ['MOTO_PORT'] = 'PORT'\n\
             lock = threading.Lock()\n\
             app = moto.server.DomainDispatcherApplication(moto.server.create_backend_app)\n\
             def serial(environ, start_response):\n    \
                 with lock:\n        \
                     return list(app(environ, start_response))\n\
             werkzeug.serving.run_simple('127.0.0.1', PORT, serial, threaded=True)\n"
                .replace("PORT", &port.to_string())
        } else {
            format!(
                "from moto.server import main\n\
                 main(['-H', '127.0.0.1', '-p', '{port}'])\n"
            )
        };
        let script = format!(
            "import os, sys, threading\n\
             threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n\
             {serve}"
        );
        let child = Command::new(python())
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
        panic!("moto did not answer on {} within 60 s", moto.endpoint);
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

    /// Creates the test functions and layers from the corpus fixtures with
    /// `moto_seed.py` (beside this file); returns what it printed (ARNs and
    /// CodeSha256 values).
    pub fn seed(&self) -> serde_json::Value {
        let script = workspace_root().join("testkit/src/aws/moto_seed.py");
        let out = Command::new(python())
            .arg(script)
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

/// The status code of `GET path` on the loopback `port`, if it answers.
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
