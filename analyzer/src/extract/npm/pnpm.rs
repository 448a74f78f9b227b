//! `pnpm-lock.yaml`. Package keys are `/name/1.0.0_peer@2.0.0` before lockfile
//! version 6, `/name@1.0.0(peer@2.0.0)` in version 6 and `name@1.0.0` in
//! version 9, where `packages:` holds the packages and `snapshots:` their
//! peer-resolved variants. Version 9 no longer flags development packages;
//! they are those the importers' runtime dependencies do not reach.

use super::{lock_entry, split_at_version, unidentified, NO_REGISTRY_VERSION};
use crate::extract::quota::FileQuota;
use crate::extract::yaml::{self, EntryKeys, Mapping, Value};
use crate::extract::{graph, ExtractError, Extracted};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

/// The lockfile's major version (`5.4` and `'6.0'` give 5 and 6).
fn major_version(lock: &Mapping) -> Option<u64> {
    let text = match lock.get("lockfileVersion")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    text.split('.').next()?.trim().parse().ok()
}

/// Name and version from a package key, peer suffixes removed.
fn parse_key(key: &str, major: u64) -> Option<(&str, &str)> {
    if major < 6 {
        // `/name/1.0.0`, or `registry.example.com/name/1.0.0` for other registries.
        let key = match key.strip_prefix('/') {
            Some(key) => key,
            None => key.split_once('/')?.1,
        };
        let parts = if key.starts_with('@') { 2 } else { 1 };
        let split = key.match_indices('/').nth(parts - 1)?.0;
        let (name, version) = (&key[..split], &key[split + 1..]);
        Some((name, version.split('_').next().unwrap_or(version)))
    } else {
        let (name, version) = split_at_version(key.strip_prefix('/').unwrap_or(key))?;
        Some((name, version.split('(').next().unwrap_or(version)))
    }
}

fn text_field<'a>(entry: &'a Mapping, key: &str) -> Option<&'a str> {
    entry.get(key).and_then(Value::as_str)
}

/// The snapshot key a dependency reference points at: `name@1.0.0(peer@2.0.0)`,
/// or the reference itself for aliases (`string-width@4.2.3`).
fn snapshot_key(name: &str, reference: &str) -> String {
    if reference.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{name}@{reference}")
    } else {
        reference.to_string()
    }
}

/// `(name, reference)` pairs of the runtime sections of an importer or snapshot.
/// Importers give `{specifier, version}`, snapshots the version alone.
fn runtime_references(entry: &Mapping) -> impl Iterator<Item = (&str, &str)> {
    ["dependencies", "optionalDependencies"]
        .into_iter()
        .filter_map(|section| entry.get(section).and_then(Value::as_mapping))
        .flatten()
        .filter_map(|(name, reference)| {
            let reference = match reference {
                Value::Mapping(m) => text_field(m, "version")?,
                other => other.as_str()?,
            };
            Some((name.as_str()?, reference))
        })
}

/// Lockfile 9: the `packages` keys (`name@version`) that some importer's
/// runtime dependencies reach through `snapshots`; `None` without importers.
fn runtime_packages(lock: &Mapping) -> Option<HashSet<String>> {
    let importers = lock.get("importers")?.as_mapping()?;
    let empty = Mapping::new();
    let snapshots = lock
        .get("snapshots")
        .and_then(Value::as_mapping)
        .unwrap_or(&empty);
    let keys: Vec<&str> = snapshots.keys().filter_map(Value::as_str).collect();
    let index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let resolve = |(name, reference): (&str, &str)| {
        index.get(snapshot_key(name, reference).as_str()).copied()
    };
    let edges: Vec<Vec<usize>> = keys
        .iter()
        .map(|k| {
            snapshots
                .get(*k)
                .and_then(Value::as_mapping)
                .map(|s| runtime_references(s).filter_map(resolve).collect())
                .unwrap_or_default()
        })
        .collect();
    let roots = importers
        .values()
        .filter_map(Value::as_mapping)
        .flat_map(runtime_references)
        .filter_map(resolve);
    let reached = graph::reachable(roots, &edges);
    Some(
        keys.iter()
            .zip(reached)
            .filter(|(_, r)| *r)
            .map(|(k, _)| k.split('(').next().unwrap_or(k).to_string())
            .collect(),
    )
}

/// What the inventory reads of a lockfile: the version, each package's
/// identity, flags and platforms (`os` / `cpu` / `libc`), and the dependency sections the version 9 graph walks
/// (importers and snapshots). Resolutions, engines, peers and the like are
/// dropped as they are read.
fn kept(path: &[&str]) -> bool {
    match path {
        [] => true,
        [top] => matches!(
            *top,
            "lockfileVersion" | "packages" | "snapshots" | "importers"
        ),
        [_, _] => true,
        [_, _, field] => matches!(
            *field,
            "name"
                | "version"
                | "dev"
                | "optional"
                | "dependencies"
                | "optionalDependencies"
                | "os"
                | "cpu"
                | "libc"
        ),
        // Inside a dependency section: names, and importers' `{specifier, version}`.
        _ => true,
    }
}

/// Parses `pnpm-lock.yaml` (lockfile versions 5 to 9) held in memory.
#[cfg(test)]
pub(super) fn parse(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    parse_within(
        path,
        &mut text.as_bytes(),
        &FileQuota::new(&crate::extract::quota::PackageQuota::unlimited()),
    )
}

/// Parses `pnpm-lock.yaml` (lockfile versions 5 to 9) as it is read, taking
/// each package from `quota` as its entry is met:
/// once the quota refuses one, no later entry is built (the rest of the file
/// is only read through) and the parse fails with the limit.
pub(super) fn parse_within(
    path: &str,
    input: &mut dyn BufRead,
    quota: &FileQuota,
) -> Result<Extracted, ExtractError> {
    // Version 9 lists each package twice, under `packages` and `snapshots`
    // (peer variants): a package is charged once per entry of the longer list.
    let entries = Cell::new([0usize; 2]);
    let keys = [EntryKeys::default(), EntryKeys::default()];
    let keep = |path: &[&str]| {
        if let [section @ ("packages" | "snapshots"), key] = path {
            let i = usize::from(*section == "snapshots");
            if keys[i].is_new(key) {
                let mut counts = entries.get();
                counts[i] += 1;
                entries.set(counts);
                if counts[i] > counts[1 - i] && quota.take_one().is_err() {
                    return false;
                }
            }
        }
        !quota.stopped() && kept(path)
    };
    let lock = yaml::parse_pruned(input, &keep, &kept)?;
    if let Some(reached) = quota.reached() {
        return Err(ExtractError::new(reached.to_string()));
    }
    let Value::Mapping(lock) = lock else {
        return Err(ExtractError::new("pnpm-lock.yaml is not a YAML mapping"));
    };
    let major = major_version(&lock)
        .ok_or_else(|| ExtractError::new("pnpm-lock.yaml has no readable lockfileVersion"))?;
    let packages = match lock.get("packages").or_else(|| lock.get("snapshots")) {
        Some(Value::Mapping(p)) => p,
        None | Some(Value::Null) => return Ok(Extracted::default()),
        Some(_) => return Err(ExtractError::new("\"packages\" is not a mapping")),
    };
    let runtime = if major >= 9 {
        runtime_packages(&lock)
    } else {
        None
    };
    let mut out = Extracted::default();
    for (key, entry) in packages {
        let Some(key) = key.as_str() else { continue };
        let empty = Mapping::new();
        let entry = entry.as_mapping().unwrap_or(&empty);
        // Tarball and git packages carry their name and version as fields.
        let parsed = parse_key(key, major);
        let name = text_field(entry, "name").or(parsed.map(|(n, _)| n));
        let raw = text_field(entry, "version").or(parsed.map(|(_, v)| v));
        let (Some(name), Some(raw)) = (name, raw) else {
            out.skip(
                path,
                format!("{key}: unreadable package key; not identified"),
            );
            continue;
        };
        if raw.starts_with("link:") || raw.starts_with("file:") {
            continue;
        }
        let Some(mut found) = lock_entry(name, raw, path) else {
            out.skip(path, unidentified(key, NO_REGISTRY_VERSION, raw));
            continue;
        };
        let flag = |k: &str| entry.get(k).and_then(Value::as_bool) == Some(true);
        let unreached = runtime.as_ref().is_some_and(|r| !r.contains(key));
        if flag("dev") || unreached {
            found = found.scope("dev");
        } else if flag("optional") {
            found = found.scope("optional");
        }
        out.packages
            .push(found.platform(super::platform::from_yaml(entry)));
    }
    out.dedup_packages();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(out: &Extracted) -> Vec<(String, String, Option<String>)> {
        out.packages
            .iter()
            .map(|f| (f.name.clone(), f.version.clone(), f.scope.clone()))
            .collect()
    }

    fn row(n: &str, v: &str, s: Option<&str>) -> (String, String, Option<String>) {
        (n.into(), v.into(), s.map(str::to_string))
    }

    #[test]
    fn v5_slash_keys() {
        let text = r#"lockfileVersion: 5.4

specifiers:
  '@hapi/topo': 3.1.6
  ajv: ^6.12.0

dependencies:
  '@hapi/topo': 3.1.6

devDependencies:
  ajv-keywords: 3.5.2_ajv@6.12.6

packages:

  /@hapi/topo/3.1.6:
    resolution: {integrity: sha512-abc}
    dependencies:
      '@hapi/hoek': 8.5.0
    dev: false

  /@hapi/hoek/8.5.0:
    resolution: {integrity: sha512-def}
    dev: false

  npm.example.com/left-pad/1.3.0:
    resolution: {integrity: sha512-xyz, registry: 'https://npm.example.com/'}
    dev: false

  /ajv-keywords/3.5.2_ajv@6.12.6:
    resolution: {integrity: sha512-ghi}
    peerDependencies:
      ajv: ^6.9.1
    dev: true

  /fsevents/2.3.2:
    resolution: {integrity: sha512-jkl}
    optional: true
    dev: false

  github.com/acme/widget/0123abcd:
    resolution: {tarball: https://codeload.github.com/acme/widget/tar.gz/0123abcd}
    name: widget
    version: 1.4.0
    dev: false
"#;
        let out = parse("pnpm-lock.yaml", text).unwrap();
        assert_eq!(
            rows(&out),
            vec![
                row("@hapi/hoek", "8.5.0", None),
                row("@hapi/topo", "3.1.6", None),
                row("ajv-keywords", "3.5.2", Some("dev")),
                row("fsevents", "2.3.2", Some("optional")),
                row("left-pad", "1.3.0", None),
                row("widget", "1.4.0", None),
            ]
        );
    }

    #[test]
    fn v6_at_keys_with_peer_suffixes() {
        let text = r#"lockfileVersion: '6.0'

dependencies:
  debug:
    specifier: 2.6.8
    version: 2.6.8

packages:

  /debug@2.6.8:
    resolution: {integrity: sha512-abc}
    dependencies:
      ms: 2.0.0
    dev: false

  /ms@2.0.0:
    resolution: {integrity: sha512-def}
    dev: false

  /@testing-library/react@14.0.0(react-dom@18.2.0)(react@18.2.0):
    resolution: {integrity: sha512-ghi}
    dev: true
"#;
        let out = parse("pnpm-lock.yaml", text).unwrap();
        assert_eq!(
            rows(&out),
            vec![
                row("@testing-library/react", "14.0.0", Some("dev")),
                row("debug", "2.6.8", None),
                row("ms", "2.0.0", None),
            ]
        );
    }

    #[test]
    fn the_package_limit_counts_each_v9_package_once_and_stops_the_parse() {
        let text = "lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      a:
        specifier: 1.0.0
        version: 1.0.0
packages:
  a@1.0.0:
    resolution: {integrity: sha512-a}
  b@2.0.0:
    resolution: {integrity: sha512-b}
snapshots:
  a@1.0.0:
    dependencies:
      b: 2.0.0
  b@2.0.0: {}
";
        let within = |limit| {
            let quota = crate::extract::quota::PackageQuota::of(limit);
            let file = FileQuota::new(&quota);
            let out = parse_within("pnpm-lock.yaml", &mut text.as_bytes(), &file);
            (out, file.taken())
        };
        // Two packages listed twice (packages and snapshots) take two.
        let (out, taken) = within(2);
        assert_eq!(rows(&out.unwrap()).len(), 2);
        assert_eq!(taken, 2);
        let (out, _) = within(1);
        let err = out.unwrap_err().to_string();
        assert!(err.contains("more than 1 packages"), "{err}");
    }

    #[test]
    fn v9_packages_and_snapshots() {
        let text = r#"lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      '@xmldom/xmldom':
        specifier: 0.7.5
        version: 0.7.5
      my-lib:
        specifier: link:../my-lib
        version: link:../my-lib
      sw:
        specifier: npm:string-width@^4.2.0
        version: string-width@4.2.3
    devDependencies:
      typescript:
        specifier: ^5.4.0
        version: 5.4.5

packages:

  '@xmldom/xmldom@0.7.5':
    resolution: {integrity: sha512-abc}
    engines: {node: '>=10.0.0'}

  react-dom@18.2.0:
    resolution: {integrity: sha512-def}
    peerDependencies:
      react: ^18.2.0

  react@18.2.0:
    resolution: {integrity: sha512-pqr}

  string-width@4.2.3:
    resolution: {integrity: sha512-ghi}

  typescript@5.4.5:
    resolution: {integrity: sha512-jkl}
    hasBin: true

snapshots:

  '@xmldom/xmldom@0.7.5':
    dependencies:
      react-dom: 18.2.0(react@18.2.0)

  react@18.2.0: {}

  string-width@4.2.3: {}

  typescript@5.4.5: {}

  react-dom@18.2.0(react@18.2.0):
    dependencies:
      react: 18.2.0
"#;
        let out = parse("pnpm-lock.yaml", text).unwrap();
        assert_eq!(
            rows(&out),
            vec![
                row("@xmldom/xmldom", "0.7.5", None),
                row("react", "18.2.0", None),
                row("react-dom", "18.2.0", None),
                row("string-width", "4.2.3", None),
                row("typescript", "5.4.5", Some("dev")),
            ]
        );
        assert!(out.skipped.is_empty());
    }

    #[test]
    fn empty_and_bad_pnpm_locks() {
        assert_eq!(
            parse("pnpm-lock.yaml", "lockfileVersion: '9.0'\n").unwrap(),
            Extracted::default()
        );
        assert!(parse("pnpm-lock.yaml", "packages: {}\n").is_err());
        assert!(parse("pnpm-lock.yaml", "- a\n- b\n").is_err());
        assert!(parse("pnpm-lock.yaml", "lockfileVersion: 9\npackages: [1]\n").is_err());
        assert!(parse("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages: {\n").is_err());
    }
}
