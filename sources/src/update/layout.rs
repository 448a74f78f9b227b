//! The cache's database folders as `db update` writes them (see
//! [`analyzer::advisories::source`] for the layout and how readers resolve
//! it): a hidden staging folder per update, renamed to its version name once
//! complete, then the `current` pointer switched in one rename, then old
//! versions pruned.
//!
//! The pointer is a small file rather than a symbolic link: renaming a file
//! over another is atomic on every file system Linux and macOS use (and on
//! Windows), while symbolic links need privileges on Windows and are missing
//! on FAT/exFAT disks and some network shares. Its content (one folder name)
//! is checked before it is followed.

use super::error::UpdateError;
use analyzer::advisories::source::{
    current_version, is_version_name, version_names, CURRENT_POINTER, VERSIONS_DIR,
    VERSION_INDEX_DIR,
};
use analyzer::advisories::{IndexCache, Locations, PRUNE_GRACE};
use analyzer::Ecosystem;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Staging folders older than this were left by an interrupted update.
const STALE_STAGING_AGE: Duration = Duration::from_secs(3600);
/// Prefix of staging folders (hidden: readers skip them).
const STAGING_PREFIX: &str = ".staging-";

/// `<cache>/db`, as `db update` manages it.
pub struct Store {
    root: PathBuf,
}

/// The database in force before an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Previous {
    /// A version folder.
    Version(PathBuf),
    /// The flat layout of earlier releases, `<cache>/db/<Ecosystem>/all.zip`.
    Flat(PathBuf),
}

impl Previous {
    /// The folder holding `<Ecosystem>/all.zip`.
    pub fn dir(&self) -> &Path {
        match self {
            Previous::Version(p) | Previous::Flat(p) => p,
        }
    }
}

impl Store {
    pub fn new(root: &Path) -> Store {
        Store {
            root: root.to_path_buf(),
        }
    }

    fn versions(&self) -> PathBuf {
        self.root.join(VERSIONS_DIR)
    }

    /// The database in force, if any.
    pub fn previous(&self) -> Option<Previous> {
        if let Some(version) = current_version(&self.root) {
            return Some(Previous::Version(version));
        }
        let flat = Ecosystem::ALL
            .iter()
            .any(|e| self.root.join(e.as_str()).join("all.zip").is_file());
        flat.then(|| Previous::Flat(self.root.clone()))
    }

    /// A new hidden staging folder, removed when dropped uncommitted.
    pub fn stage(&self) -> Result<tempfile::TempDir, UpdateError> {
        let versions = self.versions();
        std::fs::create_dir_all(&versions)
            .map_err(|e| UpdateError::io(&versions, "creating", e))?;
        self.remove_stale_staging();
        tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(&versions)
            .map_err(|e| UpdateError::io(&versions, "creating a folder in", e))
    }

    /// Gives `staging` its version name and points `current` at it; returns
    /// the version's folder.
    pub fn commit(&self, staging: tempfile::TempDir) -> Result<PathBuf, UpdateError> {
        let stamp = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let versions = self.versions();
        let (name, dir) = (0..1000)
            .map(|n| match n {
                0 => stamp.clone(),
                n => format!("{stamp}-{n:03}"),
            })
            .map(|name| (name.clone(), versions.join(name)))
            .find(|(_, dir)| !dir.exists())
            .ok_or_else(|| {
                let taken = std::io::Error::other("a thousand versions were written this second");
                UpdateError::io(&versions, "naming a version in", taken)
            })?;
        let staged = staging.keep();
        if let Err(e) = std::fs::rename(&staged, &dir) {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(UpdateError::io(&dir, "moving the new database to", e));
        }
        if let Err(e) = self.point_at(&name) {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
        Ok(dir)
    }

    /// Replaces the pointer with one naming `name`: written to a temporary
    /// file, synced, renamed over the old pointer.
    fn point_at(&self, name: &str) -> Result<(), UpdateError> {
        debug_assert!(is_version_name(name));
        let pointer = self.root.join(CURRENT_POINTER);
        let io = |e| UpdateError::io(&pointer, "switching", e);
        let mut temp = tempfile::Builder::new()
            .prefix(".current-")
            .tempfile_in(&self.root)
            .map_err(io)?;
        writeln!(temp, "{name}").map_err(io)?;
        temp.as_file().sync_all().map_err(io)?;
        temp.persist(&pointer).map_err(|e| io(e.error))?;
        // Make the rename itself durable (best effort: not every system can
        // sync a folder).
        if let Ok(dir) = std::fs::File::open(&self.root) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Removes every version but `current` and `previous`, and the flat
    /// layout of earlier releases once a version replaced it. Best effort: a
    /// folder that cannot be removed now is removed by a later update.
    pub fn prune(&self, current: &Path, previous: Option<&Previous>) {
        let versions = self.versions();
        for name in version_names(&versions) {
            let dir = versions.join(&name);
            let kept = dir == current || previous == Some(&Previous::Version(dir.clone()));
            if !kept {
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
        if let Some(Previous::Flat(root)) = previous {
            for eco in Ecosystem::ALL {
                let _ = std::fs::remove_dir_all(root.join(eco.as_str()));
            }
        }
        self.prune_indexes(current, previous);
    }

    /// Gives the new version `current` the compiled index of the `previous`
    /// version when its exports hold the same bytes (an update that changed
    /// nothing hard-links every export): checked by the engine
    /// ([`IndexCache::adopt`]), best effort, since a missing index only
    /// costs the next scan a compile.
    pub fn adopt_index(&self, current: &Path, previous: Option<&Previous>) {
        let Some(Previous::Version(earlier)) = previous else {
            return;
        };
        let cache = IndexCache::new(current.join(VERSION_INDEX_DIR));
        let earlier_cache = IndexCache::new(earlier.join(VERSION_INDEX_DIR));
        let _ = cache.adopt(current, &earlier_cache, earlier);
    }

    /// Prunes the compiled-index caches (see [`IndexCache::prune`]): the
    /// cache's `index` folder, where the indexes of removed versions and of
    /// databases scanned with `--db` that are gone pile up, and the index
    /// folders of the versions kept, where only stopped compiles' temporary
    /// files can be left.
    fn prune_indexes(&self, current: &Path, previous: Option<&Previous>) {
        let locations = Locations {
            db_env: None,
            cache_root: self.root.parent().map(Path::to_path_buf),
        };
        let kept = std::iter::once(current).chain(match previous {
            Some(Previous::Version(dir)) => Some(dir.as_path()),
            _ => None,
        });
        let caches = locations
            .index_cache()
            .into_iter()
            .chain(kept.map(|dir| IndexCache::new(dir.join(VERSION_INDEX_DIR))));
        for cache in caches {
            cache.prune(PRUNE_GRACE);
        }
    }

    /// Removes staging folders an interrupted update left (older than an
    /// hour, so a concurrent update's folder is kept).
    fn remove_stale_staging(&self) {
        let Ok(entries) = std::fs::read_dir(self.versions()) else {
            return;
        };
        for entry in entries.flatten() {
            if !entry
                .file_name()
                .to_string_lossy()
                .starts_with(STAGING_PREFIX)
            {
                continue;
            }
            let age = entry
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok());
            if age.is_some_and(|age| age > STALE_STAGING_AGE) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analyzer::advisories::DatabaseOrigin;
    use std::time::SystemTime;

    /// A version folder holding one npm record.
    fn version(versions: &Path, name: &str) -> PathBuf {
        let dir = versions.join(name);
        std::fs::create_dir_all(dir.join("npm")).unwrap();
        std::fs::write(
            dir.join("npm/X-1.json"),
            r#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"}}]}"#,
        )
        .unwrap();
        dir
    }

    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| entries.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
    }

    fn age(path: &Path) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        let old = SystemTime::now() - 2 * PRUNE_GRACE;
        file.set_modified(old).unwrap();
    }

    #[test]
    fn pruning_removes_old_versions_and_the_indexes_only_they_used() {
        let cache = tempfile::tempdir().unwrap();
        let store = Store::new(&cache.path().join("db"));
        let versions = store.versions();
        let (old, previous, current) = (
            version(&versions, "20240101T000000Z"),
            version(&versions, "20240102T000000Z"),
            version(&versions, "20240103T000000Z"),
        );
        // Indexes in `<cache>/index` (as `--db <version>` compiles them),
        // all older than the grace period.
        let index = IndexCache::new(cache.path().join("index"));
        for dir in [&old, &previous, &current] {
            index.open(dir, DatabaseOrigin::Path).unwrap();
        }
        let indexes = files(index.dir());
        assert_eq!(indexes.len(), 3);
        indexes.iter().for_each(|p| age(p));
        // A compile killed in a kept version's own index folder.
        let own = current.join(VERSION_INDEX_DIR);
        std::fs::create_dir_all(&own).unwrap();
        let stopped = own.join(".tmp-stopped");
        std::fs::write(&stopped, b"half an index").unwrap();
        age(&stopped);

        store.prune(&current, Some(&Previous::Version(previous.clone())));

        assert_eq!(
            version_names(&versions),
            ["20240102T000000Z", "20240103T000000Z"]
        );
        let left = files(index.dir());
        assert_eq!(left.len(), 2, "{left:#?}");
        for dir in [&previous, &current] {
            let db = index.open(dir, DatabaseOrigin::Path).unwrap();
            assert!(db.warnings().is_empty());
        }
        // Opening the kept versions reused their indexes: nothing new.
        assert_eq!(files(index.dir()), left);
        assert!(files(&own).is_empty());
    }
}
