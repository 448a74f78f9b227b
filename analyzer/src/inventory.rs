//! An inventory: packages merged across evidence files and artifacts, with the
//! coverage and warnings that say how complete it is.

use crate::diagnostics::{Gap, Skipped, Warning};
use crate::extract::ExtractorCoverage;
use crate::package::{Found, Location, Package, Role};
use crate::{purl, version};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The tool that wrote a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: "lambda-audit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// A jar inside an artifact, with its SHA-1 (as Maven Central indexes jars).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct JarRecord {
    pub path: String,
    pub sha1: String,
}

/// What a scanned artifact is (the report's `role`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// A function's code (mounted at /var/task).
    Function,
    /// A layer (merged into /opt).
    Layer,
    /// A project or build folder on disk.
    Directory,
    /// A CycloneDX SBOM read as an inventory.
    Sbom,
}

impl ArtifactKind {
    /// The lowercase name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ArtifactKind::Function => "function",
            ArtifactKind::Layer => "layer",
            ArtifactKind::Directory => "directory",
            ArtifactKind::Sbom => "sbom",
        }
    }
}

impl std::fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One scanned artifact: a function archive, a layer, a directory, an SBOM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactInfo {
    /// How the artifact is named everywhere in the report.
    pub name: String,
    pub role: ArtifactKind,
    /// Layer order (1 = first merged into /opt); absent for the function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_index: Option<usize>,
    /// Where Lambda mounts it (`/var/task` or `/opt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<String>,
    pub size_bytes: u64,
    pub files: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jars: Vec<JarRecord>,
}

/// What was read and what was skipped in one artifact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub artifact: String,
    /// Packages found in this artifact (roots excluded).
    pub packages: usize,
    pub read: Vec<ExtractorCoverage>,
    pub skipped: Vec<Skipped>,
    /// Evidence that was not read (see [`Gap`]); empty when the artifact was read whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<Gap>,
}

/// A package sighting placed in the deployment: which artifact, and whether the
/// runtime loads it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sighting {
    pub artifact: String,
    pub found: Found,
    pub lambda_path: Option<String>,
    pub loaded: bool,
    pub reason: Option<String>,
}

impl Sighting {
    /// A sighting in a plain artifact with no Lambda placement.
    pub fn plain(artifact: impl Into<String>, found: Found) -> Sighting {
        Sighting {
            artifact: artifact.into(),
            found,
            lambda_path: None,
            loaded: true,
            reason: None,
        }
    }
}

/// The engine's output contract: `tool`, `artifacts`, `packages`, `roots`,
/// `coverage`, `warnings`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Inventory {
    pub tool: ToolInfo,
    pub artifacts: Vec<ArtifactInfo>,
    pub packages: Vec<Package>,
    /// The function's own package(s): not dependencies, never matched.
    pub roots: Vec<Package>,
    pub coverage: Vec<Coverage>,
    pub warnings: Vec<Warning>,
    /// Import reachability from each function's handler, when it is known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reachability: Vec<crate::reachability::ReachabilityReport>,
}

impl Inventory {
    /// Every gap of every artifact, with the artifact's name: empty when all
    /// evidence was read.
    pub fn gaps(&self) -> impl Iterator<Item = (&str, &Gap)> {
        self.coverage
            .iter()
            .flat_map(|c| c.incomplete.iter().map(move |g| (c.artifact.as_str(), g)))
    }

    /// The artifact a report is about: the function, else the first one.
    pub fn main_artifact(&self) -> Option<&ArtifactInfo> {
        self.artifacts
            .iter()
            .find(|a| a.role == ArtifactKind::Function)
            .or_else(|| self.artifacts.first())
    }

    /// Combines the inventories of separate deployments (several functions found
    /// in one project) into one: artifacts side by side, the same package in
    /// several of them listed once with every location.
    pub fn combine(parts: Vec<Inventory>) -> Inventory {
        let mut out = Inventory::default();
        let (mut deps, mut roots) = (Vec::new(), Vec::new());
        for part in parts {
            out.artifacts.extend(part.artifacts);
            out.coverage.extend(part.coverage);
            out.warnings.extend(part.warnings);
            out.reachability.extend(part.reachability);
            deps.extend(part.packages);
            roots.extend(part.roots);
        }
        out.packages = union(deps);
        out.roots = union(roots);
        out.warnings.sort();
        out.warnings.dedup();
        out
    }
}

/// Joins packages that are the same (ecosystem, normalised name, equivalent version).
fn union(packages: Vec<Package>) -> Vec<Package> {
    let mut joined: BTreeMap<(crate::Ecosystem, String, String), Package> = BTreeMap::new();
    for p in packages {
        let key = (
            p.ecosystem,
            p.normalized_name(),
            version::equivalence_key(p.ecosystem, &p.version),
        );
        match joined.get_mut(&key) {
            Some(existing) => {
                existing.locations.extend(p.locations);
                existing.locations.sort();
                existing.locations.dedup();
            }
            None => {
                joined.insert(key, p);
            }
        }
    }
    joined.into_values().collect()
}

/// Merges sightings into packages: one package per (ecosystem, normalised name,
/// equivalent version), carrying every location. The strongest evidence
/// (installed metadata over lockfiles over declared pins) gives the spelling.
/// Returns (dependencies, roots).
pub fn merge(sightings: Vec<Sighting>) -> (Vec<Package>, Vec<Package>) {
    type Key = (Role, crate::Ecosystem, String, String);
    let mut groups: BTreeMap<Key, Vec<Sighting>> = BTreeMap::new();
    for s in sightings {
        let f = &s.found;
        let key = (
            f.role,
            f.ecosystem,
            f.ecosystem.normalize_name(&f.name),
            version::equivalence_key(f.ecosystem, &f.version),
        );
        // Most groups hold one sighting: a default Vec would reserve four
        // (1.5 KB a package, wasted, for a lockfile of 100,000).
        groups
            .entry(key)
            .or_insert_with(|| Vec::with_capacity(1))
            .push(s);
    }
    let (mut deps, mut roots) = (Vec::new(), Vec::new());
    for ((role, ecosystem, _, _), mut group) in groups {
        group.sort_by(|a, b| {
            (a.found.evidence, &a.artifact, &a.found.path).cmp(&(
                b.found.evidence,
                &b.artifact,
                &b.found.path,
            ))
        });
        let best = &group[0].found;
        let (name, version) = (best.name.clone(), best.version.trim().to_string());
        let mut locations: Vec<Location> = group
            .into_iter()
            .map(|s| Location {
                artifact: s.artifact,
                path: s.found.path,
                evidence: s.found.evidence,
                lambda_path: s.lambda_path,
                install_path: s.found.install_path,
                loaded: s.loaded,
                reason: s.reason,
                scope: s.found.scope,
                note: s.found.note,
                bundle: s.found.bundle,
            })
            .collect();
        locations.sort();
        locations.dedup();
        let package = Package {
            purl: purl::build(ecosystem, &name, &version),
            ecosystem,
            name,
            version,
            locations,
        };
        match role {
            Role::Dependency => deps.push(package),
            Role::Root => roots.push(package),
        }
    }
    (deps, roots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, EvidenceKind};

    #[test]
    fn artifact_kinds_serialise_as_their_names() {
        for kind in [
            ArtifactKind::Function,
            ArtifactKind::Layer,
            ArtifactKind::Directory,
            ArtifactKind::Sbom,
        ] {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.name());
            assert_eq!(serde_json::from_value::<ArtifactKind>(json).unwrap(), kind);
        }
    }

    #[test]
    fn installed_metadata_gives_the_spelling_and_lockfiles_merge_in() {
        let lock = Found::new(
            Ecosystem::PyPI,
            "django",
            "3.2.0",
            "requirements.txt",
            EvidenceKind::Declared,
        );
        let installed = Found::new(
            Ecosystem::PyPI,
            "Django",
            "3.2",
            "Django-3.2.dist-info/METADATA",
            EvidenceKind::Installed,
        );
        let (deps, roots) = merge(vec![
            Sighting::plain("f.zip", lock),
            Sighting::plain("f.zip", installed),
        ]);
        assert!(roots.is_empty());
        assert_eq!(deps.len(), 1);
        assert_eq!(
            (deps[0].name.as_str(), deps[0].version.as_str()),
            ("Django", "3.2")
        );
        assert_eq!(deps[0].locations.len(), 2);
        assert_eq!(deps[0].purl, "pkg:pypi/django@3.2");
    }

    #[test]
    fn different_versions_stay_apart_and_roots_are_separate() {
        let a = Found::new(
            Ecosystem::Npm,
            "ms",
            "2.0.0",
            "node_modules/debug/node_modules/ms/package.json",
            EvidenceKind::Installed,
        );
        let b = Found::new(
            Ecosystem::Npm,
            "ms",
            "2.1.2",
            "node_modules/ms/package.json",
            EvidenceKind::Installed,
        );
        let r = Found::new(
            Ecosystem::Npm,
            "fn",
            "1.0.0",
            "package.json",
            EvidenceKind::Declared,
        )
        .root();
        let (deps, roots) = merge(vec![
            Sighting::plain("a", a),
            Sighting::plain("a", b),
            Sighting::plain("a", r),
        ]);
        assert_eq!(deps.len(), 2);
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].name, "fn");
    }
}
