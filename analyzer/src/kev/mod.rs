//! CISA's Known Exploited Vulnerabilities catalog: the model, the loader, and
//! the look-up by a vulnerability's ids (its CVE id among its aliases);
//! [`crate::prioritize`] joins it onto findings.
//!
//! The catalog is CISA's published JSON document (`catalogVersion`,
//! `dateReleased`, `vulnerabilities[]` with `cveID`, `dateAdded`, `dueDate`,
//! `knownRansomwareCampaignUse`...). Where it comes from is the caller's
//! choice ([`Catalog::parse`] of bytes the CLI read, or [`Catalog::starter`]);
//! the engine reads no environment and no network.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest catalog read: the live catalog is about 1.3 MB (1,400 entries);
/// 64 MiB leaves room for fifty times that and stops a hostile file.
pub const MAX_CATALOG_BYTES: u64 = 64 << 20;

/// Where `db update` keeps its copy of the catalog, inside a database version
/// folder (hidden, so the advisory loader never reads it as a record).
pub const CACHE_FILE: &str = ".kev/known_exploited_vulnerabilities.json";

/// The starter catalog compiled into the binary: the entries of CISA's
/// catalog (version 2025.08.25) whose CVE is an alias of an OSV advisory about
/// a package of npm, PyPI, Maven or crates.io, in CISA's own layout.
const STARTER: &str = include_str!("starter.json");

/// What a finding carries when its vulnerability is in the catalog; the
/// field names are CISA's.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kev {
    /// The CVE the catalog lists (one of the finding's ids).
    #[serde(rename = "cveID")]
    pub cve_id: String,
    /// When CISA added it (YYYY-MM-DD).
    pub date_added: String,
    /// When US federal agencies must have remediated it (YYYY-MM-DD).
    pub due_date: String,
    /// `Known` or `Unknown`.
    pub known_ransomware_campaign_use: String,
}

/// Where the catalog a scan used came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CatalogOrigin {
    /// A file the caller named (`--kev`, `LAMBDA_AUDIT_KEV`).
    Path,
    /// The copy `db update` keeps in the cache.
    Cache,
    /// The starter set compiled into the binary.
    Embedded,
}

/// A loaded catalog: its version and its entries by CVE id (upper case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    pub version: String,
    pub released: String,
    pub origin: CatalogOrigin,
    /// Where it was read, for messages (`embedded` for the starter set).
    pub source: String,
    entries: BTreeMap<String, Kev>,
}

/// A catalog that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{source_name} is not a KEV catalog: {reason}")]
pub struct KevError {
    pub source_name: String,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCatalog {
    catalog_version: String,
    date_released: String,
    vulnerabilities: Vec<Kev>,
}

impl Catalog {
    /// Parses CISA's JSON document; `source` names it in errors. Bytes over
    /// [`MAX_CATALOG_BYTES`] are refused before parsing.
    pub fn parse(source: &str, origin: CatalogOrigin, bytes: &[u8]) -> Result<Catalog, KevError> {
        let error = |reason: String| KevError {
            source_name: source.to_string(),
            reason,
        };
        if bytes.len() as u64 > MAX_CATALOG_BYTES {
            return Err(error(format!(
                "{} bytes, over the limit of {MAX_CATALOG_BYTES} bytes",
                bytes.len()
            )));
        }
        let raw: RawCatalog = serde_json::from_slice(bytes).map_err(|e| error(e.to_string()))?;
        let mut entries = BTreeMap::new();
        for entry in raw.vulnerabilities {
            let id = entry.cve_id.trim().to_ascii_uppercase();
            if !id.starts_with("CVE-") {
                return Err(error(format!("`{}` is not a CVE id", entry.cve_id)));
            }
            entries.insert(
                id.clone(),
                Kev {
                    cve_id: id,
                    ..entry
                },
            );
        }
        Ok(Catalog {
            version: raw.catalog_version,
            released: raw.date_released,
            origin,
            source: source.to_string(),
            entries,
        })
    }

    /// The starter catalog compiled into the binary (see [`STARTER`]).
    pub fn starter() -> Catalog {
        Catalog::parse("embedded", CatalogOrigin::Embedded, STARTER.as_bytes())
            .expect("the embedded KEV starter set parses")
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the catalog lists nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, by CVE id.
    pub fn entries(&self) -> impl Iterator<Item = &Kev> {
        self.entries.values()
    }

    /// The entry of a CVE id (any case).
    pub fn get(&self, cve: &str) -> Option<&Kev> {
        self.entries.get(&cve.trim().to_ascii_uppercase())
    }

    /// The entry of a vulnerability known by `ids` (its id and aliases): the
    /// first of them the catalog lists.
    pub fn lookup<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Option<&Kev> {
        ids.into_iter().find_map(|id| self.get(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"title":"t","catalogVersion":"2025.01.01","dateReleased":"2025-01-01T00:00:00Z","count":1,
        "vulnerabilities":[{"cveID":"CVE-2021-44228","vendorProject":"Apache","product":"Log4j2",
        "dateAdded":"2021-12-10","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known","notes":""}]}"#;

    #[test]
    fn entries_are_found_by_any_case() {
        let c = Catalog::parse("k.json", CatalogOrigin::Path, SAMPLE.as_bytes()).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c.version, "2025.01.01");
        let e = c.get("cve-2021-44228").unwrap();
        assert_eq!(e.date_added, "2021-12-10");
        assert_eq!(e.due_date, "2021-12-24");
        assert_eq!(e.known_ransomware_campaign_use, "Known");
        assert!(c.get("CVE-2021-45046").is_none());
    }

    #[test]
    fn bad_catalogs_name_the_file() {
        let e = Catalog::parse("k.json", CatalogOrigin::Path, b"{}").unwrap_err();
        assert!(
            e.to_string().starts_with("k.json is not a KEV catalog: "),
            "{e}"
        );
        let not_cve = SAMPLE.replace("CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q");
        let e = Catalog::parse("k.json", CatalogOrigin::Path, not_cve.as_bytes()).unwrap_err();
        assert!(e.reason.contains("not a CVE id"), "{e}");
    }

    #[test]
    fn a_catalog_over_the_limit_is_refused_before_parsing() {
        let big = vec![b' '; MAX_CATALOG_BYTES as usize + 1];
        let e = Catalog::parse("k.json", CatalogOrigin::Path, &big).unwrap_err();
        assert!(e.reason.contains("over the limit"), "{e}");
    }

    #[test]
    fn the_starter_set_parses_in_cisas_layout() {
        let c = Catalog::starter();
        assert_eq!(c.origin, CatalogOrigin::Embedded);
        assert!(c.get("CVE-2021-44228").is_some());
        assert_eq!(c.len(), 17);
    }

    #[test]
    fn the_wire_names_are_cisas() {
        let c = Catalog::parse("k.json", CatalogOrigin::Path, SAMPLE.as_bytes()).unwrap();
        let json = serde_json::to_value(c.get("CVE-2021-44228").unwrap()).unwrap();
        for key in [
            "cveID",
            "dateAdded",
            "dueDate",
            "knownRansomwareCampaignUse",
        ] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
    }
}
