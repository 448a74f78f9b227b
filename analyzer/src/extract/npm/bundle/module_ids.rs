//! Module paths a bundle keeps in its code: esbuild's region comments in
//! non-minified output (`// node_modules/lodash/lodash.js` on a line of its
//! own), and webpack's path module ids (`"./node_modules/ms/index.js":` keys,
//! `!*** ./node_modules/ms/index.js ***!` banners, `// CONCATENATED MODULE:`
//! lines) in development builds or with `moduleIds: 'named'`.
//!
//! A path counts only in one of those positions: `node_modules/...` inside
//! any other string (axios's inlined `scripts` name
//! `./node_modules/coveralls/bin/coveralls.js`) is not a module.

use super::evidence::{Evidence, Naming};
use super::module_path::package_of;
use crate::package::BundleSource;

/// A module path is at most this long (either side of `node_modules/`).
const MAX_PATH: usize = 4096;

/// Bytes that end a path token.
fn ends_path(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'*' | b',' | b';' | b'(' | b')')
}

/// How far back from a path its line's prefix is looked at: minified
/// bundles are one long line, and only short prefixes matter.
const MAX_PREFIX: usize = 128;

/// The text before `at` on its line, at most [`MAX_PREFIX`] bytes, and
/// whether that is the whole line's start.
fn line_before(bytes: &[u8], at: usize) -> (&[u8], bool) {
    let from = at.saturating_sub(MAX_PREFIX);
    match memchr::memrchr(b'\n', &bytes[from..at]) {
        Some(i) => (&bytes[from + i + 1..at], true),
        None => (&bytes[from..at], from == 0),
    }
}

/// How a path token at `start..end` sits in the code, if it is a module.
fn position(bytes: &[u8], start: usize, end: usize) -> Option<BundleSource> {
    let (before, whole_line) = line_before(bytes, start);
    let after = &bytes[end..bytes.len().min(end + 8)];
    let ends_line = matches!(after.first(), None | Some(b'\n' | b'\r'));
    let trimmed = before.trim_ascii_start();
    if whole_line && trimmed == b"// " && ends_line {
        return Some(BundleSource::RegionComment);
    }
    if trimmed.ends_with(b"// CONCATENATED MODULE: ") {
        return Some(BundleSource::ModuleId);
    }
    if before.ends_with(b"!*** ") && after.starts_with(b" ***!") {
        return Some(BundleSource::ModuleId);
    }
    let quote = *before.last()?;
    if matches!(quote, b'"' | b'\'') && after.first() == Some(&quote) {
        let colon = after[1..].iter().find(|b| !b.is_ascii_whitespace());
        let path = &bytes[start..end];
        let relative = path.starts_with(b"./") || path.starts_with(b"../");
        if colon == Some(&b':') && relative {
            return Some(BundleSource::ModuleId);
        }
    }
    None
}

/// The module paths the bundle's code keeps, as names (and store versions).
pub(super) fn read(bytes: &[u8], label: &str) -> Evidence {
    let mut evidence = Evidence::default();
    let mut done_until = 0;
    for hit in memchr::memmem::find_iter(bytes, b"node_modules/") {
        if hit < done_until {
            continue;
        }
        let floor = hit.saturating_sub(MAX_PATH);
        let Some(start) = bytes[floor..hit]
            .iter()
            .rposition(|&b| ends_path(b))
            .map(|i| floor + i + 1)
            .or((floor == 0).then_some(0))
        else {
            continue;
        };
        let ceiling = bytes.len().min(hit + MAX_PATH);
        let end = bytes[hit..ceiling]
            .iter()
            .position(|&b| ends_path(b))
            .map_or(ceiling, |i| hit + i);
        done_until = end;
        let Some(by) = position(bytes, start, end) else {
            continue;
        };
        let Ok(path) = std::str::from_utf8(&bytes[start..end]) else {
            continue;
        };
        if let Some(copy) = package_of(path) {
            evidence.names.push(Naming::of_copy(&copy, by, label));
            evidence.store_version(&copy, label);
        }
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(text: &str) -> Vec<(String, String, BundleSource)> {
        read(text.as_bytes(), "b.js")
            .names
            .into_iter()
            .map(|n| (n.name, n.module_path.unwrap_or_default(), n.by))
            .collect()
    }

    #[test]
    fn esbuild_region_comments() {
        let text = "var x;\n\n  // node_modules/ms/index.js\n  var require_ms = ...;\n// node_modules/a/node_modules/@s/b/lib/x.js\n// src/handler.ts\n";
        assert_eq!(
            modules(text),
            [
                (
                    "ms".into(),
                    "node_modules/ms".into(),
                    BundleSource::RegionComment
                ),
                (
                    "@s/b".into(),
                    "node_modules/a/node_modules/@s/b".into(),
                    BundleSource::RegionComment
                ),
            ]
        );
    }

    #[test]
    fn webpack_path_ids() {
        let text = concat!(
            "/***/ \"./node_modules/debug/src/index.js\":\n",
            "/*!*****************************************!*\\\n",
            "  !*** ./node_modules/ms/index.js ***!\n",
            "  \\*****************************************/\n",
            ";// CONCATENATED MODULE: ./node_modules/yaml/dist/index.js\n",
            "var m = {'../../node_modules/qs/lib/index.js': function(){}};\n",
        );
        let names: Vec<String> = modules(text).into_iter().map(|m| m.0).collect();
        assert_eq!(names, ["debug", "ms", "yaml", "qs"]);
        assert!(modules(text).iter().all(|m| m.2 == BundleSource::ModuleId));
    }

    #[test]
    fn paths_elsewhere_are_not_modules() {
        for text in [
            "coveralls:\"cat coverage/lcov.info | ./node_modules/coveralls/bin/coveralls.js\",",
            "require(\"./node_modules/x/index.js\")",
            "// node_modules/x/index.js is skipped because\n",
            "s = \"node_modules/x/y.js\":",
            "x = 1; // node_modules/x/y.js\n",
        ] {
            assert!(modules(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn paths_past_the_limit_are_not_read() {
        let long = format!("// node_modules/x/{}.js\n", "a".repeat(MAX_PATH));
        assert!(modules(&long).is_empty());
        let short = format!("// node_modules/x/{}.js\n", "a".repeat(MAX_PATH - 100));
        assert_eq!(modules(&short).len(), 1);
    }
}
