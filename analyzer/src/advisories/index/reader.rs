//! Reading a compiled index in place (a memory map of the file, or bytes in
//! memory): opening checks the footer and the structure and parses the small
//! JSON header, nothing else; a lookup walks the package map and decodes
//! only the frames of the records it returns. Readers share it across
//! threads without a lock.

use super::build::{ecosystem_byte, key};
use super::format::{self, Codec, Layout, MAGIC, MAGIC_PREFIX};
use super::Header;
use crate::advisories::inflate::inflate;
use crate::ecosystem::Ecosystem;
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

/// An index's bytes.
#[derive(Debug)]
pub(crate) enum Bytes {
    /// A read-only map of an index file.
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::Owned(bytes) => bytes,
        }
    }
}

/// A section of shared index bytes (what an `fst::Map` reads).
#[derive(Clone, Debug)]
pub(crate) struct Slice {
    bytes: Arc<Bytes>,
    start: usize,
    end: usize,
}

impl AsRef<[u8]> for Slice {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }
}

/// Why an index file could not be used.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// There is no file (or it cannot be read): nothing to warn about.
    Absent,
    /// An index of another format version: rebuilt without a warning.
    OtherVersion,
    /// Not an index, cut short, or changed: the reason.
    Corrupt(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Absent => f.write_str("the index file cannot be opened"),
            OpenError::OtherVersion => {
                f.write_str("the index was written by another version of lambda-audit")
            }
            OpenError::Corrupt(reason) => f.write_str(reason),
        }
    }
}

/// An opened index.
#[derive(Debug)]
pub(crate) struct Index {
    bytes: Arc<Bytes>,
    layout: Layout,
    header: Header,
    packages: fst::Map<Slice>,
    by_id: fst::Map<Slice>,
}

impl Index {
    /// Maps the index file at `path` and opens it.
    pub fn open_file(path: &Path) -> Result<Index, OpenError> {
        let file = std::fs::File::open(path).map_err(|_| OpenError::Absent)?;
        // SAFETY: the map is read-only and private. Index files are only ever
        // replaced by a rename, never rewritten in place, so the mapped inode
        // keeps its bytes while it is mapped; a file truncated by a third
        // party is outside what a reader can defend against.
        let map = unsafe { memmap2::Mmap::map(&file) }
            .map_err(|e| OpenError::Corrupt(format!("cannot map {}: {e}", path.display())))?;
        Index::open(Bytes::Mapped(map))
    }

    /// Opens index bytes.
    pub fn open(bytes: Bytes) -> Result<Index, OpenError> {
        if bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
            return Err(if bytes.starts_with(MAGIC_PREFIX) {
                OpenError::OtherVersion
            } else {
                OpenError::Corrupt("not a lambda-audit index".into())
            });
        }
        let layout = Layout::read(&bytes).map_err(OpenError::Corrupt)?;
        let section = |s: format::Section| &bytes[s.offset as usize..s.end() as usize];
        let header: Header = serde_json::from_slice(section(layout.header))
            .map_err(|e| OpenError::Corrupt(format!("index header: {e}")))?;
        if !header.is_current() {
            return Err(OpenError::OtherVersion);
        }
        if header.records as u64 != layout.record_count {
            return Err(OpenError::Corrupt(
                "the index header does not match its record table".into(),
            ));
        }
        let bytes = Arc::new(bytes);
        let map = |s: format::Section| {
            let slice = Slice {
                bytes: bytes.clone(),
                start: s.offset as usize,
                end: s.end() as usize,
            };
            fst::Map::new(slice).map_err(|e| OpenError::Corrupt(format!("index map: {e}")))
        };
        let packages = map(layout.packages)?;
        let by_id = map(layout.by_id)?;
        Ok(Index {
            bytes,
            layout,
            header,
            packages,
            by_id,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    fn section(&self, s: format::Section) -> &[u8] {
        &self.bytes[s.offset as usize..s.end() as usize]
    }

    /// True when some record names the package (`normalised` name).
    pub fn contains(&self, eco: Ecosystem, normalised: &str) -> bool {
        self.packages.contains_key(key(eco, normalised))
    }

    /// The numbers of the records naming the package, in load order.
    pub fn postings(&self, eco: Ecosystem, normalised: &str) -> Result<Vec<u32>, String> {
        let Some(at) = self.packages.get(key(eco, normalised)) else {
            return Ok(Vec::new());
        };
        let (entry, _) = format::decode_postings(self.section(self.layout.postings), at as usize)?;
        if entry.ecosystem != ecosystem_byte(eco) || entry.name != normalised.as_bytes() {
            return Err(format!(
                "the index entry of {normalised} names another package"
            ));
        }
        Ok(entry.numbers().collect())
    }

    /// Every (ecosystem, normalised name), in key order.
    pub fn packages(&self) -> impl Iterator<Item = (Ecosystem, &str)> {
        let section = self.section(self.layout.postings);
        let mut at = 0;
        std::iter::from_fn(move || {
            while at < section.len() {
                let (entry, next) = format::decode_postings(section, at).ok()?;
                at = next;
                let eco = Ecosystem::ALL.get(entry.ecosystem as usize);
                if let (Some(eco), Ok(name)) = (eco, std::str::from_utf8(entry.name)) {
                    return Some((*eco, name));
                }
            }
            None
        })
    }

    /// The number of the record with this id.
    pub fn number_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).and_then(|n| u32::try_from(n).ok())
    }

    /// The id of record `number` (empty when out of range).
    pub fn id(&self, number: u32) -> &str {
        self.entry(number)
            .and_then(|(_, at, len)| self.section(self.layout.ids).get(at..at + len))
            .and_then(|id| std::str::from_utf8(id).ok())
            .unwrap_or("")
    }

    /// Every record id, in load order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        (0..self.layout.record_count as u32).map(|n| self.id(n))
    }

    fn entry(&self, number: u32) -> Option<(u64, usize, usize)> {
        format::decode_record(self.section(self.layout.records), number)
    }

    /// The JSON of record `number`, checked against its frame's checksum.
    pub fn json(&self, number: u32) -> Result<Cow<'_, [u8]>, String> {
        let (offset, _, _) = self
            .entry(number)
            .ok_or_else(|| format!("record {number} is not in the index"))?;
        let frame = format::decode_frame(&self.bytes, offset, self.layout.postings.offset, number)?;
        match frame.codec {
            Codec::Plain => Ok(Cow::Borrowed(frame.stored)),
            Codec::Deflate => inflate(frame.stored, u64::from(frame.raw_len))
                .map(Cow::Owned)
                .map_err(|e| format!("record {number}: {e}")),
        }
    }
}
