//! The SQS fan-out against moto's SQS and DynamoDB: a rescan enqueues its
//! subjects ten to a message; the handler's consumer, driven with the
//! messages as the event source mapping would deliver them, rescans each
//! message's subjects into the DynamoDB findings store and reports the
//! message whose subject cannot be rescanned in `batchItemFailures`. And the
//! template wires queue, dead-letter queue and event source mapping that way.

use analyzer::advisories::Database;
use lambda_audit_trigger::database::{Matcher, OsvMatcher};
use lambda_audit_trigger::fanout::{self, WorkKind, RESCAN_SUBJECTS_PER_MESSAGE};
use serde_json::{json, Value};
use std::sync::Arc;
use store::{FindingStore, ScanReason};
use store_dynamodb::DynamoStore;
use testkit::aws::{Moto, ACCOUNT, REGION};
use testkit::store_conformance::{day, report, subject};

const GOOD: usize = 12;

fn function(i: usize) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:f{i:02}:1")
}

/// A subject key that sorts last, whose stored inventory does not read.
fn broken() -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:zz-broken:1")
}

/// Twelve functions with minimist 1.2.0, stored when nothing matched it.
fn store_minimist_functions(store: &dyn FindingStore) {
    for i in 0..GOOD {
        let key = function(i);
        let r = report(&[(key.as_str(), "minimist", "1.2.0")], &[]);
        store::record(
            store,
            subject(&key, &[]),
            &r,
            None,
            ScanReason::Function,
            day(0),
        )
        .unwrap();
    }
}

/// The queue's messages as the event source mapping delivers them (up to 10).
fn delivered(
    runtime: &tokio::runtime::Runtime,
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    queue: &str,
) -> Vec<Value> {
    let received = runtime
        .block_on(
            sqs.receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .send(),
        )
        .unwrap();
    received
        .messages()
        .iter()
        .map(|m| {
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}"),
                "awsRegion": REGION,
            })
        })
        .collect()
}

#[test]
fn a_rescan_fans_out_and_a_failing_message_is_a_batch_item_failure() {
    let Some(moto) = Moto::start_serialized() else {
        return;
    };
    moto.create_queue("fanout");
    let queue_url = format!("{}/{ACCOUNT}/fanout", moto.endpoint);
    let options = layers::aws::AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(moto.endpoint.clone()),
    };
    let store = DynamoStore::open_with("dynamodb://findings", &options).unwrap();
    store.create_table().unwrap();
    store_minimist_functions(&store);
    let mut bad = store::Commit {
        subject: subject(&broken(), &[]),
        expected_revision: None,
        inventory: Some((b"not an inventory".to_vec(), "npm minimist 1.2.0\n".into())),
        digest: None,
        scan: store::ScanRecord {
            subject: broken(),
            at: day(0),
            reason: ScanReason::Function,
            database: String::new(),
            active: 0,
        },
        deleted: false,
        changes: Vec::new(),
    };
    bad.subject.code_sha256 = None;
    assert_eq!(
        store.commit(&[bad]).unwrap(),
        [store::CommitOutcome::Committed]
    );
    let store: Arc<dyn FindingStore> = Arc::new(store);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sqs = runtime.block_on(async {
        aws_sdk_sqs::Client::new(&layers::aws::config::load(&options, None).await)
    });
    let sent = runtime
        .block_on(fanout::enqueue_rescan(store.clone(), &sqs, &queue_url))
        .unwrap();
    assert_eq!(sent, (GOOD + 1).div_ceil(RESCAN_SUBJECTS_PER_MESSAGE));

    // The messages as the event source mapping delivers them.
    let records = delivered(&runtime, &sqs, &queue_url, "fanout");
    assert_eq!(records.len(), sent);
    let failing: Vec<String> = records
        .iter()
        .filter(|r| r["body"].as_str().unwrap().contains("zz-broken"))
        .map(|r| r["messageId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failing.len(), 1);
    let event = json!({ "Records": records });
    assert!(fanout::is_queue_event(&event));

    let db: Arc<dyn Matcher> = Arc::new(OsvMatcher(Database::embedded()));
    let signals = Arc::new(analyzer::prioritize::Signals::starter());
    let outcome = runtime.block_on(fanout::consume(&event, |work| {
        assert_eq!(work.work, WorkKind::Rescan);
        fanout::rescan(store.clone(), db.clone(), None, signals.clone(), work)
    }));
    assert_eq!(outcome.done, sent - 1);
    assert_eq!(
        outcome.response(),
        json!({"batchItemFailures": [{"itemIdentifier": failing[0]}]})
    );
    assert!(
        outcome.failed[0].1.contains("zz-broken"),
        "{:?}",
        outcome.failed
    );

    // Every good subject was rescanned: minimist's advisory found, announced in the outbox.
    let findings = store.findings(&Default::default()).unwrap();
    for i in 0..GOOD {
        assert!(
            findings
                .iter()
                .any(|f| f.subject == function(i) && f.finding.package.name == "minimist"),
            "{} not rescanned",
            function(i)
        );
        assert_eq!(store.scans(&function(i)).unwrap().len(), 2);
    }
    let pending = store.pending_events(usize::MAX).unwrap();
    assert_eq!(pending.len(), findings.len());
    // The same message delivered again (SQS is at-least-once) changes nothing.
    let again = runtime.block_on(fanout::consume(&event, |work| {
        fanout::rescan(store.clone(), db.clone(), None, signals.clone(), work)
    }));
    assert_eq!(again.failed.len(), 1);
    assert_eq!(
        store.pending_events(usize::MAX).unwrap().len(),
        pending.len()
    );
}

fn template() -> serde_norway::Value {
    let text = std::fs::read_to_string(testkit::workspace_root().join("deploy/template.yaml"))
        .expect("deploy/template.yaml");
    serde_norway::from_str(&text).expect("YAML")
}

fn actions_of(policy: &serde_norway::Value) -> Vec<String> {
    let mut actions: Vec<String> = policy["Properties"]["PolicyDocument"]["Statement"]
        .as_sequence()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_sequence().cloned().unwrap_or_default())
        .map(|a| a.as_str().expect("an action").to_string())
        .collect();
    actions.sort();
    actions
}

#[test]
fn the_template_wires_queue_dead_letters_and_partial_batch_failures() {
    let t = template();
    let r = &t["Resources"];
    let queue = &r["FanoutQueue"]["Properties"];
    let timeout = r["Function"]["Properties"]["Timeout"].as_u64().unwrap();
    assert!(queue["VisibilityTimeout"].as_u64().unwrap() >= 6 * timeout);
    assert_eq!(queue["RedrivePolicy"]["maxReceiveCount"].as_u64(), Some(3));
    assert!(r["FanoutDeadLetterQueue"]["Type"].as_str() == Some("AWS::SQS::Queue"));
    let mapping = &r["FanoutEventSource"]["Properties"];
    assert_eq!(
        mapping["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    assert!(
        matches!(&mapping["ScalingConfig"]["MaximumConcurrency"],
            serde_norway::Value::Tagged(t) if t.value.as_str() == Some("FanoutConcurrency")),
        "the mapping's concurrency is the FanoutConcurrency parameter"
    );
    assert_eq!(mapping["BatchSize"].as_u64(), Some(10));
    // Least privilege: exactly the calls the store and the fan-out make.
    assert_eq!(
        actions_of(&r["FindingsStoreAccess"]),
        [
            "dynamodb:ConditionCheckItem",
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:UpdateItem",
        ]
    );
    assert_eq!(
        actions_of(&r["FanoutAccess"]),
        [
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
            "sqs:SendMessage",
        ]
    );
}

/// The deployed shape end to end: with `LAMBDA_AUDIT_FANOUT_QUEUE` set, a
/// rescan request only enqueues messages, and the same handler fed those
/// messages (as the event source mapping delivers them) rescans each share
/// into the store and answers SQS's partial batch response.
#[test]
fn the_handler_enqueues_a_rescan_and_consumes_its_messages() {
    use lambda_audit_trigger::database::{DatabaseSource, LoadMatcher};
    use lambda_audit_trigger::sinks::SinkConfig;
    use lambda_audit_trigger::{Handler, HandlerConfig};
    let Some(moto) = Moto::start_serialized() else {
        return;
    };
    moto.create_queue("fanout-handler");
    let queue_url = format!("{}/{ACCOUNT}/fanout-handler", moto.endpoint);
    let options = layers::aws::AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(moto.endpoint.clone()),
    };
    let store = DynamoStore::open_with("dynamodb://handler-findings", &options).unwrap();
    store.create_table().unwrap();
    store_minimist_functions(&store);

    let work = tempfile::tempdir().unwrap();
    let db_path = work.path().join("db.json");
    std::fs::write(&db_path, "[]").unwrap();
    let config = HandlerConfig {
        aws: options.clone(),
        sinks: SinkConfig::default(),
        store: None,
        findings_store: "dynamodb://handler-findings".into(),
        suppressions: None,
        database: DatabaseSource::Path(db_path),
        code_rewrite: layers::aws::CodeUrlRewrite::None,
        max_download_bytes: analyzer::Limits::default().max_artifact_bytes,
        work_dir: work.path().to_path_buf(),
        fanout_queue: Some(queue_url.clone()),
        signals: Default::default(),
    };
    let load: LoadMatcher = Arc::new(|_: &std::path::Path| {
        Ok(Arc::new(OsvMatcher(Database::embedded())) as Arc<dyn Matcher>)
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sdk = runtime.block_on(layers::aws::config::load(&options, None));
    let handler = Handler::with_sinks(config, load, sdk.clone(), Vec::new()).unwrap();

    let answer = runtime
        .block_on(handler.handle(&json!({"action": "rescan"})))
        .unwrap();
    assert_eq!(answer["action"], "rescan-enqueued", "{answer}");
    assert_eq!(
        answer["messages"],
        GOOD.div_ceil(RESCAN_SUBJECTS_PER_MESSAGE),
        "{answer}"
    );

    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let records = delivered(&runtime, &sqs, &queue_url, "fanout-handler");
    assert_eq!(records.len(), GOOD.div_ceil(RESCAN_SUBJECTS_PER_MESSAGE));
    let response = runtime
        .block_on(handler.handle(&json!({ "Records": records })))
        .unwrap();
    assert_eq!(response, json!({"batchItemFailures": []}));

    let reopened = DynamoStore::open_with("dynamodb://handler-findings", &options).unwrap();
    let findings = reopened.findings(&Default::default()).unwrap();
    for i in 0..GOOD {
        assert!(
            findings
                .iter()
                .any(|f| f.subject == function(i) && f.finding.package.name == "minimist"),
            "{} not rescanned through the queue",
            function(i)
        );
    }
    // With no sink configured, publishing marked every event sent.
    assert!(reopened.pending_events(usize::MAX).unwrap().is_empty());
}
