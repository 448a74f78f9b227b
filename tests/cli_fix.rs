//! The pre-deploy experience end to end: `fix --plan` / `--apply` on a project
//! copied to a temporary folder (a rescan then finds fewer findings), a scan
//! that read no evidence, platform-specific npm packages, and the database
//! named in the summary.

mod support;

use serde_json::Value;
use std::path::Path;
use support::Run;

/// Runs lambda-audit in `dir` with the embedded starter set.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().display().to_string();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lambda-audit"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("LAMBDA_AUDIT_DB", "")
        .env("LAMBDA_AUDIT_CACHE_DIR", &cache_dir)
        // Never the user's own findings store.
        .env("LAMBDA_AUDIT_STORE", cache.path().join("store.db"));
    cmd.output().expect("the binary runs").into()
}

fn open_findings(dir: &Path) -> (i32, usize) {
    let run = run_in(dir, &["scan", ".", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    (
        run.code,
        report["summary"]["findings"].as_u64().unwrap() as usize,
    )
}

#[test]
fn plan_apply_rescan_closes_what_the_plan_fixes() {
    let project = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/fix-python");
    std::fs::copy(
        fixture.join("requirements.txt"),
        project.path().join("requirements.txt"),
    )
    .unwrap();
    let (code, before) = open_findings(project.path());
    assert_eq!((code, before), (1, 2), "Jinja2 2.10 has two findings");

    let plan = run_in(project.path(), &["fix", "--plan", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let jinja = &plan["packages"][0];
    assert_eq!(jinja["package"]["name"], "Jinja2");
    assert_eq!(jinja["target"], "2.11.3", "the lowest version fixing both");
    assert_eq!(jinja["actions"][0]["kind"], "requirement-pin");
    assert_eq!(jinja["actions"][0]["to"], "Jinja2==2.11.3");
    for format in ["table", "markdown"] {
        let shown = run_in(project.path(), &["fix", "--format", format]);
        assert!(
            shown.stdout.contains("`Jinja2==2.10` -> `Jinja2==2.11.3`"),
            "{format}: {}",
            shown.stdout
        );
    }

    let applied = run_in(project.path(), &["fix", "--apply"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let text = std::fs::read_to_string(project.path().join("requirements.txt")).unwrap();
    assert_eq!(text, "Jinja2==2.11.3\nMarkupSafe==2.1.3\nPyYAML==6.0.1\n");
    let (code, after) = open_findings(project.path());
    assert_eq!(
        (code, after),
        (0, 0),
        "the rescan shows what the fix closed"
    );
}

#[test]
fn apply_adds_npm_overrides_and_never_edits_an_archive() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("package.json"),
        "{\n  \"name\": \"fn\",\n  \"dependencies\": {\"mkdirp\": \"0.5.1\"}\n}\n",
    )
    .unwrap();
    std::fs::write(
        project.path().join("package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {
            "": {"name": "fn", "dependencies": {"mkdirp": "0.5.1"}},
            "node_modules/mkdirp": {"version": "0.5.1", "dependencies": {"minimist": "0.0.8"}},
            "node_modules/minimist": {"version": "1.2.0"}
        }}"#,
    )
    .unwrap();
    let plan = run_in(project.path(), &["fix", "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let minimist = plan["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["package"]["name"] == "minimist")
        .expect("minimist is planned");
    assert_eq!(minimist["actions"][0]["kind"], "npm-override");
    assert_eq!(minimist["actions"][0]["via"], serde_json::json!(["mkdirp"]));
    let target = minimist["target"].as_str().unwrap().to_string();

    let applied = run_in(project.path(), &["fix", "--apply"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert!(applied.stdout.contains("npm install"), "{}", applied.stdout);
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(project.path().join("package.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["overrides"]["minimist"], target.as_str());
    assert_eq!(
        manifest["dependencies"]["mkdirp"], "0.5.1",
        "the rest is kept"
    );

    let archive = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/node-basic.zip");
    let refused = run_in(
        project.path(),
        &["fix", "--apply", &archive.display().to_string()],
    );
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("an archive is never edited"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_scan_that_read_no_evidence_exits_2_unless_allowed() {
    let empty = tempfile::tempdir().unwrap();
    let run = run_in(empty.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no dependency evidence was read"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--allow-empty"), "{}", run.stderr);
    let allowed = run_in(
        empty.path(),
        &["scan", ".", "--allow-empty", "--format", "json"],
    );
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);

    // package.json alone: its dependencies are listed as unpinned.
    std::fs::write(
        empty.path().join("package.json"),
        r#"{"name": "fn", "dependencies": {"express": "^4.17.1"}}"#,
    )
    .unwrap();
    let run = run_in(empty.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let skipped = report["coverage"][0]["skipped"].to_string();
    assert!(
        skipped.contains("unpinned dependency `express@^4.17.1`"),
        "{skipped}"
    );

    // A lockfile that locks nothing is evidence: the project has no dependencies.
    std::fs::write(
        empty.path().join("package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {"": {"name": "fn"}}}"#,
    )
    .unwrap();
    assert_eq!(
        run_in(empty.path(), &["scan", ".", "--format", "json"]).code,
        0
    );
}

#[test]
fn other_platform_packages_follow_the_architecture() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {
            "": {"name": "fn"},
            "node_modules/minimist": {"version": "1.2.0", "os": ["darwin"], "cpu": ["arm64"]},
            "node_modules/ms": {"version": "2.1.2", "cpu": ["arm64"]}
        }}"#,
    )
    .unwrap();
    let scan = |arch: &str| {
        let run = run_in(
            project.path(),
            &["scan", ".", "--architecture", arch, "--format", "json"],
        );
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        (run, report)
    };
    let (run, report) = scan("x86_64");
    assert_eq!(
        run.code, 0,
        "darwin-only minimist is never installed: {}",
        run.stderr
    );
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(
        report["packages"].as_array().unwrap().len(),
        2,
        "still listed"
    );
    assert!(
        run.stderr.contains("for another platform"),
        "{}",
        run.stderr
    );
    let (run, _) = scan("arm64");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bad = run_in(project.path(), &["scan", ".", "--architecture", "mips"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn every_format_names_the_starter_set() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/fix-python");
    let dir = fixture.display().to_string();
    let expect = "starter set, 91 records";
    for (format, needle) in [
        ("table", format!("database: {expect}")),
        ("markdown", format!("database: {expect}")),
        ("json", format!("\"database_name\": \"{expect}\"")),
        ("sarif", format!("\"lambda-audit:database\": \"{expect}\"")),
        ("cyclonedx", format!("\"value\": \"{expect}\"")),
        ("csv", format!("database:{expect}")),
        ("spdx", format!("advisory database: {expect}")),
    ] {
        let run = run_in(Path::new("."), &["scan", &dir, "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(
            run.stdout.contains(&needle),
            "{format}: {needle} in\n{}",
            run.stdout
        );
    }
}

#[test]
fn an_old_database_is_warned_about() {
    let db = tempfile::tempdir().unwrap();
    let record = serde_json::json!({
        "id": "GHSA-test-0000-0000", "modified": "2020-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.11.3"}]}]}]
    });
    std::fs::write(db.path().join("r.json"), record.to_string()).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/fix-python");
    let args = |extra: &[&str]| {
        let mut v = vec![
            "scan".to_string(),
            fixture.display().to_string(),
            "--db".into(),
            db.path().display().to_string(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        run_in(Path::new("."), &refs)
    };
    let old = run(&[]);
    assert!(
        old.stderr.contains("the advisory database is"),
        "{}",
        old.stderr
    );
    assert!(
        old.stdout.contains("OSV 2020-01-01, 1 record"),
        "{}",
        old.stdout
    );
    let off = run(&["--max-db-age", "0"]);
    assert!(
        !off.stderr.contains("the advisory database is"),
        "{}",
        off.stderr
    );
}

#[test]
fn options_that_cannot_work_are_refused_clearly() {
    let here = Path::new(".");
    let big = run_in(
        here,
        &[
            "function",
            "f",
            "--region",
            "us-east-1",
            "--max-download-bytes",
            "2000000000",
        ],
    );
    assert_eq!(big.code, 2, "{}", big.stderr);
    assert!(
        big.stderr.contains("largest artifact lambda-audit opens"),
        "{}",
        big.stderr
    );
    let sbom = run_in(
        here,
        &["scan", "--sbom", "bom.json", "--runtime", "nodejs20.x"],
    );
    assert_eq!(sbom.code, 2);
    assert!(sbom.stderr.contains("--runtime"), "{}", sbom.stderr);
    let store = tempfile::tempdir().unwrap();
    let no_region = std::process::Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .env("LAMBDA_AUDIT_STORE", store.path().join("store.db"))
        .args([
            "function",
            "my-function",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&no_region.stderr);
    assert_eq!(no_region.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no AWS region: give --region"), "{stderr}");
}
