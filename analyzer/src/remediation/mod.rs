//! The fix plan: for each vulnerable package, the lowest version that fixes
//! every open finding at or above the threshold, and where to make the
//! change: the requirement line that pins it, the `package.json` that depends
//! on it directly, the `overrides` entry for an npm package only a dependency
//! pulls in (with the direct dependencies it comes through), or a new version
//! of the layer that ships it. Pure: the caller hands in the project files
//! ([`ProjectFiles`]); [`edit`] turns a plan into new file contents.

mod edit;
mod npm_graph;

pub use edit::{apply, Edit};

use crate::findings::{Finding, PackageRef, Rating, ScanReport, Status};
use crate::inventory::ArtifactKind;
use crate::threshold::FailOn;
use crate::Ecosystem;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Text files of the scanned project folder, by path relative to it
/// (`package.json`, `package-lock.json`, `requirements.txt`...), as the caller
/// read them. Empty for an archive: its packages get advice, never edits.
pub type ProjectFiles = BTreeMap<String, String>;

/// One finding of a package and the lowest version that fixes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingFix {
    pub id: String,
    pub severity: Rating,
    /// `None` when no advisory names a fixed version.
    pub fixed_version: Option<String>,
}

/// Where the change that fixes a package is made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// Change the pin on line `line` of the requirements file `file` (`to`:
    /// the line with the fixed version; `None` when none is known).
    RequirementPin {
        file: String,
        line: usize,
        from: String,
        to: Option<String>,
    },
    /// Raise the direct dependency in `manifest` (a `package.json`).
    BumpDirect { manifest: String, name: String },
    /// Pin the npm package with an `overrides` entry in `manifest`: only the
    /// direct dependencies in `via` pull it in.
    NpmOverride {
        manifest: String,
        name: String,
        via: Vec<String>,
    },
    /// Publish a new version of the layer with the fixed package, and update
    /// the functions that use it.
    PublishLayer {
        layer: String,
        functions: Vec<String>,
    },
    /// Rebuild the artifact with the fixed version (no project file to edit).
    Rebuild { artifact: String },
}

/// The fix of one vulnerable package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackageFix {
    pub package: PackageRef,
    /// The lowest version that fixes every finding listed; `None` when one of
    /// them has no fixed version.
    pub target: Option<String>,
    pub findings: Vec<FindingFix>,
    pub actions: Vec<Action>,
}

/// The fix plan of a scan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The threshold the findings were selected by.
    pub threshold: String,
    pub packages: Vec<PackageFix>,
}

/// The plan for `report`'s open findings that `threshold` counts.
pub fn plan(report: &ScanReport, threshold: FailOn, files: &ProjectFiles) -> Plan {
    let mut by_package: BTreeMap<&PackageRef, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        if f.status == Status::Open && threshold.counts(f.severity.rating) {
            by_package.entry(&f.package).or_default().push(f);
        }
    }
    let graph = npm_graph::DependencyGraph::read(files);
    let packages = by_package
        .into_iter()
        .map(|(package, findings)| {
            let fixes: Vec<FindingFix> = findings
                .iter()
                .map(|f| FindingFix {
                    id: f.id.clone(),
                    severity: f.severity.rating,
                    fixed_version: f.fixed_version.clone(),
                })
                .collect();
            let target = lowest_fixing_all(package.ecosystem, &fixes);
            PackageFix {
                package: package.clone(),
                actions: actions(report, package, target.as_deref(), &findings, files, &graph),
                target,
                findings: fixes,
            }
        })
        .collect();
    Plan {
        threshold: threshold.to_string(),
        packages,
    }
}

/// The highest of the findings' fixed versions (each the lowest that fixes
/// its finding), so every one is fixed; `None` when one has none.
fn lowest_fixing_all(ecosystem: Ecosystem, fixes: &[FindingFix]) -> Option<String> {
    let mut target: Option<&str> = None;
    for fix in fixes {
        let version = fix.fixed_version.as_deref()?;
        let higher = target.is_none_or(|t| {
            crate::version::compare(ecosystem, version, t).is_ok_and(|o| o == Ordering::Greater)
        });
        if higher {
            target = Some(version);
        }
    }
    target.map(str::to_string)
}

/// Where to change `package`: per artifact it was found in.
fn actions(
    report: &ScanReport,
    package: &PackageRef,
    target: Option<&str>,
    findings: &[&Finding],
    files: &ProjectFiles,
    graph: &npm_graph::DependencyGraph,
) -> Vec<Action> {
    let inventory = &report.inventory;
    let mut out: Vec<Action> = Vec::new();
    let mut artifacts: Vec<&str> = findings
        .iter()
        .flat_map(|f| f.locations.iter().map(|l| l.artifact.as_str()))
        .collect();
    artifacts.sort();
    artifacts.dedup();
    for artifact in artifacts {
        let role = inventory
            .artifacts
            .iter()
            .find(|a| a.name == artifact)
            .map(|a| a.role);
        let action = match role {
            Some(ArtifactKind::Layer) => Some(Action::PublishLayer {
                layer: artifact.to_string(),
                functions: inventory
                    .artifacts
                    .iter()
                    .filter(|a| a.role == ArtifactKind::Function)
                    .map(|a| a.name.clone())
                    .collect(),
            }),
            // The project folder the files come from (a folder is scanned as
            // the function's code, or found as a project).
            Some(ArtifactKind::Directory | ArtifactKind::Function) if !files.is_empty() => {
                project_action(package, target, files, graph)
            }
            _ => None,
        };
        let action = action.unwrap_or_else(|| Action::Rebuild {
            artifact: artifact.to_string(),
        });
        if !out.contains(&action) {
            out.push(action);
        }
    }
    out
}

/// The project file to change for `package`, when one says how it is chosen.
fn project_action(
    package: &PackageRef,
    target: Option<&str>,
    files: &ProjectFiles,
    graph: &npm_graph::DependencyGraph,
) -> Option<Action> {
    match package.ecosystem {
        Ecosystem::PyPI => edit::requirement_line(package, target, files),
        Ecosystem::Npm => {
            let manifest = graph.manifest.clone()?;
            if graph.direct.contains(&package.name) {
                Some(Action::BumpDirect {
                    manifest,
                    name: package.name.clone(),
                })
            } else {
                Some(Action::NpmOverride {
                    manifest,
                    name: package.name.clone(),
                    via: graph.direct_dependencies_reaching(&package.name),
                })
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_fixes_every_finding_or_is_unknown() {
        let fix = |v: Option<&str>| FindingFix {
            id: "X".into(),
            severity: Rating::High,
            fixed_version: v.map(str::to_string),
        };
        let fixes = [fix(Some("1.2.6")), fix(Some("1.2.10")), fix(Some("1.2.3"))];
        assert_eq!(
            lowest_fixing_all(Ecosystem::Npm, &fixes).as_deref(),
            Some("1.2.10")
        );
        assert_eq!(
            lowest_fixing_all(Ecosystem::Npm, &[fix(Some("1.0.0")), fix(None)]),
            None
        );
    }
}
