//! `yarn.lock`: the classic (v1) custom format and the berry (v2+) YAML format,
//! told apart by berry's `__metadata` block. Neither records install paths or
//! development-only status; the latter is worked out from the project's
//! `package.json` and the lockfile's dependency edges.

use super::package_json::Declared;
use super::{lock_entry, split_at_version, unidentified};
use crate::extract::quota::FileQuota;
use crate::extract::yaml::{self, EntryKeys, Mapping, Value};
use crate::extract::{graph, ExtractError, Extracted};
use std::collections::HashMap;
use std::io::{BufRead, Read};

fn unreadable(e: std::io::Error) -> ExtractError {
    ExtractError::new(format!("cannot read: {e}"))
}

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
/// when there is one beside the lockfile. One odd entry is skipped with its
/// reason; only a file with no entry at all is an error.
#[cfg(test)]
pub(super) fn parse(
    path: &str,
    text: &str,
    declared: Option<&Declared>,
) -> Result<Extracted, ExtractError> {
    let unlimited = crate::extract::quota::PackageQuota::unlimited();
    parse_within(
        path,
        &mut text.as_bytes(),
        declared,
        &FileQuota::new(&unlimited),
    )
}

/// Parses either flavour of `yarn.lock` as it is read: berry (whose first key
/// is `__metadata`) as a stream of YAML events; classic, and a berry file
/// whose metadata comes later, held whole.
///
/// A berry file's entries are taken from `quota` as they are met (once it
/// refuses one, no later entry is built and the parse fails with the limit);
/// a classic file is held whole and charged by the caller.
pub(super) fn parse_within(
    path: &str,
    input: &mut dyn BufRead,
    declared: Option<&Declared>,
    quota: &FileQuota,
) -> Result<Extracted, ExtractError> {
    let mut out = Extracted::default();
    let mut odd = |reason: String| out.skip(path, reason);
    let mut head = String::new();
    let berry_first = loop {
        let start = head.len();
        if input.read_line(&mut head).map_err(unreadable)? == 0 {
            break false;
        }
        let line = head[start..].trim_end();
        if !(line.is_empty() || line.starts_with('#')) {
            break line == "__metadata:";
        }
    };
    let entries = if berry_first {
        berry(&mut head.as_bytes().chain(input), &mut odd, quota)?
    } else {
        input.read_to_string(&mut head).map_err(unreadable)?;
        let text = head.strip_prefix('\u{feff}').unwrap_or(&head);
        if text.lines().any(|l| l.trim_end() == "__metadata:") {
            berry(&mut text.as_bytes(), &mut odd, quota)?
        } else {
            classic(text, &mut odd)?
        }
    };
    emit(&entries, path, declared, out)
}

/// What the inventory reads of a berry lockfile: each entry's version,
/// resolution and dependency sections.
fn kept(path: &[&str]) -> bool {
    match path {
        [_, field] => matches!(
            *field,
            "version" | "resolution" | "dependencies" | "optionalDependencies"
        ),
        _ => true,
    }
}

/// The package a descriptor such as `"lodash@^4.17.15"` or
/// `"sw@npm:string-width@^4.2.0"` (an alias) resolves to, and its range.
/// A header without `@range` (`nameonly:`, written by some tools) is the name
/// alone, with an empty range.
fn descriptor_target(descriptor: &str) -> Option<(&str, &str)> {
    let descriptor = descriptor.trim().trim_matches('"');
    let Some((name, range)) = split_at_version(descriptor) else {
        let bare = !descriptor.contains(char::is_whitespace)
            && match descriptor.strip_prefix('@') {
                Some(scoped) => scoped
                    .split_once('/')
                    .is_some_and(|(scope, name)| !scope.is_empty() && !name.is_empty()),
                None => !descriptor.is_empty(),
            };
        return bare.then_some((descriptor, ""));
    };
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
    mut out: Extracted,
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

    for (i, entry) in entries.iter().enumerate() {
        let descriptor = entry
            .resolution
            .as_deref()
            .or(entry.descriptors.first().map(String::as_str))
            .unwrap_or("");
        let Some((name, range)) = descriptor_target(descriptor) else {
            out.skip(
                path,
                format!(
                    "{}: {descriptor:?} is not a package descriptor; entry not read",
                    entry.origin
                ),
            );
            continue;
        };
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

/// A v1 line's key and value, as yarn's own tokenizer reads them: the key bare
/// or quoted (`version "1.0.0"`, `"version" "1.0.0"`), an optional `:` after
/// it (`version: 1.0.0`), and an empty value for a section (`dependencies:`).
fn key_and_value(line: &str) -> (&str, &str) {
    let (key, rest) = match line.strip_prefix('"') {
        Some(body) => {
            let mut escaped = false;
            let end = body
                .char_indices()
                .find(|&(_, c)| {
                    let closes = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    closes
                })
                .map_or(body.len(), |(i, _)| i);
            (&body[..end], body.get(end + 1..).unwrap_or(""))
        }
        None => {
            let end = line
                .find(|c: char| c.is_whitespace() || c == ':')
                .unwrap_or(line.len());
            (&line[..end], &line[end..])
        }
    };
    let rest = rest.trim_start();
    (key, unquote(rest.strip_prefix(':').unwrap_or(rest)))
}

/// yarn v1: unindented `desc, desc:` headers, indented `version "x"` fields and
/// `dependencies:` sections listing `name "range"`. A line that fits nowhere
/// is skipped (with the lines indented under it), through `odd`; a file with
/// such lines and no entry at all is not a yarn lockfile.
fn classic(text: &str, odd: &mut dyn FnMut(String)) -> Result<Vec<Entry>, ExtractError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut in_dependencies = false;
    // False after an unreadable header, until the next one.
    let mut in_entry = false;
    let mut first_odd = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let number = index + 1;
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            in_dependencies = false;
            in_entry = false;
            let Some(header) = trimmed.strip_suffix(':') else {
                first_odd.get_or_insert(number);
                odd(format!(
                    "line {number}: expected a package header ending in ':'; line not read"
                ));
                continue;
            };
            in_entry = true;
            entries.push(Entry {
                origin: format!("line {number}"),
                descriptors: header.split(',').map(|d| unquote(d).to_string()).collect(),
                ..Entry::default()
            });
            continue;
        }
        let Some(entry) = entries.last_mut().filter(|_| in_entry) else {
            first_odd.get_or_insert(number);
            continue;
        };
        let (key, value) = key_and_value(trimmed);
        if indent <= 2 {
            in_dependencies =
                value.is_empty() && matches!(key, "dependencies" | "optionalDependencies");
            if key == "version" && !value.is_empty() {
                entry.version = Some(value.to_string());
            }
        } else if in_dependencies && !value.is_empty() {
            entry
                .dependencies
                .push((key.to_string(), value.to_string()));
        }
    }
    match first_odd {
        Some(line) if entries.is_empty() => Err(ExtractError::new(format!(
            "line {line}: not a yarn lockfile (no package entry)"
        ))),
        _ => Ok(entries),
    }
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
fn berry(
    input: &mut dyn BufRead,
    odd: &mut dyn FnMut(String),
    quota: &FileQuota,
) -> Result<Vec<Entry>, ExtractError> {
    let keys = EntryKeys::default();
    let keep = |path: &[&str]| {
        if let [key] = path {
            if keys.is_new(key) && *key != "__metadata" && quota.take_one().is_err() {
                return false;
            }
        }
        !quota.stopped() && kept(path)
    };
    let lock = yaml::parse(input, &keep)?;
    if let Some(reached) = quota.reached() {
        return Err(ExtractError::new(reached.to_string()));
    }
    let Value::Mapping(map) = lock else {
        return Err(ExtractError::new("yarn.lock is not a YAML mapping"));
    };
    let mut entries = Vec::new();
    for (key, entry) in &map {
        let Some(key) = key.as_str() else { continue };
        if key == "__metadata" {
            continue;
        }
        let Value::Mapping(entry) = entry else {
            odd(format!("{key:?}: entry is not a mapping; not read"));
            continue;
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
    fn the_package_limit_stops_a_berry_parse() {
        let entries = BERRY
            .lines()
            .filter(|l| !l.starts_with([' ', '#']) && l.ends_with(':') && *l != "__metadata:")
            .count();
        let within = |limit| {
            let quota = crate::extract::quota::PackageQuota::of(limit);
            let file = FileQuota::new(&quota);
            parse_within("yarn.lock", &mut BERRY.as_bytes(), None, &file).map(|_| file.taken())
        };
        assert_eq!(within(entries).unwrap(), entries);
        let err = within(entries - 1).unwrap_err().to_string();
        assert!(err.contains("packages in this artifact"), "{err}");
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
        ] {
            assert!(parse("yarn.lock", text, None).is_err(), "{text}");
        }
    }

    #[test]
    fn quoted_keys_are_read_like_yarn_reads_them() {
        // Issue 13: keys yarn's tokenizer reads as strings, quoted or not,
        // with or without a colon (as other tools write them).
        let text = "\"left-pad@^1.0.0\":\n  \"version\" \"1.3.0\"\n  \"dependencies\":\n    \"ms\" \"^2.0.0\"\n\nms@^2.0.0:\n  version: 2.1.2\n";
        let out = parse("yarn.lock", text, Some(&needs("left-pad", "^1.0.0"))).unwrap();
        assert_eq!(
            rows!(out.packages; name, version, scope),
            [("left-pad", "1.3.0", None), ("ms", "2.1.2", None)]
        );
        assert_eq!(key_and_value(r#""a\"b" "1""#), (r#"a\"b"#, "1"));
        assert_eq!(key_and_value("dependencies:"), ("dependencies", ""));
    }

    #[test]
    fn one_odd_entry_is_skipped_not_the_whole_file() {
        // Issue 13: a header without `@range`, a stray top-level line and a
        // descriptor that names no package cost only themselves.
        let text = "nameonly:\n  version \"1.0.0\"\n\nstray line\n  version \"9.9.9\"\n\n\"@\":\n  version \"2.0.0\"\n\nms@2.0.0:\n  version \"2.0.0\"\n";
        let out = parse("yarn.lock", text, None).unwrap();
        assert_eq!(
            pairs(&out),
            owned(&[("ms", "2.0.0"), ("nameonly", "1.0.0")])
        );
        let reasons: Vec<&str> = out.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "line 4: expected a package header ending in ':'; line not read",
                "line 7: \"@\" is not a package descriptor; entry not read",
            ]
        );
        let berry = "__metadata:\n  version: 8\n\"a@npm:1\": 3\n\"b@npm:1\":\n  version: 1.0.0\n  resolution: \"b@npm:1.0.0\"\n";
        let out = parse("yarn.lock", berry, None).unwrap();
        assert_eq!(pairs(&out), owned(&[("b", "1.0.0")]));
        assert_eq!(out.skipped.len(), 1);
    }
}
