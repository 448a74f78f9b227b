//! Writing an index: records are framed and written out as they come, only
//! their ids and package keys stay in memory; the tables follow at the end.

use super::format::{self, BlockSums, Codec, Layout, Section, MAGIC};
use super::Header;
use crate::advisories::load::{RawRecord, SourceFile};
use crate::advisories::osv::IndexView;
use crate::ecosystem::Ecosystem;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use xxhash_rust::xxh3::{xxh3_64, Xxh3Builder};

/// Record id -> record number, for the ids written so far. Hashed with xxh3
/// (several times faster than the default SipHash over 243,000 ids, where
/// it was the builder's largest cost), seeded at random per build so that
/// crafted ids cannot be aimed at one bucket; the index does not depend on
/// the seed.
type IdNumbers = HashMap<Box<str>, u32, Xxh3Builder>;

fn id_numbers() -> IdNumbers {
    let seed = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    HashMap::with_hasher(Xxh3Builder::new().with_seed(seed))
}

/// The ecosystem byte of the index keys: its position in [`Ecosystem::ALL`].
pub(crate) fn ecosystem_byte(eco: Ecosystem) -> u8 {
    Ecosystem::ALL.iter().position(|e| *e == eco).unwrap_or(0) as u8
}

/// The index key of a package: its ecosystem byte, then its normalised name.
pub(crate) fn key(eco: Ecosystem, normalised: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + normalised.len());
    key.push(ecosystem_byte(eco));
    key.extend_from_slice(normalised.as_bytes());
    key
}

/// A record read and understood, ready to be written.
pub(crate) struct Prepared<'a> {
    id: String,
    modified: String,
    /// Index keys of the packages it names, sorted, without repeats.
    keys: Vec<Vec<u8>>,
    /// The ecosystems it names.
    ecosystems: BTreeSet<Ecosystem>,
    codec: Codec,
    stored: Cow<'a, [u8]>,
    raw_len: u32,
}

impl Prepared<'_> {
    /// The same record, owning its bytes.
    pub(crate) fn into_owned(self) -> Prepared<'static> {
        Prepared {
            id: self.id,
            modified: self.modified,
            keys: self.keys,
            ecosystems: self.ecosystems,
            codec: self.codec,
            stored: Cow::Owned(self.stored.into_owned()),
            raw_len: self.raw_len,
        }
    }
}

/// What one source record turned out to be.
pub(crate) enum Outcome<'a> {
    Record(Prepared<'a>),
    /// Not an OSV record: the note for `invalid`.
    Invalid(String),
    /// Names no supported package (or is not a record at all): left out.
    Skip,
}

/// Reads the index fields of `json` (stored as `stored` with `codec`);
/// `origin` names the record in a note.
pub(crate) fn prepare<'a>(
    json: &[u8],
    codec: Codec,
    stored: Cow<'a, [u8]>,
    origin: &dyn Fn() -> String,
) -> Outcome<'a> {
    let view: IndexView = match serde_json::from_slice(json) {
        Ok(v) => v,
        Err(e) => return Outcome::Invalid(format!("{}: not an OSV record: {e}", origin())),
    };
    let named: BTreeSet<(Ecosystem, String)> = view
        .affected
        .iter()
        .filter_map(|a| a.package.as_ref())
        .filter_map(|p| {
            let eco = Ecosystem::from_osv(&p.ecosystem)?;
            Some((eco, eco.normalize_name(&p.name)))
        })
        .collect();
    if named.is_empty() {
        return Outcome::Skip;
    }
    let ecosystems = named.iter().map(|(e, _)| *e).collect();
    let keys = named.iter().map(|(e, n)| key(*e, n)).collect();
    Outcome::Record(Prepared {
        id: view.id,
        modified: view.modified,
        keys,
        ecosystems,
        codec,
        stored,
        raw_len: json.len() as u32,
    })
}

/// Writes an index to `W` (a `Vec<u8>` by default: an index in memory).
pub struct Builder<W: Write = Vec<u8>> {
    out: W,
    written: u64,
    /// A write error, reported by `finish`.
    failed: Option<io::Error>,
    records: Vec<u8>,
    ids: Vec<u8>,
    by_id: IdNumbers,
    keys: BTreeMap<Vec<u8>, Vec<u32>>,
    header: Header,
}

impl Default for Builder<Vec<u8>> {
    fn default() -> Self {
        Builder::new(Vec::new())
    }
}

/// A header and the index bytes, as built in memory.
#[derive(Debug, Default)]
pub struct Compiled {
    pub header: Header,
    pub bytes: Vec<u8>,
}

impl Builder<Vec<u8>> {
    /// Finishes an index built in memory, recording the source files it was
    /// built from.
    pub fn finish(self, sources: Vec<SourceFile>) -> Compiled {
        match self.finish_into(sources) {
            Ok((bytes, header)) => Compiled { header, bytes },
            // Writing to a Vec does not fail; keep the reason if it ever did.
            Err(e) => Compiled {
                header: Header {
                    invalid: vec![format!("advisory index: {e}")],
                    ..Header::default()
                },
                bytes: Vec::new(),
            },
        }
    }
}

impl<W: Write> Builder<W> {
    /// A builder writing to `out`.
    pub fn new(out: W) -> Builder<W> {
        let mut builder = Builder {
            out,
            written: 0,
            failed: None,
            records: Vec::new(),
            ids: Vec::new(),
            by_id: id_numbers(),
            keys: BTreeMap::new(),
            header: Header::new(),
        };
        builder.write(MAGIC);
        builder
    }

    /// Adds one record; a record that is not valid OSV JSON is noted in
    /// `invalid`, a second record with an already seen id is dropped.
    pub fn add(&mut self, raw: RawRecord) {
        let origin = || raw.origin.clone();
        let outcome = prepare(&raw.bytes, Codec::Plain, Cow::Borrowed(&raw.bytes), &origin);
        self.push(outcome);
    }

    /// Notes a source that could not be read as records.
    pub fn note_invalid(&mut self, reason: String) {
        self.header.invalid.push(reason);
    }

    /// Writes a prepared record (or notes why it is not one).
    pub(crate) fn push(&mut self, outcome: Outcome<'_>) {
        let record = match outcome {
            Outcome::Record(r) => r,
            Outcome::Invalid(note) => return self.note_invalid(note),
            Outcome::Skip => return,
        };
        if self.by_id.contains_key(record.id.as_str()) {
            return;
        }
        let number = self.header.records as u32;
        self.header.records += 1;
        for eco in &record.ecosystems {
            *self
                .header
                .ecosystems
                .entry(eco.as_str().to_string())
                .or_default() += 1;
        }
        if !record.modified.is_empty()
            && self
                .header
                .newest_record
                .as_ref()
                .is_none_or(|n| *n < record.modified)
        {
            self.header.newest_record = Some(record.modified.clone());
        }
        for key in record.keys {
            self.keys.entry(key).or_default().push(number);
        }
        format::encode_record(
            self.written,
            self.ids.len() as u32,
            record.id.len() as u32,
            &mut self.records,
        );
        self.ids.extend_from_slice(record.id.as_bytes());
        self.by_id.insert(record.id.into_boxed_str(), number);
        let head = format::frame_head(number, record.codec, &record.stored, record.raw_len);
        self.write(&head);
        self.write(&record.stored);
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            match self.out.write_all(bytes) {
                Ok(()) => self.written += bytes.len() as u64,
                Err(e) => self.failed = Some(e),
            }
        }
    }

    /// Writes the tables, the header and the footer; returns the writer and
    /// the header. The id map is built on another core while the package
    /// tables are written.
    pub fn finish_into(mut self, sources: Vec<SourceFile>) -> io::Result<(W, Header)>
    where
        W: Send,
    {
        self.header.sources = sources;
        let mut sums = BlockSums::default();
        let mut layout = Layout {
            record_count: self.header.records as u64,
            ..Layout::default()
        };
        let by_id = std::mem::take(&mut self.by_id);
        let (ids_map, tables) = rayon::join(
            || id_map(by_id),
            || self.write_tables(&mut sums, &mut layout),
        );
        tables?;
        layout.by_id = self.structure_section(&mut sums, &ids_map?);
        let blocks = sums.finish();
        layout.blocks_checksum = xxh3_64(&blocks);
        layout.blocks = self.section(&blocks);
        let header = serde_json::to_vec(&self.header).map_err(io::Error::other)?;
        layout.header = self.section(&header);
        let file_len = self.written + format::FOOTER_LEN as u64;
        let footer = layout.footer(xxh3_64(&header), file_len);
        self.write(&footer);
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok((self.out, self.header))
    }

    /// Writes the postings (in key order), the record table, the ids and
    /// the package map over the postings.
    fn write_tables(&mut self, sums: &mut BlockSums, layout: &mut Layout) -> io::Result<()> {
        let start = self.written;
        let mut packages = fst::MapBuilder::memory();
        let mut entry = Vec::new();
        let keys = std::mem::take(&mut self.keys);
        for (key, numbers) in &keys {
            packages
                .insert(key, self.written - start)
                .map_err(io::Error::other)?;
            entry.clear();
            format::encode_postings(key, numbers, &mut entry);
            self.structure(sums, &entry);
        }
        drop(keys);
        layout.postings = self.section_since(start);
        let records = std::mem::take(&mut self.records);
        layout.records = self.structure_section(sums, &records);
        drop(records);
        let ids = std::mem::take(&mut self.ids);
        layout.ids = self.structure_section(sums, &ids);
        drop(ids);
        let packages = packages.into_inner().map_err(io::Error::other)?;
        layout.packages = self.structure_section(sums, &packages);
        Ok(())
    }

    /// Writes a structure section, adding it to the block checksums.
    fn structure_section(&mut self, sums: &mut BlockSums, bytes: &[u8]) -> Section {
        let start = self.written;
        self.structure(sums, bytes);
        self.section_since(start)
    }

    fn structure(&mut self, sums: &mut BlockSums, bytes: &[u8]) {
        sums.update(bytes);
        self.write(bytes);
    }

    /// Writes a section outside the structure.
    fn section(&mut self, bytes: &[u8]) -> Section {
        let start = self.written;
        self.write(bytes);
        self.section_since(start)
    }

    fn section_since(&self, start: u64) -> Section {
        Section {
            offset: start,
            len: self.written - start,
        }
    }
}

/// The fst map from record id to record number.
fn id_map(by_id: IdNumbers) -> io::Result<Vec<u8>> {
    let mut by_id: Vec<(Box<str>, u32)> = by_id.into_iter().collect();
    by_id.sort_unstable();
    let mut map = fst::MapBuilder::memory();
    for (id, number) in &by_id {
        map.insert(id.as_bytes(), u64::from(*number))
            .map_err(io::Error::other)?;
    }
    map.into_inner().map_err(io::Error::other)
}
