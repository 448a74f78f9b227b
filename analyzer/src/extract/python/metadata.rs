//! Installed distribution metadata: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`
//! and the single-file `*.egg-info` of distutils. These are RFC 822-style header
//! blocks (the "core metadata"); only `Name` and `Version` are read, and only from
//! the header block, never from the description body that follows it.

use crate::extract::Extracted;
use crate::{Ecosystem, EvidenceKind, Found};

/// The fields of a core-metadata header block that identify a distribution.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    pub name: Option<String>,
    pub version: Option<String>,
}

/// Reads `Name` and `Version` from the header block. The block ends at the
/// first blank line or at the first line that is neither a header nor a
/// continuation; the first occurrence of a field wins; empty values count as absent.
pub fn parse_headers(text: &str) -> CoreMetadata {
    let mut meta = CoreMetadata::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            break;
        };
        let value = value.trim();
        let slot = if key.trim().eq_ignore_ascii_case("name") {
            &mut meta.name
        } else if key.trim().eq_ignore_ascii_case("version") {
            &mut meta.version
        } else {
            continue;
        };
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_string());
        }
    }
    meta
}

/// Where the distribution is installed: the `.dist-info`/`.egg-info`/`.egg`
/// directory holding the metadata file, or the single-file `.egg-info` itself.
pub fn install_path(path: &str) -> &str {
    fn dir(p: &str) -> &str {
        p.rsplit_once('/').map_or("", |(d, _)| d)
    }
    if path.ends_with("/EGG-INFO/PKG-INFO") {
        // A zipped egg's metadata is `foo.egg!/EGG-INFO/PKG-INFO`.
        dir(dir(path)).trim_end_matches('!')
    } else if path.ends_with("/METADATA") || path.ends_with("/PKG-INFO") {
        dir(path)
    } else {
        path
    }
}

/// A note for distributions vendored inside another package
/// (`setuptools/_vendor/foo.dist-info`).
fn vendored_note(install_path: &str) -> Option<String> {
    let parent = install_path.rsplit_once('/')?.0;
    let (owner, last) = parent.rsplit_once('/').unwrap_or(("", parent));
    matches!(last, "_vendor" | "_vendored" | "vendored").then(|| {
        format!(
            "vendored inside {}",
            if owner.is_empty() { parent } else { owner }
        )
    })
}

/// Parses one installed metadata file at `path`. Header names and versions are
/// ASCII in practice, so undecodable bytes are replaced rather than rejected.
pub fn extract(path: &str, bytes: &[u8]) -> Extracted {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let meta = parse_headers(text);
    let mut out = Extracted::default();
    match (meta.name, meta.version) {
        (Some(name), Some(version)) => {
            let at = install_path(path);
            let mut found = Found::new(
                Ecosystem::PyPI,
                name,
                version,
                path,
                EvidenceKind::Installed,
            )
            .installed_at(at);
            found.note = vendored_note(at);
            out.packages.push(found);
        }
        (name, version) => {
            let missing = match (name.is_none(), version.is_none()) {
                (true, true) => "Name and Version",
                (true, false) => "Name",
                _ => "Version",
            };
            out.skip(
                path,
                format!(
                    "installed metadata without a {missing} header; distribution not identified"
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const JINJA: &str = "Metadata-Version: 2.0\r\nName: Jinja2\r\nVersion: 2.10\r\nSummary: A small but fast and easy to use stand-alone template engine written in pure python.\r\nHome-page: http://jinja.pocoo.org/\r\nLicense: BSD\r\nDescription: Jinja2\r\n        ~~~~~~\r\n        Version: 9.9 inside a continuation\r\nRequires-Dist: MarkupSafe (>=0.23)\r\n\r\nName: not-this\r\nVersion: 0.0.0\r\n";

    #[test]
    fn reads_name_and_version_from_the_header_block_only() {
        let meta = parse_headers(JINJA);
        assert_eq!(meta.name.as_deref(), Some("Jinja2"));
        assert_eq!(meta.version.as_deref(), Some("2.10"));
        let out = extract("Jinja2-2.10.dist-info/METADATA", JINJA.as_bytes());
        assert!(out.skipped.is_empty());
        assert_eq!(
            out.packages,
            vec![Found::new(
                Ecosystem::PyPI,
                "Jinja2",
                "2.10",
                "Jinja2-2.10.dist-info/METADATA",
                EvidenceKind::Installed
            )
            .installed_at("Jinja2-2.10.dist-info")]
        );
    }

    #[test]
    fn body_fields_are_ignored() {
        let text = "Metadata-Version: 2.1\nName: zope.interface\n\nVersion: 6.1\n";
        let out = extract("zope.interface-6.1.dist-info/METADATA", text.as_bytes());
        assert!(out.packages.is_empty());
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].path, "zope.interface-6.1.dist-info/METADATA");
        assert_eq!(
            out.skipped[0].reason,
            "installed metadata without a Version header; distribution not identified"
        );
    }

    #[test]
    fn missing_both_fields_is_skipped_not_an_error() {
        let out = extract("x.egg-info/PKG-INFO", b"\x00\xff garbage");
        assert!(out.packages.is_empty());
        assert_eq!(
            out.skipped[0].reason,
            "installed metadata without a Name and Version header; distribution not identified"
        );
        let out = extract("x.egg-info/PKG-INFO", b"");
        assert_eq!(out.skipped.len(), 1);
    }

    #[test]
    fn unparseable_versions_are_kept_as_found() {
        let out = extract(
            "odd-x.dist-info/METADATA",
            b"\xef\xbb\xbfName: odd\nVersion: not a version!\n",
        );
        assert_eq!(out.packages[0].name, "odd");
        assert_eq!(out.packages[0].version, "not a version!");
    }

    #[test]
    fn install_paths_name_the_distribution_folder() {
        assert_eq!(
            install_path("a.zip!/rsa-4.0.dist-info/METADATA"),
            "a.zip!/rsa-4.0.dist-info"
        );
        assert_eq!(install_path("foo.egg-info/PKG-INFO"), "foo.egg-info");
        assert_eq!(
            install_path("lib/foo-1.0-py3.8.egg/EGG-INFO/PKG-INFO"),
            "lib/foo-1.0-py3.8.egg"
        );
        assert_eq!(
            install_path("foo-1.0-py3.8.egg-info"),
            "foo-1.0-py3.8.egg-info"
        );
    }

    #[test]
    fn pkg_info_and_vendored_copies() {
        let text = "Metadata-Version: 1.1\nName: legacy-thing\nVersion: 0.9\n";
        let out = extract(
            "site-packages/setuptools/_vendor/legacy_thing-0.9.dist-info/METADATA",
            text.as_bytes(),
        );
        let f = &out.packages[0];
        assert_eq!(
            f.install_path.as_deref(),
            Some("site-packages/setuptools/_vendor/legacy_thing-0.9.dist-info")
        );
        assert_eq!(
            f.note.as_deref(),
            Some("vendored inside site-packages/setuptools")
        );
        let out = extract("legacy_thing.egg-info/PKG-INFO", text.as_bytes());
        assert_eq!(out.packages[0].note, None);
        assert_eq!(out.packages[0].version, "0.9");
    }
}
