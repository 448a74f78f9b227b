//! npm lockfiles: `package-lock.json`, `npm-shrinkwrap.json` and the hidden
//! `node_modules/.package-lock.json`. Version 1 nests `dependencies`; versions 2
//! and 3 key a `packages` map by install path (`""` is the project itself).

use super::{lock_entry, paths, split_at_version, unidentified, NO_REGISTRY_VERSION};
use crate::extract::{ExtractError, Extracted};
use crate::package::Found;
use serde_json::{Map, Value};

/// Parses a lockfile at `path` whose install paths are relative to `project`.
pub(super) fn parse(path: &str, project: &str, text: &str) -> Result<Extracted, ExtractError> {
    let Value::Object(lock) = serde_json::from_str(text)? else {
        return Err(ExtractError::new("lockfile is not a JSON object"));
    };
    let mut out = Extracted::default();
    match (lock.get("packages"), lock.get("dependencies")) {
        (Some(Value::Object(packages)), _) => from_packages(packages, path, project, &mut out),
        (Some(_), _) => return Err(ExtractError::new("\"packages\" is not an object")),
        (None, Some(Value::Object(deps))) => {
            from_dependencies(deps, path, project, &mut out);
        }
        (None, Some(_)) => return Err(ExtractError::new("\"dependencies\" is not an object")),
        (None, None) => {}
    }
    Ok(out)
}

fn flag(entry: &Map<String, Value>, key: &str) -> bool {
    entry.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `dev` when only development needs it; `optional` for optional dependencies
/// (`devOptional` ones are installed unless optional dependencies are omitted).
fn scope_of(entry: &Map<String, Value>) -> Option<&'static str> {
    if flag(entry, "dev") {
        Some("dev")
    } else if flag(entry, "optional") || flag(entry, "devOptional") {
        Some("optional")
    } else {
        None
    }
}

/// A locked package installed at `install`, with the entry's scope.
fn installed(found: Found, install: String, entry: &Map<String, Value>) -> Found {
    let found = found.installed_at(install);
    match scope_of(entry) {
        Some(scope) => found.scope(scope),
        None => found,
    }
}

/// Lockfile v2/v3: `"node_modules/a/node_modules/b": { "version": ... }`.
fn from_packages(packages: &Map<String, Value>, path: &str, project: &str, out: &mut Extracted) {
    for (key, entry) in packages {
        let Value::Object(entry) = entry else {
            out.skip(path, format!("{key:?}: entry is not an object"));
            continue;
        };
        // "" is the project; keys outside node_modules are workspace folders
        // (the project's own code); links point at those folders.
        if key.is_empty() || !paths::in_node_modules(key) || flag(entry, "link") {
            continue;
        }
        let dir_name = key
            .rsplit_once("node_modules/")
            .map_or(key.as_str(), |(_, n)| n);
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(dir_name);
        let raw = entry.get("version").and_then(Value::as_str).unwrap_or("");
        match lock_entry(name, raw, path) {
            Some(found) => out
                .packages
                .push(installed(found, paths::under(project, key), entry)),
            None => out.skip(path, unidentified(key, NO_REGISTRY_VERSION, raw)),
        }
    }
}

/// Lockfile v1: `"dependencies": { "a": { "version": ..., "dependencies": {...} } }`,
/// where nesting mirrors `node_modules` nesting.
fn from_dependencies(deps: &Map<String, Value>, path: &str, parent: &str, out: &mut Extracted) {
    for (dir_name, entry) in deps {
        let Value::Object(entry) = entry else {
            out.skip(path, format!("{dir_name:?}: entry is not an object"));
            continue;
        };
        let install = paths::under(parent, &format!("node_modules/{dir_name}"));
        let raw = entry.get("version").and_then(Value::as_str).unwrap_or("");
        // An alias records `npm:<real name>@<version>`.
        let (name, raw_version) = match raw.strip_prefix("npm:").and_then(split_at_version) {
            Some((real, v)) => (real, v),
            None => (dir_name.as_str(), raw),
        };
        match lock_entry(name, raw_version, path) {
            Some(found) => out.packages.push(installed(found, install.clone(), entry)),
            None => out.skip(path, unidentified(&install, NO_REGISTRY_VERSION, raw)),
        }
        if let Some(Value::Object(nested)) = entry.get("dependencies") {
            from_dependencies(nested, path, &install, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(out: &Extracted) -> Vec<(String, String, String, Option<String>)> {
        let mut v: Vec<_> = out
            .packages
            .iter()
            .map(|f: &Found| {
                (
                    f.name.clone(),
                    f.version.clone(),
                    f.install_path.clone().unwrap_or_default(),
                    f.scope.clone(),
                )
            })
            .collect();
        v.sort();
        v
    }

    fn row(n: &str, v: &str, p: &str, s: Option<&str>) -> (String, String, String, Option<String>) {
        (n.into(), v.into(), p.into(), s.map(str::to_string))
    }

    const V3: &str = r#"{
      "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
      "packages": {
        "": {"name": "app", "version": "1.0.0", "dependencies": {"debug": "2.6.8"}},
        "node_modules/debug": {"version": "2.6.8", "dependencies": {"ms": "2.0.0"}},
        "node_modules/debug/node_modules/ms": {"version": "2.0.0"},
        "node_modules/@hapi/hoek": {"version": "v8.5.0", "optional": true},
        "node_modules/jest": {"version": "29.0.0", "dev": true},
        "node_modules/fsevents": {"version": "2.3.2", "dev": true, "optional": true},
        "node_modules/string-width-cjs": {"name": "string-width", "version": "4.2.3"},
        "node_modules/my-lib": {"resolved": "packages/my-lib", "link": true},
        "packages/my-lib": {"name": "my-lib", "version": "0.1.0"},
        "node_modules/from-git": {"version": "git+ssh://git@github.com/a/b.git#abc"}
      }
    }"#;

    #[test]
    fn v3_packages_map() {
        let out = parse("nodejs/package-lock.json", "nodejs", V3).unwrap();
        assert_eq!(
            summary(&out),
            vec![
                row(
                    "@hapi/hoek",
                    "8.5.0",
                    "nodejs/node_modules/@hapi/hoek",
                    Some("optional")
                ),
                row("debug", "2.6.8", "nodejs/node_modules/debug", None),
                row(
                    "fsevents",
                    "2.3.2",
                    "nodejs/node_modules/fsevents",
                    Some("dev")
                ),
                row("jest", "29.0.0", "nodejs/node_modules/jest", Some("dev")),
                row(
                    "ms",
                    "2.0.0",
                    "nodejs/node_modules/debug/node_modules/ms",
                    None
                ),
                row(
                    "string-width",
                    "4.2.3",
                    "nodejs/node_modules/string-width-cjs",
                    None
                ),
            ]
        );
        assert!(out
            .packages
            .iter()
            .all(|f| f.path == "nodejs/package-lock.json"));
        assert_eq!(out.skipped.len(), 1);
        assert!(out.skipped[0].reason.starts_with("node_modules/from-git: "));
    }

    #[test]
    fn v1_nested_dependencies() {
        let v1 = r#"{
          "name": "app", "version": "1.0.0", "lockfileVersion": 1, "requires": true,
          "dependencies": {
            "debug": {"version": "2.6.8", "requires": {"ms": "2.0.0"},
                      "dependencies": {"ms": {"version": "2.0.0"}}},
            "ms": {"version": "2.1.2"},
            "mocha": {"version": "8.0.0", "dev": true},
            "sw": {"version": "npm:string-width@4.2.3"},
            "local": {"version": "file:../local"}
          }
        }"#;
        let out = parse("npm-shrinkwrap.json", "", v1).unwrap();
        assert_eq!(
            summary(&out),
            vec![
                row("debug", "2.6.8", "node_modules/debug", None),
                row("mocha", "8.0.0", "node_modules/mocha", Some("dev")),
                row("ms", "2.0.0", "node_modules/debug/node_modules/ms", None),
                row("ms", "2.1.2", "node_modules/ms", None),
                row("string-width", "4.2.3", "node_modules/sw", None),
            ]
        );
        assert_eq!(out.skipped.len(), 1);
    }

    #[test]
    fn lockfile_without_dependencies_is_empty() {
        let out = parse("package-lock.json", "", r#"{"lockfileVersion": 3}"#).unwrap();
        assert_eq!(out, Extracted::default());
    }

    #[test]
    fn bad_lockfiles_are_errors() {
        assert!(parse("package-lock.json", "", "{").is_err());
        assert!(parse("package-lock.json", "", "\"x\"").is_err());
        assert!(parse("package-lock.json", "", r#"{"packages": []}"#).is_err());
        assert!(parse("package-lock.json", "", r#"{"dependencies": 1}"#).is_err());
        let odd = parse(
            "package-lock.json",
            "",
            r#"{"packages": {"node_modules/a": 1}}"#,
        );
        assert_eq!(odd.unwrap().skipped.len(), 1);
    }
}
