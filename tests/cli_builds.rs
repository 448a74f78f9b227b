//! `scan` of Serverless Framework and CDK build outputs, found in the project
//! folder (no path) or named directly: each function is scanned with its
//! built layers in /opt and its template's handler, runtime and
//! architecture, so that each Node.js finding says whether the handler
//! imports it. The build folders are written here in each tool's documented
//! layout (`.serverless/*.zip` + `serverless.yml`; `cdk.out/asset.*` +
//! `<Stack>.template.json`) around the corpus's node-basic function and
//! node-layer layer.

mod support;

use serde_json::Value;
use std::path::Path;
use support::Run;

/// Runs `scan ARGS --format json` in `dir`, with the embedded database only.
fn scan_in(dir: &Path, args: &[&str]) -> (Run, Value) {
    let cache = dir.join(".test-cache");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .current_dir(dir)
        .env("LAMBDA_AUDIT_DB", "")
        .env("LAMBDA_AUDIT_KEV", "")
        .env("LAMBDA_AUDIT_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let run = Run::from(out);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", run.stderr));
    (run, report)
}

fn extract(zip: &str, to: &Path) {
    let file = std::fs::File::open(testkit::corpus(zip)).unwrap();
    zip::ZipArchive::new(file).unwrap().extract(to).unwrap();
}

/// (name, role, mount) of each artifact.
fn artifacts(report: &Value) -> Vec<(String, String, Option<String>)> {
    report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["role"].as_str().unwrap().to_string(),
                a["mount"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// The reachability of the finding(s) on package `name`.
fn reach(report: &Value, name: &str) -> String {
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["package"]["name"] == name)
        .unwrap_or_else(|| panic!("no finding on {name}"));
    f["reachability"]["status"].as_str().unwrap().to_string()
}

/// The handler's imports reach the function's axios; the layer's
/// handlebars is in /opt but nobody imports it.
fn assert_walked_from(report: &Value, handler: &str) {
    let walked = report["reachability"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["handler"] == handler)
        .unwrap_or_else(|| panic!("no reachability for {handler}: {report}"));
    assert_eq!(walked["entry"], "/var/task/index.js");
    assert_eq!(walked["language"], "node");
    assert_eq!(reach(report, "axios"), "imported");
    assert_eq!(reach(report, "handlebars"), "not-imported");
}

#[test]
fn a_serverless_package_is_scanned_with_its_handlers_and_layer() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    let packaged = project.join(".serverless");
    std::fs::create_dir_all(&packaged).unwrap();
    std::fs::copy(testkit::corpus("node-basic.zip"), packaged.join("shop.zip")).unwrap();
    std::fs::copy(
        testkit::corpus("node-layer.zip"),
        packaged.join("node-deps.zip"),
    )
    .unwrap();
    std::fs::write(
        project.join("serverless.yml"),
        "service: shop\n\
         provider:\n  name: aws\n  runtime: nodejs20.x\n\
         functions:\n\
         \x20 orders:\n    handler: index.handler\n    layers:\n      - Ref: NodeDashdepsLambdaLayer\n\
         \x20 audit:\n    handler: index.audit\n    layers:\n      - Ref: NodeDashdepsLambdaLayer\n\
         layers:\n  node-deps:\n    path: layer\n",
    )
    .unwrap();
    for args in [vec![], vec![".serverless/shop.zip"]] {
        let (run, report) = scan_in(project, &args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        let expected = [
            (".serverless/shop.zip", "function", Some("/var/task")),
            (".serverless/node-deps.zip", "layer", Some("/opt")),
        ]
        .map(|(n, r, m)| (n.to_string(), r.to_string(), m.map(str::to_string)));
        assert_eq!(
            artifacts(&report),
            expected,
            "{args:?}: the layer package is the function's layer, not a function"
        );
        assert_walked_from(&report, "index.handler");
        // The second function sharing the package has its own walk.
        assert_walked_from(&report, "index.audit");
    }
}

/// A stack as `cdk synth` writes it, trimmed to what is read.
const STACK: &str = r#"{
  "Resources": {
    "DepsLayer": {
      "Type": "AWS::Lambda::LayerVersion",
      "Properties": { "Content": { "S3Bucket": "b", "S3Key": "bbb.zip" } },
      "Metadata": { "aws:asset:path": "asset.bbb", "aws:asset:property": "Content" }
    },
    "OrdersFn": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Code": { "S3Bucket": "b", "S3Key": "aaa.zip" },
        "Handler": "index.handler",
        "Runtime": "nodejs20.x",
        "Architectures": ["arm64"],
        "Layers": [ { "Ref": "DepsLayer" } ]
      },
      "Metadata": { "aws:asset:path": "asset.aaa", "aws:asset:property": "Code" }
    }
  }
}"#;

#[test]
fn a_cdk_assembly_is_scanned_with_its_handler_and_layer() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    let out = project.join("cdk.out");
    extract("node-basic.zip", &out.join("asset.aaa"));
    extract("node-layer.zip", &out.join("asset.bbb"));
    std::fs::write(out.join("Shop.template.json"), STACK).unwrap();
    std::fs::write(out.join("manifest.json"), "{}").unwrap();
    for args in [vec![], vec!["cdk.out/asset.aaa"]] {
        let (run, report) = scan_in(project, &args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        let names: Vec<(String, String)> = artifacts(&report)
            .into_iter()
            .map(|(n, r, _)| (n, r))
            .collect();
        assert_eq!(names.len(), 2, "{args:?}: {names:?}");
        assert!(names[0].0.ends_with("asset.aaa") && names[0].1 == "function");
        assert!(names[1].0.ends_with("asset.bbb") && names[1].1 == "layer");
        assert_walked_from(&report, "index.handler");
    }
}
