//! Source maps: where a bundle's map is (an inline `data:` URL, the file its
//! `sourceMappingURL` names, or `<bundle>.map` next to it), and what its
//! `sources` and `sourcesContent` say about the packages in the bundle.
//!
//! Only `sources`, `sourcesContent`, `sourceRoot` and index-map `sections` are
//! read, with serde_json: the `mappings` (what the `sourcemap` crate decodes
//! into tokens, costly on the tens-of-megabytes maps of large bundles) say
//! nothing about packages.

use super::evidence::{Evidence, Naming};
use super::module_path::package_of;
use super::remnants;
use super::sibling;
use crate::archive::ArchiveTree;
use crate::diagnostics::Gap;
use crate::package::BundleSource;
use base64::Engine;
use serde::Deserialize;

/// Sources read from one map; a map listing more is read up to this many and
/// the rest reported as a gap.
pub(super) const MAX_MAP_SOURCES: usize = 100_000;

/// Index maps (`sections`) nested deeper than this are not followed (the
/// format allows no nesting at all).
const MAX_SECTION_DEPTH: usize = 4;

/// The subset of a source map (revision 3) that names packages.
#[derive(Debug, Default, Deserialize)]
struct RawMap {
    #[serde(default)]
    sources: Vec<Option<String>>,
    #[serde(default, rename = "sourcesContent")]
    sources_content: Vec<Option<String>>,
    #[serde(default, rename = "sourceRoot")]
    source_root: Option<String>,
    #[serde(default)]
    sections: Vec<Section>,
}

#[derive(Debug, Deserialize)]
struct Section {
    #[serde(default)]
    map: Option<RawMap>,
}

/// Where the map of a bundle was found.
#[derive(Debug, PartialEq, Eq)]
enum MapLocation {
    /// A `data:` URL in the bundle itself, decoded.
    Inline(Vec<u8>),
    /// A file of the artifact.
    File(String),
}

/// The `sourceMappingURL` the bundle ends with, if any.
fn mapping_url(bundle: &[u8]) -> Option<&str> {
    const KEY: &[u8] = b"sourceMappingURL=";
    let at = memchr::memmem::rfind(bundle, KEY)?;
    let before = &bundle[at.saturating_sub(4)..at];
    if !(before.ends_with(b"//# ")
        || before.ends_with(b"//@ ")
        || before.ends_with(b"/*# ")
        || before.ends_with(b"/*@ "))
    {
        return None;
    }
    let rest = &bundle[at + KEY.len()..];
    let end = rest
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'*')
        .unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end])
        .ok()
        .filter(|u| !u.is_empty())
}

/// Decodes a `data:` URL's payload (`;base64` or percent-encoded).
fn decode_data_url(url: &str) -> Result<Vec<u8>, String> {
    let (header, payload) = url
        .strip_prefix("data:")
        .and_then(|u| u.split_once(','))
        .ok_or("malformed data: URL")?;
    if header.split(';').any(|p| p.eq_ignore_ascii_case("base64")) {
        let compact: Vec<u8> = payload
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&compact))
            .map_err(|e| format!("inline source map is not base64: {e}"))
    } else {
        Ok(percent_encoding::percent_decode_str(payload).collect())
    }
}

/// Finds the bundle's map: `Ok(None)` when it has none.
fn locate(
    bundle_path: &str,
    bytes: &[u8],
    tree: &ArchiveTree,
) -> Result<Option<MapLocation>, String> {
    if let Some(url) = mapping_url(bytes) {
        if url.starts_with("data:") {
            return decode_data_url(url).map(|m| Some(MapLocation::Inline(m)));
        }
        if !url.contains("://") {
            let decoded =
                percent_encoding::percent_decode_str(url.split(['?', '#']).next().unwrap_or(url))
                    .decode_utf8_lossy()
                    .into_owned();
            if let Some(path) = sibling::resolve(bundle_path, &decoded) {
                if tree.get(&path).is_some() {
                    return Ok(Some(MapLocation::File(path)));
                }
            }
        }
    }
    let next_to = format!("{bundle_path}.map");
    Ok(tree.get(&next_to).map(|_| MapLocation::File(next_to)))
}

/// What the bundle's source map says, if it has one.
pub(super) fn read(bundle_path: &str, bytes: &[u8], tree: &ArchiveTree) -> Evidence {
    let mut evidence = Evidence::default();
    let location = match locate(bundle_path, bytes, tree) {
        Ok(Some(location)) => location,
        Ok(None) => return evidence,
        Err(e) => {
            evidence.skipped.push(crate::Skipped {
                path: bundle_path.to_string(),
                reason: format!("source map not read: {e}"),
            });
            return evidence;
        }
    };
    let (label, map_bytes) = match location {
        MapLocation::Inline(map) => (format!("{bundle_path} (inline source map)"), map),
        MapLocation::File(path) => match sibling::read(tree, &path) {
            Ok(bytes) => (path, bytes),
            Err(gap) => {
                evidence.incomplete.push(gap);
                return evidence;
            }
        },
    };
    match serde_json::from_slice::<RawMap>(&map_bytes) {
        Ok(map) => from_map(&map, &label, 0, &mut evidence),
        Err(e) => evidence.skipped.push(crate::Skipped {
            path: label,
            reason: format!("not a readable source map: {e}"),
        }),
    }
    evidence
}

/// Names and version clues of one map (and its sections).
fn from_map(map: &RawMap, label: &str, depth: usize, evidence: &mut Evidence) {
    let root = map.source_root.as_deref().unwrap_or("");
    if map.sources.len() > MAX_MAP_SOURCES {
        evidence.incomplete.push(Gap {
            path: label.to_string(),
            reason: format!(
                "source map lists {} sources; only the first {MAX_MAP_SOURCES} were read",
                map.sources.len()
            ),
        });
    }
    for (i, source) in map.sources.iter().take(MAX_MAP_SOURCES).enumerate() {
        let Some(source) = source else { continue };
        let full = if root.is_empty() || source.contains("://") {
            source.clone()
        } else {
            format!("{}/{source}", root.trim_end_matches('/'))
        };
        let Some(copy) = package_of(&full) else {
            continue;
        };
        evidence
            .names
            .push(Naming::of_copy(&copy, BundleSource::SourceMap, label));
        evidence.store_version(&copy, label);
        if let Some(Some(content)) = map.sources_content.get(i) {
            evidence
                .versions
                .extend(remnants::in_source(&copy, content, label));
        }
    }
    if depth < MAX_SECTION_DEPTH {
        for section in &map.sections {
            if let Some(inner) = &section.map {
                from_map(inner, label, depth + 1, evidence);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_urls() {
        assert_eq!(
            mapping_url(b"x()\n//# sourceMappingURL=index.js.map\n"),
            Some("index.js.map")
        );
        assert_eq!(
            mapping_url(b"x()/*# sourceMappingURL=a.map */"),
            Some("a.map")
        );
        assert_eq!(mapping_url(b"var s = 'sourceMappingURL=x.map'"), None);
        assert_eq!(mapping_url(b"no map"), None);
    }

    #[test]
    fn data_urls() {
        let json = br#"{"sources":[]}"#;
        let b64 = base64::engine::general_purpose::STANDARD.encode(json);
        let url = format!("data:application/json;charset=utf-8;base64,{b64}");
        assert_eq!(decode_data_url(&url).unwrap(), json);
        assert_eq!(
            decode_data_url("data:application/json,%7B%7D").unwrap(),
            b"{}"
        );
        assert!(decode_data_url("data:application/json;base64,@@@").is_err());
        assert!(decode_data_url("data:nocomma").is_err());
    }

    #[test]
    fn sources_past_the_limit_are_a_gap() {
        let map = RawMap {
            sources: vec![Some("../node_modules/x/a.js".to_string()); MAX_MAP_SOURCES + 1],
            ..RawMap::default()
        };
        let mut evidence = Evidence::default();
        from_map(&map, "i.js.map", 0, &mut evidence);
        assert_eq!(evidence.names.len(), MAX_MAP_SOURCES);
        assert_eq!(evidence.incomplete.len(), 1);
        assert!(evidence.incomplete[0]
            .reason
            .contains("only the first 100000"));
    }
}
