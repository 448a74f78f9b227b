//! What each evidence source says about a bundle (names, version clues), and
//! how it adds up to packages: the strongest naming source present decides
//! which packages are in the bundle, the strongest version clue gives each
//! copy its version, and a copy without one is listed in coverage, never guessed.

use super::module_path::PackageCopy;
use crate::diagnostics::{Gap, Skipped};
use crate::ecosystem::Ecosystem;
use crate::extract::Extracted;
use crate::package::{
    BundleEvidence, BundleSource, BundleVersionSource, Confidence, EvidenceKind, Found,
};
use std::collections::BTreeMap;

/// A package some evidence names as part of the bundle.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Naming {
    pub name: String,
    /// The copy's folder (`node_modules/a/node_modules/b`), when the evidence is a path.
    pub module_path: Option<String>,
    pub by: BundleSource,
    /// The file that names it.
    pub file: String,
}

impl Naming {
    /// The copy a module path leads to, named by `by` in `file`.
    pub fn of_copy(copy: &PackageCopy, by: BundleSource, file: &str) -> Naming {
        Naming {
            name: copy.name.clone(),
            module_path: Some(copy.module_path.clone()),
            by,
            file: file.to_string(),
        }
    }
}

/// A version some evidence gives a package.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct VersionClue {
    pub name: String,
    /// The copy it belongs to, when known; else any single copy of `name`.
    pub module_path: Option<String>,
    pub version: String,
    pub from: BundleVersionSource,
    /// The file holding the clue.
    pub file: String,
}

/// Everything the sources of one bundle said.
#[derive(Clone, Debug, Default)]
pub(super) struct Evidence {
    pub names: Vec<Naming>,
    pub versions: Vec<VersionClue>,
    pub skipped: Vec<Skipped>,
    pub incomplete: Vec<Gap>,
}

impl Evidence {
    pub fn append(&mut self, other: Evidence) {
        self.names.extend(other.names);
        self.versions.extend(other.versions);
        self.skipped.extend(other.skipped);
        self.incomplete.extend(other.incomplete);
    }

    /// The store-path version of a copy, as a clue.
    pub fn store_version(&mut self, copy: &PackageCopy, file: &str) {
        if let Some(version) = &copy.store_version {
            self.versions.push(VersionClue {
                name: copy.name.clone(),
                module_path: Some(copy.module_path.clone()),
                version: version.clone(),
                from: BundleVersionSource::StorePath,
                file: file.to_string(),
            });
        }
    }
}

/// Naming sources that list every module of the bundle: when one is present,
/// it alone decides which packages are in it.
fn is_complete_record(by: BundleSource) -> bool {
    matches!(
        by,
        BundleSource::Metafile | BundleSource::WebpackStats | BundleSource::SourceMap
    )
}

fn name_confidence(by: BundleSource) -> Confidence {
    match by {
        BundleSource::LicenseComment => Confidence::Low,
        BundleSource::InlinedManifest => Confidence::Medium,
        _ => Confidence::High,
    }
}

fn version_confidence(from: BundleVersionSource) -> Confidence {
    match from {
        BundleVersionSource::LicenseComment => Confidence::Low,
        BundleVersionSource::VersionLiteral => Confidence::Medium,
        _ => Confidence::High,
    }
}

/// The copies the bundle holds, each with its strongest naming.
fn copies(names: Vec<Naming>) -> Vec<Naming> {
    let complete = names.iter().any(|n| is_complete_record(n.by));
    let mut by_copy: BTreeMap<(String, Option<String>), Naming> = BTreeMap::new();
    for n in names {
        if complete && !is_complete_record(n.by) {
            continue;
        }
        let key = (n.name.clone(), n.module_path.clone());
        match by_copy.get_mut(&key) {
            Some(kept) if (n.by, &n.file) < (kept.by, &kept.file) => *kept = n,
            Some(_) => {}
            None => {
                by_copy.insert(key, n);
            }
        }
    }
    // A name without a path is the same package as a copy with a path.
    let with_path: Vec<String> = by_copy
        .keys()
        .filter(|(_, path)| path.is_some())
        .map(|(name, _)| name.clone())
        .collect();
    by_copy
        .into_iter()
        .filter(|((name, path), _)| path.is_some() || !with_path.contains(name))
        .map(|(_, n)| n)
        .collect()
}

/// Does `clue` speak of `copy`? By path when both have one; else by name,
/// when the name has a single copy.
fn speaks_of(clue: &VersionClue, copy: &Naming, single: bool) -> bool {
    clue.name == copy.name
        && match (&clue.module_path, &copy.module_path) {
            (Some(a), Some(b)) => a == b,
            _ => single,
        }
}

/// Turns one bundle's evidence into packages (and coverage notes for the
/// names no evidence versions).
pub(super) fn assemble(bundle: &str, evidence: Evidence) -> Extracted {
    let mut out = Extracted {
        skipped: evidence.skipped,
        incomplete: evidence.incomplete,
        ..Extracted::default()
    };
    let copies = copies(evidence.names);
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &copies {
        *count.entry(c.name.as_str()).or_default() += 1;
    }
    for copy in &copies {
        let single = count[copy.name.as_str()] == 1;
        let clues: Vec<&VersionClue> = evidence
            .versions
            .iter()
            .filter(|v| speaks_of(v, copy, single))
            .collect();
        let which = match &copy.module_path {
            Some(path) if !single => format!("{} ({path})", copy.name),
            _ => copy.name.clone(),
        };
        let named = format!("{} in {}", describe(copy.by), copy.file);
        let Some(best) = clues.iter().map(|v| v.from).min() else {
            out.skip(
                bundle,
                format!("{which}: bundled ({named}), no version evidence"),
            );
            continue;
        };
        let strongest: Vec<&&VersionClue> = clues.iter().filter(|v| v.from == best).collect();
        let mut versions: Vec<&str> = strongest.iter().map(|v| v.version.as_str()).collect();
        versions.sort_unstable();
        versions.dedup();
        if let [version] = versions[..] {
            let clue = strongest[0];
            let found = Found::new(
                Ecosystem::Npm,
                &copy.name,
                version,
                bundle,
                EvidenceKind::Bundled,
            )
            .bundled(BundleEvidence {
                named_by: copy.by,
                named_in: copy.file.clone(),
                module_path: copy.module_path.clone(),
                version_from: best,
                version_in: clue.file.clone(),
                confidence: name_confidence(copy.by).min(version_confidence(best)),
            });
            out.packages.push(found);
        } else {
            out.skip(
                bundle,
                format!(
                    "{which}: bundled ({named}), conflicting version evidence ({}), not guessed",
                    versions.join(", ")
                ),
            );
        }
    }
    out
}

/// How a naming source reads in a coverage note.
fn describe(by: BundleSource) -> &'static str {
    match by {
        BundleSource::Metafile => "esbuild metafile",
        BundleSource::WebpackStats => "webpack stats",
        BundleSource::SourceMap => "source map",
        BundleSource::ModuleId => "webpack module id",
        BundleSource::RegionComment => "region comment",
        BundleSource::InlinedManifest => "inlined package.json",
        BundleSource::LicenseComment => "license comment",
    }
}
