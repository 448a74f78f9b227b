//! `--format openvex`: an OpenVEX 0.2.0 document, one statement per finding
//! (in `--sort` order) about the package as product (`@id` and
//! `identifiers.purl` are its purl): `affected` with what to do, or
//! `not_affected` with the justification lambda-audit can give (see
//! [`crate::vex`]).
//!
//! Pure: the document's `timestamp` is the render options' `created`, and
//! its `@id` is derived from the statements' content (not their order), so
//! the same report gives the same bytes.
//!
//! Suppressed findings (by `lambda-audit.toml` or `--vex`) are statements
//! too (`not_affected`, with the suppression's reason). A scan without any
//! finding has nothing to state, and OpenVEX's schema asks for at least one
//! statement: no document is written then ([`NO_STATEMENTS`] says why, on
//! standard error), rather than an invalid one.

use super::json::write_sorted;
use super::{ordered, osv_url, Renderer, SortOrder};
use crate::findings::{Finding, ScanReport};
use crate::vex::{self, VexStatus};
use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};
use std::io::{self, Write};

/// The OpenVEX context of version 0.2.0.
pub const CONTEXT: &str = "https://openvex.dev/ns/v0.2.0";

/// Why a scan without findings gives no OpenVEX document.
pub const NO_STATEMENTS: &str = "no OpenVEX document written: the scan has no finding to make a statement about, and an OpenVEX document needs at least one statement";

/// Whether `report` has something to state (else no document is valid).
pub fn has_statements(report: &ScanReport) -> bool {
    !report.findings.is_empty()
}

pub(crate) struct OpenVex<'a> {
    /// The document's timestamp (RFC 3339).
    pub created: &'a str,
    pub sort: SortOrder,
}

fn statement(f: &Finding) -> Value {
    let a = vex::assess(f);
    let mut vulnerability = Map::new();
    vulnerability.insert("@id".into(), Value::from(osv_url(&f.id)));
    vulnerability.insert("name".into(), Value::from(f.id.as_str()));
    let mut aliases: Vec<&String> = f.aliases.iter().filter(|x| **x != f.id).collect();
    aliases.sort();
    aliases.dedup();
    if !aliases.is_empty() {
        vulnerability.insert("aliases".into(), json!(aliases));
    }
    if !f.summary.is_empty() {
        vulnerability.insert("description".into(), Value::from(f.summary.as_str()));
    }
    let mut s = Map::new();
    s.insert("vulnerability".into(), Value::Object(vulnerability));
    s.insert(
        "products".into(),
        json!([{ "@id": f.package.purl, "identifiers": { "purl": f.package.purl } }]),
    );
    s.insert("status".into(), Value::from(a.status.name()));
    match a.status {
        VexStatus::NotAffected => {
            if let Some(j) = a.justification {
                s.insert("justification".into(), Value::from(j.openvex()));
            }
            if let Some(impact) = a.impact {
                s.insert("impact_statement".into(), Value::from(impact));
            }
        }
        VexStatus::Affected => {
            if let Some(action) = a.action {
                s.insert("action_statement".into(), Value::from(action));
            }
        }
    }
    s.insert(
        "status_notes".into(),
        Value::from(format!(
            "lambda-audit risk score {}/100",
            f.priority.risk.score
        )),
    );
    Value::Object(s)
}

impl Renderer for OpenVex<'_> {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        if !has_statements(report) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, NO_STATEMENTS));
        }
        let statements: Vec<Value> = ordered(&report.findings, self.sort)
            .into_iter()
            .map(statement)
            .collect();
        // The id names the content, whatever the order (`--sort`).
        let mut texts: Vec<String> = statements.iter().map(Value::to_string).collect();
        texts.sort();
        let digest = Sha1::digest(texts.concat().as_bytes());
        let tool = &report.inventory.tool;
        let doc = json!({
            "@context": CONTEXT,
            "@id": format!("urn:lambda-audit:openvex:{}", hex::encode(digest)),
            "author": tool.name,
            "role": "scanner",
            "timestamp": self.created,
            "version": 1,
            "tooling": format!("{} {}", tool.name, tool.version),
            "statements": statements,
        });
        write_sorted(doc, out)
    }
}
