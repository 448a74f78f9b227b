//! The shared HTTP client against a loopback server that answers each
//! connection with the next scripted response: retries on 5xx and broken
//! transfers, no retry on 4xx, the size cap, and a file sink that a retry
//! starts afresh.

use lambda_audit_sources::http::{HttpClient, HttpError, Retry, Timeouts};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One scripted answer.
#[derive(Clone)]
enum Reply {
    /// A status with an empty body.
    Status(u16),
    /// 200 with this body.
    Body(Vec<u8>),
    /// 200 announcing the body's full length, then only its first half.
    Truncated(Vec<u8>),
}

/// Serves `replies` in order, one per connection (the last one repeats);
/// returns the URL and the count of requests served.
fn serve(replies: Vec<Reply>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/file", listener.local_addr().unwrap());
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let n = count.fetch_add(1, Ordering::SeqCst);
            let reply = replies[n.min(replies.len() - 1)].clone();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let mut out = stream;
            let (status, body, sent) = match &reply {
                Reply::Status(s) => (*s, Vec::new(), 0),
                Reply::Body(b) => (200, b.clone(), b.len()),
                Reply::Truncated(b) => (200, b.clone(), b.len() / 2),
            };
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = out
                .write_all(head.as_bytes())
                .and_then(|()| out.write_all(&body[..sent]))
                .and_then(|()| out.flush());
        }
    });
    (url, served)
}

fn client() -> HttpClient {
    HttpClient::new(Timeouts {
        connect: Duration::from_secs(5),
        read: Duration::from_secs(5),
        total: Duration::from_secs(20),
    })
    .unwrap()
}

const RETRY: Retry = Retry {
    attempts: 3,
    backoff: Duration::from_millis(5),
};

#[tokio::test]
async fn server_errors_and_broken_transfers_are_retried() {
    let body = b"0123456789".repeat(100);
    let (url, served) = serve(vec![
        Reply::Status(503),
        Reply::Truncated(body.clone()),
        Reply::Body(body.clone()),
    ]);
    let got = client().download_to_memory(&url, 1 << 20, RETRY).await;
    assert_eq!(got.unwrap(), body);
    assert_eq!(served.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried_and_attempts_are_bounded() {
    let (url, served) = serve(vec![Reply::Status(404)]);
    let got = client().download_to_memory(&url, 1 << 20, RETRY).await;
    assert_eq!(got.unwrap_err(), HttpError::Status(404));
    assert_eq!(served.load(Ordering::SeqCst), 1);

    let (url, served) = serve(vec![Reply::Truncated(vec![7; 4096])]);
    let err = client()
        .download_to_memory(&url, 1 << 20, RETRY)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Interrupted(_)), "{err:?}");
    assert_eq!(served.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn the_size_cap_holds() {
    let (url, _) = serve(vec![Reply::Body(vec![1; 2048])]);
    let err = client()
        .download_to_memory(&url, 1024, RETRY)
        .await
        .unwrap_err();
    assert_eq!(err, HttpError::TooLarge { limit: 1024 });
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_file_download_starts_afresh_on_each_attempt() {
    let body = b"abcdefgh".repeat(512);
    let (url, _) = serve(vec![
        Reply::Truncated(b"zz".repeat(4096)),
        Reply::Body(body.clone()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("download");
    let mut file = tokio::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .await
        .unwrap();
    let written = client()
        .download_to_file(&url, &mut file, 1 << 20, RETRY)
        .await
        .unwrap();
    assert_eq!(written, body.len() as u64);
    assert_eq!(std::fs::read(&path).unwrap(), body);
}
