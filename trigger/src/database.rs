//! Where the handler's advisory database comes from: a path (by default the
//! database layer's `/opt/lambda-audit/db`) or an S3 object, streamed to /tmp;
//! loaded off the async workers, and kept across warm invocations while its
//! source is unchanged (a path is read once; an S3 object again when its ETag
//! or version changes).
//!
//! - `LAMBDA_AUDIT_DB`: a path (what `--db` accepts); default [`DEFAULT_DB_PATH`].
//! - `LAMBDA_AUDIT_DB_S3`: `s3://bucket/key` (wins over `LAMBDA_AUDIT_DB`).
//!
//! A database layer built by `lambda-audit db layer` holds one compiled index
//! at `/opt/lambda-audit/db`, which a cold start only maps; other databases
//! are compiled once into the work folder's index cache.

use analyzer::advisories::{Database, DatabaseOrigin, IndexCache};
use analyzer::findings::ScanReport;
use analyzer::inventory::Inventory;
use layers::aws::sdk_message;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use store::{FindingStore, RescanOptions, RescanOutcome, StoreError};
use tokio::io::AsyncWriteExt;

/// The database path inside the database layer (layers are mounted at /opt).
pub const DEFAULT_DB_PATH: &str = "/opt/lambda-audit/db";

/// Matches inventories against one loaded advisory database.
pub trait Matcher: Send + Sync {
    /// One inventory, matched.
    fn report(&self, inventory: Inventory) -> ScanReport;

    /// Every inventory of `store` re-matched (see [`store::rescan()`]).
    fn rescan(
        &self,
        store: &dyn FindingStore,
        options: &RescanOptions<'_>,
    ) -> Result<RescanOutcome, StoreError>;

    /// The inventories of `subjects` only, re-matched: one fan-out message's
    /// share of a rescan (see [`store::rescan_subjects`]).
    fn rescan_subjects(
        &self,
        store: &dyn FindingStore,
        subjects: &[String],
        options: &RescanOptions<'_>,
    ) -> Result<RescanOutcome, StoreError>;

    /// The database in the words of the store's scan records
    /// ([`store::record::describe`]): when it differs from the last scan's,
    /// the database changed since.
    fn describe(&self) -> String;
}

/// Loads a [`Matcher`] from a database path (blocking: the cache calls it
/// off the async workers).
pub type LoadMatcher = Arc<dyn Fn(&Path) -> Result<Arc<dyn Matcher>, String> + Send + Sync>;

/// The engine's matching against an OSV advisory database.
pub struct OsvMatcher(pub Database);

impl Matcher for OsvMatcher {
    fn report(&self, inventory: Inventory) -> ScanReport {
        analyzer::matching::match_inventory(inventory, &self.0)
    }

    fn rescan(
        &self,
        store: &dyn FindingStore,
        options: &RescanOptions<'_>,
    ) -> Result<RescanOutcome, StoreError> {
        store::rescan(store, &self.0, options)
    }

    fn rescan_subjects(
        &self,
        store: &dyn FindingStore,
        subjects: &[String],
        options: &RescanOptions<'_>,
    ) -> Result<RescanOutcome, StoreError> {
        store::rescan_subjects(store, &self.0, subjects, options)
    }

    fn describe(&self) -> String {
        store::record::describe(&self.0.info())
    }
}

/// Loads an OSV database from a path: a compiled index file (mapped as it
/// is), or a folder of `<Ecosystem>/all.zip`, one all.zip, or OSV JSON files
/// (compiled once, the index kept in `index_dir`).
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
    /// Downloads go to `dir` (e.g. /tmp/lambda-audit/db); `load` reads a database path.
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

    /// Loads the database at `path` on a blocking thread (compiling or mapping
    /// an index must not stall the async workers) and keeps it as the one
    /// `tag` names.
    async fn load_and_keep(&self, tag: String, path: &Path) -> Result<Arc<dyn Matcher>, String> {
        let (load, owned) = (self.load.clone(), path.to_path_buf());
        let m = tokio::task::spawn_blocking(move || load(&owned))
            .await
            .map_err(|e| format!("loading stopped: {e}"))??;
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
            DatabaseSource::Path(path) => self.path_matcher(path).await,
            DatabaseSource::S3 { bucket, key } => self.s3_matcher(s3, bucket, key).await,
        }
    }

    /// The database at `path`, loaded once.
    async fn path_matcher(&self, path: &Path) -> Result<Arc<dyn Matcher>, String> {
        let tag = format!("path:{}", path.display());
        if let Some(m) = self.cached(&tag) {
            return Ok(m);
        }
        self.load_and_keep(tag, path)
            .await
            .map_err(|e| format!("advisory database {}: {e}", path.display()))
    }

    /// The database in `s3://bucket/key`, downloaded and loaded again when its
    /// ETag or version changes.
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
        let tag = format!(
            "s3:{bucket}/{key}@{}#{}",
            head.e_tag().unwrap_or_default(),
            head.version_id().unwrap_or_default()
        );
        if let Some(m) = self.cached(&tag) {
            return Ok(m);
        }
        let name = key
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty() && *n != "." && *n != "..")
            .unwrap_or("db");
        let path = self.dir.join(name);
        download(s3, bucket, key, &path).await.map_err(failed)?;
        self.load_and_keep(tag, &path).await.map_err(failed)
    }
}

/// Streams `s3://bucket/key` into `path`: into a temporary file beside it,
/// chunk by chunk (never the whole object in memory), then renamed over it.
async fn download(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    path: &Path,
) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| sdk_message(&e))?;
    let (file, temp) = tempfile::Builder::new()
        .prefix(".download-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?
        .into_parts();
    let write_error = |e: std::io::Error| format!("cannot write {}: {e}", temp.display());
    let mut file = tokio::fs::File::from_std(file);
    let mut body = out.body;
    while let Some(chunk) = body.try_next().await.map_err(|e| e.to_string())? {
        file.write_all(&chunk).await.map_err(write_error)?;
    }
    file.flush().await.map_err(write_error)?;
    drop(file);
    temp.persist(path)
        .map_err(|e| format!("cannot write {}: {}", path.display(), e.error))
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
        assert_eq!(
            Path::new("/opt").join(analyzer::advisories::source::LAYER_DB_PATH),
            PathBuf::from(DEFAULT_DB_PATH),
            "the default is where `lambda-audit db layer` puts the database"
        );
    }

    struct Never;

    impl Matcher for Never {
        fn report(&self, _: Inventory) -> ScanReport {
            unreachable!("not matched in this test")
        }

        fn rescan(
            &self,
            _: &dyn FindingStore,
            _: &RescanOptions<'_>,
        ) -> Result<RescanOutcome, StoreError> {
            unreachable!("not rescanned in this test")
        }

        fn rescan_subjects(
            &self,
            _: &dyn FindingStore,
            _: &[String],
            _: &RescanOptions<'_>,
        ) -> Result<RescanOutcome, StoreError> {
            unreachable!("not rescanned in this test")
        }

        fn describe(&self) -> String {
            "never".into()
        }
    }

    #[tokio::test]
    async fn a_path_database_is_loaded_once_on_a_blocking_thread() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let calls = Arc::new(AtomicUsize::new(0));
        let async_thread = std::thread::current().id();
        let counted = calls.clone();
        let load: LoadMatcher = Arc::new(move |_: &Path| {
            assert_ne!(
                std::thread::current().id(),
                async_thread,
                "loading must not block the async worker"
            );
            counted.fetch_add(1, Ordering::SeqCst);
            Ok(Arc::new(Never) as Arc<dyn Matcher>)
        });
        let cache = DatabaseCache::new(PathBuf::from("/nonexistent"), load);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::Config::builder()
                .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                .build(),
        );
        let source = DatabaseSource::Path(PathBuf::from("/opt/lambda-audit/db"));
        let first = cache.matcher(&source, &s3).await.unwrap();
        let again = cache.matcher(&source, &s3).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again), "warm invocations reuse it");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
