//! Listing a directory artifact: every regular file under it, symbolic links
//! and `.git` left out, within the entry limit.

use super::entry::{FileEntry, Origin};
use super::error::ArchiveError;
use super::names::is_archive_name;
use crate::limits::Limits;
use std::path::{Path, PathBuf};

/// The files of a directory, before any nested archive is opened.
pub(super) struct Listing {
    pub(super) files: Vec<FileEntry>,
    /// Total size of the files, in bytes.
    pub(super) size_bytes: u64,
    /// Archives to open: (path relative to the root, path on disk).
    pub(super) archives: Vec<(String, PathBuf)>,
}

/// Walks the directory `root` (named `name` in errors).
pub(super) fn list(root: &Path, name: &str, limits: &Limits) -> Result<Listing, ArchiveError> {
    let mut listing = Listing {
        files: Vec::new(),
        size_bytes: 0,
        archives: Vec::new(),
    };
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| ArchiveError::Io {
            artifact: name.to_string(),
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
            listing.size_bytes += size;
            if is_archive_name(&rel) {
                listing.archives.push((rel.clone(), path.clone()));
            }
            listing.files.push(FileEntry {
                path: rel,
                size,
                compressed_size: size,
                unix_mode,
                depth: 0,
                inner_start: 0,
                origin: Origin::Disk(path),
            });
            if listing.files.len() > limits.max_entries {
                return Err(ArchiveError::TooManyEntries {
                    artifact: name.to_string(),
                    count: listing.files.len(),
                    limit: limits.max_entries,
                });
            }
        }
    }
    Ok(listing)
}
