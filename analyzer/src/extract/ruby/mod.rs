//! Ruby (RubyGems): Bundler lockfiles and installed gem specifications, the
//! two places a Lambda Ruby function or layer records its gems
//! (`vendor/bundle/ruby/<abi>/` in the function, `ruby/gems/<abi>/` in a
//! layer; the ABI folder is read from the path, never assumed).

pub mod gemspec;
pub mod lockfile;

use crate::archive::{ArchiveTree, FileEntry};
use crate::extract::{utf8, ExtractError, Extracted, Extractor};
use crate::package::EvidenceKind;
use std::collections::BTreeSet;

/// Note on a lockfile gem that no installed specification in the artifact backs.
pub const LOCK_ONLY: &str = "lockfile only; not installed in this artifact";

/// Reads `Gemfile.lock` / `gems.locked` and installed `.gemspec` files.
pub struct RubyExtractor;

/// A Bundler lockfile of the function, not one shipped inside an installed
/// gem's own source tree (`.../gems/<gem>/Gemfile.lock`).
fn is_lockfile(file: &FileEntry) -> bool {
    matches!(file.file_name(), "Gemfile.lock" | "gems.locked")
        && !file.path.starts_with("gems/")
        && !file.path.contains("/gems/")
}

impl Extractor for RubyExtractor {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn wants(&self, file: &FileEntry) -> bool {
        is_lockfile(file) || gemspec::is_installed_gemspec(&file.path)
    }

    fn extract(
        &self,
        file: &FileEntry,
        bytes: &[u8],
        _tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError> {
        let text = utf8(bytes)?;
        if is_lockfile(file) {
            return Ok(lockfile::parse(&file.path, text));
        }
        Ok(Extracted::packages(vec![gemspec::parse(&file.path, text)?]))
    }

    /// Notes lockfile gems with no installed copy when the artifact has
    /// installed gems at all (a lockfile alone may describe gems a layer holds).
    fn reconcile(&self, mut extracted: Extracted, _tree: &ArchiveTree) -> Extracted {
        let installed: BTreeSet<(String, String)> = extracted
            .packages
            .iter()
            .filter(|f| f.evidence == EvidenceKind::Installed)
            .map(|f| (f.name.clone(), f.version.clone()))
            .collect();
        if installed.is_empty() {
            return extracted;
        }
        for f in &mut extracted.packages {
            let key = (f.name.clone(), f.version.clone());
            if f.evidence == EvidenceKind::Lockfile && !installed.contains(&key) && f.note.is_none()
            {
                f.note = Some(LOCK_ONLY.to_string());
            }
        }
        extracted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::{rows, tree};

    fn spec(name: &str, version: &str) -> Vec<u8> {
        format!("Gem::Specification.new do |s|\n  s.name = \"{name}\".freeze\n  s.version = \"{version}\"\nend\n")
            .into_bytes()
    }

    #[test]
    fn lockfile_and_installed_gems() {
        let rack = spec("rack", "2.2.22");
        let inner = spec("ignored", "1.0");
        let t = tree(&[
            (
                "Gemfile.lock",
                b"GEM\n  specs:\n    rack (2.2.22)\n    puma (6.0.0)\n",
            ),
            (
                "vendor/bundle/ruby/3.3.0/specifications/rack-2.2.22.gemspec",
                &rack,
            ),
            (
                "vendor/bundle/ruby/3.3.0/gems/rack-2.2.22/Gemfile.lock",
                b"GEM\n  specs:\n    rspec (3.0.0)\n",
            ),
            (
                "vendor/bundle/ruby/3.3.0/gems/rack-2.2.22/rack.gemspec",
                &inner,
            ),
        ]);
        let scan = crate::extract::scan_tree(&t, &[Box::new(RubyExtractor)]);
        assert_eq!(
            rows!(scan.packages; name, version, evidence, note),
            vec![
                ("puma", "6.0.0", EvidenceKind::Lockfile, Some(LOCK_ONLY)),
                ("rack", "2.2.22", EvidenceKind::Lockfile, None),
                ("rack", "2.2.22", EvidenceKind::Installed, None),
            ]
        );
        assert_eq!(scan.read[0].files.len(), 2);
    }
}
