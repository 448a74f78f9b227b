//! The signals a caller reads once and joins into every report it makes:
//! the KEV catalog and EPSS scores. Which file each comes from is the
//! caller's order of sources (the command line's flags and cache, the
//! trigger's variables and database folder); reading the named files (each
//! a regular file within its cap) and joining them is done here, once, for
//! every caller: a scan, `function`, `account`, the trigger, and a rescan of
//! the findings store.

use super::{prioritize, Context, Outcome};
use crate::epss::{EpssError, EpssScores, MAX_EPSS_BYTES};
use crate::findings::ScanReport;
use crate::kev::{Catalog, CatalogOrigin, KevError, MAX_CATALOG_BYTES};
use crate::named_file::{read_named_file, NamedFileError};
use crate::risk::Exposure;
use std::path::Path;

/// A KEV catalog file, and which kind of source named it.
#[derive(Clone, Copy, Debug)]
pub struct KevFile<'a> {
    pub path: &'a Path,
    pub origin: CatalogOrigin,
}

/// The KEV catalog and the EPSS scores (absent when no file was given).
#[derive(Clone, Debug)]
pub struct Signals {
    pub kev: Catalog,
    pub epss: Option<EpssScores>,
}

/// A signal file that cannot be used: unreadable, over its cap, or not in
/// its format; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    #[error(transparent)]
    File(#[from] NamedFileError),
    #[error(transparent)]
    Kev(#[from] KevError),
    #[error(transparent)]
    Epss(#[from] EpssError),
}

impl Signals {
    /// The embedded starter catalog and no EPSS: what a caller has when no
    /// source names a file.
    pub fn starter() -> Signals {
        Signals {
            kev: Catalog::starter(),
            epss: None,
        }
    }

    /// Reads the catalog from `kev` (the starter set when `None`; at most
    /// [`MAX_CATALOG_BYTES`]) and the scores from `epss` (FIRST's CSV; at
    /// most [`MAX_EPSS_BYTES`]). A file that is named is read or refused,
    /// never replaced by the starter set.
    pub fn read(kev: Option<KevFile<'_>>, epss: Option<&Path>) -> Result<Signals, SignalError> {
        let kev = match kev {
            Some(KevFile { path, origin }) => {
                let bytes = read_named_file(path, "KEV catalog", MAX_CATALOG_BYTES)?;
                Catalog::parse(&path.display().to_string(), origin, &bytes)?
            }
            None => Catalog::starter(),
        };
        let epss = match epss {
            Some(path) => {
                let bytes = read_named_file(path, "EPSS file", MAX_EPSS_BYTES)?;
                Some(EpssScores::parse(&path.display().to_string(), &bytes)?)
            }
            None => None,
        };
        Ok(Signals { kev, epss })
    }

    /// The [`Context`] of these signals and a function's `exposure`.
    pub fn context<'a>(&'a self, exposure: Option<&'a Exposure>) -> Context<'a> {
        Context {
            kev: Some(&self.kev),
            epss: self.epss.as_ref(),
            exposure,
        }
    }

    /// Joins KEV, EPSS and the function's `exposure` (`None` for a layer or
    /// a local scan) into `report` and scores every finding's risk. The
    /// order of findings is presentation's (`report::sort_findings`), which
    /// policy never imports.
    pub fn apply(&self, report: &mut ScanReport, exposure: Option<&Exposure>) -> Outcome {
        prioritize(report, &self.context(exposure))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Finding, PackageRef, Rating, Severity, Status};
    use crate::risk::ExposureLevel;
    use crate::Ecosystem;
    use std::path::PathBuf;

    /// A KEV catalog in CISA's layout listing `cve`.
    fn kev_file(dir: &Path, cve: &str) -> PathBuf {
        let path = dir.join("kev.json");
        std::fs::write(&path, testkit::kev::catalog(&[cve], "Unknown")).unwrap();
        path
    }

    fn finding(id: &str, rating: Rating) -> Finding {
        Finding {
            id: id.into(),
            aliases: Vec::new(),
            summary: String::new(),
            severity: Severity {
                rating,
                score: None,
                vector: None,
                source: "database_label".into(),
            },
            package: PackageRef {
                ecosystem: Ecosystem::Npm,
                name: id.to_ascii_lowercase(),
                version: "1.0.0".into(),
                purl: format!("pkg:npm/{}@1.0.0", id.to_ascii_lowercase()),
            },
            locations: Vec::new(),
            fixed_version: None,
            references: Vec::new(),
            status: Status::Open,
            suppressed_reason: None,
            loaded: true,
            priority: Default::default(),
        }
    }

    #[test]
    fn named_files_are_read_and_an_unnamed_catalog_is_the_starter_set() {
        let dir = tempfile::tempdir().unwrap();
        let kev = kev_file(dir.path(), "CVE-2000-0001");
        let epss = dir.path().join("epss.csv");
        std::fs::write(&epss, "cve,epss,percentile\nCVE-2000-0001,0.25,0.5\n").unwrap();
        let named = KevFile {
            path: &kev,
            origin: CatalogOrigin::Path,
        };
        let signals = Signals::read(Some(named), Some(&epss)).unwrap();
        assert_eq!(signals.kev.origin, CatalogOrigin::Path);
        assert!(signals.kev.get("CVE-2000-0001").is_some());
        assert_eq!(
            signals.epss.unwrap().get("CVE-2000-0001").unwrap().score,
            0.25
        );

        let starter = Signals::read(None, None).unwrap();
        assert_eq!(starter.kev, Catalog::starter());
        assert!(starter.epss.is_none());

        // Named but unusable: an error naming the file, never the starter set.
        let missing = dir.path().join("missing.json");
        let named = KevFile {
            path: &missing,
            origin: CatalogOrigin::Path,
        };
        let e = Signals::read(Some(named), None).unwrap_err().to_string();
        assert!(e.starts_with("cannot read KEV catalog "), "{e}");
        let e = Signals::read(None, Some(&kev)).unwrap_err().to_string();
        assert!(e.contains("kev.json"), "{e}");
    }

    #[test]
    fn apply_joins_the_signals_and_the_exposure_and_scores() {
        let dir = tempfile::tempdir().unwrap();
        let kev = kev_file(dir.path(), "CVE-2000-0002");
        let named = KevFile {
            path: &kev,
            origin: CatalogOrigin::Path,
        };
        let signals = Signals::read(Some(named), None).unwrap();
        let mut report = ScanReport {
            findings: vec![
                finding("CVE-2000-0001", Rating::High),
                finding("CVE-2000-0002", Rating::Medium),
            ],
            inventory: Default::default(),
            database: Default::default(),
            unmatched: Vec::new(),
            summary: Default::default(),
            exposure: None,
        };
        let exposure = Exposure::function_url_without_auth();
        let outcome = signals.apply(&mut report, Some(&exposure));
        assert_eq!(outcome.known_exploited, 1);
        assert_eq!(outcome.epss_scored, 0);
        assert_eq!(
            report.exposure.as_ref().map(|e| e.level),
            Some(ExposureLevel::Internet)
        );
        // KEV, the strongest signal, scores the medium one above the high one.
        let (high, exploited) = (&report.findings[0], &report.findings[1]);
        assert!(high.priority.kev.is_none());
        assert!(exploited.priority.kev.is_some());
        assert!(exploited.priority.risk.score > high.priority.risk.score);
        assert_eq!(exploited.priority.risk.factors.exposure, 1.0);
    }
}
