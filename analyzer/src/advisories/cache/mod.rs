//! The compiled-index cache: a folder the caller names, holding one compiled
//! index per database path, reused while the database's files hold the same
//! bytes (see [`fingerprint`](super::fingerprint)). Reading and writing it is
//! always the caller's explicit choice: [`Database::open`] never touches it.
//!
//! Never wrong: an index is written to a temporary file in the folder and
//! renamed into place, so two processes compiling at once each end with a
//! whole index (the last rename wins, and both are correct); an index file
//! that is cut short or altered fails its footer or checksums (the whole
//! structure is checked before a cached file is used) and is compiled
//! again, with a warning ([`Database::warnings`]), never read as fewer records.
//! [`IndexCache::prune`] removes what no open can use any more.

mod prune;
mod stamp;

pub use prune::{Pruned, PRUNE_GRACE};

use super::database::{is_index_file, sources_at, Database};
use super::index::compile::{self, CompileError};
use super::index::reader::{Index, OpenError};
use super::index::{rewrite, Header};
use super::DbError;
use crate::findings::DatabaseOrigin;
use stamp::Stamps;
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
            Ok(index) => match stamp::compare(&index.header().sources, path, &sources, path)? {
                Stamps::Changed => {}
                // A file this cache can compile again is checked whole before
                // it is trusted, so that damage costs a rebuild now, never a
                // lookup.
                Stamps::Same { sources, restamped } => match index.verify() {
                    Ok(()) => {
                        if restamped {
                            // Fingerprints that settled since: recorded, so
                            // that the next open does not hash the files. A
                            // failure only costs that.
                            let header = Header {
                                sources,
                                ..index.header().clone()
                            };
                            let _ = rewrite::with_header(&index, &index_path, &header, &index_path);
                        }
                        return Database::over(index, Some(index_path)).located(path, origin);
                    }
                    Err(reason) => warning = Some(damaged(&index_path, &reason)),
                },
            },
            Err(OpenError::Absent | OpenError::OtherVersion) => {}
            Err(OpenError::Corrupt(reason)) => warning = Some(damaged(&index_path, &reason)),
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
        db.compiled().located(path, origin)
    }

    /// Gives the database at `db` the index that `earlier` keeps for the
    /// database at `earlier_db`, when `db`'s files are `earlier_db`'s under
    /// the same names with the same bytes (checked by their checksums): what
    /// `db update` does for a new version whose exports did not change, so
    /// that the next scan maps the index instead of compiling every record.
    /// True when it did; false when there is no whole index to give or the
    /// bytes differ.
    pub fn adopt(
        &self,
        db: &Path,
        earlier: &IndexCache,
        earlier_db: &Path,
    ) -> Result<bool, DbError> {
        let from = earlier.dir.join(index_file_name(earlier_db));
        let Ok(index) = Index::open_file(&from) else {
            return Ok(false);
        };
        if index.verify().is_err() {
            return Ok(false);
        }
        let listed = sources_at(db)?;
        let Stamps::Same { sources, .. } =
            stamp::compare(&index.header().sources, earlier_db, &listed, db)?
        else {
            return Ok(false);
        };
        let header = Header {
            sources,
            ..index.header().clone()
        };
        let to = self.dir.join(index_file_name(db));
        rewrite::with_header(&index, &from, &header, &to).map_err(|e| DbError::io(&to, e))?;
        Ok(true)
    }
}

/// The warning for a damaged index file, compiled again.
fn damaged(index: &Path, reason: &str) -> String {
    format!(
        "the compiled index {} is damaged ({reason}); compiling it again",
        index.display()
    )
}

/// The index file name for a database path: a hash of its absolute path.
fn index_file_name(path: &Path) -> String {
    use sha1::{Digest, Sha1};
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let digest = Sha1::digest(absolute.to_string_lossy().as_bytes());
    format!("{}.{}", hex::encode(&digest[..12]), prune::INDEX_EXTENSION)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::fingerprint::{self, Fingerprint};
    use crate::advisories::load::{discover, SourceFile};
    use std::time::{Duration, UNIX_EPOCH};

    /// True when `listed` hold the bytes `compiled` records (one file, its
    /// own root).
    fn unchanged(compiled: &[SourceFile], listed: &[SourceFile]) -> Result<bool, DbError> {
        let root = &compiled[0].path;
        let stamps = stamp::compare(compiled, root, listed, root)?;
        Ok(matches!(stamps, Stamps::Same { .. }))
    }

    /// The file at `path` as a compile records it: its checksum, and whether
    /// its fingerprint is trusted.
    fn compiled(path: &Path, settled: bool, checksum: &str) -> Vec<SourceFile> {
        let mut sources = discover(path).unwrap();
        sources[0].checksum = Some(checksum.into());
        sources[0].settled = settled;
        sources
    }

    #[test]
    fn a_settled_fingerprint_stands_for_the_bytes_and_anything_else_is_hashed() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.json");
        std::fs::write(&path, "{}").unwrap();
        let right = fingerprint::checksum(b"{}");
        let listed = discover(&path).unwrap();
        // Settled and unchanged: trusted without reading (a wrong checksum
        // shows that it was not read).
        assert!(unchanged(&compiled(&path, true, "wrong"), &listed).unwrap());
        // Not settled: the bytes decide.
        assert!(!unchanged(&compiled(&path, false, "wrong"), &listed).unwrap());
        assert!(unchanged(&compiled(&path, false, &right), &listed).unwrap());
        // Rewritten with the same length: the ctime moves, the bytes decide.
        let before = compiled(&path, true, &right);
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, "[]").unwrap();
        assert!(!unchanged(&before, &discover(&path).unwrap()).unwrap());
        // Another set of files is another database.
        assert!(!unchanged(&before, &[]).unwrap());
    }

    #[test]
    fn a_fingerprint_is_settled_only_past_the_margin() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.json");
        std::fs::write(&path, "{}").unwrap();
        let print = Fingerprint::at(&path).unwrap();
        let changed = UNIX_EPOCH + Duration::from_nanos(print.ctime_ns.max(print.mtime_ns) as u64);
        let margin = fingerprint::SETTLE_MARGIN;
        assert!(!print.settled_at(changed));
        assert!(!print.settled_at(changed + margin / 2));
        assert!(print.settled_at(changed + margin + Duration::from_millis(1)));
        assert!(!Fingerprint::default().settled_at(changed + margin * 10));
    }
}
