//! Pruning an [`IndexCache`]: compiled indexes of databases that are gone
//! pile up (every `--db` folder scanned once, every version `db update`
//! removed), and so do temporary files of compiles that were killed.
//!
//! Only what no open can use any more is removed, and only once it is older
//! than a grace period, so that a file another process is writing (a
//! compile's temporary file) or has just renamed into place is never taken
//! from under it. Removing an index another process has mapped is harmless:
//! the map keeps the file's data until it is unmapped.

use super::IndexCache;
use crate::advisories::index::reader::{Index, OpenError};
use crate::advisories::index::TEMP_PREFIX;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The default grace period of [`IndexCache::prune`]: files changed more
/// recently are kept, whatever they hold (a compile of the full-size
/// database takes seconds; an hour leaves a wide margin for slow disks).
pub const PRUNE_GRACE: Duration = Duration::from_secs(3600);

/// Extension of a compiled index in the cache.
pub(crate) const INDEX_EXTENSION: &str = "idx";

/// What [`IndexCache::prune`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// The files removed, with why.
    pub removed: Vec<(PathBuf, String)>,
    /// Index files kept (in use, or too young to judge).
    pub kept: usize,
}

impl IndexCache {
    /// Removes, among the files last changed more than `grace` ago: compiled
    /// indexes whose database files no longer all exist, index files this
    /// build cannot read (another format version, damaged), and temporary
    /// files of compiles that stopped. Indexes of databases that exist are
    /// kept (a changed database's index is replaced at its next open), and
    /// files the cache did not write are left alone. Best effort: a file
    /// that cannot be removed now is left for a later prune.
    pub fn prune(&self, grace: Duration) -> Pruned {
        let mut pruned = Pruned::default();
        let Ok(entries) = std::fs::read_dir(self.dir()) else {
            return pruned;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(why) = unusable(&path) else {
                pruned.kept += usize::from(is_index_name(&path));
                continue;
            };
            let old = entry
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .and_then(|m| m.modified().ok())
                .and_then(|changed| now.duration_since(changed).ok())
                .is_some_and(|age| age > grace);
            if !old {
                pruned.kept += usize::from(is_index_name(&path));
            } else if std::fs::remove_file(&path).is_ok() {
                pruned.removed.push((path, why));
            }
        }
        pruned.removed.sort();
        pruned
    }
}

/// Why the cache file at `path` is of no use any more; `None` for an index
/// in use and for a file the cache does not own.
fn unusable(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    if name.starts_with(TEMP_PREFIX) {
        return Some("the temporary file of a compile that stopped".into());
    }
    if !is_index_name(path) {
        return None;
    }
    match Index::open_file(path) {
        Ok(index) => index
            .header()
            .sources
            .iter()
            .find(|s| std::fs::symlink_metadata(&s.path).is_err())
            .map(|gone| format!("its database file {} is gone", gone.path.display())),
        Err(OpenError::Absent) => None,
        Err(e) => Some(format!("unusable: {e}")),
    }
}

fn is_index_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == INDEX_EXTENSION)
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::DatabaseOrigin;

    const RECORD: &str = r#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"}}]}"#;

    /// A database folder holding one record.
    fn database(dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("X-1.json"), RECORD).unwrap();
        dir.to_path_buf()
    }

    fn age(path: &Path, by: Duration) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - by).unwrap();
    }

    fn names(cache: &IndexCache) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(cache.dir())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn only_old_files_no_open_can_use_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = IndexCache::new(tmp.path().join("index"));
        let kept_db = database(&tmp.path().join("kept"));
        let gone_db = database(&tmp.path().join("gone"));
        let young_gone_db = database(&tmp.path().join("young-gone"));
        for db in [&kept_db, &gone_db, &young_gone_db] {
            cache.open(db, DatabaseOrigin::Path).unwrap();
        }
        let index_of = |db: &Path| cache.dir().join(super::super::index_file_name(db));
        let (kept, gone, young_gone) = (
            index_of(&kept_db),
            index_of(&gone_db),
            index_of(&young_gone_db),
        );
        std::fs::remove_dir_all(&gone_db).unwrap();
        std::fs::remove_dir_all(&young_gone_db).unwrap();
        let dir = cache.dir();
        let damaged = dir.join("0123.idx");
        let cut = [
            crate::advisories::index::format::MAGIC.as_slice(),
            b"cut short",
        ]
        .concat();
        std::fs::write(&damaged, cut).unwrap();
        let stale_temp = dir.join(".tmp-stale");
        std::fs::write(&stale_temp, b"half an index").unwrap();
        let live_temp = dir.join(".tmp-live");
        std::fs::write(&live_temp, b"an index being written").unwrap();
        let foreign = dir.join("notes.txt");
        std::fs::write(&foreign, b"not the cache's").unwrap();
        let hour = Duration::from_secs(3600);
        for path in [&kept, &gone, &damaged, &stale_temp, &foreign] {
            age(path, 2 * hour);
        }

        let pruned = cache.prune(hour);

        let removed: Vec<&PathBuf> = pruned.removed.iter().map(|(p, _)| p).collect();
        let mut expected = vec![&gone, &damaged, &stale_temp];
        expected.sort();
        assert_eq!(removed, expected, "{pruned:#?}");
        assert!(pruned
            .removed
            .iter()
            .any(|(p, why)| p == &gone && why.contains("is gone")));
        // The index in use, the one too young to judge and the foreign file stay.
        assert_eq!(pruned.kept, 2);
        let mut left = vec![
            ".tmp-live".to_string(),
            "notes.txt".to_string(),
            kept.file_name().unwrap().to_string_lossy().into_owned(),
            young_gone
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        ];
        left.sort();
        assert_eq!(names(&cache), left);
        // The kept index is still the one an open maps.
        let db = cache.open(&kept_db, DatabaseOrigin::Path).unwrap();
        assert!(db.warnings().is_empty());
        assert_eq!(names(&cache).len(), 4);
        // A later prune past the grace period of the young one removes it.
        age(&young_gone, 2 * hour);
        assert_eq!(cache.prune(hour).removed.len(), 1);
    }

    #[test]
    fn a_missing_cache_folder_prunes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let pruned = IndexCache::new(tmp.path().join("absent")).prune(Duration::ZERO);
        assert_eq!(pruned, Pruned::default());
    }
}
