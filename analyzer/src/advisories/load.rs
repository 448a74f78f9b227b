//! Reading OSV records from disk: a directory (of `<Ecosystem>/all.zip` exports
//! and/or loose `*.json` records, searched recursively), a single `all.zip`, or a
//! single `*.json` record.
//!
//! Limits: a record (a loose file or a zip member) is at most
//! [`MAX_RECORD_BYTES`]; a loose file is checked against it from its metadata
//! before a byte is read, and read no further than its metadata says.

use super::fingerprint::Fingerprint;
use super::DbError;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest single record accepted (OSV records are a few kB; this bounds memory).
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// What kind of file a source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceKind {
    /// A zip of OSV JSON records (`all.zip`).
    Zip,
    /// One OSV JSON record.
    Json,
}

/// One file of a database: its path, kind and size, the stat fingerprint
/// seen when it was listed, and (once compiled) a checksum of its bytes that
/// tells whether a compiled index of it is still current.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub path: PathBuf,
    pub kind: SourceKind,
    pub len: u64,
    /// Modification time in nanoseconds since the Unix epoch (0 when unknown).
    pub mtime_ns: u128,
    /// Size, times, inode and device as listed; a shortcut for "unchanged"
    /// only when the compile found the file settled (see [`Fingerprint`]).
    #[serde(default)]
    pub fingerprint: Fingerprint,
    /// xxh3-128 of the bytes the index was compiled from (hex); `None` until
    /// compiled, or when the file changed while it was read.
    #[serde(default)]
    pub checksum: Option<String>,
    /// True when the compile saw the file unchanged and older than the
    /// settling margin, so that an equal fingerprint proves equal bytes.
    #[serde(default)]
    pub settled: bool,
    /// True when the compile skipped the file (see [`read_loose`]): it holds
    /// no records, and only its fingerprint is compared.
    #[serde(default)]
    pub skipped: bool,
}

impl SourceFile {
    fn new(path: &Path, kind: SourceKind, meta: &std::fs::Metadata) -> SourceFile {
        let fingerprint = Fingerprint::of(meta);
        SourceFile {
            path: path.to_path_buf(),
            kind,
            len: meta.len(),
            mtime_ns: fingerprint.mtime_ns,
            fingerprint,
            checksum: None,
            settled: false,
            skipped: false,
        }
    }
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
        files.push(SourceFile::new(path, kind, &meta));
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
            // Non-regular files (FIFOs, sockets, devices) are listed so that
            // reading them reports why they were skipped.
            out.push(SourceFile::new(&path, kind, &meta));
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

/// What reading one loose `*.json` source gave.
pub(crate) enum Loose {
    Record(RawRecord),
    /// Not read, with the reason (`path: why`).
    Skipped(String),
}

/// Reads a loose record: a non-regular file, or one whose metadata says it
/// is over [`MAX_RECORD_BYTES`], is skipped with the reason; at most the
/// metadata's length is read.
pub(crate) fn read_loose(path: &Path) -> Result<Loose, DbError> {
    let origin = path.display().to_string();
    let not_regular = || Loose::Skipped(format!("{origin}: not a regular file, skipped"));
    // Checked before opening: opening a FIFO would wait for a writer.
    if !std::fs::metadata(path)
        .map_err(|e| DbError::io(path, e))?
        .is_file()
    {
        return Ok(not_regular());
    }
    let file = File::open(path).map_err(|e| DbError::io(path, e))?;
    let meta = file.metadata().map_err(|e| DbError::io(path, e))?;
    if !meta.is_file() {
        return Ok(not_regular());
    }
    if meta.len() > MAX_RECORD_BYTES {
        return Ok(Loose::Skipped(format!(
            "{origin}: {} bytes, over the {MAX_RECORD_BYTES}-byte record limit, skipped",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(meta.len())
        .read_to_end(&mut bytes)
        .map_err(|e| DbError::io(path, e))?;
    Ok(Loose::Record(RawRecord { origin, bytes }))
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
        let mut member = archive.by_index_raw(i).map_err(zip_err)?;
        if member.is_dir() || !member.name().ends_with(".json") {
            continue;
        }
        let origin = format!("{label}!{}", member.name());
        let entry = Entry::of(&member);
        let stored = read_capped(&mut member, entry.compressed, &origin)?;
        drop(member);
        let bytes = match entry.json(&stored, &origin)? {
            Some(json) => json.into_owned(),
            None => {
                let mut member = archive.by_index(i).map_err(zip_err)?;
                read_capped(&mut member, entry.size, &origin)?
            }
        };
        each(RawRecord { origin, bytes })?;
    }
    Ok(())
}

/// How a zip member's data is stored, as far as records are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Stored,
    Deflated,
    /// Any other method: only the `zip` crate's reader may know it.
    Other,
}

/// What a zip member's entry says about its data.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub method: Method,
    pub encrypted: bool,
    /// Declared uncompressed size.
    pub size: u64,
    pub compressed: u64,
    pub crc32: u32,
}

impl Entry {
    pub fn of<R: Read>(member: &zip::read::ZipFile<'_, R>) -> Entry {
        Entry {
            method: match member.compression() {
                zip::CompressionMethod::Stored => Method::Stored,
                zip::CompressionMethod::Deflated => Method::Deflated,
                _ => Method::Other,
            },
            encrypted: member.encrypted(),
            size: member.size(),
            compressed: member.compressed_size(),
            crc32: member.crc32(),
        }
    }

    /// The entry of a central directory record, as [`rawzip`] reads it.
    pub fn of_record(record: &rawzip::ZipFileHeaderRecord<'_>) -> Entry {
        Entry {
            method: match record.compression_method() {
                rawzip::CompressionMethod::STORE => Method::Stored,
                rawzip::CompressionMethod::DEFLATE => Method::Deflated,
                _ => Method::Other,
            },
            encrypted: record.flags().is_encrypted(),
            size: record.uncompressed_size_hint(),
            compressed: record.compressed_size_hint(),
            crc32: record.crc32(),
        }
    }

    /// The JSON held by `stored`, the member's raw data, checked against the
    /// entry's size and CRC-32; `None` for a method (or an encryption) only
    /// the zip reader knows.
    pub fn json<'a>(
        &self,
        stored: &'a [u8],
        origin: &str,
    ) -> Result<Option<std::borrow::Cow<'a, [u8]>>, DbError> {
        use std::borrow::Cow;
        if self.size > MAX_RECORD_BYTES {
            return Err(DbError::Zip(format!(
                "{origin}: member is larger than the {MAX_RECORD_BYTES}-byte limit"
            )));
        }
        let json = match self.method {
            _ if self.encrypted => return Ok(None),
            Method::Stored => Cow::Borrowed(stored),
            Method::Deflated => Cow::Owned(
                super::inflate::inflate(stored, self.size)
                    .map_err(|e| DbError::Zip(format!("{origin}: {e}")))?,
            ),
            Method::Other => return Ok(None),
        };
        // crc32fast (SIMD) rather than flate2's Crc, whose zlib-rs backend
        // computes it table by table: a few percent of a compile.
        if json.len() as u64 != self.size || crc32fast::hash(&json) != self.crc32 {
            return Err(DbError::Zip(format!("{origin}: Invalid checksum")));
        }
        Ok(Some(json))
    }
}

/// Reads a record of `declared` bytes from `reader`, refusing more than
/// [`MAX_RECORD_BYTES`].
pub(crate) fn read_capped(
    reader: &mut dyn Read,
    declared: u64,
    origin: &str,
) -> Result<Vec<u8>, DbError> {
    let mut bytes = Vec::with_capacity(declared.min(MAX_RECORD_BYTES) as usize);
    reader
        .take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DbError::Zip(format!("{origin}: {e}")))?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(DbError::Zip(format!(
            "{origin}: member is larger than the {MAX_RECORD_BYTES}-byte limit"
        )));
    }
    Ok(bytes)
}
