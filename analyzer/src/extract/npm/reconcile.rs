//! Lockfile entries checked against what is installed in the same artifact.
//! Where a project has a `node_modules`, a locked package that is not in it is
//! not deployed: a development dependency is dropped (with a coverage note),
//! anything else is kept with a note.
//!
//! An entry for another platform (npm's `os` / `cpu` / `libc` exclude Linux
//! with glibc on the function's architecture, as for `@img/sharp-darwin-arm64`)
//! is treated like an uninstalled development entry: dropped with a note where
//! `node_modules` shows what was installed, else kept with the scope
//! [`OTHER_PLATFORM`] (listed, not matched), unless a copy is installed.

use super::{paths, HIDDEN_LOCKFILE};
use crate::archive::ArchiveTree;
use crate::extract::Extracted;
use crate::package::{EvidenceKind, Found, Role};
use crate::platform::Architecture;
use std::collections::{HashMap, HashSet};

/// Note on a locked package that is not installed although `node_modules` is.
pub(super) const NOT_INSTALLED: &str = "in lockfile only; not installed";

/// The scope of a lockfile entry for another platform than the function's:
/// like a development scope, the package is listed but not matched.
pub const OTHER_PLATFORM: &str = "other-platform";

/// True when the project at `project` ships a `node_modules` with anything in
/// it besides npm's hidden lockfile.
pub(super) fn has_node_modules(tree: &ArchiveTree, project: &str) -> bool {
    let prefix = paths::under(project, "node_modules/");
    let hidden_lockfile = format!("{prefix}{HIDDEN_LOCKFILE}");
    let start = tree.files.partition_point(|f| f.path < prefix);
    tree.files[start..]
        .iter()
        .take_while(|f| f.path.starts_with(&prefix))
        .any(|f| f.path != hidden_lockfile)
}

/// What becomes of one lockfile entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Keep,
    NotInstalled,
    DropDev,
    /// For another platform, and `node_modules` shows it was not installed.
    DropOtherPlatform,
    /// For another platform, and nothing shows what was installed.
    OtherPlatform,
}

/// Judges each package; only lockfile dependencies can be noted or dropped.
fn verdicts(packages: &[Found], tree: &ArchiveTree, architecture: Architecture) -> Vec<Verdict> {
    let installed: HashSet<(&str, &str, &str)> = packages
        .iter()
        .filter(|f| f.evidence == EvidenceKind::Installed && f.role == Role::Dependency)
        .filter_map(|f| {
            let project = paths::project_of(f.install_path.as_deref()?)?;
            Some((project, f.name.as_str(), f.version.as_str()))
        })
        .collect();
    let mut node_modules: HashMap<&str, bool> = HashMap::new();
    packages
        .iter()
        .map(|found| {
            if found.evidence != EvidenceKind::Lockfile || found.role != Role::Dependency {
                return Verdict::Keep;
            }
            let (project, is_installed) = match found.install_path.as_deref() {
                Some(install) => (
                    paths::project_of(install).unwrap_or(""),
                    tree.get(&paths::under(install, "package.json")).is_some(),
                ),
                // yarn, pnpm and bun do not say where a package goes: look for
                // an installed copy of the same name and version in the project.
                None => {
                    let project = paths::parent_dir(&found.path);
                    let key = (project, found.name.as_str(), found.version.as_str());
                    (project, installed.contains(&key))
                }
            };
            let project_has_node_modules = *node_modules
                .entry(project)
                .or_insert_with(|| has_node_modules(tree, project));
            let other_platform = found
                .platform
                .as_ref()
                .is_some_and(|p| !p.allows(architecture));
            if is_installed {
                Verdict::Keep
            } else if other_platform && project_has_node_modules {
                Verdict::DropOtherPlatform
            } else if other_platform {
                Verdict::OtherPlatform
            } else if !project_has_node_modules {
                Verdict::Keep
            } else if found.scope.as_deref() == Some("dev") {
                Verdict::DropDev
            } else {
                Verdict::NotInstalled
            }
        })
        .collect()
}

/// Keeps, notes or drops each lockfile entry (see the module documentation).
pub(super) fn lockfiles_against_installed(
    extracted: Extracted,
    tree: &ArchiveTree,
    architecture: Architecture,
) -> Extracted {
    let verdicts = verdicts(&extracted.packages, tree, architecture);
    let mut out = Extracted {
        packages: Vec::with_capacity(extracted.packages.len()),
        skipped: extracted.skipped,
        includes: Vec::new(),
        incomplete: extracted.incomplete,
    };
    for (found, verdict) in extracted.packages.into_iter().zip(verdicts) {
        match verdict {
            Verdict::Keep => out.packages.push(found),
            Verdict::NotInstalled => out.packages.push(found.note(NOT_INSTALLED)),
            Verdict::DropDev => out.skip(
                &found.path,
                format!(
                    "{}@{}: dev dependency in lockfile, not installed",
                    found.name, found.version
                ),
            ),
            Verdict::DropOtherPlatform => {
                let reason = format!(
                    "{}@{}: {}, not installed",
                    found.name,
                    found.version,
                    platform_note(&found, architecture)
                );
                out.skip(&found.path, reason);
            }
            Verdict::OtherPlatform => {
                let note = platform_note(&found, architecture);
                out.packages.push(found.scope(OTHER_PLATFORM).note(note));
            }
        }
    }
    out
}

/// `for os darwin, cpu arm64; Lambda runs linux (glibc) on x86_64`.
fn platform_note(found: &Found, architecture: Architecture) -> String {
    let wanted = found
        .platform
        .as_ref()
        .map(|p| p.describe())
        .unwrap_or_default();
    format!("for {wanted}; Lambda runs linux (glibc) on {architecture} (--architecture)")
}
