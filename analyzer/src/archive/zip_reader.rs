//! Listing one zip and, in parallel, the archives nested in it. A stored nested
//! archive is read in place (zero copy); a compressed one is inflated within the
//! artifact's [`Budget`].

use super::budget::Budget;
use super::bytes::SharedBytes;
use super::entry::{FileEntry, JarFile, Origin};
use super::error::ReadError;
use super::names::{escapes_root, is_archive_name, is_jar_name, nested_path};
use crate::diagnostics::Warning;
use rayon::prelude::*;
use std::io::{Cursor, Read};
use zip::ZipArchive;

/// A zip read from shared bytes.
pub(super) type Zip = ZipArchive<Cursor<SharedBytes>>;

/// Opens the zips of one artifact, charging what it inflates to the artifact's budget.
pub(super) struct Opener {
    /// Display name of the artifact, for warnings.
    pub(super) artifact: String,
    pub(super) budget: Budget,
}

/// One zip opened, with the archives nested in it, before it joins the tree.
/// Its files' [`Origin::Zip`] container is set when the tree absorbs it.
pub(super) struct Opened {
    pub(super) zip: Zip,
    pub(super) files: Vec<FileEntry>,
    pub(super) jars: Vec<JarFile>,
    pub(super) warnings: Vec<Warning>,
    pub(super) children: Vec<Opened>,
}

/// Reads an entry, refusing to inflate more than it declared (lying headers).
pub(super) fn read_zip_entry(
    zip: &mut Zip,
    index: usize,
    declared: u64,
) -> Result<Vec<u8>, ReadError> {
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

impl Opener {
    /// A warning about `path` in this artifact.
    pub(super) fn warn(&self, path: &str, message: impl Into<String>) -> Warning {
        Warning {
            artifact: self.artifact.clone(),
            path: path.to_string(),
            message: message.into(),
        }
    }

    /// Opens a zip whose bytes are `data`; `prefix` is its own path in the artifact
    /// (empty for the artifact itself).
    pub(super) fn open_zip(
        &self,
        data: SharedBytes,
        prefix: &str,
        depth: usize,
    ) -> Result<Opened, String> {
        let mut zip = ZipArchive::new(Cursor::new(data.clone())).map_err(|e| e.to_string())?;
        let limits = self.budget.limits();
        if zip.len() > limits.max_entries {
            return Err(format!(
                "{} entries exceeds the limit of {}",
                zip.len(),
                limits.max_entries
            ));
        }
        let mut files = Vec::with_capacity(zip.len());
        let mut warnings = Vec::new();
        let mut nested = Vec::new();
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
                        &nested_path(prefix, &lossy),
                        "entry name is not valid UTF-8; shown with replacement characters",
                    ));
                    lossy
                }
            };
            let name = name.trim_start_matches('/').to_string();
            let path = nested_path(prefix, &name);
            if escapes_root(&name) {
                warnings.push(self.warn(
                    &path,
                    "entry path escapes the archive root (zip-slip); listed as is, never written",
                ));
            }
            let stored = entry.compression() == zip::CompressionMethod::Stored;
            let file = FileEntry {
                inner_start: path.len() - name.len(),
                path,
                size: entry.size(),
                compressed_size: entry.compressed_size(),
                unix_mode: entry.unix_mode(),
                depth,
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
        let listing = &zip;
        let children: Vec<Result<Opened, Warning>> = nested
            .into_par_iter()
            .map(|(file, stored_at)| {
                let bytes = self.nested_bytes(&data, listing, &file, stored_at, depth)?;
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

    /// The bytes of the nested archive `file` found at `depth` in the zip
    /// `listing` (whose bytes are `data`): a slice when stored at `stored_at`,
    /// else inflated within the budget.
    fn nested_bytes(
        &self,
        data: &SharedBytes,
        listing: &Zip,
        file: &FileEntry,
        stored_at: Option<u64>,
        depth: usize,
    ) -> Result<SharedBytes, Warning> {
        let max_depth = self.budget.limits().max_depth;
        if depth + 1 > max_depth {
            return Err(self.warn(
                &file.path,
                format!(
                    "nested archive at depth {} exceeds the nesting limit of {max_depth}; not opened",
                    depth + 1,
                ),
            ));
        }
        match stored_at {
            Some(start) if file.size == file.compressed_size => data
                .slice(start as usize, file.size as usize)
                .ok_or_else(|| self.warn(&file.path, "stored entry lies outside the archive")),
            _ => {
                self.budget
                    .charge(file.size, file.compressed_size)
                    .map_err(|e| self.warn(&file.path, e.to_string()))?;
                let Origin::Zip { index, .. } = file.origin else {
                    unreachable!("zip entries have zip origins")
                };
                let mut zip = listing.clone();
                read_zip_entry(&mut zip, index, file.size)
                    .map(SharedBytes::from)
                    .map_err(|e| self.warn(&file.path, e.to_string()))
            }
        }
    }

    /// Opens an archive found inside another one; failure is a warning, not an error.
    pub(super) fn open_nested(
        &self,
        bytes: SharedBytes,
        path: &str,
        depth: usize,
    ) -> Result<Opened, Warning> {
        let jar = is_jar_name(path).then(|| JarFile::new(path, bytes.as_ref(), depth));
        let mut opened = self
            .open_zip(bytes, path, depth)
            .map_err(|e| self.warn(path, format!("nested archive not readable: {e}")))?;
        opened.jars.extend(jar);
        Ok(opened)
    }
}
