//! Whether the files of a database hold the bytes an index was compiled
//! from, and their stamps as they are now: what lets a cache reuse an index
//! for the same bytes under another folder (a new version of `db update`'s
//! cache whose exports are the previous version's, hard-linked), and record
//! a fingerprint that has settled since, so that later opens trust it
//! without hashing.

use crate::advisories::fingerprint::{self, Fingerprint};
use crate::advisories::load::SourceFile;
use crate::advisories::DbError;
use std::path::Path;
use std::time::SystemTime;

/// What comparing an index's sources with the files there now found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Stamps {
    /// Other files, or other bytes.
    Changed,
    /// The same bytes; the sources as the index should now record them, and
    /// whether that differs from what it records (a path or a fingerprint).
    Same {
        sources: Vec<SourceFile>,
        restamped: bool,
    },
}

/// Compares `compiled` (an index's sources, compiled from the database at
/// `compiled_root`) with `listed` (the files of the database at `root` now,
/// from [`discover`](crate::advisories::load::discover)): the same names
/// under their roots, each with the bytes whose checksum the index recorded.
/// A settled file whose fingerprint is unchanged is trusted without reading
/// it (see [`fingerprint`]); any other file is hashed.
pub(super) fn compare(
    compiled: &[SourceFile],
    compiled_root: &Path,
    listed: &[SourceFile],
    root: &Path,
) -> Result<Stamps, DbError> {
    let same_file = |then: &SourceFile, now: &SourceFile| {
        then.kind == now.kind
            && then.len == now.len
            && then.path.strip_prefix(compiled_root).ok() == now.path.strip_prefix(root).ok()
            && now.path.starts_with(root)
    };
    if compiled.len() != listed.len() || !compiled.iter().zip(listed).all(|(t, n)| same_file(t, n))
    {
        return Ok(Stamps::Changed);
    }
    let now = SystemTime::now();
    let mut sources = Vec::with_capacity(listed.len());
    let mut restamped = false;
    for (then, listed) in compiled.iter().zip(listed) {
        let trusted = (then.settled || then.skipped) && then.fingerprint == listed.fingerprint;
        if trusted && then.path == listed.path {
            sources.push(then.clone());
            continue;
        }
        // A skipped file holds no records and has no checksum: only its
        // unchanged fingerprint, at the same path, says it is the same.
        let Some(sum) = then.checksum.as_ref().filter(|_| !then.skipped) else {
            return Ok(Stamps::Changed);
        };
        let before = Fingerprint::at(&listed.path)?;
        if *sum != fingerprint::checksum_file(&listed.path)? {
            return Ok(Stamps::Changed);
        }
        let steady = before == Fingerprint::at(&listed.path)?;
        let settled = steady && before.settled_at(now);
        restamped |= then.path != listed.path || (settled && !then.settled);
        sources.push(SourceFile {
            path: listed.path.clone(),
            fingerprint: before,
            mtime_ns: before.mtime_ns,
            settled,
            ..then.clone()
        });
    }
    Ok(Stamps::Same { sources, restamped })
}
