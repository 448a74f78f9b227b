//! Import reachability end to end: `scan --handler` gives each Node.js and
//! Python finding its reachability, and `--ignore-unimported` takes only the
//! `not-imported` ones out of the gate.

mod support;

use serde_json::Value;
use support::lambda_audit;

fn fixture(name: &str) -> String {
    testkit::corpus(name).display().to_string()
}

#[test]
fn scan_with_a_handler_reports_reachability_per_finding() {
    let path = fixture("mixed-node-python.zip");
    let run = lambda_audit(&[
        "scan",
        &path,
        "--handler",
        "index.handler",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let reach = &report["reachability"][0];
    assert_eq!(reach["handler"], "index.handler");
    assert_eq!(reach["entry"], "/var/task/index.js");
    let findings = report["findings"].as_array().unwrap();
    let npm: Vec<&Value> = findings
        .iter()
        .filter(|f| f["package"]["ecosystem"] == "npm")
        .collect();
    assert!(!npm.is_empty());
    for f in &npm {
        let status = f["reachability"]["status"].as_str().unwrap();
        assert!(
            ["imported", "not-imported", "unknown"].contains(&status),
            "{f}"
        );
    }
    let imported = npm
        .iter()
        .find(|f| f["package"]["name"] == "path-to-regexp")
        .expect("path-to-regexp finding");
    assert_eq!(imported["reachability"]["status"], "imported");
    assert_eq!(imported["reachability"]["chain"][0], "index.js");
}

#[test]
fn without_a_handler_there_is_no_reachability() {
    let path = fixture("mixed-node-python.zip");
    let run = lambda_audit(&["scan", &path, "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(report.get("reachability").is_none());
    assert!(report["findings"][0].get("reachability").is_none());
}

#[test]
fn ignore_unimported_only_drops_not_imported_findings_from_the_gate() {
    let path = fixture("node-nested.zip");
    let json = lambda_audit(&[
        "scan",
        &path,
        "--handler",
        "index.handler",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let counted = findings
        .iter()
        .filter(|f| f["reachability"]["status"] != "not-imported")
        .count();
    // mkdirp's own copy of minimist is installed but never required.
    assert!(
        counted < findings.len(),
        "node-nested has a not-imported finding"
    );
    let run = lambda_audit(&[
        "scan",
        &path,
        "--handler",
        "index.handler",
        "--ignore-unimported",
        "--format",
        "json",
    ]);
    let expected = if counted > 0 { 1 } else { 0 };
    assert_eq!(run.code, expected, "{counted} findings still count");
    let bad = lambda_audit(&[
        "scan",
        &path,
        "--handler",
        "nosuch.handler",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&bad.stdout).unwrap();
    assert!(report["reachability"][0]["unknown_reason"]
        .as_str()
        .unwrap()
        .contains("nosuch.handler"));
    assert_eq!(bad.code, 1, "an unknown handler never lets findings pass");
}
