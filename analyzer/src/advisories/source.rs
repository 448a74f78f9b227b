//! Where the database comes from: `--db`, `LAMBDA_AUDIT_DB`, the user's cache
//! (filled by `db update`), then the embedded starter set. The engine takes
//! the places as an explicit [`Locations`] value; reading them from the
//! environment is the application's job.

use super::{load, Database, DatabaseOrigin, DbError, IndexCache};
use std::path::{Path, PathBuf};

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
    /// Where `db update` keeps the exports (`<cache>/db`).
    pub fn cache_db(&self) -> Option<PathBuf> {
        self.cache_root.as_ref().map(|c| c.join("db"))
    }

    /// The compiled-index cache (`<cache>/index`).
    pub fn index_cache(&self) -> Option<IndexCache> {
        self.cache_root
            .as_ref()
            .map(|c| IndexCache::new(c.join("index")))
    }

    /// Opens the first database found, in resolution order, keeping its
    /// compiled index in [`Locations::index_cache`] when there is a cache
    /// folder. A path given by flag or environment that cannot be read is an
    /// error, never skipped.
    pub fn locate(&self, db_flag: Option<&Path>) -> Result<Database, DbError> {
        let index_cache = self.index_cache();
        if let Some(path) = db_flag.or(self.db_env.as_deref()) {
            return match &index_cache {
                Some(cache) => cache.open(path, DatabaseOrigin::Path),
                None => Database::open(path),
            };
        }
        if let (Some(db), Some(cache)) = (self.cache_db(), &index_cache) {
            let has_data = load::discover(&db).is_ok_and(|s| !s.is_empty());
            if has_data {
                return cache.open(&db, DatabaseOrigin::Cache);
            }
        }
        Ok(Database::embedded())
    }
}
