//! Finding one named section's bytes in an ELF executable (ELF32 and ELF64,
//! little and big endian), on top of the `object` crate.
//!
//! `object` rather than `goblin`: its read API is lazy and zero-copy (sections
//! are borrowed from the input, nothing is allocated per header), every offset
//! is bounds-checked so a truncated or hostile file gives an error, never a
//! panic, and one format-independent API (`Object::section_by_name`) covers
//! Mach-O and PE too (a feature flag away), which reading Go build info and
//! local developer builds will need. It is maintained by the gimli-rs project
//! and used by the Rust toolchain itself (std's backtraces, `rustc`).

use object::{Object, ObjectSection};

/// The four magic bytes every ELF file starts with.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

/// True when `bytes` starts with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Why a section could not be located.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    #[error("not an ELF file")]
    NotElf,
    #[error("unsupported ELF class or byte order")]
    Unsupported,
    #[error("truncated or malformed ELF: {0}")]
    Malformed(String),
}

/// Returns the file bytes of the section called `wanted`, `Ok(None)` when the
/// file has no such section (or it occupies no file space, like `.bss`).
pub fn section<'a>(bytes: &'a [u8], wanted: &str) -> Result<Option<&'a [u8]>, ElfError> {
    if !is_elf(bytes) {
        return Err(ElfError::NotElf);
    }
    // EI_CLASS (1 = 32-bit, 2 = 64-bit) and EI_DATA (1 = little, 2 = big endian).
    match bytes.get(4..6) {
        Some([1 | 2, 1 | 2]) => {}
        Some(_) => return Err(ElfError::Unsupported),
        None => return Err(ElfError::Malformed("header".into())),
    }
    let malformed = |e: object::Error| ElfError::Malformed(e.to_string());
    let file = object::File::parse(bytes).map_err(malformed)?;
    let Some(section) = file.section_by_name(wanted) else {
        return Ok(None);
    };
    if section.file_range().is_none() {
        return Ok(None);
    }
    section.data().map(Some).map_err(malformed)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a minimal ELF with a `.shstrtab` and the given named sections.
    pub(crate) fn build(wide: bool, big_endian: bool, sections: &[(&str, &[u8])]) -> Vec<u8> {
        let put16 = |v: &mut Vec<u8>, x: u16| {
            v.extend(if big_endian {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            })
        };
        let put32 = |v: &mut Vec<u8>, x: u32| {
            v.extend(if big_endian {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            })
        };
        let put64 = |v: &mut Vec<u8>, x: u64| {
            v.extend(if big_endian {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            })
        };
        let putw = |v: &mut Vec<u8>, x: u64| {
            if wide {
                put64(v, x)
            } else {
                put32(v, x as u32)
            }
        };
        let ehsize: u16 = if wide { 64 } else { 52 };
        let shentsize: u16 = if wide { 64 } else { 40 };
        // Section name table: "\0" + names + ".shstrtab".
        let mut strtab = vec![0u8];
        let mut name_offsets = Vec::new();
        for (name, _) in sections {
            name_offsets.push(strtab.len() as u32);
            strtab.extend(name.as_bytes());
            strtab.push(0);
        }
        let shstrtab_name = strtab.len() as u32;
        strtab.extend(b".shstrtab\0");
        // Data follows the header; section headers come last.
        let mut data = Vec::new();
        let mut placed = Vec::new();
        for (_, bytes) in sections {
            placed.push((u64::from(ehsize) + data.len() as u64, bytes.len() as u64));
            data.extend(*bytes);
        }
        let strtab_at = u64::from(ehsize) + data.len() as u64;
        data.extend(&strtab);
        let shoff = u64::from(ehsize) + data.len() as u64;
        let shnum = sections.len() as u16 + 2;

        let mut out = Vec::new();
        out.extend(MAGIC);
        out.push(if wide { 2 } else { 1 });
        out.push(if big_endian { 2 } else { 1 });
        out.push(1);
        out.extend([0u8; 9]);
        put16(&mut out, 2); // e_type EXEC
        put16(&mut out, 62); // e_machine
        put32(&mut out, 1); // e_version
        putw(&mut out, 0); // e_entry
        putw(&mut out, 0); // e_phoff
        putw(&mut out, shoff); // e_shoff
        put32(&mut out, 0); // e_flags
        put16(&mut out, ehsize);
        put16(&mut out, 0); // e_phentsize
        put16(&mut out, 0); // e_phnum
        put16(&mut out, shentsize);
        put16(&mut out, shnum);
        put16(&mut out, shnum - 1); // e_shstrndx: last
        assert_eq!(out.len(), usize::from(ehsize));
        out.extend(&data);
        let header = |out: &mut Vec<u8>, name: u32, kind: u32, offset: u64, size: u64| {
            put32(out, name);
            put32(out, kind);
            putw(out, 0); // flags
            putw(out, 0); // addr
            putw(out, offset);
            putw(out, size);
            put32(out, 0); // link
            put32(out, 0); // info
            putw(out, 1); // addralign
            putw(out, 0); // entsize
        };
        header(&mut out, 0, 0, 0, 0);
        for (i, (offset, size)) in placed.iter().enumerate() {
            header(&mut out, name_offsets[i], 1, *offset, *size);
        }
        header(&mut out, shstrtab_name, 3, strtab_at, strtab.len() as u64);
        out
    }

    #[test]
    fn finds_sections_in_every_class_and_byte_order() {
        for wide in [false, true] {
            for big_endian in [false, true] {
                let elf = build(
                    wide,
                    big_endian,
                    &[(".text", b"code"), (".dep-v0", b"payload")],
                );
                assert_eq!(
                    section(&elf, ".dep-v0"),
                    Ok(Some(&b"payload"[..])),
                    "wide={wide} be={big_endian}"
                );
                assert_eq!(section(&elf, ".text"), Ok(Some(&b"code"[..])));
                assert_eq!(section(&elf, ".missing"), Ok(None));
            }
        }
    }

    #[test]
    fn truncation_anywhere_is_an_error_not_a_panic() {
        let elf = build(true, false, &[(".dep-v0", b"payload")]);
        for len in 0..elf.len() {
            let result = section(&elf[..len], ".dep-v0");
            assert!(result.is_err(), "prefix of {len} bytes gave {result:?}");
        }
    }

    #[test]
    fn hostile_offsets_are_rejected() {
        let mut elf = build(true, false, &[(".dep-v0", b"payload")]);
        // Point e_shoff far past the end.
        elf[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            section(&elf, ".dep-v0"),
            Err(ElfError::Malformed(_))
        ));
        assert_eq!(section(b"MZ\x90\0", ".dep-v0"), Err(ElfError::NotElf));
        let mut odd = build(false, false, &[]);
        odd[4] = 9;
        assert_eq!(section(&odd, ".x"), Err(ElfError::Unsupported));
    }
}
