//! An artifact as an in-memory tree of files: a zip (and the jars and zips nested in it)
//! read from bytes, or a directory on disk. Nothing is ever extracted to disk;
//! entries are inflated only when asked for, within explicit [`Limits`](crate::Limits).
//!
//! - `tree`: [`ArchiveTree`], the artifact opened, and reading one file from it;
//! - `zip_reader`: listing a zip and opening the archives nested in it;
//! - `dir`: listing a directory on disk;
//! - `budget`: the per-entry, ratio and total inflation limits of one artifact;
//! - `entry`: what is known about one file ([`FileEntry`]) and one jar ([`JarFile`]);
//! - `names`: path conventions ([`NESTED_SEPARATOR`], archive kinds by name);
//! - `bytes`: [`SharedBytes`], zero-copy views shared by nested archives;
//! - `error`: why an artifact ([`ArchiveError`]) or one entry ([`ReadError`])
//!   could not be read.

mod budget;
mod bytes;
mod dir;
mod entry;
mod error;
mod names;
mod tree;
mod zip_reader;

pub use bytes::SharedBytes;
pub use entry::{FileEntry, JarFile};
pub use error::{ArchiveError, ReadError};
pub use names::{is_archive_name, NESTED_SEPARATOR};
pub use tree::ArchiveTree;
