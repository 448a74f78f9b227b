//! `lambda-audit function` and `lambda-audit account` end to end against the
//! moto emulator (functions and layers from the corpus fixtures, code served
//! by a loopback content-addressed mirror and verified against CodeSha256).

use std::process::{Command, Output};
use testkit::aws::{World, ACCOUNT, REGION, SDK_TEST_ENV};
use testkit::fixtures;

/// Runs `lambda-audit` against the test world, with the test advisory.
fn run(w: &World, args: &[&str]) -> Output {
    let db = fixtures().join("osv/axios-before-0.21.1.json");
    Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .args(args)
        .args(["--endpoint-url", &w.moto.endpoint])
        .args(["--code-mirror", &w.mirror.base])
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
            "scanned      {}  29 packages, 1 findings (high 1), 1 layers, runtime nodejs20.x, exposure: event sources only",
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
                "scanned      {}  18 packages, 0 findings, 1 layers, runtime python3.12, exposure: event sources only",
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
