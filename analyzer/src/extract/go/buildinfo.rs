//! Go build information: the blob the Go linker writes into every executable
//! (`go version -m` and `debug/buildinfo` read it), starting with the 14-byte
//! magic `\xff Go buildinf:` on a 16-byte boundary, in the `.go.buildinfo`
//! section of an ELF file (or, for old or unusual linkers, in a data segment).
//!
//! The 32-byte header holds the pointer size (byte 14) and flags (byte 15).
//! Since Go 1.18 flag bit 2 is set and the header is followed by two strings,
//! each a uvarint length then the bytes: the Go version and the module info.
//! Before, the header holds two pointers (of the pointer size, in the byte
//! order flag bit 1 gives) to Go string headers (data pointer, length) of the
//! same two strings, which are read through the ELF program headers. The module
//! info is framed by two 16-byte sentinels, stripped here as Go does.

use crate::extract::cargo::{elf, GO_BUILD_INFO_SECTION};
use object::{Object, ObjectSection, ObjectSegment};
use std::borrow::Cow;

/// The build-info magic.
pub const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// The build-info header size.
const HEADER: usize = 32;
/// Blob alignment.
const ALIGN: usize = 16;
/// Longest version or module-info string read (real ones are a few KiB).
pub const MAX_STRING_BYTES: u64 = 4 << 20;

/// The two strings of a Go executable's build info.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBuildInfo {
    /// `go1.19.8`.
    pub go_version: String,
    /// The module info text (`path`, `mod`, `dep`, `=>`, `build` lines), empty
    /// for a binary built outside module mode.
    pub modinfo: String,
}

/// Why a file's build info could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildInfoError {
    #[error("truncated or malformed ELF: {0}")]
    Elf(String),
    #[error("Go build info is truncated or malformed: {0}")]
    Malformed(&'static str),
    #[error("Go build info string longer than {MAX_STRING_BYTES} bytes")]
    TooLong,
}

/// Reads the build info of an ELF executable; `Ok(None)` when it has none
/// (not a Go binary).
pub fn read(bytes: &[u8]) -> Result<Option<RawBuildInfo>, BuildInfoError> {
    if !elf::is_elf(bytes) {
        return Ok(None);
    }
    let file = object::File::parse(bytes).map_err(|e| BuildInfoError::Elf(e.to_string()))?;
    let Some(blob) = find_blob(&file)? else {
        return Ok(None);
    };
    let ptr_size = usize::from(blob[14]);
    let flags = blob[15];
    let (go_version, modinfo) = if flags & 2 != 0 {
        let (version, rest) = varint_string(&blob[HEADER..])?;
        let (modinfo, _) = varint_string(rest)?;
        (version.to_vec(), modinfo.to_vec())
    } else {
        let big_endian = flags & 1 != 0;
        if ptr_size != 4 && ptr_size != 8 {
            return Err(BuildInfoError::Malformed("pointer size is neither 4 nor 8"));
        }
        let reader = Pointers {
            file: &file,
            size: ptr_size,
            big_endian,
        };
        let version = reader.string(reader.word(&blob[16..])?)?;
        let modinfo = reader.string(reader.word(&blob[16 + ptr_size..])?)?;
        (version, modinfo)
    };
    if go_version.is_empty() {
        return Ok(None);
    }
    Ok(Some(RawBuildInfo {
        go_version: String::from_utf8_lossy(&go_version).into_owned(),
        modinfo: strip_sentinels(&modinfo),
    }))
}

/// The blob: in `.go.buildinfo`, else at the first aligned magic of a segment.
fn find_blob<'a>(file: &object::File<'a>) -> Result<Option<&'a [u8]>, BuildInfoError> {
    let elf_error = |e: object::Error| BuildInfoError::Elf(e.to_string());
    if let Some(section) = file.section_by_name(GO_BUILD_INFO_SECTION) {
        if section.file_range().is_some() {
            let data = section.data().map_err(elf_error)?;
            return Ok(aligned_magic(data, section.address()));
        }
    }
    for segment in file.segments() {
        let data = segment.data().map_err(elf_error)?;
        if let Some(blob) = aligned_magic(data, segment.address()) {
            return Ok(Some(blob));
        }
    }
    Ok(None)
}

/// The first header-sized slice starting with the magic at a 16-byte-aligned
/// address (`base` is the address of `data[0]`).
fn aligned_magic(data: &[u8], base: u64) -> Option<&[u8]> {
    let mut from = 0;
    while let Some(at) = find(&data[from..], MAGIC).map(|i| i + from) {
        // Wrapping: a hostile address near u64::MAX must not overflow.
        if base.wrapping_add(at as u64).is_multiple_of(ALIGN as u64) && data.len() - at >= HEADER {
            return Some(&data[at..]);
        }
        from = at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A uvarint-prefixed string and what follows it.
fn varint_string(data: &[u8]) -> Result<(&[u8], &[u8]), BuildInfoError> {
    let (len, used) = uvarint(data).ok_or(BuildInfoError::Malformed("bad string length"))?;
    if len > MAX_STRING_BYTES {
        return Err(BuildInfoError::TooLong);
    }
    let rest = &data[used..];
    let len = len as usize;
    if rest.len() < len {
        return Err(BuildInfoError::Malformed(
            "string runs past the end of the data",
        ));
    }
    Ok(rest.split_at(len))
}

/// Go's `binary.Uvarint`: the value and the bytes it took.
fn uvarint(data: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &byte) in data.iter().enumerate().take(10) {
        let low = u64::from(byte & 0x7f);
        if i == 9 && byte > 1 {
            return None;
        }
        value |= low << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Drops the 16-byte sentinels around the module info, as `debug/buildinfo`
/// does; text without them is not module info.
fn strip_sentinels(modinfo: &[u8]) -> String {
    if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        String::from_utf8_lossy(&modinfo[16..modinfo.len() - 16]).into_owned()
    } else {
        String::new()
    }
}

/// Reads pointers and Go strings at virtual addresses (pre-1.18 format).
struct Pointers<'a, 'f> {
    file: &'f object::File<'a>,
    size: usize,
    big_endian: bool,
}

impl Pointers<'_, '_> {
    fn word(&self, bytes: &[u8]) -> Result<u64, BuildInfoError> {
        let bytes = bytes
            .get(..self.size)
            .ok_or(BuildInfoError::Malformed("pointer runs past the end"))?;
        let mut value = 0u64;
        for i in 0..self.size {
            let byte = if self.big_endian {
                bytes[i]
            } else {
                bytes[self.size - 1 - i]
            };
            value = (value << 8) | u64::from(byte);
        }
        Ok(value)
    }

    /// `size` bytes at virtual address `addr`, from the segment that maps it.
    /// Memory a segment maps past the bytes the file holds (`.bss`) reads as
    /// zeros: a GOPATH build's empty module-info string lives there.
    fn at(&self, addr: u64, size: u64) -> Result<Cow<'_, [u8]>, BuildInfoError> {
        for segment in self.file.segments() {
            if let Ok(Some(data)) = segment.data_range(addr, size) {
                return Ok(Cow::Borrowed(data));
            }
            let file_end = segment.address().saturating_add(segment.file_range().1);
            let memory_end = segment.address().saturating_add(segment.size());
            if addr >= file_end && addr.checked_add(size).is_some_and(|end| end <= memory_end) {
                return Ok(Cow::Owned(vec![0; size as usize]));
            }
        }
        Err(BuildInfoError::Malformed(
            "pointer outside the file's segments",
        ))
    }

    /// The Go string whose header (data pointer, length) is at `addr`. An
    /// empty string's data pointer is nil (a GOPATH build's module info), so
    /// it is not followed.
    fn string(&self, addr: u64) -> Result<Vec<u8>, BuildInfoError> {
        let header = self.at(addr, 2 * self.size as u64)?;
        let data = self.word(&header)?;
        let len = self.word(&header[self.size..])?;
        if len > MAX_STRING_BYTES {
            return Err(BuildInfoError::TooLong);
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        Ok(self.at(data, len)?.to_vec())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The 16-byte sentinels Go puts around module info.
    pub(crate) const START: &[u8; 16] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
    pub(crate) const END: &[u8; 16] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";

    pub(crate) fn framed(modinfo: &str) -> Vec<u8> {
        let mut out = START.to_vec();
        out.extend(modinfo.as_bytes());
        out.extend(END);
        out
    }

    fn varint(mut n: usize, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    /// A Go 1.18+ `.go.buildinfo` section body.
    pub(crate) fn inline_blob(version: &str, modinfo: &[u8]) -> Vec<u8> {
        let mut blob = MAGIC.to_vec();
        blob.extend([8, 2]);
        blob.resize(HEADER, 0);
        varint(version.len(), &mut blob);
        blob.extend(version.as_bytes());
        varint(modinfo.len(), &mut blob);
        blob.extend(modinfo);
        blob
    }

    #[test]
    fn reads_the_inline_format() {
        let modinfo = framed("path\tx\nmod\tx\t(devel)\t\n");
        let elf = elf::tests::build(
            true,
            false,
            &[
                (".text", b"\x90"),
                (".go.buildinfo", &inline_blob("go1.21.3", &modinfo)),
            ],
        );
        // The test ELF gives every section address 0, which is 16-byte aligned.
        let info = read(&elf).unwrap().expect("build info");
        assert_eq!(info.go_version, "go1.21.3");
        assert_eq!(info.modinfo, "path\tx\nmod\tx\t(devel)\t\n");
    }

    #[test]
    fn not_go() {
        assert_eq!(read(b"#!/bin/sh\n"), Ok(None));
        let elf = elf::tests::build(true, false, &[(".text", b"\x90")]);
        assert_eq!(read(&elf), Ok(None));
    }

    #[test]
    fn truncated_inline_strings_are_errors() {
        let modinfo = framed("path\tx\n");
        let mut blob = inline_blob("go1.21.3", &modinfo);
        blob.truncate(blob.len() - 5);
        let elf = elf::tests::build(true, false, &[(".go.buildinfo", &blob)]);
        assert!(matches!(read(&elf), Err(BuildInfoError::Malformed(_))));
        let mut huge = MAGIC.to_vec();
        huge.extend([8, 2]);
        huge.resize(HEADER, 0);
        huge.extend([0xff, 0xff, 0xff, 0xff, 0x0f]);
        let elf = elf::tests::build(true, false, &[(".go.buildinfo", &huge)]);
        assert_eq!(read(&elf), Err(BuildInfoError::TooLong));
    }

    #[test]
    fn the_magic_counts_only_on_a_16_byte_boundary() {
        let mut data = vec![0u8; 3];
        data.extend(MAGIC);
        data.resize(3 + HEADER, 0);
        assert_eq!(aligned_magic(&data, 0), None);
        assert_eq!(aligned_magic(&data, 13).map(|b| &b[..14]), Some(&MAGIC[..]));
        // Too close to the end for a header.
        assert_eq!(aligned_magic(&data[..20], 13), None);
    }

    #[test]
    fn sentinels() {
        assert_eq!(strip_sentinels(&framed("path\tx\n")), "path\tx\n");
        assert_eq!(strip_sentinels(b"short"), "");
    }

    #[test]
    fn uvarints() {
        assert_eq!(uvarint(&[0x05]), Some((5, 1)));
        assert_eq!(uvarint(&[0x80, 0x01]), Some((128, 2)));
        assert_eq!(uvarint(&[0x80]), None);
        assert_eq!(uvarint(&[0xff; 11]), None);
    }
}
