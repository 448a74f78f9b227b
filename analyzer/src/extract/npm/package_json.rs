//! `package.json`: an installed package's own manifest, or the project root.

use super::{normalize_version, paths};
use crate::ecosystem::Ecosystem;
use crate::extract::{ExtractError, Extracted};
use crate::package::{EvidenceKind, Found};
use serde_json::{Map, Value};

fn object(text: &str) -> Result<Map<String, Value>, ExtractError> {
    match serde_json::from_str(text)? {
        Value::Object(map) => Ok(map),
        _ => Err(ExtractError::new("package.json is not a JSON object")),
    }
}

fn string_field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The name a package directory implies: `node_modules/@scope/name` gives `@scope/name`.
fn name_from_dir(dir: &str) -> &str {
    let start = dir
        .rfind("node_modules/")
        .map_or(0, |i| i + "node_modules/".len());
    &dir[start..]
}

/// An installed package: `path` is `<install dir>/package.json`.
pub(super) fn installed(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    let manifest = object(text)?;
    let dir = paths::parent_dir(path);
    let mut out = Extracted::default();
    // The manifest's name wins over the directory (an `npm:` alias installs the
    // real package under another directory name).
    let name = string_field(&manifest, "name").unwrap_or_else(|| name_from_dir(dir));
    let Some(raw) = string_field(&manifest, "version") else {
        out.skip(
            path,
            "package.json has no string \"version\"; package not identified",
        );
        return Ok(out);
    };
    let Some(version) = normalize_version(raw) else {
        out.skip(
            path,
            format!("package.json version {raw:?} is not a version; package not identified"),
        );
        return Ok(out);
    };
    out.packages.push(
        Found::new(Ecosystem::Npm, name, version, path, EvidenceKind::Installed).installed_at(dir),
    );
    Ok(out)
}

/// The project's own manifest: a root package when it has a name and a version.
pub(super) fn root(path: &str, text: &str) -> Result<Extracted, ExtractError> {
    let manifest = object(text)?;
    let mut out = Extracted::default();
    if let (Some(name), Some(version)) = (
        string_field(&manifest, "name"),
        string_field(&manifest, "version"),
    ) {
        let version = normalize_version(version).unwrap_or_else(|| version.to_string());
        out.packages
            .push(Found::new(Ecosystem::Npm, name, version, path, EvidenceKind::Declared).root());
    }
    Ok(out)
}

/// What a project manifest declares about its dependencies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Declared {
    /// `dependencies` and `optionalDependencies`: (name, range).
    pub runtime: Vec<(String, String)>,
    /// True for a workspace root (its members declare their own dependencies).
    pub workspaces: bool,
}

/// Reads a project manifest's declarations; `None` when it is not a manifest.
pub(super) fn declared(text: &str) -> Option<Declared> {
    let manifest = object(text).ok()?;
    let runtime = ["dependencies", "optionalDependencies"]
        .iter()
        .filter_map(|k| manifest.get(*k).and_then(Value::as_object))
        .flatten()
        .filter_map(|(name, range)| Some((name.clone(), range.as_str()?.to_string())))
        .collect();
    Some(Declared {
        runtime,
        workspaces: manifest.contains_key("workspaces"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::Role;

    #[test]
    fn installed_manifest_gives_name_version_and_install_dir() {
        let out = installed(
            "node_modules/debug/node_modules/ms/package.json",
            r#"{"name": "ms", "version": "2.0.0", "_resolved": "x"}"#,
        )
        .unwrap();
        assert_eq!(
            out.packages,
            vec![Found::new(
                Ecosystem::Npm,
                "ms",
                "2.0.0",
                "node_modules/debug/node_modules/ms/package.json",
                EvidenceKind::Installed
            )
            .installed_at("node_modules/debug/node_modules/ms")]
        );
        assert!(out.skipped.is_empty());
    }

    #[test]
    fn scoped_name_falls_back_to_the_directory() {
        let out = installed(
            "nodejs/node_modules/@hapi/hoek/package.json",
            r#"{"version": "v8.5.0"}"#,
        )
        .unwrap();
        assert_eq!(out.packages[0].name, "@hapi/hoek");
        assert_eq!(out.packages[0].version, "8.5.0");
        assert_eq!(
            out.packages[0].install_path.as_deref(),
            Some("nodejs/node_modules/@hapi/hoek")
        );
    }

    #[test]
    fn missing_or_odd_versions_are_skipped_not_fatal() {
        for text in [
            r#"{"name": "x"}"#,
            r#"{"name": "x", "version": 3}"#,
            r#"{"name": "x", "version": null}"#,
            r#"{"name": "x", "version": "latest"}"#,
        ] {
            let out = installed("node_modules/x/package.json", text).unwrap();
            assert!(out.packages.is_empty(), "{text}");
            assert_eq!(out.skipped.len(), 1, "{text}");
            assert_eq!(out.skipped[0].path, "node_modules/x/package.json");
        }
    }

    #[test]
    fn bad_json_is_an_error() {
        assert!(installed("node_modules/x/package.json", "{ not json").is_err());
        assert!(installed("node_modules/x/package.json", "[1, 2]").is_err());
        assert!(root("package.json", "").is_err());
    }

    #[test]
    fn root_needs_name_and_version() {
        let out = root(
            "package.json",
            r#"{"name": "@acme/xml-ingest", "version": "0.3.0", "type": "module"}"#,
        )
        .unwrap();
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].role, Role::Root);
        assert_eq!(out.packages[0].name, "@acme/xml-ingest");
        assert_eq!(out.packages[0].version, "0.3.0");
        assert!(root("package.json", r#"{"name": "fn"}"#)
            .unwrap()
            .packages
            .is_empty());
    }

    #[test]
    fn declared_runtime_dependencies() {
        let text = r#"{"dependencies": {"a": "1", "b": "2"}, "optionalDependencies": {"c": "3"},
                       "devDependencies": {"d": "4"}}"#;
        let pair = |n: &str, r: &str| (n.to_string(), r.to_string());
        assert_eq!(
            declared(text),
            Some(Declared {
                runtime: vec![pair("a", "1"), pair("b", "2"), pair("c", "3")],
                workspaces: false,
            })
        );
        assert_eq!(
            declared(r#"{"workspaces": ["packages/*"]}"#),
            Some(Declared {
                runtime: vec![],
                workspaces: true,
            })
        );
        assert_eq!(declared("nope"), None);
    }
}
