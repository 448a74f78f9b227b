//! Downloading code from a presigned location: size-capped, streamed into
//! memory, retried with backoff on throttling and server errors (all through
//! the workspace's one HTTP client, [`sources::http`]), and verified against
//! the base64 SHA-256 Lambda reports.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha2::{Digest, Sha256};
use sources::http::{HttpClient, HttpError, Retry, Timeouts};
use std::time::Duration;

/// Why code could not be downloaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    /// HTTP 403: the presigned URL expired (or was never valid).
    #[error("the code URL was refused (HTTP 403): expired presigned URL")]
    Expired,
    #[error("the code is larger than the download limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the code URL answered HTTP {0}")]
    Status(u16),
    #[error("cannot download the code: {0}")]
    Transport(String),
    #[error("the code's SHA-256 is {actual}, but Lambda reports {expected}: refusing to scan it")]
    Checksum { expected: String, actual: String },
    #[error("cannot download the code: {0}")]
    Location(String),
}

impl From<HttpError> for DownloadError {
    fn from(e: HttpError) -> DownloadError {
        match e {
            HttpError::Status(403) => DownloadError::Expired,
            HttpError::Status(status) => DownloadError::Status(status),
            HttpError::TooLarge { limit } => DownloadError::TooLarge { limit },
            other => DownloadError::Transport(other.to_string()),
        }
    }
}

/// Where code bytes are fetched from. The default is Lambda's presigned
/// `Code.Location`; a mirror serves the same bytes by their SHA-256 instead
/// (`{base}/{sha256 hex}`), for emulators that have no code URL and for
/// air-gapped copies. The bytes are verified the same way either way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CodeUrlRewrite {
    #[default]
    None,
    /// Content-addressed mirror: `{base}/{sha256 hex}`.
    Mirror { base: String },
}

impl CodeUrlRewrite {
    /// The URL to fetch for code at `location` with base64 SHA-256 `sha256`.
    pub fn url(&self, location: &str, sha256: &str) -> Result<String, DownloadError> {
        match self {
            CodeUrlRewrite::None => Ok(location.to_string()),
            CodeUrlRewrite::Mirror { base } => {
                let digest = BASE64.decode(sha256).map_err(|_| {
                    DownloadError::Location(format!("CodeSha256 `{sha256}` is not base64"))
                })?;
                Ok(format!("{}/{}", base.trim_end_matches('/'), hex(&digest)))
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hex SHA-256 of `bytes` (the name of the bytes in a [`CodeUrlRewrite::Mirror`]).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The base64 SHA-256 of `bytes`, as Lambda's `CodeSha256`.
pub fn sha256_base64(bytes: &[u8]) -> String {
    BASE64.encode(Sha256::digest(bytes))
}

/// Timeouts for code downloads.
const TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(10),
    read: Duration::from_secs(60),
    total: Duration::from_secs(300),
};

/// Downloads code within a size limit, with retries.
#[derive(Clone, Debug)]
pub struct Downloader {
    http: HttpClient,
    /// Largest download accepted, in bytes.
    pub max_bytes: u64,
    /// Attempts per download (the first included) on 429, 5xx and transport errors.
    pub attempts: u32,
    /// First backoff delay; doubled after each failed attempt.
    pub backoff: Duration,
    pub rewrite: CodeUrlRewrite,
}

impl Downloader {
    /// A downloader with `max_bytes` as its cap, 4 attempts and a 250 ms first backoff.
    pub fn new(max_bytes: u64, rewrite: CodeUrlRewrite) -> Result<Downloader, DownloadError> {
        let http = HttpClient::new(TIMEOUTS)?;
        Ok(Downloader {
            http,
            max_bytes,
            attempts: 4,
            backoff: Duration::from_millis(250),
            rewrite,
        })
    }

    /// Downloads the code at `location` and checks it against `sha256` (base64).
    pub async fn fetch_verified(
        &self,
        location: &str,
        sha256: &str,
    ) -> Result<Vec<u8>, DownloadError> {
        let url = self.rewrite.url(location, sha256)?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(DownloadError::Location(format!(
                "code location `{url}` is not an HTTP(S) URL"
            )));
        }
        let bytes = self.fetch(&url).await?;
        let actual = sha256_base64(&bytes);
        if actual != sha256 {
            return Err(DownloadError::Checksum {
                expected: sha256.to_string(),
                actual,
            });
        }
        Ok(bytes)
    }

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, DownloadError> {
        let retry = Retry {
            attempts: self.attempts,
            backoff: self.backoff,
        };
        Ok(self
            .http
            .download_to_memory(url, self.max_bytes, retry)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_urls_name_the_bytes_by_their_sha256() {
        let sha = sha256_base64(b"abc");
        assert_eq!(sha, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
        let m = CodeUrlRewrite::Mirror {
            base: "http://127.0.0.1:9/code/".into(),
        };
        assert_eq!(
            m.url("s3://", &sha).unwrap(),
            "http://127.0.0.1:9/code/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            CodeUrlRewrite::None.url("https://x/y", &sha).unwrap(),
            "https://x/y"
        );
        assert!(m.url("s3://", "%%%").is_err());
    }
}
