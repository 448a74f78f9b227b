//! Explicit resource limits for reading untrusted archives and folders.

use serde::Serialize;

/// Limits applied while reading an artifact. Hitting one never panics and never
/// silently drops evidence: what it kept from being read is recorded as a
/// [`Gap`](crate::diagnostics::Gap) naming the artifact and path, which makes
/// the scan incomplete. The values are listed, with what happens when each is
/// hit, in the README's "Limits" table.
#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    /// Largest artifact accepted at all (bytes on disk / downloaded): 1 GiB.
    pub max_artifact_bytes: u64,
    /// Largest single entry (or folder file, by its size on disk) read into
    /// memory: 512 MiB.
    pub max_entry_bytes: u64,
    /// Bytes actually inflated for one artifact, nested archives included:
    /// 2 GiB. An entry is charged as it inflates, not by the size it declares,
    /// and refunded when its read fails.
    pub max_total_inflated_bytes: u64,
    /// Compressed nested archives inflated and held in memory at once for
    /// one artifact: 256 MiB (Lambda's own 250 MB unzipped limit, rounded up).
    /// Each is held only while it is listed and while its files are read.
    /// Listing them may fill `max_total_inflated_bytes` only up to its last
    /// `max_nested_archive_bytes`, so that nested archives can never starve
    /// the evidence files read after them.
    pub max_nested_archive_bytes: u64,
    /// Most entries listed for one artifact, nested archives included: 500,000.
    /// Checked against each zip's end-of-central-directory count before its
    /// central directory is parsed, and counted tree-wide while opening.
    pub max_entries: usize,
    /// Most archives opened inside one artifact, stored ones included: 10,000.
    pub max_nested_archives: usize,
    /// How deep archives nested in archives are opened (the artifact itself is
    /// depth 0): 4.
    pub max_depth: usize,
    /// Largest inflated/compressed ratio accepted for entries above
    /// `ratio_floor_bytes`: 200.
    pub max_compression_ratio: u64,
    /// Entries smaller than this are exempt from the ratio check (small files
    /// compress well): 1 MiB.
    pub ratio_floor_bytes: u64,
    /// Most packages read from one artifact's evidence files, counted while
    /// they are parsed: 100,000 (real Lambda packages hold a few thousand).
    /// The file whose parse passes it stops there and none of its packages
    /// are reported: a gap naming the file and the limit.
    pub max_packages: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Lambda's own ceilings: 250 MB unzipped per function including layers,
            // 50 MB zipped for direct upload (far more through S3). These leave headroom.
            max_artifact_bytes: 1 << 30,
            max_entry_bytes: 512 << 20,
            max_total_inflated_bytes: 2 << 30,
            max_nested_archive_bytes: 256 << 20,
            max_entries: 500_000,
            max_nested_archives: 10_000,
            max_depth: 4,
            max_compression_ratio: 200,
            ratio_floor_bytes: 1 << 20,
            max_packages: 100_000,
        }
    }
}
