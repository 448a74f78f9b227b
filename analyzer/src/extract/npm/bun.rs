//! `bun.lock`: bun's text lockfile, JSON with comments and trailing commas.
//! `packages` maps an install key to `["name@version", registry, info, integrity]`
//! (workspace, link, folder and git packages use other specifiers). A nested
//! key (`debug/ms`) is a copy installed under its parent. Packages the
//! workspaces' runtime dependencies do not reach are development-only.
//!
//! Streamed: the JSONC is turned into JSON as it is read ([`Jsonc`]) and read
//! by visitors that keep, of each entry, its key, its `name@version` and the
//! names of its runtime dependencies; nothing else is stored.

use super::json_stream::{skip_bom, Members, ObjectOr, Text};
use super::jsonc::Jsonc;
use super::{lock_entry, split_at_version, unidentified};
use crate::extract::quota::FileQuota;
use crate::extract::{graph, ExtractError, Extracted};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;

/// Specifiers of packages that live inside the project.
const LOCAL: [&str; 4] = ["workspace:", "link:", "file:", "root:"];

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
    fn new(packages: &'k [Entry]) -> Folders<'k> {
        let mut folders = Folders {
            children: HashMap::new(),
            parent: vec![0],
            package: vec![None],
        };
        for (i, key) in packages.iter().map(|p| p.key.as_str()).enumerate() {
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

/// One `packages` entry: `key: ["name@version", registry, info, integrity]`,
/// as much of it as is used.
struct Entry {
    key: String,
    /// The first element, when it is a string.
    spec: Option<String>,
    /// The runtime dependency names of the first object (the package's info).
    runtime: Vec<NameId>,
}

/// A workspace: its name and runtime dependency names.
#[derive(Default)]
struct Workspace {
    name: Option<String>,
    runtime: Vec<NameId>,
}

/// A dependency name, interned: the same few names recur in every entry's
/// dependencies, and each is stored once.
type NameId = u32;

/// The lockfile being read: the quota its entries are taken from, and the
/// dependency names met so far.
struct Reading<'q> {
    quota: &'q FileQuota<'q>,
    names: RefCell<HashMap<String, NameId>>,
}

impl Reading<'_> {
    fn intern(&self, name: String) -> NameId {
        let mut names = self.names.borrow_mut();
        let next = names.len() as NameId;
        *names.entry(name).or_insert(next)
    }

    /// Every interned name, by its id.
    fn names(&self) -> Vec<String> {
        let mut names = vec![String::new(); self.names.borrow().len()];
        for (name, id) in self.names.take() {
            names[id as usize] = name;
        }
        names
    }
}

/// Which `packages` entries (in file order) the workspaces' runtime
/// dependencies reach; `None` when the lockfile lists no workspaces.
fn runtime_reach(
    workspaces: Option<&[Workspace]>,
    packages: &[Entry],
    names: &[String],
) -> Option<Vec<bool>> {
    let workspaces = workspaces?;
    let mut folders = Folders::new(packages);
    let own_folders: Vec<usize> = packages
        .iter()
        .map(|entry| folders.insert(0, &key_segments(&entry.key)))
        .collect();
    let edges: Vec<Vec<usize>> = packages
        .iter()
        .zip(&own_folders)
        .map(|(entry, &folder)| {
            entry
                .runtime
                .iter()
                .filter_map(|&name| folders.resolve(folder, &names[name as usize]))
                .collect()
        })
        .collect();
    let mut roots = Vec::new();
    for workspace in workspaces {
        // A workspace sees its own folder (named after it), then the root's.
        let own = workspace
            .name
            .as_deref()
            .and_then(|name| folders.find(0, &key_segments(name)));
        roots.extend(workspace.runtime.iter().filter_map(|&name| {
            let name = &names[name as usize];
            own.and_then(|folder| folders.lookup(folder, name))
                .or_else(|| folders.lookup(0, name))
        }));
    }
    Some(graph::reachable(roots, &edges))
}

/// Parses `bun.lock` at `path`, read from `input`, taking each entry of
/// `packages` from `quota` as it is read (the parse stops when it is refused).
pub(super) fn parse(
    path: &str,
    input: impl BufRead,
    quota: &FileQuota,
) -> Result<Extracted, ExtractError> {
    let mut de = serde_json::Deserializer::from_reader(skip_bom(Jsonc::new(input)));
    let reading = Reading {
        quota,
        names: RefCell::default(),
    };
    let lock = ObjectOr(Top(&reading))
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))?;
    let lock = lock.ok_or_else(|| ExtractError::new("bun.lock is not a JSON object"))?;
    let packages = match lock.packages {
        Some(Some(p)) => p,
        None => return Ok(Extracted::default()),
        Some(None) => return Err(ExtractError::new("\"packages\" is not an object")),
    };
    let names = reading.names();
    let runtime = runtime_reach(lock.workspaces.flatten().as_deref(), &packages, &names);
    let mut out = Extracted::default();
    for (i, entry) in packages.iter().enumerate() {
        let key = entry.key.as_str();
        let Some((name, spec)) = entry.spec.as_deref().and_then(split_at_version) else {
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

/// The top-level members read: `workspaces` and `packages`, each `Some(None)`
/// when present but not an object.
struct Top<'r>(&'r Reading<'r>);

#[derive(Default)]
struct Lock {
    workspaces: Option<Option<Vec<Workspace>>>,
    packages: Option<Option<Vec<Entry>>>,
}

impl<'de> Members<'de> for Top<'_> {
    type Out = Lock;
    fn read<M: MapAccess<'de>>(self, mut map: M) -> Result<Lock, M::Error> {
        let mut lock = Lock::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "workspaces" => {
                    lock.workspaces = Some(map.next_value_seed(ObjectOr(Workspaces(self.0)))?)
                }
                "packages" => {
                    lock.packages = Some(map.next_value_seed(ObjectOr(Packages(self.0)))?)
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(lock)
    }
}

/// `workspaces`: folder → the workspace's `package.json` fields.
struct Workspaces<'r>(&'r Reading<'r>);

impl<'de> Members<'de> for Workspaces<'_> {
    type Out = Vec<Workspace>;
    fn read<M: MapAccess<'de>>(self, mut map: M) -> Result<Vec<Workspace>, M::Error> {
        let mut workspaces = Vec::new();
        while map.next_key::<IgnoredAny>()?.is_some() {
            workspaces.extend(map.next_value_seed(ObjectOr(Info(self.0)))?);
        }
        Ok(workspaces)
    }
}

/// A package's info object or a workspace: its name and the names of its
/// runtime dependencies. An optional peer (`optionalPeers`) counts too: bun
/// installs it only when something else needs it, and then this package
/// loads it at run time; one that was not installed resolves to no entry.
struct Info<'r>(&'r Reading<'r>);

impl<'de> Members<'de> for Info<'_> {
    type Out = Workspace;
    fn read<M: MapAccess<'de>>(self, mut map: M) -> Result<Workspace, M::Error> {
        let mut info = Workspace::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => info.name = map.next_value::<Text>()?.0,
                "dependencies" | "optionalDependencies" | "peerDependencies" => {
                    info.runtime.extend(
                        map.next_value_seed(ObjectOr(Names(self.0)))?
                            .unwrap_or_default(),
                    );
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(info)
    }
}

/// The member names of an object, interned (its values read past).
struct Names<'r>(&'r Reading<'r>);

impl<'de> Members<'de> for Names<'_> {
    type Out = Vec<NameId>;
    fn read<M: MapAccess<'de>>(self, mut map: M) -> Result<Vec<NameId>, M::Error> {
        let mut names = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            names.push(self.0.intern(name));
        }
        Ok(names)
    }
}

/// `packages`: install key → entry, each taken from the quota.
struct Packages<'r>(&'r Reading<'r>);

impl<'de> Members<'de> for Packages<'_> {
    type Out = Vec<Entry>;
    fn read<M: MapAccess<'de>>(self, mut map: M) -> Result<Vec<Entry>, M::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            self.0.quota.take_one().map_err(serde::de::Error::custom)?;
            let (spec, runtime) = map.next_value_seed(EntryValue(self.0))?;
            entries.push(Entry { key, spec, runtime });
        }
        Ok(entries)
    }
}

/// An entry's value: the first element when it is a string, and the runtime
/// dependency names of the first object element; anything else gives neither.
struct EntryValue<'r>(&'r Reading<'r>);

type EntryParts = (Option<String>, Vec<NameId>);

impl<'de> DeserializeSeed<'de> for EntryValue<'_> {
    type Value = EntryParts;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<EntryParts, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EntryValue<'_> {
    type Value = EntryParts;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<EntryParts, S::Error> {
        let mut spec = None;
        let mut info: Option<Vec<NameId>> = None;
        let mut first = true;
        loop {
            let element = Element {
                reading: self.0,
                text: first,
                info: info.is_none(),
            };
            match seq.next_element_seed(element)? {
                None => break,
                Some(Part::Text(text)) => spec = Some(text),
                Some(Part::Info(names)) => info = Some(names),
                Some(Part::Other) => {}
            }
            first = false;
        }
        Ok((spec, info.unwrap_or_default()))
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<EntryParts, M::Error> {
        IgnoredAny.visit_map(map)?;
        Ok((None, Vec::new()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<EntryParts, E> {
        Ok((None, Vec::new()))
    }
    fn visit_i64<E>(self, _: i64) -> Result<EntryParts, E> {
        Ok((None, Vec::new()))
    }
    fn visit_u64<E>(self, _: u64) -> Result<EntryParts, E> {
        Ok((None, Vec::new()))
    }
    fn visit_f64<E>(self, _: f64) -> Result<EntryParts, E> {
        Ok((None, Vec::new()))
    }
    fn visit_str<E>(self, _: &str) -> Result<EntryParts, E> {
        Ok((None, Vec::new()))
    }
    fn visit_unit<E>(self) -> Result<EntryParts, E> {
        Ok((None, Vec::new()))
    }
}

/// One element of an entry: kept as text when `text` (the first), read as
/// the info object when `info` (no object seen yet), else read past.
struct Element<'r> {
    reading: &'r Reading<'r>,
    text: bool,
    info: bool,
}

enum Part {
    Text(String),
    Info(Vec<NameId>),
    Other,
}

impl<'de> DeserializeSeed<'de> for Element<'_> {
    type Value = Part;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Part, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element<'_> {
    type Value = Part;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Part, E> {
        Ok(if self.text {
            Part::Text(v.to_string())
        } else {
            Part::Other
        })
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Part, M::Error> {
        if self.info {
            return Ok(Part::Info(Info(self.reading).read(map)?.runtime));
        }
        IgnoredAny.visit_map(map)?;
        Ok(Part::Other)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Part, S::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Part::Other)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Part, E> {
        Ok(Part::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Part, E> {
        Ok(Part::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Part, E> {
        Ok(Part::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Part, E> {
        Ok(Part::Other)
    }
    fn visit_unit<E>(self) -> Result<Part, E> {
        Ok(Part::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::quota::PackageQuota;

    fn parse(path: &str, text: &str) -> Result<Extracted, ExtractError> {
        super::parse(
            path,
            text.as_bytes(),
            &FileQuota::new(&PackageQuota::unlimited()),
        )
    }

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
    fn the_quota_stops_the_parse_at_the_entry_it_refuses() {
        let quota = PackageQuota::of(1);
        let file = FileQuota::new(&quota);
        assert!(super::parse("bun.lock", LOCK.as_bytes(), &file).is_err());
        assert!(file.stopped());
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
