//! Why an update failed. Every message puts the cause first, then what was
//! being done and where (which ecosystem, which URL or record), and
//! [`UpdateError::next_step`] says what to try. The previous database is
//! always still in force when one of these is returned.

use crate::http::HttpError;
use analyzer::Ecosystem;
use std::fmt;
use std::path::PathBuf;

/// Why an update failed; the previous database is unchanged.
#[derive(Debug)]
pub struct UpdateError {
    /// The ecosystem being fetched, when the failure is about one.
    pub ecosystem: Option<Ecosystem>,
    pub failure: Failure,
}

/// What failed.
#[derive(Debug)]
pub enum Failure {
    /// A download (export, listing or record) failed.
    Download {
        url: String,
        what: Fetched,
        error: HttpError,
    },
    /// A downloaded export is not a zip of OSV records.
    NotAnExport { url: String, reason: String },
    /// The downloaded KEV catalog is not CISA's JSON document.
    NotAKevCatalog { url: String, reason: String },
    /// A downloaded record is not an OSV record, or not the one listed.
    NotARecord {
        url: String,
        id: String,
        reason: String,
    },
    /// A file or folder of the cache could not be written.
    Io {
        path: PathBuf,
        action: &'static str,
        error: std::io::Error,
    },
    /// Work on a download stopped before it finished (a crashed task).
    Stopped { url: String, reason: String },
}

/// What a download was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// `<Ecosystem>/all.zip`.
    Export,
    /// A record the ecosystem's `modified_id.csv` lists.
    Record { id: String, listing: String },
    /// CISA's Known Exploited Vulnerabilities catalog.
    KevCatalog,
}

impl UpdateError {
    pub(crate) fn new(ecosystem: impl Into<Option<Ecosystem>>, failure: Failure) -> UpdateError {
        UpdateError {
            ecosystem: ecosystem.into(),
            failure,
        }
    }

    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
        error: std::io::Error,
    ) -> UpdateError {
        UpdateError::new(
            None,
            Failure::Io {
                path: path.into(),
                action,
                error,
            },
        )
    }

    /// What to try next, in one sentence.
    pub fn next_step(&self) -> &'static str {
        match &self.failure {
            Failure::Download { what: Fetched::Record { .. }, error: HttpError::Status(404), .. } => {
                "the export is being republished: run `lambda-audit db update` again later, or \
                 `lambda-audit db update --full` to download whole exports instead of single records"
            }
            Failure::Download { what: Fetched::KevCatalog, error: HttpError::Status(s), .. }
                if (400..500).contains(s) =>
            {
                "check --kev-url: it must serve CISA's known_exploited_vulnerabilities.json"
            }
            Failure::NotAKevCatalog { .. } => {
                "run `lambda-audit db update` again; if the catalog stays invalid, check --kev-url \
                 (a proxy or captive portal may answer instead of the server)"
            }
            Failure::Download { error: HttpError::Status(s), .. } if (400..500).contains(s) => {
                "check --url: the server must lay out OSV's export bucket \
                 (<Ecosystem>/all.zip, <Ecosystem>/modified_id.csv, <Ecosystem>/<ID>.json)"
            }
            Failure::Download { error: HttpError::Write(_), .. } | Failure::Io { .. } => {
                "check that the cache folder is writable and has free space \
                 (LAMBDA_AUDIT_CACHE_DIR moves it)"
            }
            Failure::Download { .. } | Failure::Stopped { .. } => {
                "check the network connection (and HTTPS_PROXY, if one is needed) and run \
                 `lambda-audit db update` again"
            }
            Failure::NotAnExport { .. } => {
                "run `lambda-audit db update` again; if the export stays invalid, check --url \
                 (a proxy or captive portal may answer instead of the server)"
            }
            Failure::NotARecord { .. } => {
                "run `lambda-audit db update --full` to download the whole export instead of \
                 single records"
            }
        }
    }
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let eco = self.ecosystem.map(|e| e.as_str());
        let of = |what: &str| match eco {
            Some(e) => format!("the {e} {what}"),
            None => format!("the {what}"),
        };
        match &self.failure {
            Failure::Download {
                url,
                what: Fetched::Export,
                error,
            } => {
                write!(f, "{error} (downloading {} {url})", of("export"))
            }
            Failure::Download {
                url,
                what: Fetched::Record { id, listing },
                error,
            } => write!(
                f,
                "{error} (downloading record {id}, which {listing} lists, from {url})"
            ),
            Failure::NotAnExport { url, reason } => {
                write!(
                    f,
                    "{reason} ({} {url} is not an OSV export)",
                    of("download")
                )
            }
            Failure::Download {
                url,
                what: Fetched::KevCatalog,
                error,
            } => write!(f, "{error} (downloading the KEV catalog {url})"),
            Failure::NotAKevCatalog { url, reason } => {
                write!(f, "{reason} (the download {url} is not a KEV catalog)")
            }
            Failure::NotARecord { url, id, reason } => {
                write!(f, "{reason} (record {id} from {url})")
            }
            Failure::Io {
                path,
                action,
                error,
            } => write!(f, "{error} ({action} {})", path.display()),
            Failure::Stopped { url, reason } => {
                write!(f, "{reason} (the work on {url} stopped)")
            }
        }
    }
}

impl std::error::Error for UpdateError {}
