//! Prioritisation on the command line: `--kev` (and `LAMBDA_AUDIT_KEV`),
//! `--epss`, `--vex`, `--fail-on kev`, `--fail-on risk:N` and
//! `--format openvex`, on an SBOM naming minimist 1.2.0 (two advisories in
//! the embedded starter set: CVE-2021-44906 and CVE-2020-7598).

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{lambda_audit_env, Run};

const MINIMIST: &str = "pkg:npm/minimist@1.2.0";
const EXPLOITED: &str = "CVE-2021-44906";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn sbom(dir: &Path) -> PathBuf {
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [{ "type": "library", "name": "minimist", "purl": MINIMIST }],
    });
    write(dir, "bom.cdx.json", &doc.to_string())
}

/// A KEV catalog in CISA's layout listing `cves` (test data for the join).
fn kev(dir: &Path, name: &str, cves: &[&str]) -> PathBuf {
    write(dir, name, &testkit::kev::catalog(cves, "Unknown"))
}

/// `scan --sbom` with the embedded advisory set, `kev_env` as
/// `LAMBDA_AUDIT_KEV`, and an empty cache.
fn scan(dir: &Path, kev_env: &str, args: &[&str]) -> Run {
    let cache = dir.join("cache").display().to_string();
    let bom = sbom(dir).display().to_string();
    let mut all = vec!["scan", "--sbom", &bom];
    all.extend_from_slice(args);
    lambda_audit_env(
        &all,
        &[
            ("LAMBDA_AUDIT_DB", ""),
            ("LAMBDA_AUDIT_CACHE_DIR", &cache),
            ("LAMBDA_AUDIT_KEV", kev_env),
        ],
    )
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr))
}

#[test]
fn kev_and_epss_fill_findings_and_gate_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listed = kev(d, "kev.json", &[EXPLOITED]).display().to_string();
    let unlisted = kev(d, "other.json", &["CVE-1999-0001"])
        .display()
        .to_string();
    let epss = write(
        d,
        "epss.csv",
        &format!("#model_version:v2025.03.14,score_date:2025-03-04T00:00:00Z\ncve,epss,percentile\n{EXPLOITED},0.42,0.97\n"),
    )
    .display()
    .to_string();

    // --kev wins over LAMBDA_AUDIT_KEV.
    let run = scan(
        d,
        &unlisted,
        &[
            "--kev",
            &listed,
            "--epss",
            &epss,
            "--format",
            "json",
            "--fail-on",
            "kev",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    let first = &report["findings"][0];
    assert!(
        first["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == EXPLOITED),
        "the known-exploited finding ranks first"
    );
    assert_eq!(first["kev"]["dateAdded"], "2025-03-04");
    assert_eq!(first["kev"]["dueDate"], "2025-03-25");
    assert_eq!(first["kev"]["knownRansomwareCampaignUse"], "Unknown");
    assert_eq!(first["epss"]["score"], 0.42);
    assert_eq!(first["epss"]["percentile"], 0.97);
    let other = &report["findings"][1];
    assert!(other.get("kev").is_none() && other.get("epss").is_none());
    assert!(first["risk"]["score"].as_u64() > other["risk"]["score"].as_u64());

    // LAMBDA_AUDIT_KEV when no --kev; a catalog without the CVE passes the kev gate.
    assert_eq!(
        scan(d, &unlisted, &["--format", "json", "--fail-on", "kev"]).code,
        0
    );
    assert_eq!(
        scan(d, &listed, &["--format", "json", "--fail-on", "kev"]).code,
        1
    );
    // No catalog configured: the embedded starter set (which does not list it).
    let starter = scan(d, "", &["--format", "json", "--fail-on", "kev"]);
    assert_eq!(starter.code, 0, "{}", starter.stderr);

    // Risk thresholds.
    let risk = json(&scan(d, &listed, &["--format", "json"]));
    let top = risk["findings"][0]["risk"]["score"].as_u64().unwrap();
    let at = |n: u64| {
        scan(
            d,
            &listed,
            &["--format", "json", "--fail-on", &format!("risk:{n}")],
        )
        .code
    };
    assert_eq!(at(top), 1);
    assert_eq!(at(top + 1), 0);
    let bad = scan(d, &listed, &["--fail-on", "risk:200"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("risk:N"), "{}", bad.stderr);
}

#[test]
fn a_malformed_epss_or_kev_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let epss = write(
        d,
        "epss.csv",
        "cve,epss,percentile\nCVE-2021-44906,high,0.9\n",
    );
    let run = scan(d, "", &["--epss", epss.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("epss.csv:2: epss `high`"),
        "{}",
        run.stderr
    );
    let kev = write(d, "kev.json", "{\"vulnerabilities\": 3}");
    let run = scan(d, "", &["--kev", kev.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("kev.json is not a KEV catalog"),
        "{}",
        run.stderr
    );
}

#[test]
fn vex_statements_suppress_and_openvex_states_each_finding() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let openvex = scan(d, "", &["--format", "openvex"]);
    assert_eq!(openvex.code, 1, "{}", openvex.stderr);
    let mut doc: Value = serde_json::from_str(&openvex.stdout).unwrap();
    assert_eq!(doc["@context"], "https://openvex.dev/ns/v0.2.0");
    let statements = doc["statements"].as_array_mut().unwrap();
    assert_eq!(statements.len(), 2);
    for s in statements.iter_mut() {
        assert_eq!(s["status"], "affected");
        s["status"] = Value::from("not_affected");
        s["justification"] = Value::from("vulnerable_code_not_in_execute_path");
        s.as_object_mut().unwrap().remove("action_statement");
    }
    let vex = write(d, "team.vex.json", &doc.to_string());
    let run = scan(d, "", &["--vex", vex.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "every finding is suppressed: {}", run.stderr);
    let report = json(&run);
    for f in report["findings"].as_array().unwrap() {
        assert_eq!(f["status"], "suppressed");
        assert!(
            f["suppressed_reason"]
                .as_str()
                .unwrap()
                .ends_with("team.vex.json: not_affected (vulnerable_code_not_in_execute_path)"),
            "{f}"
        );
    }
    assert_eq!(report["summary"]["suppressed"], 2);
}

#[test]
fn openvex_of_a_clean_scan_writes_no_document_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [{ "type": "library", "name": "left-pad", "purl": "pkg:npm/left-pad@1.3.0" }],
    });
    let bom = write(d, "clean.cdx.json", &doc.to_string());
    let out = d.join("vex.json");
    let cache = d.join("cache").display().to_string();
    let run = lambda_audit_env(
        &[
            "scan",
            "--sbom",
            bom.to_str().unwrap(),
            "--format",
            "openvex",
            "--output",
            out.to_str().unwrap(),
        ],
        &[("LAMBDA_AUDIT_DB", ""), ("LAMBDA_AUDIT_CACHE_DIR", &cache)],
    );
    assert_eq!(run.code, 0, "a clean scan passes: {}", run.stderr);
    assert!(
        run.stderr.contains("no OpenVEX document written"),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "no invalid (empty) document is written");
}
