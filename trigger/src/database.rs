//! Where the handler's advisory database comes from: a path (by default the
//! Lambda layer mount `/opt/lambda-audit/db`) or an S3 object, fetched to /tmp
//! and loaded again only when its ETag changes.
//!
//! - `LAMBDA_AUDIT_DB`: a path (what `--db` accepts); default [`DEFAULT_DB_PATH`].
//! - `LAMBDA_AUDIT_DB_S3`: `s3://bucket/key` (wins over `LAMBDA_AUDIT_DB`).

use analyzer::advisories::{Database, DatabaseOrigin, IndexCache};
use analyzer::findings::ScanReport;
use analyzer::inventory::Inventory;
use aws_sdk_s3::primitives::AggregatedBytes;
use layers::aws::sdk_message;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The database path inside a Lambda layer (layers are mounted at /opt).
pub const DEFAULT_DB_PATH: &str = "/opt/lambda-audit/db";

/// Matches an inventory against one loaded advisory database.
pub trait Matcher: Send + Sync {
    fn report(&self, inventory: Inventory) -> ScanReport;
}

/// Loads a [`Matcher`] from a database path.
pub type LoadMatcher = Arc<dyn Fn(&Path) -> Result<Arc<dyn Matcher>, String> + Send + Sync>;

/// The engine's matching against an OSV advisory database.
pub struct OsvMatcher(pub Database);

impl Matcher for OsvMatcher {
    fn report(&self, inventory: Inventory) -> ScanReport {
        analyzer::matching::match_inventory(inventory, &self.0)
    }
}

/// Loads an OSV database (a folder of `<Ecosystem>/all.zip`, one all.zip, or
/// OSV JSON files) from a path, keeping its compiled index in `index_dir`.
pub fn osv_loader(index_dir: PathBuf) -> LoadMatcher {
    let index_cache = IndexCache::new(index_dir);
    Arc::new(move |path: &Path| {
        let db = index_cache
            .open(path, DatabaseOrigin::Path)
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(OsvMatcher(db)) as Arc<dyn Matcher>)
    })
}

/// Where the database is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseSource {
    Path(PathBuf),
    S3 { bucket: String, key: String },
}

impl DatabaseSource {
    /// Reads `LAMBDA_AUDIT_DB_S3` / `LAMBDA_AUDIT_DB` through `var`.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<DatabaseSource, String> {
        if let Some(uri) = var("LAMBDA_AUDIT_DB_S3").filter(|v| !v.trim().is_empty()) {
            return parse_s3_uri(&uri).map(|(bucket, key)| DatabaseSource::S3 { bucket, key });
        }
        let path = var("LAMBDA_AUDIT_DB")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DB_PATH.into());
        Ok(DatabaseSource::Path(PathBuf::from(path)))
    }

    /// True when `bucket`/`key` is this database's S3 object.
    pub fn is_object(&self, bucket: &str, key: &str) -> bool {
        matches!(self, DatabaseSource::S3 { bucket: b, key: k } if b == bucket && k == key)
    }
}

/// Splits `s3://bucket/key`.
pub fn parse_s3_uri(uri: &str) -> Result<(String, String), String> {
    let rest = uri
        .strip_prefix("s3://")
        .ok_or_else(|| format!("`{uri}` is not an s3://bucket/key URI"))?;
    match rest.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
            Ok((bucket.to_string(), key.to_string()))
        }
        _ => Err(format!("`{uri}` is not an s3://bucket/key URI")),
    }
}

/// The loaded database, kept across warm invocations.
pub struct DatabaseCache {
    dir: PathBuf,
    load: LoadMatcher,
    current: Mutex<Option<(String, Arc<dyn Matcher>)>>,
}

impl DatabaseCache {
    /// Downloads go to `dir` (e.g. /tmp/lambda-audit); `load` reads a database path.
    pub fn new(dir: PathBuf, load: LoadMatcher) -> DatabaseCache {
        DatabaseCache {
            dir,
            load,
            current: Mutex::new(None),
        }
    }

    fn cached(&self, tag: &str) -> Option<Arc<dyn Matcher>> {
        let current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        current
            .as_ref()
            .filter(|(t, _)| t == tag)
            .map(|(_, m)| m.clone())
    }

    /// Loads the database at `path` and keeps it as the one `tag` names.
    fn load_and_keep(&self, tag: String, path: &Path) -> Result<Arc<dyn Matcher>, String> {
        let m = (self.load)(path)?;
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some((tag, m.clone()));
        Ok(m)
    }

    /// The matcher for the database as it is now.
    pub async fn matcher(
        &self,
        source: &DatabaseSource,
        s3: &aws_sdk_s3::Client,
    ) -> Result<Arc<dyn Matcher>, String> {
        match source {
            DatabaseSource::Path(path) => self.path_matcher(path),
            DatabaseSource::S3 { bucket, key } => self.s3_matcher(s3, bucket, key).await,
        }
    }

    /// The database at `path`, loaded once.
    fn path_matcher(&self, path: &Path) -> Result<Arc<dyn Matcher>, String> {
        let tag = format!("path:{}", path.display());
        if let Some(m) = self.cached(&tag) {
            return Ok(m);
        }
        self.load_and_keep(tag, path)
            .map_err(|e| format!("advisory database {}: {e}", path.display()))
    }

    /// The database in `s3://bucket/key`, downloaded and loaded again when its
    /// ETag changes.
    async fn s3_matcher(
        &self,
        s3: &aws_sdk_s3::Client,
        bucket: &str,
        key: &str,
    ) -> Result<Arc<dyn Matcher>, String> {
        let failed = |e: String| format!("advisory database s3://{bucket}/{key}: {e}");
        let head = s3
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| failed(sdk_message(&e)))?;
        let tag = format!("s3:{bucket}/{key}@{}", head.e_tag().unwrap_or_default());
        if let Some(m) = self.cached(&tag) {
            return Ok(m);
        }
        let bytes = get_object(s3, bucket, key).await.map_err(failed)?;
        let name = key
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or("db");
        let path = self.dir.join(name);
        std::fs::create_dir_all(&self.dir)
            .and_then(|_| std::fs::write(&path, bytes.into_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        self.load_and_keep(tag, &path).map_err(failed)
    }
}

/// The bytes of `s3://bucket/key`.
async fn get_object(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<AggregatedBytes, String> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| sdk_message(&e))?;
    out.body.collect().await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_comes_from_s3_or_a_path() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            DatabaseSource::from_env(&env(&[])).unwrap(),
            DatabaseSource::Path(PathBuf::from("/opt/lambda-audit/db"))
        );
        assert_eq!(
            DatabaseSource::from_env(&env(&[("LAMBDA_AUDIT_DB", "/tmp/x")])).unwrap(),
            DatabaseSource::Path(PathBuf::from("/tmp/x"))
        );
        let s3 = DatabaseSource::from_env(&env(&[
            ("LAMBDA_AUDIT_DB", "/tmp/x"),
            ("LAMBDA_AUDIT_DB_S3", "s3://b/dir/osv.zip"),
        ]))
        .unwrap();
        assert!(s3.is_object("b", "dir/osv.zip"));
        assert!(!s3.is_object("b", "dir/other.zip"));
        assert!(DatabaseSource::from_env(&env(&[("LAMBDA_AUDIT_DB_S3", "s3://b")])).is_err());
    }
}
