//! The compiled-index cache: a folder the caller names, holding one compiled
//! index per database path, reused while the database's files are unchanged.
//! Reading and writing it is always the caller's explicit choice:
//! [`Database::open`] never touches it.

use super::database::{sources_at, Database};
use super::index::{self, Compiled};
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

    /// Opens the database at `path`, labelled `origin`: reads its index from
    /// this cache when the database's files have not changed since it was
    /// compiled, else compiles the records and writes a new index here. A
    /// cache that cannot be written only costs the reuse: the database is
    /// then served from memory.
    pub fn open(&self, path: &Path, origin: DatabaseOrigin) -> Result<Database, DbError> {
        let sources = sources_at(path)?;
        let index_path = self.dir.join(index_file_name(path));
        let db = match Database::from_index_file(&index_path) {
            Ok(db) if db.sources() == sources => db,
            _ => store(&index_path, index::build(sources)?),
        };
        db.located(path, origin)
    }
}

/// Writes `compiled` to `index_path` and serves it from there, or from memory
/// when it cannot be written.
fn store(index_path: &Path, compiled: Compiled) -> Database {
    if index::write(index_path, &compiled).is_ok() {
        if let Ok(db) = Database::from_index_file(index_path) {
            return db;
        }
    }
    Database::from_compiled(compiled)
}

/// The index file name for a database path: a hash of its absolute path.
fn index_file_name(path: &Path) -> String {
    use sha1::{Digest, Sha1};
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let digest = Sha1::digest(absolute.to_string_lossy().as_bytes());
    format!("{}.idx", hex::encode(&digest[..12]))
}
