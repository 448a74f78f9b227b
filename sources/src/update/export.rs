//! A whole export, `<Ecosystem>/all.zip`: downloaded into the staging folder,
//! checked member by member, and described by a listing of what it holds.

use super::error::{Failure, Fetched, UpdateError};
use super::listing::{is_record_id, modified_time, Listing};
use super::progress::Unit;
use super::{Context, EXPORT_FILE, LISTING_FILE, RETRY};
use analyzer::advisories::Osv;
use analyzer::Ecosystem;
use std::io::Read;
use std::path::Path;

/// Largest export accepted (the biggest, npm, is a few hundred MB).
pub const MAX_EXPORT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Largest single record accepted (OSV records are a few kB).
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;
/// At most one member in this many may fail to read as an OSV record (a scan
/// reports those); more means the download is not an OSV export.
const INVALID_ONE_IN: usize = 100;

/// What a checked export holds.
#[derive(Debug)]
pub struct Checked {
    /// Member id (the file name without `.json`) → the record's `modified`.
    pub listing: Listing,
    /// Members that are OSV records.
    pub records: usize,
    /// Members that are not, with the reason (`member: reason`).
    pub invalid: Vec<String>,
}

/// Downloads the ecosystem's export into `dir`, checks it and writes its
/// listing beside it; returns the records it holds and the bytes downloaded.
pub async fn fetch(
    cx: &Context<'_>,
    eco: Ecosystem,
    dir: &Path,
) -> Result<(usize, u64), UpdateError> {
    let url = format!("{}/{}/{EXPORT_FILE}", cx.base, eco.as_str());
    let path = dir.join(EXPORT_FILE);
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| UpdateError::io(&path, "creating", e))?;
    cx.progress
        .begin(&format!("{eco} export"), Unit::Bytes, None);
    let downloaded = cx
        .http
        .download_to_file_observed(&url, &mut file, MAX_EXPORT_BYTES, RETRY, &|done, total| {
            cx.progress.advance(done, total)
        })
        .await;
    cx.progress.end();
    let bytes = downloaded.map_err(|error| {
        UpdateError::new(
            eco,
            Failure::Download {
                url: url.clone(),
                what: Fetched::Export,
                error,
            },
        )
    })?;
    drop(file);
    let checked_path = path.clone();
    let checked = tokio::task::spawn_blocking(move || check_file(&checked_path))
        .await
        .map_err(|e| {
            UpdateError::new(
                eco,
                Failure::Stopped {
                    url: url.clone(),
                    reason: e.to_string(),
                },
            )
        })?
        .map_err(|reason| UpdateError::new(eco, Failure::NotAnExport { url, reason }))?;
    write_listing(dir, &checked.listing)?;
    Ok((checked.records, bytes))
}

/// Writes `listing` as the ecosystem folder's `modified_id.csv`.
pub fn write_listing(dir: &Path, listing: &Listing) -> Result<(), UpdateError> {
    let path = dir.join(LISTING_FILE);
    std::fs::write(&path, listing.render()).map_err(|e| UpdateError::io(&path, "writing", e))
}

/// Checks the export at `path` (see [`check`]).
fn check_file(path: &Path) -> Result<Checked, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    check(std::io::BufReader::new(file))
}

/// Reads every `*.json` member of an export: an error says why it is not an
/// OSV export (not a zip, no records, too many members that are not records).
pub fn check<R: Read + std::io::Seek>(zip: R) -> Result<Checked, String> {
    let mut archive = zip::ZipArchive::new(zip).map_err(|e| format!("not a readable zip: {e}"))?;
    let mut checked = Checked {
        listing: Listing::default(),
        records: 0,
        invalid: Vec::new(),
    };
    let mut bytes = Vec::new();
    for i in 0..archive.len() {
        let mut member = archive
            .by_index(i)
            .map_err(|e| format!("member {i} cannot be read: {e}"))?;
        let name = member.name().to_string();
        let Some(id) = name.strip_suffix(".json").filter(|_| !member.is_dir()) else {
            continue;
        };
        let id = id.to_string();
        bytes.clear();
        (&mut member)
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name} cannot be read: {e}"))?;
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Err(format!(
                "{name} is larger than the {MAX_RECORD_BYTES}-byte record limit"
            ));
        }
        let modified = match Osv::from_slice(&bytes) {
            Ok(record) => {
                checked.records += 1;
                modified_time(&record.modified)
            }
            Err(e) => {
                checked.invalid.push(format!("{name}: {e}"));
                lenient_modified(&bytes)
            }
        };
        if is_record_id(&id) {
            checked.listing.0.insert(id, modified);
        }
    }
    let first = || checked.invalid.first().cloned().unwrap_or_default();
    if checked.records == 0 {
        return Err(match checked.invalid.is_empty() {
            true => "the zip holds no OSV records".to_string(),
            false => format!(
                "the zip holds no valid OSV records (first problem: {})",
                first()
            ),
        });
    }
    let total = checked.records + checked.invalid.len();
    if checked.invalid.len() * INVALID_ONE_IN > total {
        return Err(format!(
            "{} of {total} members are not valid OSV records (first: {})",
            checked.invalid.len(),
            first()
        ));
    }
    Ok(checked)
}

/// The `modified` of a member that is not a valid record, when it has one,
/// so that an unchanged member is not fetched again by every update.
fn lenient_modified(bytes: &[u8]) -> jiff::Timestamp {
    #[derive(serde::Deserialize)]
    struct Head {
        modified: Option<String>,
    }
    let modified = serde_json::from_slice::<Head>(bytes)
        .ok()
        .and_then(|h| h.modified)
        .unwrap_or_default();
    modified_time(&modified)
}
