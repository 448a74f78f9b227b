//! An opened advisory database: the compiled index's package table in memory,
//! the record bytes in memory or in an index file, parsed on lookup.

use super::index::{self, Compiled, Header};
use super::load::{self, SourceFile};
use super::osv::Osv;
use super::{starter, DbError};
use crate::ecosystem::Ecosystem;
use crate::findings::{DatabaseInfo, DatabaseOrigin};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
    origin: DatabaseOrigin,
    location: Option<PathBuf>,
}

impl Database {
    /// Opens a folder, an all.zip or a .json record and compiles its index in
    /// memory. Reads only: nothing is written anywhere (an
    /// [`IndexCache`](super::IndexCache) keeps compiled indexes between runs).
    pub fn open(path: &Path) -> Result<Database, DbError> {
        let sources = sources_at(path)?;
        Database::from_compiled(index::build(sources)?).located(path, DatabaseOrigin::Path)
    }

    /// The starter set compiled into the binary.
    pub fn embedded() -> Database {
        let mut db = Database::from_compiled(starter::compile());
        db.origin = DatabaseOrigin::Embedded;
        db
    }

    /// A database over an index built in memory.
    pub fn from_compiled(compiled: Compiled) -> Database {
        Database::assemble(compiled.header, Blob::Memory(compiled.blob))
    }

    /// A database over an index file (see [`index::write`]).
    pub(crate) fn from_index_file(path: &Path) -> Result<Database, DbError> {
        let file = File::open(path).map_err(|e| DbError::io(path, e))?;
        let (header, base) = index::read_header(&file, path)?;
        let file_len = file.metadata().map_err(|e| DbError::io(path, e))?.len();
        let needed = header
            .records
            .iter()
            .map(|r| r.offset + r.len)
            .max()
            .unwrap_or(0);
        if base + needed > file_len {
            return Err(DbError::Index(format!("{} is truncated", path.display())));
        }
        let blob = Blob::File {
            file: Mutex::new(file),
            base,
        };
        Ok(Database::assemble(header, blob))
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
            origin: DatabaseOrigin::Path,
            location: None,
        }
    }

    /// Labels a database read from `path`; one without records is an error.
    pub(crate) fn located(
        mut self,
        path: &Path,
        origin: DatabaseOrigin,
    ) -> Result<Database, DbError> {
        if self.header.records.is_empty() {
            return Err(DbError::Empty(path.to_path_buf()));
        }
        self.origin = origin;
        self.location = Some(path.to_path_buf());
        Ok(self)
    }

    /// Source, location and record counts, for the report.
    pub fn info(&self) -> DatabaseInfo {
        DatabaseInfo {
            source: self.origin,
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
    fn bytes(&self, number: u32) -> Result<Cow<'_, [u8]>, DbError> {
        let entry = &self.header.records[number as usize];
        match &self.blob {
            Blob::Memory(blob) => blob
                .get(entry.offset as usize..(entry.offset + entry.len) as usize)
                .map(Cow::Borrowed)
                .ok_or_else(|| DbError::Index(format!("record {} out of bounds", entry.id))),
            Blob::File { file, base } => {
                let mut file = file
                    .lock()
                    .map_err(|_| DbError::Index("index file lock poisoned".into()))?;
                let mut bytes = vec![0u8; entry.len as usize];
                file.seek(SeekFrom::Start(base + entry.offset))
                    .and_then(|_| file.read_exact(&mut bytes))
                    .map_err(|e| DbError::Index(format!("reading record {}: {e}", entry.id)))?;
                Ok(Cow::Owned(bytes))
            }
        }
    }
}

/// The files of the database at `path`: an error when there is nothing there
/// or nothing that could hold records.
pub(crate) fn sources_at(path: &Path) -> Result<Vec<SourceFile>, DbError> {
    if !path.exists() {
        return Err(DbError::Missing(path.to_path_buf()));
    }
    let sources = load::discover(path)?;
    if sources.is_empty() {
        return Err(DbError::Empty(path.to_path_buf()));
    }
    Ok(sources)
}
