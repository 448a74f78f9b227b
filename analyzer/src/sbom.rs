//! Reading a CycloneDX JSON SBOM as an inventory, so its components can be
//! matched by purl (as Amazon Inspector's ScanSbom does).

use crate::diagnostics::{Gap, Skipped, Warning};
use crate::inventory::{merge, ArtifactInfo, ArtifactKind, Coverage, Inventory, Sighting};
use crate::package::{EvidenceKind, Found};
use crate::{purl, Ecosystem};
use serde_json::Value;

/// The component property that marks a root (the function's or a layer's own
/// package) among the components: written by `--format cyclonedx` and
/// `sbom`, read back here so that roots stay out of matching.
pub const ROLE_PROPERTY: &str = "lambda-audit:role";
/// The [`ROLE_PROPERTY`] value of a root.
pub const ROOT_ROLE: &str = "root";
/// The `metadata.properties` entry naming evidence the tool that wrote the
/// SBOM did not read (`artifact: path: reason`, one property per file).
/// Written by `--format cyclonedx` and `sbom`; read back as gaps, so that a
/// scan of an incomplete SBOM is incomplete too.
pub const INCOMPLETE_PROPERTY: &str = "lambda-audit:incomplete";

/// Why an SBOM could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error("{name}: not valid JSON: {source}")]
    Json {
        name: String,
        source: serde_json::Error,
    },
    #[error("{name}: not a CycloneDX JSON document (bomFormat must be \"CycloneDX\")")]
    NotCycloneDx { name: String },
}

/// Reads the components of a CycloneDX JSON document (any 1.x spec version,
/// nested components included). Components without a purl of a supported type
/// are listed in coverage as skipped, never silently dropped.
pub fn read_cyclonedx(name: &str, bytes: &[u8]) -> Result<Inventory, SbomError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|source| SbomError::Json {
        name: name.to_string(),
        source,
    })?;
    if doc.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(SbomError::NotCycloneDx {
            name: name.to_string(),
        });
    }
    let mut sightings = Vec::new();
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    if let Some(root) = doc.pointer("/metadata/component") {
        visit(
            root,
            "metadata.component",
            true,
            name,
            &mut sightings,
            &mut skipped,
            &mut warnings,
        );
    }
    let mut stack: Vec<(String, &Value)> = doc
        .get("components")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .map(|(i, c)| (format!("components[{i}]"), c))
                .collect()
        })
        .unwrap_or_default();
    while let Some((at, c)) = stack.pop() {
        visit(
            c,
            &at,
            is_marked_root(c),
            name,
            &mut sightings,
            &mut skipped,
            &mut warnings,
        );
        if let Some(children) = c.get("components").and_then(Value::as_array) {
            stack.extend(
                children
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (format!("{at}.components[{i}]"), c)),
            );
        }
    }
    let found = sightings
        .iter()
        .filter(|s| s.found.role == crate::Role::Dependency)
        .count();
    let (packages, roots) = merge(sightings);
    skipped.sort();
    warnings.sort();
    Ok(Inventory {
        artifacts: vec![ArtifactInfo {
            name: name.to_string(),
            role: ArtifactKind::Sbom,
            layer_index: None,
            mount: None,
            size_bytes: bytes.len() as u64,
            files: 1,
            jars: Vec::new(),
        }],
        packages,
        roots,
        coverage: vec![Coverage {
            artifact: name.to_string(),
            packages: found,
            read: vec![crate::extract::ExtractorCoverage {
                extractor: "cyclonedx".into(),
                files: vec![name.to_string()],
            }],
            skipped,
            incomplete: recorded_gaps(&doc),
        }],
        warnings,
        ..Inventory::default()
    })
}

/// The gaps an SBOM records in `metadata.properties` ([`INCOMPLETE_PROPERTY`]).
fn recorded_gaps(doc: &Value) -> Vec<Gap> {
    doc.pointer("/metadata/properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("name").and_then(Value::as_str) == Some(INCOMPLETE_PROPERTY))
        .map(|p| Gap {
            path: String::new(),
            reason: format!(
                "the tool that wrote the SBOM did not read {}",
                p.get("value").and_then(Value::as_str).unwrap_or("a file")
            ),
        })
        .collect()
}

/// A component lambda-audit itself marked as a root (a layer's own package).
fn is_marked_root(c: &Value) -> bool {
    c.get("properties")
        .and_then(Value::as_array)
        .is_some_and(|props| {
            props.iter().any(|p| {
                p.get("name").and_then(Value::as_str) == Some(ROLE_PROPERTY)
                    && p.get("value").and_then(Value::as_str) == Some(ROOT_ROLE)
            })
        })
}

fn visit(
    c: &Value,
    at: &str,
    is_root: bool,
    artifact: &str,
    sightings: &mut Vec<Sighting>,
    skipped: &mut Vec<Skipped>,
    warnings: &mut Vec<Warning>,
) {
    let label = c
        .get("name")
        .and_then(Value::as_str)
        .map_or_else(|| at.to_string(), |n| format!("{at} ({n})"));
    let Some(p) = c.get("purl").and_then(Value::as_str) else {
        if !is_root {
            skipped.push(Skipped {
                path: label,
                reason: "component has no purl".into(),
            });
        }
        return;
    };
    match purl::parse(p) {
        Ok(parsed) => match parsed.version {
            Some(version) => {
                let mut found = Found::new(
                    parsed.ecosystem,
                    parsed.name,
                    version,
                    at,
                    EvidenceKind::Declared,
                );
                if is_root {
                    found = found.root();
                }
                sightings.push(Sighting::plain(artifact, found));
            }
            None => skipped.push(Skipped {
                path: label,
                reason: format!("purl {p} has no version"),
            }),
        },
        Err(purl::PurlError::UnsupportedType(ty)) => skipped.push(Skipped {
            path: label,
            reason: format!(
                "purl type `{ty}` is not one of {}",
                Ecosystem::ALL.map(|e| e.purl_type()).join(", ")
            ),
        }),
        Err(e) => warnings.push(Warning {
            artifact: artifact.to_string(),
            path: label,
            message: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_components_by_purl() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":
            {"name":"fn","purl":"pkg:npm/fn@1.0.0"}},
            "components":[{"name":"lodash","purl":"pkg:npm/lodash@4.17.15",
              "components":[{"name":"x","purl":"pkg:maven/org.x/y@1.0"}]},
              {"name":"libc","purl":"pkg:deb/debian/libc6@2.36"},
              {"name":"nopurl"}]}"#;
        let inv = read_cyclonedx("bom.json", doc).unwrap();
        let names: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(names, [("lodash", "4.17.15"), ("org.x:y", "1.0")]);
        assert_eq!(inv.roots[0].name, "fn");
        let reasons: Vec<_> = inv.coverage[0]
            .skipped
            .iter()
            .map(|s| s.reason.as_str())
            .collect();
        assert_eq!(reasons.len(), 2);
        assert!(reasons.iter().any(|r| r.starts_with("purl type `deb`")));
        assert!(reasons.contains(&"component has no purl"));
    }

    #[test]
    fn recorded_gaps_are_read_back() {
        let doc = br#"{"bomFormat":"CycloneDX","metadata":{"properties":[
            {"name":"lambda-audit:incomplete","value":"f.zip: a/x.jar: over the limit"},
            {"name":"other","value":"x"}]},"components":[]}"#;
        let inv = read_cyclonedx("bom.json", doc).unwrap();
        let gaps: Vec<_> = inv.gaps().map(|(a, g)| (a, g.reason.as_str())).collect();
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].0, "bom.json");
        assert!(gaps[0].1.contains("f.zip: a/x.jar: over the limit"));
    }

    #[test]
    fn rejects_what_is_not_cyclonedx() {
        assert!(matches!(
            read_cyclonedx("x", b"{"),
            Err(SbomError::Json { .. })
        ));
        assert!(matches!(
            read_cyclonedx("x", br#"{"spdxVersion":"SPDX-2.3"}"#),
            Err(SbomError::NotCycloneDx { .. })
        ));
    }
}
