//! Explicit resource limits for reading untrusted archives.

use serde::Serialize;

/// Limits applied while reading an artifact. Hitting one produces a warning that
/// names the artifact and path; it never panics and never silently drops data.
#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    /// Largest artifact accepted at all (bytes on disk / downloaded).
    pub max_artifact_bytes: u64,
    /// Largest single entry that is inflated into memory.
    pub max_entry_bytes: u64,
    /// Total bytes inflated for one artifact, nested archives included.
    pub max_total_inflated_bytes: u64,
    /// Most entries listed for one artifact, nested archives included.
    pub max_entries: usize,
    /// How deep archives nested in archives are opened (the artifact itself is depth 0).
    pub max_depth: usize,
    /// Largest inflated/compressed ratio accepted for entries above `ratio_floor_bytes`.
    pub max_compression_ratio: u64,
    /// Entries smaller than this are exempt from the ratio check (small files compress well).
    pub ratio_floor_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Lambda's own ceilings: 250 MB unzipped per function including layers,
            // 50 MB zipped for direct upload (far more through S3). These leave headroom.
            max_artifact_bytes: 1 << 30,
            max_entry_bytes: 512 << 20,
            max_total_inflated_bytes: 2 << 30,
            max_entries: 500_000,
            max_depth: 4,
            max_compression_ratio: 200,
            ratio_floor_bytes: 1 << 20,
        }
    }
}
