//! Import reachability of a deployed function into its layers, against moto:
//! a layer version is scanned once and its bytes freed, so the function's
//! import graph walks into /opt through the facts kept from the layer's
//! scan (each source file's imports, each package's metadata).

use analyzer::reachability::ReachStatus;
use analyzer::Limits;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LayerVersionContentInput, Runtime};
use lambda_audit_layers::aws::download::sha256_hex;
use lambda_audit_layers::aws::{
    config, AwsOptions, CodeUrlRewrite, Downloader, LayerCache, ScanOutcome, Scanner,
};
use std::sync::Arc;
use testkit::aws::{World, REGION};
use testkit::zip_of;

fn package_json(name: &str) -> String {
    format!(r#"{{"name":"{name}","version":"1.0.0","main":"lib/main.js"}}"#)
}

/// A Node.js layer: `used` (whose entry requires its helper `dep`) and
/// `unused`, nobody imports.
fn node_layer() -> Vec<u8> {
    let (used, dep, unused) = (
        package_json("used"),
        package_json("dep"),
        package_json("unused"),
    );
    zip_of(&[
        ("nodejs/node_modules/used/package.json", used.as_bytes()),
        (
            "nodejs/node_modules/used/lib/main.js",
            b"module.exports = require('dep');",
        ),
        ("nodejs/node_modules/dep/package.json", dep.as_bytes()),
        (
            "nodejs/node_modules/dep/lib/main.js",
            b"module.exports = 1;",
        ),
        ("nodejs/node_modules/unused/package.json", unused.as_bytes()),
        (
            "nodejs/node_modules/unused/lib/main.js",
            b"module.exports = 2;",
        ),
    ])
}

/// A Python layer: `usedpy` (imported) and `idle` (not), each with a RECORD.
fn python_layer() -> Vec<u8> {
    let site = "python/lib/python3.12/site-packages";
    let files: Vec<(String, String)> = ["usedpy", "idle"]
        .iter()
        .flat_map(|name| {
            let dist = format!("{site}/{name}-1.0.dist-info");
            [
                (
                    format!("{dist}/METADATA"),
                    format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"),
                ),
                (
                    format!("{dist}/RECORD"),
                    format!("{name}/__init__.py,,\n{name}-1.0.dist-info/METADATA,,\n"),
                ),
                (format!("{site}/{name}/__init__.py"), String::new()),
            ]
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_bytes()))
        .collect();
    zip_of(&refs)
}

/// Publishes `layer`, creates `name` with `code` on top of it, and serves
/// both through the world's mirror; returns the function's scan.
async fn deploy_and_scan(
    w: &World,
    name: &str,
    runtime: Runtime,
    handler: &str,
    code: Vec<u8>,
    layer: Vec<u8>,
) -> lambda_audit_layers::aws::Scanned {
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(w.moto.endpoint.clone()),
    };
    let sdk = config::load(&options, None).await;
    let lambda = config::lambda(&sdk);
    w.mirror.serve_code(&sha256_hex(&layer), layer.clone());
    w.mirror.serve_code(&sha256_hex(&code), code.clone());
    let published = lambda
        .publish_layer_version()
        .layer_name(format!("{name}-deps"))
        .content(
            LayerVersionContentInput::builder()
                .zip_file(Blob::new(layer))
                .build(),
        )
        .compatible_runtimes(runtime.clone())
        .send()
        .await
        .unwrap();
    lambda
        .create_function()
        .function_name(name)
        .runtime(runtime)
        .role(w.moto.create_role(&format!("{name}-role")))
        .handler(handler)
        .code(FunctionCode::builder().zip_file(Blob::new(code)).build())
        .layers(published.layer_version_arn().unwrap())
        .send()
        .await
        .unwrap();
    let downloader = Downloader::new(
        1 << 30,
        CodeUrlRewrite::Mirror {
            base: w.mirror.base.clone(),
        },
    )
    .unwrap();
    let scanner = Scanner::new(
        lambda,
        downloader,
        Limits::default(),
        Arc::new(LayerCache::default()),
    );
    match scanner.scan_function(name, None).await.unwrap() {
        ScanOutcome::Scanned(s) => *s,
        other => panic!("expected a scan, got {other:?}"),
    }
}

/// The verdict on the package `name`, and its chain.
fn verdict(s: &lambda_audit_layers::aws::Scanned, name: &str) -> (ReachStatus, Vec<String>) {
    let package = s
        .inventory
        .packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} is in the inventory"));
    let report = &s.inventory.reachability[0];
    let r = &report.packages[&package.purl];
    (r.status, r.chain.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_handler_walks_into_its_layer() {
    let Some(w) = World::start() else {
        return;
    };
    let code = zip_of(&[(
        "index.js",
        b"const used = require('used');\nexports.handler = async () => used;\n",
    )]);
    let s = deploy_and_scan(
        &w,
        "node-layered",
        Runtime::Nodejs20x,
        "index.handler",
        code,
        node_layer(),
    )
    .await;
    assert_eq!(s.inventory.reachability.len(), 1);
    assert_eq!(s.inventory.reachability[0].unknown_reason, None);
    assert_eq!(
        verdict(&s, "used"),
        (
            ReachStatus::Imported,
            vec!["index.js".into(), "used".into()]
        )
    );
    assert_eq!(
        verdict(&s, "dep"),
        (
            ReachStatus::Imported,
            vec!["index.js".into(), "used".into(), "dep".into()]
        )
    );
    assert_eq!(verdict(&s, "unused").0, ReachStatus::NotImported);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_handler_walks_into_its_layer() {
    let Some(w) = World::start() else {
        return;
    };
    let code = zip_of(&[(
        "app.py",
        b"import usedpy\n\ndef lambda_handler(event, context):\n    return 1\n",
    )]);
    let s = deploy_and_scan(
        &w,
        "py-layered",
        Runtime::Python312,
        "app.lambda_handler",
        code,
        python_layer(),
    )
    .await;
    assert_eq!(s.inventory.reachability[0].unknown_reason, None);
    assert_eq!(
        verdict(&s, "usedpy"),
        (
            ReachStatus::Imported,
            vec!["app.py".into(), "usedpy".into()]
        )
    );
    assert_eq!(verdict(&s, "idle").0, ReachStatus::NotImported);
}
