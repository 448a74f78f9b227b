//! The bytes of a compiled index (all integers little-endian):
//!
//! ```text
//! MAGIC (16 bytes)
//! frames     one per record: checksum u64 | number u32 | codec u8 |
//!            stored u32 | raw u32 | payload[stored]
//!            (checksum: xxh3-64 of everything after it, payload included)
//! postings   per (ecosystem, name), in key order: ecosystem u8 | name_len u32 |
//!            name | count u32 | record numbers u32 × count
//! records    per record number: frame offset u64 | id offset u32 | id len u32
//! ids        the record ids, concatenated (UTF-8)
//! packages   fst map: ecosystem byte + normalised name -> postings offset
//! by_id      fst map: record id -> record number
//! blocks     xxh3-64 of each BLOCK bytes of postings..by_id (the last block
//!            shorter), u64 each
//! header     JSON: format, sources and their checksums, counts, invalid records
//! footer     FOOTER_LEN bytes: the seven sections (offset u64, len u64), the
//!            record count u64, xxh3-64 of the blocks section, xxh3-64 of the
//!            header, the file length u64, xxh3-64 of the footer so far,
//!            FOOTER_MAGIC (8 bytes)
//! ```
//!
//! Opening reads the footer, checks the file's length, the sections' order
//! and the header's checksum: a constant cost, whatever the number of
//! records, so that a cut file is found at once. The structure (postings to
//! by_id) is checked block by block as it is first read
//! ([`checked`](super::checked)), and each frame against its own checksum
//! when decoded: a changed byte is found before anything read from it is
//! used, and a lookup pays only for the blocks it touches.

use xxhash_rust::xxh3::xxh3_64;

/// First bytes of an index file; the trailing digit is the format version.
pub const MAGIC: &[u8; 16] = b"lambda-audit-ix3";
/// The magic of every format version but its last digit.
pub const MAGIC_PREFIX: &[u8] = b"lambda-audit-ix";
/// Last bytes of an index file.
pub const FOOTER_MAGIC: &[u8; 8] = b"LAIX-END";
/// Sections named in the footer, in file order.
pub const SECTIONS: usize = 7;
/// Bytes of the footer.
pub const FOOTER_LEN: usize = SECTIONS * 16 + 5 * 8 + FOOTER_MAGIC.len();
/// Bytes of the structure covered by one checksum of the blocks section: a
/// page, so that a lookup checks about what it reads (a postings entry, a
/// record table entry, an id) and no more.
pub const BLOCK: usize = 4096;
/// Bytes of one checksum of the blocks section.
pub const BLOCK_SUM: usize = 8;
/// Bytes of a frame before its payload.
pub const FRAME_HEAD: usize = 8 + 4 + 1 + 4 + 4;
/// Bytes of one entry of the record table.
pub const RECORD_ENTRY: usize = 16;

/// How a frame's payload is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// The record's JSON as is.
    Plain = 0,
    /// A raw deflate stream of the JSON, copied from the export's zip member.
    Deflate = 1,
}

impl Codec {
    fn from_byte(b: u8) -> Option<Codec> {
        match b {
            0 => Some(Codec::Plain),
            1 => Some(Codec::Deflate),
            _ => None,
        }
    }
}

/// Where a section lies in the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub offset: u64,
    pub len: u64,
}

impl Section {
    pub fn end(self) -> u64 {
        self.offset + self.len
    }
}

/// The sections of an index file, as the footer names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub postings: Section,
    pub records: Section,
    pub ids: Section,
    pub packages: Section,
    pub by_id: Section,
    pub blocks: Section,
    pub header: Section,
    pub record_count: u64,
    /// xxh3-64 of the blocks section.
    pub blocks_checksum: u64,
}

impl Layout {
    fn sections(&self) -> [Section; SECTIONS] {
        [
            self.postings,
            self.records,
            self.ids,
            self.packages,
            self.by_id,
            self.blocks,
            self.header,
        ]
    }

    /// The bytes the blocks section's checksums cover: postings to by_id.
    pub fn structure(&self) -> Section {
        Section {
            offset: self.postings.offset,
            len: self.by_id.end() - self.postings.offset,
        }
    }

    /// The footer for this layout, with the checksum of the header, in a
    /// file of `file_len` bytes.
    pub fn footer(&self, header_checksum: u64, file_len: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(FOOTER_LEN);
        for s in self.sections() {
            out.extend_from_slice(&s.offset.to_le_bytes());
            out.extend_from_slice(&s.len.to_le_bytes());
        }
        out.extend_from_slice(&self.record_count.to_le_bytes());
        out.extend_from_slice(&self.blocks_checksum.to_le_bytes());
        out.extend_from_slice(&header_checksum.to_le_bytes());
        out.extend_from_slice(&file_len.to_le_bytes());
        let own = xxh3_64(&out);
        out.extend_from_slice(&own.to_le_bytes());
        out.extend_from_slice(FOOTER_MAGIC);
        out
    }

    /// Reads and checks the footer of `file`: its magic and checksum, the
    /// file's length, sections in order between the magic and the footer,
    /// the sizes of the tables, and the header's checksum (never the
    /// structure, checked as it is read). The reason is returned on failure.
    pub fn read(file: &[u8]) -> Result<Layout, String> {
        if file.len() < MAGIC.len() + FOOTER_LEN {
            return Err(format!("{} bytes is too short for an index", file.len()));
        }
        let footer = &file[file.len() - FOOTER_LEN..];
        if &footer[FOOTER_LEN - FOOTER_MAGIC.len()..] != FOOTER_MAGIC {
            return Err("no index footer (the file is cut short or overwritten)".into());
        }
        let body = &footer[..FOOTER_LEN - FOOTER_MAGIC.len() - 8];
        if xxh3_64(body) != read_u64(footer, body.len()) {
            return Err("the index footer fails its checksum".into());
        }
        let mut fields = body.chunks_exact(8).map(|c| read_u64(c, 0));
        let mut next = || fields.next().unwrap_or(0);
        let mut sections = [Section::default(); SECTIONS];
        for s in &mut sections {
            *s = Section {
                offset: next(),
                len: next(),
            };
        }
        let record_count = next();
        let blocks_checksum = next();
        let header_checksum = next();
        let file_len = next();
        if file_len != file.len() as u64 {
            return Err(format!(
                "the index is {} bytes, its footer says {file_len}",
                file.len()
            ));
        }
        let mut at = MAGIC.len() as u64;
        for s in sections {
            if s.offset < at || s.offset > file_len || s.len > file_len - s.offset {
                return Err("the index footer names sections out of order".into());
            }
            at = s.end();
        }
        if at != (file.len() - FOOTER_LEN) as u64 {
            return Err("the index sections do not end at the footer".into());
        }
        let [postings, records, ids, packages, by_id, blocks, header] = sections;
        if xxh3_64(&file[header.offset as usize..header.end() as usize]) != header_checksum {
            return Err("the index header fails its checksum".into());
        }
        if records.len != record_count * RECORD_ENTRY as u64 {
            return Err("the index record table does not match its record count".into());
        }
        let layout = Layout {
            postings,
            records,
            ids,
            packages,
            by_id,
            blocks,
            header,
            record_count,
            blocks_checksum,
        };
        if blocks.len != block_count(layout.structure().len) * BLOCK_SUM as u64 {
            return Err("the index block checksums do not cover its structure".into());
        }
        Ok(layout)
    }
}

/// The number of [`BLOCK`]s in `len` bytes (the last one may be shorter).
pub fn block_count(len: u64) -> u64 {
    len.div_ceil(BLOCK as u64)
}

/// The blocks section for bytes written one piece after another: xxh3-64 of
/// every [`BLOCK`] bytes, the last block shorter.
#[derive(Default)]
pub struct BlockSums {
    hasher: xxhash_rust::xxh3::Xxh3,
    filled: usize,
    sums: Vec<u8>,
}

impl BlockSums {
    /// Adds the next bytes of the structure.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = (BLOCK - self.filled).min(bytes.len());
            self.hasher.update(&bytes[..take]);
            self.filled += take;
            bytes = &bytes[take..];
            if self.filled == BLOCK {
                self.close();
            }
        }
    }

    fn close(&mut self) {
        self.sums
            .extend_from_slice(&self.hasher.digest().to_le_bytes());
        self.hasher.reset();
        self.filled = 0;
    }

    /// The blocks section.
    pub fn finish(mut self) -> Vec<u8> {
        if self.filled > 0 {
            self.close();
        }
        self.sums
    }
}

/// The head of the frame of record `number` (payload `stored`, `raw_len`
/// bytes once decoded): the payload follows it in the file.
pub fn frame_head(number: u32, codec: Codec, stored: &[u8], raw_len: u32) -> [u8; FRAME_HEAD] {
    let mut head = [0u8; FRAME_HEAD];
    head[8..12].copy_from_slice(&number.to_le_bytes());
    head[12] = codec as u8;
    head[13..17].copy_from_slice(&(stored.len() as u32).to_le_bytes());
    head[17..21].copy_from_slice(&raw_len.to_le_bytes());
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&head[8..]);
    hasher.update(stored);
    head[..8].copy_from_slice(&hasher.digest().to_le_bytes());
    head
}

/// A frame's payload, checked.
#[derive(Debug)]
pub struct Frame<'a> {
    pub codec: Codec,
    pub stored: &'a [u8],
    pub raw_len: u32,
}

/// Reads the frame of record `number` at `offset` of `file`, checking that it
/// lies before `limit`, names `number` and matches its checksum.
pub fn decode_frame(
    file: &[u8],
    offset: u64,
    limit: u64,
    number: u32,
) -> Result<Frame<'_>, String> {
    let bad = |what: &str| format!("record {number}: {what}");
    let start = usize::try_from(offset).map_err(|_| bad("frame offset out of range"))?;
    let head_end = start + FRAME_HEAD;
    if offset < MAGIC.len() as u64 || head_end as u64 > limit {
        return Err(bad("frame offset out of range"));
    }
    let head = &file[start..head_end];
    let stored_len = read_u32(head, 13) as usize;
    let end = head_end + stored_len;
    if end as u64 > limit {
        return Err(bad("frame runs past the record blob"));
    }
    if xxh3_64(&file[start + 8..end]) != read_u64(head, 0) {
        return Err(bad("frame fails its checksum"));
    }
    if read_u32(head, 8) != number {
        return Err(bad("frame belongs to another record"));
    }
    let codec = Codec::from_byte(head[12]).ok_or_else(|| bad("unknown frame codec"))?;
    Ok(Frame {
        codec,
        stored: &file[head_end..end],
        raw_len: read_u32(head, 17),
    })
}

/// Appends a postings entry.
pub fn encode_postings(key: &[u8], numbers: &[u32], out: &mut Vec<u8>) {
    out.push(key[0]);
    out.extend_from_slice(&((key.len() - 1) as u32).to_le_bytes());
    out.extend_from_slice(&key[1..]);
    out.extend_from_slice(&(numbers.len() as u32).to_le_bytes());
    for n in numbers {
        out.extend_from_slice(&n.to_le_bytes());
    }
}

/// One postings entry: the ecosystem byte, the name and the record numbers.
pub struct Postings<'a> {
    pub ecosystem: u8,
    pub name: &'a [u8],
    numbers: &'a [u8],
}

impl<'a> Postings<'a> {
    /// The record numbers, in load order.
    pub fn numbers(&self) -> impl Iterator<Item = u32> + 'a {
        self.numbers.chunks_exact(4).map(|c| read_u32(c, 0))
    }
}

/// Reads the postings entry at `at` of `section`; returns it and where the
/// next one starts.
pub fn decode_postings(section: &[u8], at: usize) -> Result<(Postings<'_>, usize), String> {
    let cut = || format!("postings entry at {at} is cut short");
    let take = |from: usize, len: usize| {
        let end = from.checked_add(len).ok_or_else(cut)?;
        section.get(from..end).ok_or_else(cut)
    };
    let ecosystem = *take(at, 1)?.first().ok_or_else(cut)?;
    let name_len = read_u32(take(at + 1, 4)?, 0) as usize;
    let name = take(at + 5, name_len)?;
    let count_at = at + 5 + name_len;
    let count = read_u32(take(count_at, 4)?, 0) as usize;
    let numbers = take(count_at + 4, count.checked_mul(4).ok_or_else(cut)?)?;
    Ok((
        Postings {
            ecosystem,
            name,
            numbers,
        },
        count_at + 4 + count * 4,
    ))
}

/// Appends a record table entry.
pub fn encode_record(frame_offset: u64, id_offset: u32, id_len: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&frame_offset.to_le_bytes());
    out.extend_from_slice(&id_offset.to_le_bytes());
    out.extend_from_slice(&id_len.to_le_bytes());
}

/// A record table entry: (frame offset, id offset, id length).
pub fn decode_record(table: &[u8], number: u32) -> Option<(u64, usize, usize)> {
    let at = number as usize * RECORD_ENTRY;
    let entry = table.get(at..at + RECORD_ENTRY)?;
    Some((
        read_u64(entry, 0),
        read_u32(entry, 8) as usize,
        read_u32(entry, 12) as usize,
    ))
}

pub fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

pub fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}
