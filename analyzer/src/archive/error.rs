//! Why an artifact, or one entry in it, could not be read.

/// Why an artifact could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The OS error is part of the message, not a `source`: an error chain
    /// printed whole would repeat it.
    #[error("{artifact}: cannot read: {error}")]
    Io {
        artifact: String,
        error: std::io::Error,
    },
    #[error("{artifact}: not a regular file ({kind}); give a zip/jar file or a folder")]
    NotRegularFile {
        artifact: String,
        /// What it is instead: `FIFO`, `character device`...
        kind: &'static str,
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
    #[error("inflating would pass the limit of {limit} bytes for nested archives held in memory; not opened")]
    NestedTooLarge { limit: u64 },
    #[error(
        "entry inflates past its declared size of {declared} bytes (corrupt or hostile archive)"
    )]
    LyingSize { declared: u64 },
    #[error("entry inflates to {actual} bytes, not its declared {declared} (corrupt or truncated archive)")]
    ShortEntry { declared: u64, actual: u64 },
    #[error("entry's CRC-32 does not match its contents (corrupt archive)")]
    Checksum,
    #[error("entry is encrypted; not read")]
    Encrypted,
    #[error("compression method {0} is not supported (only stored and deflate); not read")]
    Unsupported(String),
    #[error("not a regular file ({0}); not read")]
    NotRegularFile(&'static str),
    #[error("cannot read entry: {0}")]
    Zip(String),
    /// The OS error is part of the message, not a `source` (never printed twice).
    #[error("cannot read file: {0}")]
    Io(std::io::Error),
}
