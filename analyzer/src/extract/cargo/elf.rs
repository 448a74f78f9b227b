//! A minimal, bounds-checked ELF section-header reader: just enough to find one
//! named section's bytes. ELF32 and ELF64, little and big endian. Every read is
//! checked against the buffer, so truncated or hostile files give an error, never
//! a panic.

/// The four magic bytes every ELF file starts with.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

/// Section type of sections that occupy no file space (`.bss`).
const SHT_NOBITS: u32 = 8;
/// `e_shstrndx` value meaning "the real index is in section 0's `sh_link`".
const SHN_XINDEX: u32 = 0xffff;

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
    Malformed(&'static str),
}

#[derive(Clone, Copy)]
struct Reader<'a> {
    bytes: &'a [u8],
    big_endian: bool,
    wide: bool,
}

impl<'a> Reader<'a> {
    fn slice(&self, offset: u64, len: u64, what: &'static str) -> Result<&'a [u8], ElfError> {
        let start = usize::try_from(offset).map_err(|_| ElfError::Malformed(what))?;
        let len = usize::try_from(len).map_err(|_| ElfError::Malformed(what))?;
        let end = start.checked_add(len).ok_or(ElfError::Malformed(what))?;
        self.bytes.get(start..end).ok_or(ElfError::Malformed(what))
    }

    fn array<const N: usize>(&self, offset: u64, what: &'static str) -> Result<[u8; N], ElfError> {
        self.slice(offset, N as u64, what)?
            .try_into()
            .map_err(|_| ElfError::Malformed(what))
    }

    fn u16(&self, offset: u64, what: &'static str) -> Result<u16, ElfError> {
        let b = self.array(offset, what)?;
        Ok(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32(&self, offset: u64, what: &'static str) -> Result<u32, ElfError> {
        let b = self.array(offset, what)?;
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn u64(&self, offset: u64, what: &'static str) -> Result<u64, ElfError> {
        let b = self.array(offset, what)?;
        Ok(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }

    /// A word-sized field: 4 bytes in ELF32, 8 in ELF64.
    fn word(&self, offset: u64, what: &'static str) -> Result<u64, ElfError> {
        if self.wide {
            self.u64(offset, what)
        } else {
            self.u32(offset, what).map(u64::from)
        }
    }
}

/// One section header, reduced to what lookup needs.
struct Section {
    name: u32,
    kind: u32,
    link: u32,
    offset: u64,
    size: u64,
}

struct Headers<'a> {
    r: Reader<'a>,
    shoff: u64,
    entsize: u64,
}

impl Headers<'_> {
    fn section(&self, index: u64) -> Result<Section, ElfError> {
        let what = "section header out of bounds";
        let base = index
            .checked_mul(self.entsize)
            .and_then(|o| o.checked_add(self.shoff))
            .ok_or(ElfError::Malformed(what))?;
        // Layout: name, type, flags, addr, offset, size, link (flags/addr are words).
        let (off_at, size_at, link_at) = if self.r.wide {
            (0x18, 0x20, 0x28)
        } else {
            (0x10, 0x14, 0x18)
        };
        Ok(Section {
            name: self.r.u32(base, what)?,
            kind: self.r.u32(base + 4, what)?,
            offset: self.r.word(base + off_at, what)?,
            size: self.r.word(base + size_at, what)?,
            link: self.r.u32(base + link_at, what)?,
        })
    }
}

/// Returns the file bytes of the section called `wanted`, `Ok(None)` when the
/// file has no such section (or it occupies no file space).
pub fn section<'a>(bytes: &'a [u8], wanted: &str) -> Result<Option<&'a [u8]>, ElfError> {
    if !is_elf(bytes) {
        return Err(ElfError::NotElf);
    }
    let ident = bytes.get(..16).ok_or(ElfError::Malformed("header"))?;
    let wide = match ident[4] {
        1 => false,
        2 => true,
        _ => return Err(ElfError::Unsupported),
    };
    let big_endian = match ident[5] {
        1 => false,
        2 => true,
        _ => return Err(ElfError::Unsupported),
    };
    let r = Reader {
        bytes,
        big_endian,
        wide,
    };
    let what = "ELF header";
    let (shoff, entsize, shnum, shstrndx) = if wide {
        (
            r.u64(0x28, what)?,
            r.u16(0x3a, what)?,
            r.u16(0x3c, what)?,
            r.u16(0x3e, what)?,
        )
    } else {
        (
            u64::from(r.u32(0x20, what)?),
            r.u16(0x2e, what)?,
            r.u16(0x30, what)?,
            r.u16(0x32, what)?,
        )
    };
    if shoff == 0 {
        return Ok(None);
    }
    let min_entsize = if wide { 0x40 } else { 0x28 };
    if entsize < min_entsize {
        return Err(ElfError::Malformed("section header size too small"));
    }
    let headers = Headers {
        r,
        shoff,
        entsize: u64::from(entsize),
    };
    // Extended numbering: counts that do not fit in 16 bits live in section 0.
    let first = headers.section(0)?;
    let count = if shnum == 0 {
        first.size
    } else {
        u64::from(shnum)
    };
    let strndx = if u32::from(shstrndx) == SHN_XINDEX {
        u64::from(first.link)
    } else {
        u64::from(shstrndx)
    };
    let table_len = count
        .checked_mul(headers.entsize)
        .ok_or(ElfError::Malformed("section count"))?;
    r.slice(shoff, table_len, "section header table out of bounds")?;
    if strndx >= count {
        return Err(ElfError::Malformed("section name table index"));
    }
    let strtab = headers.section(strndx)?;
    let names = r.slice(
        strtab.offset,
        strtab.size,
        "section name table out of bounds",
    )?;
    for index in 0..count {
        let s = headers.section(index)?;
        let name = usize::try_from(s.name)
            .ok()
            .and_then(|start| names.get(start..))
            .and_then(|rest| rest.split(|&b| b == 0).next());
        if name != Some(wanted.as_bytes()) {
            continue;
        }
        if s.kind == SHT_NOBITS {
            return Ok(None);
        }
        return r
            .slice(s.offset, s.size, "section data out of bounds")
            .map(Some);
    }
    Ok(None)
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
