//! Versions a package's own source text carries, as a source map's
//! `sourcesContent` keeps it: its `package.json` (when the code `require`s
//! it), a version constant it assigns (`var VERSION = '4.17.20'`,
//! `hooks.version = '2.29.1'`), or the string a `version.js` exports.
//!
//! Object properties (`{version: "2.3.1"}`) are not read: they are as often
//! another library's version (psl inlines punycode's) as the package's own.

use super::evidence::VersionClue;
use super::module_path::PackageCopy;
use crate::package::BundleVersionSource;
use serde::Deserialize;

/// A quoted version literal is at most this long.
const MAX_LITERAL: usize = 64;

/// A version as a bundle carries it, when it is a full semantic version.
pub(super) fn semver_text(raw: &str) -> Option<String> {
    let v = raw.strip_prefix('v').unwrap_or(raw);
    semver::Version::parse(v).ok().map(|_| v.to_string())
}

/// The quoted string starting at `bytes[at]` (a `'`, `"` or `` ` ``), short and
/// on one line; returns it and the index after the closing quote.
pub(super) fn quoted(bytes: &[u8], at: usize) -> Option<(&str, usize)> {
    let quote = *bytes.get(at)?;
    if !matches!(quote, b'\'' | b'"' | b'`') {
        return None;
    }
    let rest = bytes.get(at + 1..)?;
    let len = rest
        .iter()
        .take(MAX_LITERAL + 1)
        .position(|&b| b == quote || b == b'\n' || b == b'\\')?;
    if rest[len] != quote {
        return None;
    }
    let text = std::str::from_utf8(&rest[..len]).ok()?;
    Some((text, at + 1 + len + 1))
}

pub(super) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

pub(super) fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| b.is_ascii_whitespace()) {
        at += 1;
    }
    at
}

/// Versions assigned to a variable or property named `version` / `VERSION`.
fn assigned_versions(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for i in memchr::memmem::find_iter(lower.as_bytes(), b"version") {
        let word = &bytes[i..i + 7];
        if word != b"version" && word != b"VERSION" {
            continue;
        }
        let before_ok = i == 0 || !is_ident_byte(bytes[i - 1]);
        let after = i + 7;
        if !before_ok || bytes.get(after).copied().is_some_and(is_ident_byte) {
            continue;
        }
        let eq = skip_spaces(bytes, after);
        if bytes.get(eq) != Some(&b'=') || matches!(bytes.get(eq + 1), Some(b'=' | b'>')) {
            continue;
        }
        if let Some(version) =
            quoted(bytes, skip_spaces(bytes, eq + 1)).and_then(|(literal, _)| semver_text(literal))
        {
            out.push(version);
        }
    }
    out
}

/// The string a `version.js` exports (`module.exports = '4.0.0'`,
/// `export default "1.2.3"`).
fn exported_version(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (key, needs_eq) in [
        (&b"module.exports"[..], true),
        (&b"export default"[..], false),
    ] {
        for i in memchr::memmem::find_iter(bytes, key) {
            let mut at = skip_spaces(bytes, i + key.len());
            if needs_eq {
                if bytes.get(at) != Some(&b'=') {
                    continue;
                }
                at = skip_spaces(bytes, at + 1);
            }
            if let Some(v) = quoted(bytes, at).and_then(|(literal, _)| semver_text(literal)) {
                out.push(v);
            }
        }
    }
    out
}

#[derive(Deserialize)]
struct Manifest {
    name: Option<String>,
    version: Option<String>,
}

/// The version clues in one bundled file of `copy` (its text `content`), as
/// the map `label` holds it.
pub(super) fn in_source(copy: &PackageCopy, content: &str, label: &str) -> Vec<VersionClue> {
    let clue = |version: String, from| VersionClue {
        name: copy.name.clone(),
        module_path: Some(copy.module_path.clone()),
        version,
        from,
        file: label.to_string(),
    };
    if copy.file == "package.json" {
        let Ok(manifest) = serde_json::from_str::<Manifest>(content) else {
            return Vec::new();
        };
        return match (
            manifest.name,
            manifest.version.as_deref().and_then(semver_text),
        ) {
            (Some(name), Some(version)) if name == copy.name => {
                vec![clue(version, BundleVersionSource::BundledManifest)]
            }
            _ => Vec::new(),
        };
    }
    let file_name = copy.file.rsplit('/').next().unwrap_or(&copy.file);
    let stem = file_name.split('.').next().unwrap_or(file_name);
    let mut versions = assigned_versions(content);
    if stem == "version" {
        versions.extend(exported_version(content));
    }
    versions
        .into_iter()
        .map(|v| clue(v, BundleVersionSource::VersionLiteral))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_to_version_count() {
        assert_eq!(assigned_versions("var VERSION = '4.17.20';"), ["4.17.20"]);
        assert_eq!(assigned_versions("hooks.version = '2.29.1';"), ["2.29.1"]);
        assert_eq!(
            assigned_versions("exports.version=\"v1.0.0-rc.1\""),
            ["1.0.0-rc.1"]
        );
    }

    #[test]
    fn other_versions_do_not() {
        for text in [
            "exports.SEMVER_SPEC_VERSION = '2.0.0'",
            "return O={version:\"2.3.1\",ucs2:{}}",
            "if (version == '1.0.0') {}",
            "const versionMajor = '1.0.0'",
            "version = '1.0'",
            "version = x + '1.0.0'",
            "const version = (v) => '1.0.0'",
        ] {
            assert!(assigned_versions(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn version_files_export_it() {
        assert_eq!(
            exported_version("// generated by genversion\nmodule.exports = '4.0.0'\n"),
            ["4.0.0"]
        );
        assert_eq!(exported_version("export default \"1.2.3\";"), ["1.2.3"]);
        assert!(exported_version("module.exports = require('./x')").is_empty());
    }

    fn copy(file: &str) -> PackageCopy {
        PackageCopy {
            name: "axios".into(),
            module_path: "node_modules/axios".into(),
            file: file.into(),
            store_version: None,
        }
    }

    #[test]
    fn a_bundled_manifest_must_be_the_package_own() {
        let own = in_source(
            &copy("package.json"),
            r#"{"name":"axios","version":"0.21.1"}"#,
            "m",
        );
        assert_eq!(own.len(), 1);
        assert_eq!(
            (own[0].version.as_str(), own[0].from),
            ("0.21.1", BundleVersionSource::BundledManifest)
        );
        assert!(in_source(
            &copy("package.json"),
            r#"{"name":"other","version":"1.0.0"}"#,
            "m"
        )
        .is_empty());
        assert!(in_source(
            &copy("lib/package.json"),
            r#"{"name":"axios","version":"1.0.0"}"#,
            "m"
        )
        .is_empty());
        assert!(in_source(&copy("lib/a.js"), "module.exports = '9.9.9'", "m").is_empty());
        assert_eq!(
            in_source(&copy("lib/version.js"), "module.exports = '9.9.9'", "m").len(),
            1
        );
    }
}
