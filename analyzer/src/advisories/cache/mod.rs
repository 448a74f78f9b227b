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

pub use prune::{Pruned, PRUNE_GRACE};

use super::database::{is_index_file, sources_at, Database};
use super::fingerprint;
use super::index::compile::{self, CompileError};
use super::index::reader::{Index, OpenError};
use super::load::SourceFile;
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
            // A file this cache can compile again is checked whole before it
            // is trusted, so that damage costs a rebuild now, never a lookup.
            Ok(index) if unchanged(&index.header().sources, &sources)? => match index.verify() {
                Ok(()) => return Database::over(index, Some(index_path)).located(path, origin),
                Err(reason) => warning = Some(damaged(&index_path, &reason)),
            },
            Ok(_) | Err(OpenError::Absent | OpenError::OtherVersion) => {}
            Err(OpenError::Corrupt(reason)) => {
                warning = Some(damaged(&index_path, &reason));
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

/// True when `listed` (the files there now, from
/// [`discover`](super::load::discover)) are the files `compiled` was built
/// from, with the same bytes.
fn unchanged(compiled: &[SourceFile], listed: &[SourceFile]) -> Result<bool, DbError> {
    if compiled.len() != listed.len() {
        return Ok(false);
    }
    for (then, now) in compiled.iter().zip(listed) {
        if then.path != now.path || then.kind != now.kind || then.len != now.len {
            return Ok(false);
        }
        if (then.settled || then.skipped) && then.fingerprint == now.fingerprint {
            continue;
        }
        match &then.checksum {
            Some(sum) if *sum == fingerprint::checksum_file(&now.path)? => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::fingerprint::Fingerprint;
    use crate::advisories::load::discover;
    use std::time::{Duration, UNIX_EPOCH};

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
