//! End to end against the moto emulator: functions and layers created from the
//! corpus fixtures, scanned one by one and account-wide. moto has no code URL,
//! so the tests serve the same bytes from a loopback content-addressed mirror;
//! the download path and the CodeSha256 check are the real ones.

use analyzer::Limits;
use lambda_audit_layers::aws::account::{self, Progress};
use lambda_audit_layers::aws::download::sha256_hex;
use lambda_audit_layers::aws::{
    config, AwsOptions, CodeUrlRewrite, Downloader, LayerCache, ScanOutcome, Scanned, Scanner,
};
use std::collections::BTreeSet;
use std::sync::Arc;
use testkit::aws::{Moto, Scripted, World, ACCOUNT, REGION, SEEDED_CODE};
use testkit::{corpus_bytes, fixtures, zip_of};

/// The AWS options that reach the world's moto.
fn options(w: &World) -> AwsOptions {
    AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(w.moto.endpoint.clone()),
    }
}

/// Downloads through the world's mirror.
fn downloader(w: &World) -> Downloader {
    Downloader::new(
        1 << 30,
        CodeUrlRewrite::Mirror {
            base: w.mirror.base.clone(),
        },
    )
    .unwrap()
}

/// A scanner against the world's moto and mirror.
async fn scanner(w: &World) -> Scanner {
    let sdk = config::load(&options(w), None).await;
    Scanner::new(
        config::lambda(&sdk),
        downloader(w),
        Limits::default(),
        Arc::new(LayerCache::default()),
    )
}

fn function_arn(name: &str, version: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:{version}")
}

/// (ecosystem, name, version) of every package the ground truth lists.
fn expected(artifacts: &[&str]) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for a in artifacts {
        let path = fixtures().join("corpus/expected").join(format!("{a}.json"));
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        for p in v["packages"].as_array().unwrap() {
            out.insert((
                p["ecosystem"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn found(scanned: &Scanned) -> BTreeSet<(String, String, String)> {
    scanned
        .inventory
        .packages
        .iter()
        .map(|p| (p.ecosystem.to_string(), p.name.clone(), p.version.clone()))
        .collect()
}

fn scanned(outcome: ScanOutcome) -> Box<Scanned> {
    match outcome {
        ScanOutcome::Scanned(s) => s,
        other => panic!("expected a scan, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployed_function_is_scanned_with_its_layers() {
    let Some(w) = World::start() else {
        return;
    };
    let s = scanned(
        scanner(&w)
            .await
            .scan_function("node-app", None)
            .await
            .unwrap(),
    );
    let layer = w.layer_arn("node-deps");
    assert_eq!(s.subject, function_arn("node-app", "$LATEST"));
    assert_eq!(s.runtime.as_deref(), Some("nodejs20.x"));
    assert_eq!(s.layers, vec![layer.clone()]);
    let names: Vec<&str> = s
        .inventory
        .artifacts
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, vec![s.subject.as_str(), layer.as_str()]);
    assert_eq!(found(&s), expected(&["node-basic.zip", "node-layer.zip"]));
    let axios = s
        .inventory
        .packages
        .iter()
        .find(|p| p.name == "axios")
        .expect("axios from the function code");
    assert_eq!(axios.version, "0.21.0");
    assert!(axios.locations.iter().all(|l| l.artifact == s.subject));
    let dot_prop = s
        .inventory
        .packages
        .iter()
        .find(|p| p.name == "dot-prop")
        .expect("dot-prop from the layer");
    assert!(dot_prop.locations.iter().all(|l| l.artifact == layer));
    assert!(dot_prop.locations.iter().any(
        |l| l.lambda_path.as_deref() == Some("/opt/nodejs/node_modules/dot-prop/package.json")
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_function_and_a_published_version_by_qualifier() {
    let Some(w) = World::start() else {
        return;
    };
    let scanner = scanner(&w).await;
    let s = scanned(scanner.scan_function("py-app", None).await.unwrap());
    assert_eq!(s.runtime.as_deref(), Some("python3.12"));
    assert_eq!(
        found(&s),
        expected(&["python-function.zip", "python-layer.zip"])
    );

    let sdk = config::load(&options(&w), None).await;
    let published = config::lambda(&sdk)
        .publish_version()
        .function_name("node-app")
        .send()
        .await
        .unwrap();
    assert_eq!(published.version(), Some("1"));
    let arn = w.seeded["functions"]["node-app"]["arn"].as_str().unwrap();
    let s = scanned(scanner.scan_function(arn, Some("1")).await.unwrap());
    assert_eq!(s.subject, function_arn("node-app", "1"));

    // An alias names the version it points to.
    config::lambda(&sdk)
        .create_alias()
        .function_name("node-app")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();
    let s = scanned(
        scanner
            .scan_function("node-app", Some("live"))
            .await
            .unwrap(),
    );
    assert_eq!(s.subject, function_arn("node-app", "1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_function_is_gone_and_an_image_is_not_scanned() {
    let Some(w) = World::start() else {
        return;
    };
    let sdk = config::load(&options(&w), None).await;
    config::lambda(&sdk)
        .delete_function()
        .function_name("node-worker")
        .send()
        .await
        .unwrap();
    let scanner = scanner(&w).await;
    match scanner.scan_function("node-worker", None).await.unwrap() {
        ScanOutcome::Gone { subject, detail } => {
            assert_eq!(subject, "node-worker");
            assert_eq!(detail, "the function no longer exists");
        }
        other => panic!("expected gone, got {other:?}"),
    }
    match scanner.scan_function("image-app", None).await.unwrap() {
        ScanOutcome::NotScanned { subject, reason } => {
            assert_eq!(subject, function_arn("image-app", "$LATEST"));
            assert_eq!(reason, "image package");
        }
        other => panic!("expected not scanned, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_is_scanned_with_each_layer_downloaded_once() {
    let Some(w) = World::start() else {
        return;
    };
    let mut listed = Vec::new();
    let mut done = Vec::new();
    let mut progress = |p: Progress<'_>| match p {
        Progress::Listed { region, functions } => listed.push((region.to_string(), functions)),
        Progress::Done { done: d, total, .. } => done.push((d, total)),
    };
    let (results, layers) = account::scan_account(
        &options(&w),
        &[REGION.to_string()],
        3,
        downloader(&w),
        Limits::default(),
        &mut progress,
    )
    .await
    .unwrap();
    assert_eq!(listed, vec![(REGION.to_string(), 4)]);
    assert_eq!(done, vec![(1, 4), (2, 4), (3, 4), (4, 4)]);
    assert_eq!(
        layers.downloads(),
        2,
        "node-deps shared by two functions, py-deps"
    );
    let mut summary: Vec<(String, String)> = results
        .iter()
        .map(|r| match r.outcome.as_ref().unwrap() {
            ScanOutcome::Scanned(s) => (
                s.subject.clone(),
                format!("{} packages", s.inventory.packages.len()),
            ),
            ScanOutcome::NotScanned { subject, reason } => (subject.clone(), reason.clone()),
            ScanOutcome::Gone { subject, detail } => (subject.clone(), detail.clone()),
        })
        .collect();
    summary.sort();
    let node = expected(&["node-basic.zip", "node-layer.zip"]).len();
    let python = expected(&["python-function.zip", "python-layer.zip"]).len();
    assert_eq!(
        summary,
        vec![
            (
                function_arn("image-app", "$LATEST"),
                "image package".to_string()
            ),
            (
                function_arn("node-app", "$LATEST"),
                format!("{node} packages")
            ),
            (
                function_arn("node-worker", "$LATEST"),
                format!("{node} packages")
            ),
            (
                function_arn("py-app", "$LATEST"),
                format!("{python} packages")
            ),
        ]
    );
    // Every function and layer byte came through the mirror, verified.
    for name in SEEDED_CODE {
        assert!(
            w.mirror
                .hits(&format!("/{}", sha256_hex(&corpus_bytes(name))))
                >= 1,
            "{name}"
        );
    }
    assert_eq!(
        w.mirror
            .hits(&format!("/{}", sha256_hex(&corpus_bytes("node-layer.zip")))),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_scan_covers_every_given_region() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let role = moto.create_role("lister");
    let code = zip_of(&[("index.js", b"exports.handler = async () => 'ok';\n")]);
    let mirror = Scripted::start();
    mirror.serve_code(&sha256_hex(&code), code.clone());
    // (moto answers ListFunctions in one page; paging is tested in aws_faults.rs.)
    let counts = [(REGION, 53), ("us-west-2", 2)];
    for (region, count) in counts {
        let options = AwsOptions {
            region: Some(region.into()),
            endpoint_url: Some(moto.endpoint.clone()),
        };
        let lambda = config::lambda(&config::load(&options, None).await);
        for i in 0..count {
            lambda
                .create_function()
                .function_name(format!("fn-{i:02}"))
                .runtime(aws_sdk_lambda::types::Runtime::Nodejs20x)
                .role(&role)
                .handler("index.handler")
                .code(
                    aws_sdk_lambda::types::FunctionCode::builder()
                        .zip_file(code.clone().into())
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        let arns = account::list_functions(&lambda).await.unwrap();
        assert_eq!(arns.len(), count, "{region}");
        assert_eq!(
            arns.iter().collect::<BTreeSet<_>>().len(),
            count,
            "{region}: no function listed twice"
        );
    }
    let mut listed = Vec::new();
    let mut progress = |p: Progress<'_>| {
        if let Progress::Listed { region, functions } = p {
            listed.push((region.to_string(), functions));
        }
    };
    let downloader = Downloader::new(
        1 << 20,
        CodeUrlRewrite::Mirror {
            base: mirror.base.clone(),
        },
    )
    .unwrap();
    let (results, _) = account::scan_account(
        &AwsOptions {
            region: None,
            endpoint_url: Some(moto.endpoint.clone()),
        },
        &[REGION.to_string(), "us-west-2".to_string()],
        8,
        downloader,
        Limits::default(),
        &mut progress,
    )
    .await
    .unwrap();
    assert_eq!(
        listed,
        vec![(REGION.to_string(), 53), ("us-west-2".to_string(), 2)]
    );
    assert_eq!(results.len(), 55);
    let scanned_count = results
        .iter()
        .filter(|r| matches!(r.outcome, Ok(ScanOutcome::Scanned(_))))
        .count();
    assert_eq!(scanned_count, 55);
    assert_eq!(
        results.iter().filter(|r| r.region == "us-west-2").count(),
        2
    );
    assert_eq!(mirror.hits(&format!("/{}", sha256_hex(&code))), 55);
}
