//! npm lockfiles: `package-lock.json`, `npm-shrinkwrap.json` and the hidden
//! `node_modules/.package-lock.json`. Version 1 nests `dependencies`; versions 2
//! and 3 key a `packages` map by install path (`""` is the project itself).
//!
//! Lean by design: the text is walked once by `serde_json` into borrowed raw
//! slices (`&RawValue`), and each entry is read from its slice when its turn
//! comes, keeping only the fields used. A `serde_json::Value` of the whole
//! lockfile cost over 10 times the file's size; this costs the entries' keys
//! and the packages returned.

use super::{lock_entry, paths, split_at_version, unidentified, NO_REGISTRY_VERSION};
use crate::extract::{ExtractError, Extracted};
use crate::package::Found;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The top-level keys read; every other key is skipped without being stored.
#[derive(Deserialize)]
struct Lockfile<'a> {
    #[serde(borrow)]
    packages: Option<&'a RawValue>,
    #[serde(borrow)]
    dependencies: Option<&'a RawValue>,
}

/// The keys of one entry that are read.
#[derive(Default, Deserialize)]
struct Fields<'a> {
    #[serde(borrow)]
    name: Option<&'a RawValue>,
    #[serde(borrow)]
    version: Option<&'a RawValue>,
    #[serde(borrow)]
    dev: Option<&'a RawValue>,
    #[serde(borrow)]
    optional: Option<&'a RawValue>,
    #[serde(borrow, rename = "devOptional")]
    dev_optional: Option<&'a RawValue>,
    #[serde(borrow)]
    link: Option<&'a RawValue>,
    #[serde(borrow)]
    os: Option<&'a RawValue>,
    #[serde(borrow)]
    cpu: Option<&'a RawValue>,
    #[serde(borrow)]
    libc: Option<&'a RawValue>,
    /// Version 1: the entries nested below this one.
    #[serde(borrow)]
    dependencies: Option<&'a RawValue>,
}

/// An object's members in file order, values left as raw slices; `None` when
/// the value is not an object.
fn members(raw: &RawValue) -> Option<Vec<(Cow<'_, str>, &RawValue)>> {
    if !raw.get().starts_with('{') {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    Members::deserialize(&mut de).ok().map(|m| m.0)
}

struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Members<'de>, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((key, value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    out.push((key.0, value));
                }
                Ok(Members(out))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// An object key, borrowed from the text unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A member's value as text, when it is a JSON string.
fn text(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let json = raw?.get();
    if !json.starts_with('"') {
        return None;
    }
    serde_json::from_str::<&str>(json)
        .map(Cow::Borrowed)
        .or_else(|_| serde_json::from_str::<String>(json).map(Cow::Owned))
        .ok()
}

/// A member that is `true`.
fn flag(raw: Option<&RawValue>) -> bool {
    raw.is_some_and(|r| r.get() == "true")
}

/// Parses a lockfile at `path` whose install paths are relative to `project`.
pub(super) fn parse(path: &str, project: &str, text: &str) -> Result<Extracted, ExtractError> {
    let lock: Lockfile = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            ExtractError::new("lockfile is not a JSON object")
        } else {
            e.into()
        }
    })?;
    let mut out = Extracted::default();
    match (lock.packages, lock.dependencies) {
        (Some(packages), _) => {
            let packages = members(packages)
                .ok_or_else(|| ExtractError::new("\"packages\" is not an object"))?;
            from_packages(packages, path, project, &mut out);
        }
        (None, Some(deps)) => {
            let deps = members(deps)
                .ok_or_else(|| ExtractError::new("\"dependencies\" is not an object"))?;
            from_dependencies(deps, path, project, &mut out);
        }
        (None, None) => {}
    }
    Ok(out)
}

/// One entry's fields; `None` (and a skip) when it is not a readable object.
fn fields<'a>(key: &str, raw: &'a RawValue, path: &str, out: &mut Extracted) -> Option<Fields<'a>> {
    if !raw.get().starts_with('{') {
        out.skip(path, format!("{key:?}: entry is not an object"));
        return None;
    }
    match serde_json::from_str(raw.get()) {
        Ok(fields) => Some(fields),
        Err(e) => {
            out.skip(path, format!("{key:?}: entry cannot be read: {e}"));
            None
        }
    }
}

/// `dev` when only development needs it; `optional` for optional dependencies
/// (`devOptional` ones are installed unless optional dependencies are omitted).
fn scope_of(entry: &Fields<'_>) -> Option<&'static str> {
    if flag(entry.dev) {
        Some("dev")
    } else if flag(entry.optional) || flag(entry.dev_optional) {
        Some("optional")
    } else {
        None
    }
}

/// A locked package installed at `install`, with the entry's scope.
fn installed(found: Found, install: String, entry: &Fields<'_>) -> Found {
    let found = found
        .installed_at(install)
        .platform(super::platform::from_json(entry.os, entry.cpu, entry.libc));
    match scope_of(entry) {
        Some(scope) => found.scope(scope),
        None => found,
    }
}

/// Lockfile v2/v3: `"node_modules/a/node_modules/b": { "version": ... }`.
fn from_packages<'a>(
    packages: Vec<(Cow<'a, str>, &'a RawValue)>,
    path: &str,
    project: &str,
    out: &mut Extracted,
) {
    for (key, raw) in packages {
        // "" is the project; keys outside node_modules are workspace folders
        // (the project's own code); links point at those folders.
        if key.is_empty() || !paths::in_node_modules(&key) {
            continue;
        }
        let Some(entry) = fields(&key, raw, path, out) else {
            continue;
        };
        if flag(entry.link) {
            continue;
        }
        let dir_name = key.rsplit_once("node_modules/").map_or(&*key, |(_, n)| n);
        let name = text(entry.name);
        let name = name.as_deref().unwrap_or(dir_name);
        let version = text(entry.version);
        let raw_version = version.as_deref().unwrap_or("");
        match lock_entry(name, raw_version, path) {
            Some(found) => out
                .packages
                .push(installed(found, paths::under(project, &key), &entry)),
            None => out.skip(path, unidentified(&key, NO_REGISTRY_VERSION, raw_version)),
        }
    }
}

/// Lockfile v1: `"dependencies": { "a": { "version": ..., "dependencies": {...} } }`,
/// where nesting mirrors `node_modules` nesting. Walked with an explicit stack,
/// so that deep nesting costs no native stack.
fn from_dependencies<'a>(
    deps: Vec<(Cow<'a, str>, &'a RawValue)>,
    path: &str,
    parent: &str,
    out: &mut Extracted,
) {
    let mut stack = vec![(parent.to_string(), deps.into_iter())];
    while let Some((parent, mut level)) = stack.pop() {
        let Some((dir_name, raw)) = level.next() else {
            continue;
        };
        let install = paths::under(&parent, &format!("node_modules/{dir_name}"));
        stack.push((parent, level));
        let Some(entry) = fields(&dir_name, raw, path, out) else {
            continue;
        };
        let version = text(entry.version);
        let raw_version = version.as_deref().unwrap_or("");
        // An alias records `npm:<real name>@<version>`.
        let (name, locked) = match raw_version.strip_prefix("npm:").and_then(split_at_version) {
            Some((real, v)) => (real, v),
            None => (&*dir_name, raw_version),
        };
        match lock_entry(name, locked, path) {
            Some(found) => out.packages.push(installed(found, install.clone(), &entry)),
            None => out.skip(
                path,
                unidentified(&install, NO_REGISTRY_VERSION, raw_version),
            ),
        }
        if let Some(nested) = entry.dependencies.and_then(members) {
            stack.push((install, nested.into_iter()));
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
    fn escaped_text_and_odd_field_types_are_read_like_json() {
        let text = r#"{"packages": {
          "node_modules/\u0061": {"version": "1.0.\u0030", "dev": "yes", "name": 7},
          "node_modules/b": {"version": 2},
          "node_modules/c": {"version": "1.0.0", "link": true},
          "node_modules/d": ["not", "an", "object"]
        }}"#;
        let out = parse("package-lock.json", "", text).unwrap();
        assert_eq!(
            summary(&out),
            vec![row("a", "1.0.0", "node_modules/a", None)]
        );
        let reasons: Vec<&str> = out.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].starts_with("node_modules/b: "), "{reasons:?}");
        assert_eq!(reasons[1], "\"node_modules/d\": entry is not an object");
    }

    #[test]
    fn v1_nesting_is_walked_without_recursion() {
        // As deep as serde_json reads (its limit is 128 levels).
        let depth = 60;
        let mut text = String::new();
        for _ in 0..depth {
            text.push_str(r#"{"version": "1.0.0", "dependencies": {"a": "#);
        }
        text.push_str(r#"{"version": "1.0.0"}"#);
        text.push_str(&"}}".repeat(depth));
        let lock = format!(r#"{{"dependencies": {{"a": {text}}}}}"#);
        let out = parse("package-lock.json", "", &lock).unwrap();
        assert_eq!(out.packages.len(), depth + 1);
        let deepest = "node_modules/a".to_string() + &"/node_modules/a".repeat(depth);
        assert!(out
            .packages
            .iter()
            .any(|f| f.install_path.as_deref() == Some(deepest.as_str())));
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
