//! Which installed package a file belongs to: npm packages by their
//! `node_modules/<name>` folder, Python distributions by the files their
//! `RECORD` lists (or the names in `top_level.txt`, or their own name).

use super::paths::{join, parent, MAX_SOURCE_BYTES};
use super::tree::SourceTree;
use super::Mounts;
use crate::ecosystem::{pep503_normalize, Ecosystem};
use crate::package::Package;
use std::collections::HashMap;

/// Files → package index (into `Inventory::packages`), and which packages
/// have code in the function at all.
#[derive(Debug, Default)]
pub(super) struct Owners {
    npm_dirs: HashMap<String, usize>,
    python_files: HashMap<String, usize>,
    python_tops: HashMap<String, usize>,
    /// Per package: its code is in the function (an installed copy).
    pub present: Vec<bool>,
    /// Per package: the folders an npm package is installed in.
    pub npm_locations: Vec<Vec<String>>,
    /// Python packages not installed, by the module name they would have.
    pub declared_modules: HashMap<String, usize>,
    /// npm packages not installed, by name.
    pub declared_npm: HashMap<String, usize>,
}

/// Where the function's project folder sits when an artifact has no mount.
const UNMOUNTED: &str = super::TASK_ROOT;

impl Owners {
    /// Reads the ownership of every npm and Python package in `packages`;
    /// `mounts` gives each artifact's mount point by name.
    pub fn new(packages: &[Package], mounts: &Mounts, tree: &dyn SourceTree) -> Owners {
        let count = packages.len();
        let mut owners = Owners {
            present: vec![false; count],
            npm_locations: vec![Vec::new(); count],
            ..Owners::default()
        };
        for (idx, package) in packages.iter().enumerate() {
            for location in &package.locations {
                let Some(install) = location.install_path.as_deref() else {
                    continue;
                };
                let mount = mounts
                    .get(location.artifact.as_str())
                    .map_or(UNMOUNTED, String::as_str);
                let dir = join(mount, install);
                if !tree.is_dir(&dir) {
                    continue;
                }
                match package.ecosystem {
                    Ecosystem::Npm => {
                        owners.present[idx] = true;
                        owners.npm_dirs.insert(dir.clone(), idx);
                        if !owners.npm_locations[idx].contains(&dir) {
                            owners.npm_locations[idx].push(dir);
                        }
                    }
                    Ecosystem::PyPI => {
                        owners.present[idx] = true;
                        owners.add_distribution(idx, &package.name, &dir, tree);
                    }
                    _ => {}
                }
            }
            if !owners.present[idx] {
                match package.ecosystem {
                    Ecosystem::Npm => {
                        owners.declared_npm.insert(package.name.clone(), idx);
                    }
                    Ecosystem::PyPI => {
                        owners
                            .declared_modules
                            .insert(module_name(&package.name), idx);
                    }
                    _ => {}
                }
            }
        }
        owners
    }

    /// A `*.dist-info` / `*.egg-info` folder: the files it installed.
    fn add_distribution(&mut self, idx: usize, name: &str, dist: &str, tree: &dyn SourceTree) {
        let site = parent(dist).to_string();
        let mut any = false;
        if let Ok(record) = tree.read(&format!("{dist}/RECORD"), MAX_SOURCE_BYTES) {
            for line in String::from_utf8_lossy(&record).lines() {
                let path = record_path(line);
                if path.is_empty() || path.contains(".dist-info/") {
                    continue;
                }
                self.python_files.insert(join(&site, path), idx);
                any = true;
            }
        }
        if let Ok(tops) = tree.read(&format!("{dist}/top_level.txt"), MAX_SOURCE_BYTES) {
            for top in String::from_utf8_lossy(&tops).lines().map(str::trim) {
                if !top.is_empty() {
                    self.python_tops.insert(format!("{site}/{top}"), idx);
                    any = true;
                }
            }
        }
        if !any {
            self.python_tops
                .insert(format!("{site}/{}", module_name(name)), idx);
        }
    }

    /// The package `file` belongs to, if any.
    pub fn owner(&self, file: &str) -> Option<usize> {
        if let Some(dir) = npm_package_dir(file) {
            if let Some(&idx) = self.npm_dirs.get(dir) {
                return Some(idx);
            }
        }
        if let Some(&idx) = self.python_files.get(file) {
            return Some(idx);
        }
        let dir = parent(file);
        let name = file[dir.len()..].trim_start_matches('/');
        let stem = name.split('.').next().unwrap_or(name);
        let module = format!("{}/{stem}", dir.trim_end_matches('/'));
        let mut path = module.as_str();
        loop {
            if let Some(&idx) = self.python_tops.get(path) {
                return Some(idx);
            }
            if path == "/" || path.is_empty() {
                return None;
            }
            path = parent(path);
        }
    }
}

/// The first field of a RECORD line (quoted when it holds a comma).
fn record_path(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('"') {
        rest.split('"').next().unwrap_or("")
    } else {
        line.split(',').next().unwrap_or("").trim()
    }
}

/// The module a distribution most likely provides, from its name.
fn module_name(name: &str) -> String {
    pep503_normalize(name).replace('-', "_")
}

/// `/x/node_modules/@s/n/lib/f.js` → `/x/node_modules/@s/n`: the package
/// folder of the innermost `node_modules` a file is in.
pub(super) fn npm_package_dir(file: &str) -> Option<&str> {
    let at = file.rfind("/node_modules/")? + "/node_modules/".len();
    let rest = &file[at..];
    let mut parts = rest.splitn(3, '/');
    let first = parts.next()?;
    let len = if first.starts_with('@') {
        first.len() + 1 + parts.next()?.len()
    } else {
        first.len()
    };
    Some(&file[..at + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_folders_of_files() {
        assert_eq!(
            npm_package_dir("/var/task/node_modules/a/lib/x.js"),
            Some("/var/task/node_modules/a")
        );
        assert_eq!(
            npm_package_dir("/var/task/node_modules/a/node_modules/@s/b/i.js"),
            Some("/var/task/node_modules/a/node_modules/@s/b")
        );
        assert_eq!(npm_package_dir("/var/task/index.js"), None);
    }

    #[test]
    fn record_paths() {
        assert_eq!(
            record_path("yaml/__init__.py,sha256=abc,123"),
            "yaml/__init__.py"
        );
        assert_eq!(record_path("\"a,b.py\",sha256=x,1"), "a,b.py");
        assert_eq!(module_name("PyYAML"), "pyyaml");
        assert_eq!(module_name("typing-extensions"), "typing_extensions");
    }
}
