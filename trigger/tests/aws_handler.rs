//! The trigger handler end to end against moto: CloudTrail-shaped events in,
//! scans of the deployed code, and results in every sink: EventBridge (read
//! back through an SQS target), Security Hub (GetFindings) and the S3 report
//! store; then a database change re-matches the stored inventories without
//! downloading code again.
//!
//! The advisory database here is a small test matcher (package name → advisory)
//! so the sinks can be checked on exact findings; the real database is the
//! matching engine's concern.

mod support;

use analyzer::findings::{
    DatabaseInfo, DatabaseOrigin, Finding, Rating, ScanReport, Severity, Status, Summary,
};
use analyzer::inventory::Inventory;
use lambda_audit_trigger::database::{osv_loader, DatabaseSource, LoadMatcher, Matcher};
use lambda_audit_trigger::sinks::SinkConfig;
use lambda_audit_trigger::store::StoreConfig;
use lambda_audit_trigger::{Handler, HandlerConfig};
use layers::aws::download::sha256_hex;
use layers::aws::{config, AwsOptions, CodeUrlRewrite};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use support::{cloudtrail, route_to_queue};
use testkit::aws::{World, ACCOUNT, REGION};
use testkit::{corpus_bytes, fixtures};

/// Flags every package whose name the database lists.
struct NameMatcher {
    rules: Vec<(String, String, Rating)>,
}

impl Matcher for NameMatcher {
    fn report(&self, inventory: Inventory) -> ScanReport {
        let mut findings = Vec::new();
        for p in &inventory.packages {
            for (id, name, rating) in &self.rules {
                if &p.name == name {
                    findings.push(Finding {
                        id: id.clone(),
                        aliases: vec![format!("CVE-{id}")],
                        summary: format!("test advisory for {name}"),
                        severity: Severity {
                            rating: *rating,
                            score: None,
                            vector: None,
                            source: "database_label".into(),
                        },
                        package: p.into(),
                        locations: p.locations.clone(),
                        fixed_version: Some("99.0.0".into()),
                        references: vec!["https://example.invalid/advisory".into()],
                        status: Status::Open,
                        suppressed_reason: None,
                        loaded: true,
                        priority: Default::default(),
                    });
                }
            }
        }
        let summary = Summary {
            packages: inventory.packages.len(),
            findings: findings.len(),
            ..Summary::default()
        };
        ScanReport {
            inventory,
            database: DatabaseInfo {
                source: DatabaseOrigin::Path,
                records: self.rules.len(),
                ..DatabaseInfo::default()
            },
            findings,
            unmatched: Vec::new(),
            summary,
            exposure: None,
        }
    }
}

fn load_matcher() -> LoadMatcher {
    Arc::new(|path: &Path| {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let rules: Vec<(String, String, String)> =
            serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let rules = rules
            .into_iter()
            .map(|(id, name, rating)| {
                let rating = match rating.as_str() {
                    "critical" => Rating::Critical,
                    "high" => Rating::High,
                    _ => Rating::Medium,
                };
                (id, name, rating)
            })
            .collect();
        Ok(Arc::new(NameMatcher { rules }) as Arc<dyn Matcher>)
    })
}

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

/// A CloudTrail UpdateFunctionCode event for a function of the test world.
fn code_updated(name: &str) -> Value {
    let mut e = cloudtrail("update-function-code.json");
    e["detail"]["requestParameters"]["functionName"] = name.into();
    e["detail"]["responseElements"]["functionName"] = name.into();
    e["detail"]["responseElements"]["functionArn"] = function_arn(name).into();
    e
}

async fn put_db(s3: &aws_sdk_s3::Client, rules: &Value) {
    s3.put_object()
        .bucket("advisories")
        .key("db/rules.json")
        .body(rules.to_string().into_bytes().into())
        .send()
        .await
        .unwrap();
}

fn detail_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_handler_scans_publishes_and_rescans() {
    // Security Hub's GetFindings answer deserialises into very large structs:
    // debug builds need more than the default 2 MiB test thread stack for it.
    std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(handler_end_to_end())
        })
        .unwrap()
        .join()
        .unwrap();
}

async fn handler_end_to_end() {
    let Some(World {
        moto,
        mirror,
        seeded,
    }) = World::start()
    else {
        return;
    };
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(moto.endpoint.clone()),
    };
    let sdk = config::load(&options, None).await;
    let s3 = lambda_audit_trigger::clients::s3(&sdk);
    for bucket in ["reports", "advisories"] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
    }
    put_db(&s3, &json!([["GHSA-test-axios", "axios", "high"]])).await;
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    events
        .create_event_bus()
        .name("audit")
        .send()
        .await
        .unwrap();
    let queue = moto.create_queue("audit-events");
    route_to_queue(
        &events,
        Some("audit"),
        "to-queue",
        r#"{"source": ["lambda-audit"]}"#,
        queue,
    )
    .await;

    let work = std::env::temp_dir().join(format!("lambda-audit-handler-{}", std::process::id()));
    let config = HandlerConfig {
        aws: options.clone(),
        sinks: SinkConfig {
            event_bus: Some("audit".into()),
            security_hub: true,
        },
        store: Some(StoreConfig {
            bucket: "reports".into(),
            prefix: "lambda-audit/".into(),
        }),
        database: DatabaseSource::S3 {
            bucket: "advisories".into(),
            key: "db/rules.json".into(),
        },
        code_rewrite: CodeUrlRewrite::Mirror {
            base: mirror.base.clone(),
        },
        max_download_bytes: 1 << 30,
        work_dir: work.clone(),
    };
    let handler = Handler::new(config, load_matcher()).await.unwrap();
    let subject = format!("{}:$LATEST", function_arn("node-app"));

    // 1. UpdateFunctionCode: scanned, one finding, new.
    let answer = handler.handle(&code_updated("node-app")).await.unwrap();
    assert_eq!(
        answer,
        json!({"action": "scan", "results": [{
            "subject": subject, "kind": "function", "status": "scanned", "reason": null,
            "cause": "UpdateFunctionCode20150331v2", "findings": 1, "newFindings": 1,
            "resolvedFindings": 0,
            "report": "s3://reports/lambda-audit/reports/us-east-1/123456789012/function/node-app/$LATEST.json",
        }]})
    );
    let published = moto.drain_queue("audit-events");
    assert_eq!(
        detail_types(&published),
        vec!["Lambda Audit Scan Result", "Lambda Audit New Finding"]
    );
    let scan = &published[0]["detail"];
    assert_eq!(scan["schemaVersion"], "1");
    assert_eq!(scan["subject"], subject.as_str());
    assert_eq!(scan["status"], "scanned");
    assert_eq!(scan["summary"]["findings"], 1);
    assert_eq!(scan["newFindings"], 1);
    assert_eq!(
        scan["layers"],
        json!([seeded["layers"]["node-deps"]["arn"]])
    );
    let finding = &published[1]["detail"];
    assert_eq!(finding["id"], "GHSA-test-axios");
    assert_eq!(finding["package"]["purl"], "pkg:npm/axios@0.21.0");
    assert_eq!(finding["severity"]["rating"], "high");
    assert_eq!(published[1]["resources"], json!([subject]));

    let hub = aws_sdk_securityhub::Client::new(&sdk);
    let found = hub.get_findings().send().await.unwrap();
    let ids: Vec<&str> = found.findings().iter().filter_map(|f| f.id()).collect();
    assert_eq!(
        ids,
        vec![format!("{subject}/GHSA-test-axios/pkg:npm/axios@0.21.0")]
    );
    let f = &found.findings()[0];
    assert_eq!(f.generator_id(), Some("lambda-audit"));
    assert_eq!(
        f.severity().and_then(|s| s.label()).map(|l| l.as_str()),
        Some("HIGH")
    );
    assert_eq!(f.resources()[0].r#type(), Some("AwsLambdaFunction"));
    assert_eq!(f.resources()[0].id(), Some(subject.as_str()));

    let stored = s3
        .get_object()
        .bucket("reports")
        .key("lambda-audit/inventories/us-east-1/123456789012/function/node-app/$LATEST.json")
        .send()
        .await
        .unwrap();
    let stored: Value =
        serde_json::from_slice(&stored.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(stored["subject"], subject.as_str());
    assert_eq!(stored["kind"], "function");

    // 2. The same deployment again: nothing new, one scan event.
    let answer = handler.handle(&code_updated("node-app")).await.unwrap();
    assert_eq!(answer["results"][0]["newFindings"], 0);
    assert_eq!(
        detail_types(&moto.drain_queue("audit-events")),
        vec!["Lambda Audit Scan Result"]
    );

    // 3. The database object changes: stored inventories are re-matched, no code downloaded.
    let downloads = mirror.hits(&format!("/{}", sha256_hex(&corpus_bytes("node-basic.zip"))));
    put_db(
        &s3,
        &json!([
            ["GHSA-test-axios", "axios", "high"],
            ["GHSA-test-dot-prop", "dot-prop", "critical"]
        ]),
    )
    .await;
    let mut changed = cloudtrail("s3-object-created.json");
    changed["detail"]["bucket"]["name"] = "advisories".into();
    changed["detail"]["object"]["key"] = "db/rules.json".into();
    let answer = handler.handle(&changed).await.unwrap();
    assert_eq!(answer["action"], "rescan");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["subject"], subject.as_str());
    assert_eq!(results[0]["cause"], "database-updated");
    assert_eq!(results[0]["findings"], 2);
    assert_eq!(results[0]["newFindings"], 1);
    assert_eq!(
        mirror.hits(&format!("/{}", sha256_hex(&corpus_bytes("node-basic.zip")))),
        downloads
    );
    let published = moto.drain_queue("audit-events");
    assert_eq!(
        detail_types(&published),
        vec!["Lambda Audit Scan Result", "Lambda Audit New Finding"]
    );
    assert_eq!(published[1]["detail"]["id"], "GHSA-test-dot-prop");
    assert_eq!(published[1]["detail"]["severity"]["rating"], "critical");

    // Another object in the database bucket is not the database.
    changed["detail"]["object"]["key"] = "db/readme.txt".into();
    let answer = handler.handle(&changed).await.unwrap();
    assert_eq!(answer["action"], "ignored");

    // 4. A new layer version is scanned alone.
    let layer = seeded["layers"]["node-deps"]["arn"].as_str().unwrap();
    let mut published_layer = cloudtrail("publish-layer-version.json");
    published_layer["detail"]["responseElements"]["layerVersionArn"] = layer.into();
    let answer = handler.handle(&published_layer).await.unwrap();
    assert_eq!(answer["results"][0]["subject"], layer);
    assert_eq!(answer["results"][0]["kind"], "layer");
    assert_eq!(answer["results"][0]["findings"], 1);
    let published = moto.drain_queue("audit-events");
    assert_eq!(published[0]["detail"]["kind"], "layer");
    assert_eq!(published[1]["detail"]["id"], "GHSA-test-dot-prop");

    // 5. A function deleted between the event and the scan: a "gone" result, published.
    let answer = handler
        .handle(&code_updated("no-such-function"))
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["status"], "gone");
    assert_eq!(
        answer["results"][0]["reason"],
        "gone: the function no longer exists"
    );
    let published = moto.drain_queue("audit-events");
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["detail"]["status"], "gone");

    // 6. An image function: not scanned, said so.
    let answer = handler
        .handle(&json!({"functionArn": function_arn("image-app")}))
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["status"], "not_scanned");
    assert_eq!(answer["results"][0]["reason"], "not scanned: image package");
    moto.drain_queue("audit-events");

    // 7. Events to ignore publish nothing.
    let answer = handler
        .handle(&cloudtrail("update-function-configuration-no-layers.json"))
        .await
        .unwrap();
    assert_eq!(answer["action"], "ignored");
    assert!(moto.drain_queue("audit-events").is_empty());
    let _ = std::fs::remove_dir_all(work);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handler_matches_with_the_osv_database_from_a_path() {
    let Some(World { moto, mirror, .. }) = World::start() else {
        return;
    };
    let work = std::env::temp_dir().join(format!("lambda-audit-osv-{}", std::process::id()));
    let config = HandlerConfig {
        aws: AwsOptions {
            region: Some(REGION.into()),
            endpoint_url: Some(moto.endpoint.clone()),
        },
        sinks: SinkConfig::default(),
        store: None,
        // As a Lambda layer would mount it (here: the test record's path).
        database: DatabaseSource::Path(fixtures().join("osv/axios-before-0.21.1.json")),
        code_rewrite: CodeUrlRewrite::Mirror {
            base: mirror.base.clone(),
        },
        max_download_bytes: 1 << 30,
        work_dir: work.clone(),
    };
    let handler = Handler::new(config, osv_loader(work.join("index")))
        .await
        .unwrap();
    let answer = handler
        .handle(&json!({"functionArn": function_arn("node-app")}))
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["status"], "scanned");
    assert_eq!(answer["results"][0]["findings"], 1);
    assert_eq!(answer["results"][0]["newFindings"], 1);
    assert_eq!(answer["results"][0]["report"], Value::Null);
    // Without the S3 store there is nothing to re-match.
    let err = handler
        .handle(&json!({"action": "rescan"}))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "rescan needs the S3 report store (LAMBDA_AUDIT_REPORT_BUCKET)"
    );
    let _ = std::fs::remove_dir_all(work);
}
