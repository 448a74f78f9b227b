//! Deployed functions are judged by their `Architectures`, as `scan
//! --architecture` judges local ones: against moto, an arm64 and an x86_64
//! function share one layer whose lockfile lists sharp's platform packages,
//! and each function gets the Linux package of its own architecture (the
//! other is listed with the `other-platform` scope, never matched). The layer
//! cache keeps one scan per (layer, architecture).

use analyzer::platform::Architecture;
use analyzer::Limits;
use lambda_audit_layers::aws::account::{self, Progress};
use lambda_audit_layers::aws::{
    config, AwsOptions, CodeUrlRewrite, Downloader, LayerCache, ScanOutcome, Scanned, Scanner,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use testkit::aws::{
    bare_function_zip, platform_layer_zip, Deployed, FunctionSpec, LayerSpec, REGION,
};

const OTHER_PLATFORM: &str = "other-platform";

/// An x86_64 and an arm64 function sharing the multi-architecture `sharp`
/// layer; `sharp-arm`, the same content published for arm64 only.
fn deploy() -> Option<Deployed> {
    let function = |name, arch| FunctionSpec {
        name,
        zip: bare_function_zip(),
        runtime: "nodejs20.x",
        handler: "index.handler",
        architectures: arch,
        layers: &["sharp"],
    };
    Deployed::start(
        &[
            LayerSpec {
                name: "sharp",
                zip: platform_layer_zip(),
                architectures: &["x86_64", "arm64"],
            },
            LayerSpec {
                name: "sharp-arm",
                zip: platform_layer_zip(),
                architectures: &["arm64"],
            },
        ],
        &[
            function("x86-app", &["x86_64"]),
            function("arm-app", &["arm64"]),
        ],
    )
}

fn options(d: &Deployed) -> AwsOptions {
    AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(d.moto.endpoint.clone()),
    }
}

fn downloader(d: &Deployed) -> Downloader {
    Downloader::new(
        1 << 30,
        CodeUrlRewrite::Mirror {
            base: d.mirror.base.clone(),
        },
    )
    .unwrap()
}

/// The sharp platform packages of a scan, by name, with their scope.
fn sharp_scopes(s: &Scanned) -> BTreeMap<String, Option<String>> {
    s.inventory
        .packages
        .iter()
        .filter(|p| p.name.starts_with("@img/sharp-"))
        .map(|p| {
            let scopes: Vec<Option<String>> = p.locations.iter().map(|l| l.scope.clone()).collect();
            assert_eq!(scopes.len(), 1, "{}: one location", p.name);
            (p.name.clone(), scopes[0].clone())
        })
        .collect()
}

/// What each architecture must see: its own Linux package deployed
/// (`optional`, matched), the other two listed as another platform's.
fn expected(architecture: Architecture) -> BTreeMap<String, Option<String>> {
    let own = match architecture {
        Architecture::X86_64 => "@img/sharp-linux-x64",
        Architecture::Arm64 => "@img/sharp-linux-arm64",
    };
    [
        "@img/sharp-darwin-arm64",
        "@img/sharp-linux-arm64",
        "@img/sharp-linux-x64",
    ]
    .into_iter()
    .map(|name| {
        let scope = if name == own {
            "optional"
        } else {
            OTHER_PLATFORM
        };
        (name.to_string(), Some(scope.to_string()))
    })
    .collect()
}

fn scanned(outcome: ScanOutcome) -> Box<Scanned> {
    match outcome {
        ScanOutcome::Scanned(s) => s,
        other => panic!("expected a scan, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_sharing_a_layer_are_each_judged_by_their_architecture() {
    let Some(d) = deploy() else {
        return;
    };
    let sdk = config::load(&options(&d), None).await;
    let cache = Arc::new(LayerCache::default());
    let scanner = Scanner::new(
        config::lambda(&sdk),
        downloader(&d),
        Limits::default(),
        cache.clone(),
    );
    // arm64 first: a cache keyed by ARN alone would then hand x86-app the
    // layer as judged for arm64.
    for (name, architecture) in [
        ("arm-app", Architecture::Arm64),
        ("x86-app", Architecture::X86_64),
        ("arm-app", Architecture::Arm64),
    ] {
        let s = scanned(scanner.scan_function(name, None).await.unwrap());
        assert_eq!(s.architecture, Some(architecture), "{name}");
        assert_eq!(s.layers, vec![d.layer_arn("sharp")]);
        assert_eq!(sharp_scopes(&s), expected(architecture), "{name}");
    }
    assert_eq!(
        cache.downloads(),
        2,
        "the shared layer is fetched once per architecture, then cached"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layer_alone_is_judged_by_its_own_compatible_architecture() {
    let Some(d) = deploy() else {
        return;
    };
    let sdk = config::load(&options(&d), None).await;
    let scanner = Scanner::new(
        config::lambda(&sdk),
        downloader(&d),
        Limits::default(),
        Arc::new(LayerCache::default()),
    );
    let arm_only = scanned(scanner.scan_layer(&d.layer_arn("sharp-arm")).await.unwrap());
    assert_eq!(arm_only.architecture, Some(Architecture::Arm64));
    assert_eq!(sharp_scopes(&arm_only), expected(Architecture::Arm64));
    // Compatible with both: Lambda's default, x86_64.
    let both = scanned(scanner.scan_layer(&d.layer_arn("sharp")).await.unwrap());
    assert_eq!(both.architecture, Some(Architecture::X86_64));
    assert_eq!(sharp_scopes(&both), expected(Architecture::X86_64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_scan_judges_each_function_by_its_architecture() {
    let Some(d) = deploy() else {
        return;
    };
    let (results, layers) = account::scan_account(
        &options(&d),
        &[REGION.to_string()],
        2,
        downloader(&d),
        Limits::default(),
        &mut |_: Progress<'_>| {},
    )
    .await
    .unwrap();
    let mut judged = BTreeMap::new();
    for r in results {
        let s = scanned(r.outcome.unwrap());
        let architecture = s.architecture.expect("a function's architecture");
        assert_eq!(sharp_scopes(&s), expected(architecture), "{}", r.function);
        judged.insert(
            r.function.rsplit(':').next().unwrap().to_string(),
            architecture,
        );
    }
    assert_eq!(
        judged,
        BTreeMap::from([
            ("arm-app".to_string(), Architecture::Arm64),
            ("x86-app".to_string(), Architecture::X86_64),
        ])
    );
    assert_eq!(layers.downloads(), 2);
}
