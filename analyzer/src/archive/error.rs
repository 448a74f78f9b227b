//! Why an artifact, or one entry in it, could not be read.

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
