//! Faults between an event and a scan, against a scripted loopback Lambda API
//! and code server: throttling, expired code URLs, size caps, checksum
//! mismatches, functions and layers that are gone.

use analyzer::Limits;
use lambda_audit_layers::aws::download::sha256_base64;
use lambda_audit_layers::aws::{
    config, AwsOptions, CodeUrlRewrite, DownloadError, Downloader, FetchError, LayerCache,
    ScanOutcome, Scanner, DELETED_LAYER_REASON,
};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use testkit::aws::{test_env, Canned, Scripted, ACCOUNT, REGION};
use testkit::corpus_bytes;

const FUNCTION_PATH: &str = "/2015-03-31/functions/app";
const BY_ARN_PATH: &str = "/2018-10-31/layers";
const CODE_PATH: &str = "/code/app";
const LAYER_CODE_PATH: &str = "/code/layer";

fn function_arn() -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:app")
}

fn layer_arn() -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:layer:deps:3")
}

fn layer_version_path() -> String {
    format!("/2018-10-31/layers/arn:aws:lambda:{REGION}:{ACCOUNT}:layer:deps/versions/3")
}

fn get_function(server: &Scripted, sha256: &str, layers: &[String], package: &str) -> Canned {
    Canned::json(
        200,
        &json!({
            "Configuration": {
                "FunctionName": "app",
                "FunctionArn": function_arn(),
                "Runtime": "nodejs20.x",
                "Version": "$LATEST",
                "CodeSha256": sha256,
                "CodeSize": 1,
                "PackageType": package,
                "Layers": layers.iter().map(|a| json!({"Arn": a, "CodeSize": 1})).collect::<Vec<_>>(),
            },
            "Code": {"RepositoryType": "S3", "Location": format!("{}{CODE_PATH}?X-Amz-Signature=0", server.base)},
        }),
    )
}

fn layer_version(server: &Scripted, sha256: &str) -> Canned {
    Canned::json(
        200,
        &json!({
            "Content": {"Location": format!("{}{LAYER_CODE_PATH}?X-Amz-Signature=0", server.base), "CodeSha256": sha256, "CodeSize": 1},
            "LayerArn": format!("arn:aws:lambda:{REGION}:{ACCOUNT}:layer:deps"),
            "LayerVersionArn": layer_arn(),
            "Version": 3,
        }),
    )
}

/// A Lambda client for the API `server` plays.
async fn lambda(server: &Scripted) -> aws_sdk_lambda::Client {
    test_env();
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(server.base.clone()),
    };
    config::lambda(&config::load(&options, None).await)
}

/// A scanner against `server`, downloading the real Code.Location (no rewrite).
async fn scanner(server: &Scripted, max_bytes: u64) -> Scanner {
    let mut downloader = Downloader::new(max_bytes, CodeUrlRewrite::None).unwrap();
    downloader.backoff = Duration::from_millis(10);
    Scanner::new(
        lambda(server).await,
        downloader,
        Limits::default(),
        Arc::new(LayerCache::default()),
    )
}

/// A function with node-basic.zip as code and `layers`; returns the code.
fn deploy_function(server: &Scripted, layers: &[String]) -> Vec<u8> {
    let code = corpus_bytes("node-basic.zip");
    server.route(
        FUNCTION_PATH,
        vec![get_function(server, &sha256_base64(&code), layers, "Zip")],
    );
    server.route(CODE_PATH, vec![Canned::ok(code.clone())]);
    code
}

/// A function with node-basic.zip as code and no layers.
fn plain_function(server: &Scripted) -> Vec<u8> {
    deploy_function(server, &[])
}

/// Scans the function `app` from `server` with no practical size cap.
async fn scan_app(server: &Scripted) -> Result<ScanOutcome, FetchError> {
    scanner(server, 1 << 30)
        .await
        .scan_function("app", None)
        .await
}

/// Scans a plain function whose code URL answers `answers(code)` in turn;
/// returns the server (for its hit counts) and the outcome.
async fn scan_with_code_answers(
    answers: impl FnOnce(Vec<u8>) -> Vec<Canned>,
) -> (Scripted, Result<ScanOutcome, FetchError>) {
    let server = Scripted::start();
    let code = plain_function(&server);
    server.route(CODE_PATH, answers(code));
    let outcome = scan_app(&server).await;
    (server, outcome)
}

/// The subject the scans of `app` report.
fn app_latest() -> String {
    format!("{}:$LATEST", function_arn())
}

fn scanned_subject(outcome: Result<ScanOutcome, FetchError>) -> String {
    match outcome {
        Ok(ScanOutcome::Scanned(s)) => s.subject,
        other => panic!("expected a scan, got {other:?}"),
    }
}

#[tokio::test]
async fn sdk_throttling_is_retried_with_backoff() {
    let server = Scripted::start();
    let code = corpus_bytes("node-basic.zip");
    let throttled = Canned::aws_error(429, "TooManyRequestsException", "Rate exceeded");
    server.route(
        FUNCTION_PATH,
        vec![
            throttled.clone(),
            throttled,
            get_function(&server, &sha256_base64(&code), &[], "Zip"),
        ],
    );
    server.route(CODE_PATH, vec![Canned::ok(code)]);
    let outcome = scan_app(&server).await;
    assert_eq!(scanned_subject(outcome), app_latest());
    assert_eq!(server.hits(FUNCTION_PATH), 3);
}

#[tokio::test]
async fn download_throttling_and_server_errors_are_retried() {
    let (server, outcome) = scan_with_code_answers(|code| {
        vec![Canned::status(503), Canned::status(429), Canned::ok(code)]
    })
    .await;
    assert_eq!(scanned_subject(outcome), app_latest());
    assert_eq!(server.hits(CODE_PATH), 3);
    assert_eq!(server.hits(FUNCTION_PATH), 1);
}

#[tokio::test]
async fn an_expired_code_url_triggers_one_fresh_get_function() {
    let (server, outcome) =
        scan_with_code_answers(|code| vec![Canned::status(403), Canned::ok(code)]).await;
    assert_eq!(scanned_subject(outcome), app_latest());
    assert_eq!(server.hits(FUNCTION_PATH), 2);
    assert_eq!(server.hits(CODE_PATH), 2);
}

#[tokio::test]
async fn a_code_url_that_stays_expired_is_an_error_after_one_refresh() {
    let (server, outcome) = scan_with_code_answers(|_| vec![Canned::status(403)]).await;
    let err = outcome.unwrap_err();
    assert!(
        matches!(
            &err,
            FetchError::Download {
                source: DownloadError::Expired,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.hits(FUNCTION_PATH), 2);
}

#[tokio::test]
async fn a_checksum_mismatch_is_an_error() {
    let server = Scripted::start();
    let code = plain_function(&server);
    let other = sha256_base64(b"other bytes");
    server.route(
        FUNCTION_PATH,
        vec![get_function(&server, &other, &[], "Zip")],
    );
    let err = scan_app(&server).await.unwrap_err();
    match err {
        FetchError::Download {
            subject,
            source: DownloadError::Checksum { expected, actual },
        } => {
            assert_eq!(subject, app_latest());
            assert_eq!(expected, other);
            assert_eq!(actual, sha256_base64(&code));
        }
        other => panic!("expected a checksum error, got {other:?}"),
    }
}

#[tokio::test]
async fn downloads_are_capped_with_or_without_a_content_length() {
    for no_length in [false, true] {
        let server = Scripted::start();
        let code = plain_function(&server);
        let mut answer = Canned::ok(code);
        answer.no_length = no_length;
        server.route(CODE_PATH, vec![answer]);
        let err = scanner(&server, 100_000)
            .await
            .scan_function("app", None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                &err,
                FetchError::Download {
                    source: DownloadError::TooLarge { limit: 100_000 },
                    ..
                }
            ),
            "no_length={no_length}: {err:?}"
        );
        assert_eq!(server.hits(CODE_PATH), 1, "a size error is not retried");
    }
}

#[tokio::test]
async fn a_function_deleted_before_the_scan_is_gone() {
    let server = Scripted::start();
    server.route(
        FUNCTION_PATH,
        vec![Canned::aws_error(
            404,
            "ResourceNotFoundException",
            "Function not found",
        )],
    );
    let outcome = scan_app(&server).await;
    match outcome {
        Ok(ScanOutcome::Gone { subject, detail }) => {
            assert_eq!(subject, "app");
            assert_eq!(detail, "the function no longer exists");
        }
        other => panic!("expected gone, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deleted_layer_version_still_attached_leaves_a_gap_and_the_function_scanned() {
    let server = Scripted::start();
    deploy_function(&server, &[layer_arn()]);
    let missing = Canned::aws_error(404, "ResourceNotFoundException", "Layer version not found");
    server.route(BY_ARN_PATH, vec![missing.clone()]);
    server.route(&layer_version_path(), vec![missing]);
    let outcome = scan_app(&server).await;
    let Ok(ScanOutcome::Scanned(scanned)) = outcome else {
        panic!("expected the function scanned, got {outcome:?}");
    };
    assert_eq!(scanned.subject, app_latest());
    assert_eq!(
        scanned.layers,
        vec![layer_arn()],
        "the layer is still attached"
    );
    assert!(
        !scanned.inventory.packages.is_empty(),
        "the function's own code is scanned"
    );
    let gaps: Vec<(String, String)> = scanned
        .inventory
        .gaps()
        .map(|(artifact, gap)| (artifact.to_string(), gap.reason.clone()))
        .collect();
    assert_eq!(gaps, vec![(layer_arn(), DELETED_LAYER_REASON.to_string())]);
    assert!(
        server.hits(BY_ARN_PATH) >= 1,
        "GetLayerVersionByArn was asked first"
    );
}

#[tokio::test]
async fn get_layer_version_by_arn_failing_falls_back_to_get_layer_version() {
    let server = Scripted::start();
    deploy_function(&server, &[layer_arn()]);
    let layer = corpus_bytes("node-layer.zip");
    server.route(
        BY_ARN_PATH,
        vec![Canned::aws_error(500, "ServiceException", "internal error")],
    );
    server.route(
        &layer_version_path(),
        vec![layer_version(&server, &sha256_base64(&layer))],
    );
    server.route(LAYER_CODE_PATH, vec![Canned::ok(layer)]);
    let scanner = scanner(&server, 1 << 30).await;
    let outcome = scanner.scan_function("app", None).await;
    let Ok(ScanOutcome::Scanned(scanned)) = outcome else {
        panic!("expected a scan, got {outcome:?}");
    };
    assert_eq!(scanned.layers, vec![layer_arn()]);
    let names: Vec<&str> = scanned
        .inventory
        .artifacts
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, vec![app_latest(), layer_arn()]);
    assert_eq!(server.hits(BY_ARN_PATH), 1);
    assert_eq!(server.hits(&layer_version_path()), 1);
    assert_eq!(scanner.layer_cache().downloads(), 1);
}

#[tokio::test]
async fn container_image_functions_are_reported_not_scanned() {
    let server = Scripted::start();
    server.route(
        FUNCTION_PATH,
        vec![get_function(&server, &sha256_base64(b"x"), &[], "Image")],
    );
    let outcome = scan_app(&server).await;
    match outcome {
        Ok(ScanOutcome::NotScanned { subject, reason }) => {
            assert_eq!(subject, app_latest());
            assert_eq!(reason, "image package");
        }
        other => panic!("expected not scanned, got {other:?}"),
    }
    assert_eq!(server.hits(CODE_PATH), 0);
}

#[tokio::test]
async fn the_function_listing_follows_every_page() {
    let server = Scripted::start();
    let page = |names: &[&str], marker: Option<&str>| {
        let mut v = json!({
            "Functions": names.iter().map(|n| json!({
                "FunctionName": n,
                "FunctionArn": format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{n}"),
            })).collect::<Vec<_>>(),
        });
        if let Some(m) = marker {
            v["NextMarker"] = m.into();
        }
        Canned::json(200, &v)
    };
    server.route(
        "/2015-03-31/functions",
        vec![
            page(&["a", "b"], Some("page-2")),
            page(&["c"], Some("page-3")),
            page(&["d"], None),
        ],
    );
    let arns = lambda_audit_layers::aws::account::list_functions(&lambda(&server).await)
        .await
        .unwrap();
    let names: Vec<&str> = arns.iter().map(|a| a.rsplit(':').next().unwrap()).collect();
    assert_eq!(names, vec!["a", "b", "c", "d"]);
    let queries = server.queries("/2015-03-31/functions");
    assert_eq!(queries.len(), 3);
    assert!(!queries[0].contains("Marker="), "{queries:?}");
    assert!(queries[1].contains("Marker=page-2"), "{queries:?}");
    assert!(queries[2].contains("Marker=page-3"), "{queries:?}");
}
