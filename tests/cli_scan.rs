//! `lambda-audit scan` end to end: database choice, SBOM input, the local
//! developer check, exit codes.

mod support;

use serde_json::Value;
use support::{lambda_audit_env, Run};
use testkit::fixture;

fn scan(args: &[&str], env: &[(&str, &str)]) -> (Run, Value) {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = lambda_audit_env(&all, env);
    let json = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run, json)
}

/// An environment where no database is configured and the cache is empty.
fn isolated() -> (tempfile::TempDir, Vec<(String, String)>) {
    let cache = tempfile::tempdir().unwrap();
    let env = vec![
        ("LAMBDA_AUDIT_DB".to_string(), String::new()),
        (
            "LAMBDA_AUDIT_CACHE_DIR".to_string(),
            cache.path().display().to_string(),
        ),
    ];
    (cache, env)
}

fn env_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn ids(report: &Value) -> Vec<String> {
    let mut ids: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            std::iter::once(f["id"].as_str().unwrap().to_string()).chain(
                f["aliases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string()),
            )
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn offline_scan_falls_back_to_the_embedded_set_and_says_so() {
    let (_cache, env) = isolated();
    let f = fixture("corpus/node-basic.zip");
    let (run, report) = scan(&[f.to_str().unwrap()], &env_refs(&env));
    assert_eq!(run.code, 1, "findings exit 1: {}", run.stderr);
    assert_eq!(report["database"]["source"], "embedded");
    assert!(report["database"]["records"].as_u64().unwrap() > 0);
    assert!(run.stderr.contains("embedded starter advisory set"));
    assert!(run.stderr.contains("db update"));
    let ids = ids(&report);
    for id in [
        "CVE-2020-8203",
        "CVE-2021-23337",
        "CVE-2021-44906",
        "CVE-2022-0235",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} missing from {ids:?}");
    }
}

#[test]
fn a_database_path_that_does_not_exist_is_an_error_not_zero_findings() {
    let (_cache, env) = isolated();
    let f = fixture("corpus/node-basic.zip");
    let (run, _) = scan(
        &[f.to_str().unwrap(), "--db", "/nonexistent/osv"],
        &env_refs(&env),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("/nonexistent/osv"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn full_database_finds_what_the_corpus_names() {
    let Some(db) = testkit::shared_path("advisories") else {
        return;
    };
    let f = fixture("corpus/python-function.zip");
    let l = fixture("corpus/python-layer.zip");
    let (run, report) = scan(
        &[
            f.to_str().unwrap(),
            "--layer",
            l.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["database"]["source"], "path");
    let ids = ids(&report);
    for id in [
        "CVE-2018-18074",
        "CVE-2019-10906",
        "CVE-2020-36242",
        "CVE-2019-11324",
        "CVE-2019-14806",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} missing from {ids:?}");
    }
    // Each finding names where the package was found, function or layer.
    let werkzeug = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["package"]["name"] == "Werkzeug")
        .unwrap();
    assert!(werkzeug["locations"][0]["artifact"]
        .as_str()
        .unwrap()
        .ends_with("python-layer.zip"));
    assert_eq!(
        werkzeug["locations"][0]["lambda_path"],
        "/opt/python/lib/python3.12/site-packages/Werkzeug-0.15.2.dist-info/METADATA"
    );
}

#[test]
fn sbom_components_are_scanned_by_purl() {
    let (_cache, env) = isolated();
    let dir = tempfile::tempdir().unwrap();
    let bom = dir.path().join("bom.cdx.json");
    std::fs::write(
        &bom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
            "components":[{"type":"library","name":"lodash","purl":"pkg:npm/lodash@4.17.15"},
                          {"type":"library","name":"lodash","purl":"pkg:npm/lodash@4.17.21"}]}"#,
    )
    .unwrap();
    let (run, report) = scan(&["--sbom", bom.to_str().unwrap()], &env_refs(&env));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["artifacts"][0]["role"], "sbom");
    let vulnerable: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["package"]["version"].as_str().unwrap())
        .collect();
    assert!(!vulnerable.is_empty());
    assert!(vulnerable.iter().all(|v| *v == "4.17.15"), "{vulnerable:?}");
}

#[test]
fn no_path_scans_the_build_outputs_in_the_current_directory() {
    let (_cache, env) = isolated();
    let project = tempfile::tempdir().unwrap();
    let sam = project.path().join(".aws-sam/build/Orders");
    std::fs::create_dir_all(sam.join("node_modules/minimist")).unwrap();
    std::fs::write(
        sam.join("node_modules/minimist/package.json"),
        r#"{"name":"minimist","version":"1.2.0"}"#,
    )
    .unwrap();
    std::fs::write(sam.join("app.js"), "exports.handler = async () => 1;").unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lambda-audit"));
    cmd.args(["scan", "--format", "json"])
        .current_dir(project.path());
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["artifacts"][0]["name"], ".aws-sam/build/Orders");
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["package"]["name"] == "minimist"));
}

#[test]
fn a_clean_function_exits_zero() {
    let (_cache, env) = isolated();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("fn.zip");
    std::fs::write(
        &zip,
        support::zip_of(&[(
            "node_modules/lodash/package.json",
            br#"{"name":"lodash","version":"4.17.21"}"#.as_slice(),
        )]),
    )
    .unwrap();
    let (run, report) = scan(&[zip.to_str().unwrap()], &env_refs(&env));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(report["summary"]["packages"], 1);
}

/// What `sam build` leaves for a function with a layer of the same template
/// and one external layer: `.aws-sam/build/{template.yaml,Orders,Deps}`.
fn sam_build_with_layers(project: &std::path::Path) {
    let build = project.join(".aws-sam/build");
    for (zip, folder) in [
        ("corpus/node-basic.zip", "Orders"),
        ("corpus/node-layer.zip", "Deps"),
    ] {
        let file = std::fs::File::open(testkit::fixture(zip)).unwrap();
        zip::ZipArchive::new(file)
            .unwrap()
            .extract(build.join(folder))
            .unwrap();
    }
    std::fs::write(
        build.join("template.yaml"),
        "Transform: AWS::Serverless-2016-10-31\n\
         Resources:\n\
         \x20 Orders:\n\
         \x20   Type: AWS::Serverless::Function\n\
         \x20   Properties:\n\
         \x20     CodeUri: Orders\n\
         \x20     Runtime: nodejs20.x\n\
         \x20     Layers:\n\
         \x20       - Ref: Deps\n\
         \x20       - arn:aws:lambda:eu-west-1:123456789012:layer:tools:7\n\
         \x20 Deps:\n\
         \x20   Type: AWS::Serverless::LayerVersion\n\
         \x20   Properties:\n\
         \x20     ContentUri: Deps\n",
    )
    .unwrap();
}

#[test]
fn a_sam_build_is_scanned_as_its_functions_with_their_layers() {
    let (_cache, env) = isolated();
    let project = tempfile::tempdir().unwrap();
    sam_build_with_layers(project.path());
    for args in [vec![], vec![".aws-sam/build/Orders"]] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lambda-audit"));
        cmd.arg("scan")
            .args(&args)
            .args(["--format", "json"])
            .current_dir(project.path());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let artifacts: Vec<(&str, &str, Option<&str>)> = report["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["name"].as_str().unwrap(),
                    a["role"].as_str().unwrap(),
                    a["mount"].as_str(),
                )
            })
            .collect();
        assert_eq!(
            artifacts,
            [
                (".aws-sam/build/Orders", "function", Some("/var/task")),
                (".aws-sam/build/Deps", "layer", Some("/opt")),
            ],
            "{args:?}: the layer folder is the function's layer, not a function of its own"
        );
        // The layer's packages sit where Lambda puts them.
        let handlebars = report["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "handlebars")
            .expect("the layer's handlebars");
        assert!(handlebars["locations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["lambda_path"] == "/opt/nodejs/node_modules/handlebars/package.json"));
        // The external layer is named as not scanned.
        let skipped = report["coverage"][0]["skipped"].as_array().unwrap();
        assert!(
            skipped
                .iter()
                .any(|s| s["path"] == "layer arn:aws:lambda:eu-west-1:123456789012:layer:tools:7"),
            "{skipped:?}"
        );
        assert!(
            stderr.contains("layer:tools:7") && stderr.contains("not in the build"),
            "{stderr}"
        );
    }
}

#[test]
fn a_closed_output_pipe_ends_quietly_and_never_passes() {
    use std::process::{Command, Stdio};
    let (_cache, env) = isolated();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-audit"));
    cmd.args([
        "sbom",
        testkit::fixture("corpus/node-layer.zip").to_str().unwrap(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take()); // the reader goes away before the report is written
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

/// A lockfile-only project whose one vulnerable package is a dev dependency.
fn dev_only_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        r#"{"name": "fn", "version": "1.0.0", "devDependencies": {"minimist": "1.2.0"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        r#"{"name": "fn", "version": "1.0.0", "lockfileVersion": 3, "packages": {
            "": {"name": "fn", "version": "1.0.0", "devDependencies": {"minimist": "1.2.0"}},
            "node_modules/minimist": {"version": "1.2.0", "dev": true}
        }}"#,
    )
    .unwrap();
    dir
}

#[test]
fn dev_only_packages_are_listed_but_not_matched_unless_asked() {
    let (_cache, env) = isolated();
    let project = dev_only_project();
    let path = project.path().to_str().unwrap();
    let (run, report) = scan(&[path], &env_refs(&env));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["summary"]["dev_only"], 1);
    assert!(run.stderr.contains("dev-only"), "{}", run.stderr);
    let minimist = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "minimist")
        .expect("still listed");
    assert_eq!(minimist["locations"][0]["scope"], "dev");

    let (run, report) = scan(&[path, "--include-dev"], &env_refs(&env));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["package"]["name"] == "minimist"));
    assert!(report["summary"].get("dev_only").is_none());
}

#[test]
fn a_json_baseline_is_recognised_after_whitespace() {
    let (_cache, env) = isolated();
    let function = fixture("corpus/node-basic.zip");
    let (run, _) = scan(&[function.to_str().unwrap()], &env_refs(&env));
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    std::fs::write(&old, format!("\u{feff}\n  \n{}", run.stdout)).unwrap();
    let (run, report) = scan(
        &[
            function.to_str().unwrap(),
            "--baseline",
            old.to_str().unwrap(),
            "--fail-on-new",
        ],
        &env_refs(&env),
    );
    assert_eq!(run.code, 0, "nothing new against itself: {}", run.stderr);
    assert_eq!(
        report["changes"]["introduced"].as_array().map(Vec::len),
        Some(0)
    );
}
