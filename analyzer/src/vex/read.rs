//! Reading a VEX document (OpenVEX, or a CycloneDX BOM with
//! `vulnerabilities[].analysis`) into suppression rules.
//!
//! A statement suppresses when its status says the product is not affected:
//! OpenVEX `not_affected`, CycloneDX `not_affected` or `false_positive`. Each
//! (vulnerability, product purl) pair becomes one rule matching the
//! vulnerability's id or aliases and the package by purl (the version only
//! when the purl has one); its reason is the statement's justification and
//! words. Statements about other statuses, or about products that are not
//! packages lambda-audit reads (an OCI image, a purl type it does not know),
//! are listed as skipped, never silently dropped.

use crate::purl;
use crate::suppress::{Config, Rule};
use serde_json::Value;

/// Largest VEX document read.
pub const MAX_VEX_BYTES: u64 = 64 << 20;

/// A VEX document that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct VexError {
    pub file: String,
    pub message: String,
}

/// The rules a VEX document gives, and what it holds that gives none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VexRules {
    /// One rule per suppressing (vulnerability, purl) pair; `line` is the
    /// statement's 1-based position in the document.
    pub config: Config,
    /// Statements or products not turned into rules, with why.
    pub skipped: Vec<String>,
}

/// One statement, whichever format it came in.
struct Statement {
    ids: Vec<String>,
    purls: Vec<String>,
    /// The status in the document's own words.
    status: String,
    suppresses: bool,
    justification: Option<String>,
    detail: Option<String>,
}

/// Reads an OpenVEX or CycloneDX VEX document; `source` names it in errors
/// and in each rule's reason.
pub fn read(source: &str, bytes: &[u8]) -> Result<VexRules, VexError> {
    let error = |message: String| VexError {
        file: source.to_string(),
        message,
    };
    if bytes.len() as u64 > MAX_VEX_BYTES {
        return Err(error(format!(
            "{} bytes, over the limit of {MAX_VEX_BYTES} bytes",
            bytes.len()
        )));
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| error(format!("not JSON: {e}")))?;
    let statements = if doc.get("statements").is_some() {
        openvex(&doc).map_err(error)?
    } else if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        cyclonedx(&doc)
    } else {
        return Err(error(
            "neither an OpenVEX document (`statements`) nor a CycloneDX BOM (`bomFormat`)".into(),
        ));
    };
    let mut out = VexRules {
        config: Config {
            source: source.to_string(),
            rules: Vec::new(),
            max_db_age: None,
        },
        skipped: Vec::new(),
    };
    for (i, s) in statements.into_iter().enumerate() {
        let n = i + 1;
        let vuln = s.ids.first().cloned().unwrap_or_default();
        if vuln.is_empty() {
            out.skipped
                .push(format!("statement {n}: names no vulnerability"));
            continue;
        }
        if !s.suppresses {
            out.skipped.push(format!(
                "statement {n} ({vuln}): status `{}` suppresses nothing",
                s.status
            ));
            continue;
        }
        let reason = reason(source, &s);
        for p in &s.purls {
            match purl::parse(p) {
                Ok(parsed) => {
                    for id in &s.ids {
                        out.config.rules.push(Rule {
                            line: n,
                            id: Some(id.clone()),
                            package: None,
                            ecosystem: None,
                            version: None,
                            purl: Some(parsed.clone()),
                            path: None,
                            reason: reason.clone(),
                            until: None,
                        });
                    }
                }
                Err(e) => out
                    .skipped
                    .push(format!("statement {n} ({vuln}): product {p}: {e}")),
            }
        }
        if s.purls.is_empty() {
            out.skipped
                .push(format!("statement {n} ({vuln}): names no product purl"));
        }
    }
    Ok(out)
}

/// The rule's reason: `VEX <file>: <status> (<justification>): <words>`.
fn reason(source: &str, s: &Statement) -> String {
    let mut text = format!("VEX {source}: {}", s.status);
    if let Some(j) = &s.justification {
        text.push_str(&format!(" ({j})"));
    }
    if let Some(d) = &s.detail {
        text.push_str(&format!(": {d}"));
    }
    text
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// The purl of an OpenVEX component: `identifiers.purl`, else an `@id` that
/// is a purl.
fn component_purl(c: &Value) -> Option<String> {
    c.get("identifiers")
        .and_then(|i| string(i, "purl"))
        .or_else(|| string(c, "@id").filter(|id| id.starts_with("pkg:")))
}

/// OpenVEX 0.2.0: each statement's vulnerability (name, aliases) and
/// products; a product with subcomponents stands for those subcomponents
/// (the function is the product, the package a subcomponent).
fn openvex(doc: &Value) -> Result<Vec<Statement>, String> {
    let list = doc
        .get("statements")
        .and_then(Value::as_array)
        .ok_or("`statements` is not a list")?;
    Ok(list
        .iter()
        .map(|s| {
            let vuln = s.get("vulnerability").cloned().unwrap_or(Value::Null);
            let mut ids: Vec<String> = string(&vuln, "name").into_iter().collect();
            ids.extend(
                array(&vuln, "aliases")
                    .filter_map(Value::as_str)
                    .map(String::from),
            );
            let mut purls = Vec::new();
            for product in array(s, "products") {
                let subs: Vec<String> = array(product, "subcomponents")
                    .filter_map(component_purl)
                    .collect();
                if subs.is_empty() {
                    purls.extend(component_purl(product));
                } else {
                    purls.extend(subs);
                }
            }
            let status = string(s, "status").unwrap_or_default();
            Statement {
                ids,
                purls,
                suppresses: status == "not_affected",
                status,
                justification: string(s, "justification"),
                detail: string(s, "impact_statement"),
            }
        })
        .collect())
}

/// CycloneDX (1.4 to 1.6): each vulnerability's id (and references' ids),
/// its analysis, and the components it `affects`, resolved from bom-ref to
/// purl (a ref that is itself a purl is taken as it is).
fn cyclonedx(doc: &Value) -> Vec<Statement> {
    let mut purl_of = std::collections::BTreeMap::new();
    let mut stack: Vec<&Value> = array(doc, "components").collect();
    if let Some(main) = doc.get("metadata").and_then(|m| m.get("component")) {
        stack.push(main);
    }
    while let Some(c) = stack.pop() {
        if let (Some(r), Some(p)) = (string(c, "bom-ref"), string(c, "purl")) {
            purl_of.insert(r, p);
        }
        stack.extend(array(c, "components"));
    }
    array(doc, "vulnerabilities")
        .map(|v| {
            let mut ids: Vec<String> = string(v, "id").into_iter().collect();
            ids.extend(array(v, "references").filter_map(|r| string(r, "id")));
            let purls = array(v, "affects")
                .filter_map(|a| string(a, "ref"))
                .filter_map(|r| match r.starts_with("pkg:") {
                    true => Some(r),
                    false => purl_of.get(&r).cloned(),
                })
                .collect();
            let analysis = v.get("analysis").cloned().unwrap_or(Value::Null);
            let status = string(&analysis, "state").unwrap_or_else(|| "no analysis".into());
            Statement {
                ids,
                purls,
                suppresses: matches!(status.as_str(), "not_affected" | "false_positive"),
                status,
                justification: string(&analysis, "justification"),
                detail: string(&analysis, "detail"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENVEX: &str = r#"{
      "@context": "https://openvex.dev/ns/v0.2.0", "@id": "urn:x", "author": "a",
      "timestamp": "2026-01-01T00:00:00Z", "version": 1,
      "statements": [
        {"vulnerability": {"name": "CVE-2021-23337", "aliases": ["GHSA-35jh-r3h4-6jhm"]},
         "products": [{"@id": "pkg:npm/lodash@4.17.15"}],
         "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
         "impact_statement": "template() is never called"},
        {"vulnerability": {"name": "CVE-2020-28168"},
         "products": [{"@id": "arn:aws:lambda:eu-west-1:1:function:f",
                       "subcomponents": [{"identifiers": {"purl": "pkg:npm/axios"}}]}],
         "status": "not_affected", "justification": "inline_mitigations_already_exist"},
        {"vulnerability": {"name": "CVE-2021-44906"}, "products": [{"@id": "pkg:npm/minimist@1.2.0"}],
         "status": "affected", "action_statement": "upgrade"},
        {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:oci/image@sha256:ab"}],
         "status": "not_affected", "justification": "component_not_present"}
      ]}"#;

    #[test]
    fn openvex_not_affected_statements_become_rules() {
        let r = read("vex.json", OPENVEX.as_bytes()).unwrap();
        let rules = &r.config.rules;
        assert_eq!(rules.len(), 3, "{rules:#?}");
        assert_eq!(rules[0].id.as_deref(), Some("CVE-2021-23337"));
        assert_eq!(rules[1].id.as_deref(), Some("GHSA-35jh-r3h4-6jhm"));
        let purl = rules[0].purl.as_ref().unwrap();
        assert_eq!(
            (purl.name.as_str(), purl.version.as_deref()),
            ("lodash", Some("4.17.15"))
        );
        assert_eq!(
            rules[0].reason,
            "VEX vex.json: not_affected (vulnerable_code_not_in_execute_path): template() is never called"
        );
        assert_eq!(
            rules[2].purl.as_ref().unwrap().version,
            None,
            "subcomponent purl"
        );
        assert_eq!(rules[2].line, 2);
        assert_eq!(r.skipped.len(), 2, "{:?}", r.skipped);
        assert!(r.skipped[0].contains("`affected` suppresses nothing"));
        assert!(r.skipped[1].contains("unsupported purl type `oci`"));
    }

    #[test]
    fn cyclonedx_analysis_resolves_bom_refs() {
        let bom = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5",
          "components": [{"bom-ref": "c1", "type": "library", "name": "lodash", "purl": "pkg:npm/lodash@4.17.15"}],
          "vulnerabilities": [
            {"id": "CVE-2021-23337", "analysis": {"state": "false_positive", "detail": "not lodash's code"},
             "affects": [{"ref": "c1"}]},
            {"id": "CVE-2020-8203", "analysis": {"state": "exploitable"}, "affects": [{"ref": "c1"}]},
            {"id": "CVE-2019-10744", "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
             "affects": [{"ref": "pkg:npm/lodash@4.17.15"}]}
          ]}"#;
        let r = read("bom.json", bom.as_bytes()).unwrap();
        let ids: Vec<_> = r
            .config
            .rules
            .iter()
            .map(|x| x.id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["CVE-2021-23337", "CVE-2019-10744"]);
        assert_eq!(
            r.config.rules[0].reason,
            "VEX bom.json: false_positive: not lodash's code"
        );
        assert_eq!(r.skipped.len(), 1);
    }

    #[test]
    fn a_document_over_the_limit_is_refused_before_parsing() {
        let big = vec![b' '; MAX_VEX_BYTES as usize + 1];
        let e = read("x.json", &big).unwrap_err();
        assert!(e.message.contains("over the limit"), "{e}");
    }

    #[test]
    fn other_documents_are_refused() {
        let e = read("x.json", b"{\"a\": 1}").unwrap_err();
        assert!(
            e.to_string().starts_with("x.json: neither an OpenVEX"),
            "{e}"
        );
        let e = read("x.json", b"not json").unwrap_err();
        assert!(e.message.starts_with("not JSON"), "{e}");
    }
}
