//! The trigger judges a deployed function's npm platform packages by the
//! function's `Architectures`: against moto, an arm64 and an x86_64 function
//! share a layer whose lockfile lists sharp's Linux packages for both; with
//! an advisory for the arm64 one only, the arm64 function has the finding
//! and the x86_64 function none.

mod support;

use lambda_audit_trigger::database::{osv_loader, DatabaseSource};
use lambda_audit_trigger::sinks::SinkConfig;
use lambda_audit_trigger::{Handler, HandlerConfig};
use layers::aws::{config, AwsOptions, CodeUrlRewrite};
use serde_json::Value;
use support::{cloudtrail, osv_zip};
use testkit::aws::{
    bare_function_zip, platform_layer_zip, Deployed, FunctionSpec, LayerSpec, ACCOUNT, REGION,
};

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

/// A CloudTrail UpdateFunctionCode event for function `name`.
fn code_updated(name: &str) -> Value {
    let mut e = cloudtrail("update-function-code.json");
    e["detail"]["requestParameters"]["functionName"] = name.into();
    e["detail"]["responseElements"]["functionName"] = name.into();
    e["detail"]["responseElements"]["functionArn"] = function_arn(name).into();
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trigger_judges_platform_packages_by_the_functions_architecture() {
    let function = |name, arch| FunctionSpec {
        name,
        zip: bare_function_zip(),
        runtime: "nodejs20.x",
        handler: "index.handler",
        architectures: arch,
        layers: &["sharp"],
    };
    let Some(d) = Deployed::start(
        &[LayerSpec {
            name: "sharp",
            zip: platform_layer_zip(),
            architectures: &["x86_64", "arm64"],
        }],
        &[
            function("x86-app", &["x86_64"]),
            function("arm-app", &["arm64"]),
        ],
    ) else {
        return;
    };
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(d.moto.endpoint.clone()),
    };
    let sdk = config::load(&options, None).await;
    let s3 = lambda_audit_trigger::clients::s3(&sdk);
    s3.create_bucket()
        .bucket("advisories")
        .send()
        .await
        .unwrap();
    let advisories = [
        ("TEST-SHARP-LINUX-ARM64", "@img/sharp-linux-arm64", "HIGH"),
        ("TEST-SHARP-DARWIN-ARM64", "@img/sharp-darwin-arm64", "HIGH"),
    ];
    s3.put_object()
        .bucket("advisories")
        .key("db/all.zip")
        .body(osv_zip(&advisories, "2026-11-01T00:00:00Z").into())
        .send()
        .await
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let config = HandlerConfig {
        aws: options.clone(),
        sinks: SinkConfig {
            event_bus: None,
            security_hub: false,
        },
        store: None,
        findings_store: work.path().join("findings.sqlite").display().to_string(),
        suppressions: None,
        signals: Default::default(),
        database: DatabaseSource::S3 {
            bucket: "advisories".into(),
            key: "db/all.zip".into(),
        },
        code_rewrite: CodeUrlRewrite::Mirror {
            base: d.mirror.base.clone(),
        },
        max_download_bytes: 1 << 30,
        work_dir: work.path().to_path_buf(),
        fanout_queue: None,
    };
    let handler = Handler::new(config, osv_loader(work.path().join("index")))
        .await
        .unwrap();
    for (name, findings) in [("arm-app", 1), ("x86-app", 0)] {
        let answer = handler.handle(&code_updated(name)).await.unwrap();
        let result = &answer["results"][0];
        assert_eq!(result["status"], "scanned", "{name}: {answer}");
        assert_eq!(result["findings"], findings, "{name}: {answer}");
    }
}
