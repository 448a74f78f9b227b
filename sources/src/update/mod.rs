//! `db update`: fetch OSV's per-ecosystem exports into the cache, all or
//! nothing. Everything is downloaded and checked into a new hidden staging
//! folder; only when every ecosystem succeeded does that folder become a
//! version and the `current` pointer switch to it, in one rename
//! ([`layout`]). A failure anywhere leaves the previous database in force,
//! and the error says what failed and what to try ([`UpdateError`]).
//!
//! Per ecosystem, an update is one of:
//! - incremental ([`incremental`]), when the previous version and the server
//!   both list their records' modification times (`modified_id.csv`): only
//!   new and changed records are fetched;
//! - full ([`export`]): the whole `all.zip`, checked member by member;
//! - carried over: an ecosystem not asked for (`--ecosystem`) keeps the
//!   previous version's export (hard-linked, not copied).
//!
//! When the new version's exports hold the previous version's bytes, the
//! previous version's compiled index is given to it ([`Store::adopt_index`]),
//! so that the next scan maps it instead of compiling every record.
//!
//! CISA's KEV catalog is fetched into the same staging folder ([`kev`]), so
//! it switches with the advisories or not at all.

mod error;
mod export;
mod incremental;
mod kev;
mod layout;
mod listing;
mod progress;

pub use error::{Failure, Fetched, UpdateError};
pub use export::{MAX_EXPORT_BYTES, MAX_RECORD_BYTES};
pub use incremental::{Changes, MAX_CHANGED_RECORDS, MAX_LISTING_BYTES, RECORD_CONCURRENCY};
pub use kev::{KevUpdate, DEFAULT_KEV_URL};
pub use listing::Listing;
pub use progress::{Progress, Silent, Unit};

use crate::http::{HttpClient, HttpError, Retry, Timeouts};
use analyzer::Ecosystem;
use layout::Store;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The OSV project's public export bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// An ecosystem's export, in the bucket and in a version folder.
pub const EXPORT_FILE: &str = "all.zip";
/// An ecosystem's listing of record modification times, likewise.
pub const LISTING_FILE: &str = "modified_id.csv";

/// Timeouts for export downloads: generous, the exports are large.
pub const TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(30),
    read: Duration::from_secs(120),
    total: Duration::from_secs(900),
};

/// Attempts per download on throttling, server and transport errors.
const RETRY: Retry = Retry {
    attempts: 3,
    backoff: Duration::from_millis(500),
};

/// A client with the export download [`TIMEOUTS`].
pub fn client() -> Result<HttpClient, HttpError> {
    HttpClient::new(TIMEOUTS)
}

/// What to update.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The bucket's base URL (`<base>/<Ecosystem>/all.zip`).
    pub base_url: &'a str,
    /// The ecosystems to fetch (every one when empty); the others keep the
    /// previous version's data.
    pub ecosystems: &'a [Ecosystem],
    /// Download whole exports even where an incremental update is possible.
    pub full: bool,
    /// Most changed records fetched one by one per ecosystem
    /// ([`MAX_CHANGED_RECORDS`] by default); more downloads the whole export.
    pub max_changed: usize,
    /// Where to download CISA's KEV catalog ([`DEFAULT_KEV_URL`]); `None`
    /// keeps the previous version's copy.
    pub kev_url: Option<&'a str>,
}

/// What an update installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateReport {
    /// The new version's folder (now in force).
    pub dir: PathBuf,
    /// The folder in force before, if any.
    pub previous: Option<PathBuf>,
    /// Per ecosystem in the new version, in [`Ecosystem::ALL`] order.
    pub ecosystems: Vec<EcosystemUpdate>,
    /// The KEV catalog of the new version.
    pub kev: KevUpdate,
}

/// How one ecosystem was brought up to date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcosystemUpdate {
    pub ecosystem: Ecosystem,
    /// Records the new version holds.
    pub records: usize,
    pub how: How,
}

/// How an ecosystem's export was obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum How {
    /// The whole export was downloaded (`bytes`); `instead_of_incremental`
    /// says why an incremental update was not possible, when one was tried.
    Full {
        bytes: u64,
        instead_of_incremental: Option<String>,
    },
    /// Only changed and new records were fetched.
    Incremental { fetched: usize, removed: usize },
    /// Not asked for: the previous version's export was kept.
    CarriedOver,
}

/// What the downloads share.
pub(crate) struct Context<'a> {
    pub http: &'a HttpClient,
    pub base: &'a str,
    pub progress: &'a dyn Progress,
    pub max_changed: usize,
}

/// Updates the database kept under `db_root` (`<cache>/db`; see
/// [`analyzer::advisories::source`] for the layout).
pub async fn update(
    http: &HttpClient,
    request: &Request<'_>,
    db_root: &Path,
    progress: &dyn Progress,
) -> Result<UpdateReport, UpdateError> {
    let cx = Context {
        http,
        base: request.base_url.trim_end_matches('/'),
        progress,
        max_changed: request.max_changed,
    };
    let store = Store::new(db_root);
    let previous = store.previous();
    let staging = store.stage()?;
    let mut ecosystems = Vec::new();
    for eco in Ecosystem::ALL {
        let earlier = previous
            .as_ref()
            .map(|p| p.dir().join(eco.as_str()))
            .filter(|d| d.join(EXPORT_FILE).is_file());
        let dir = staging.path().join(eco.as_str());
        let asked = request.ecosystems.is_empty() || request.ecosystems.contains(&eco);
        let (records, how) = match (asked, &earlier) {
            (false, None) => continue,
            (false, Some(earlier)) => carry_over(earlier, &dir)?,
            (true, _) => {
                create_dir(&dir)?;
                fetch(&cx, eco, earlier.as_deref().filter(|_| !request.full), &dir).await?
            }
        };
        ecosystems.push(EcosystemUpdate {
            ecosystem: eco,
            records,
            how,
        });
    }
    let kev = match request.kev_url {
        Some(url) => kev::fetch(http, url, staging.path()).await?,
        None => kev::carry_over(previous.as_ref().map(|p| p.dir()), staging.path())?,
    };
    let dir = store.commit(staging)?;
    store.adopt_index(&dir, previous.as_ref());
    store.prune(&dir, previous.as_ref());
    Ok(UpdateReport {
        dir,
        previous: previous.map(|p| p.dir().to_path_buf()),
        ecosystems,
        kev,
    })
}

/// Fetches one ecosystem into `dir`: incrementally from `earlier` (the
/// previous version's folder for it) when possible, else the whole export.
async fn fetch(
    cx: &Context<'_>,
    eco: Ecosystem,
    earlier: Option<&Path>,
    dir: &Path,
) -> Result<(usize, How), UpdateError> {
    let mut instead_of_incremental = None;
    if let Some(earlier) = earlier {
        match incremental::update(cx, eco, earlier, dir).await? {
            incremental::Outcome::Done {
                records,
                fetched,
                removed,
            } => return Ok((records, How::Incremental { fetched, removed })),
            incremental::Outcome::FullNeeded(why) => instead_of_incremental = Some(why),
        }
    }
    let (records, bytes) = export::fetch(cx, eco, dir).await?;
    Ok((
        records,
        How::Full {
            bytes,
            instead_of_incremental,
        },
    ))
}

/// Keeps the previous version's export of an ecosystem not asked for.
fn carry_over(earlier: &Path, dir: &Path) -> Result<(usize, How), UpdateError> {
    create_dir(dir)?;
    link_files(earlier, dir)?;
    let export = dir.join(EXPORT_FILE);
    let records = std::fs::File::open(&export)
        .ok()
        .and_then(|f| zip::ZipArchive::new(std::io::BufReader::new(f)).ok())
        .map_or(0, |zip| {
            zip.file_names().filter(|n| n.ends_with(".json")).count()
        });
    Ok((records, How::CarriedOver))
}

/// Puts the export and listing of the previous version's folder `earlier`
/// (those it has) into `dir`: hard-linked (no space, no copying), copied on
/// a file system without hard links.
fn link_files(earlier: &Path, dir: &Path) -> Result<(), UpdateError> {
    for name in [EXPORT_FILE, LISTING_FILE] {
        let (from, to) = (earlier.join(name), dir.join(name));
        if !from.is_file() {
            continue;
        }
        std::fs::hard_link(&from, &to)
            .or_else(|_| std::fs::copy(&from, &to).map(|_| ()))
            .map_err(|e| UpdateError::io(&to, "copying the previous export to", e))?;
    }
    Ok(())
}

fn create_dir(dir: &Path) -> Result<(), UpdateError> {
    std::fs::create_dir_all(dir).map_err(|e| UpdateError::io(dir, "creating", e))
}
