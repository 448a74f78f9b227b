//! An opened advisory database: a compiled index, mapped from a file or held
//! in memory, whose records are decoded on lookup.

use super::index::format::MAGIC_PREFIX;
use super::index::reader::{Bytes, Index, OpenError};
use super::index::{compile, Compiled, Header, Phases};
use super::load::{self, SourceFile};
use super::osv::Osv;
use super::{starter, DbError};
use crate::ecosystem::Ecosystem;
use crate::findings::{DatabaseInfo, DatabaseOrigin};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Instant;

/// An opened advisory database.
#[derive(Debug)]
pub struct Database {
    /// `None` only if an index built in memory could not be read back (a
    /// bug), which `header.invalid` then names.
    index: Option<Index>,
    header: Header,
    origin: DatabaseOrigin,
    location: Option<PathBuf>,
    /// The index file of an [`IndexCache`](super::IndexCache), removed when
    /// one of its records fails its checksum, so that the next run rebuilds it.
    cache_file: Option<PathBuf>,
    removed: Once,
    warnings: Vec<String>,
    /// True when opening it compiled the records (no index was reused).
    compiled: bool,
}

impl Database {
    /// Opens a folder, an all.zip or a .json record and compiles its index in
    /// memory, or maps a compiled index file. Reads only: nothing is written
    /// anywhere (an [`IndexCache`](super::IndexCache) keeps compiled indexes
    /// between runs).
    pub fn open(path: &Path) -> Result<Database, DbError> {
        if is_index_file(path) {
            let index = Index::open_file(path).map_err(|e| index_error(path, e))?;
            return Database::over(index, None).located(path, DatabaseOrigin::Path);
        }
        let sources = sources_at(path)?;
        Database::over(compile::compile_in_memory(sources)?, None)
            .compiled()
            .located(path, DatabaseOrigin::Path)
    }

    /// Compiles the database at `path` into the index file `index` (written
    /// atomically), and opens that: the way to ship a compiled index, which
    /// [`Database::open`] then only maps.
    pub fn compile(path: &Path, index: &Path) -> Result<Database, DbError> {
        let sources = sources_at(path)?;
        let opened = compile::compile_to_file(sources, index).map_err(|e| match e {
            compile::CompileError::Source(e) | compile::CompileError::Write(e) => e,
        })?;
        Database::over(opened, None)
            .compiled()
            .located(path, DatabaseOrigin::Path)
    }

    /// The starter set compiled into the binary.
    pub fn embedded() -> Database {
        let mut db = Database::from_compiled(starter::compile());
        db.origin = DatabaseOrigin::Embedded;
        db
    }

    /// A database over an index built in memory.
    pub fn from_compiled(compiled: Compiled) -> Database {
        match Index::open(Bytes::Owned(compiled.bytes)) {
            Ok(index) => Database::over(index, None),
            Err(e) => {
                let mut header = compiled.header;
                header.records = 0;
                header.invalid.push(format!("advisory index: {e}"));
                Database::with(None, header, None)
            }
        }
    }

    /// A database over an opened index; `cache_file` when it is a cache's.
    pub(crate) fn over(index: Index, cache_file: Option<PathBuf>) -> Database {
        let header = index.header().clone();
        Database::with(Some(index), header, cache_file)
    }

    fn with(index: Option<Index>, header: Header, cache_file: Option<PathBuf>) -> Database {
        Database {
            index,
            header,
            origin: DatabaseOrigin::Path,
            location: None,
            cache_file,
            removed: Once::new(),
            warnings: Vec::new(),
            compiled: false,
        }
    }

    /// Labels a database read from `path`; one without records is an error.
    pub(crate) fn located(
        mut self,
        path: &Path,
        origin: DatabaseOrigin,
    ) -> Result<Database, DbError> {
        if self.header.records == 0 {
            return Err(DbError::Empty(path.to_path_buf()));
        }
        self.origin = origin;
        self.location = Some(path.to_path_buf());
        Ok(self)
    }

    /// Marks a database whose opening compiled its records.
    pub(crate) fn compiled(mut self) -> Database {
        self.compiled = true;
        self
    }

    /// True when opening the database compiled its records, false when it
    /// mapped an index compiled before (or is the embedded set): what a
    /// reused index saves.
    pub fn was_compiled(&self) -> bool {
        self.compiled
    }

    /// Adds a warning about how the database was opened.
    pub(crate) fn warn(mut self, warning: String) -> Database {
        self.warnings.push(warning);
        self
    }

    /// Warnings about how the database was opened (a damaged compiled index
    /// that was rebuilt), for the application to show.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Source, location and record counts, for the report.
    pub fn info(&self) -> DatabaseInfo {
        DatabaseInfo {
            source: self.origin,
            location: self.location.as_ref().map(|p| p.display().to_string()),
            records: self.header.records,
            ecosystems: self.header.ecosystems.clone(),
            newest_record: self.header.newest_record.clone(),
            invalid_records: self.header.invalid.clone(),
        }
    }

    /// The files the database was read from (empty for the embedded set),
    /// with their checksums.
    pub fn sources(&self) -> &[SourceFile] {
        &self.header.sources
    }

    /// Every record id, in load order; none when the index is damaged
    /// ([`Database::verify`] says why).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.index.iter().flat_map(Index::ids)
    }

    /// Every (ecosystem, normalised name) some record names, sorted; none
    /// when the index is damaged ([`Database::verify`] says why).
    pub fn packages(&self) -> impl Iterator<Item = (Ecosystem, &str)> {
        self.index.iter().flat_map(Index::packages)
    }

    /// True when some record names this package (`name` is normalised
    /// here); false too when the package map is damaged, which a lookup
    /// then reports.
    pub fn has_package(&self, ecosystem: Ecosystem, name: &str) -> bool {
        self.index.as_ref().is_some_and(|i| {
            i.contains(ecosystem, &ecosystem.normalize_name(name))
                .map_err(|reason| self.damaged(reason))
                .unwrap_or(false)
        })
    }

    /// The numbers of the records naming a package.
    fn postings(&self, ecosystem: Ecosystem, name: &str) -> Result<Vec<u32>, String> {
        match &self.index {
            Some(index) => index
                .postings(ecosystem, &ecosystem.normalize_name(name))
                .map_err(|reason| self.damaged(reason)),
            None => Ok(Vec::new()),
        }
    }

    /// The records naming a package (`name` is normalised here), parsed.
    pub fn lookup(&self, ecosystem: Ecosystem, name: &str) -> Result<Vec<Osv>, DbError> {
        self.postings(ecosystem, name)
            .map_err(DbError::Index)?
            .into_iter()
            .map(|n| {
                self.parse(n)
                    .map_err(|(id, reason)| DbError::Record { id, reason })
            })
            .collect()
    }

    /// Like [`Database::lookup`], but one result per record, so that one
    /// unreadable record (`(id, reason)`) does not hide the others.
    pub fn lookup_each(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Vec<Result<Osv, (String, String)>> {
        match self.postings(ecosystem, name) {
            Ok(numbers) => numbers.into_iter().map(|n| self.parse(n)).collect(),
            Err(reason) => vec![Err((format!("{}:{name}", ecosystem.as_str()), reason))],
        }
    }

    /// Checks every byte of the index's structure, which lookups otherwise
    /// check as they first read it (records are checked when decoded).
    pub fn verify(&self) -> Result<(), DbError> {
        match &self.index {
            Some(index) => index
                .verify()
                .map_err(|reason| DbError::Index(self.damaged(reason))),
            None => Ok(()),
        }
    }

    /// The record with this id, when the database has it.
    pub fn record(&self, id: &str) -> Result<Option<Osv>, DbError> {
        let Some(index) = &self.index else {
            return Ok(None);
        };
        let number = index
            .number_of(id)
            .map_err(|reason| DbError::Index(self.damaged(reason)))?;
        let Some(number) = number else {
            return Ok(None);
        };
        self.parse(number)
            .map(Some)
            .map_err(|(id, reason)| DbError::Record { id, reason })
    }

    /// Decodes record `number`; on failure, its id and the reason.
    fn parse(&self, number: u32) -> Result<Osv, (String, String)> {
        let Some(index) = &self.index else {
            return Err((String::new(), "no index".into()));
        };
        let id = index
            .id(number)
            .map_err(|r| (format!("record {number}"), self.damaged(r)))?
            .to_string();
        let json = index
            .json(number)
            .map_err(|r| (id.clone(), self.damaged(r)))?;
        Osv::from_slice(&json).map_err(|e| (id, e.to_string()))
    }

    /// The reason for a damaged part of the index, which a cache's index file
    /// is removed for.
    fn damaged(&self, reason: String) -> String {
        let Some(file) = &self.cache_file else {
            return format!("the advisory index is damaged: {reason}");
        };
        self.removed.call_once(|| {
            let _ = std::fs::remove_file(file);
        });
        format!(
            "the compiled index {} is damaged ({reason}); it was removed, and the next run \
             compiles it again",
            file.display()
        )
    }
}

/// True when `path` is a file that starts like a compiled index.
pub(crate) fn is_index_file(path: &Path) -> bool {
    let mut magic = [0u8; MAGIC_PREFIX.len()];
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
        && magic == MAGIC_PREFIX
}

/// The error for an index file that cannot be opened.
fn index_error(path: &Path, e: OpenError) -> DbError {
    match e {
        OpenError::Absent => DbError::Missing(path.to_path_buf()),
        e => DbError::Index(format!("{}: {e}", path.display())),
    }
}

/// The files of the database at `path`: an error when there is nothing there
/// or nothing that could hold records.
/// Compiles the database at `db` into the index file `index`, as an
/// [`IndexCache`](crate::advisories::IndexCache) does on a miss; returns the
/// records indexed and the time of each phase (for the benchmark).
pub fn profile_compile(db: &Path, index: &Path) -> Result<(usize, Phases), DbError> {
    let mut phases = Phases::default();
    let start = Instant::now();
    let sources = sources_at(db)?;
    phases.list = start.elapsed();
    let opened = compile::compile_file_timed(sources, index, &mut phases).map_err(|e| match e {
        compile::CompileError::Source(e) | compile::CompileError::Write(e) => e,
    })?;
    Ok((opened.header().records, phases))
}

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
