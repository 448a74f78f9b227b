//! What is known about one file ([`FileEntry`]) and one opened jar ([`JarFile`]).

use super::names::NESTED_SEPARATOR;
use sha1::{Digest, Sha1};
use std::path::PathBuf;

/// Where a [`FileEntry`]'s bytes live.
#[derive(Clone, Debug)]
pub(super) enum Origin {
    /// An entry of the tree's zip number `container`.
    Zip { container: usize, data: ZipData },
    /// A file of a directory artifact.
    Disk(PathBuf),
}

/// Where an entry's compressed bytes lie in its zip, and how to inflate them.
#[derive(Clone, Copy, Debug)]
pub(super) struct ZipData {
    /// Offset of the compressed bytes (`FileEntry::compressed_size` of them).
    pub(super) offset: u64,
    /// The zip compression method (0 stored, 8 deflate).
    pub(super) method: u16,
    /// CRC-32 of the inflated bytes, as the central directory records it.
    pub(super) crc: u32,
    pub(super) encrypted: bool,
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
    pub(super) inner_start: usize,
    pub(super) origin: Origin,
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

impl JarFile {
    /// The jar at `path` whose bytes are `bytes`.
    pub(super) fn new(path: impl Into<String>, bytes: &[u8], depth: usize) -> JarFile {
        JarFile {
            path: path.into(),
            sha1: hex::encode(Sha1::digest(bytes)),
            depth,
        }
    }
}
