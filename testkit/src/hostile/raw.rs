//! [`RawZip`]: a zip written record by record, so that a test can make the
//! central directory say what the data does not (lying sizes, shared or
//! overlapping local headers, repeated names, names that are not UTF-8,
//! huge entry counts).

use std::io::Write;

/// Zip compression method numbers.
pub const STORED: u16 = 0;
pub const DEFLATED: u16 = 8;

/// What a central directory record says about an entry.
#[derive(Clone, Debug)]
pub struct Record {
    pub name: Vec<u8>,
    pub method: u16,
    pub crc: u32,
    pub compressed: u32,
    /// The inflated size it declares.
    pub size: u32,
    /// Where its local header is.
    pub offset: u32,
}

/// A zip being written: local records first, then the central directory.
#[derive(Default)]
pub struct RawZip {
    bytes: Vec<u8>,
    records: Vec<Record>,
}

/// Deflates `bytes` (raw deflate, as zip stores it).
pub fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).expect("deflate in memory");
    e.finish().expect("deflate in memory")
}

/// CRC-32 of `bytes`, as zip records it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut h = flate2::Crc::new();
    h.update(bytes);
    h.sum()
}

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u64le(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

impl RawZip {
    pub fn new() -> RawZip {
        RawZip::default()
    }

    /// The bytes written so far (the offset of the next local record).
    pub fn offset(&self) -> u32 {
        self.bytes.len() as u32
    }

    /// Writes a local header and its data (already compressed with `method`);
    /// the record that describes it honestly.
    pub fn local(&mut self, name: &[u8], method: u16, data: &[u8], plain: &[u8]) -> Record {
        let record = Record {
            name: name.to_vec(),
            method,
            crc: crc32(plain),
            compressed: data.len() as u32,
            size: plain.len() as u32,
            offset: self.offset(),
        };
        let b = &mut self.bytes;
        u32le(b, 0x0403_4b50);
        u16le(b, 20);
        u16le(b, 0x0800); // UTF-8 names
        u16le(b, method);
        u16le(b, 0);
        u16le(b, 0);
        u32le(b, record.crc);
        u32le(b, record.compressed);
        u32le(b, record.size);
        u16le(b, name.len() as u16);
        u16le(b, 0);
        b.extend_from_slice(name);
        b.extend_from_slice(data);
        record
    }

    /// Adds `record` to the central directory.
    pub fn central(&mut self, record: Record) {
        self.records.push(record);
    }

    /// A stored file, honestly described.
    pub fn stored(&mut self, name: &str, plain: &[u8]) {
        let r = self.local(name.as_bytes(), STORED, plain, plain);
        self.central(r);
    }

    /// A deflated file, honestly described.
    pub fn deflated(&mut self, name: &str, plain: &[u8]) {
        let r = self.local(name.as_bytes(), DEFLATED, &deflate(plain), plain);
        self.central(r);
    }

    /// Writes raw bytes (data no record describes, or a local record built by hand).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// The local records written so far, without a central directory.
    pub fn finish_local(self) -> Vec<u8> {
        self.bytes
    }

    /// The zip, its end of central directory counting every record.
    pub fn finish(self) -> Vec<u8> {
        let n = self.records.len() as u64;
        self.finish_declaring(n)
    }

    /// The zip, its end of central directory declaring `count` entries
    /// (a zip64 end record when it does not fit 16 bits).
    pub fn finish_declaring(mut self, count: u64) -> Vec<u8> {
        let cd_start = self.bytes.len() as u64;
        let mut cd = Vec::with_capacity(self.records.len() * 64);
        for r in &self.records {
            u32le(&mut cd, 0x0201_4b50);
            u16le(&mut cd, 0x031e); // made by Unix, spec 3.0
            u16le(&mut cd, 20);
            u16le(&mut cd, 0x0800);
            u16le(&mut cd, r.method);
            u16le(&mut cd, 0);
            u16le(&mut cd, 0);
            u32le(&mut cd, r.crc);
            u32le(&mut cd, r.compressed);
            u32le(&mut cd, r.size);
            u16le(&mut cd, r.name.len() as u16);
            u16le(&mut cd, 0);
            u16le(&mut cd, 0);
            u16le(&mut cd, 0);
            u16le(&mut cd, 0);
            u32le(&mut cd, 0o100644 << 16);
            u32le(&mut cd, r.offset);
            cd.extend_from_slice(&r.name);
        }
        let cd_size = cd.len() as u64;
        self.bytes.extend_from_slice(&cd);
        let b = &mut self.bytes;
        let zip64 = count > 0xfffe;
        if zip64 {
            let record_at = b.len() as u64;
            u32le(b, 0x0606_4b50);
            u64le(b, 44);
            u16le(b, 45);
            u16le(b, 45);
            u32le(b, 0);
            u32le(b, 0);
            u64le(b, count);
            u64le(b, count);
            u64le(b, cd_size);
            u64le(b, cd_start);
            u32le(b, 0x0706_4b50);
            u32le(b, 0);
            u64le(b, record_at);
            u32le(b, 1);
        }
        let short = if zip64 { 0xffff } else { count as u16 };
        u32le(b, 0x0605_4b50);
        u16le(b, 0);
        u16le(b, 0);
        u16le(b, short);
        u16le(b, short);
        u32le(b, cd_size as u32);
        u32le(b, cd_start as u32);
        u16le(b, 0);
        self.bytes
    }
}
