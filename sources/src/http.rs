//! The one HTTP client of the workspace: reqwest over rustls, with connect,
//! read and overall timeouts; downloads streamed into memory or into a file
//! under a byte cap; retries with exponential backoff on throttling (429),
//! server errors (5xx) and transport failures.

use std::time::Duration;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

/// How long a client waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// To establish a connection (TCP and TLS).
    pub connect: Duration,
    /// Between two reads of a response: a transfer that stalls this long fails.
    pub read: Duration,
    /// For a whole request, body included.
    pub total: Duration,
}

/// How often a request that failed in a way that may pass is tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Attempts per request, the first included (1: no retry).
    pub attempts: u32,
    /// Delay before the second attempt; doubled after each failed attempt.
    pub backoff: Duration,
}

/// Why a download failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The HTTP client could not be set up (TLS roots, for example).
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
    /// The server answered with a status other than 200.
    #[error("HTTP {0}")]
    Status(u16),
    /// The body is larger than the cap (announced or counted).
    #[error("larger than the download limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// No response: connection, TLS, request or timeout before the body.
    #[error("{0}")]
    Transport(String),
    /// The response body broke off (connection closed early, timeout).
    #[error("download interrupted: {0}")]
    Interrupted(String),
    /// The body could not be written where it was asked to go.
    #[error("cannot write the download: {0}")]
    Write(String),
}

impl HttpError {
    /// True for failures that another attempt may not repeat: throttling,
    /// server errors and transport failures.
    pub fn is_transient(&self) -> bool {
        match self {
            HttpError::Status(s) => *s == 429 || (500..600).contains(s),
            HttpError::Transport(_) | HttpError::Interrupted(_) => true,
            HttpError::Client(_) | HttpError::TooLarge { .. } | HttpError::Write(_) => false,
        }
    }
}

/// An HTTP client; cheap to clone (clones share connections).
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    /// A client with these timeouts, verifying TLS certificates with rustls
    /// (the *ring* provider, as the AWS SDK clients use).
    pub fn new(timeouts: Timeouts) -> Result<HttpClient, HttpError> {
        // reqwest takes the process's default provider; installing fails
        // harmlessly when one is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .read_timeout(timeouts.read)
            .timeout(timeouts.total)
            .build()
            .map_err(|e| HttpError::Client(describe(e)))?;
        Ok(HttpClient { client })
    }

    /// Downloads `url` into memory, refusing more than `max_bytes`.
    pub async fn download_to_memory(
        &self,
        url: &str,
        max_bytes: u64,
        retry: Retry,
    ) -> Result<Vec<u8>, HttpError> {
        let mut sink = MemorySink(Vec::new());
        self.download(url, max_bytes, retry, &mut sink).await?;
        Ok(sink.0)
    }

    /// Downloads `url` into `file` (from its start, replacing what a failed
    /// attempt wrote), refusing more than `max_bytes`, and syncs it to disk;
    /// returns the number of bytes written.
    pub async fn download_to_file(
        &self,
        url: &str,
        file: &mut tokio::fs::File,
        max_bytes: u64,
        retry: Retry,
    ) -> Result<u64, HttpError> {
        self.download_to_file_observed(url, file, max_bytes, retry, &|_, _| {})
            .await
    }

    /// Like [`HttpClient::download_to_file`], calling `observe(written,
    /// announced length)` after each chunk (from 0 again on a retry).
    pub async fn download_to_file_observed(
        &self,
        url: &str,
        file: &mut tokio::fs::File,
        max_bytes: u64,
        retry: Retry,
        observe: &(dyn Fn(u64, Option<u64>) + Sync),
    ) -> Result<u64, HttpError> {
        let mut sink = FileSink {
            file,
            observe,
            written: 0,
            expected: None,
        };
        let written = self.download(url, max_bytes, retry, &mut sink).await?;
        sink.file.flush().await.map_err(write_error)?;
        sink.file.sync_all().await.map_err(write_error)?;
        Ok(written)
    }

    async fn download(
        &self,
        url: &str,
        max_bytes: u64,
        retry: Retry,
        sink: &mut impl Sink,
    ) -> Result<u64, HttpError> {
        let mut delay = retry.backoff;
        let mut attempt = 1;
        loop {
            match self.attempt(url, max_bytes, sink).await {
                Err(e) if attempt < retry.attempts && e.is_transient() => {
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// One request, its body streamed into `sink`.
    async fn attempt(
        &self,
        url: &str,
        max_bytes: u64,
        sink: &mut impl Sink,
    ) -> Result<u64, HttpError> {
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| HttpError::Transport(describe(e)))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(HttpError::Status(status));
        }
        let too_large = HttpError::TooLarge { limit: max_bytes };
        let announced = response.content_length();
        if announced.is_some_and(|n| n > max_bytes) {
            return Err(too_large);
        }
        sink.start(announced).await?;
        let mut written = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| HttpError::Interrupted(describe(e)))?
        {
            written += chunk.len() as u64;
            if written > max_bytes {
                return Err(too_large);
            }
            sink.write(&chunk).await?;
        }
        Ok(written)
    }
}

/// Where a download's body goes; every attempt starts it afresh.
trait Sink {
    /// Drops what an earlier attempt wrote; `expected` is the announced length.
    async fn start(&mut self, expected: Option<u64>) -> Result<(), HttpError>;
    async fn write(&mut self, chunk: &[u8]) -> Result<(), HttpError>;
}

struct MemorySink(Vec<u8>);

impl Sink for MemorySink {
    async fn start(&mut self, expected: Option<u64>) -> Result<(), HttpError> {
        self.0.clear();
        // The announced length is the server's word: reserve at most 64 MiB on it.
        self.0.reserve(expected.unwrap_or(0).min(64 << 20) as usize);
        Ok(())
    }

    async fn write(&mut self, chunk: &[u8]) -> Result<(), HttpError> {
        self.0.extend_from_slice(chunk);
        Ok(())
    }
}

/// A file, and who is told how much was written.
struct FileSink<'a> {
    file: &'a mut tokio::fs::File,
    observe: &'a (dyn Fn(u64, Option<u64>) + Sync),
    written: u64,
    expected: Option<u64>,
}

impl Sink for FileSink<'_> {
    async fn start(&mut self, expected: Option<u64>) -> Result<(), HttpError> {
        self.file.set_len(0).await.map_err(write_error)?;
        self.file.rewind().await.map_err(write_error)?;
        (self.written, self.expected) = (0, expected);
        (self.observe)(0, expected);
        Ok(())
    }

    async fn write(&mut self, chunk: &[u8]) -> Result<(), HttpError> {
        self.file.write_all(chunk).await.map_err(write_error)?;
        self.written += chunk.len() as u64;
        (self.observe)(self.written, self.expected);
        Ok(())
    }
}

fn write_error(e: std::io::Error) -> HttpError {
    HttpError::Write(e.to_string())
}

/// A reqwest error with its causes (`error sending request: client error
/// (Connect): tcp connect error: Connection refused`), without the URL, which
/// the caller's message names.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_server_errors_and_transport_are_transient() {
        for e in [
            HttpError::Status(429),
            HttpError::Status(503),
            HttpError::Transport("reset".into()),
            HttpError::Interrupted("eof".into()),
        ] {
            assert!(e.is_transient(), "{e}");
        }
        for e in [
            HttpError::Status(403),
            HttpError::Status(404),
            HttpError::TooLarge { limit: 1 },
            HttpError::Write("disk full".into()),
        ] {
            assert!(!e.is_transient(), "{e}");
        }
    }
}
