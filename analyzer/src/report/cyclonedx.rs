//! `--format cyclonedx`: a CycloneDX 1.5 JSON BOM. The function is
//! `metadata.component`, every dependency a component (bom-ref = purl, with its
//! evidence files as occurrences), and every finding a vulnerability (in
//! `--sort` order) with its ratings (the advisory's, and lambda-audit's risk
//! score with method `other`), KEV and EPSS as properties, the component it
//! affects, and its VEX analysis ([`crate::vex`]).
//! No serial number and no timestamp, so the same input gives the same bytes.

use super::database::DATABASE_PROPERTY;
use super::json::write_sorted;
use super::{describe_database, describe_gap, location_uri, ordered, osv_url, Renderer, SortOrder};
use crate::findings::{DatabaseInfo, Finding, ScanReport};
use crate::inventory::Inventory;
use crate::package::Package;
use crate::reachability::{self, ReachabilityReport};
use crate::sbom::{INCOMPLETE_PROPERTY, ROLE_PROPERTY, ROOT_ROLE};
use crate::severity::CvssVersion;
use crate::vex::{self, VexStatus};
use crate::Ecosystem;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::io::{self, Write};

pub(crate) struct CycloneDx {
    pub sort: SortOrder,
}

impl Renderer for CycloneDx {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let findings = ordered(&report.findings, self.sort);
        write_sorted(
            bom(&report.inventory, &findings, Some(&report.database)),
            out,
        )
    }
}

/// Writes an inventory (no findings, no `vulnerabilities`) as CycloneDX 1.5,
/// for `sbom --format cyclonedx`.
pub fn render_inventory(inventory: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    write_sorted(bom(inventory, &[], None), out)
}

/// lambda-audit's risk score as a CycloneDX rating (method `other`).
fn risk_rating(f: &Finding) -> Value {
    json!({
        "source": { "name": "lambda-audit" },
        "score": f.priority.risk.score,
        "method": "other",
        "justification": "lambda-audit risk score, 0-100: CVSS, CISA KEV, EPSS, fix, runtime loading, import reachability and exposure",
    })
}

/// The finding's VEX statement as a CycloneDX `analysis` (see [`crate::vex`]):
/// `not_affected` with a justification, or `exploitable` with what to do.
fn analysis(f: &Finding) -> Value {
    let a = vex::assess(f);
    let mut m = Map::new();
    match a.status {
        VexStatus::NotAffected => {
            m.insert("state".into(), Value::from("not_affected"));
            if let Some(j) = a.justification {
                m.insert("justification".into(), Value::from(j.cyclonedx()));
            }
            if let Some(detail) = a.impact {
                m.insert("detail".into(), Value::from(detail));
            }
        }
        VexStatus::Affected => {
            m.insert("state".into(), Value::from("exploitable"));
            if f.fixed_version.is_some() {
                m.insert("response".into(), json!(["update"]));
            }
            if let Some(detail) = a.action {
                m.insert("detail".into(), Value::from(detail));
            }
        }
    }
    Value::Object(m)
}

/// KEV and EPSS as `lambda-audit:` properties (CycloneDX has no field for them).
fn signal_properties(f: &Finding) -> Vec<Value> {
    let mut list = Vec::new();
    let mut push = |name: &str, value: String| {
        list.push(json!({ "name": format!("lambda-audit:{name}"), "value": value }));
    };
    if let Some(k) = &f.priority.kev {
        push("kev:dateAdded", k.date_added.clone());
        push("kev:dueDate", k.due_date.clone());
        push(
            "kev:knownRansomwareCampaignUse",
            k.known_ransomware_campaign_use.clone(),
        );
    }
    if let Some(e) = f.priority.epss {
        push("epss:score", e.score.to_string());
        push("epss:percentile", e.percentile.to_string());
    }
    list
}

/// `group` and `name` of a package as CycloneDX splits them.
fn group_and_name(p: &Package) -> (Option<&str>, &str) {
    match p.ecosystem {
        Ecosystem::Maven => match p.name.split_once(':') {
            Some((g, a)) => (Some(g), a),
            None => (None, p.name.as_str()),
        },
        Ecosystem::Npm if p.name.starts_with('@') => match p.name.split_once('/') {
            Some((g, n)) => (Some(g), n),
            None => (None, p.name.as_str()),
        },
        _ => (None, p.name.as_str()),
    }
}

/// A package as a component; `reachability` (the inventory's reports) adds
/// its import reachability as a `lambda-audit:reachability` property.
fn component(p: &Package, kind: &str, bom_ref: &str, reachability: &[ReachabilityReport]) -> Value {
    let (group, name) = group_and_name(p);
    let mut c = Map::new();
    c.insert("type".into(), Value::from(kind));
    c.insert("bom-ref".into(), Value::from(bom_ref));
    if let Some(g) = group {
        c.insert("group".into(), Value::from(g));
    }
    c.insert("name".into(), Value::from(name));
    c.insert("version".into(), Value::from(p.version.as_str()));
    c.insert("purl".into(), Value::from(p.purl.as_str()));
    // Not deployed (development only, or for another platform): CycloneDX's
    // `excluded` ("not in the runtime environment"), with our scopes beside.
    let mut scopes: Vec<&str> = Vec::new();
    if p.is_dev_only() {
        c.insert("scope".into(), Value::from("excluded"));
        scopes = p
            .locations
            .iter()
            .filter_map(|l| l.scope.as_deref())
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
    }
    let mut occurrences: Vec<String> = p.locations.iter().map(location_uri).collect();
    occurrences.dedup();
    if !occurrences.is_empty() {
        let list: Vec<Value> = occurrences
            .into_iter()
            .map(|l| json!({ "location": l }))
            .collect();
        c.insert("evidence".into(), json!({ "occurrences": list }));
    }
    let mut properties =
        vec![json!({ "name": "lambda-audit:ecosystem", "value": p.ecosystem.as_str() })];
    if !p.is_loaded() {
        properties.push(json!({ "name": "lambda-audit:loaded", "value": "false" }));
    }
    for scope in scopes {
        properties.push(json!({ "name": "lambda-audit:scope", "value": scope }));
    }
    let mut bundled: Vec<String> = p
        .locations
        .iter()
        .filter_map(|l| l.bundle.as_ref().map(|b| b.describe()))
        .collect();
    bundled.dedup();
    for evidence in bundled {
        properties.push(json!({ "name": "lambda-audit:bundle-evidence", "value": evidence }));
    }
    if let Some(r) = reachability::strongest(reachability, &p.purl) {
        properties.push(json!({ "name": "lambda-audit:reachability", "value": r.status.as_str() }));
    }
    c.insert("properties".into(), Value::Array(properties));
    Value::Object(c)
}

/// Hands out unique bom-refs (a purl, suffixed `#2`, `#3`... if repeated).
#[derive(Default)]
struct Refs(BTreeSet<String>);

impl Refs {
    fn take(&mut self, wanted: &str) -> String {
        let mut candidate = wanted.to_string();
        let mut n = 1;
        while !self.0.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{wanted}#{n}");
        }
        candidate
    }
}

/// CycloneDX's name for the scoring method of a vector (`CVSSv31`, `CVSSv3`,
/// `CVSSv4`, `CVSSv2`).
fn cvss_method(vector: &str) -> Option<&'static str> {
    CvssVersion::of_vector(vector).map(|version| match version {
        CvssVersion::V2 => "CVSSv2",
        CvssVersion::V3_0 => "CVSSv3",
        CvssVersion::V3_1 => "CVSSv31",
        CvssVersion::V4_0 => "CVSSv4",
    })
}

fn rating(f: &Finding) -> Value {
    let s = &f.severity;
    let mut r = Map::new();
    r.insert(
        "source".into(),
        json!({ "name": "OSV", "url": osv_url(&f.id) }),
    );
    if let Some(score) = s.score {
        r.insert("score".into(), Value::from(score));
    }
    r.insert("severity".into(), Value::from(s.rating.name()));
    let method = s.vector.as_deref().and_then(cvss_method).unwrap_or("other");
    r.insert("method".into(), Value::from(method));
    if let Some(v) = &s.vector {
        r.insert("vector".into(), Value::from(v.as_str()));
    }
    Value::Object(r)
}

fn vulnerability(f: &Finding, affected_ref: &str) -> Value {
    let mut v = Map::new();
    v.insert(
        "bom-ref".into(),
        Value::from(format!("{}/{}", f.id, f.package.purl)),
    );
    v.insert("id".into(), Value::from(f.id.as_str()));
    v.insert(
        "source".into(),
        json!({ "name": "OSV", "url": osv_url(&f.id) }),
    );
    if !f.aliases.is_empty() {
        let refs: Vec<Value> = f
            .aliases
            .iter()
            .map(|a| json!({ "id": a, "source": { "name": "OSV", "url": osv_url(a) } }))
            .collect();
        v.insert("references".into(), Value::Array(refs));
    }
    v.insert(
        "ratings".into(),
        Value::Array(vec![rating(f), risk_rating(f)]),
    );
    if !f.summary.is_empty() {
        v.insert("description".into(), Value::from(f.summary.as_str()));
    }
    if let Some(fix) = &f.fixed_version {
        v.insert(
            "recommendation".into(),
            Value::from(format!("Upgrade {} to {fix} or later.", f.package.name)),
        );
    }
    let mut urls: Vec<&String> = f.references.iter().collect();
    urls.sort();
    urls.dedup();
    if !urls.is_empty() {
        let list: Vec<Value> = urls.into_iter().map(|u| json!({ "url": u })).collect();
        v.insert("advisories".into(), Value::Array(list));
    }
    v.insert("analysis".into(), analysis(f));
    let properties = signal_properties(f);
    if !properties.is_empty() {
        v.insert("properties".into(), Value::Array(properties));
    }
    v.insert(
        "affects".into(),
        json!([{ "ref": affected_ref, "versions": [{ "version": f.package.version, "status": "affected" }] }]),
    );
    Value::Object(v)
}

/// The BOM of `inventory`, with `findings` as vulnerabilities and, for a
/// scan, the advisory database named in a `lambda-audit:database` property.
fn bom(inventory: &Inventory, findings: &[&Finding], database: Option<&DatabaseInfo>) -> Value {
    let mut refs = Refs::default();
    let tool = &inventory.tool;
    let mut metadata = Map::new();
    metadata.insert(
        "tools".into(),
        json!({ "components": [{ "type": "application", "name": tool.name, "version": tool.version }] }),
    );
    let mut properties: Vec<Value> = inventory
        .gaps()
        .map(|(artifact, gap)| {
            json!({ "name": INCOMPLETE_PROPERTY, "value": describe_gap(artifact, gap) })
        })
        .collect();
    if let Some(database) = database {
        properties.push(json!({ "name": DATABASE_PROPERTY, "value": describe_database(database) }));
    }
    if !properties.is_empty() {
        metadata.insert("properties".into(), Value::Array(properties));
    }
    let mut roots = inventory.roots.iter();
    if let Some(root) = roots.next() {
        let r = refs.take(&root.purl);
        metadata.insert(
            "component".into(),
            component(root, "application", &r, &inventory.reachability),
        );
    } else if let Some(a) = inventory.main_artifact() {
        let r = refs.take(&format!("artifact:{}", a.name));
        metadata.insert(
            "component".into(),
            json!({ "type": "application", "bom-ref": r, "name": a.name }),
        );
    }
    // Further roots (a layer's own package) are marked, so that reading the
    // SBOM back (`scan --sbom`) keeps them out of matching.
    let mut components: Vec<Value> = roots
        .map(|p| {
            let r = refs.take(&p.purl);
            let mut c = component(p, "application", &r, &inventory.reachability);
            if let Some(props) = c.get_mut("properties").and_then(Value::as_array_mut) {
                props.push(json!({ "name": ROLE_PROPERTY, "value": ROOT_ROLE }));
            }
            c
        })
        .collect();
    let mut package_refs: Vec<(&str, String)> = Vec::with_capacity(inventory.packages.len());
    for p in &inventory.packages {
        let r = refs.take(&p.purl);
        components.push(component(p, "library", &r, &inventory.reachability));
        package_refs.push((p.purl.as_str(), r));
    }
    let mut doc = Map::new();
    doc.insert("bomFormat".into(), Value::from("CycloneDX"));
    doc.insert("specVersion".into(), Value::from("1.5"));
    doc.insert("version".into(), Value::from(1));
    doc.insert("metadata".into(), Value::Object(metadata));
    doc.insert("components".into(), Value::Array(components));
    if !findings.is_empty() {
        let vulns: Vec<Value> = findings
            .iter()
            .map(|f| {
                let r = package_refs
                    .iter()
                    .find(|(purl, _)| *purl == f.package.purl)
                    .map(|(_, r)| r.as_str())
                    .unwrap_or(f.package.purl.as_str());
                vulnerability(f, r)
            })
            .collect();
        doc.insert("vulnerabilities".into(), Value::Array(vulns));
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_methods() {
        assert_eq!(cvss_method("CVSS:3.1/AV:N"), Some("CVSSv31"));
        assert_eq!(cvss_method("CVSS:3.0/AV:N"), Some("CVSSv3"));
        assert_eq!(cvss_method("CVSS:4.0/AV:N"), Some("CVSSv4"));
        assert_eq!(cvss_method("AV:N/AC:L/Au:N"), Some("CVSSv2"));
        assert_eq!(cvss_method("high"), None);
    }

    #[test]
    fn packages_not_deployed_are_excluded_with_their_scope() {
        use crate::package::{EvidenceKind, Location};
        let package = |scope: Option<&str>| Package {
            ecosystem: Ecosystem::Npm,
            name: "minimist".into(),
            version: "1.2.0".into(),
            purl: "pkg:npm/minimist@1.2.0".into(),
            locations: vec![Location {
                artifact: "fn.zip".into(),
                path: "package-lock.json".into(),
                evidence: EvidenceKind::Lockfile,
                lambda_path: None,
                install_path: None,
                loaded: false,
                reason: None,
                scope: scope.map(str::to_string),
                note: None,
                bundle: None,
            }],
        };
        let dev = component(&package(Some("dev")), "library", "a", &[]);
        assert_eq!(dev["scope"], "excluded");
        assert!(dev["properties"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "lambda-audit:scope", "value": "dev"})));
        for deployed in [None, Some("optional")] {
            let c = component(&package(deployed), "library", "a", &[]);
            assert_eq!(c.get("scope"), None, "{deployed:?}");
            assert!(
                !c.to_string().contains("lambda-audit:scope"),
                "{deployed:?}"
            );
        }
    }
}
