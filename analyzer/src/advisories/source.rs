//! Where the database comes from: `--db`, `LAMBDA_AUDIT_DB`, the user's cache
//! (filled by `db update`), then the embedded starter set.

use super::{load, Database, DbError};
use std::path::{Path, PathBuf};

/// Environment variable naming a database path.
pub const DB_ENV: &str = "LAMBDA_AUDIT_DB";
/// Environment variable overriding the cache folder (`~/.cache/lambda-audit`).
pub const CACHE_ENV: &str = "LAMBDA_AUDIT_CACHE_DIR";

/// The places a database may be found, read once from the environment (or
/// given explicitly, as tests do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Locations {
    /// `LAMBDA_AUDIT_DB`, when set and not empty.
    pub db_env: Option<PathBuf>,
    /// lambda-audit's cache folder: `LAMBDA_AUDIT_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/lambda-audit`, else `~/.cache/lambda-audit`.
    pub cache_root: Option<PathBuf>,
}

impl Locations {
    /// Reads the locations from the environment.
    pub fn from_env() -> Locations {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let cache_root = var(CACHE_ENV).or_else(|| {
            var("XDG_CACHE_HOME")
                .or_else(|| var("HOME").map(|h| h.join(".cache")))
                .map(|c| c.join("lambda-audit"))
        });
        Locations {
            db_env: var(DB_ENV),
            cache_root,
        }
    }

    /// Where `db update` keeps the exports (`<cache>/db`).
    pub fn cache_db(&self) -> Option<PathBuf> {
        self.cache_root.as_ref().map(|c| c.join("db"))
    }

    /// Where compiled indexes are kept (`<cache>/index`).
    pub fn index_dir(&self) -> Option<PathBuf> {
        self.cache_root.as_ref().map(|c| c.join("index"))
    }

    /// Opens the first database found, in resolution order. A path given by
    /// flag or environment that cannot be read is an error, never skipped.
    pub fn locate(&self, db_flag: Option<&Path>) -> Result<Database, DbError> {
        let index_dir = self.index_dir();
        if let Some(path) = db_flag.or(self.db_env.as_deref()) {
            return Database::open_with(path, "path", index_dir.as_deref());
        }
        if let Some(cache) = self.cache_db() {
            let has_data = load::discover(&cache).is_ok_and(|s| !s.is_empty());
            if has_data {
                return Database::open_with(&cache, "cache", index_dir.as_deref());
            }
        }
        Ok(Database::embedded())
    }
}
