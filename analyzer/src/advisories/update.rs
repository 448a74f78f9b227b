//! `db update`: download the OSV per-ecosystem exports into the cache,
//! atomically. Every zip is downloaded to a temp file beside its final place
//! and checked (a zip whose members are all valid OSV records); only when all
//! of them pass are they renamed into place, so a failed or interrupted update
//! leaves the previous database as it was.

use super::load::{self, RawRecord};
use super::osv::Osv;
use super::DbError;
use crate::ecosystem::Ecosystem;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The OSV project's public export bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Largest export accepted (the biggest, Maven or PyPI, is tens of MB).
const MAX_DOWNLOAD_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// What an update installed: records per ecosystem, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateReport {
    pub dir: PathBuf,
    pub records: Vec<(Ecosystem, usize)>,
}

/// A downloaded and verified export waiting to be renamed into place.
struct Staged {
    temp: PathBuf,
    target: PathBuf,
}

/// Downloads `<base>/<Ecosystem>/all.zip` for every supported ecosystem into
/// `<db_dir>/<Ecosystem>/all.zip`.
pub fn update(base_url: &str, db_dir: &Path) -> Result<UpdateReport, DbError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_global(Some(Duration::from_secs(900)))
        .build()
        .into();
    let base = base_url.trim_end_matches('/');
    let mut staged: Vec<Staged> = Vec::new();
    let mut records = Vec::new();
    for eco in Ecosystem::ALL {
        match stage(&agent, base, eco, db_dir) {
            Ok((s, count)) => {
                staged.push(s);
                records.push((eco, count));
            }
            Err(e) => {
                discard(&staged);
                return Err(e);
            }
        }
    }
    for (i, s) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(&s.temp, &s.target) {
            discard(&staged[i..]);
            return Err(DbError::Update(format!(
                "cannot move the download into {}: {e}",
                s.target.display()
            )));
        }
    }
    Ok(UpdateReport {
        dir: db_dir.to_path_buf(),
        records,
    })
}

fn discard(staged: &[Staged]) {
    for s in staged {
        let _ = std::fs::remove_file(&s.temp);
    }
}

/// Downloads one export to a temp file next to its target and verifies it.
fn stage(
    agent: &ureq::Agent,
    base: &str,
    eco: Ecosystem,
    db_dir: &Path,
) -> Result<(Staged, usize), DbError> {
    let url = format!("{base}/{}/all.zip", eco.as_str());
    let dir = db_dir.join(eco.as_str());
    std::fs::create_dir_all(&dir).map_err(|e| DbError::io(&dir, e))?;
    remove_stale_temps(&dir);
    let (temp, mut file) = super::index::tempfile_in(&dir)?;
    let staged = Staged {
        temp,
        target: dir.join("all.zip"),
    };
    let result = download(agent, &url, &mut file).and_then(|()| {
        file.seek(SeekFrom::Start(0))
            .map_err(|e| DbError::io(&staged.temp, e))?;
        verify(file, &url)
    });
    match result {
        Ok(count) => Ok((staged, count)),
        Err(e) => {
            discard(std::slice::from_ref(&staged));
            Err(e)
        }
    }
}

/// Removes temp files an interrupted update left (older than an hour, so a
/// concurrent update's files are kept).
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(".tmp-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(3600));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn download(agent: &ureq::Agent, url: &str, file: &mut File) -> Result<(), DbError> {
    let fail = |why: String| DbError::Update(format!("{url}: {why}"));
    let response = agent.get(url).call().map_err(|e| fail(e.to_string()))?;
    let mut reader = response
        .into_body()
        .into_with_config()
        .limit(MAX_DOWNLOAD_BYTES)
        .reader();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| fail(format!("download interrupted: {e}")))?;
        if n == 0 {
            break;
        }
        file.write_all(&buf[..n])
            .map_err(|e| fail(format!("cannot write the download: {e}")))?;
    }
    file.sync_all()
        .map_err(|e| fail(format!("cannot write the download: {e}")))
}

/// Checks that `file` is a zip of OSV records; returns how many it holds. A
/// few malformed records (at most one in a hundred) are tolerated, as the
/// scan reports them; more means the download is not an OSV export.
fn verify(file: File, url: &str) -> Result<usize, DbError> {
    let mut count = 0usize;
    let mut invalid: Vec<String> = Vec::new();
    load::read_zip(file, url, &mut |raw: RawRecord| {
        match Osv::from_slice(&raw.bytes) {
            Ok(_) => count += 1,
            Err(e) => invalid.push(format!("{}: {e}", raw.origin)),
        }
        Ok(())
    })
    .map_err(|e| DbError::Update(format!("the download is not a valid export: {e}")))?;
    if count == 0 {
        let first = invalid
            .first()
            .map_or(String::new(), |i| format!(" (first problem: {i})"));
        return Err(DbError::Update(format!(
            "{url}: the zip holds no valid OSV records{first}"
        )));
    }
    if invalid.len() * 100 > count + invalid.len() {
        return Err(DbError::Update(format!(
            "{url}: {} of {} members are not valid OSV records (first: {})",
            invalid.len(),
            count + invalid.len(),
            invalid[0]
        )));
    }
    Ok(count)
}
