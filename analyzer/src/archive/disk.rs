//! Files on disk, opened only when they are regular files (a FIFO would block
//! the scan, a device never ends) and sized by their metadata before a byte is
//! read.

use super::budget::{Budget, Pool};
use super::bytes::SharedBytes;
use super::checked::Expect;
use super::dir::kind_of;
use super::error::ReadError;
use super::inflate::read_whole;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Why a file on disk was not opened.
#[derive(Debug)]
pub(super) enum OpenError {
    /// It is a FIFO, socket, device or directory: never opened.
    NotRegular(&'static str),
    Io(std::io::Error),
}

/// Opens `path` if (following symbolic links) it is a regular file; its size
/// is the open file's own.
pub(super) fn open_regular(path: &Path) -> Result<(File, u64), OpenError> {
    let meta = std::fs::metadata(path).map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular(kind_of(&meta.file_type())));
    }
    let file = File::open(path).map_err(OpenError::Io)?;
    // The path may have been replaced between the check and the open.
    let meta = file.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular(kind_of(&meta.file_type())));
    }
    Ok((file, meta.len()))
}

/// The bytes of an opened regular file, mapped read-only (read into memory
/// when it cannot be mapped).
pub(super) fn map(file: &mut File) -> std::io::Result<SharedBytes> {
    // SAFETY: the map is read-only and private to this process; lambda-audit
    // never writes the file. A file truncated by another process while it is
    // scanned is outside what a scanner can defend against.
    match unsafe { memmap2::Mmap::map(&*file) } {
        Ok(map) => Ok(map.into()),
        Err(_) => {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            Ok(bytes.into())
        }
    }
}

/// Opens the regular file `path` for an extractor: refused by its size on disk
/// before a byte is read when it passes the per-entry limit. Returns the file
/// and its size.
pub(super) fn open_evidence(path: &Path, budget: &Budget) -> Result<(File, u64), ReadError> {
    let (file, size) = open_regular(path).map_err(|e| match e {
        OpenError::NotRegular(kind) => ReadError::NotRegularFile(kind),
        OpenError::Io(e) => ReadError::Io(e),
    })?;
    budget.check_entry(size, size)?;
    Ok((file, size))
}

/// Reads the regular file `path` for an extractor (see [`open_evidence`]),
/// charged to the budget as it is read, never past the per-entry limit (the
/// file may grow while it is read).
pub(super) fn read_file(path: &Path, budget: &Budget) -> Result<Vec<u8>, ReadError> {
    let (file, size) = open_evidence(path, budget)?;
    let limit = budget.limits().max_entry_bytes;
    read_whole(
        file,
        budget.meter(Pool::Evidence),
        Expect::File { limit },
        size,
    )
}
