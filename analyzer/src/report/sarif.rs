//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning. One rule per
//! vulnerability (rule id = finding id), one result per finding, located at
//! the package's evidence file inside the artifact (`artifact!/path`).
//! Suppressed findings are kept with a SARIF `suppressions` entry; with a
//! baseline, each result carries its `baselineState`. Rules carry GitHub's
//! `security-severity` (the CVSS score); each result's `rank` is its risk
//! score (0-100), and results are listed in `--sort` order.

use super::json::write_sorted;
use super::signals::risk_line;
use super::{
    describe_database, describe_gap, file_uri, location_uri, ordered, osv_url, primary_locations,
    Renderer, SortOrder,
};
use crate::baseline::Changes;
use crate::findings::{Finding, Rating, ScanReport, Status};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub(crate) struct Sarif<'a> {
    pub changes: Option<&'a Changes>,
    pub sort: SortOrder,
}

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The SARIF level of a rating.
fn level(rating: Rating) -> &'static str {
    match rating {
        Rating::Critical | Rating::High => "error",
        Rating::Medium => "warning",
        Rating::Low | Rating::None | Rating::Unknown => "note",
    }
}

/// `security-severity` as GitHub reads it: the CVSS base score; without one,
/// a score inside the band of the rating (critical 9.5, high 8.0, medium 5.5,
/// low 2.0); nothing for none/unknown.
fn security_severity(f: &Finding) -> Option<String> {
    if let Some(score) = f.severity.score {
        return Some(format!("{score:.1}"));
    }
    match f.severity.rating {
        Rating::Critical => Some("9.5".into()),
        Rating::High => Some("8.0".into()),
        Rating::Medium => Some("5.5".into()),
        Rating::Low => Some("2.0".into()),
        Rating::None | Rating::Unknown => None,
    }
}

/// Percent-encodes what may not stand in a URI reference's path.
fn uri_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rule(findings: &[&Finding]) -> Value {
    // The most severe finding of this vulnerability speaks for the rule.
    let f = findings
        .iter()
        .max_by(|a, b| {
            (a.severity.rating, a.severity.score.unwrap_or(-1.0))
                .partial_cmp(&(b.severity.rating, b.severity.score.unwrap_or(-1.0)))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .copied()
        .unwrap_or(findings[0]);
    let title = if f.summary.is_empty() {
        format!("{} in {}", f.id, f.package.name)
    } else {
        f.summary.clone()
    };
    let mut packages: Vec<String> = findings
        .iter()
        .map(|f| {
            let fix = f
                .fixed_version
                .as_deref()
                .map(|v| format!(", fixed in {v}"))
                .unwrap_or_default();
            format!(
                "{} {} ({}){fix}",
                f.package.name, f.package.version, f.package.ecosystem
            )
        })
        .collect();
    packages.dedup();
    let mut text = format!(
        "{}: {title}\nAffected packages: {}.",
        f.id,
        packages.join("; ")
    );
    let mut markdown = format!(
        "**{}**: {title}\n\n| Package | Installed | Fixed |\n| --- | --- | --- |\n",
        f.id
    );
    for x in findings {
        markdown.push_str(&format!(
            "| {} ({}) | {} | {} |\n",
            x.package.name,
            x.package.ecosystem,
            x.package.version,
            x.fixed_version.as_deref().unwrap_or("no fix")
        ));
    }
    if !f.aliases.is_empty() {
        text.push_str(&format!("\nAliases: {}.", f.aliases.join(", ")));
        markdown.push_str(&format!("\nAliases: {}\n", f.aliases.join(", ")));
    }
    if !f.references.is_empty() {
        markdown.push_str("\nReferences:\n");
        for r in &f.references {
            markdown.push_str(&format!("- <{r}>\n"));
        }
    }
    let mut tags = vec![
        Value::from("security"),
        Value::from("vulnerability"),
        Value::from(f.package.ecosystem.as_str()),
    ];
    tags.extend(f.aliases.iter().map(|a| Value::from(a.as_str())));
    let mut properties = Map::new();
    if let Some(s) = security_severity(f) {
        properties.insert("security-severity".into(), Value::from(s));
    }
    properties.insert("tags".into(), Value::Array(tags));
    properties.insert("precision".into(), Value::from("very-high"));
    properties.insert("severity".into(), Value::from(f.severity.rating.name()));
    if let Some(vector) = &f.severity.vector {
        properties.insert("cvssVector".into(), Value::from(vector.as_str()));
    }
    json!({
        "id": f.id,
        "name": "VulnerableDependency",
        "shortDescription": { "text": format!("{}: {title}", f.id) },
        "fullDescription": { "text": title },
        "help": { "text": text, "markdown": markdown },
        "helpUri": osv_url(&f.id),
        "defaultConfiguration": { "level": level(f.severity.rating) },
        "properties": properties,
    })
}

fn result(f: &Finding, rule_index: usize, changes: Option<&Changes>) -> Value {
    let p = &f.package;
    let mut message = format!(
        "{} {} ({}) is affected by {}",
        p.name, p.version, p.ecosystem, f.id
    );
    if !f.aliases.is_empty() {
        message.push_str(&format!(" ({})", f.aliases.join(", ")));
    }
    if !f.summary.is_empty() {
        message.push_str(&format!(": {}", f.summary));
    }
    match &f.fixed_version {
        Some(v) => message.push_str(&format!(". Fixed in {v}.")),
        None => message.push_str(". No fixed version is known."),
    }
    if !f.loaded {
        message.push_str(" No copy of this package is loaded by the runtime.");
    }
    message.push_str(&format!(" Priority: {}.", risk_line(f)));
    let locations: Vec<Value> = primary_locations(&f.locations)
        .into_iter()
        .map(|l| {
            json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri_encode(&location_uri(l)) },
                    "region": { "startLine": 1 },
                },
                "logicalLocations": [{ "fullyQualifiedName": p.purl, "kind": "module" }],
            })
        })
        .collect();
    let mut properties = Map::new();
    properties.insert("ecosystem".into(), Value::from(p.ecosystem.as_str()));
    properties.insert("package".into(), Value::from(p.name.as_str()));
    properties.insert("version".into(), Value::from(p.version.as_str()));
    properties.insert("purl".into(), Value::from(p.purl.as_str()));
    if let Some(v) = &f.fixed_version {
        properties.insert("fixedVersion".into(), Value::from(v.as_str()));
    }
    properties.insert("loaded".into(), Value::from(f.loaded));
    properties.insert("risk".into(), Value::from(f.priority.risk.score));
    if let Some(kev) = &f.priority.kev {
        properties.insert("kevDateAdded".into(), Value::from(kev.date_added.as_str()));
    }
    if let Some(epss) = f.priority.epss {
        properties.insert("epss".into(), Value::from(epss.score));
    }
    let mut r = json!({
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "rank": f64::from(f.priority.risk.score),
        "level": level(f.severity.rating),
        "message": { "text": message },
        "locations": locations,
        "partialFingerprints": { "lambdaAuditFinding/v1": format!("{}|{}", f.id, p.purl) },
        "properties": properties,
    });
    if f.status == Status::Suppressed {
        let mut s = Map::new();
        s.insert("kind".into(), Value::from("external"));
        s.insert("status".into(), Value::from("accepted"));
        if let Some(reason) = &f.suppressed_reason {
            s.insert("justification".into(), Value::from(reason.as_str()));
        }
        r["suppressions"] = Value::Array(vec![Value::Object(s)]);
    }
    if let Some(c) = changes {
        r["baselineState"] = Value::from(if c.introduces(f) { "new" } else { "unchanged" });
    }
    r
}

/// The run's invocation when the scan is incomplete: not successful, with one
/// error notification per piece of evidence left unread, located at the file.
/// `None` for a complete scan (the run then has no `invocations`).
fn incomplete_invocation(report: &ScanReport) -> Option<Value> {
    let notifications: Vec<Value> = report
        .inventory
        .gaps()
        .map(|(artifact, gap)| {
            let uri = uri_encode(&file_uri(artifact, &gap.path));
            json!({
                "level": "error",
                "descriptor": { "id": "incomplete" },
                "message": { "text": format!("not read: {}", describe_gap(artifact, gap)) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri } } }],
            })
        })
        .collect();
    (!notifications.is_empty()).then(|| {
        json!({
            "executionSuccessful": false,
            "toolExecutionNotifications": notifications,
        })
    })
}

impl Renderer for Sarif<'_> {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let findings = ordered(&report.findings, self.sort);
        let mut by_id: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in &findings {
            by_id.entry(f.id.as_str()).or_default().push(f);
        }
        let index: BTreeMap<&str, usize> =
            by_id.keys().enumerate().map(|(i, id)| (*id, i)).collect();
        let rules: Vec<Value> = by_id.values().map(|fs| rule(fs)).collect();
        let results: Vec<Value> = findings
            .iter()
            .map(|f| result(f, index[f.id.as_str()], self.changes))
            .collect();
        let tool = &report.inventory.tool;
        let mut doc = json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": tool.name,
                    "version": tool.version,
                    "semanticVersion": tool.version,
                    "rules": rules,
                }},
                "results": results,
                "properties": { "lambda-audit:database": describe_database(&report.database) },
            }],
        });
        if let Some(invocation) = incomplete_invocation(report) {
            doc["runs"][0]["invocations"] = Value::Array(vec![invocation]);
        }
        write_sorted(doc, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_keep_paths_and_encode_spaces() {
        assert_eq!(
            uri_encode("f.zip!/node_modules/@hapi/hoek/package.json"),
            "f.zip!/node_modules/@hapi/hoek/package.json"
        );
        assert_eq!(uri_encode("my fn.zip!/a%b"), "my%20fn.zip!/a%25b");
    }
}
