//! The compiled index: every record's raw JSON in one blob, and a table from
//! (ecosystem, normalised package name) to the records naming that package, so
//! that a scan parses only the records it needs.
//!
//! On disk: the magic line, the header length (u64, little-endian), the header
//! as JSON, then the blob.

use super::load::{self, RawRecord, SourceFile};
use super::osv::IndexView;
use super::DbError;
use crate::ecosystem::Ecosystem;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{BufReader, Read, Write};
use std::path::Path;

/// First bytes of an index file; the trailing digit is the format version.
const MAGIC: &[u8; 16] = b"lambda-audit-ix1";

/// Where one record's bytes sit in the blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordEntry {
    pub id: String,
    pub modified: String,
    pub offset: u64,
    pub len: u64,
}

/// Everything about a compiled database except the record bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The files the index was built from; a change in any makes it stale.
    pub sources: Vec<SourceFile>,
    pub records: Vec<RecordEntry>,
    /// (ecosystem, normalised name, indexes into `records`).
    pub packages: Vec<(Ecosystem, String, Vec<u32>)>,
    /// Records per ecosystem they name.
    pub ecosystems: BTreeMap<String, usize>,
    /// Records that could not be read, with the reason.
    pub invalid: Vec<String>,
}

/// A header and its blob, as built in memory.
#[derive(Debug, Default)]
pub struct Compiled {
    pub header: Header,
    pub blob: Vec<u8>,
}

/// Builds an index from raw records.
#[derive(Default)]
pub struct Builder {
    compiled: Compiled,
    seen: HashSet<String>,
    keys: BTreeMap<(Ecosystem, String), BTreeSet<u32>>,
}

impl Builder {
    /// Adds one record; a record that is not valid OSV JSON is noted in
    /// `invalid`, a second record with an already seen id is dropped.
    pub fn add(&mut self, raw: RawRecord) {
        let view: IndexView = match serde_json::from_slice(&raw.bytes) {
            Ok(v) => v,
            Err(e) => {
                self.compiled
                    .header
                    .invalid
                    .push(format!("{}: not an OSV record: {e}", raw.origin));
                return;
            }
        };
        if self.seen.contains(&view.id) {
            return;
        }
        let named: BTreeSet<(Ecosystem, String)> = view
            .affected
            .iter()
            .filter_map(|a| a.package.as_ref())
            .filter_map(|p| {
                let eco = Ecosystem::from_osv(&p.ecosystem)?;
                Some((eco, eco.normalize_name(&p.name)))
            })
            .collect();
        if named.is_empty() {
            return;
        }
        let header = &mut self.compiled.header;
        let number = header.records.len() as u32;
        let ecosystems: BTreeSet<Ecosystem> = named.iter().map(|(e, _)| *e).collect();
        for eco in ecosystems {
            *header
                .ecosystems
                .entry(eco.as_str().to_string())
                .or_default() += 1;
        }
        for key in named {
            self.keys.entry(key).or_default().insert(number);
        }
        header.records.push(RecordEntry {
            id: view.id.clone(),
            modified: view.modified,
            offset: self.compiled.blob.len() as u64,
            len: raw.bytes.len() as u64,
        });
        self.compiled.blob.extend_from_slice(&raw.bytes);
        self.seen.insert(view.id);
    }

    /// Notes a source that could not be read as records.
    pub fn note_invalid(&mut self, reason: String) {
        self.compiled.header.invalid.push(reason);
    }

    /// Finishes the index, recording the source files it was built from.
    pub fn finish(mut self, sources: Vec<SourceFile>) -> Compiled {
        self.compiled.header.sources = sources;
        self.compiled.header.packages = self
            .keys
            .into_iter()
            .map(|((eco, name), set)| (eco, name, set.into_iter().collect()))
            .collect();
        self.compiled
    }
}

/// Reads every record of `sources` into a new index.
pub fn build(sources: Vec<SourceFile>) -> Result<Compiled, DbError> {
    let mut builder = Builder::default();
    for source in &sources {
        load::read_source(source, &mut |raw| {
            builder.add(raw);
            Ok(())
        })?;
    }
    Ok(builder.finish(sources))
}

/// Writes `compiled` to `path` atomically (a temporary file in the same
/// folder, renamed over `path`), creating the folder when needed.
pub fn write(path: &Path, compiled: &Compiled) -> Result<(), DbError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| DbError::io(dir, e))?;
    let header = serde_json::to_vec(&compiled.header)
        .map_err(|e| DbError::Index(format!("cannot encode index: {e}")))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| DbError::io(dir, e))?;
    let file = tmp.as_file_mut();
    file.write_all(MAGIC)
        .and_then(|()| file.write_all(&(header.len() as u64).to_le_bytes()))
        .and_then(|()| file.write_all(&header))
        .and_then(|()| file.write_all(&compiled.blob))
        .and_then(|()| file.sync_all())
        .map_err(|e| DbError::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| DbError::io(path, e.error))?;
    Ok(())
}

/// Reads the header of an index file (`path` names it in errors); returns it
/// with the offset where the blob starts.
pub fn read_header(file: &std::fs::File, path: &Path) -> Result<(Header, u64), DbError> {
    let mut reader = BufReader::new(file);
    let mut magic = [0u8; 16];
    let mut len = [0u8; 8];
    reader
        .read_exact(&mut magic)
        .and_then(|_| reader.read_exact(&mut len))
        .map_err(|e| DbError::io(path, e))?;
    if &magic != MAGIC {
        return Err(DbError::Index(format!(
            "{} is not a lambda-audit index",
            path.display()
        )));
    }
    let len = u64::from_le_bytes(len);
    let mut header = Vec::new();
    (&mut reader)
        .take(len)
        .read_to_end(&mut header)
        .map_err(|e| DbError::io(path, e))?;
    if header.len() as u64 != len {
        return Err(DbError::Index(format!("{} is truncated", path.display())));
    }
    let header: Header = serde_json::from_slice(&header)
        .map_err(|e| DbError::Index(format!("{}: {e}", path.display())))?;
    Ok((header, MAGIC.len() as u64 + 8 + len))
}
