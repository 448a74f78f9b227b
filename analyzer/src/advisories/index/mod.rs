//! The compiled index: every record's bytes in one file, a map from
//! (ecosystem, normalised package name) to the records naming the package,
//! and a map from record id to record, so that a scan decodes only the
//! records of its packages.
//!
//! The maps are [`fst`] maps (finite-state transducers, BurntSushi's
//! maintained crate): sorted keys stored as a compact automaton that is read
//! in place from the mapped file, so opening costs nothing per key and a
//! lookup touches a few pages. A sorted key table with binary search would
//! also read in place, but is several times larger for the same keys (every
//! name spelled out) and touches more pages per lookup.
//!
//! - [`format`]: the bytes of the file;
//! - [`Builder`]: writing one, record by record;
//! - [`compile`](compile::compile): a database's files into an index, streaming and in parallel;
//! - [`reader`]: opening one and looking records up;
//! - [`checked`]: checking the structure block by block as it is first read;
//! - [`Phases`]: where a compile's time goes
//!   ([`profile_compile`](crate::advisories::profile_compile)).

mod build;
mod checked;
pub(crate) mod compile;
pub mod format;
mod phases;
pub(crate) mod reader;
pub(crate) mod rewrite;

pub use build::{Builder, Compiled};
pub use phases::Phases;

use crate::advisories::load::SourceFile;
use crate::ecosystem::Ecosystem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of the index format (also the last digit of its magic).
pub const FORMAT: u32 = 3;

/// Prefix of the temporary file a compile writes before renaming it into
/// place (the cache's pruning removes leftovers of killed compiles by it).
pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// What an index says about itself: small, read whole when it is opened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// [`FORMAT`] when written.
    pub format: u32,
    /// The ecosystem of each key byte (an index of another set is stale).
    pub key_ecosystems: Vec<String>,
    /// The files the index was built from, with their checksums.
    pub sources: Vec<SourceFile>,
    /// Number of records.
    pub records: usize,
    /// Records per ecosystem they name.
    pub ecosystems: BTreeMap<String, usize>,
    /// The newest `modified` among the records.
    pub newest_record: Option<String>,
    /// Records that could not be read, with the reason.
    pub invalid: Vec<String>,
}

impl Header {
    pub(crate) fn new() -> Header {
        Header {
            format: FORMAT,
            key_ecosystems: key_ecosystems(),
            ..Header::default()
        }
    }

    /// True when this build reads the index as it was written.
    pub(crate) fn is_current(&self) -> bool {
        self.format == FORMAT && self.key_ecosystems == key_ecosystems()
    }
}

fn key_ecosystems() -> Vec<String> {
    Ecosystem::ALL
        .iter()
        .map(|e| e.as_str().to_string())
        .collect()
}
