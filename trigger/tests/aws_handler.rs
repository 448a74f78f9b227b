//! The trigger handler end to end against moto: CloudTrail-shaped events in,
//! scans of the deployed code, and results in every sink: EventBridge (read
//! back through an SQS target), Security Hub (GetFindings) and the S3 report
//! store; then a database change re-matches the stored inventories without
//! downloading code again, and deletes close findings.
//!
//! The advisory database is a small OSV zip written by the test (one advisory
//! per package name), so the sinks can be checked on exact findings. Every
//! scan is recorded into a findings store (SQLite in a temporary folder)
//! before anything is published.

mod support;

use lambda_audit_trigger::database::{osv_loader, DatabaseSource};
use lambda_audit_trigger::sinks::SinkConfig;
use lambda_audit_trigger::store::StoreConfig;
use lambda_audit_trigger::{Handler, HandlerConfig};
use layers::aws::download::sha256_hex;
use layers::aws::{config, AwsOptions, CodeUrlRewrite};
use serde_json::{json, Value};
use support::{audit_bus_to_queue, cloudtrail, detail_types, osv_zip};
use testkit::aws::{World, ACCOUNT, REGION};
use testkit::{corpus_bytes, fixtures};

const AXIOS: (&str, &str, &str) = ("LAMBDA-AUDIT-TEST-AXIOS", "axios", "HIGH");
const DOT_PROP: (&str, &str, &str) = ("LAMBDA-AUDIT-TEST-DOT-PROP", "dot-prop", "CRITICAL");

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

async fn put_db(s3: &aws_sdk_s3::Client, advisories: &[(&str, &str, &str)], modified: &str) {
    s3.put_object()
        .bucket("advisories")
        .key("db/all.zip")
        .body(osv_zip(advisories, modified).into())
        .send()
        .await
        .unwrap();
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
    put_db(&s3, &[AXIOS], "2026-11-01T00:00:00Z").await;
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    audit_bus_to_queue(&events, &moto).await;

    let work = tempfile::tempdir().unwrap();
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
        findings_store: work.path().join("findings.sqlite").display().to_string(),
        suppressions: None,
        database: DatabaseSource::S3 {
            bucket: "advisories".into(),
            key: "db/all.zip".into(),
        },
        code_rewrite: CodeUrlRewrite::Mirror {
            base: mirror.base.clone(),
        },
        max_download_bytes: 1 << 30,
        work_dir: work.path().to_path_buf(),
        fanout_queue: None,
        signals: Default::default(),
    };
    let handler = Handler::new(config, osv_loader(work.path().join("index")))
        .await
        .unwrap();
    let subject = format!("{}:$LATEST", function_arn("node-app"));

    // 1. UpdateFunctionCode: scanned, one finding, new.
    let answer = handler.handle(&code_updated("node-app")).await.unwrap();
    assert_eq!(
        answer,
        json!({"action": "scan", "published": 1, "morePending": false, "results": [{
            "subject": subject, "kind": "function", "status": "scanned", "reason": null,
            "cause": "UpdateFunctionCode20150331v2", "findings": 1, "newFindings": 1,
            "reopenedFindings": 0, "resolvedFindings": 0, "incomplete": [],
            "report": "s3://reports/lambda-audit/reports/us-east-1/123456789012/function/node-app/$LATEST.json",
        }]})
    );
    let published = moto.drain_queue("audit-events");
    assert_eq!(
        detail_types(&published),
        vec!["Lambda Audit New Finding", "Lambda Audit Scan Result"]
    );
    let scan = &published[1]["detail"];
    assert_eq!(scan["schemaVersion"], "1");
    assert_eq!(scan["subject"], subject.as_str());
    assert_eq!(scan["status"], "scanned");
    assert_eq!(scan["summary"]["findings"], 1);
    assert_eq!(scan["newFindings"], 1);
    assert_eq!(
        scan["layers"],
        json!([seeded["layers"]["node-deps"]["arn"]])
    );
    let finding = &published[0]["detail"];
    assert_eq!(finding["id"], AXIOS.0);
    assert_eq!(finding["package"]["purl"], "pkg:npm/axios@0.21.0");
    assert_eq!(finding["severity"]["rating"], "high");
    assert_eq!(finding["transition"], "new");
    assert_eq!(finding["status"], "ACTIVE");
    assert_eq!(
        finding["layer"],
        Value::Null,
        "the function's own code has axios"
    );
    assert_eq!(finding["eventId"].as_str().unwrap().len(), 32);
    let first_observed = finding["firstObservedAt"].as_str().unwrap().to_string();
    assert_eq!(published[0]["resources"], json!([subject]));

    let hub = aws_sdk_securityhub::Client::new(&sdk);
    let found = hub.get_findings().send().await.unwrap();
    let ids: Vec<&str> = found.findings().iter().filter_map(|f| f.id()).collect();
    let axios_id = format!("{subject}/{}/pkg:npm/axios@0.21.0", AXIOS.0);
    assert_eq!(ids, vec![axios_id.as_str()]);
    let f = &found.findings()[0];
    assert_eq!(f.generator_id(), Some("lambda-audit"));
    assert_eq!(
        f.severity().and_then(|s| s.label()).map(|l| l.as_str()),
        Some("HIGH")
    );
    assert_eq!(f.resources()[0].r#type(), Some("AwsLambdaFunction"));
    assert_eq!(f.resources()[0].id(), Some(subject.as_str()));
    assert_eq!(f.created_at(), Some(first_observed.as_str()));

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
    assert_eq!(answer["published"], 0);
    assert_eq!(
        detail_types(&moto.drain_queue("audit-events")),
        vec!["Lambda Audit Scan Result"]
    );

    // 3. The database object changes: stored inventories are re-matched from
    // the findings store, no code downloaded.
    let downloads = mirror.hits(&format!("/{}", sha256_hex(&corpus_bytes("node-basic.zip"))));
    put_db(&s3, &[AXIOS, DOT_PROP], "2026-11-02T00:00:00Z").await;
    let mut changed = cloudtrail("s3-object-created.json");
    changed["detail"]["bucket"]["name"] = "advisories".into();
    changed["detail"]["object"]["key"] = "db/all.zip".into();
    let answer = handler.handle(&changed).await.unwrap();
    assert_eq!(answer["action"], "rescan");
    assert_eq!(answer["cause"], "database-updated");
    assert_eq!(answer["subjects"], 1);
    assert_eq!(answer["newFindings"], 1);
    assert_eq!(answer["activeFindings"], 2);
    assert_eq!(answer["published"], 1);
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["subject"], subject.as_str());
    assert_eq!(results[0]["newFindings"], 1);
    assert_eq!(
        mirror.hits(&format!("/{}", sha256_hex(&corpus_bytes("node-basic.zip")))),
        downloads
    );
    let published = moto.drain_queue("audit-events");
    assert_eq!(detail_types(&published), vec!["Lambda Audit New Finding"]);
    let dot_prop = &published[0]["detail"];
    assert_eq!(dot_prop["id"], DOT_PROP.0);
    assert_eq!(dot_prop["severity"]["rating"], "critical");
    let layer = seeded["layers"]["node-deps"]["arn"].as_str().unwrap();
    assert_eq!(dot_prop["layer"], layer, "dot-prop comes from the layer");

    // Another object in the database bucket is not the database.
    changed["detail"]["object"]["key"] = "db/readme.txt".into();
    let answer = handler.handle(&changed).await.unwrap();
    assert_eq!(answer["action"], "ignored");

    // 4. A new layer version is scanned alone.
    let mut published_layer = cloudtrail("publish-layer-version.json");
    published_layer["detail"]["responseElements"]["layerVersionArn"] = layer.into();
    let answer = handler.handle(&published_layer).await.unwrap();
    assert_eq!(answer["results"][0]["subject"], layer);
    assert_eq!(answer["results"][0]["kind"], "layer");
    assert_eq!(answer["results"][0]["findings"], 1);
    let published = moto.drain_queue("audit-events");
    assert_eq!(published[0]["detail"]["kind"], "layer");
    assert_eq!(published[0]["detail"]["id"], DOT_PROP.0);
    assert_eq!(published[1]["detail"]["kind"], "layer");

    // 5. The layer version is deleted: its own findings close (the function
    // that uses it keeps it, and its findings).
    let mut layer_deleted = cloudtrail("delete-layer-version.json");
    let parsed = layers::aws::arn::LayerVersionArn::parse(layer).unwrap();
    layer_deleted["detail"]["requestParameters"]["layerName"] = parsed.name.clone().into();
    layer_deleted["detail"]["requestParameters"]["versionNumber"] = parsed.version.into();
    let answer = handler.handle(&layer_deleted).await.unwrap();
    assert_eq!(answer["action"], "delete");
    assert_eq!(answer["results"][0]["subject"], layer);
    assert_eq!(answer["results"][0]["status"], "gone");
    assert_eq!(answer["results"][0]["resolvedFindings"], 1);
    let published = moto.drain_queue("audit-events");
    assert_eq!(
        detail_types(&published),
        vec!["Lambda Audit Finding Closed", "Lambda Audit Scan Result"]
    );
    assert_eq!(published[0]["detail"]["subject"], layer);
    assert_eq!(published[0]["detail"]["closeReason"], "function_deleted");
    assert_eq!(published[0]["detail"]["status"], "CLOSED");

    // 6. The function is deleted: its findings close, in Security Hub too.
    let mut function_deleted = cloudtrail("delete-function.json");
    function_deleted["detail"]["requestParameters"]["functionName"] = "node-app".into();
    let answer = handler.handle(&function_deleted).await.unwrap();
    assert_eq!(answer["results"][0]["subject"], subject.as_str());
    assert_eq!(answer["results"][0]["resolvedFindings"], 2);
    let published = moto.drain_queue("audit-events");
    assert_eq!(
        detail_types(&published),
        vec![
            "Lambda Audit Finding Closed",
            "Lambda Audit Finding Closed",
            "Lambda Audit Scan Result"
        ]
    );
    let found = hub.get_findings().send().await.unwrap();
    let axios = found
        .findings()
        .iter()
        .find(|f| f.id() == Some(axios_id.as_str()))
        .expect("the axios finding");
    assert_eq!(axios.record_state().map(|s| s.as_str()), Some("ARCHIVED"));
    assert_eq!(
        axios
            .workflow()
            .and_then(|w| w.status())
            .map(|s| s.as_str()),
        Some("RESOLVED")
    );
    assert_eq!(axios.created_at(), Some(first_observed.as_str()));
    // Deleting it again closes nothing more.
    let answer = handler.handle(&function_deleted).await.unwrap();
    assert_eq!(answer["results"], json!([]));
    assert!(moto.drain_queue("audit-events").is_empty());

    // 7. A function deleted between the event and the scan: a "gone" result, published.
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

    // 8. An image function: not scanned, said so.
    let answer = handler
        .handle(&json!({"functionArn": function_arn("image-app")}))
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["status"], "not_scanned");
    assert_eq!(answer["results"][0]["reason"], "not scanned: image package");
    moto.drain_queue("audit-events");

    // 9. Events to ignore publish nothing.
    let answer = handler
        .handle(&cloudtrail("update-function-configuration-no-layers.json"))
        .await
        .unwrap();
    assert_eq!(answer["action"], "ignored");
    assert!(moto.drain_queue("audit-events").is_empty());
}

/// A handler without sinks, the OSV database at `db` (as a database layer
/// mounts it), recording into the findings store at `findings`.
async fn path_handler(
    moto: &testkit::aws::Moto,
    mirror: &testkit::aws::Scripted,
    db: &std::path::Path,
    findings: &std::path::Path,
    work: &std::path::Path,
) -> Handler {
    let config = HandlerConfig {
        aws: AwsOptions {
            region: Some(REGION.into()),
            endpoint_url: Some(moto.endpoint.clone()),
        },
        sinks: SinkConfig::default(),
        store: None,
        findings_store: findings.display().to_string(),
        suppressions: None,
        database: DatabaseSource::Path(db.to_path_buf()),
        code_rewrite: CodeUrlRewrite::Mirror {
            base: mirror.base.clone(),
        },
        max_download_bytes: 1 << 30,
        work_dir: work.to_path_buf(),
        fanout_queue: None,
        signals: Default::default(),
    };
    Handler::new(config, osv_loader(work.join("index")))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handler_matches_with_the_osv_database_from_a_path() {
    let Some(World { moto, mirror, .. }) = World::start() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let findings = work.path().join("findings.sqlite");
    // As a Lambda layer would mount it (here: the test record's path).
    let db = fixtures().join("osv/axios-before-0.21.1.json");
    let handler = path_handler(&moto, &mirror, &db, &findings, work.path()).await;
    let answer = handler
        .handle(&json!({"functionArn": function_arn("node-app")}))
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["status"], "scanned");
    assert_eq!(answer["results"][0]["findings"], 1);
    assert_eq!(answer["results"][0]["newFindings"], 1);
    assert_eq!(answer["results"][0]["report"], Value::Null);
    assert!(answer.get("databaseChanged").is_none());
    // Without the S3 report store, the findings store holds the inventories.
    let answer = handler.handle(&json!({"action": "rescan"})).await.unwrap();
    assert_eq!(answer["subjects"], 1);
    assert_eq!(answer["newFindings"], 0);
    assert_eq!(answer["activeFindings"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_database_layer_starts_a_rescan_at_the_first_event() {
    let Some(World { moto, mirror, .. }) = World::start() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let findings = work.path().join("findings.sqlite");
    let old_db = work.path().join("layer-v1.zip");
    std::fs::write(&old_db, osv_zip(&[AXIOS], "2026-11-01T00:00:00Z")).unwrap();
    let handler = path_handler(&moto, &mirror, &old_db, &findings, work.path()).await;
    let answer = handler
        .handle(&json!({"functionArn": function_arn("node-app")}))
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["findings"], 1);
    drop(handler);

    // A new container with a new database layer version: the first event
    // (about anything) finds the database changed and rescans first.
    let new_db = work.path().join("layer-v2.zip");
    std::fs::write(&new_db, osv_zip(&[AXIOS, DOT_PROP], "2026-11-02T00:00:00Z")).unwrap();
    let handler = path_handler(&moto, &mirror, &new_db, &findings, work.path()).await;
    let answer = handler
        .handle(&json!({"functionArn": function_arn("image-app")}))
        .await
        .unwrap();
    let rescan = &answer["databaseChanged"];
    assert_eq!(rescan["cause"], "database-changed");
    assert_eq!(rescan["subjects"], 1);
    assert_eq!(rescan["newFindings"], 1, "dot-prop, from the new database");
    assert_eq!(answer["results"][0]["status"], "not_scanned");
    // Checked once per loaded database.
    let answer = handler
        .handle(&json!({"functionArn": function_arn("image-app")}))
        .await
        .unwrap();
    assert!(answer.get("databaseChanged").is_none());

    // The same database in another container: nothing to rescan.
    drop(handler);
    let handler = path_handler(&moto, &mirror, &new_db, &findings, work.path()).await;
    let answer = handler
        .handle(&json!({"functionArn": function_arn("image-app")}))
        .await
        .unwrap();
    assert!(answer.get("databaseChanged").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppressed_findings_are_suppressed_in_security_hub_until_the_rule_goes() {
    let Some(World { moto, mirror, .. }) = World::start() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.zip");
    std::fs::write(&db, osv_zip(&[AXIOS, DOT_PROP], "2026-11-01T00:00:00Z")).unwrap();
    let rules = work.path().join("lambda-audit.toml");
    std::fs::write(
        &rules,
        format!(
            "[[ignore]]\nid = \"{}\"\nreason = \"the template helper is never reached\"\n",
            DOT_PROP.0
        ),
    )
    .unwrap();
    let config = |suppressions: Option<std::path::PathBuf>| HandlerConfig {
        aws: AwsOptions {
            region: Some(REGION.into()),
            endpoint_url: Some(moto.endpoint.clone()),
        },
        sinks: SinkConfig {
            event_bus: None,
            security_hub: true,
        },
        store: None,
        findings_store: work.path().join("findings.sqlite").display().to_string(),
        suppressions,
        database: DatabaseSource::Path(db.clone()),
        code_rewrite: CodeUrlRewrite::Mirror {
            base: mirror.base.clone(),
        },
        max_download_bytes: 1 << 30,
        work_dir: work.path().to_path_buf(),
        fanout_queue: None,
        signals: Default::default(),
    };
    let hub = aws_sdk_securityhub::Client::new(
        &config::load(
            &AwsOptions {
                region: Some(REGION.into()),
                endpoint_url: Some(moto.endpoint.clone()),
            },
            None,
        )
        .await,
    );
    let workflow = |found: &aws_sdk_securityhub::operation::get_findings::GetFindingsOutput,
                    advisory: &str| {
        let f = found
            .findings()
            .iter()
            .find(|f| f.id().is_some_and(|id| id.contains(advisory)))
            .unwrap_or_else(|| panic!("no finding for {advisory}"));
        (
            f.record_state().map(|s| s.as_str().to_string()),
            f.workflow()
                .and_then(|w| w.status())
                .map(|s| s.as_str().to_string()),
        )
    };

    let handler = Handler::new(config(Some(rules)), osv_loader(work.path().join("index")))
        .await
        .unwrap();
    let answer = handler
        .handle(&json!({"functionArn": function_arn("node-app")}))
        .await
        .unwrap();
    assert_eq!(answer["published"], 2);
    let found = hub.get_findings().send().await.unwrap();
    let active = (Some("ACTIVE".to_string()), Some("NEW".to_string()));
    assert_eq!(workflow(&found, AXIOS.0), active);
    assert_eq!(
        workflow(&found, DOT_PROP.0),
        (Some("ACTIVE".into()), Some("SUPPRESSED".into()))
    );
    drop(handler);

    // The rule is removed: the next rescan unsuppresses the finding.
    let handler = Handler::new(config(None), osv_loader(work.path().join("index")))
        .await
        .unwrap();
    let answer = handler.handle(&json!({"action": "rescan"})).await.unwrap();
    assert_eq!(answer["unsuppressedFindings"], 1);
    let found = hub.get_findings().send().await.unwrap();
    assert_eq!(workflow(&found, DOT_PROP.0), active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_whose_layer_version_was_deleted_is_scanned_without_it() {
    let Some(World {
        moto,
        mirror,
        seeded,
    }) = World::start()
    else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.zip");
    std::fs::write(&db, osv_zip(&[AXIOS, DOT_PROP], "2026-11-01T00:00:00Z")).unwrap();
    let layer = seeded["layers"]["node-deps"]["arn"].as_str().unwrap();
    let parsed = layers::aws::arn::LayerVersionArn::parse(layer).unwrap();
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(moto.endpoint.clone()),
    };
    config::lambda(&config::load(&options, None).await)
        .delete_layer_version()
        .layer_name(&parsed.name)
        .version_number(parsed.version)
        .send()
        .await
        .unwrap();
    let handler = path_handler(
        &moto,
        &mirror,
        &db,
        &work.path().join("f.sqlite"),
        work.path(),
    )
    .await;
    let answer = handler
        .handle(&json!({"functionArn": function_arn("node-app")}))
        .await
        .unwrap();
    let result = &answer["results"][0];
    assert_eq!(result["status"], "scanned", "{answer}");
    assert_eq!(result["findings"], 1, "axios in the function's own code");
    assert_eq!(
        result["incomplete"],
        json!([{"artifact": layer, "path": "", "reason": layers::aws::DELETED_LAYER_REASON}])
    );
}
