//! Why a database could not be opened or read.

use std::path::{Path, PathBuf};

/// How to get the full advisory data, for messages about a missing or partial database.
pub const FULL_DATA_HINT: &str = "run `lambda-audit db update` to download the OSV exports \
for npm, PyPI, crates.io and Maven, or point --db (or LAMBDA_AUDIT_DB) at a folder of \
<Ecosystem>/all.zip exports, an all.zip, or OSV *.json records";

/// Why a database could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid zip: {0}")]
    Zip(String),
    #[error("{}: not a database (expected a folder, an all.zip, an OSV .json record or a compiled index)", .0.display())]
    Unsupported(PathBuf),
    #[error("no OSV advisories found in {}: {FULL_DATA_HINT}", .0.display())]
    Empty(PathBuf),
    #[error("advisory database {} does not exist: {FULL_DATA_HINT}", .0.display())]
    Missing(PathBuf),
    #[error("advisory index: {0}")]
    Index(String),
    #[error("advisory {id}: {reason}")]
    Record { id: String, reason: String },
}

impl DbError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> DbError {
        DbError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
