//! A whole export, `<Ecosystem>/all.zip`: downloaded into the staging folder,
//! checked member by member by the engine, and described by a listing of the
//! records it holds.

use super::error::{Failure, Fetched, UpdateError};
use super::listing::{is_record_id, modified_time, Listing};
use super::progress::Unit;
use super::{Context, EXPORT_FILE, LISTING_FILE, RETRY};
use analyzer::advisories::verify_export;
use analyzer::Ecosystem;
use std::path::Path;

/// Largest export accepted (the biggest, npm, is a few hundred MB).
pub const MAX_EXPORT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Largest single record fetched (OSV records are a few kB).
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

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
    let (records, listing) = tokio::task::spawn_blocking(move || check_file(&checked_path))
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
    write_listing(dir, &listing)?;
    Ok((records, bytes))
}

/// Writes `listing` as the ecosystem folder's `modified_id.csv`.
pub fn write_listing(dir: &Path, listing: &Listing) -> Result<(), UpdateError> {
    let path = dir.join(LISTING_FILE);
    std::fs::write(&path, listing.render()).map_err(|e| UpdateError::io(&path, "writing", e))
}

/// Checks the export at `path` with the engine's [`verify_export`]: an
/// error says why it is not an OSV export; else the records it holds and the
/// listing of their modification times.
fn check_file(path: &Path) -> Result<(usize, Listing), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let verified =
        verify_export(std::io::BufReader::new(file), EXPORT_FILE).map_err(|e| e.to_string())?;
    let listing = verified
        .modified
        .into_iter()
        .filter(|(id, _)| is_record_id(id))
        .map(|(id, modified)| (id, modified_time(&modified)))
        .collect();
    Ok((verified.records, listing))
}
