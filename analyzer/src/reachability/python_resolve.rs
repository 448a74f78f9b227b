//! Python's import system on the function's filesystem, as the Lambda runtime
//! sets it up: the search path (/var/task, /opt/python,
//! /opt/python/lib/python3.x/site-packages, ...) in order; regular packages
//! (`__init__.py`), modules (`.py`), extension modules (`.so`) and namespace
//! packages spread over several path entries; relative imports.

use super::paths::parent;
use super::python::PyImport;
use super::tree::SourceTree;
use std::cell::RefCell;
use std::collections::HashMap;

/// Resolves imports against one filesystem and search path.
pub(super) struct PythonResolver<'t> {
    pub tree: &'t dyn SourceTree,
    pub search_path: &'t [String],
    /// Direct children of folders listed so far (for extension modules).
    listings: RefCell<HashMap<String, Vec<String>>>,
}

/// Where a dotted name led: the files Python runs on the way (package
/// `__init__.py`s, then the module) and, for a package, its folders.
#[derive(Debug, Default, PartialEq, Eq)]
struct Found {
    files: Vec<String>,
    package_dirs: Vec<String>,
}

impl<'t> PythonResolver<'t> {
    pub fn new(tree: &'t dyn SourceTree, search_path: &'t [String]) -> PythonResolver<'t> {
        PythonResolver {
            tree,
            search_path,
            listings: RefCell::default(),
        }
    }

    /// The files loading `import` from the file `from` runs (empty when the
    /// module is not in the function: the standard library, or missing).
    pub fn resolve(&self, from: &str, import: &PyImport) -> Vec<String> {
        let roots: Vec<String> = if import.level == 0 {
            self.search_path.to_vec()
        } else {
            let mut dir = parent(from);
            for _ in 1..import.level {
                dir = parent(dir);
            }
            vec![dir.to_string()]
        };
        let parts: Vec<&str> = import.module.split('.').filter(|p| !p.is_empty()).collect();
        let found = if parts.is_empty() {
            Found {
                files: Vec::new(),
                package_dirs: roots,
            }
        } else {
            self.walk(roots, &parts)
        };
        let mut files = found.files;
        for name in &import.names {
            for dir in &found.package_dirs {
                if name == "*" {
                    files.extend(self.python_children(dir));
                } else {
                    files.extend(self.walk(vec![dir.clone()], &[name.as_str()]).files);
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        files.retain(|f| seen.insert(f.clone()));
        files
    }

    /// Follows `parts` down from `dirs`, part by part.
    fn walk(&self, mut dirs: Vec<String>, parts: &[&str]) -> Found {
        let mut found = Found::default();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            match self.step(&dirs, part) {
                Step::Package(dir, init) => {
                    found.files.push(init);
                    dirs = vec![dir];
                }
                Step::Module(file) => {
                    found.files.push(file);
                    if !last {
                        // `a.b` where `a` is a plain module: an attribute, not a file.
                        return found;
                    }
                    dirs = Vec::new();
                }
                Step::Namespace(portions) => dirs = portions,
                Step::Missing => return found,
            }
        }
        found.package_dirs = dirs;
        found
    }

    /// One name in the given folders, the way Python's path finder looks.
    fn step(&self, dirs: &[String], name: &str) -> Step {
        for dir in dirs {
            let package = format!("{dir}/{name}");
            let init = format!("{package}/__init__.py");
            if self.tree.is_file(&init) {
                return Step::Package(package, init);
            }
            let module = format!("{package}.py");
            if self.tree.is_file(&module) {
                return Step::Module(module);
            }
            if let Some(extension) = self.extension(dir, name) {
                return Step::Module(extension);
            }
        }
        let portions: Vec<String> = dirs
            .iter()
            .map(|dir| format!("{dir}/{name}"))
            .filter(|p| self.tree.is_dir(p))
            .collect();
        if portions.is_empty() {
            Step::Missing
        } else {
            Step::Namespace(portions)
        }
    }

    /// `name.so` or `name.<abi tag>.so` in `dir`.
    fn extension(&self, dir: &str, name: &str) -> Option<String> {
        let mut listings = self.listings.borrow_mut();
        let children = listings.entry(dir.to_string()).or_insert_with(|| {
            let prefix = format!("{}/", dir.trim_end_matches('/'));
            self.tree
                .files_under(dir)
                .into_iter()
                .filter(|p| !p[prefix.len()..].contains('/'))
                .collect()
        });
        let stem = format!("{}/{name}.", dir.trim_end_matches('/'));
        children
            .iter()
            .find(|p| p.starts_with(&stem) && (p.ends_with(".so") || p.ends_with(".pyd")))
            .cloned()
    }

    /// The `.py` files directly in a package folder (`from pkg import *`).
    fn python_children(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.tree
            .files_under(dir)
            .into_iter()
            .filter(|p| p.ends_with(".py") && !p[prefix.len()..].contains('/'))
            .collect()
    }
}

enum Step {
    /// A regular package: its folder and `__init__.py`.
    Package(String, String),
    /// A module file (`.py` or an extension module).
    Module(String),
    /// Portions of a namespace package.
    Namespace(Vec<String>),
    Missing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reachability::tree::tests::FakeTree;

    fn imp(level: usize, module: &str, names: &[&str]) -> PyImport {
        PyImport {
            level,
            module: module.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn search_path_order_packages_modules_and_extensions() {
        let tree = FakeTree::new(&[
            ("/var/task/app.py", ""),
            ("/var/task/yaml/__init__.py", ""),
            ("/var/task/yaml/loader.py", ""),
            ("/var/task/six.py", ""),
            (
                "/var/task/_cffi_backend.cpython-312-x86_64-linux-gnu.so",
                "",
            ),
            ("/opt/python/yaml/__init__.py", ""),
            (
                "/opt/python/lib/python3.12/site-packages/google/cloud/storage/__init__.py",
                "",
            ),
            ("/opt/python/ns/a/x.py", ""),
        ]);
        let path = vec![
            "/var/task".to_string(),
            "/opt/python".to_string(),
            "/opt/python/lib/python3.12/site-packages".to_string(),
        ];
        let r = PythonResolver::new(&tree, &path);
        let from = "/var/task/app.py";
        assert_eq!(
            r.resolve(from, &imp(0, "yaml", &[])),
            ["/var/task/yaml/__init__.py"]
        );
        assert_eq!(
            r.resolve(from, &imp(0, "yaml", &["loader", "safe_load"])),
            ["/var/task/yaml/__init__.py", "/var/task/yaml/loader.py"]
        );
        assert_eq!(
            r.resolve(from, &imp(0, "six.moves", &[])),
            ["/var/task/six.py"]
        );
        assert_eq!(
            r.resolve(from, &imp(0, "_cffi_backend", &[])),
            ["/var/task/_cffi_backend.cpython-312-x86_64-linux-gnu.so"]
        );
        assert_eq!(
            r.resolve(from, &imp(0, "google.cloud.storage", &[])),
            ["/opt/python/lib/python3.12/site-packages/google/cloud/storage/__init__.py"]
        );
        assert_eq!(
            r.resolve(from, &imp(0, "ns.a", &["x"])),
            ["/opt/python/ns/a/x.py"]
        );
        assert!(r.resolve(from, &imp(0, "json", &[])).is_empty());
    }

    #[test]
    fn relative_imports_and_wildcards() {
        let tree = FakeTree::new(&[
            ("/var/task/pkg/__init__.py", ""),
            ("/var/task/pkg/a.py", ""),
            ("/var/task/pkg/sub/__init__.py", ""),
            ("/var/task/pkg/sub/b.py", ""),
        ]);
        let path = vec!["/var/task".to_string()];
        let r = PythonResolver::new(&tree, &path);
        let from = "/var/task/pkg/sub/b.py";
        assert_eq!(r.resolve(from, &imp(2, "a", &[])), ["/var/task/pkg/a.py"]);
        assert_eq!(r.resolve(from, &imp(2, "", &["a"])), ["/var/task/pkg/a.py"]);
        assert_eq!(
            r.resolve("/var/task/pkg/__init__.py", &imp(1, "sub", &["*"])),
            ["/var/task/pkg/sub/__init__.py", "/var/task/pkg/sub/b.py"]
        );
    }
}
