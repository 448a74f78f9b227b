//! `bun.lock`: bun's text lockfile, JSON with comments and trailing commas.
//! `packages` maps an install key to `["name@version", registry, info, integrity]`
//! (workspace, link, folder and git packages use other specifiers). A nested
//! key (`debug/ms`) is a copy installed under its parent. Packages the
//! workspaces' runtime dependencies do not reach are development-only.

use super::{lock_entry, split_at_version, unidentified};
use crate::extract::{graph, ExtractError, Extracted};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Specifiers of packages that live inside the project.
const LOCAL: [&str; 4] = ["workspace:", "link:", "file:", "root:"];

/// Blanks out `//` and `/* */` comments and commas before `}` or `]`, outside
/// strings, so that the text parses as plain JSON.
fn strip_jsonc(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            out.push(b);
            if b == b'\\' && i + 1 < bytes.len() {
                out.push(bytes[i + 1]);
                i += 1;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match (b, bytes.get(i + 1)) {
            (b'"', _) => {
                in_string = true;
                out.push(b);
            }
            (b'/', Some(b'/')) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            (b'/', Some(b'*')) => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
                continue;
            }
            (b',', _) => {
                let next = bytes[i + 1..]
                    .iter()
                    .find(|c| !c.is_ascii_whitespace())
                    .copied();
                if !matches!(next, Some(b'}' | b']')) {
                    out.push(b);
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    // Only ASCII bytes were removed, so the rest is still valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// The package names along a key: `@a/b/ms` gives `["@a/b", "ms"]`.
fn key_segments(key: &str) -> Vec<&str> {
    let mut segments = Vec::new();
    let mut rest = key;
    while !rest.is_empty() {
        let skip = if rest.starts_with('@') {
            rest.find('/').map_or(rest.len(), |i| i + 1)
        } else {
            0
        };
        let end = rest[skip..].find('/').map_or(rest.len(), |i| i + skip);
        segments.push(&rest[..end]);
        rest = rest.get(end + 1..).unwrap_or("");
    }
    segments
}

/// Runtime dependency names of a package's info object or a workspace. An
/// optional peer (`optionalPeers`) counts too: bun installs it only when
/// something else needs it, and then this package loads it at run time; one
/// that was not installed resolves to no entry.
fn runtime_names(info: &Map<String, Value>) -> impl Iterator<Item = &str> {
    ["dependencies", "optionalDependencies", "peerDependencies"]
        .into_iter()
        .filter_map(|section| info.get(section).and_then(Value::as_object))
        .flat_map(|deps| deps.keys().map(String::as_str))
}

/// The install folders of `packages` as a tree: every prefix of a key (`a`,
/// `a/b`) is a folder with an id, so walking up from a folder costs one hash
/// lookup per level. Rebuilding each ancestor's key as a string instead costs
/// the square of the key's length (a 30,000-segment key took minutes).
struct Folders<'k> {
    /// (parent folder, package name) → folder; folder 0 is the project root.
    children: HashMap<(usize, &'k str), usize>,
    parent: Vec<usize>,
    /// The `packages` entry installed in each folder.
    package: Vec<Option<usize>>,
}

impl<'k> Folders<'k> {
    /// The folders of every key of `packages`.
    fn new(packages: &'k Map<String, Value>) -> Folders<'k> {
        let mut folders = Folders {
            children: HashMap::new(),
            parent: vec![0],
            package: vec![None],
        };
        for (i, key) in packages.keys().enumerate() {
            let segments = key_segments(key);
            // Only keys that read back the same from their segments (no stray `/`).
            let joined_len = segments.iter().map(|s| s.len() + 1).sum::<usize>();
            if joined_len != key.len() + 1 {
                continue;
            }
            let folder = folders.insert(0, &segments);
            folders.package[folder].get_or_insert(i);
        }
        folders
    }

    /// The folder `segments` below `from`, created as needed.
    fn insert(&mut self, from: usize, segments: &[&'k str]) -> usize {
        segments.iter().fold(from, |folder, segment| {
            let next = self.parent.len();
            let child = *self.children.entry((folder, segment)).or_insert(next);
            if child == next {
                self.parent.push(folder);
                self.package.push(None);
            }
            child
        })
    }

    /// The folder `segments` below `from`, if it exists.
    fn find(&self, from: usize, segments: &[&str]) -> Option<usize> {
        segments.iter().try_fold(from, |folder, segment| {
            self.children.get(&(folder, *segment)).copied()
        })
    }

    /// The package installed as `name` right inside `folder`.
    fn lookup(&self, folder: usize, name: &str) -> Option<usize> {
        self.find(folder, &key_segments(name))
            .and_then(|f| self.package[f])
    }

    /// Like node's resolution: the nearest copy of `name`, from `folder`'s own
    /// `node_modules` up to the root.
    fn resolve(&self, mut folder: usize, name: &str) -> Option<usize> {
        loop {
            let found = self.lookup(folder, name);
            if found.is_some() || folder == 0 {
                return found;
            }
            folder = self.parent[folder];
        }
    }
}

/// Which `packages` entries (in map order) the workspaces' runtime
/// dependencies reach; `None` when the lockfile lists no workspaces.
fn runtime_reach(lock: &Map<String, Value>, packages: &Map<String, Value>) -> Option<Vec<bool>> {
    let workspaces = lock.get("workspaces")?.as_object()?;
    let mut folders = Folders::new(packages);
    let own_folders: Vec<usize> = packages
        .keys()
        .map(|key| folders.insert(0, &key_segments(key)))
        .collect();
    let edges: Vec<Vec<usize>> = packages
        .values()
        .zip(&own_folders)
        .map(|(entry, &folder)| {
            let info = entry
                .as_array()
                .and_then(|a| a.iter().find_map(Value::as_object));
            info.map(|info| {
                runtime_names(info)
                    .filter_map(|name| folders.resolve(folder, name))
                    .collect()
            })
            .unwrap_or_default()
        })
        .collect();
    let mut roots = Vec::new();
    for workspace in workspaces.values().filter_map(Value::as_object) {
        // A workspace sees its own folder (named after it), then the root's.
        let own = workspace
            .get("name")
            .and_then(Value::as_str)
            .and_then(|name| folders.find(0, &key_segments(name)));
        roots.extend(runtime_names(workspace).filter_map(|name| {
            own.and_then(|folder| folders.lookup(folder, name))
                .or_else(|| folders.lookup(0, name))
        }));
    }
    Some(graph::reachable(roots, &edges))
}

/// Parses `bun.lock`.
pub(super) fn parse(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    let Value::Object(lock) = serde_json::from_str(&strip_jsonc(text))? else {
        return Err(ExtractError::new("bun.lock is not a JSON object"));
    };
    let packages = match lock.get("packages") {
        Some(Value::Object(p)) => p,
        None => return Ok(Extracted::default()),
        Some(_) => return Err(ExtractError::new("\"packages\" is not an object")),
    };
    let runtime = runtime_reach(&lock, packages);
    let mut out = Extracted::default();
    for (i, (key, entry)) in packages.iter().enumerate() {
        let Some((name, spec)) = entry
            .get(0)
            .and_then(Value::as_str)
            .and_then(split_at_version)
        else {
            out.skip(
                path,
                format!("{key}: unreadable package entry; not identified"),
            );
            continue;
        };
        if LOCAL.iter().any(|p| spec.starts_with(p)) {
            continue;
        }
        let Some(mut found) = lock_entry(name, spec, path) else {
            // Named as the package, not as the key it is installed under (an alias).
            let installed_as = key_segments(key).last().copied().unwrap_or(key);
            let label = if installed_as == name {
                name.to_string()
            } else {
                format!("{name} (installed as {key})")
            };
            out.skip(path, unidentified(&label, "not a registry version", spec));
            continue;
        };
        if runtime.as_ref().is_some_and(|r| !r[i]) {
            found = found.scope("dev");
        }
        out.packages.push(found);
    }
    out.dedup_packages();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name@version, scope) of every package.
    fn ids_and_scopes(out: &Extracted) -> Vec<(String, Option<&str>)> {
        out.packages
            .iter()
            .map(|f| (format!("{}@{}", f.name, f.version), f.scope.as_deref()))
            .collect()
    }

    const LOCK: &str = r#"{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "bun-fn",
      "dependencies": {
        "debug": "2.6.8",
        "@xmldom/xmldom": "0.7.5",
      },
      "devDependencies": {
        "typescript": "^5.0.0",
      },
    },
  },
  // a comment, with a comma, before ]
  "packages": {
    "@xmldom/xmldom": ["@xmldom/xmldom@0.7.5", "", {}, "sha512-abc/+=="],
    "debug": ["debug@2.6.8", "", { "dependencies": { "ms": "2.0.0" } }, "sha512-def"],
    "debug/ms": ["ms@2.0.0", "", {}, "sha512-ghi"],
    "ms": ["ms@2.1.2", "", {}, "sha512-jkl"],
    "typescript": ["typescript@5.4.5", "", { "bin": { "tsc": "bin/tsc" } }, "sha512-mno"],
    "my-lib": ["my-lib@workspace:packages/my-lib"],
    "widget": ["widget@github:acme/widget#0123abc", {}, "acme-widget-0123abc"],
  },
}
"#;

    #[test]
    fn text_lockfile_with_trailing_commas() {
        let out = parse("bun.lock", LOCK).unwrap();
        let got = ids_and_scopes(&out);
        assert_eq!(
            got,
            [
                ("@xmldom/xmldom@0.7.5".to_string(), None),
                ("debug@2.6.8".to_string(), None),
                ("ms@2.0.0".to_string(), None),
                ("ms@2.1.2".to_string(), Some("dev")),
                ("typescript@5.4.5".to_string(), Some("dev")),
            ]
        );
        assert_eq!(out.skipped.len(), 1);
        assert!(out.skipped[0].reason.starts_with("widget: "));
    }

    #[test]
    fn git_dependencies_are_named_as_their_package_and_installed_optional_peers_are_runtime() {
        // Issue 13: a git dependency under an alias key is listed as the
        // package it is; an optional peer bun installed is loaded at run time.
        let lock = r#"{"workspaces": {"": {"dependencies": {"my-widget": "github:acme/widget", "orm": "1"}}},
          "packages": {
            "my-widget": ["widget@github:acme/widget#0123abc", {}, "acme-widget-0123abc"],
            "orm": ["orm@1.0.0", "", {"peerDependencies": {"pg": "8", "mysql": "2"}, "optionalPeers": ["pg", "mysql"]}],
            "pg": ["pg@8.11.0", "", {}],
          }}"#;
        let out = parse("bun.lock", lock).unwrap();
        assert_eq!(
            ids_and_scopes(&out),
            [
                ("orm@1.0.0".to_string(), None),
                ("pg@8.11.0".to_string(), None)
            ]
        );
        assert_eq!(
            out.skipped[0].reason,
            "widget (installed as my-widget): not a registry version \
             (\"github:acme/widget#0123abc\"); not identified"
        );
    }

    #[test]
    fn keys_split_into_package_names() {
        assert_eq!(key_segments("ms"), ["ms"]);
        assert_eq!(key_segments("debug/ms"), ["debug", "ms"]);
        assert_eq!(key_segments("@a/b/@c/d/e"), ["@a/b", "@c/d", "e"]);
        assert_eq!(key_segments("@a"), ["@a"]);
    }

    #[test]
    fn jsonc_stripping_keeps_strings_intact() {
        assert_eq!(
            strip_jsonc(r#"{"a": "x, ]//y/*z*/\"", /* c */ "b": [1, 2,],}"#),
            r#"{"a": "x, ]//y/*z*/\"",  "b": [1, 2]}"#
        );
    }

    #[test]
    fn bad_bun_locks_are_errors() {
        assert!(parse("bun.lock", "{ \"packages\": ").is_err());
        assert!(parse("bun.lock", "[]").is_err());
        assert!(parse("bun.lock", r#"{"packages": 3}"#).is_err());
        assert!(parse("bun.lock", "/* unterminated").is_err());
        let odd = parse("bun.lock", r#"{"packages": {"x": [], "y": [7]}}"#).unwrap();
        assert_eq!(odd.skipped.len(), 2);
    }

    #[test]
    fn very_long_keys_resolve_in_linear_time() {
        // Issue 11: one key 30,000 folders deep (1.4 KB once zipped) took
        // minutes when every ancestor's key was rebuilt as a string.
        let deep = vec!["x"; 30_000].join("/");
        let lock = format!(
            r#"{{"workspaces": {{"": {{"dependencies": {{"x": "1"}}}}}},
              "packages": {{
                "x": ["x@1.0.0", "", {{"dependencies": {{"x": "1"}}}}],
                "{deep}": ["x@2.0.0", "", {{"dependencies": {{"ms": "1", "lost": "1"}}}}],
                "ms": ["ms@2.1.2", "", {{}}]
              }}}}"#
        );
        let out = parse("bun.lock", &lock).unwrap();
        let got = ids_and_scopes(&out);
        assert_eq!(
            got,
            [
                ("ms@2.1.2".to_string(), Some("dev")),
                ("x@1.0.0".to_string(), None),
                ("x@2.0.0".to_string(), Some("dev")),
            ]
        );
    }

    #[test]
    fn nested_copies_resolve_like_node() {
        let lock = r#"{"workspaces": {"": {"dependencies": {"a": "1"}}},
          "packages": {
            "a": ["a@1.0.0", "", {"dependencies": {"b": "1"}}],
            "a/b": ["b@1.0.0", "", {"dependencies": {"c": "1"}}],
            "b": ["b@2.0.0", "", {}],
            "c": ["c@1.0.0", "", {}],
            "a/b/c": ["c@2.0.0", "", {}]
          }}"#;
        let out = parse("bun.lock", lock).unwrap();
        let dev: Vec<_> = out
            .packages
            .iter()
            .filter(|f| f.scope.is_some())
            .map(|f| format!("{}@{}", f.name, f.version))
            .collect();
        assert_eq!(dev, ["b@2.0.0", "c@1.0.0"]);
    }
}
