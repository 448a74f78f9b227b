//! An artifact as an in-memory tree of files: a zip (and the jars and zips nested in it)
//! read from bytes, or a directory on disk. Nothing is ever extracted to disk;
//! entries are inflated only when asked for, within explicit [`Limits`].

use crate::diagnostics::Warning;
use crate::limits::Limits;
use rayon::prelude::*;
use sha1::{Digest, Sha1};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zip::ZipArchive;

/// Separator between an archive's path and a path inside it: `lib/a.jar!/META-INF/x`.
pub const NESTED_SEPARATOR: &str = "!/";

/// Why an artifact could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{artifact}: cannot read: {source}")]
    Io {
        artifact: String,
        source: std::io::Error,
    },
    #[error("{artifact}: empty file (0 bytes), not a zip archive")]
    Empty { artifact: String },
    #[error("{artifact}: not a readable zip archive: {reason}")]
    NotZip { artifact: String, reason: String },
    #[error("{artifact}: {size} bytes exceeds the artifact size limit of {limit} bytes")]
    TooLarge {
        artifact: String,
        size: u64,
        limit: u64,
    },
    #[error("{artifact}: {count} entries exceeds the limit of {limit}")]
    TooManyEntries {
        artifact: String,
        count: usize,
        limit: usize,
    },
}

/// Bytes shared between an archive and the stored archives nested in it (zero
/// copy): an owned buffer, or a read-only memory map of the artifact file.
#[derive(Clone)]
pub struct SharedBytes {
    buf: Arc<dyn AsRef<[u8]> + Send + Sync>,
    start: usize,
    end: usize,
}

impl SharedBytes {
    fn slice(&self, start: usize, len: usize) -> Option<SharedBytes> {
        let s = self.start.checked_add(start)?;
        let e = s.checked_add(len)?;
        (e <= self.end).then(|| SharedBytes {
            buf: self.buf.clone(),
            start: s,
            end: e,
        })
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(v: Vec<u8>) -> Self {
        let end = v.len();
        SharedBytes {
            buf: Arc::new(v),
            start: 0,
            end,
        }
    }
}

impl From<memmap2::Mmap> for SharedBytes {
    fn from(map: memmap2::Mmap) -> Self {
        let end = map.len();
        SharedBytes {
            buf: Arc::new(map),
            start: 0,
            end,
        }
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &(*self.buf).as_ref()[self.start..self.end]
    }
}

impl std::fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.end - self.start)
    }
}

type Zip = ZipArchive<Cursor<SharedBytes>>;

/// Where a [`FileEntry`]'s bytes live.
#[derive(Clone, Debug)]
enum Origin {
    Zip { container: usize, index: usize },
    Disk(PathBuf),
}

/// One regular file visible in an artifact, possibly inside nested archives.
#[derive(Clone, Debug)]
pub struct FileEntry {
    /// Path inside the artifact, `/`-separated, nested archives joined with `!/`.
    pub path: String,
    /// Inflated size as declared by the archive (or the file size on disk).
    pub size: u64,
    /// Compressed size (equal to `size` on disk).
    pub compressed_size: u64,
    /// Unix permission bits, when the archive records them.
    pub unix_mode: Option<u32>,
    /// How many archives deep the file is (0 = directly in the artifact).
    pub depth: usize,
    /// Where the path inside the innermost archive starts in `path`.
    inner_start: usize,
    origin: Origin,
}

impl FileEntry {
    /// The last path component.
    pub fn file_name(&self) -> &str {
        let inner = self.inner_path();
        inner.rsplit('/').next().unwrap_or(inner)
    }

    /// The path inside the innermost archive holding the file.
    pub fn inner_path(&self) -> &str {
        &self.path[self.inner_start..]
    }

    /// The path of the nested archive holding the file (`""` at the top level).
    pub fn container_path(&self) -> &str {
        let end = self.inner_start.saturating_sub(NESTED_SEPARATOR.len());
        &self.path[..end]
    }

    /// True when any execute bit is set.
    pub fn is_executable(&self) -> bool {
        self.unix_mode.is_some_and(|m| m & 0o111 != 0)
    }
}

/// A jar, war or ear that was opened (nested, or the artifact itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JarFile {
    /// Path of the archive inside the artifact (`"."` for the artifact itself).
    pub path: String,
    /// SHA-1 of the archive's bytes, as Maven Central and jar scanners record it.
    pub sha1: String,
    pub depth: usize,
}

/// An artifact opened for reading: its files, the jars opened inside it, and
/// what went wrong along the way.
#[derive(Debug)]
pub struct ArchiveTree {
    /// Display name of the artifact (file name, directory, or ARN).
    pub name: String,
    /// Every regular file, nested archives' contents included, sorted by path.
    pub files: Vec<FileEntry>,
    /// Jars (.jar/.war/.ear) opened, the artifact itself as `"."` when it is one.
    pub jars: Vec<JarFile>,
    /// Limits hit, unreadable nested archives, odd entry names.
    pub warnings: Vec<Warning>,
    /// Compressed size of the artifact, or total file size for a directory.
    pub size_bytes: u64,
    containers: Vec<Zip>,
    limits: Limits,
    inflated: Arc<AtomicU64>,
}

/// Is this file name one of the archive kinds that are opened recursively?
pub fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jar", ".war", ".ear", ".zip"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn is_jar_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jar", ".war", ".ear"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// Why one entry's bytes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{size} bytes exceeds the per-entry limit of {limit} bytes; not inflated")]
    EntryTooLarge { size: u64, limit: u64 },
    #[error("compression ratio {ratio}:1 exceeds the limit of {limit}:1 (possible zip bomb); not inflated")]
    Ratio { ratio: u64, limit: u64 },
    #[error("inflating would pass the artifact's total limit of {limit} bytes (possible zip bomb); not inflated")]
    TotalTooLarge { limit: u64 },
    #[error(
        "entry inflates past its declared size of {declared} bytes (corrupt or hostile archive)"
    )]
    LyingSize { declared: u64 },
    #[error("cannot read entry: {0}")]
    Zip(String),
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
}

struct Builder<'l> {
    artifact: String,
    limits: &'l Limits,
    inflated: Arc<AtomicU64>,
}

/// The result of opening one zip, before it is merged into the tree.
struct Opened {
    zip: Zip,
    files: Vec<FileEntry>,
    jars: Vec<JarFile>,
    warnings: Vec<Warning>,
    children: Vec<Opened>,
}

impl ArchiveTree {
    /// Opens an artifact from a path: a zip/jar file or a directory.
    pub fn open_path(path: &Path, limits: &Limits) -> Result<ArchiveTree, ArchiveError> {
        let name = path.display().to_string();
        if path.is_dir() {
            return Self::open_dir(path, name, limits);
        }
        let io = |source| ArchiveError::Io {
            artifact: name.clone(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > limits.max_artifact_bytes {
            return Err(ArchiveError::TooLarge {
                artifact: name,
                size,
                limit: limits.max_artifact_bytes,
            });
        }
        if size == 0 {
            return Err(ArchiveError::Empty { artifact: name });
        }
        let file = std::fs::File::open(path).map_err(io)?;
        // SAFETY: the map is read-only and private to this process; lambda-audit
        // never writes the artifact. A file truncated by another process while
        // it is scanned is outside what a scanner can defend against.
        let bytes: SharedBytes = match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => map.into(),
            Err(_) => std::fs::read(path).map_err(io)?.into(),
        };
        Self::open_shared(name, bytes, limits)
    }

    /// Opens a zip/jar held in memory. `name` is how the artifact is named in output.
    pub fn open_bytes(
        name: impl Into<String>,
        bytes: Vec<u8>,
        limits: &Limits,
    ) -> Result<ArchiveTree, ArchiveError> {
        Self::open_shared(name.into(), bytes.into(), limits)
    }

    fn open_shared(
        name: String,
        bytes: SharedBytes,
        limits: &Limits,
    ) -> Result<ArchiveTree, ArchiveError> {
        let size = bytes.as_ref().len() as u64;
        if size == 0 {
            return Err(ArchiveError::Empty { artifact: name });
        }
        if size > limits.max_artifact_bytes {
            return Err(ArchiveError::TooLarge {
                artifact: name,
                size,
                limit: limits.max_artifact_bytes,
            });
        }
        let builder = Builder {
            artifact: name.clone(),
            limits,
            inflated: Arc::new(AtomicU64::new(0)),
        };
        let is_jar = is_jar_name(&name);
        let sha1 = is_jar.then(|| sha1_hex(bytes.as_ref()));
        let opened = builder
            .open_zip(bytes, "", 0)
            .map_err(|reason| ArchiveError::NotZip {
                artifact: name.clone(),
                reason,
            })?;
        let mut tree = ArchiveTree {
            name,
            files: Vec::new(),
            jars: Vec::new(),
            warnings: Vec::new(),
            size_bytes: size,
            containers: Vec::new(),
            limits: limits.clone(),
            inflated: builder.inflated.clone(),
        };
        if let Some(sha1) = sha1 {
            tree.jars.push(JarFile {
                path: ".".into(),
                sha1,
                depth: 0,
            });
        }
        tree.absorb(opened);
        let total = tree.files.len();
        if total > limits.max_entries {
            return Err(ArchiveError::TooManyEntries {
                artifact: tree.name,
                count: total,
                limit: limits.max_entries,
            });
        }
        tree.files.par_sort_by(|a, b| a.path.cmp(&b.path));
        tree.jars.sort_by(|a, b| a.path.cmp(&b.path));
        tree.warnings.sort();
        Ok(tree)
    }

    fn absorb(&mut self, opened: Opened) {
        let container = self.containers.len();
        self.containers.push(opened.zip);
        self.files.extend(opened.files.into_iter().map(|mut f| {
            if let Origin::Zip { container: c, .. } = &mut f.origin {
                *c = container;
            }
            f
        }));
        self.jars.extend(opened.jars);
        self.warnings.extend(opened.warnings);
        for child in opened.children {
            self.absorb(child);
        }
    }

    fn open_dir(root: &Path, name: String, limits: &Limits) -> Result<ArchiveTree, ArchiveError> {
        let mut tree = ArchiveTree {
            name: name.clone(),
            files: Vec::new(),
            jars: Vec::new(),
            warnings: Vec::new(),
            size_bytes: 0,
            containers: Vec::new(),
            limits: limits.clone(),
            inflated: Arc::new(AtomicU64::new(0)),
        };
        let mut stack = vec![root.to_path_buf()];
        let mut nested = Vec::new();
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|source| ArchiveError::Io {
                artifact: name.clone(),
                source,
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(ft) = entry.file_type() else { continue };
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                if ft.is_symlink() {
                    continue;
                }
                if ft.is_dir() {
                    if entry.file_name() != ".git" {
                        stack.push(path);
                    }
                    continue;
                }
                let meta = entry.metadata().ok();
                let size = meta.as_ref().map_or(0, |m| m.len());
                #[cfg(unix)]
                let unix_mode = {
                    use std::os::unix::fs::PermissionsExt;
                    meta.as_ref().map(|m| m.permissions().mode() & 0o7777)
                };
                #[cfg(not(unix))]
                let unix_mode = None;
                tree.size_bytes += size;
                if is_archive_name(&rel) {
                    nested.push((rel.clone(), path.clone()));
                }
                tree.files.push(FileEntry {
                    path: rel,
                    size,
                    compressed_size: size,
                    unix_mode,
                    depth: 0,
                    inner_start: 0,
                    origin: Origin::Disk(path),
                });
                if tree.files.len() > limits.max_entries {
                    return Err(ArchiveError::TooManyEntries {
                        artifact: name,
                        count: tree.files.len(),
                        limit: limits.max_entries,
                    });
                }
            }
        }
        let builder = Builder {
            artifact: name,
            limits,
            inflated: tree.inflated.clone(),
        };
        let opened: Vec<_> = nested
            .into_par_iter()
            .filter_map(|(rel, path)| {
                let bytes = match std::fs::read(&path) {
                    Ok(b) if b.len() as u64 <= limits.max_entry_bytes => b,
                    Ok(b) => {
                        return Some(Err(builder.warn(
                            &rel,
                            format!(
                                "archive of {} bytes exceeds the per-entry limit; not opened",
                                b.len()
                            ),
                        )))
                    }
                    Err(e) => return Some(Err(builder.warn(&rel, format!("cannot read: {e}")))),
                };
                Some(builder.open_nested(SharedBytes::from(bytes), &rel, 1))
            })
            .collect();
        for o in opened {
            match o {
                Ok(o) => tree.absorb(o),
                Err(w) => tree.warnings.push(w),
            }
        }
        tree.files.par_sort_by(|a, b| a.path.cmp(&b.path));
        tree.jars.sort_by(|a, b| a.path.cmp(&b.path));
        tree.warnings.sort();
        Ok(tree)
    }

    /// The limits this tree was opened with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Finds a file by its exact path.
    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }

    /// Inflates one file into memory, enforcing the per-entry, ratio and total limits.
    pub fn read(&self, file: &FileEntry) -> Result<Vec<u8>, ReadError> {
        let limits = &self.limits;
        if file.size > limits.max_entry_bytes {
            return Err(ReadError::EntryTooLarge {
                size: file.size,
                limit: limits.max_entry_bytes,
            });
        }
        check_ratio(file.size, file.compressed_size, limits)?;
        let before = self.inflated.fetch_add(file.size, Ordering::Relaxed);
        if before + file.size > limits.max_total_inflated_bytes {
            return Err(ReadError::TotalTooLarge {
                limit: limits.max_total_inflated_bytes,
            });
        }
        match &file.origin {
            Origin::Disk(path) => Ok(std::fs::read(path)?),
            Origin::Zip { container, index } => {
                let mut zip = self.containers[*container].clone();
                read_zip_entry(&mut zip, *index, file.size)
            }
        }
    }
}

fn check_ratio(size: u64, compressed: u64, limits: &Limits) -> Result<(), ReadError> {
    if size > limits.ratio_floor_bytes {
        let ratio = size / compressed.max(1);
        if ratio > limits.max_compression_ratio {
            return Err(ReadError::Ratio {
                ratio,
                limit: limits.max_compression_ratio,
            });
        }
    }
    Ok(())
}

/// Reads an entry, refusing to inflate more than it declared (lying headers).
fn read_zip_entry(zip: &mut Zip, index: usize, declared: u64) -> Result<Vec<u8>, ReadError> {
    let entry = zip
        .by_index(index)
        .map_err(|e| ReadError::Zip(e.to_string()))?;
    let mut buf = Vec::with_capacity(declared.min(64 << 20) as usize);
    entry
        .take(declared + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ReadError::Zip(e.to_string()))?;
    if buf.len() as u64 > declared {
        return Err(ReadError::LyingSize { declared });
    }
    Ok(buf)
}

impl Builder<'_> {
    fn warn(&self, path: &str, message: impl Into<String>) -> Warning {
        Warning {
            artifact: self.artifact.clone(),
            path: path.to_string(),
            message: message.into(),
        }
    }

    /// Opens a zip whose bytes are `data`; `prefix` is its own path in the artifact
    /// (empty for the artifact itself).
    fn open_zip(&self, data: SharedBytes, prefix: &str, depth: usize) -> Result<Opened, String> {
        let mut zip = ZipArchive::new(Cursor::new(data.clone())).map_err(|e| e.to_string())?;
        let mut files = Vec::with_capacity(zip.len());
        let mut warnings = Vec::new();
        let mut nested = Vec::new();
        if zip.len() > self.limits.max_entries {
            return Err(format!(
                "{} entries exceeds the limit of {}",
                zip.len(),
                self.limits.max_entries
            ));
        }
        for index in 0..zip.len() {
            let entry = match zip.by_index_raw(index) {
                Ok(e) => e,
                Err(e) => {
                    warnings.push(self.warn(prefix, format!("entry #{index} unreadable: {e}")));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let raw = entry.name_raw();
            let name = match std::str::from_utf8(raw) {
                Ok(_) => entry.name().to_string(),
                Err(_) => {
                    let lossy = String::from_utf8_lossy(raw).into_owned();
                    warnings.push(self.warn(
                        &join(prefix, &lossy),
                        "entry name is not valid UTF-8; shown with replacement characters",
                    ));
                    lossy
                }
            };
            let name = name.trim_start_matches('/').to_string();
            if name.contains("../") || name.starts_with("..") {
                warnings.push(self.warn(
                    &join(prefix, &name),
                    "entry path escapes the archive root (zip-slip); listed as is, never written",
                ));
            }
            let path = join(prefix, &name);
            let stored = entry.compression() == zip::CompressionMethod::Stored;
            let file = FileEntry {
                path: path.clone(),
                size: entry.size(),
                compressed_size: entry.compressed_size(),
                unix_mode: entry.unix_mode(),
                depth,
                inner_start: path.len() - name.len(),
                origin: Origin::Zip {
                    container: usize::MAX,
                    index,
                },
            };
            let data_start = entry.data_start();
            drop(entry);
            if is_archive_name(&name) {
                nested.push((file.clone(), stored.then_some(data_start)));
            }
            files.push(file);
        }
        let limits = self.limits;
        let listing = &zip;
        let children: Vec<Result<Opened, Warning>> = nested
            .into_par_iter()
            .map(|(file, stored_at)| {
                if depth + 1 > limits.max_depth {
                    return Err(self.warn(
                        &file.path,
                        format!(
                            "nested archive at depth {} exceeds the nesting limit of {}; not opened",
                            depth + 1,
                            limits.max_depth
                        ),
                    ));
                }
                let bytes = match stored_at {
                    Some(start) if file.size == file.compressed_size => data
                        .slice(start as usize, file.size as usize)
                        .ok_or_else(|| self.warn(&file.path, "stored entry lies outside the archive"))?,
                    _ => {
                        if file.size > limits.max_entry_bytes {
                            return Err(self.warn(
                                &file.path,
                                ReadError::EntryTooLarge {
                                    size: file.size,
                                    limit: limits.max_entry_bytes,
                                }
                                .to_string(),
                            ));
                        }
                        check_ratio(file.size, file.compressed_size, limits)
                            .map_err(|e| self.warn(&file.path, e.to_string()))?;
                        let before = self.inflated.fetch_add(file.size, Ordering::Relaxed);
                        if before + file.size > limits.max_total_inflated_bytes {
                            return Err(self.warn(
                                &file.path,
                                ReadError::TotalTooLarge {
                                    limit: limits.max_total_inflated_bytes,
                                }
                                .to_string(),
                            ));
                        }
                        let Origin::Zip { index, .. } = file.origin else {
                            unreachable!("zip entries have zip origins")
                        };
                        let mut z = listing.clone();
                        SharedBytes::from(
                            read_zip_entry(&mut z, index, file.size)
                                .map_err(|e| self.warn(&file.path, e.to_string()))?,
                        )
                    }
                };
                self.open_nested(bytes, &file.path, depth + 1)
            })
            .collect();
        let mut opened_children = Vec::new();
        for child in children {
            match child {
                Ok(c) => opened_children.push(c),
                Err(w) => warnings.push(w),
            }
        }
        Ok(Opened {
            zip,
            files,
            jars: Vec::new(),
            warnings,
            children: opened_children,
        })
    }

    /// Opens an archive found inside another one; failure is a warning, not an error.
    fn open_nested(&self, bytes: SharedBytes, path: &str, depth: usize) -> Result<Opened, Warning> {
        let sha1 = is_jar_name(path).then(|| sha1_hex(bytes.as_ref()));
        let mut opened = self
            .open_zip(bytes, path, depth)
            .map_err(|e| self.warn(path, format!("nested archive not readable: {e}")))?;
        if let Some(sha1) = sha1 {
            opened.jars.push(JarFile {
                path: path.to_string(),
                sha1,
                depth,
            });
        }
        Ok(opened)
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}{NESTED_SEPARATOR}{name}")
    }
}
