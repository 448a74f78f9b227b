//! `package.json` files inlined into a bundle's code: a package that
//! `require`s its own manifest (axios 0.x does, for its user agent) leaves the
//! whole object in the bundle, `{name:"axios",version:"0.21.1",description:...}`.
//!
//! An object counts only when `name` and `version` come first, in that order,
//! and at least [`MIN_MANIFEST_KEYS`] more keys of its top level are
//! `package.json` fields, so that `{name:"my-server",version:"1.0.0"}` in the
//! function's own code is not taken for a package.

use super::module_path::is_package_name;
use super::remnants::{is_ident_byte, quoted, semver_text, skip_spaces};

/// Other `package.json` fields an inlined manifest must have.
const MIN_MANIFEST_KEYS: usize = 2;

/// How far past `version` the object's keys are looked for.
const MAX_OBJECT_SCAN: usize = 64 * 1024;

/// Top-level `package.json` fields that rarely appear together elsewhere.
const MANIFEST_KEYS: &[&str] = &[
    "description",
    "main",
    "module",
    "types",
    "typings",
    "license",
    "repository",
    "scripts",
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "author",
    "contributors",
    "homepage",
    "keywords",
    "bugs",
    "engines",
    "files",
    "exports",
    "browser",
    "bin",
    "sideEffects",
    "publishConfig",
    "typesVersions",
];

/// The key `word` at `at` (bare or quoted), followed by `:`; returns the
/// index after the colon.
fn key_at(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    let end = match bytes.get(at) {
        Some(b'"') | Some(b'\'') => {
            let (text, end) = quoted(bytes, at)?;
            (text.as_bytes() == word).then_some(end)?
        }
        _ => {
            let end = at + word.len();
            let whole_word = !bytes.get(end).copied().is_some_and(is_ident_byte);
            (bytes.get(at..end)? == word && whole_word).then_some(end)?
        }
    };
    let colon = skip_spaces(bytes, end);
    (bytes.get(colon) == Some(&b':')).then_some(colon + 1)
}

/// Skips the string literal starting at `at`; returns the index after it.
fn skip_string(bytes: &[u8], at: usize, end: usize) -> usize {
    let quote = bytes[at];
    let mut i = at + 1;
    while i < end {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The top-level keys of the object whose body continues at `from` (right
/// after a member's value), up to its closing brace.
fn remaining_keys(bytes: &[u8], from: usize) -> Vec<String> {
    let end = bytes.len().min(from.saturating_add(MAX_OBJECT_SCAN));
    let mut keys = Vec::new();
    let (mut i, mut depth) = (from, 0usize);
    while i < end {
        match bytes[i] {
            b'"' | b'\'' | b'`' => {
                i = skip_string(bytes, i, end);
                continue;
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' if depth == 0 => break,
            b'}' | b']' | b')' => depth -= 1,
            b',' if depth == 0 => {
                let at = skip_spaces(bytes, i + 1);
                let (key, after) = match bytes.get(at) {
                    Some(b'"') | Some(b'\'') => match quoted(bytes, at) {
                        Some((k, e)) => (k.to_string(), e),
                        None => (String::new(), at),
                    },
                    _ => {
                        let len = bytes[at..end]
                            .iter()
                            .take_while(|b| is_ident_byte(**b))
                            .count();
                        (
                            String::from_utf8_lossy(&bytes[at..at + len]).into_owned(),
                            at + len,
                        )
                    }
                };
                if !key.is_empty() && bytes.get(skip_spaces(bytes, after)) == Some(&b':') {
                    keys.push(key);
                }
                i = after.max(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

/// (name, version) of each manifest inlined in `bytes`.
pub(super) fn inlined(bytes: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in memchr::memmem::find_iter(bytes, b"name") {
        // The key may be quoted: start at the quote.
        let at = if i > 0 && matches!(bytes[i - 1], b'"' | b'\'') {
            i - 1
        } else {
            i
        };
        if at > 0 && is_ident_byte(bytes[at - 1]) {
            continue;
        }
        let Some(value_at) = key_at(bytes, at, b"name") else {
            continue;
        };
        let Some((name, after_name)) = quoted(bytes, skip_spaces(bytes, value_at)) else {
            continue;
        };
        let comma = skip_spaces(bytes, after_name);
        if bytes.get(comma) != Some(&b',') || !is_package_name(name) {
            continue;
        }
        let Some(version_at) = key_at(bytes, skip_spaces(bytes, comma + 1), b"version") else {
            continue;
        };
        let Some((raw, after_version)) = quoted(bytes, skip_spaces(bytes, version_at)) else {
            continue;
        };
        let Some(version) = semver_text(raw) else {
            continue;
        };
        let keys = remaining_keys(bytes, after_version);
        let manifest_keys = keys
            .iter()
            .filter(|k| MANIFEST_KEYS.contains(&k.as_str()))
            .count();
        if manifest_keys >= MIN_MANIFEST_KEYS {
            out.push((name.to_string(), version));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minified_and_json_manifests() {
        let minified = br#"var p={name:"axios",version:"0.21.1",description:"Promise based",main:"index.js",scripts:{test:"grunt test",coveralls:"cat x | ./node_modules/coveralls/bin/coveralls.js"},license:"MIT"};"#;
        assert_eq!(
            inlined(minified),
            [("axios".to_string(), "0.21.1".to_string())]
        );
        let json = br#"module.exports = {"name": "@s/pkg", "version": "1.2.3", "license": "MIT", "main": "x.js"}"#;
        assert_eq!(inlined(json), [("@s/pkg".to_string(), "1.2.3".to_string())]);
    }

    #[test]
    fn look_alikes_are_not_manifests() {
        for text in [
            &br#"server({name:"my-server",version:"1.0.0"})"#[..],
            br#"x={name:"a",version:"1.0.0",capabilities:{tools:{}},description:"d"}"#,
            br#"x={name:"Not A Package",version:"1.0.0",main:"a",license:"MIT"}"#,
            br#"x={filename:"a",version:"1.0.0",main:"a",license:"MIT"}"#,
            br#"x={name:"a",version:"latest",main:"a",license:"MIT"}"#,
        ] {
            assert!(
                inlined(text).is_empty(),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn keys_past_the_scan_window_do_not_count() {
        let filler = "a".repeat(MAX_OBJECT_SCAN);
        let far = format!(r#"x={{name:"p",version:"1.0.0",d:"{filler}",main:"m",license:"MIT"}}"#);
        assert!(inlined(far.as_bytes()).is_empty());
        let near = format!(r#"x={{name:"p",version:"1.0.0",main:"m",license:"MIT",d:"{filler}"}}"#);
        assert_eq!(inlined(near.as_bytes()).len(), 1);
    }
}
