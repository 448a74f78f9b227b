//! An artifact as an in-memory tree of files: a zip (and the jars and zips nested in it)
//! read from bytes, or a directory on disk. Nothing is ever extracted to disk;
//! entries are inflated only when asked for, within explicit [`Limits`](crate::Limits).
//!
//! - `tree`: [`ArchiveTree`], the artifact opened, and reading one file from it;
//! - `zip_reader`: opening a zip and the archives nested in it;
//! - `central`: listing one zip's central directory (every record, names
//!   normalised, overlapping entries refused);
//! - `inflate`: reading one entry whole; `stream`: reading one as a stream
//!   ([`EntryReader`]); `checked`: the metering, size and CRC-32 checks both share;
//! - `containers`: the zips of a tree, inflated ones held only while read;
//!   `gate`: the turns readers on several threads take at holding them;
//! - `dir`: listing a directory on disk; `disk`: opening only regular files;
//! - `budget`: the per-entry, ratio, byte and count limits of one artifact;
//! - `entry`: what is known about one file ([`FileEntry`]) and one jar ([`JarFile`]);
//! - `names`: path conventions ([`NESTED_SEPARATOR`], archive kinds by name);
//! - `bytes`: [`SharedBytes`], zero-copy views shared by nested archives;
//! - `error`: why an artifact ([`ArchiveError`]) or one entry ([`ReadError`])
//!   could not be read.

mod budget;
mod bytes;
mod central;
mod checked;
mod containers;
mod dir;
mod disk;
mod entry;
mod error;
mod gate;
mod inflate;
mod names;
mod stream;
mod tree;
mod zip_reader;

pub use bytes::SharedBytes;
pub use entry::{FileEntry, JarFile};
pub use error::{ArchiveError, ReadError};
pub use names::{is_archive_name, NESTED_SEPARATOR};
pub use stream::EntryReader;
pub use tree::ArchiveTree;
