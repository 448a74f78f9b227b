//! The advisory database: OSV records loaded from an export on disk (or the
//! embedded starter set), behind a compiled index keyed by (ecosystem,
//! normalised package name).

pub mod index;
pub mod load;
pub mod osv;
pub mod source;
pub mod starter;
pub mod update;
use crate::ecosystem::Ecosystem;
use crate::findings::DatabaseInfo;
use index::{Compiled, Header};
use load::SourceFile;
pub use osv::Osv;
pub use source::Locations;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How to get the full advisory data, for messages about a missing or partial database.
pub const FULL_DATA_HINT: &str = "run `lambda-audit db update` to download the OSV exports \
for npm, PyPI, crates.io and Maven, or point --db (or LAMBDA_AUDIT_DB) at a folder of \
<Ecosystem>/all.zip exports, an all.zip, or OSV *.json records";

/// Why a database could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid zip: {0}")]
    Zip(String),
    #[error("{}: not a database (expected a folder, an all.zip or an OSV .json record)", .0.display())]
    Unsupported(PathBuf),
    #[error("no OSV advisories found in {}: {FULL_DATA_HINT}", .0.display())]
    Empty(PathBuf),
    #[error("advisory database {} does not exist: {FULL_DATA_HINT}", .0.display())]
    Missing(PathBuf),
    #[error("advisory index: {0}")]
    Index(String),
    #[error("advisory {id}: {reason}")]
    Record { id: String, reason: String },
    #[error("update failed: {0}")]
    Update(String),
}

impl DbError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> DbError {
        DbError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Where the record bytes live.
#[derive(Debug)]
enum Blob {
    Memory(Vec<u8>),
    /// An index file, with the offset where its blob starts.
    File {
        file: Mutex<File>,
        base: u64,
    },
}

/// An opened advisory database.
#[derive(Debug)]
pub struct Database {
    header: Header,
    keys: HashMap<(Ecosystem, String), Vec<u32>>,
    by_id: HashMap<String, u32>,
    blob: Blob,
    source: String,
    location: Option<PathBuf>,
}

impl Database {
    /// Finds the database to use, in order: `db_flag` (`--db`), the
    /// `LAMBDA_AUDIT_DB` environment variable, the cache filled by `db update`,
    /// and last the embedded starter set.
    pub fn locate(db_flag: Option<&Path>) -> Result<Database, DbError> {
        Locations::from_env().locate(db_flag)
    }

    /// Opens a folder, an all.zip or a .json record, using (and refreshing) a
    /// compiled index in the user's cache when one can be written there.
    pub fn open(path: &Path) -> Result<Database, DbError> {
        let index_dir = Locations::from_env().index_dir();
        Database::open_with(path, "path", index_dir.as_deref())
    }

    /// Opens `path`, labelled `source` in [`DatabaseInfo`]; the compiled index is
    /// kept in `index_dir` (or only in memory when `None` or not writable).
    pub fn open_with(
        path: &Path,
        source: &str,
        index_dir: Option<&Path>,
    ) -> Result<Database, DbError> {
        if !path.exists() {
            return Err(DbError::Missing(path.to_path_buf()));
        }
        let sources = load::discover(path)?;
        if sources.is_empty() {
            return Err(DbError::Empty(path.to_path_buf()));
        }
        let mut db = match index_dir {
            Some(dir) => Database::open_indexed(path, sources, dir)?,
            None => Database::from_compiled(index::build(sources)?),
        };
        if db.header.records.is_empty() {
            return Err(DbError::Empty(path.to_path_buf()));
        }
        db.source = source.to_string();
        db.location = Some(path.to_path_buf());
        Ok(db)
    }

    fn open_indexed(
        path: &Path,
        sources: Vec<SourceFile>,
        dir: &Path,
    ) -> Result<Database, DbError> {
        let index_path = dir.join(index_file_name(path));
        if let Ok(db) = Database::from_index_file(&index_path) {
            if db.header.sources == sources {
                return Ok(db);
            }
        }
        let compiled = index::build(sources)?;
        if index::write(&index_path, &compiled).is_ok() {
            if let Ok(db) = Database::from_index_file(&index_path) {
                return Ok(db);
            }
        }
        Ok(Database::from_compiled(compiled))
    }

    /// The starter set compiled into the binary.
    pub fn embedded() -> Database {
        let mut db = Database::from_compiled(starter::compile());
        db.source = "embedded".into();
        db
    }

    /// A database over an index built in memory.
    pub fn from_compiled(compiled: Compiled) -> Database {
        Database::assemble(compiled.header, Blob::Memory(compiled.blob))
    }

    fn from_index_file(path: &Path) -> Result<Database, DbError> {
        let file = File::open(path).map_err(|e| DbError::io(path, e))?;
        let (header, base) = index::read_header(&file, path)?;
        let blob_len = file.metadata().map_err(|e| DbError::io(path, e))?.len();
        let needed = header
            .records
            .iter()
            .map(|r| r.offset + r.len)
            .max()
            .unwrap_or(0);
        if base + needed > blob_len {
            return Err(DbError::Index(format!("{} is truncated", path.display())));
        }
        Ok(Database::assemble(
            header,
            Blob::File {
                file: Mutex::new(file),
                base,
            },
        ))
    }

    fn assemble(mut header: Header, blob: Blob) -> Database {
        let keys = std::mem::take(&mut header.packages)
            .into_iter()
            .map(|(eco, name, records)| ((eco, name), records))
            .collect();
        let by_id = header
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i as u32))
            .collect();
        Database {
            header,
            keys,
            by_id,
            blob,
            source: "path".into(),
            location: None,
        }
    }

    /// Source, location and record counts, for the report.
    pub fn info(&self) -> DatabaseInfo {
        DatabaseInfo {
            source: self.source.clone(),
            location: self.location.as_ref().map(|p| p.display().to_string()),
            records: self.header.records.len(),
            ecosystems: self.header.ecosystems.clone(),
            newest_record: self
                .header
                .records
                .iter()
                .map(|r| r.modified.as_str())
                .filter(|m| !m.is_empty())
                .max()
                .map(str::to_string),
            invalid_records: self.header.invalid.clone(),
        }
    }

    /// The files the database was read from (empty for the embedded set).
    pub fn sources(&self) -> &[SourceFile] {
        &self.header.sources
    }

    /// Every record id, in load order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.header.records.iter().map(|r| r.id.as_str())
    }

    /// Every (ecosystem, normalised name) some record names, sorted.
    pub fn packages(&self) -> impl Iterator<Item = (Ecosystem, &str)> {
        let mut keys: Vec<(Ecosystem, &str)> =
            self.keys.keys().map(|(e, n)| (*e, n.as_str())).collect();
        keys.sort_unstable();
        keys.into_iter()
    }

    /// True when some record names this package (`name` is normalised here).
    pub fn has_package(&self, ecosystem: Ecosystem, name: &str) -> bool {
        self.keys
            .contains_key(&(ecosystem, ecosystem.normalize_name(name)))
    }

    /// The records naming a package (`name` is normalised here), parsed.
    pub fn lookup(&self, ecosystem: Ecosystem, name: &str) -> Result<Vec<Osv>, DbError> {
        let key = (ecosystem, ecosystem.normalize_name(name));
        match self.keys.get(&key) {
            Some(numbers) => numbers.iter().map(|&n| self.parse(n)).collect(),
            None => Ok(Vec::new()),
        }
    }

    /// Like [`Database::lookup`], but one result per record, so that one
    /// unreadable record (`(id, reason)`) does not hide the others.
    pub fn lookup_each(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Vec<Result<Osv, (String, String)>> {
        let key = (ecosystem, ecosystem.normalize_name(name));
        self.keys.get(&key).map_or_else(Vec::new, |numbers| {
            numbers
                .iter()
                .map(|&n| {
                    self.parse(n)
                        .map_err(|e| (self.header.records[n as usize].id.clone(), e.to_string()))
                })
                .collect()
        })
    }

    /// The record with this id, when the database has it.
    pub fn record(&self, id: &str) -> Result<Option<Osv>, DbError> {
        self.by_id.get(id).map(|&n| self.parse(n)).transpose()
    }

    fn parse(&self, number: u32) -> Result<Osv, DbError> {
        let entry = &self.header.records[number as usize];
        let bytes = self.bytes(number)?;
        Osv::from_slice(&bytes).map_err(|e| DbError::Record {
            id: entry.id.clone(),
            reason: e.to_string(),
        })
    }

    /// The raw JSON of record `number`.
    fn bytes(&self, number: u32) -> Result<std::borrow::Cow<'_, [u8]>, DbError> {
        let entry = &self.header.records[number as usize];
        match &self.blob {
            Blob::Memory(blob) => blob
                .get(entry.offset as usize..(entry.offset + entry.len) as usize)
                .map(std::borrow::Cow::Borrowed)
                .ok_or_else(|| DbError::Index(format!("record {} out of bounds", entry.id))),
            Blob::File { file, base } => {
                let mut file = file
                    .lock()
                    .map_err(|_| DbError::Index("index file lock poisoned".into()))?;
                let mut bytes = vec![0u8; entry.len as usize];
                file.seek(SeekFrom::Start(base + entry.offset))
                    .and_then(|_| file.read_exact(&mut bytes))
                    .map_err(|e| DbError::Index(format!("reading record {}: {e}", entry.id)))?;
                Ok(std::borrow::Cow::Owned(bytes))
            }
        }
    }
}

/// The index file name for a database path: a hash of its absolute path.
fn index_file_name(path: &Path) -> String {
    use sha1::{Digest, Sha1};
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let digest = Sha1::digest(absolute.to_string_lossy().as_bytes());
    format!("{}.idx", hex::encode(&digest[..12]))
}
