//! `--format spdx`: an SPDX 2.3 JSON document (the SBOM format Amazon
//! Inspector, Trivy and Syft write beside CycloneDX).
//!
//! Every artifact (function code, each layer, a folder) is a package the
//! document describes; every dependency is a package with its purl, contained
//! by each artifact it was found in; a scan's findings are `SECURITY` /
//! `advisory` external references on the package they affect. Element ids are
//! numbered in the inventory's (sorted) order and the namespace is a digest of
//! the content, so the same input and `created` give the same bytes.

use super::json::write_sorted;
use super::{location_uri, osv_url, Renderer};
use crate::findings::{Finding, Status};
use crate::inventory::{ArtifactKind, Inventory};
use crate::package::Package;
use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};
use std::collections::BTreeSet;
use std::io::{self, Write};

/// `created` when the caller gives no time: SPDX requires one, and a
/// renderer never reads the clock.
pub const UNKNOWN_CREATED: &str = "1970-01-01T00:00:00Z";

pub(crate) struct Spdx<'a> {
    /// When the document was made (RFC 3339, UTC).
    pub created: &'a str,
}

impl Renderer for Spdx<'_> {
    fn render(&self, report: &crate::findings::ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let mut doc = document(&report.inventory, &report.findings, self.created);
        doc["creationInfo"]["comment"] = Value::from(format!(
            "advisory database: {}",
            super::describe_database(&report.database)
        ));
        write_sorted(doc, out)
    }
}

/// Writes an inventory (no findings) as SPDX 2.3 JSON, for `sbom --format spdx`.
pub fn render_inventory(
    inventory: &Inventory,
    created: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_sorted(document(inventory, &[], created), out)
}

fn document(inventory: &Inventory, findings: &[Finding], created: &str) -> Value {
    let name = inventory
        .main_artifact()
        .map_or("lambda-audit scan", |a| a.name.as_str());
    let mut packages = Vec::new();
    let mut relationships = Vec::new();

    let artifact_ids: Vec<(&str, String)> = inventory
        .artifacts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.as_str(), format!("SPDXRef-Artifact-{}", i + 1)))
        .collect();
    for (a, (_, id)) in inventory.artifacts.iter().zip(&artifact_ids) {
        let purpose = match a.role {
            ArtifactKind::Function | ArtifactKind::Directory => "APPLICATION",
            ArtifactKind::Layer => "ARCHIVE",
            ArtifactKind::Sbom => "OTHER",
        };
        packages.push(json!({
            "SPDXID": id,
            "name": a.name,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": purpose,
            "comment": format!("lambda-audit {} artifact", a.role),
        }));
        relationships.push(relationship("SPDXRef-DOCUMENT", "DESCRIBES", id));
    }

    let roots = inventory
        .roots
        .iter()
        .enumerate()
        .map(|(i, p)| (p, "APPLICATION", "Root", i));
    let dependencies =
        (inventory.packages.iter().enumerate()).map(|(i, p)| (p, "LIBRARY", "Package", i));
    for (p, purpose, kind, i) in roots.chain(dependencies) {
        let id = format!("SPDXRef-{kind}-{}", i + 1);
        packages.push(package(p, &id, purpose, findings));
        let containers: BTreeSet<&str> = p
            .locations
            .iter()
            .filter_map(|l| {
                artifact_ids
                    .iter()
                    .find(|(name, _)| *name == l.artifact)
                    .map(|(_, a)| a.as_str())
            })
            .collect();
        for container in containers {
            relationships.push(relationship(container, "CONTAINS", &id));
        }
    }

    let namespace = format!(
        "https://spdx.org/spdxdocs/lambda-audit-{}-{}",
        slug(name),
        digest(&packages, created)
    );
    let tool = &inventory.tool;
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": namespace,
        "creationInfo": {
            "created": created,
            "creators": [format!("Tool: {}-{}", tool.name, tool.version)],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

fn package(p: &Package, id: &str, purpose: &str, findings: &[Finding]) -> Value {
    let mut refs = vec![json!({
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceType": "purl",
        "referenceLocator": p.purl,
    })];
    let mut affecting: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.package.purl == p.purl)
        .collect();
    affecting.sort_by(|a, b| a.id.cmp(&b.id));
    for f in affecting {
        let status = match f.status {
            Status::Suppressed => "suppressed",
            _ => "open",
        };
        refs.push(json!({
            "referenceCategory": "SECURITY",
            "referenceType": "advisory",
            "referenceLocator": osv_url(&f.id),
            "comment": format!("{} ({}, {status})", f.id, f.severity.rating.name()),
        }));
    }
    let mut locations: Vec<String> = p.locations.iter().map(location_uri).collect();
    locations.dedup();
    let mut v = Map::new();
    v.insert("SPDXID".into(), Value::from(id));
    v.insert("name".into(), Value::from(p.name.as_str()));
    v.insert("versionInfo".into(), Value::from(p.version.as_str()));
    v.insert("downloadLocation".into(), Value::from("NOASSERTION"));
    v.insert("filesAnalyzed".into(), Value::from(false));
    v.insert("primaryPackagePurpose".into(), Value::from(purpose));
    v.insert("externalRefs".into(), Value::Array(refs));
    if !locations.is_empty() {
        v.insert(
            "sourceInfo".into(),
            Value::from(format!("found at {}", locations.join(", "))),
        );
    }
    Value::Object(v)
}

fn relationship(from: &str, kind: &str, to: &str) -> Value {
    json!({
        "spdxElementId": from,
        "relationshipType": kind,
        "relatedSpdxElement": to,
    })
}

/// The name as a URI path segment: letters, digits, `.` and `-`.
fn slug(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let s: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() {
        "document".into()
    } else {
        s
    }
}

/// A digest of the packages and the creation time: a namespace unique to
/// this document's content.
fn digest(packages: &[Value], created: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(created.as_bytes());
    for p in packages {
        hasher.update(p.to_string().as_bytes());
    }
    hex::encode(&hasher.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_only_uri_safe_characters() {
        assert_eq!(slug("dist/my function.zip"), "my-function.zip");
        assert_eq!(
            slug("arn:aws:lambda:eu-west-1:1:function:f"),
            "arn-aws-lambda-eu-west-1-1-function-f"
        );
        assert_eq!(slug(""), "document");
    }
}
