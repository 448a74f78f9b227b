//! Listing a directory artifact: every regular file under it, within the
//! tree-wide entry limit. `.git` is left out; symbolic links are never followed
//! (no cycles): one whose target lies inside the folder is left out, its target
//! being listed where it lives, and one pointing outside the folder or nowhere
//! is listed as skipped, as are FIFOs, sockets and devices, which are never
//! opened (opening a FIFO blocks, reading a device never ends); a folder or
//! file that cannot be read is a gap naming its path, and the rest of the
//! folder is still listed.

use super::budget::Budget;
use super::entry::{FileEntry, Origin};
use super::error::ArchiveError;
use super::names::is_archive_name;
use crate::diagnostics::{Gap, Skipped};
use std::fs::FileType;
use std::path::{Path, PathBuf};

/// The files of a directory, before any nested archive is opened.
#[derive(Default)]
pub(super) struct Listing {
    pub(super) files: Vec<FileEntry>,
    /// Total size of the files, in bytes.
    pub(super) size_bytes: u64,
    /// Archives to open: (path relative to the root, path on disk, size).
    pub(super) archives: Vec<(String, PathBuf, u64)>,
    /// Entries that are not regular files.
    pub(super) skipped: Vec<Skipped>,
    /// Folders and files that could not be read.
    pub(super) gaps: Vec<Gap>,
}

/// What a file type is, for messages: `FIFO`, `socket`, `character device`...
pub(super) fn kind_of(file_type: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "FIFO";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_char_device() {
            return "character device";
        }
        if file_type.is_block_device() {
            return "block device";
        }
    }
    if file_type.is_dir() {
        "directory"
    } else if file_type.is_symlink() {
        "symbolic link"
    } else if file_type.is_file() {
        "regular file"
    } else {
        "special file"
    }
}

/// Walks the directory `root` (named `name` in errors), counting its files in `budget`.
pub(super) fn list(root: &Path, name: &str, budget: &Budget) -> Result<Listing, ArchiveError> {
    let mut listing = Listing::default();
    let relative = |path: &Path| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if dir == root => {
                return Err(ArchiveError::Io {
                    artifact: name.to_string(),
                    error,
                })
            }
            Err(e) => {
                listing.gaps.push(Gap {
                    path: relative(&dir),
                    reason: format!("cannot list folder: {e}"),
                });
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    listing.gaps.push(Gap {
                        path: relative(&dir),
                        reason: format!("cannot list folder entry: {e}"),
                    });
                    continue;
                }
            };
            let path = entry.path();
            let rel = relative(&path);
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    listing.gaps.push(Gap {
                        path: rel,
                        reason: format!("cannot read file type: {e}"),
                    });
                    continue;
                }
            };
            if file_type.is_symlink() {
                if let Some(reason) = unfollowed_link(&real_root, &path) {
                    listing.skipped.push(Skipped { path: rel, reason });
                }
                continue;
            }
            if file_type.is_dir() {
                if entry.file_name() != ".git" {
                    stack.push(path);
                }
                continue;
            }
            if !file_type.is_file() {
                listing.skipped.push(Skipped {
                    path: rel,
                    reason: format!("not a regular file ({}); not read", kind_of(&file_type)),
                });
                continue;
            }
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(e) => {
                    listing.gaps.push(Gap {
                        path: rel,
                        reason: format!("cannot read file metadata: {e}"),
                    });
                    continue;
                }
            };
            budget
                .take_entries(1)
                .map_err(|e| ArchiveError::TooManyEntries {
                    artifact: name.to_string(),
                    count: e.count,
                    limit: e.limit,
                })?;
            let size = meta.len();
            listing.size_bytes += size;
            if is_archive_name(&rel) {
                listing.archives.push((rel.clone(), path.clone(), size));
            }
            listing.files.push(FileEntry {
                path: rel,
                size,
                compressed_size: size,
                unix_mode: unix_mode(&meta),
                depth: 0,
                inner_start: 0,
                origin: Origin::Disk(path),
            });
        }
    }
    Ok(listing)
}

/// Why the symbolic link `link` is listed as skipped, or `None` when its
/// target lies inside the folder `real_root` (canonical), where it is listed.
fn unfollowed_link(real_root: &Path, link: &Path) -> Option<String> {
    let target = std::fs::read_link(link)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "?".to_string());
    match std::fs::canonicalize(link) {
        Ok(resolved) if resolved.starts_with(real_root) => None,
        Ok(_) => Some(format!(
            "symbolic link to {target}, outside the folder: not followed"
        )),
        Err(e) => Some(format!(
            "symbolic link to {target}, which cannot be resolved ({e}): not followed"
        )),
    }
}

#[cfg(unix)]
fn unix_mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn unix_mode(_: &std::fs::Metadata) -> Option<u32> {
    None
}
