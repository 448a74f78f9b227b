//! `Pipfile.lock` (Pipenv): JSON with a `default` and a `develop` section, each
//! mapping a package name to `{"version": "==X", "hashes": [...], "markers": ...}`.
//! Packages in `develop` get scope `dev`. Entries without a `==` version (VCS,
//! local paths, editable installs) are reported as skipped.

use super::lockfile::Locked;
use crate::extract::{utf8, ExtractError, Extracted};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    default: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    develop: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry {
    version: Option<String>,
    markers: Option<String>,
    editable: bool,
    git: Option<String>,
    path: Option<String>,
    file: Option<String>,
}

impl Entry {
    /// Where an unversioned entry comes from, for the skip reason.
    fn origin(&self) -> String {
        let from = |kind: &str, v: &Option<String>| v.as_ref().map(|v| format!("{kind} {v}"));
        from("git", &self.git)
            .or_else(|| from("path", &self.path))
            .or_else(|| from("file", &self.file))
            .map_or_else(|| "no version".to_string(), |o| format!("{o}, no version"))
    }
}

/// Parses a `Pipfile.lock` at `path`.
pub fn extract(path: &str, bytes: &[u8]) -> Result<Extracted, ExtractError> {
    let lock: Lock = serde_json::from_str(utf8(bytes)?)?;
    let mut out = Extracted::default();
    for (section, scope) in [(lock.default, None), (lock.develop, Some("dev"))] {
        for (name, value) in section {
            let entry: Entry = match serde_json::from_value(value) {
                Ok(e) => e,
                Err(e) => {
                    out.skip(path, format!("entry `{name}` not understood: {e}"));
                    continue;
                }
            };
            let version = entry
                .version
                .as_deref()
                .map(|v| v.trim().trim_start_matches("===").trim_start_matches("=="))
                .map(str::trim)
                .filter(|v| !v.is_empty() && !v.contains('*'));
            let Some(version) = version else {
                let what = if entry.editable {
                    "editable entry"
                } else {
                    "entry"
                };
                out.skip(path, format!("{what} `{name}`: {}", entry.origin()));
                continue;
            };
            Locked {
                scope: scope.map(str::to_string),
                marker: entry.markers.as_deref(),
                ..Locked::dependency(&name, Some(version))
            }
            .record(path, &mut out);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::rows;
    use crate::EvidenceKind;

    const LOCK: &str = r#"{
    "_meta": {
        "hash": {"sha256": "7c1d3e0f"},
        "pipfile-spec": 6,
        "requires": {"python_version": "3.12"},
        "sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": true}]
    },
    "default": {
        "requests": {
            "hashes": ["sha256:63b52e3c866428a224f97cab011de738c36aec0185aa91cfacd418b5d58911d1"],
            "index": "pypi",
            "markers": "python_version >= '3.7'",
            "version": "==2.31.0"
        },
        "certifi": {"hashes": [], "version": "==2023.7.22"},
        "mylib": {"editable": true, "path": "."},
        "tool": {"git": "https://github.com/acme/tool.git", "ref": "1a2b3c"}
    },
    "develop": {
        "pytest": {"hashes": [], "index": "pypi", "version": "==7.4.0"},
        "weird": "not an object"
    }
}"#;

    #[test]
    fn default_and_develop_sections() {
        let out = extract("Pipfile.lock", LOCK.as_bytes()).unwrap();
        let found = rows!(out.packages; name, version, scope, evidence);
        assert_eq!(
            found,
            vec![
                ("certifi", "2023.7.22", None, EvidenceKind::Lockfile),
                ("requests", "2.31.0", None, EvidenceKind::Lockfile),
                ("pytest", "7.4.0", Some("dev"), EvidenceKind::Lockfile),
            ]
        );
        assert_eq!(
            out.packages[1].note.as_deref(),
            Some("only installed when python_version >= '3.7'")
        );
        let reasons: Vec<_> = out.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec![
                "editable entry `mylib`: path ., no version",
                "entry `tool`: git https://github.com/acme/tool.git, no version",
                "entry `weird` not understood: invalid type: string \"not an object\", expected struct Entry",
            ]
        );
    }

    #[test]
    fn invalid_json_is_an_error() {
        let err = extract("Pipfile.lock", b"{\"default\": {").unwrap_err();
        assert!(err.0.starts_with("invalid JSON: "), "{err}");
        assert!(extract("Pipfile.lock", b"[1, 2]").is_err());
    }
}
