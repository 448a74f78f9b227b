//! The trigger's prioritisation signals, from the same sources and in the
//! same order as the command line's (`lambda-audit scan`):
//!
//! - the CISA KEV catalog: `LAMBDA_AUDIT_KEV`, else the copy `db update`
//!   keeps beside the advisories when the database is a folder
//!   (`LAMBDA_AUDIT_DB`, at `.kev/known_exploited_vulnerabilities.json`),
//!   else the embedded starter set. A database read from S3 or a compiled
//!   index file has no copy beside it;
//! - EPSS scores: `LAMBDA_AUDIT_EPSS`, FIRST's CSV, when set (absent data is
//!   absent, never zero).
//!
//! Both are read once, when the handler starts ([`load`]; the files are read
//! and joined by [`analyzer::prioritize::Signals`], as the command line's),
//! and joined into every scan's findings before they are recorded and
//! published, and into every rescan of the findings store, so that each
//! finding's `kev`, `epss` and risk score carry them. A deployed function's
//! exposure (read per scan, see `layers::aws::exposure`, and kept with the
//! stored subject for rescans) is joined with them; a layer version on its
//! own has none.

use super::HandlerError;
use crate::database::DatabaseSource;
use analyzer::kev::{CatalogOrigin, CACHE_FILE};
use analyzer::prioritize::{KevFile, Signals};
use std::path::PathBuf;

/// Where the signals come from (see the [module](self) documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignalSources {
    /// `LAMBDA_AUDIT_KEV`: a KEV catalog file.
    pub kev: Option<PathBuf>,
    /// `LAMBDA_AUDIT_EPSS`: an EPSS scores file.
    pub epss: Option<PathBuf>,
}

impl SignalSources {
    /// Reads `LAMBDA_AUDIT_KEV` and `LAMBDA_AUDIT_EPSS` through `var`.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> SignalSources {
        let path = |name: &str| {
            var(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| PathBuf::from(v.trim()))
        };
        SignalSources {
            kev: path("LAMBDA_AUDIT_KEV"),
            epss: path("LAMBDA_AUDIT_EPSS"),
        }
    }
}

/// Reads the catalog and the scores (see the [module](self) documentation
/// for the order); a file that is named but cannot be read or parsed is a
/// configuration error (never a silent starter set).
pub fn load(sources: &SignalSources, database: &DatabaseSource) -> Result<Signals, HandlerError> {
    let beside_database = match database {
        DatabaseSource::Path(db) if db.is_dir() => {
            Some(db.join(CACHE_FILE)).filter(|f| f.is_file())
        }
        _ => None,
    };
    let kev = match (&sources.kev, &beside_database) {
        (Some(path), _) => Some(KevFile {
            path,
            origin: CatalogOrigin::Path,
        }),
        (None, Some(copy)) => Some(KevFile {
            path: copy,
            origin: CatalogOrigin::Cache,
        }),
        (None, None) => None,
    };
    Signals::read(kev, sources.epss.as_deref()).map_err(|e| HandlerError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A KEV catalog in CISA's layout listing `cve`.
    fn kev_file(dir: &Path, name: &str, cve: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, testkit::kev::catalog(&[cve], "Known")).unwrap();
        path
    }

    #[test]
    fn the_catalog_comes_from_the_variable_then_the_database_copy_then_the_starter_set() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        kev_file(&db, CACHE_FILE, "CVE-2000-0002");
        let named = kev_file(dir.path(), "kev.json", "CVE-2000-0001");
        let database = DatabaseSource::Path(db.clone());
        let from = |kev: Option<PathBuf>, database: &DatabaseSource| {
            let sources = SignalSources { kev, epss: None };
            load(&sources, database).unwrap().kev
        };

        let kev = from(Some(named), &database);
        assert_eq!(kev.origin, CatalogOrigin::Path);
        assert!(kev.get("CVE-2000-0001").is_some());
        let kev = from(None, &database);
        assert_eq!(kev.origin, CatalogOrigin::Cache);
        assert!(kev.get("CVE-2000-0002").is_some());
        let s3 = DatabaseSource::S3 {
            bucket: "b".into(),
            key: "k".into(),
        };
        assert_eq!(from(None, &s3).origin, CatalogOrigin::Embedded);

        let missing = SignalSources {
            kev: Some(dir.path().join("nope.json")),
            epss: None,
        };
        let error = load(&missing, &database).unwrap_err().to_string();
        assert!(error.contains("cannot read KEV catalog"), "{error}");
        let bad_epss = SignalSources {
            kev: None,
            epss: Some(kev_file(dir.path(), "epss.csv", "x")),
        };
        assert!(load(&bad_epss, &database).is_err());
    }

    #[test]
    fn the_sources_are_read_from_lambda_audit_variables() {
        let var = |k: &str| match k {
            "LAMBDA_AUDIT_KEV" => Some("/opt/kev.json".to_string()),
            "LAMBDA_AUDIT_EPSS" => Some(" ".to_string()),
            _ => None,
        };
        assert_eq!(
            SignalSources::from_env(&var),
            SignalSources {
                kev: Some(PathBuf::from("/opt/kev.json")),
                epss: None,
            }
        );
    }
}
