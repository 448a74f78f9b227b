//! What a built `bootstrap` asks of the machine it runs on: its architecture
//! and the newest glibc symbol version it links, checked against Lambda's
//! `provided.al2023` runtime (glibc 2.34). A binary linked on a newer distro
//! can need `GLIBC_2.35`+ symbols and would fail at the first cold start.

use crate::arch::Arch;
use anyhow::{bail, Context};
use object::read::elf::ElfFile64;
use object::Endianness;

/// The glibc of Lambda's `provided.al2023` runtime.
pub const RUNTIME_GLIBC: GlibcVersion = GlibcVersion(2, 34);

/// A `GLIBC_major.minor` symbol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlibcVersion(pub u32, pub u32);

impl std::fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// What the checks need to know about a binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryFacts {
    /// ELF `e_machine`.
    pub machine: object::elf::Machine,
    /// The newest `GLIBC_x.y` version it needs; `None` when static or not glibc.
    pub newest_glibc: Option<GlibcVersion>,
}

/// Reads the facts from a 64-bit ELF binary.
pub fn inspect(bytes: &[u8]) -> anyhow::Result<BinaryFacts> {
    let elf = ElfFile64::<Endianness>::parse(bytes).context("not a 64-bit ELF binary")?;
    let endian = elf.endian();
    let machine = elf.elf_header().e_machine.get(endian);
    let sections = elf.elf_section_table();
    let mut newest_glibc = None;
    if let Some((mut needs, link)) = sections.gnu_verneed(endian, bytes)? {
        let strings = sections.strings(endian, bytes, link)?;
        while let Some((_, mut aux)) = needs.next()? {
            while let Some(entry) = aux.next()? {
                let name = entry.name(endian, strings)?;
                if let Some(v) = parse_glibc(name) {
                    newest_glibc = newest_glibc.max(Some(v));
                }
            }
        }
    }
    Ok(BinaryFacts {
        machine,
        newest_glibc,
    })
}

/// Fails unless the binary is for `arch` and needs no glibc newer than the runtime's.
pub fn check(facts: &BinaryFacts, arch: Arch) -> anyhow::Result<()> {
    if facts.machine != arch.elf_machine() {
        bail!(
            "the binary is for ELF machine {:?}, not {arch} ({:?})",
            facts.machine,
            arch.elf_machine()
        );
    }
    if let Some(v) = facts.newest_glibc.filter(|v| *v > RUNTIME_GLIBC) {
        bail!(
            "the binary needs glibc {v}, newer than provided.al2023's {RUNTIME_GLIBC}: \
             build on an older distro (e.g. Amazon Linux 2023) or link against an older glibc"
        );
    }
    Ok(())
}

/// `GLIBC_2.34` → 2.34; other version names → `None`.
fn parse_glibc(name: &[u8]) -> Option<GlibcVersion> {
    let rest = std::str::from_utf8(name).ok()?.strip_prefix("GLIBC_")?;
    let mut parts = rest.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some(GlibcVersion(major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_version_names_parse_and_order() {
        assert_eq!(parse_glibc(b"GLIBC_2.34"), Some(GlibcVersion(2, 34)));
        assert_eq!(parse_glibc(b"GLIBC_2.2.5"), Some(GlibcVersion(2, 2)));
        assert_eq!(parse_glibc(b"GLIBC_2"), Some(GlibcVersion(2, 0)));
        assert_eq!(parse_glibc(b"GCC_3.0"), None);
        assert!(GlibcVersion(2, 35) > RUNTIME_GLIBC && GlibcVersion(2, 9) < RUNTIME_GLIBC);
    }

    #[test]
    fn this_test_binary_is_read() {
        let bytes = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let facts = inspect(&bytes).unwrap();
        let host = Arch::host().expect("a Lambda architecture host");
        assert_eq!(facts.machine, host.elf_machine());
        assert!(
            facts.newest_glibc.is_some(),
            "a glibc test binary needs glibc"
        );
    }

    #[test]
    fn wrong_machine_and_new_glibc_are_refused() {
        let ok = BinaryFacts {
            machine: object::elf::EM_X86_64,
            newest_glibc: Some(GlibcVersion(2, 34)),
        };
        assert!(check(&ok, Arch::X86_64).is_ok());
        assert!(check(&ok, Arch::Arm64).is_err());
        let new = BinaryFacts {
            newest_glibc: Some(GlibcVersion(2, 36)),
            ..ok
        };
        let err = check(&new, Arch::X86_64).unwrap_err().to_string();
        assert!(err.contains("glibc 2.36"), "{err}");
        assert!(inspect(b"#!/bin/sh\n").is_err());
    }
}
