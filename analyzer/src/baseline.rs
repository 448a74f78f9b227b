//! What a deploy changes: the difference between a baseline (an earlier JSON
//! report, an `sbom` inventory, or a scan of the currently deployed archive)
//! and the current scan. Packages are compared by (ecosystem, normalised
//! name); findings by package name and vulnerability, where two findings are
//! the same vulnerability when their ids or aliases meet.

use crate::ecosystem::Ecosystem;
use crate::findings::{Finding, PackageRef, Rating, ScanReport, Status};
use crate::inventory::Inventory;
use crate::package::Package;
use crate::version::Version;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// The side of the comparison that was there before.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    pub packages: Vec<Package>,
    pub findings: Vec<Finding>,
}

/// A baseline file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{name}: not a lambda-audit JSON report or inventory: {source}")]
pub struct BaselineError {
    pub name: String,
    #[source]
    pub source: serde_json::Error,
}

#[derive(Deserialize)]
struct BaselineDoc {
    packages: Vec<Package>,
    #[serde(default)]
    findings: Vec<Finding>,
}

impl Baseline {
    /// Reads an earlier `scan --format json` report, or an `sbom --format json`
    /// inventory (which has packages and no findings). `name` is for messages.
    pub fn from_json(name: &str, bytes: &[u8]) -> Result<Baseline, BaselineError> {
        let doc: BaselineDoc = serde_json::from_slice(bytes).map_err(|source| BaselineError {
            name: name.to_string(),
            source,
        })?;
        Ok(Baseline {
            packages: doc.packages,
            findings: doc.findings,
        })
    }

    /// The baseline of a scan (e.g. of the currently deployed archive).
    pub fn from_report(report: &ScanReport) -> Baseline {
        Baseline {
            packages: report.inventory.packages.clone(),
            findings: report.findings.clone(),
        }
    }

    /// The baseline of an inventory without findings.
    pub fn from_inventory(inventory: &Inventory) -> Baseline {
        Baseline {
            packages: inventory.packages.clone(),
            findings: Vec::new(),
        }
    }
}

/// A package whose version changed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VersionChange {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub from: String,
    pub to: String,
    /// The purl of the new version.
    pub purl: String,
}

/// A finding on one side only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingChange {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub package: PackageRef,
    pub rating: Rating,
    pub status: Status,
}

impl FindingChange {
    fn of(finding: &Finding) -> FindingChange {
        FindingChange {
            id: finding.id.clone(),
            aliases: finding.aliases.clone(),
            package: finding.package.clone(),
            rating: finding.severity.rating,
            status: finding.status.clone(),
        }
    }

    /// True when this entry describes `finding` (same id, same package).
    pub fn is(&self, finding: &Finding) -> bool {
        self.id == finding.id && self.package == finding.package
    }
}

/// The difference between a baseline and the current scan, sorted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// Packages (by name) that the baseline did not have.
    pub added: Vec<PackageRef>,
    /// Packages (by name) that are gone.
    pub removed: Vec<PackageRef>,
    pub upgraded: Vec<VersionChange>,
    pub downgraded: Vec<VersionChange>,
    /// Findings whose vulnerability the baseline did not have for that package.
    pub introduced: Vec<FindingChange>,
    /// Baseline findings whose vulnerability no longer affects that package.
    pub fixed: Vec<FindingChange>,
}

impl Changes {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.upgraded.is_empty()
            && self.downgraded.is_empty()
            && self.introduced.is_empty()
            && self.fixed.is_empty()
    }

    /// True when `finding` is one this deploy introduces.
    pub fn introduces(&self, finding: &Finding) -> bool {
        self.introduced.iter().any(|c| c.is(finding))
    }
}

type NameKey = (Ecosystem, String);

fn name_key(ecosystem: Ecosystem, name: &str) -> NameKey {
    (ecosystem, ecosystem.normalize_name(name))
}

/// Orders two versions of one ecosystem; unparseable versions compare as text.
fn version_order(ecosystem: Ecosystem, a: &str, b: &str) -> Ordering {
    match (Version::parse(ecosystem, a), Version::parse(ecosystem, b)) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or_else(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

/// Compares `baseline` with `current`.
pub fn diff(baseline: &Baseline, current: &ScanReport) -> Changes {
    let mut changes = Changes::default();
    diff_packages(
        &baseline.packages,
        &current.inventory.packages,
        &mut changes,
    );
    let old_versions = versions(&baseline.packages);
    let new_versions = versions(&current.inventory.packages);
    let before = vulnerability_index(&baseline.findings);
    let after = vulnerability_index(&current.findings);
    changes.introduced = current
        .findings
        .iter()
        .filter(|f| !carried(&before, f, &new_versions))
        .map(FindingChange::of)
        .collect();
    changes.fixed = baseline
        .findings
        .iter()
        .filter(|f| !carried(&after, f, &old_versions))
        .map(FindingChange::of)
        .collect();
    let order =
        |a: &FindingChange, b: &FindingChange| (&a.package, &a.id).cmp(&(&b.package, &b.id));
    changes.introduced.sort_by(order);
    changes.introduced.dedup();
    changes.fixed.sort_by(order);
    changes.fixed.dedup();
    changes
}

fn diff_packages(old: &[Package], new: &[Package], changes: &mut Changes) {
    let mut by_name: BTreeMap<NameKey, (Vec<&Package>, Vec<&Package>)> = BTreeMap::new();
    for p in old {
        by_name
            .entry(name_key(p.ecosystem, &p.name))
            .or_default()
            .0
            .push(p);
    }
    for p in new {
        by_name
            .entry(name_key(p.ecosystem, &p.name))
            .or_default()
            .1
            .push(p);
    }
    for ((ecosystem, _), (before, after)) in by_name {
        let same = |a: &Package, b: &Package| {
            crate::version::equivalence_key(ecosystem, &a.version)
                == crate::version::equivalence_key(ecosystem, &b.version)
        };
        let mut gone: Vec<&Package> = before
            .iter()
            .copied()
            .filter(|a| !after.iter().any(|b| same(a, b)))
            .collect();
        let mut came: Vec<&Package> = after
            .iter()
            .copied()
            .filter(|b| !before.iter().any(|a| same(a, b)))
            .collect();
        crate::version::sort_by_version(ecosystem, &mut gone, |p| &p.version);
        crate::version::sort_by_version(ecosystem, &mut came, |p| &p.version);
        let pairs = gone.len().min(came.len());
        for (from, to) in gone.iter().zip(came.iter()) {
            let change = VersionChange {
                ecosystem,
                name: to.name.clone(),
                from: from.version.clone(),
                to: to.version.clone(),
                purl: to.purl.clone(),
            };
            if version_order(ecosystem, &from.version, &to.version) == Ordering::Greater {
                changes.downgraded.push(change);
            } else {
                changes.upgraded.push(change);
            }
        }
        changes
            .removed
            .extend(gone[pairs..].iter().map(|p| PackageRef::from(*p)));
        changes
            .added
            .extend(came[pairs..].iter().map(|p| PackageRef::from(*p)));
    }
    changes.added.sort();
    changes.removed.sort();
    changes.upgraded.sort();
    changes.downgraded.sort();
}

/// (ecosystem, normalised package name, upper-cased id or alias).
type VulnKey = (Ecosystem, String, String);

/// Version equivalence keys of every package, by name.
fn versions(packages: &[Package]) -> BTreeMap<NameKey, BTreeSet<String>> {
    let mut map: BTreeMap<NameKey, BTreeSet<String>> = BTreeMap::new();
    for p in packages {
        map.entry(name_key(p.ecosystem, &p.name))
            .or_default()
            .insert(crate::version::equivalence_key(p.ecosystem, &p.version));
    }
    map
}

fn vulnerability_keys(finding: &Finding) -> impl Iterator<Item = VulnKey> + '_ {
    let (ecosystem, name) = name_key(finding.package.ecosystem, &finding.package.name);
    std::iter::once(&finding.id)
        .chain(finding.aliases.iter())
        .map(move |id| (ecosystem, name.clone(), id.to_ascii_uppercase()))
}

/// For each vulnerability of each package name, the versions that have it.
fn vulnerability_index(findings: &[Finding]) -> BTreeMap<VulnKey, BTreeSet<String>> {
    let mut map: BTreeMap<VulnKey, BTreeSet<String>> = BTreeMap::new();
    for f in findings {
        let version = crate::version::equivalence_key(f.package.ecosystem, &f.package.version);
        for key in vulnerability_keys(f) {
            map.entry(key).or_default().insert(version.clone());
        }
    }
    map
}

/// True when the other side (`other`) has the same vulnerability of the same
/// package at the same version, or at a version this side no longer has
/// (`this_versions`): the package changed version and the vulnerability
/// came along, so it is neither introduced nor fixed.
fn carried(
    other: &BTreeMap<VulnKey, BTreeSet<String>>,
    finding: &Finding,
    this_versions: &BTreeMap<NameKey, BTreeSet<String>>,
) -> bool {
    let eco = finding.package.ecosystem;
    let version = crate::version::equivalence_key(eco, &finding.package.version);
    let here = this_versions.get(&name_key(eco, &finding.package.name));
    vulnerability_keys(finding).any(|key| {
        other.get(&key).is_some_and(|at| {
            at.contains(&version) || at.iter().any(|v| !here.is_some_and(|h| h.contains(v)))
        })
    })
}
