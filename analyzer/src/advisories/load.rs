//! Reading OSV records from disk: a directory (of `<Ecosystem>/all.zip` exports
//! and/or loose `*.json` records, searched recursively), a single `all.zip`, or a
//! single `*.json` record.

use super::DbError;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest single record accepted (OSV records are a few kB; this bounds memory).
const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// What kind of file a source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceKind {
    /// A zip of OSV JSON records (`all.zip`).
    Zip,
    /// One OSV JSON record.
    Json,
}

/// One file of a database, with the size and modification time that tell
/// whether a compiled index of it is still current.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub path: PathBuf,
    pub kind: SourceKind,
    pub len: u64,
    /// Modification time in nanoseconds since the Unix epoch (0 when unknown).
    pub mtime_ns: u128,
}

/// One record's raw bytes and where they came from (`file` or `file!member`).
#[derive(Debug)]
pub struct RawRecord {
    pub origin: String,
    pub bytes: Vec<u8>,
}

/// Lists the database files under `path`, sorted, hidden entries skipped.
pub fn discover(path: &Path) -> Result<Vec<SourceFile>, DbError> {
    let meta = std::fs::metadata(path).map_err(|e| DbError::io(path, e))?;
    let mut files = Vec::new();
    if meta.is_dir() {
        walk(path, &mut files)?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
    } else {
        let kind = kind_of(path).ok_or_else(|| DbError::Unsupported(path.to_path_buf()))?;
        files.push(stamp(path, kind, &meta));
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<SourceFile>) -> Result<(), DbError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DbError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| DbError::io(dir, e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let meta = std::fs::metadata(&path).map_err(|e| DbError::io(&path, e))?;
        if meta.is_dir() {
            walk(&path, out)?;
        } else if let Some(kind) = kind_of(&path) {
            out.push(stamp(&path, kind, &meta));
        }
    }
    Ok(())
}

fn kind_of(path: &Path) -> Option<SourceKind> {
    match path.extension()?.to_str()? {
        "zip" => Some(SourceKind::Zip),
        "json" => Some(SourceKind::Json),
        _ => None,
    }
}

fn stamp(path: &Path, kind: SourceKind, meta: &std::fs::Metadata) -> SourceFile {
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    SourceFile {
        path: path.to_path_buf(),
        kind,
        len: meta.len(),
        mtime_ns,
    }
}

/// Calls `each` with every record of `source`: each `*.json` member of a zip
/// (directories and other members are skipped), or the file itself.
pub fn read_source(
    source: &SourceFile,
    each: &mut dyn FnMut(RawRecord) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let path = &source.path;
    match source.kind {
        SourceKind::Json => {
            let bytes = std::fs::read(path).map_err(|e| DbError::io(path, e))?;
            each(RawRecord {
                origin: path.display().to_string(),
                bytes,
            })
        }
        SourceKind::Zip => {
            let file = File::open(path).map_err(|e| DbError::io(path, e))?;
            read_zip(file, &path.display().to_string(), each)
        }
    }
}

/// Calls `each` with every `*.json` member of a zip archive.
pub fn read_zip<R: Read + std::io::Seek>(
    reader: R,
    label: &str,
    each: &mut dyn FnMut(RawRecord) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let zip_err = |e: zip::result::ZipError| DbError::Zip(format!("{label}: {e}"));
    let mut archive = zip::ZipArchive::new(reader).map_err(zip_err)?;
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).map_err(zip_err)?;
        if member.is_dir() || !member.name().ends_with(".json") {
            continue;
        }
        let origin = format!("{label}!{}", member.name());
        let mut bytes = Vec::with_capacity(member.size().min(MAX_RECORD_BYTES) as usize);
        (&mut member)
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| DbError::Zip(format!("{origin}: {e}")))?;
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Err(DbError::Zip(format!(
                "{origin}: member is larger than the {MAX_RECORD_BYTES}-byte limit"
            )));
        }
        each(RawRecord { origin, bytes })?;
    }
    Ok(())
}
