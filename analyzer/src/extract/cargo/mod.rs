//! Rust (crates.io): `Cargo.lock` files and the cargo-auditable dependency list
//! compiled into ELF binaries such as a custom runtime's `bootstrap`.

pub mod auditable;
pub mod elf;
pub mod lock;

use crate::archive::{ArchiveTree, FileEntry};
use crate::ecosystem::Ecosystem;
use crate::extract::{utf8, ExtractError, Extracted, Extractor};
use crate::package::EvidenceKind;
use auditable::Outcome;
use std::collections::BTreeSet;

/// Binaries larger than this are not read for cargo-auditable data.
pub const MAX_BINARY_BYTES: u64 = 512 << 20;

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

fn is_bootstrap(file: &FileEntry) -> bool {
    file.file_name() == "bootstrap"
}

/// An executable that may be a Rust binary: extension-less, not an npm shim.
fn may_be_binary(file: &FileEntry) -> bool {
    is_bootstrap(file)
        || (file.is_executable()
            && !file.file_name().contains('.')
            && file.size < MAX_BINARY_BYTES
            && !file.path.starts_with("node_modules/")
            && !file.path.contains("/node_modules/"))
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
            return Ok(Extracted::packages(lock::parse(&file.path, utf8(bytes)?)?));
        }
        let mut out = Extracted::default();
        match auditable::read(&file.path, bytes)? {
            Outcome::Packages(found) => out.packages = found,
            Outcome::NoData => out.skip(&file.path, NO_AUDITABLE_DATA),
            Outcome::NotElf if is_bootstrap(file) => out.skip(&file.path, BOOTSTRAP_NOT_ELF),
            Outcome::NotElf => {}
        }
        Ok(out)
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
