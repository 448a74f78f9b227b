//! License and banner comments bundlers keep (`/*! lodash v4.17.20 | MIT */`,
//! `/** @license React v17.0.2 */`, `//! moment.js` runs) and esbuild's
//! trailing "Bundled license information" block, which names each package
//! file that carried a legal comment (`moment/moment.js:`).
//!
//! Comments are weak evidence: a banner can be stale or give a display name.
//! A banner names a package only as `<name> <version>` on its first line, or
//! as a bare name on a line that speaks of a license; names ending in `.js`
//! (`moment.js`, a library's title more often than its package) are left out.

use super::evidence::{Evidence, Naming, VersionClue};
use super::module_path::{is_package_name, package_of};
use super::remnants::semver_text;
use crate::package::{BundleSource, BundleVersionSource};

/// Comments longer than this are not read (license texts are a few KiB).
const MAX_COMMENT: usize = 16 * 1024;

/// The heading of esbuild's legal-comment block.
const ESBUILD_LEGAL: &str = "Bundled license information:";

/// The bodies of the license-like comments in `bytes`, in order.
fn license_comments(bytes: &[u8]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for opener in [&b"/*!"[..], b"/**"] {
        for start in memchr::memmem::find_iter(bytes, opener) {
            let body_start = start + 3;
            let window = &bytes[body_start..bytes.len().min(body_start + MAX_COMMENT)];
            let Some(len) = memchr::memmem::find(window, b"*/") else {
                continue;
            };
            let body = String::from_utf8_lossy(&window[..len]);
            let is_license =
                opener == b"/*!" || body.contains("@license") || body.contains("@preserve");
            if is_license {
                found.push((start, body.into_owned()));
            }
        }
    }
    // Runs of `//!` lines (moment's banner) form one comment.
    let mut run: Option<(usize, usize, String)> = None;
    let mut line_end = 0;
    for start in memchr::memmem::find_iter(bytes, b"//!") {
        // A `//!` later on a line already taken belongs to that line.
        if start < line_end {
            continue;
        }
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |e| start + e);
        line_end = end;
        let line = String::from_utf8_lossy(&bytes[start + 3..end]).into_owned();
        match &mut run {
            Some((_, last_end, text))
                if bytes[*last_end..start].iter().all(u8::is_ascii_whitespace) =>
            {
                text.push('\n');
                text.push_str(&line);
                *last_end = end;
            }
            _ => {
                if let Some((s, _, text)) = run.take() {
                    found.push((s, text));
                }
                run = Some((start, end, line));
            }
        }
    }
    if let Some((s, _, text)) = run {
        found.push((s, text));
    }
    found.sort();
    found.into_iter().map(|(_, text)| text).collect()
}

/// A comment line without its decoration (`*`, `!`, esbuild's `(*! ... *)`).
fn clean(line: &str) -> &str {
    let line = line.trim().trim_start_matches(['(', '*', '!', '/']).trim();
    line.trim_end_matches(['*', ')', '/']).trim()
}

/// The version a line states for its library: `version : 2.29.1`,
/// `@version 1.2.3`.
fn stated_version(line: &str) -> Option<String> {
    let rest = line
        .strip_prefix("@version")
        .or_else(|| line.strip_prefix("version"))?;
    let rest = rest.trim_start().trim_start_matches(':').trim();
    semver_text(rest.split_whitespace().next()?)
}

/// `<name> <version>` at the start of a banner line: (name, version).
fn name_and_version(line: &str) -> Option<(String, String)> {
    let line = line
        .strip_prefix("@license")
        .or_else(|| line.strip_prefix("@preserve"))
        .unwrap_or(line)
        .trim();
    let mut words = line.split_whitespace();
    let name = words.next()?.to_ascii_lowercase();
    let version = semver_text(words.next()?.trim_end_matches([',', ';', '|']))?;
    (is_package_name(&name) && !name.ends_with(".js")).then_some((name, version))
}

/// A bare package name on a line that speaks of a license
/// (`safe-buffer. MIT License. Feross Aboukhadijeh`).
fn licensed_name(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    if !["license", "copyright", "(c)", "©"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return None;
    }
    let name = line
        .split_whitespace()
        .next()?
        .trim_end_matches(['.', ',', ':', ';']);
    (is_package_name(name) && !name.ends_with(".js")).then(|| name.to_string())
}

/// The first line of a comment that says something.
fn first_line(body: &str) -> Option<&str> {
    body.lines()
        .map(clean)
        .find(|l| !l.is_empty() && *l != "@license" && *l != "@preserve")
}

/// Names and versions from esbuild's legal block.
fn esbuild_legal_block(body: &str, label: &str, evidence: &mut Evidence) {
    let mut current: Option<String> = None;
    for line in body.lines() {
        let is_header =
            !line.starts_with(char::is_whitespace) && line.ends_with(':') && line.contains('/');
        if is_header {
            let path = line.trim_end_matches(':');
            current = package_of(&format!("node_modules/{path}")).map(|c| c.name);
            if let Some(name) = &current {
                evidence.names.push(named(name, label));
            }
            continue;
        }
        let Some(name) = &current else { continue };
        let text = clean(line);
        let version = stated_version(text)
            .or_else(|| name_and_version(text).and_then(|(n, v)| (&n == name).then_some(v)));
        if let Some(version) = version {
            evidence.versions.push(clue(name, version, label));
        }
    }
}

fn named(name: &str, label: &str) -> Naming {
    Naming {
        name: name.to_string(),
        module_path: None,
        by: BundleSource::LicenseComment,
        file: label.to_string(),
    }
}

fn clue(name: &str, version: String, label: &str) -> VersionClue {
    VersionClue {
        name: name.to_string(),
        module_path: None,
        version,
        from: BundleVersionSource::LicenseComment,
        file: label.to_string(),
    }
}

/// What the license comments of `bytes` (a bundle, or an extracted
/// `.LICENSE.txt`) say; `label` is that file.
pub(super) fn read(bytes: &[u8], label: &str) -> Evidence {
    let mut evidence = Evidence::default();
    for body in license_comments(bytes) {
        if body.trim_start().starts_with(ESBUILD_LEGAL) {
            esbuild_legal_block(&body, label, &mut evidence);
            continue;
        }
        let Some(line) = first_line(&body) else {
            continue;
        };
        if let Some((name, version)) = name_and_version(line) {
            evidence.names.push(named(&name, label));
            evidence.versions.push(clue(&name, version, label));
        } else if let Some(name) = licensed_name(line) {
            evidence.names.push(named(&name, label));
        }
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> (Vec<String>, Vec<String>) {
        let e = read(text.as_bytes(), "b.js");
        let mut names: Vec<String> = e.names.into_iter().map(|n| n.name).collect();
        names.sort();
        names.dedup();
        let versions = e
            .versions
            .into_iter()
            .map(|v| format!("{}@{}", v.name, v.version))
            .collect();
        (names, versions)
    }

    #[test]
    fn banners_with_versions() {
        assert_eq!(
            said("/*! lodash v4.17.20 | MIT */\nx();/** @license React v17.0.2\n * react.production.min.js */"),
            (
                vec!["lodash".into(), "react".into()],
                vec!["lodash@4.17.20".into(), "react@17.0.2".into()]
            )
        );
        assert_eq!(
            said("/*! @license DOMPurify 2.3.3 | (c) Cure53 */").1,
            ["dompurify@2.3.3"]
        );
    }

    #[test]
    fn bare_names_need_a_license_line() {
        assert_eq!(
            said("/*! safe-buffer. MIT License. Feross */").0,
            ["safe-buffer"]
        );
        for text in [
            "/*! exports provided: default */",
            "/*! For license information please see index.js.LICENSE.txt */",
            "/*! http://mths.be/fromcodepoint v0.1.0 by @mathias */",
            "/** Returns the thing. @param x */",
            "//! moment.js\n//! version : 2.29.1\n",
            "/**\n * @license\n * Lodash <https://lodash.com/>\n * Based on Underscore.js 1.8.3\n */",
        ] {
            assert_eq!(said(text), (vec![], vec![]), "{text}");
        }
    }

    #[test]
    fn esbuild_legal_block_names_packages() {
        let block = "/*! Bundled license information:\n\nsafe-buffer/index.js:\n  (*! safe-buffer. MIT License. Feross Aboukhadijeh <https://feross.org/opensource> *)\n\nmoment/moment.js:\n  (*! moment.js *)\n  (*! version : 2.29.1 *)\n\n@scope/pkg/dist/a.js:\n  (*! pkg v1.0.0 *)\n  (*! other v9.9.9 *)\n\nsax/lib/sax.js:\n  (*! http://mths.be/fromcodepoint v0.1.0 by @mathias *)\n*/\n";
        assert_eq!(
            said(block),
            (
                vec![
                    "@scope/pkg".into(),
                    "moment".into(),
                    "safe-buffer".into(),
                    "sax".into()
                ],
                vec!["moment@2.29.1".into()]
            )
        );
    }

    #[test]
    fn several_markers_on_one_line_are_one_line() {
        assert_eq!(said("x //! a //! b\n//! c"), (vec![], vec![]));
        assert_eq!(said("//! ms v2.1.3 //! MIT\n").1, ["ms@2.1.3"]);
    }

    #[test]
    fn comments_past_the_limit_are_not_read() {
        let long = format!("/*! lodash v4.17.20 {} */", "x".repeat(MAX_COMMENT));
        assert_eq!(said(&long), (vec![], vec![]));
        let short = format!("/*! lodash v4.17.20 {} */", "x".repeat(MAX_COMMENT - 40));
        assert_eq!(said(&short).1, ["lodash@4.17.20"]);
    }
}
