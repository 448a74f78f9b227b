//! CISA's Known Exploited Vulnerabilities catalog, kept beside the
//! advisories in each database version (`<version>/.kev/...`, hidden from the
//! advisory loader): downloaded into the staging folder and checked with the
//! engine's parser, so it becomes current together with the advisories, in
//! the same rename, or not at all.

use super::error::{Failure, Fetched, UpdateError};
use super::RETRY;
use analyzer::kev::{Catalog, CatalogOrigin, CACHE_FILE, MAX_CATALOG_BYTES};
use std::path::Path;

/// Where CISA publishes the catalog (JSON).
pub const DEFAULT_KEV_URL: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";

/// How the catalog of the new version was obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KevUpdate {
    /// Downloaded: the catalog's version and its number of entries.
    Fetched { version: String, entries: usize },
    /// Not asked for: the previous version's copy was kept.
    CarriedOver,
    /// Not asked for, and the previous version had none.
    Absent,
}

/// Downloads the catalog at `url` into `staging` and checks it.
pub async fn fetch(
    http: &crate::http::HttpClient,
    url: &str,
    staging: &Path,
) -> Result<KevUpdate, UpdateError> {
    let bytes = http
        .download_to_memory(url, MAX_CATALOG_BYTES, RETRY)
        .await
        .map_err(|error| {
            UpdateError::new(
                None,
                Failure::Download {
                    url: url.to_string(),
                    what: Fetched::KevCatalog,
                    error,
                },
            )
        })?;
    let catalog = Catalog::parse(url, CatalogOrigin::Cache, &bytes).map_err(|e| {
        UpdateError::new(
            None,
            Failure::NotAKevCatalog {
                url: url.to_string(),
                reason: e.reason,
            },
        )
    })?;
    let path = staging.join(CACHE_FILE);
    write(&path, &bytes)?;
    Ok(KevUpdate::Fetched {
        version: catalog.version.clone(),
        entries: catalog.len(),
    })
}

/// Keeps the previous version's catalog (hard-linked, else copied).
pub fn carry_over(previous: Option<&Path>, staging: &Path) -> Result<KevUpdate, UpdateError> {
    let Some(from) = previous.map(|p| p.join(CACHE_FILE)).filter(|f| f.is_file()) else {
        return Ok(KevUpdate::Absent);
    };
    let to = staging.join(CACHE_FILE);
    create_parent(&to)?;
    std::fs::hard_link(&from, &to)
        .or_else(|_| std::fs::copy(&from, &to).map(|_| ()))
        .map_err(|e| UpdateError::io(&to, "copying the previous KEV catalog to", e))?;
    Ok(KevUpdate::CarriedOver)
}

fn create_parent(path: &Path) -> Result<(), UpdateError> {
    match path.parent() {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|e| UpdateError::io(dir, "creating", e)),
        None => Ok(()),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), UpdateError> {
    create_parent(path)?;
    std::fs::write(path, bytes).map_err(|e| UpdateError::io(path, "writing", e))
}
