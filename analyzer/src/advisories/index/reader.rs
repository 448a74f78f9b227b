//! Reading a compiled index in place (a memory map of the file, or bytes in
//! memory): opening checks the footer and parses the small JSON header,
//! nothing else, so that it costs the same whatever the number of records; a
//! lookup walks the package map and decodes only the frames of the records
//! it returns, and every byte of the structure it reads is checked first
//! ([`Checked`]). Readers share it across threads without a lock.

use super::build::{ecosystem_byte, key};
use super::checked::Checked;
use super::format::{self, Codec, Layout, MAGIC, MAGIC_PREFIX};
use super::Header;
use crate::advisories::inflate::inflate;
use crate::ecosystem::Ecosystem;
use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, OnceLock};

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

/// An fst map over a section, built once its bytes were checked.
type LazyMap = OnceLock<Result<fst::Map<Slice>, String>>;

/// An opened index.
#[derive(Debug)]
pub(crate) struct Index {
    bytes: Arc<Bytes>,
    layout: Layout,
    header: Header,
    checked: Checked,
    packages: LazyMap,
    by_id: LazyMap,
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

    /// Opens index bytes: checks the footer and reads the header, never
    /// the structure (see [`Index::verify`]).
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
        Ok(Index {
            bytes: Arc::new(bytes),
            checked: Checked::new(&layout),
            layout,
            header,
            packages: OnceLock::new(),
            by_id: OnceLock::new(),
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Where the sections lie.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Checks the whole structure (what a cache does before trusting a file
    /// it can compile again); the reason when a part is damaged.
    pub fn verify(&self) -> Result<(), String> {
        self.checked.check_all(&self.bytes)?;
        self.package_map()?;
        self.id_map().map(|_| ())
    }

    /// Section `s`, its bytes checked.
    fn section(&self, s: format::Section) -> Result<&[u8], String> {
        self.checked.check(&self.bytes, s)?;
        Ok(&self.bytes[s.offset as usize..s.end() as usize])
    }

    /// `len` bytes at `at` of section `s`, checked; `None` past its end.
    fn part(&self, s: format::Section, at: usize, len: usize) -> Result<Option<&[u8]>, String> {
        let Some(end) = at.checked_add(len).filter(|end| *end as u64 <= s.len) else {
            return Ok(None);
        };
        let range = format::Section {
            offset: s.offset + at as u64,
            len: len as u64,
        };
        self.checked.check(&self.bytes, range)?;
        Ok(Some(
            &self.bytes[range.offset as usize..s.offset as usize + end],
        ))
    }

    /// The fst map over section `s`, built on first use from checked bytes.
    fn map<'a>(
        &self,
        lazy: &'a LazyMap,
        s: format::Section,
    ) -> Result<&'a fst::Map<Slice>, String> {
        lazy.get_or_init(|| {
            self.checked.check(&self.bytes, s)?;
            let slice = Slice {
                bytes: self.bytes.clone(),
                start: s.offset as usize,
                end: s.end() as usize,
            };
            fst::Map::new(slice).map_err(|e| format!("index map: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    fn package_map(&self) -> Result<&fst::Map<Slice>, String> {
        self.map(&self.packages, self.layout.packages)
    }

    fn id_map(&self) -> Result<&fst::Map<Slice>, String> {
        self.map(&self.by_id, self.layout.by_id)
    }

    /// True when some record names the package (`normalised` name).
    pub fn contains(&self, eco: Ecosystem, normalised: &str) -> Result<bool, String> {
        Ok(self.package_map()?.contains_key(key(eco, normalised)))
    }

    /// The numbers of the records naming the package, in load order.
    pub fn postings(&self, eco: Ecosystem, normalised: &str) -> Result<Vec<u32>, String> {
        let Some(at) = self.package_map()?.get(key(eco, normalised)) else {
            return Ok(Vec::new());
        };
        let section =
            &self.bytes[self.layout.postings.offset as usize..self.layout.postings.end() as usize];
        // Decoding bounds-checks every length; the bytes it read are
        // checked before anything decoded is used.
        let (entry, next) = format::decode_postings(section, at as usize)?;
        self.part(self.layout.postings, at as usize, next - at as usize)?;
        if entry.ecosystem != ecosystem_byte(eco) || entry.name != normalised.as_bytes() {
            return Err(format!(
                "the index entry of {normalised} names another package"
            ));
        }
        Ok(entry.numbers().collect())
    }

    /// Every (ecosystem, normalised name), in key order; nothing when the
    /// postings are damaged ([`Index::verify`] says why).
    pub fn packages(&self) -> impl Iterator<Item = (Ecosystem, &str)> {
        let section = self.section(self.layout.postings).unwrap_or_default();
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
    pub fn number_of(&self, id: &str) -> Result<Option<u32>, String> {
        Ok(self.id_map()?.get(id).and_then(|n| u32::try_from(n).ok()))
    }

    /// The id of record `number`.
    pub fn id(&self, number: u32) -> Result<&str, String> {
        let (_, at, len) = self.entry(number)?;
        let id = self
            .part(self.layout.ids, at, len)?
            .ok_or_else(|| format!("record {number}: its id lies outside the index"))?;
        std::str::from_utf8(id).map_err(|_| format!("record {number}: its id is not UTF-8"))
    }

    /// Every record id, in load order; nothing when the record table or the
    /// ids are damaged ([`Index::verify`] says why).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        let whole =
            self.section(self.layout.records).is_ok() && self.section(self.layout.ids).is_ok();
        let count = if whole {
            self.layout.record_count as u32
        } else {
            0
        };
        (0..count).map(|n| self.id(n).unwrap_or(""))
    }

    /// Record `number`'s table entry: (frame offset, id offset, id length).
    fn entry(&self, number: u32) -> Result<(u64, usize, usize), String> {
        let missing = || format!("record {number} is not in the index");
        let at = (number as usize)
            .checked_mul(format::RECORD_ENTRY)
            .ok_or_else(missing)?;
        let table = self
            .part(self.layout.records, at, format::RECORD_ENTRY)?
            .ok_or_else(missing)?;
        format::decode_record(table, 0).ok_or_else(missing)
    }

    /// The JSON of record `number`, checked against its frame's checksum.
    pub fn json(&self, number: u32) -> Result<Cow<'_, [u8]>, String> {
        let (offset, _, _) = self.entry(number)?;
        let frame = format::decode_frame(&self.bytes, offset, self.layout.postings.offset, number)?;
        match frame.codec {
            Codec::Plain => Ok(Cow::Borrowed(frame.stored)),
            Codec::Deflate => inflate(frame.stored, u64::from(frame.raw_len))
                .map(Cow::Owned)
                .map_err(|e| format!("record {number}: {e}")),
        }
    }
}
