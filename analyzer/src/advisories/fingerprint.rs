//! Whether a database's files are still the ones an index was compiled from.
//!
//! The truth is the content: every source's bytes are checksummed (xxh3-128)
//! when the index is compiled, and a source whose checksum differs makes the
//! index stale. Hashing a large export on every scan would cost more than the
//! scan, so a stat fingerprint (size, mtime, ctime, inode, device) stands in
//! for the checksum, but only for a file the compile saw *settled*: unchanged
//! from before to after it was read, and last changed more than
//! [`SETTLE_MARGIN`] before. Any later write moves its ctime (which no tool can
//! set back: `cp -p`, `tar`, `rsync -a` restore mtimes only) past the recorded
//! one, and a replacement is a new inode, so an equal fingerprint of a settled
//! file means equal bytes. Anything else is decided by hashing the file.

use super::DbError;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use xxhash_rust::xxh3::Xxh3;

/// How long before a compile a file must have last changed for its
/// fingerprint to be trusted: above the timestamp granularity of common
/// filesystems (1 to 2 s on FAT, HFS+, ext3; clock ticks elsewhere).
pub const SETTLE_MARGIN: Duration = Duration::from_secs(2);

/// A file's stat identity. On non-Unix systems only size and mtime are
/// known, and such a fingerprint is never trusted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub len: u64,
    pub mtime_ns: u128,
    pub ctime_ns: u128,
    pub inode: u64,
    pub device: u64,
}

impl Fingerprint {
    /// The fingerprint of `meta`.
    pub fn of(meta: &std::fs::Metadata) -> Fingerprint {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ctime_ns = u128::try_from(meta.ctime()).unwrap_or(0) * 1_000_000_000
                + u128::try_from(meta.ctime_nsec()).unwrap_or(0);
            Fingerprint {
                len: meta.len(),
                mtime_ns,
                ctime_ns,
                inode: meta.ino(),
                device: meta.dev(),
            }
        }
        #[cfg(not(unix))]
        Fingerprint {
            len: meta.len(),
            mtime_ns,
            ..Fingerprint::default()
        }
    }

    /// The fingerprint of the file at `path`.
    pub fn at(path: &Path) -> Result<Fingerprint, DbError> {
        std::fs::metadata(path)
            .map(|m| Fingerprint::of(&m))
            .map_err(|e| DbError::io(path, e))
    }

    /// True when this fingerprint, taken at `now`, is of a file last changed
    /// at least [`SETTLE_MARGIN`] earlier (and has a ctime at all).
    pub fn settled_at(&self, now: SystemTime) -> bool {
        let Ok(now) = now.duration_since(UNIX_EPOCH) else {
            return false;
        };
        let limit = now.saturating_sub(SETTLE_MARGIN).as_nanos();
        self.ctime_ns != 0 && self.ctime_ns < limit && self.mtime_ns < limit
    }
}

/// xxh3-128 of `bytes`, as hex.
pub fn checksum(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// xxh3-128 of the file at `path`, streamed, as hex.
pub fn checksum_file(path: &Path) -> Result<String, DbError> {
    // Not a regular file (any more): nothing to hash, and opening a FIFO
    // would wait for a writer.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(String::new());
    }
    let mut file = std::fs::File::open(path).map_err(|e| DbError::io(path, e))?;
    let mut hasher = Xxh3::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(|e| DbError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(format!("{:032x}", hasher.digest128()))
}
