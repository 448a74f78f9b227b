//! `yarn.lock`: the classic (v1) custom format and the berry (v2+) YAML format,
//! told apart by berry's `__metadata` block. Neither records install paths or
//! development-only status.

use super::{lock_entry, normalize_version, split_at_version};
use crate::extract::{ExtractError, Extracted};
use serde_yaml::Value;

/// Protocols of packages that live inside the project rather than on a registry.
const LOCAL_PROTOCOLS: [&str; 5] = ["workspace:", "link:", "portal:", "file:", "exec:"];

/// Parses either flavour of `yarn.lock`.
pub(super) fn parse(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    if text.lines().any(|l| l.trim_end() == "__metadata:") {
        berry(path, text)
    } else {
        classic(path, text)
    }
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

/// One package block of a lockfile: the descriptors it satisfies and its version.
struct Block<'a> {
    line: usize,
    first_descriptor: &'a str,
    version: Option<&'a str>,
}

fn finish(block: Block<'_>, path: &str, out: &mut Extracted) -> Result<(), ExtractError> {
    let (name, range) = descriptor_target(block.first_descriptor).ok_or_else(|| {
        ExtractError::new(format!(
            "line {}: {:?} is not a package descriptor",
            block.line, block.first_descriptor
        ))
    })?;
    if is_local(range) {
        return Ok(());
    }
    let raw = block.version.unwrap_or("");
    match normalize_version(raw) {
        Some(version) => out.packages.push(lock_entry(name, version, path)),
        None => out.skip(
            path,
            format!("{name}: no version in yarn.lock entry ({raw:?}); not identified"),
        ),
    }
    Ok(())
}

/// yarn v1: unindented `desc, desc:` headers, then indented `version "x"` fields.
fn classic(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    let mut out = Extracted::default();
    let mut block: Option<Block<'_>> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            let header = trimmed.strip_suffix(':').ok_or_else(|| {
                ExtractError::new(format!(
                    "line {}: expected a package header ending in ':'",
                    index + 1
                ))
            })?;
            if let Some(done) = block.take() {
                finish(done, path, &mut out)?;
            }
            let first_descriptor = header.split(',').next().unwrap_or(header).trim();
            block = Some(Block {
                line: index + 1,
                first_descriptor,
                version: None,
            });
            continue;
        }
        let Some(current) = block.as_mut() else {
            return Err(ExtractError::new(format!(
                "line {}: indented field before any package header",
                index + 1
            )));
        };
        // Only the block's own two-space fields; deeper lines are dependency lists.
        let own_field = line.len() - line.trim_start().len() <= 2;
        if let Some(value) = trimmed.strip_prefix("version ") {
            if own_field {
                current.version = Some(value.trim().trim_matches('"'));
            }
        }
    }
    if let Some(done) = block.take() {
        finish(done, path, &mut out)?;
    }
    Ok(out)
}

fn scalar(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// yarn berry: a YAML map from `"desc, desc"` to `{version, resolution, ...}`.
fn berry(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    let Value::Mapping(entries) = serde_yaml::from_str::<Value>(text)? else {
        return Err(ExtractError::new("yarn.lock is not a YAML mapping"));
    };
    let mut out = Extracted::default();
    for (key, entry) in &entries {
        let Some(key) = key.as_str() else { continue };
        if key == "__metadata" {
            continue;
        }
        let Value::Mapping(entry) = entry else {
            out.skip(path, format!("{key:?}: entry is not a mapping"));
            continue;
        };
        // `resolution` names the package actually installed (`name@npm:1.2.3`,
        // `name@patch:name@npm%3A1.2.3#...`, `name@workspace:.`).
        let resolution = scalar(entry.get("resolution"));
        let descriptor = resolution
            .as_deref()
            .unwrap_or_else(|| key.split(',').next().unwrap_or(key));
        let Some((name, range)) = descriptor_target(descriptor) else {
            out.skip(path, format!("{key:?}: unreadable resolution"));
            continue;
        };
        if is_local(range) {
            continue;
        }
        let raw = scalar(entry.get("version")).unwrap_or_default();
        match normalize_version(&raw) {
            Some(version) => out.packages.push(lock_entry(name, version, path)),
            None => out.skip(
                path,
                format!("{name}: no version in yarn.lock entry ({raw:?}); not identified"),
            ),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let out = parse("yarn.lock", CLASSIC).unwrap();
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
        let out = parse("yarn.lock", BERRY).unwrap();
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
    fn bad_yarn_locks_are_errors() {
        assert!(parse("yarn.lock", "this is not a lockfile\n").is_err());
        assert!(parse("yarn.lock", "  version \"1.0.0\"\n").is_err());
        assert!(parse("yarn.lock", "__metadata:\n  version: [\n").is_err());
        assert!(parse("yarn.lock", "nameonly:\n  version \"1.0.0\"\n").is_err());
    }
}
