//! Node projects whose dependencies cannot be determined from installed
//! packages: JavaScript with no `node_modules` and no lockfile (typically
//! bundled with esbuild or webpack). What the bundles themselves reveal is the
//! `npm-bundle` extractor's; the coverage report says the rest is unknown
//! instead of letting "no packages" read as "no vulnerabilities".

use super::reconcile::has_node_modules;
use super::{paths, project_manifest, LOCKFILE_NAMES};
use crate::archive::{ArchiveTree, FileEntry, NESTED_SEPARATOR};
use crate::diagnostics::Skipped;
use std::collections::BTreeSet;

fn is_javascript(path: &str) -> bool {
    [".js", ".mjs", ".cjs"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// The directory itself, then its parents up to the root of its archive.
fn self_and_ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let current = next?;
        next = if current.is_empty() || current.ends_with('!') {
            None
        } else {
            Some(paths::parent_dir(current))
        };
        Some(current)
    })
}

/// Is there a lockfile or a `node_modules` the project at `dir` resolves from?
fn has_dependency_evidence(tree: &ArchiveTree, dir: &str) -> bool {
    self_and_ancestors(dir).any(|d| {
        has_node_modules(tree, d)
            || LOCKFILE_NAMES
                .iter()
                .any(|name| tree.get(&paths::under(d, name)).is_some())
    })
}

/// The first JavaScript file of the project at `dir`, outside `node_modules`
/// and outside nested archives.
fn first_javascript<'t>(tree: &'t ArchiveTree, dir: &str) -> Option<&'t FileEntry> {
    let prefix = paths::under(dir, "");
    let start = tree.files.partition_point(|f| f.path < prefix);
    tree.files[start..]
        .iter()
        .take_while(|f| f.path.starts_with(&prefix))
        .find(|f| {
            let rest = &f.path[prefix.len()..];
            is_javascript(rest) && !rest.contains(NESTED_SEPARATOR) && !paths::in_node_modules(rest)
        })
}

/// Coverage notes for node projects in `tree` whose dependencies are unknown.
pub(super) fn undetermined_projects(tree: &ArchiveTree) -> Vec<Skipped> {
    // Project directories: those of root manifests, and archive roots holding
    // JavaScript directly.
    let mut projects = BTreeSet::new();
    for file in &tree.files {
        let inner = file.inner_path();
        let is_root_manifest = file.file_name() == "package.json"
            && paths::manifest_kind(inner) == Some(paths::ManifestKind::Root);
        if is_root_manifest || (!inner.contains('/') && is_javascript(inner)) {
            projects.insert(paths::parent_dir(&file.path));
        }
    }
    let mut notes = Vec::new();
    for dir in projects {
        if has_dependency_evidence(tree, dir) {
            continue;
        }
        let manifest_path = paths::under(dir, "package.json");
        if tree.get(&manifest_path).is_some() {
            notes.extend(unpinned_declarations(tree, dir, &manifest_path));
            continue;
        }
        if let Some(script) = first_javascript(tree, dir) {
            notes.push(Skipped {
                path: script.path.clone(),
                reason: "JavaScript without package.json, node_modules or lockfile: bundled \
                         dependencies are known only from what the bundle reveals (see npm-bundle)"
                    .to_string(),
            });
        }
    }
    notes
}

/// One note per dependency the manifest at `manifest_path` declares, since
/// nothing pins their versions (like an unpinned requirement in Python), or
/// one note when the manifest cannot be read.
fn unpinned_declarations(tree: &ArchiveTree, dir: &str, manifest_path: &str) -> Vec<Skipped> {
    let Some(declared) = project_manifest(tree, dir) else {
        return vec![Skipped {
            path: manifest_path.to_string(),
            reason: "package.json is unreadable, and this artifact has no node_modules and no \
                     lockfile: its dependencies could not be determined"
                .to_string(),
        }];
    };
    declared
        .runtime
        .iter()
        .map(|(name, range)| Skipped {
            path: manifest_path.to_string(),
            reason: format!("{UNPINNED_DEPENDENCY} `{name}@{range}`: {NOTHING_PINS_IT}"),
        })
        .collect()
}

/// How a declared dependency that nothing pins starts in the coverage notes.
const UNPINNED_DEPENDENCY: &str = "unpinned dependency";

/// Why a `package.json` dependency has no version.
const NOTHING_PINS_IT: &str = "declared in package.json, but there is no node_modules and no \
     lockfile to pin its version, so it was not checked (it may be bundled into the .js files, \
     which are not scanned, or come from a layer)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_stop_at_the_archive_root() {
        let all = |d| self_and_ancestors(d).collect::<Vec<_>>();
        assert_eq!(all("a/b"), ["a/b", "a", ""]);
        assert_eq!(all(""), [""]);
        assert_eq!(all("w.zip!/app"), ["w.zip!/app", "w.zip!"]);
    }
}
