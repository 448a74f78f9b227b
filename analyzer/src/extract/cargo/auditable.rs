//! cargo-auditable data: the dependency tree that `cargo auditable build` embeds,
//! zlib-compressed JSON, in the `.dep-v0` section of an ELF binary.

use super::elf;
use crate::ecosystem::Ecosystem;
use crate::extract::ExtractError;
use crate::package::{EvidenceKind, Found};
use serde::Deserialize;
use std::io::Read;

/// Name of the ELF section cargo-auditable writes.
pub const SECTION: &str = ".dep-v0";

/// Most bytes the compressed dependency list may inflate to (real ones are a few KiB).
pub const MAX_INFLATED_BYTES: u64 = 8 << 20;

#[derive(Deserialize)]
struct VersionInfo {
    packages: Vec<AuditablePackage>,
}

#[derive(Deserialize)]
struct AuditablePackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    root: bool,
}

/// What was found in a binary.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not an ELF file at all.
    NotElf,
    /// An ELF file without a `.dep-v0` section.
    NoData,
    /// The packages recorded in the section.
    Packages(Vec<Found>),
}

/// Reads the cargo-auditable packages of the binary at `path`.
pub fn read(path: &str, bytes: &[u8]) -> Result<Outcome, ExtractError> {
    if !elf::is_elf(bytes) {
        return Ok(Outcome::NotElf);
    }
    let section = elf::section(bytes, SECTION)
        .map_err(|e| ExtractError::new(format!("cannot read ELF sections: {e}")))?;
    let Some(compressed) = section else {
        return Ok(Outcome::NoData);
    };
    let json = inflate(compressed)?;
    parse(path, &json).map(Outcome::Packages)
}

/// Inflates the zlib stream, refusing to produce more than [`MAX_INFLATED_BYTES`].
fn inflate(compressed: &[u8]) -> Result<Vec<u8>, ExtractError> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| ExtractError::new(format!("{SECTION} is not valid zlib data: {e}")))?;
    if out.len() as u64 > MAX_INFLATED_BYTES {
        return Err(ExtractError::new(format!(
            "{SECTION} inflates past {MAX_INFLATED_BYTES} bytes; not read"
        )));
    }
    Ok(out)
}

/// Turns the inflated JSON into packages: `root: true` is the function's crate,
/// `kind: "build"` marks build-time dependencies.
pub fn parse(path: &str, json: &[u8]) -> Result<Vec<Found>, ExtractError> {
    let info: VersionInfo = serde_json::from_slice(json)?;
    Ok(info
        .packages
        .into_iter()
        .map(|p| {
            let mut found = Found::new(
                Ecosystem::CratesIo,
                p.name,
                p.version,
                path,
                EvidenceKind::Binary,
            )
            .installed_at(path);
            if p.root {
                found = found.root();
            }
            if let Some(kind) = p.kind.filter(|k| k != "runtime") {
                found = found.scope(kind);
            }
            match p.source.as_deref() {
                Some("local") if !p.root => found.note("local path crate, not from crates.io"),
                Some("git") => found.note("git dependency, not from crates.io"),
                _ => found,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::Role;
    use flate2::write::ZlibEncoder;
    use std::io::Write;

    const JSON: &str = r#"{"packages":[
        {"name":"order-events","version":"0.4.0","source":"local","dependencies":[1,2],"root":true},
        {"name":"autocfg","version":"1.5.1","source":"crates.io","kind":"build"},
        {"name":"regex","version":"1.5.4","source":"crates.io","kind":"runtime","dependencies":[]},
        {"name":"helper","version":"0.1.0","source":"local"}
    ]}"#;

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut enc = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn reads_dep_v0_from_a_hand_built_elf() {
        let elf = elf::tests::build(
            true,
            false,
            &[(".text", b"\x90\x90"), (SECTION, &zlib(JSON.as_bytes()))],
        );
        let Outcome::Packages(found) = read("bootstrap", &elf).unwrap() else {
            panic!("no packages");
        };
        let summary: Vec<_> = found
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.version.as_str(),
                    f.role,
                    f.scope.as_deref(),
                    f.evidence,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "order-events",
                    "0.4.0",
                    Role::Root,
                    None,
                    EvidenceKind::Binary
                ),
                (
                    "autocfg",
                    "1.5.1",
                    Role::Dependency,
                    Some("build"),
                    EvidenceKind::Binary
                ),
                (
                    "regex",
                    "1.5.4",
                    Role::Dependency,
                    None,
                    EvidenceKind::Binary
                ),
                (
                    "helper",
                    "0.1.0",
                    Role::Dependency,
                    None,
                    EvidenceKind::Binary
                ),
            ]
        );
        assert_eq!(found[0].note, None);
        assert_eq!(
            found[3].note.as_deref(),
            Some("local path crate, not from crates.io")
        );
        assert_eq!(found[2].install_path.as_deref(), Some("bootstrap"));
    }

    #[test]
    fn big_endian_elf32_works_too() {
        let elf = elf::tests::build(false, true, &[(SECTION, &zlib(JSON.as_bytes()))]);
        assert!(matches!(read("x", &elf), Ok(Outcome::Packages(p)) if p.len() == 4));
    }

    #[test]
    fn missing_section_and_non_elf() {
        let elf = elf::tests::build(true, false, &[(".text", b"\x90")]);
        assert_eq!(read("bootstrap", &elf), Ok(Outcome::NoData));
        assert_eq!(read("bootstrap", b"#!/bin/sh\n"), Ok(Outcome::NotElf));
    }

    #[test]
    fn corrupt_payloads_are_errors() {
        let elf = elf::tests::build(true, false, &[(SECTION, b"not zlib")]);
        assert!(read("b", &elf).is_err());
        let elf = elf::tests::build(true, false, &[(SECTION, &zlib(b"{\"packages\":"))]);
        assert!(read("b", &elf).is_err());
        let mut truncated = elf::tests::build(true, false, &[(SECTION, &zlib(JSON.as_bytes()))]);
        truncated.truncate(truncated.len() - 10);
        assert!(read("b", &truncated).is_err());
    }

    #[test]
    fn inflation_is_capped() {
        let bomb = zlib(&vec![b' '; (MAX_INFLATED_BYTES + 10) as usize]);
        let err = inflate(&bomb).unwrap_err();
        assert!(err.0.contains("inflates past"), "{err}");
    }
}
