//! Node.js module resolution on the function's filesystem, as the Lambda
//! runtime does it: relative paths with Node's extension and `index` rules,
//! bare names through `node_modules` walking up from the importing file, then
//! the runtime's global folders (/opt/nodejs/node<NN>/node_modules,
//! /opt/nodejs/node_modules, /var/task), and a package's `exports` or `main`.
//!
//! Where `exports` offers several targets (conditions such as `import` and
//! `require`), every one is returned: loading more than the runtime would can
//! only make a package look imported, never hide one that is.

use super::paths::{join, parent, MAX_SOURCE_BYTES};
use super::tree::SourceTree;
use serde_json::Value;

/// What a specifier resolves to.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Resolved {
    /// A module the runtime provides (`fs`, `node:crypto`).
    Builtin,
    /// Files in the function (more than one when `exports` offers several).
    Files(Vec<String>),
    /// A package folder whose entry file could not be worked out: every
    /// script in it counts as loaded.
    Package(String),
    /// Not in the function: a bare `name` (and where it was looked for).
    Missing { package: Option<String> },
}

/// Extensions Node tries, in order, for a path without one.
const EXTENSIONS: [&str; 5] = [".js", ".json", ".node", ".mjs", ".cjs"];

/// Resolves specifiers against one filesystem and the runtime's global folders.
pub(super) struct NodeResolver<'t> {
    pub tree: &'t dyn SourceTree,
    pub global_dirs: &'t [String],
}

impl NodeResolver<'_> {
    /// Resolves `spec` as imported by the file `from`.
    pub fn resolve(&self, from: &str, spec: &str) -> Resolved {
        let base = parent(from);
        if spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".." {
            return self.files(self.as_file_or_dir(&join(base, spec)));
        }
        if spec.starts_with('/') {
            return self.files(self.as_file_or_dir(&join("/", spec)));
        }
        if let Some(internal) = spec.strip_prefix('#') {
            return self.package_import(from, internal);
        }
        let bare = spec.strip_prefix("node:").unwrap_or(spec);
        if spec.starts_with("node:") || is_builtin(bare) {
            return Resolved::Builtin;
        }
        let Some((name, subpath)) = split_package(bare) else {
            return Resolved::Missing { package: None };
        };
        for dir in node_modules_dirs(base).chain(self.global_dirs.iter().cloned()) {
            let package_dir = format!("{dir}/{name}");
            if self.tree.is_dir(&package_dir) {
                return self.in_package(&package_dir, subpath);
            }
        }
        Resolved::Missing {
            package: Some(name.to_string()),
        }
    }

    fn files(&self, found: Vec<String>) -> Resolved {
        if found.is_empty() {
            Resolved::Missing { package: None }
        } else {
            Resolved::Files(found)
        }
    }

    /// A file of a package: through `exports` when it has one, else the path.
    fn in_package(&self, package_dir: &str, subpath: &str) -> Resolved {
        let manifest = self.manifest(package_dir);
        let key = if subpath.is_empty() {
            ".".to_string()
        } else {
            format!("./{subpath}")
        };
        if let Some(exports) = manifest.as_ref().and_then(|m| m.get("exports")) {
            let targets = export_targets(exports, &key);
            let files: Vec<String> = targets
                .iter()
                .filter(|t| !t.ends_with(".d.ts"))
                .flat_map(|t| self.as_file(&join(package_dir, t)))
                .collect();
            if !files.is_empty() {
                return Resolved::Files(files);
            }
        }
        let found = if subpath.is_empty() {
            self.as_dir(package_dir)
        } else {
            self.as_file_or_dir(&join(package_dir, subpath))
        };
        if found.is_empty() {
            Resolved::Package(package_dir.to_string())
        } else {
            Resolved::Files(found)
        }
    }

    /// `#internal` specifiers through the nearest package's `imports` field.
    fn package_import(&self, from: &str, internal: &str) -> Resolved {
        let mut dir = parent(from);
        loop {
            if let Some(manifest) = self.manifest(dir) {
                let key = format!("#{internal}");
                let targets = manifest
                    .get("imports")
                    .map(|imports| export_targets(imports, &key))
                    .unwrap_or_default();
                let mut files = Vec::new();
                for target in targets {
                    if target.starts_with("./") {
                        files.extend(self.as_file(&join(dir, &target)));
                    } else if let Resolved::Files(found) = self.resolve(from, &target) {
                        files.extend(found);
                    }
                }
                return self.files(files);
            }
            if dir == "/" || dir.is_empty() {
                return Resolved::Missing { package: None };
            }
            dir = parent(dir);
        }
    }

    fn manifest(&self, dir: &str) -> Option<Value> {
        let bytes = self
            .tree
            .read(&format!("{dir}/package.json"), MAX_SOURCE_BYTES)
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn as_file_or_dir(&self, path: &str) -> Vec<String> {
        let files = self.as_file(path);
        if files.is_empty() {
            self.as_dir(path)
        } else {
            files
        }
    }

    fn as_file(&self, path: &str) -> Vec<String> {
        if self.tree.is_file(path) {
            return vec![path.to_string()];
        }
        EXTENSIONS
            .iter()
            .map(|ext| format!("{path}{ext}"))
            .find(|p| self.tree.is_file(p))
            .into_iter()
            .collect()
    }

    fn as_dir(&self, dir: &str) -> Vec<String> {
        if let Some(main) = self
            .manifest(dir)
            .and_then(|m| m.get("main").and_then(Value::as_str).map(str::to_string))
        {
            let target = join(dir, &main);
            let mut found = self.as_file(&target);
            if found.is_empty() {
                found = self.index(&target);
            }
            if !found.is_empty() {
                return found;
            }
        }
        self.index(dir)
    }

    fn index(&self, dir: &str) -> Vec<String> {
        self.as_file(&format!("{dir}/index"))
    }
}

/// Every target string `exports` (or `imports`) offers for `key`, whatever
/// the condition, with `*` patterns expanded.
fn export_targets(map: &Value, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    match map {
        Value::Object(entries)
            if entries
                .keys()
                .any(|k| k.starts_with('.') || k.starts_with('#')) =>
        {
            if let Some(target) = entries.get(key) {
                collect_targets(target, None, &mut out);
            } else {
                for (pattern, target) in entries {
                    if let Some((prefix, suffix)) = pattern.split_once('*') {
                        if let Some(rest) = key
                            .strip_prefix(prefix)
                            .and_then(|r| r.strip_suffix(suffix))
                        {
                            collect_targets(target, Some(rest), &mut out);
                        }
                    }
                }
            }
        }
        // A bare string, array or condition object is the "." export.
        _ if key == "." => collect_targets(map, None, &mut out),
        _ => {}
    }
    out
}

fn collect_targets(target: &Value, star: Option<&str>, out: &mut Vec<String>) {
    match target {
        Value::String(s) => out.push(match star {
            Some(rest) => s.replace('*', rest),
            None => s.clone(),
        }),
        Value::Array(items) => items.iter().for_each(|t| collect_targets(t, star, out)),
        Value::Object(conditions) => conditions
            .iter()
            .filter(|(condition, _)| condition.as_str() != "types")
            .for_each(|(_, t)| collect_targets(t, star, out)),
        _ => {}
    }
}

/// `@scope/name/sub` → (`@scope/name`, `sub`); `name/sub` → (`name`, `sub`).
fn split_package(spec: &str) -> Option<(&str, &str)> {
    let mut slashes = spec.match_indices('/').map(|(i, _)| i);
    let end = if spec.starts_with('@') {
        slashes.nth(1)
    } else {
        slashes.next()
    };
    let (name, rest) = match end {
        Some(i) => (&spec[..i], &spec[i + 1..]),
        None => (spec, ""),
    };
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && (!name.starts_with('@') || name.contains('/'));
    valid.then_some((name, rest))
}

/// `dir/node_modules`, then each parent's, skipping folders that are
/// themselves `node_modules`.
fn node_modules_dirs(dir: &str) -> impl Iterator<Item = String> + '_ {
    let mut next = Some(dir);
    std::iter::from_fn(move || loop {
        let current = next?;
        next = if current == "/" || current.is_empty() {
            None
        } else {
            Some(parent(current))
        };
        if current.ends_with("/node_modules") || current == "/" || current.is_empty() {
            continue;
        }
        return Some(format!("{current}/node_modules"));
    })
}

/// Node's built-in modules (as of Node 22), which need no file.
fn is_builtin(name: &str) -> bool {
    const BUILTINS: &[&str] = &[
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
    ];
    let top = name.split('/').next().unwrap_or(name);
    BUILTINS.contains(&top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reachability::tree::tests::FakeTree;

    fn resolver(tree: &FakeTree) -> NodeResolver<'_> {
        static GLOBAL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        NodeResolver {
            tree,
            global_dirs: GLOBAL.get_or_init(|| {
                vec![
                    "/opt/nodejs/node20/node_modules".into(),
                    "/opt/nodejs/node_modules".into(),
                ]
            }),
        }
    }

    #[test]
    fn relative_paths_with_extensions_and_index() {
        let tree = FakeTree::new(&[
            ("/var/task/index.js", ""),
            ("/var/task/lib/db.js", ""),
            ("/var/task/lib/util/index.js", ""),
            ("/var/task/data.json", ""),
        ]);
        let r = resolver(&tree);
        let from = "/var/task/index.js";
        assert_eq!(
            r.resolve(from, "./lib/db"),
            Resolved::Files(vec!["/var/task/lib/db.js".into()])
        );
        assert_eq!(
            r.resolve(from, "./lib/util"),
            Resolved::Files(vec!["/var/task/lib/util/index.js".into()])
        );
        assert_eq!(
            r.resolve("/var/task/lib/db.js", "../data.json"),
            Resolved::Files(vec!["/var/task/data.json".into()])
        );
        assert_eq!(r.resolve(from, "fs"), Resolved::Builtin);
        assert_eq!(r.resolve(from, "node:fs/promises"), Resolved::Builtin);
    }

    #[test]
    fn bare_names_walk_up_then_global_folders() {
        let tree = FakeTree::new(&[
            (
                "/var/task/node_modules/a/package.json",
                r#"{"main": "lib/a"}"#,
            ),
            ("/var/task/node_modules/a/lib/a.js", ""),
            ("/var/task/node_modules/a/node_modules/b/index.js", ""),
            ("/var/task/node_modules/b/index.js", ""),
            ("/opt/nodejs/node_modules/c/index.js", ""),
            (
                "/opt/nodejs/node_modules/@s/d/package.json",
                r#"{"exports": {".": {"import": "./esm.mjs", "require": "./cjs.js", "types": "./x.d.ts"}, "./feature/*": "./src/*.js"}}"#,
            ),
            ("/opt/nodejs/node_modules/@s/d/esm.mjs", ""),
            ("/opt/nodejs/node_modules/@s/d/cjs.js", ""),
            ("/opt/nodejs/node_modules/@s/d/src/x.js", ""),
        ]);
        let r = resolver(&tree);
        let from = "/var/task/node_modules/a/lib/a.js";
        assert_eq!(
            r.resolve("/var/task/index.js", "a"),
            Resolved::Files(vec!["/var/task/node_modules/a/lib/a.js".into()])
        );
        assert_eq!(
            r.resolve(from, "b"),
            Resolved::Files(vec![
                "/var/task/node_modules/a/node_modules/b/index.js".into()
            ])
        );
        assert_eq!(
            r.resolve("/var/task/index.js", "b"),
            Resolved::Files(vec!["/var/task/node_modules/b/index.js".into()])
        );
        assert_eq!(
            r.resolve(from, "c"),
            Resolved::Files(vec!["/opt/nodejs/node_modules/c/index.js".into()])
        );
        assert_eq!(
            r.resolve(from, "@s/d"),
            Resolved::Files(vec![
                "/opt/nodejs/node_modules/@s/d/esm.mjs".into(),
                "/opt/nodejs/node_modules/@s/d/cjs.js".into()
            ])
        );
        assert_eq!(
            r.resolve(from, "@s/d/feature/x"),
            Resolved::Files(vec!["/opt/nodejs/node_modules/@s/d/src/x.js".into()])
        );
        assert_eq!(
            r.resolve(from, "nowhere"),
            Resolved::Missing {
                package: Some("nowhere".into())
            }
        );
    }

    #[test]
    fn a_package_without_an_entry_file_counts_whole() {
        let tree = FakeTree::new(&[("/var/task/node_modules/odd/lib/x.js", "")]);
        assert_eq!(
            resolver(&tree).resolve("/var/task/index.js", "odd"),
            Resolved::Package("/var/task/node_modules/odd".into())
        );
    }

    #[test]
    fn package_names_split_from_subpaths() {
        assert_eq!(split_package("a"), Some(("a", "")));
        assert_eq!(split_package("a/b/c"), Some(("a", "b/c")));
        assert_eq!(split_package("@s/n/x"), Some(("@s/n", "x")));
        assert_eq!(split_package("@s"), None);
        assert_eq!(split_package(""), None);
    }
}
