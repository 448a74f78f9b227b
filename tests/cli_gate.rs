//! The gate end to end: an incomplete scan exits 2 and says what was not read
//! (unless `--fail-on-incomplete never`), every report format shows the gaps,
//! and files named on the command line are checked before they are read.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{lambda_audit_env, Run};

/// The file the SBOM below says was not read.
const UNREAD: &str = "orders.zip: lib/big.jar: inflating would pass the artifact's total limit";

/// A CycloneDX SBOM holding `purls`, which records one unread file when `gap`.
fn sbom(dir: &Path, purls: &[&str], gap: bool) -> PathBuf {
    let components: Vec<Value> = purls
        .iter()
        .map(|p| serde_json::json!({ "type": "library", "name": p, "purl": p }))
        .collect();
    let mut doc = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": components,
    });
    if gap {
        doc["metadata"] = serde_json::json!({
            "properties": [{ "name": "lambda-audit:incomplete", "value": UNREAD }]
        });
    }
    let path = dir.join(if gap {
        "incomplete.cdx.json"
    } else {
        "bom.cdx.json"
    });
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    path
}

/// Runs `scan` with the embedded advisory set (no database configured).
fn scan(args: &[&str]) -> Run {
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().display().to_string();
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    lambda_audit_env(
        &all,
        &[
            ("LAMBDA_AUDIT_DB", ""),
            ("LAMBDA_AUDIT_CACHE_DIR", &cache_dir),
        ],
    )
}

const VULNERABLE: &str = "pkg:npm/minimist@1.2.0";
const SAFE: &str = "pkg:npm/minimist@1.2.8";

#[test]
fn an_incomplete_scan_exits_2_and_names_what_was_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let bom = sbom(dir.path(), &[SAFE], true);
    let run = scan(&["--sbom", bom.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(UNREAD), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the scan is incomplete: 1 file was not read"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--fail-on-incomplete never"));
    let report: Value = serde_json::from_str(&run.stdout).expect("the report is still written");
    let gaps = report["coverage"][0]["incomplete"].as_array().unwrap();
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0]["reason"].as_str().unwrap().contains(UNREAD));

    let accepted = scan(&[
        "--sbom",
        bom.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on-incomplete",
        "never",
    ]);
    assert_eq!(accepted.code, 0, "{}", accepted.stderr);
    assert!(
        accepted.stderr.contains(UNREAD),
        "gaps are listed either way"
    );
    assert!(!accepted.stderr.contains("error:"), "{}", accepted.stderr);

    let complete = scan(&["--sbom", sbom(dir.path(), &[SAFE], false).to_str().unwrap()]);
    assert_eq!(complete.code, 0, "{}", complete.stderr);
    assert!(!complete.stderr.contains("not read"), "{}", complete.stderr);
}

#[test]
fn an_incomplete_scan_with_findings_reports_both_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let bom = sbom(dir.path(), &[VULNERABLE], true);
    let run = scan(&["--sbom", bom.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 2, "incomplete outranks findings: {}", run.stderr);
    assert!(run.stderr.contains("open finding"), "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(!report["findings"].as_array().unwrap().is_empty());

    let accepted = scan(&[
        "--sbom",
        bom.to_str().unwrap(),
        "--fail-on-incomplete",
        "never",
    ]);
    assert_eq!(
        accepted.code, 1,
        "findings alone decide: {}",
        accepted.stderr
    );
    let none = scan(&[
        "--sbom",
        bom.to_str().unwrap(),
        "--fail-on",
        "none",
        "--fail-on-incomplete",
        "never",
    ]);
    assert_eq!(none.code, 0, "{}", none.stderr);
    let bad = scan(&[
        "--sbom",
        bom.to_str().unwrap(),
        "--fail-on-incomplete",
        "maybe",
    ]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("expected always or never"),
        "{}",
        bad.stderr
    );
}

#[test]
fn every_report_format_shows_the_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let bom = sbom(dir.path(), &[VULNERABLE], true);
    let render = |format: &str| {
        let run = scan(&["--sbom", bom.to_str().unwrap(), "--format", format]);
        assert_eq!(run.code, 2, "{format}: {}", run.stderr);
        run.stdout
    };
    let table = render("table");
    assert!(
        table.contains("Not read (the scan is incomplete"),
        "{table}"
    );
    assert!(table.contains(UNREAD), "{table}");
    assert!(
        table.contains("; incomplete: 1 file was not read"),
        "{table}"
    );

    let markdown = render("markdown");
    assert!(markdown.contains("## lambda-audit: incomplete scan, vulnerable dependencies found"));
    assert!(markdown.contains("### Not read"), "{markdown}");

    let sarif: Value = serde_json::from_str(&render("sarif")).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert!(note["message"]["text"].as_str().unwrap().contains(UNREAD));

    let cdx: Value = serde_json::from_str(&render("cyclonedx")).unwrap();
    let props = cdx["metadata"]["properties"].as_array().unwrap();
    assert!(props
        .iter()
        .any(|p| p["name"] == "lambda-audit:incomplete"
            && p["value"].as_str().unwrap().contains(UNREAD)));
}

/// Runs the binary, killing it if it has not finished in 30 s (a FIFO that
/// blocks the read must fail the test, not hang it).
fn bounded(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .args(args)
        .env("LAMBDA_AUDIT_DB", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("lambda-audit {args:?} blocked");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap().into()
}

#[test]
fn named_files_must_be_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("bom.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    let small = sbom_small(dir.path());
    let cases: [(&[&str], &str); 5] = [
        (&["scan", "--sbom", fifo], "SBOM"),
        (&["scan", "--sbom", "/dev/zero"], "SBOM"),
        (&["scan", "--config", fifo, "--sbom", &small], "config"),
        (
            &["scan", "--baseline", "/dev/zero", "--sbom", &small],
            "baseline",
        ),
        (&["scan", "--sbom", "/"], "SBOM"),
    ];
    for (args, what) in cases {
        let run = bounded(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(what) && run.stderr.contains("is not a regular file"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn named_files_are_capped_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse: the size is what is checked, so nothing is written or read.
    let big = |name: &str, size: u64| {
        let path = dir.path().join(name);
        std::fs::File::create(&path).unwrap().set_len(size).unwrap();
        path.display().to_string()
    };
    let sbom = big("huge.cdx.json", (64 << 20) + 1);
    let config = big("lambda-audit.toml", (1 << 20) + 1);
    let baseline = big("old.json", (64 << 20) + 1);
    std::fs::write(&baseline, b"{").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&baseline)
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    let small = sbom_small(dir.path());
    for (args, what) in [
        (vec!["scan", "--sbom", &sbom], "SBOM"),
        (
            vec!["scan", "--config", &config, "--sbom", &small],
            "config",
        ),
        (
            vec!["scan", "--baseline", &baseline, "--sbom", &small],
            "baseline",
        ),
    ] {
        let run = bounded(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(what) && run.stderr.contains("over the limit of"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

fn sbom_small(dir: &Path) -> String {
    sbom(dir, &[SAFE], false).display().to_string()
}

#[test]
fn a_missing_file_says_the_os_error_once() {
    for args in [
        &["scan", "--sbom", "/nonexistent/bom.json"][..],
        &["scan", "/nonexistent/fn.zip"][..],
        &[
            "scan",
            "--layer",
            "/nonexistent/layer.zip",
            "/nonexistent/fn.zip",
        ][..],
        &["sbom", "/nonexistent/fn.zip"][..],
    ] {
        let run = bounded(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.matches("No such file or directory").count(),
            1,
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("/nonexistent/"), "{}", run.stderr);
    }
}
