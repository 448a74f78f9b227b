//! npm lockfiles: `package-lock.json`, `npm-shrinkwrap.json` and the hidden
//! `node_modules/.package-lock.json`. Version 1 nests `dependencies`; versions 2
//! and 3 key a `packages` map by install path (`""` is the project itself).
//!
//! Streamed: `serde_json` reads the lockfile from its reader (never held
//! whole) through visitors that keep only the fields used of each entry and
//! skip every other value without storing it. A 200 MB lockfile costs the
//! packages returned, not its own size; a `serde_json::Value` of it cost over
//! 10 times its size.

use super::json_stream::{skip_bom, Flag, Members, ObjectOr, Text};
use super::platform::json_list;
use super::{lock_entry, paths, split_at_version, unidentified, NO_REGISTRY_VERSION};
use crate::extract::quota::FileQuota;
use crate::extract::{ExtractError, Extracted};
use crate::package::Found;
use crate::platform::PlatformConstraint;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::io::Read;

/// Parses a lockfile at `path`, read from `input`, whose install paths are
/// relative to `project`.
#[cfg(test)]
pub(super) fn parse(
    path: &str,
    project: &str,
    input: impl Read,
) -> Result<Extracted, ExtractError> {
    parse_within(
        path,
        project,
        input,
        &FileQuota::new(&crate::extract::quota::PackageQuota::unlimited()),
    )
}

/// [`parse`], taking each package from `quota` as it is read (the parse stops
/// when it is refused).
pub(super) fn parse_within(
    path: &str,
    project: &str,
    input: impl Read,
    quota: &FileQuota,
) -> Result<Extracted, ExtractError> {
    let context = Context {
        path,
        project,
        quota,
    };
    let mut de = serde_json::Deserializer::from_reader(skip_bom(input));
    let top = ObjectOr(Top(&context))
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))?;
    let top = top.ok_or_else(|| ExtractError::new("lockfile is not a JSON object"))?;
    match (top.packages, top.dependencies) {
        (Some(Some(packages)), _) => Ok(packages),
        (Some(None), _) => Err(ExtractError::new("\"packages\" is not an object")),
        (None, Some(Some(dependencies))) => Ok(dependencies),
        (None, Some(None)) => Err(ExtractError::new("\"dependencies\" is not an object")),
        (None, None) => Ok(Extracted::default()),
    }
}

/// The lockfile being read.
struct Context<'a> {
    path: &'a str,
    project: &'a str,
    quota: &'a FileQuota<'a>,
}

impl Context<'_> {
    /// Takes one package from the quota, or stops the parse.
    fn take_one<E: serde::de::Error>(&self) -> Result<(), E> {
        self.quota.take_one().map_err(E::custom)
    }
}

/// The top-level members read: `packages` (v2, v3) and `dependencies` (v1),
/// each `Some(None)` when present but not an object.
struct Top<'c>(&'c Context<'c>);

#[derive(Default)]
struct TopOut {
    packages: Option<Option<Extracted>>,
    dependencies: Option<Option<Extracted>>,
}

impl<'de> Members<'de> for Top<'_> {
    type Out = TopOut;
    fn read<M: MapAccess<'de>>(self, mut map: M) -> Result<TopOut, M::Error> {
        let mut out = TopOut::default();
        while let Some(key) = map.next_key::<Member>()? {
            match key {
                Member::Packages => {
                    let packages = map.next_value_seed(ObjectOr(Packages(self.0)))?;
                    out.packages = Some(packages);
                    // v2 repeats every package in `dependencies`: no longer needed.
                    out.dependencies = None;
                }
                Member::Dependencies if out.packages.is_none() => {
                    let seed = ObjectOr(Dependencies {
                        context: self.0,
                        parent: self.0.project,
                    });
                    out.dependencies = Some(map.next_value_seed(seed)?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// The member names that are read, matched without allocating.
enum Member {
    Packages,
    Dependencies,
    Name,
    Version,
    Dev,
    Optional,
    DevOptional,
    Link,
    Os,
    Cpu,
    Libc,
    Other,
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MemberVisitor;
        impl Visitor<'_> for MemberVisitor {
            type Value = Member;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E>(self, v: &str) -> Result<Member, E> {
                Ok(match v {
                    "packages" => Member::Packages,
                    "dependencies" => Member::Dependencies,
                    "name" => Member::Name,
                    "version" => Member::Version,
                    "dev" => Member::Dev,
                    "optional" => Member::Optional,
                    "devOptional" => Member::DevOptional,
                    "link" => Member::Link,
                    "os" => Member::Os,
                    "cpu" => Member::Cpu,
                    "libc" => Member::Libc,
                    _ => Member::Other,
                })
            }
        }
        deserializer.deserialize_str(MemberVisitor)
    }
}

/// The fields of one entry that are read.
#[derive(Default)]
struct Fields {
    name: Option<String>,
    version: Option<String>,
    dev: bool,
    optional: bool,
    dev_optional: bool,
    link: bool,
    /// npm's `os` / `cpu` / `libc`: the platforms the package installs on.
    platform: PlatformConstraint,
    /// Version 1: the entries nested below this one, read into their own result.
    dependencies: Option<Extracted>,
}

/// One entry's members; for version 1, `nested` is its install path, under
/// which its own `dependencies` are read.
struct Entry<'c> {
    nested: Option<(&'c Context<'c>, String)>,
}

impl<'de> Members<'de> for Entry<'_> {
    type Out = Fields;
    fn read<M: MapAccess<'de>>(self, mut map: M) -> Result<Fields, M::Error> {
        let mut fields = Fields::default();
        while let Some(key) = map.next_key::<Member>()? {
            match key {
                Member::Name => fields.name = map.next_value::<Text>()?.0,
                Member::Version => fields.version = map.next_value::<Text>()?.0,
                Member::Dev => fields.dev = map.next_value::<Flag>()?.0,
                Member::Optional => fields.optional = map.next_value::<Flag>()?.0,
                Member::DevOptional => fields.dev_optional = map.next_value::<Flag>()?.0,
                Member::Link => fields.link = map.next_value::<Flag>()?.0,
                Member::Os => fields.platform.os = json_list(&map.next_value()?),
                Member::Cpu => fields.platform.cpu = json_list(&map.next_value()?),
                Member::Libc => fields.platform.libc = json_list(&map.next_value()?),
                Member::Dependencies => match &self.nested {
                    Some((context, install)) => {
                        let seed = ObjectOr(Dependencies {
                            context,
                            parent: install,
                        });
                        fields.dependencies = map.next_value_seed(seed)?;
                    }
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(fields)
    }
}

/// `dev` when only development needs it; `optional` for optional dependencies
/// (`devOptional` ones are installed unless optional dependencies are omitted).
fn scope_of(entry: &Fields) -> Option<&'static str> {
    if entry.dev {
        Some("dev")
    } else if entry.optional || entry.dev_optional {
        Some("optional")
    } else {
        None
    }
}

/// A locked package installed at `install`, with the entry's scope.
fn installed(found: Found, install: String, entry: &Fields) -> Found {
    let found = found.installed_at(install).platform(entry.platform.clone());
    match scope_of(entry) {
        Some(scope) => found.scope(scope),
        None => found,
    }
}

/// Lockfile v2/v3: `"node_modules/a/node_modules/b": { "version": ... }`.
struct Packages<'c>(&'c Context<'c>);

impl<'de> Members<'de> for Packages<'_> {
    type Out = Extracted;
    fn read<M: MapAccess<'de>>(self, mut map: M) -> Result<Extracted, M::Error> {
        let Context { path, project, .. } = *self.0;
        let mut out = Extracted::default();
        while let Some(key) = map.next_key::<String>()? {
            // "" is the project; keys outside node_modules are workspace folders
            // (the project's own code); links point at those folders.
            if key.is_empty() || !paths::in_node_modules(&key) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let Some(entry) = map.next_value_seed(ObjectOr(Entry { nested: None }))? else {
                out.skip(path, format!("{key:?}: entry is not an object"));
                continue;
            };
            if entry.link {
                continue;
            }
            let dir_name = key.rsplit_once("node_modules/").map_or(&*key, |(_, n)| n);
            let name = entry.name.as_deref().unwrap_or(dir_name);
            let raw_version = entry.version.as_deref().unwrap_or("");
            match lock_entry(name, raw_version, path) {
                Some(found) => {
                    self.0.take_one()?;
                    out.packages
                        .push(installed(found, paths::under(project, &key), &entry))
                }
                None => out.skip(path, unidentified(&key, NO_REGISTRY_VERSION, raw_version)),
            }
        }
        Ok(out)
    }
}

/// Lockfile v1: `"dependencies": { "a": { "version": ..., "dependencies": {...} } }`,
/// where nesting mirrors `node_modules` nesting below `parent`.
struct Dependencies<'c> {
    context: &'c Context<'c>,
    parent: &'c str,
}

impl<'de> Members<'de> for Dependencies<'_> {
    type Out = Extracted;
    fn read<M: MapAccess<'de>>(self, mut map: M) -> Result<Extracted, M::Error> {
        let path = self.context.path;
        let mut out = Extracted::default();
        while let Some(dir_name) = map.next_key::<String>()? {
            let install = paths::under(self.parent, &format!("node_modules/{dir_name}"));
            let seed = ObjectOr(Entry {
                nested: Some((self.context, install.clone())),
            });
            let Some(mut entry) = map.next_value_seed(seed)? else {
                out.skip(path, format!("{dir_name:?}: entry is not an object"));
                continue;
            };
            let raw_version = entry.version.as_deref().unwrap_or("");
            // An alias records `npm:<real name>@<version>`.
            let (name, locked) = match raw_version.strip_prefix("npm:").and_then(split_at_version) {
                Some((real, v)) => (real, v),
                None => (&*dir_name, raw_version),
            };
            match lock_entry(name, locked, path) {
                Some(found) => {
                    self.context.take_one()?;
                    out.packages.push(installed(found, install.clone(), &entry))
                }
                None => out.skip(
                    path,
                    unidentified(&install, NO_REGISTRY_VERSION, raw_version),
                ),
            }
            if let Some(nested) = entry.dependencies.take() {
                out.append(nested);
            }
        }
        Ok(out)
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
        let out = parse("nodejs/package-lock.json", "nodejs", V3.as_bytes()).unwrap();
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
        let out = parse("npm-shrinkwrap.json", "", v1.as_bytes()).unwrap();
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
        let out = parse("package-lock.json", "", text.as_bytes()).unwrap();
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
    fn v1_nesting_is_read_as_deep_as_serde_json_reads() {
        // As deep as serde_json reads (its limit is 128 levels).
        let depth = 60;
        let mut text = String::new();
        for _ in 0..depth {
            text.push_str(r#"{"version": "1.0.0", "dependencies": {"a": "#);
        }
        text.push_str(r#"{"version": "1.0.0"}"#);
        text.push_str(&"}}".repeat(depth));
        let lock = format!(r#"{{"dependencies": {{"a": {text}}}}}"#);
        let out = parse("package-lock.json", "", lock.as_bytes()).unwrap();
        assert_eq!(out.packages.len(), depth + 1);
        let deepest = "node_modules/a".to_string() + &"/node_modules/a".repeat(depth);
        assert!(out
            .packages
            .iter()
            .any(|f| f.install_path.as_deref() == Some(deepest.as_str())));
    }

    #[test]
    fn a_byte_order_mark_and_v2_legacy_dependencies_are_read_past() {
        let text = "\u{feff}{\"dependencies\": {\"old\": {\"version\": \"1.0.0\"}},
            \"packages\": {\"node_modules/new\": {\"version\": \"2.0.0\"}},
            \"dependencies\": {\"old\": {\"version\": \"1.0.0\"}}}";
        let out = parse("package-lock.json", "", text.as_bytes()).unwrap();
        assert_eq!(
            summary(&out),
            vec![row("new", "2.0.0", "node_modules/new", None)]
        );
    }

    #[test]
    fn lockfile_without_dependencies_is_empty() {
        let out = parse("package-lock.json", "", &br#"{"lockfileVersion": 3}"#[..]).unwrap();
        assert_eq!(out, Extracted::default());
    }

    #[test]
    fn bad_lockfiles_are_errors() {
        let err = |text: &str| parse("package-lock.json", "", text.as_bytes()).unwrap_err();
        assert!(err("{").to_string().starts_with("invalid JSON: "));
        assert_eq!(err("\"x\"").to_string(), "lockfile is not a JSON object");
        assert_eq!(
            err(r#"{"packages": []}"#).to_string(),
            "\"packages\" is not an object"
        );
        assert_eq!(
            err(r#"{"dependencies": 1}"#).to_string(),
            "\"dependencies\" is not an object"
        );
        assert!(err(r#"{"packages": {}} x"#)
            .to_string()
            .contains("trailing characters"));
        let odd = parse(
            "package-lock.json",
            "",
            &br#"{"packages": {"node_modules/a": 1}}"#[..],
        );
        assert_eq!(odd.unwrap().skipped.len(), 1);
    }
}
