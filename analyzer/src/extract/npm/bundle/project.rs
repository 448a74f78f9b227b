//! Versions from the project a bundle was built in, when the artifact holds
//! it (a build folder scanned before deploy, or a bundle shipped with its
//! lockfile): lockfiles (npm, yarn classic and berry, pnpm, bun) and
//! installed `node_modules/<pkg>/package.json` in the bundle's folder or an
//! ancestor, nearest first.
//!
//! Every lockfile kind goes through the npm extractor's own parser, so a
//! bundle reads a lockfile exactly as a `node_modules` scan does. A lockfile
//! that records install paths (npm's) gives a copy (`node_modules/a/
//! node_modules/b`) the version of that very copy; one that does not (yarn,
//! pnpm, bun) versions a package only when it locks a single version of it.

use super::super::{paths, NpmExtractor};
use super::evidence::{Naming, VersionClue};
use super::remnants::semver_text;
use super::sibling;
use crate::archive::ArchiveTree;
use crate::diagnostics::Gap;
use crate::extract::quota::{FileQuota, PackageQuota};
use crate::extract::{utf8, Extracted, Extractor};
use crate::package::BundleVersionSource;
use serde::Deserialize;

/// Lockfiles, relative to a project folder, in the order they are read.
const LOCKFILES: [&str; 6] = [
    "package-lock.json",
    "npm-shrinkwrap.json",
    "node_modules/.package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
];

/// The folder of `path`, then its ancestors, up to the root of its archive.
fn folders(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut dir = sibling::dir_of(path);
    loop {
        out.push(dir);
        if dir.is_empty() || dir.ends_with('!') {
            return out;
        }
        dir = sibling::dir_of(dir);
    }
}

#[derive(Deserialize)]
struct Manifest {
    name: Option<String>,
    version: Option<String>,
}

/// Version clues for `names` from the project folders around `bundle`.
pub(super) fn versions(
    bundle: &str,
    names: &[Naming],
    tree: &ArchiveTree,
    gaps: &mut Vec<Gap>,
) -> Vec<VersionClue> {
    let mut clues: Vec<VersionClue> = Vec::new();
    let mut settled: Vec<(String, Option<String>)> = Vec::new();
    for dir in folders(bundle) {
        let mut here: Vec<VersionClue> = Vec::new();
        for n in names {
            let Some(module) = &n.module_path else {
                continue;
            };
            let manifest = paths::under(dir, &format!("{module}/package.json"));
            if tree.get(&manifest).is_none() {
                continue;
            }
            match sibling::read(tree, &manifest) {
                Ok(bytes) => {
                    let parsed = utf8(&bytes)
                        .ok()
                        .and_then(|t| serde_json::from_str::<Manifest>(t).ok());
                    if let Some(Manifest {
                        name: Some(name),
                        version: Some(v),
                    }) = parsed
                    {
                        if let (true, Some(version)) = (name == n.name, semver_text(&v)) {
                            here.push(clue(
                                n,
                                version,
                                BundleVersionSource::InstalledManifest,
                                &manifest,
                            ));
                        }
                    }
                }
                Err(gap) => gaps.push(gap),
            }
        }
        for lock in LOCKFILES {
            let lock_path = paths::under(dir, lock);
            let Some(locked) = lockfile(tree, &lock_path, gaps) else {
                continue;
            };
            for n in names {
                if let Some(version) = locked_version(&locked, dir, n) {
                    here.push(clue(
                        n,
                        version.to_string(),
                        BundleVersionSource::Lockfile,
                        &lock_path,
                    ));
                }
            }
        }
        // The nearest project that knows a copy decides it.
        let known = settled.len();
        for c in here {
            let key = (c.name.clone(), c.module_path.clone());
            if !settled[..known].contains(&key) {
                settled.push(key);
                clues.push(c);
            }
        }
    }
    clues
}

/// The packages the lockfile at `path` locks, read by the npm extractor;
/// `None` when there is no such file or it cannot be parsed (an unreadable
/// lockfile is the npm extractor's warning to give; a read that a limit
/// stopped is a gap).
fn lockfile(tree: &ArchiveTree, path: &str, gaps: &mut Vec<Gap>) -> Option<Extracted> {
    let file = tree.get(path)?;
    let bytes = sibling::read(tree, path)
        .map_err(|gap| gaps.push(gap))
        .ok()?;
    // Only versions are taken from it: its packages are charged to the
    // package limit when the npm extractor reads the lockfile itself.
    let unlimited = PackageQuota::unlimited();
    NpmExtractor::default()
        .extract_stream(
            file,
            &mut bytes.as_slice(),
            tree,
            &FileQuota::new(&unlimited),
        )
        .ok()
}

/// The one version `locked` gives the copy `n` names: by install path when
/// the lockfile records them and the copy has one, else by name when the
/// lockfile locks a single version of it.
fn locked_version<'l>(locked: &'l Extracted, dir: &str, n: &Naming) -> Option<&'l str> {
    let has_paths = locked.packages.iter().any(|f| f.install_path.is_some());
    let install = n
        .module_path
        .as_ref()
        .filter(|_| has_paths)
        .map(|module| paths::under(dir, module));
    let mut versions: Vec<&str> = locked
        .packages
        .iter()
        .filter(|f| match &install {
            Some(install) => f.install_path.as_deref() == Some(install.as_str()),
            None => f.name == n.name,
        })
        .map(|f| f.version.as_str())
        .collect();
    versions.sort_unstable();
    versions.dedup();
    match versions[..] {
        [version] => Some(version),
        _ => None,
    }
}

fn clue(n: &Naming, version: String, from: BundleVersionSource, file: &str) -> VersionClue {
    VersionClue {
        name: n.name.clone(),
        module_path: n.module_path.clone(),
        version,
        from,
        file: file.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ecosystem::Ecosystem;
    use crate::package::{BundleSource, EvidenceKind, Found};

    fn locked(entries: &[(&str, &str, Option<&str>)]) -> Extracted {
        let mut out = Extracted::default();
        for (name, version, install) in entries {
            let f = Found::new(
                Ecosystem::Npm,
                *name,
                *version,
                "lock",
                EvidenceKind::Lockfile,
            );
            out.packages.push(match install {
                Some(path) => f.installed_at(*path),
                None => f,
            });
        }
        out
    }

    fn naming(name: &str, module_path: Option<&str>) -> Naming {
        Naming {
            name: name.into(),
            module_path: module_path.map(str::to_string),
            by: BundleSource::SourceMap,
            file: "i.js.map".into(),
        }
    }

    #[test]
    fn copies_by_install_path_or_by_a_single_locked_version() {
        let nested = naming("ms", Some("node_modules/debug/node_modules/ms"));
        // npm: the install path picks the very copy.
        let npm = locked(&[
            ("ms", "2.1.3", Some("app/node_modules/ms")),
            (
                "ms",
                "2.0.0",
                Some("app/node_modules/debug/node_modules/ms"),
            ),
        ]);
        assert_eq!(locked_version(&npm, "app", &nested), Some("2.0.0"));
        assert_eq!(locked_version(&npm, "app", &naming("ms", None)), None);
        // yarn / pnpm / bun record no install paths: only a single locked
        // version of the name decides, whichever copy the bundle holds.
        let two = locked(&[("ms", "2.1.3", None), ("ms", "2.0.0", None)]);
        assert_eq!(locked_version(&two, "app", &nested), None);
        let one = locked(&[
            ("ms", "2.1.3", None),
            ("ms", "2.1.3", None),
            ("qs", "6.5.2", None),
        ]);
        assert_eq!(locked_version(&one, "app", &nested), Some("2.1.3"));
        assert_eq!(locked_version(&one, "app", &naming("uuid", None)), None);
    }

    #[test]
    fn project_folders_nearest_first() {
        assert_eq!(folders("a/b/index.js"), ["a/b", "a", ""]);
        assert_eq!(folders("index.js"), [""]);
        assert_eq!(folders("w.zip!/dist/i.js"), ["w.zip!/dist", "w.zip!"]);
    }
}
