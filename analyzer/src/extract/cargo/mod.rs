//! Rust (crates.io): `Cargo.lock` files and the cargo-auditable dependency list
//! compiled into ELF binaries such as a custom runtime's `bootstrap`.

pub mod auditable;
pub mod elf;
pub mod lock;

use crate::archive::{ArchiveTree, FileEntry};
use crate::ecosystem::Ecosystem;
use crate::extract::quota::FileQuota;
use crate::extract::{read_all, ExtractError, Extracted, Extractor};
use crate::package::EvidenceKind;
use auditable::Outcome;
use std::collections::BTreeSet;
use std::io::BufRead;

/// Binaries larger than this are not read for cargo-auditable data.
pub const MAX_BINARY_BYTES: u64 = 512 << 20;

/// The ELF section the Go linker writes build info into (read by `extract::go`).
pub(crate) const GO_BUILD_INFO_SECTION: &str = ".go.buildinfo";

/// Reason given for a `bootstrap` that is a script or other non-ELF file.
pub const BOOTSTRAP_NOT_ELF: &str =
    "custom runtime bootstrap is not an ELF binary with cargo-auditable data";
/// Reason given for an ELF binary without a `.dep-v0` section.
pub const NO_AUDITABLE_DATA: &str =
    "binary has no cargo-auditable data (built without cargo auditable, or stripped)";

/// Reads `Cargo.lock` files and cargo-auditable data in ELF executables.
pub struct CargoExtractor;

fn is_lockfile(file: &FileEntry) -> bool {
    file.file_name() == "Cargo.lock"
}

/// A custom runtime's entry point: `bootstrap` at the root of a function or
/// layer package (Lambda runs `/var/task/bootstrap` or `/opt/bootstrap`).
fn is_bootstrap(file: &FileEntry) -> bool {
    file.inner_path() == "bootstrap"
}

/// An executable that may be a compiled binary (Rust, Go): `bootstrap`, or
/// extension-less, executable and not an npm script.
pub(crate) fn may_be_binary(file: &FileEntry) -> bool {
    is_bootstrap(file)
        || (file.is_executable()
            && !file.file_name().contains('.')
            && file.size < MAX_BINARY_BYTES
            && !file.path.starts_with("node_modules/")
            && !file.path.contains("/node_modules/"))
}

/// A Go executable: nothing for this extractor to say about it.
fn is_go_binary(bytes: &[u8]) -> bool {
    elf::section(bytes, GO_BUILD_INFO_SECTION).is_ok_and(|s| s.is_some())
}

impl Extractor for CargoExtractor {
    fn name(&self) -> &'static str {
        "cargo"
    }

    fn wants(&self, file: &FileEntry) -> bool {
        is_lockfile(file) || may_be_binary(file)
    }

    fn extract(
        &self,
        file: &FileEntry,
        bytes: &[u8],
        _tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError> {
        if is_lockfile(file) {
            return Ok(Extracted::packages(lock::parse(&file.path, bytes)?));
        }
        let mut out = Extracted::default();
        match auditable::read(&file.path, bytes)? {
            Outcome::Packages(found) => out.packages = found,
            // A Go binary's packages come from its build info (extract::go).
            Outcome::NoData if is_go_binary(bytes) => {}
            Outcome::NoData => out.skip(&file.path, NO_AUDITABLE_DATA),
            Outcome::NotElf if is_bootstrap(file) => out.skip(&file.path, BOOTSTRAP_NOT_ELF),
            Outcome::NotElf => {}
        }
        Ok(out)
    }

    /// A `Cargo.lock` can be hundreds of MB: it is parsed as it is read.
    fn streams(&self, file: &FileEntry) -> bool {
        is_lockfile(file)
    }

    fn extract_stream(
        &self,
        file: &FileEntry,
        input: &mut dyn BufRead,
        tree: &ArchiveTree,
        quota: &FileQuota,
    ) -> Result<Extracted, ExtractError> {
        if is_lockfile(file) {
            let found = lock::parse_within(&file.path, input, quota)?;
            return Ok(Extracted::packages(found));
        }
        self.extract(file, &read_all(input)?, tree)
    }

    /// Marks lockfile entries that no binary of the artifact was built with
    /// (crates for other targets, such as winapi on Linux).
    fn reconcile(&self, mut extracted: Extracted, _tree: &ArchiveTree) -> Extracted {
        let compiled: BTreeSet<(&str, &str)> = extracted
            .packages
            .iter()
            .filter(|f| f.evidence == EvidenceKind::Binary)
            .map(|f| (f.name.as_str(), f.version.as_str()))
            .collect();
        if compiled.is_empty() {
            return extracted;
        }
        let lock_only: Vec<usize> = extracted
            .packages
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.ecosystem == Ecosystem::CratesIo
                    && f.evidence == EvidenceKind::Lockfile
                    && !compiled.contains(&(f.name.as_str(), f.version.as_str()))
            })
            .map(|(i, _)| i)
            .collect();
        for i in lock_only {
            let f = &mut extracted.packages[i];
            if f.note.is_none() {
                f.note = Some(
                    "Cargo.lock only: not in the cargo-auditable data of the binaries here \
                     (not compiled for this target)"
                        .into(),
                );
            }
        }
        extracted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::scan_tree;
    use crate::extract::testutil::{open, skips, zip_with_modes as zip};
    use crate::package::Role;
    use std::io::Write;

    fn dep_v0(json: &str) -> Vec<u8> {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(json.as_bytes()).unwrap();
        elf::tests::build(true, false, &[(auditable::SECTION, &enc.finish().unwrap())])
    }

    #[test]
    fn picks_binaries_and_notes_what_it_cannot_read() {
        let plain_elf = elf::tests::build(true, false, &[(".text", b"\x90")]);
        let artifact = zip(&[
            ("bootstrap", b"#!/bin/sh\nexec ./app\n", 0o755),
            ("app", &plain_elf, 0o755),
            ("tool.sh", &plain_elf, 0o755),
            ("data", &plain_elf, 0o644),
            ("node_modules/.bin/x", &plain_elf, 0o755),
            ("bin/script", b"#!/usr/bin/env python3\n", 0o755),
            ("vendor/bootstrap", b"not a runtime entry point", 0o644),
        ]);
        let tree = open("fn.zip", artifact);
        let scan = scan_tree(&tree, &[Box::new(CargoExtractor)]);
        assert_eq!(scan.read[0].files, vec!["app", "bin/script", "bootstrap"]);
        let skipped = skips(&scan.skipped);
        assert_eq!(
            skipped,
            vec![("app", NO_AUDITABLE_DATA), ("bootstrap", BOOTSTRAP_NOT_ELF)]
        );
        assert_eq!(scan.packages, vec![]);
        assert_eq!(scan.warnings, vec![]);
    }

    #[test]
    fn lock_entries_missing_from_the_binary_are_noted() {
        let json = r#"{"packages":[{"name":"fn","version":"1.0.0","source":"local","root":true},
            {"name":"regex","version":"1.5.4","source":"crates.io"}]}"#;
        let lock = "version = 3\n[[package]]\nname = \"fn\"\nversion = \"1.0.0\"\n\
            [[package]]\nname = \"regex\"\nversion = \"1.5.4\"\n\
            source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
            [[package]]\nname = \"winapi\"\nversion = \"0.3.9\"\n\
            source = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let artifact = zip(&[
            ("bootstrap", &dep_v0(json), 0o755),
            ("Cargo.lock", lock.as_bytes(), 0o644),
        ]);
        let tree = open("fn.zip", artifact);
        let scan = scan_tree(&tree, &[Box::new(CargoExtractor)]);
        let got: Vec<_> = scan
            .packages
            .iter()
            .map(|f| (f.name.as_str(), f.evidence, f.role, f.note.is_some()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("fn", EvidenceKind::Lockfile, Role::Root, false),
                ("fn", EvidenceKind::Binary, Role::Root, false),
                ("regex", EvidenceKind::Lockfile, Role::Dependency, false),
                ("regex", EvidenceKind::Binary, Role::Dependency, false),
                ("winapi", EvidenceKind::Lockfile, Role::Dependency, true),
            ]
        );
    }

    #[test]
    fn bad_lockfile_is_a_warning() {
        let artifact = zip(&[("Cargo.lock", b"[[package]\n", 0o644)]);
        let tree = open("fn.zip", artifact);
        let scan = scan_tree(&tree, &[Box::new(CargoExtractor)]);
        assert_eq!(scan.warnings.len(), 1);
        assert!(scan.warnings[0]
            .message
            .starts_with("cargo: invalid Cargo.lock: line 1: "));
    }
}
