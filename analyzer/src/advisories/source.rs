//! Where the database comes from: `--db`, `LAMBDA_AUDIT_DB`, the user's cache
//! (filled by `db update`), then the embedded starter set. The engine takes
//! the places as an explicit [`Locations`] value; reading them from the
//! environment is the application's job.
//!
//! # The cache's layout
//!
//! `db update` keeps each complete database in its own folder,
//! `<cache>/db/versions/<stamp>/<Ecosystem>/all.zip`, and names the one in
//! force in `<cache>/db/current`, a small pointer file holding the version's
//! folder name. An update writes a new version, then replaces the pointer
//! with one rename: readers see the old database or the new one, never a mix.
//! [`current_version`] resolves the pointer; when it is missing (an update
//! stopped between its two renames) the newest version is in force, since a
//! folder only gets its version name once it holds a complete, verified
//! database. A cache written by earlier releases (`<cache>/db/<Ecosystem>/
//! all.zip`, no `versions/`) is read as it is until the first update
//! replaces it. A version keeps its compiled index inside it
//! (`<version>/.index`), so that removing an old version removes its index.

use super::{load, Database, DatabaseOrigin, DbError, IndexCache};
use std::path::{Path, PathBuf};

/// The folder of database versions, under `<cache>/db`.
pub const VERSIONS_DIR: &str = "versions";
/// The pointer file naming the version in force, under `<cache>/db`.
pub const CURRENT_POINTER: &str = "current";
/// A version's compiled-index folder, inside it (hidden: never read as records).
pub const VERSION_INDEX_DIR: &str = ".index";

/// The places a database may be found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Locations {
    /// A database path from the environment (`LAMBDA_AUDIT_DB` for the CLI).
    pub db_env: Option<PathBuf>,
    /// lambda-audit's cache folder, holding the exports `db update` keeps
    /// (`<cache>/db`) and the compiled indexes (`<cache>/index`).
    pub cache_root: Option<PathBuf>,
}

impl Locations {
    /// The root of what `db update` keeps (`<cache>/db`): the versions and
    /// the pointer (see the [module](self) documentation).
    pub fn cache_db(&self) -> Option<PathBuf> {
        self.cache_root.as_ref().map(|c| c.join("db"))
    }

    /// The cached database in force: the version the pointer names, else the
    /// newest version, else the flat layout of earlier releases when it holds
    /// records; `None` when the cache holds no database.
    pub fn cache_current(&self) -> Option<PathBuf> {
        let root = self.cache_db()?;
        if let Some(version) = current_version(&root) {
            return Some(version);
        }
        // Hidden entries (an update's staging folder) are skipped by discover.
        let has_data = load::discover(&root).is_ok_and(|s| !s.is_empty());
        has_data.then_some(root)
    }

    /// The compiled-index cache (`<cache>/index`).
    pub fn index_cache(&self) -> Option<IndexCache> {
        self.cache_root
            .as_ref()
            .map(|c| IndexCache::new(c.join("index")))
    }

    /// The compiled-index cache for the database at `db`: a version of the
    /// cache keeps its index inside its folder ([`VERSION_INDEX_DIR`]), so
    /// that pruning the version removes it too; any other database uses
    /// [`Locations::index_cache`].
    pub fn index_cache_for(&self, db: &Path) -> Option<IndexCache> {
        let versions = self.cache_db()?.join(VERSIONS_DIR);
        match db.parent() == Some(versions.as_path()) {
            true => Some(IndexCache::new(db.join(VERSION_INDEX_DIR))),
            false => self.index_cache(),
        }
    }

    /// Opens the first database found, in resolution order, keeping its
    /// compiled index in [`Locations::index_cache_for`] it when there is a
    /// cache folder. A path given by flag or environment that cannot be read is an
    /// error, never skipped.
    pub fn locate(&self, db_flag: Option<&Path>) -> Result<Database, DbError> {
        let index_cache = self.index_cache();
        if let Some(path) = db_flag.or(self.db_env.as_deref()) {
            return match &index_cache {
                Some(cache) => cache.open(path, DatabaseOrigin::Path),
                None => Database::open(path),
            };
        }
        if let Some(db) = self.cache_current() {
            if let Some(cache) = self.index_cache_for(&db) {
                return cache.open(&db, DatabaseOrigin::Cache);
            }
        }
        Ok(Database::embedded())
    }
}

/// The version folder in force under `db_root` (`<cache>/db`): the one the
/// [`CURRENT_POINTER`] names, else the newest one; `None` when there is no
/// version (no update yet, or a cache of an earlier release).
pub fn current_version(db_root: &Path) -> Option<PathBuf> {
    let versions = db_root.join(VERSIONS_DIR);
    let pointed = std::fs::read_to_string(db_root.join(CURRENT_POINTER))
        .ok()
        .and_then(|text| {
            let name = text.trim();
            is_version_name(name).then(|| versions.join(name))
        })
        .filter(|dir| dir.is_dir());
    pointed.or_else(|| version_names(&versions).pop().map(|n| versions.join(n)))
}

/// The names of the complete versions under `versions`, oldest first (the
/// names start with their UTC time stamp, so they sort by age).
pub fn version_names(versions: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(versions) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_version_name(n))
        .collect();
    names.sort();
    names
}

/// True for a plain, visible folder name: what a pointer may hold. Hidden
/// names are staging folders of an update in progress.
pub fn is_version_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Where a database layer built by `lambda-audit db layer` keeps the
/// database, relative to the layer's root (Lambda mounts layers at `/opt`):
/// one compiled index file, which a cold start maps instead of compiling
/// records (an index file is recognised by its content, whatever its name).
pub const LAYER_DB_PATH: &str = "lambda-audit/db";
