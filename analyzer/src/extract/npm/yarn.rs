//! `yarn.lock`: the classic (v1) custom format and the berry (v2+) YAML format,
//! told apart by berry's `__metadata` block. Neither records install paths or
//! development-only status; the latter is worked out from the project's
//! `package.json` and the lockfile's dependency edges.

use super::package_json::Declared;
use super::{lock_entry, split_at_version, unidentified};
use crate::extract::yaml::{self, Mapping, Value};
use crate::extract::{graph, ExtractError, Extracted};
use std::collections::HashMap;

/// Protocols of packages that live inside the project rather than on a registry.
const LOCAL_PROTOCOLS: [&str; 5] = ["workspace:", "link:", "portal:", "file:", "exec:"];

/// One package block: the descriptors (`name@range`) it satisfies, the
/// package it resolves to, and the descriptors it depends on.
#[derive(Debug, Default)]
struct Entry {
    /// Where the entry is, for error messages (`line 12`, `entry "ms@npm:2.1.2"`).
    origin: String,
    descriptors: Vec<String>,
    /// Berry's `resolution`, when present.
    resolution: Option<String>,
    version: Option<String>,
    dependencies: Vec<(String, String)>,
}

/// Parses either flavour of `yarn.lock`. `declared` is the project's manifest,
/// when there is one beside the lockfile.
pub(super) fn parse(
    path: &str,
    text: &str,
    declared: Option<&Declared>,
) -> Result<Extracted, ExtractError> {
    let entries = if text.lines().any(|l| l.trim_end() == "__metadata:") {
        berry(text)?
    } else {
        classic(text)?
    };
    emit(&entries, path, declared)
}

/// The package a descriptor such as `"lodash@^4.17.15"` or
/// `"sw@npm:string-width@^4.2.0"` (an alias) resolves to, and its range.
fn descriptor_target(descriptor: &str) -> Option<(&str, &str)> {
    let (name, range) = split_at_version(descriptor.trim().trim_matches('"'))?;
    match range.strip_prefix("npm:").and_then(split_at_version) {
        Some(aliased) => Some(aliased),
        None => Some((name, range.strip_prefix("npm:").unwrap_or(range))),
    }
}

fn is_local(range: &str) -> bool {
    LOCAL_PROTOCOLS.iter().any(|p| range.starts_with(p))
}

/// Turns entries into packages, marking as `dev` those the project's runtime
/// dependencies do not reach (when the project's manifest is known).
fn emit(
    entries: &[Entry],
    path: &str,
    declared: Option<&Declared>,
) -> Result<Extracted, ExtractError> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        for d in &entry.descriptors {
            index.insert(d.as_str(), i);
        }
    }
    let lookup = |name: &str, range: &str| {
        index
            .get(format!("{name}@{range}").as_str())
            .or_else(|| index.get(format!("{name}@npm:{range}").as_str()))
            .copied()
    };
    let edges: Vec<Vec<usize>> = entries
        .iter()
        .map(|e| {
            e.dependencies
                .iter()
                .filter_map(|(n, r)| lookup(n, r))
                .collect()
        })
        .collect();
    // A manifest whose dependencies the lockfile does not resolve is out of
    // step with it: then nothing is marked rather than everything.
    let runtime = declared.filter(|d| !d.workspaces).and_then(|d| {
        let roots: Vec<usize> = d.runtime.iter().filter_map(|(n, r)| lookup(n, r)).collect();
        (roots.len() == d.runtime.len()).then(|| graph::reachable(roots, &edges))
    });

    let mut out = Extracted::default();
    for (i, entry) in entries.iter().enumerate() {
        let descriptor = entry
            .resolution
            .as_deref()
            .or(entry.descriptors.first().map(String::as_str))
            .unwrap_or("");
        let (name, range) = descriptor_target(descriptor).ok_or_else(|| {
            ExtractError::new(format!(
                "{}: {descriptor:?} is not a package descriptor",
                entry.origin
            ))
        })?;
        if is_local(range) {
            continue;
        }
        let raw = entry.version.as_deref().unwrap_or("");
        let Some(mut found) = lock_entry(name, raw, path) else {
            out.skip(
                path,
                unidentified(name, "no version in yarn.lock entry", raw),
            );
            continue;
        };
        if runtime.as_ref().is_some_and(|r| !r[i]) {
            found = found.scope("dev");
        }
        out.packages.push(found);
    }
    Ok(out)
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"')
}

/// yarn v1: unindented `desc, desc:` headers, indented `version "x"` fields and
/// `dependencies:` sections listing `name "range"`.
fn classic(text: &str) -> Result<Vec<Entry>, ExtractError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut in_dependencies = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            let header = trimmed.strip_suffix(':').ok_or_else(|| {
                ExtractError::new(format!(
                    "line {}: expected a package header ending in ':'",
                    index + 1
                ))
            })?;
            in_dependencies = false;
            entries.push(Entry {
                origin: format!("line {}", index + 1),
                descriptors: header.split(',').map(|d| unquote(d).to_string()).collect(),
                ..Entry::default()
            });
            continue;
        }
        let Some(entry) = entries.last_mut() else {
            return Err(ExtractError::new(format!(
                "line {}: indented field before any package header",
                index + 1
            )));
        };
        if indent <= 2 {
            in_dependencies = matches!(trimmed, "dependencies:" | "optionalDependencies:");
            if let Some(value) = trimmed.strip_prefix("version ") {
                entry.version = Some(unquote(value).to_string());
            }
        } else if in_dependencies {
            if let Some((name, range)) = trimmed.split_once(' ') {
                entry
                    .dependencies
                    .push((unquote(name).to_string(), unquote(range).to_string()));
            }
        }
    }
    Ok(entries)
}

fn scalar(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `name: range` pairs of a berry dependency section.
fn berry_dependencies(entry: &Mapping, section: &str) -> Vec<(String, String)> {
    entry
        .get(section)
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(name, range)| Some((name.as_str()?.to_string(), scalar(Some(range))?)))
        .collect()
}

/// yarn berry: a YAML map from `"desc, desc"` to `{version, resolution, ...}`;
/// `resolution` names the package actually installed (`name@npm:1.2.3`,
/// `name@patch:name@npm%3A1.2.3#...`, `name@workspace:.`).
fn berry(text: &str) -> Result<Vec<Entry>, ExtractError> {
    let Value::Mapping(map) = yaml::parse(text)? else {
        return Err(ExtractError::new("yarn.lock is not a YAML mapping"));
    };
    let mut entries = Vec::new();
    for (key, entry) in &map {
        let Some(key) = key.as_str() else { continue };
        if key == "__metadata" {
            continue;
        }
        let Value::Mapping(entry) = entry else {
            return Err(ExtractError::new(format!(
                "{key:?}: entry is not a mapping"
            )));
        };
        let mut dependencies = berry_dependencies(entry, "dependencies");
        dependencies.extend(berry_dependencies(entry, "optionalDependencies"));
        entries.push(Entry {
            origin: format!("entry {key:?}"),
            descriptors: key.split(',').map(|d| unquote(d).to_string()).collect(),
            resolution: scalar(entry.get("resolution")),
            version: scalar(entry.get("version")),
            dependencies,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::rows;

    /// A project manifest that needs `name@range` at run time.
    fn needs(name: &str, range: &str) -> Declared {
        Declared {
            runtime: vec![(name.into(), range.into())],
            workspaces: false,
        }
    }

    fn pairs(out: &Extracted) -> Vec<(String, String)> {
        let mut v: Vec<_> = out
            .packages
            .iter()
            .map(|f| (f.name.clone(), f.version.clone()))
            .collect();
        v.sort();
        v
    }

    fn owned(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    const CLASSIC: &str = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.10.4"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.10.4.tgz#168da1a3"
  integrity sha512-vG6SvB6oYEhvgisZNFRmRCUkLz11c7rp+tbNTynGqc6mS1d5ATd/sGyV6W0KZZnXRKMTzZDRgQT3Ou9jhpAfUg==
  dependencies:
    "@babel/highlight" "^7.10.4"

debug@2.6.8, debug@^2.6.0:
  version "2.6.8"
  resolved "https://registry.yarnpkg.com/debug/-/debug-2.6.8.tgz#e731531c"
  dependencies:
    ms "2.0.0"

ms@2.0.0:
  version "2.0.0"

"string-width-cjs@npm:string-width@^4.2.0":
  version "4.2.3"

"my-lib@file:./lib":
  version "0.0.1"

broken@^1.0.0:
  resolved "https://example.invalid/broken.tgz"
"#;

    #[test]
    fn classic_v1() {
        let out = parse("yarn.lock", CLASSIC, None).unwrap();
        assert_eq!(
            pairs(&out),
            owned(&[
                ("@babel/code-frame", "7.10.4"),
                ("debug", "2.6.8"),
                ("ms", "2.0.0"),
                ("string-width", "4.2.3"),
            ])
        );
        assert!(out.packages.iter().all(|f| f.install_path.is_none()));
        assert_eq!(out.skipped.len(), 1);
        assert!(out.skipped[0].reason.starts_with("broken: "));
    }

    const BERRY: &str = r#"# This file is generated by running "yarn install" inside your project.
# Manual changes might be lost - proceed with caution!

__metadata:
  version: 8
  cacheKey: 10c0

"@hapi/hoek@npm:^8.3.0, @hapi/hoek@npm:^8.5.0":
  version: 8.5.0
  resolution: "@hapi/hoek@npm:8.5.0"
  checksum: 10c0/abc
  languageName: node
  linkType: hard

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    "@hapi/hoek": "npm:^8.5.0"
  languageName: unknown
  linkType: soft

"lodash@patch:lodash@npm%3A4.17.15#~/.yarn/patches/lodash.patch":
  version: 4.17.15
  resolution: "lodash@patch:lodash@npm%3A4.17.15#~/.yarn/patches/lodash.patch::version=4.17.15"
  languageName: node
  linkType: hard

"sw@npm:string-width@^4.2.0":
  version: 4.2.3
  resolution: "string-width@npm:4.2.3"
  languageName: node
  linkType: hard
"#;

    #[test]
    fn berry() {
        let out = parse("yarn.lock", BERRY, None).unwrap();
        assert_eq!(
            pairs(&out),
            owned(&[
                ("@hapi/hoek", "8.5.0"),
                ("lodash", "4.17.15"),
                ("string-width", "4.2.3"),
            ])
        );
        assert!(out.skipped.is_empty());
    }

    #[test]
    fn classic_dev_dependencies_are_those_the_runtime_does_not_reach() {
        let declared = needs("debug", "^2.6.0");
        let out = parse("yarn.lock", CLASSIC, Some(&declared)).unwrap();
        assert_eq!(
            rows!(out.packages; name, scope),
            [
                ("@babel/code-frame", Some("dev")),
                ("debug", None),
                ("ms", None),
                ("string-width", Some("dev")),
            ]
        );
        let workspace = Declared {
            workspaces: true,
            ..declared
        };
        let out = parse("yarn.lock", CLASSIC, Some(&workspace)).unwrap();
        assert!(out.packages.iter().all(|f| f.scope.is_none()));
        let out = parse("yarn.lock", CLASSIC, Some(&needs("debug", "^3.0.0"))).unwrap();
        assert!(out.packages.iter().all(|f| f.scope.is_none()));
    }

    #[test]
    fn berry_dev_dependencies() {
        let out = parse("yarn.lock", BERRY, Some(&needs("@hapi/hoek", "^8.5.0"))).unwrap();
        assert_eq!(
            rows!(out.packages; name, scope),
            [
                ("@hapi/hoek", None),
                ("lodash", Some("dev")),
                ("string-width", Some("dev")),
            ]
        );
    }

    #[test]
    fn bad_yarn_locks_are_errors() {
        for text in [
            "this is not a lockfile\n",
            "  version \"1.0.0\"\n",
            "__metadata:\n  version: [\n",
            "nameonly:\n  version \"1.0.0\"\n",
            "__metadata:\n  version: 8\n\"a@npm:1\": 3\n",
        ] {
            assert!(parse("yarn.lock", text, None).is_err(), "{text}");
        }
    }
}
