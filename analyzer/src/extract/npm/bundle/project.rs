//! Versions from the project a bundle was built in, when the artifact holds
//! it (a build folder scanned before deploy, or a bundle shipped with its
//! lockfile): npm lockfiles and installed `node_modules/<pkg>/package.json`
//! in the bundle's folder or an ancestor, nearest first. A copy's module path
//! (`node_modules/a/node_modules/b`) is the lockfile key of that very copy.

use super::super::{package_lock, paths};
use super::evidence::{Naming, VersionClue};
use super::remnants::semver_text;
use super::sibling;
use crate::archive::ArchiveTree;
use crate::diagnostics::Gap;
use crate::extract::utf8;
use crate::package::BundleVersionSource;
use serde::Deserialize;

/// npm lockfiles, relative to a project folder.
const LOCKFILES: [&str; 3] = [
    "package-lock.json",
    "npm-shrinkwrap.json",
    "node_modules/.package-lock.json",
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
            if tree.get(&lock_path).is_none() {
                continue;
            }
            let bytes = match sibling::read(tree, &lock_path) {
                Ok(bytes) => bytes,
                Err(gap) => {
                    gaps.push(gap);
                    continue;
                }
            };
            // An unreadable lockfile is the npm extractor's warning to give.
            let Ok(locked) = utf8(&bytes).map_err(|e| e.to_string()).and_then(|t| {
                package_lock::parse(&lock_path, dir, t.as_bytes()).map_err(|e| e.to_string())
            }) else {
                continue;
            };
            for n in names {
                let versions: Vec<&str> = match &n.module_path {
                    Some(module) => {
                        let install = paths::under(dir, module);
                        locked
                            .packages
                            .iter()
                            .filter(|f| f.install_path.as_deref() == Some(install.as_str()))
                            .map(|f| f.version.as_str())
                            .collect()
                    }
                    None => {
                        let mut v: Vec<&str> = locked
                            .packages
                            .iter()
                            .filter(|f| f.name == n.name)
                            .map(|f| f.version.as_str())
                            .collect();
                        v.sort_unstable();
                        v.dedup();
                        if v.len() == 1 {
                            v
                        } else {
                            Vec::new()
                        }
                    }
                };
                if let [version] = versions[..] {
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

    #[test]
    fn project_folders_nearest_first() {
        assert_eq!(folders("a/b/index.js"), ["a/b", "a", ""]);
        assert_eq!(folders("index.js"), [""]);
        assert_eq!(folders("w.zip!/dist/i.js"), ["w.zip!/dist", "w.zip!"]);
    }
}
