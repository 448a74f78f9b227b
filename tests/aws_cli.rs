//! `lambda-audit function` and `lambda-audit account` end to end against the
//! moto emulator (functions and layers from the corpus fixtures, code served
//! by a loopback content-addressed mirror and verified against CodeSha256).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testkit::aws::{
    bare_function_zip, platform_layer_zip, Deployed, FunctionSpec, LayerSpec, Moto, Scripted,
    World, ACCOUNT, REGION, SDK_TEST_ENV, SHARP_VERSION,
};
use testkit::fixtures;

/// Runs `lambda-audit` against the test world, with the test advisory.
fn run(w: &World, args: &[&str]) -> Output {
    let db = fixtures().join("osv/axios-before-0.21.1.json");
    run_at(&w.moto, &w.mirror, &db, args)
}

/// Runs `lambda-audit` against `moto` and its code `mirror`, with the
/// advisory database `db`.
fn run_at(moto: &Moto, mirror: &Scripted, db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .args(args)
        .args(["--endpoint-url", &moto.endpoint])
        .args(["--code-mirror", &mirror.base])
        .arg("--db")
        .arg(db)
        .envs(SDK_TEST_ENV.iter().copied())
        .env_remove("AWS_PROFILE")
        .env(
            "LAMBDA_AUDIT_CACHE_DIR",
            std::env::temp_dir().join("lambda-audit-cli-test-cache"),
        )
        // `function` and `account` record into the findings store: not the user's.
        .env(
            "LAMBDA_AUDIT_STORE",
            std::env::temp_dir().join(format!("lambda-audit-cli-test-{}.db", std::process::id())),
        )
        .output()
        .expect("run lambda-audit")
}

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:$LATEST")
}

#[test]
fn function_scans_the_deployed_code_and_layers_and_reports_findings() {
    let Some(w) = World::start() else {
        return;
    };
    let out = run(&w, &["function", "node-app", "--region", REGION]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings exit 1; stderr: {stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "scanned");
    assert_eq!(report["subject"], function_arn("node-app").as_str());
    assert_eq!(report["runtime"], "nodejs20.x");
    assert_eq!(
        report["layers"],
        serde_json::json!([w.seeded["layers"]["node-deps"]["arn"]])
    );
    let findings: Vec<(&str, &str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap(),
                f["package"]["name"].as_str().unwrap(),
                f["package"]["version"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        vec![("LAMBDA-AUDIT-TEST-0001", "axios", "0.21.0")]
    );
    let artifacts: Vec<&str> = report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        artifacts,
        vec![
            function_arn("node-app").as_str(),
            w.seeded["layers"]["node-deps"]["arn"].as_str().unwrap()
        ]
    );

    let out = run(
        &w,
        &[
            "function", "node-app", "--region", REGION, "--format", "asff",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let asff: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = asff
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["Id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![format!(
            "{}/LAMBDA-AUDIT-TEST-0001/pkg:npm/axios@0.21.0",
            function_arn("node-app")
        )]
    );
    assert_eq!(asff[0]["AwsAccountId"], ACCOUNT);
    assert_eq!(asff[0]["Resources"][0]["Type"], "AwsLambdaFunction");

    let out = run(
        &w,
        &[
            "function",
            "no-such-function",
            "--region",
            REGION,
            "--format",
            "summary",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "gone         no-such-function  the function no longer exists\n"
    );
}

#[test]
fn account_lists_every_function_and_prints_a_summary_per_function() {
    let Some(w) = World::start() else {
        return;
    };
    let out = run(&w, &["account", "--region", REGION, "--concurrency", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    let node = |name: &str| {
        format!(
            "scanned      {}  29 packages, 1 findings (high 1), 1 layers, runtime nodejs20.x on x86_64, exposure: event sources only",
            function_arn(name)
        )
    };
    assert_eq!(
        lines,
        vec![
            format!("not scanned  {}  image package", function_arn("image-app")),
            node("node-app"),
            node("node-worker"),
            format!(
                "scanned      {}  18 packages, 0 findings, 1 layers, runtime python3.12 on x86_64, exposure: event sources only",
                function_arn("py-app")
            ),
        ]
    );
    assert!(
        stderr.contains(&format!("lambda-audit: {REGION}: 4 functions")),
        "{stderr}"
    );
    assert!(stderr.contains("[4/4]"), "{stderr}");
    assert!(
        stderr.contains("4 functions, 2 layer versions downloaded"),
        "{stderr}"
    );
}

/// An x86_64 and an arm64 function sharing a layer whose lockfile lists
/// sharp's platform packages, and `bare-app`, a handler with no dependency
/// evidence at all.
fn deploy_platforms() -> Option<Deployed> {
    let function = |name, arch, layers| FunctionSpec {
        name,
        zip: bare_function_zip(),
        runtime: "nodejs20.x",
        handler: "index.handler",
        architectures: arch,
        layers,
    };
    Deployed::start(
        &[LayerSpec {
            name: "sharp",
            zip: platform_layer_zip(),
            architectures: &["x86_64", "arm64"],
        }],
        &[
            function("x86-app", &["x86_64"], &["sharp"]),
            function("arm-app", &["arm64"], &["sharp"]),
            function("bare-app", &["x86_64"], &[]),
        ],
    )
}

/// An OSV folder with one advisory per sharp platform package
/// (`TEST-<package>`), in a folder of this test process.
fn sharp_advisories(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lambda-audit-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for package in ["sharp-linux-x64", "sharp-linux-arm64", "sharp-darwin-arm64"] {
        let record = serde_json::json!({
            "schema_version": "1.6.0",
            "id": format!("TEST-{package}"),
            "modified": "2026-11-01T00:00:00Z",
            "summary": format!("Test advisory: @img/{package}"),
            "affected": [{
                "package": {"ecosystem": "npm", "name": format!("@img/{package}")},
                "versions": [SHARP_VERSION],
            }],
            "database_specific": {"severity": "HIGH"},
        });
        std::fs::write(dir.join(format!("TEST-{package}.json")), record.to_string()).unwrap();
    }
    dir
}

fn finding_ids(report: &serde_json::Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect()
}

#[test]
fn function_judges_npm_platform_packages_by_the_deployed_architecture() {
    let Some(d) = deploy_platforms() else {
        return;
    };
    let db = sharp_advisories("function-architecture");
    for (function, architecture, finding) in [
        ("arm-app", "arm64", "TEST-sharp-linux-arm64"),
        ("x86-app", "x86_64", "TEST-sharp-linux-x64"),
    ] {
        let out = run_at(
            &d.moto,
            &d.mirror,
            &db,
            &["function", function, "--region", REGION],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{function}: {stderr}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["architecture"], architecture);
        assert_eq!(report["dependency_evidence"], true);
        assert_eq!(finding_ids(&report), vec![finding], "{function}");
    }
    let _ = std::fs::remove_dir_all(db);
}

#[test]
fn function_without_dependency_evidence_exits_2_unless_allowed() {
    let Some(d) = deploy_platforms() else {
        return;
    };
    let db = sharp_advisories("function-empty");
    let out = run_at(
        &d.moto,
        &d.mirror,
        &db,
        &["function", "bare-app", "--region", REGION],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no dependency evidence was read"),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-empty"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "scanned");
    assert_eq!(report["dependency_evidence"], false);

    let out = run_at(
        &d.moto,
        &d.mirror,
        &db,
        &[
            "function",
            "bare-app",
            "--region",
            REGION,
            "--allow-empty",
            "--format",
            "summary",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).ends_with(", no dependency evidence read\n"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(db);
}

#[test]
fn account_names_functions_without_dependency_evidence_and_exits_2_unless_allowed() {
    let Some(d) = deploy_platforms() else {
        return;
    };
    let db = sharp_advisories("account-empty");
    let out = run_at(&d.moto, &d.mirror, &db, &["account", "--region", REGION]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "1 function(s) read no dependency evidence (no installed package, lockfile or pinned \
             requirement in their code or layers), so nothing was checked for them (exit 2; \
             `--allow-empty` accepts them, the tag lambda-audit:exclude excludes a function): {}",
            function_arn("bare-app")
        )),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bare: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("no dependency evidence read"))
        .collect();
    assert_eq!(bare.len(), 1, "{stdout}");
    assert!(bare[0].contains(&function_arn("bare-app")), "{stdout}");

    let out = run_at(
        &d.moto,
        &d.mirror,
        &db,
        &[
            "account",
            "--region",
            REGION,
            "--allow-empty",
            "--format",
            "json",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "findings remain; {stderr}");
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut judged: Vec<(String, String, bool, Vec<String>)> = listing["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["subject"].as_str().unwrap().to_string(),
                f["architecture"].as_str().unwrap().to_string(),
                f["dependency_evidence"].as_bool().unwrap(),
                finding_ids(f).into_iter().map(str::to_string).collect(),
            )
        })
        .collect();
    judged.sort();
    assert_eq!(
        judged,
        vec![
            (
                function_arn("arm-app"),
                "arm64".into(),
                true,
                vec!["TEST-sharp-linux-arm64".into()]
            ),
            (function_arn("bare-app"), "x86_64".into(), false, vec![]),
            (
                function_arn("x86-app"),
                "x86_64".into(),
                true,
                vec!["TEST-sharp-linux-x64".into()]
            ),
        ]
    );
    let _ = std::fs::remove_dir_all(db);
}

#[test]
fn missing_credentials_are_told_as_what_to_set() {
    for args in [
        &["function", "my-function", "--region", REGION][..],
        &["account", "--region", REGION][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
            .args(args)
            .args(["--endpoint-url", "http://127.0.0.1:9"])
            .arg("--db")
            .arg(fixtures().join("osv/axios-before-0.21.1.json"))
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
            .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
            .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            .env("AWS_CONFIG_FILE", "/nonexistent/lambda-audit-test-config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/lambda-audit-test-credentials",
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env(
                "LAMBDA_AUDIT_STORE",
                std::env::temp_dir().join(format!(
                    "lambda-audit-cli-test-credentials-{}.db",
                    std::process::id()
                )),
            )
            .output()
            .expect("run lambda-audit");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(
                "no AWS credentials: set AWS_PROFILE (after `aws configure` or `aws sso login`), \
                 or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ),
            "{args:?}: {stderr}"
        );
        assert!(
            !stderr.contains("Ec2InstanceMetadata"),
            "{args:?}: {stderr}"
        );
    }
}
