//! `account` and the findings store against moto: exclusion tags (Amazon
//! Inspector's and lambda-audit's own), findings recorded per function with
//! their layer use, and a deleted function's findings closed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};
use testkit::aws::{World, ACCOUNT, REGION, SDK_TEST_ENV};
use testkit::fixtures;

fn run(w: &World, store: &std::path::Path, args: &[&str]) -> Output {
    let db = fixtures().join("osv/axios-before-0.21.1.json");
    Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .args(args)
        .arg("--store")
        .arg(store)
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
        .output()
        .expect("run lambda-audit")
}

fn findings(store: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .arg("findings")
        .args(args)
        .args(["--format", "json", "--store"])
        .arg(store)
        .output()
        .expect("run lambda-audit");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// One Lambda REST call to moto (which checks no signature).
fn lambda_call(w: &World, method: &str, path: &str, body: &str) -> String {
    let port = w.moto.endpoint.rsplit(':').next().unwrap();
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/lambda/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 2"),
        "{method} {path}: {response}"
    );
    response
}

fn unqualified(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

#[test]
fn account_honours_exclusion_tags_records_and_closes_deleted_functions() {
    let Some(w) = World::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let tag = |name: &str, key: &str, value: &str| {
        let body = serde_json::json!({ "Tags": { key: value } }).to_string();
        lambda_call(
            &w,
            "POST",
            &format!("/2017-03-31/tags/{}", unqualified(name)),
            &body,
        );
    };
    tag("node-worker", "lambda-audit:exclude", "yes");
    tag("py-app", "InspectorExclusion", "LambdaStandardScanning");
    let out = run(&w, &store, &["account", "--region", REGION]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for (name, reason) in [
        ("node-worker", "excluded by tag lambda-audit:exclude=yes"),
        (
            "py-app",
            "excluded by tag InspectorExclusion=LambdaStandardScanning",
        ),
    ] {
        let line = format!("not scanned  {}  {reason}", unqualified(name));
        assert!(
            stdout.lines().any(|l| l == line),
            "no `{line}` in:\n{stdout}"
        );
    }

    // node-app's finding is in the store, with its layer use.
    let node_app = format!("{}:$LATEST", unqualified("node-app"));
    let list = findings(&store, &[]);
    let list = list["findings"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["subject"], node_app.as_str());
    assert_eq!(list[0]["status"], "ACTIVE");
    assert_eq!(list[0]["advisory"], "LAMBDA-AUDIT-TEST-0001");
    assert_eq!(
        list[0]["layer"],
        serde_json::Value::Null,
        "axios is in the function's own code"
    );
    let layers = findings(&store, &["--by-layer"]);
    assert_eq!(
        layers["layers"][0]["layer"],
        w.layer_arn("node-deps").as_str()
    );
    assert_eq!(
        layers["layers"][0]["functions"],
        serde_json::json!([node_app])
    );

    // node-app deleted: the next account scan closes its finding.
    lambda_call(&w, "DELETE", "/2015-03-31/functions/node-app", "");
    let out = run(&w, &store, &["account", "--region", REGION]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("deleted; 1 findings closed"), "{stderr}");
    let closed = findings(&store, &["--status", "CLOSED"]);
    assert_eq!(closed["findings"][0]["closeReason"], "function_deleted");
}
