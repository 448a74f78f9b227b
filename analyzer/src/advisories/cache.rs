//! The compiled-index cache: a folder the caller names, holding one compiled
//! index per database path, reused while the database's files hold the same
//! bytes (see [`fingerprint`](super::fingerprint)). Reading and writing it is
//! always the caller's explicit choice: [`Database::open`] never touches it.
//!
//! Never wrong: an index is written to a temporary file in the folder and
//! renamed into place, so two processes compiling at once each end with a
//! whole index (the last rename wins, and both are correct); an index file
//! that is cut short or altered fails its footer or checksums and is compiled
//! again, with a warning ([`Database::warnings`]), never read as fewer records.

use super::database::{is_index_file, sources_at, Database};
use super::fingerprint;
use super::index::compile::{self, CompileError};
use super::index::reader::{Index, OpenError};
use super::DbError;
use crate::findings::DatabaseOrigin;
use std::path::{Path, PathBuf};

/// A folder of compiled indexes (for the CLI, `<cache>/index`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexCache {
    dir: PathBuf,
}

impl IndexCache {
    /// A cache in `dir`, created when the first index is written.
    pub fn new(dir: impl Into<PathBuf>) -> IndexCache {
        IndexCache { dir: dir.into() }
    }

    /// The folder the indexes are kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens the database at `path`, labelled `origin`: maps its index from
    /// this cache when the database's files hold the bytes it was compiled
    /// from, else compiles the records into a new index here. A cache that
    /// cannot be written only costs the reuse: the index is then compiled in
    /// memory. A compiled index file given as `path` is mapped as it is.
    pub fn open(&self, path: &Path, origin: DatabaseOrigin) -> Result<Database, DbError> {
        if is_index_file(path) {
            return Database::open(path)?.located(path, origin);
        }
        let sources = sources_at(path)?;
        let index_path = self.dir.join(index_file_name(path));
        let mut warning = None;
        match Index::open_file(&index_path) {
            Ok(index) if fingerprint::unchanged(&index.header().sources, &sources)? => {
                return Database::over(index, Some(index_path)).located(path, origin);
            }
            Ok(_) | Err(OpenError::Absent | OpenError::OtherVersion) => {}
            Err(OpenError::Corrupt(reason)) => {
                warning = Some(format!(
                    "the compiled index {} is damaged ({reason}); compiling it again",
                    index_path.display()
                ));
            }
        }
        let db = match compile::compile_to_file(sources.clone(), &index_path) {
            Ok(index) => Database::over(index, Some(index_path)),
            Err(CompileError::Write(_)) => {
                Database::over(compile::compile_in_memory(sources)?, None)
            }
            Err(CompileError::Source(e)) => return Err(e),
        };
        let db = match warning {
            Some(w) => db.warn(w),
            None => db,
        };
        db.located(path, origin)
    }
}

/// The index file name for a database path: a hash of its absolute path.
fn index_file_name(path: &Path) -> String {
    use sha1::{Digest, Sha1};
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let digest = Sha1::digest(absolute.to_string_lossy().as_bytes());
    format!("{}.idx", hex::encode(&digest[..12]))
}
