//! `db update`: download the OSV per-ecosystem exports into the cache,
//! atomically. Every zip is downloaded to a temporary file beside its final
//! place and checked with the engine's [`verify_export`] (a zip whose members
//! are OSV records); only when all of them pass are they renamed into place,
//! so a failed or interrupted update leaves the previous database as it was.

use crate::http::{HttpClient, HttpError, Retry, Timeouts};
use analyzer::advisories::{verify_export, ExportError};
use analyzer::Ecosystem;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempPath;
use tokio::io::AsyncSeekExt;

/// The OSV project's public export bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Largest export accepted (the biggest, Maven or PyPI, is tens of MB).
const MAX_EXPORT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Timeouts for export downloads: generous, the exports are large.
pub const TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(30),
    read: Duration::from_secs(120),
    total: Duration::from_secs(900),
};

/// Attempts per export on throttling, server and transport errors.
const RETRY: Retry = Retry {
    attempts: 3,
    backoff: Duration::from_millis(500),
};

/// Temporary files older than this are left over by an interrupted update.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// What an update installed: records per ecosystem, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateReport {
    pub dir: PathBuf,
    pub records: Vec<(Ecosystem, usize)>,
}

/// Why an update failed; the previous database is then unchanged. Each
/// message is complete (causes included), so none is repeated as a `source`.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// A folder or temporary file could not be created.
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// An export could not be downloaded.
    #[error("update failed: {url}: {error}")]
    Download { url: String, error: HttpError },
    /// A download is not an OSV export.
    #[error("update failed: {}", refusal(.0))]
    Invalid(ExportError),
    /// The check of a download stopped before it finished.
    #[error("update failed: {url}: the check of the download stopped: {reason}")]
    CheckStopped { url: String, reason: String },
    /// A verified export could not be renamed into place.
    #[error("update failed: cannot move the download into {}: {error}", target.display())]
    Install {
        target: PathBuf,
        error: std::io::Error,
    },
}

fn refusal(e: &ExportError) -> String {
    match e {
        ExportError::Unreadable(e) => format!("the download is not a valid export: {e}"),
        other => other.to_string(),
    }
}

/// A client with the export download [`TIMEOUTS`].
pub fn client() -> Result<HttpClient, HttpError> {
    HttpClient::new(TIMEOUTS)
}

/// A downloaded and verified export waiting to be renamed into place; its
/// temporary file is removed when it is dropped.
struct Staged {
    temp: TempPath,
    target: PathBuf,
}

/// Downloads `<base_url>/<Ecosystem>/all.zip` for every supported ecosystem
/// into `<db_dir>/<Ecosystem>/all.zip`.
pub async fn update(
    http: &HttpClient,
    base_url: &str,
    db_dir: &Path,
) -> Result<UpdateReport, UpdateError> {
    let base = base_url.trim_end_matches('/');
    let mut staged = Vec::new();
    let mut records = Vec::new();
    for eco in Ecosystem::ALL {
        let (s, count) = stage(http, base, eco, db_dir).await?;
        staged.push(s);
        records.push((eco, count));
    }
    // On failure the rest of `staged` is dropped, removing its temporary files.
    for s in staged {
        s.temp
            .persist(&s.target)
            .map_err(|e| UpdateError::Install {
                target: s.target.clone(),
                error: e.error,
            })?;
    }
    Ok(UpdateReport {
        dir: db_dir.to_path_buf(),
        records,
    })
}

/// Downloads one export to a temporary file next to its target and verifies it.
async fn stage(
    http: &HttpClient,
    base: &str,
    eco: Ecosystem,
    db_dir: &Path,
) -> Result<(Staged, usize), UpdateError> {
    let url = format!("{base}/{}/all.zip", eco.as_str());
    let dir = db_dir.join(eco.as_str());
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| UpdateError::Io { path, error }
    };
    tokio::fs::create_dir_all(&dir).await.map_err(io(&dir))?;
    remove_stale_temps(&dir).await;
    let (file, temp) = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(&dir)
        .map_err(io(&dir))?
        .into_parts();
    let mut file = tokio::fs::File::from_std(file);
    http.download_to_file(&url, &mut file, MAX_EXPORT_BYTES, RETRY)
        .await
        .map_err(|error| UpdateError::Download {
            url: url.clone(),
            error,
        })?;
    file.rewind().await.map_err(io(&temp))?;
    let file = file.into_std().await;
    let label = url.clone();
    let count = tokio::task::spawn_blocking(move || verify_export(file, &label))
        .await
        .map_err(|e| UpdateError::CheckStopped {
            url,
            reason: e.to_string(),
        })?
        .map_err(UpdateError::Invalid)?;
    let target = dir.join("all.zip");
    Ok((Staged { temp, target }, count))
}

/// Removes temporary files an interrupted update left (older than an hour,
/// so a concurrent update's files are kept).
async fn remove_stale_temps(dir: &Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        if !entry.file_name().to_string_lossy().starts_with(".tmp-") {
            continue;
        }
        let age = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok());
        if age.is_some_and(|age| age > STALE_TEMP_AGE) {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}
