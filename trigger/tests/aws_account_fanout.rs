//! An account-wide scan against moto's Lambda, SQS and DynamoDB, the handler
//! configured as on Lambda, from its `LAMBDA_AUDIT_*` variables, with
//! `LAMBDA_AUDIT_ENDPOINT_URL` the only endpoint setting (`AWS_ENDPOINT_URL`
//! unset: the DynamoDB findings store reaches moto only because the handler
//! hands it its own AWS options).
//!
//! `{"action": "scan-account"}` lists the account and enqueues one message
//! per function; the same handler, fed those messages as the event source
//! mapping delivers them, scans and records each function, leaves out the
//! one its tags exclude, and answers the message of the function whose code
//! cannot be fetched in `batchItemFailures`. Without a queue, the same scan
//! runs in the invocation and answers every function's result.
//!
//! Its own test binary: the process environment must not name an endpoint.

mod support;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use lambda_audit_trigger::database::osv_loader;
use lambda_audit_trigger::fanout::WorkKind;
use lambda_audit_trigger::{Handler, HandlerConfig};
use layers::aws::{config, AwsOptions};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use store::FindingStore;
use store_dynamodb::DynamoStore;
use support::osv_zip;
use testkit::aws::{World, ACCOUNT, REGION};

const AXIOS: (&str, &str, &str) = ("LAMBDA-AUDIT-TEST-AXIOS", "axios", "HIGH");
const TABLE: &str = "account-findings";
const QUEUE: &str = "account-scan";

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

/// Every message waiting in `queue`, as the event source mapping delivers them.
async fn delivered(sqs: &aws_sdk_sqs::Client, queue_url: &str, expected: usize) -> Vec<Value> {
    let mut records = Vec::new();
    for _ in 0..20 {
        if records.len() >= expected {
            break;
        }
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(600)
            .send()
            .await
            .unwrap();
        records.extend(received.messages().iter().map(|m| {
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{QUEUE}"),
                "awsRegion": REGION,
            })
        }));
    }
    records
}

/// The handler as Lambda starts it: configuration from variables only.
async fn handler_from_env(vars: &[(&str, String)], work: &std::path::Path) -> Handler {
    let var = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let config = HandlerConfig::from_env(&var).unwrap();
    Handler::new(config, osv_loader(work.join("index")))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_scan_is_one_message_per_function_consumed_by_the_handler() {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL").is_none(),
        "this test proves LAMBDA_AUDIT_ENDPOINT_URL alone reaches DynamoDB"
    );
    let Some(World {
        moto,
        mirror,
        seeded,
    }) = World::start()
    else {
        return;
    };
    // As the Lambda runtime sets it.
    std::env::set_var("AWS_REGION", REGION);
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(moto.endpoint.clone()),
    };
    let sdk = config::load(&options, None).await;
    let lambda = config::lambda(&sdk);
    lambda
        .tag_resource()
        .resource(function_arn("node-worker"))
        .tags("lambda-audit:exclude", "yes")
        .send()
        .await
        .unwrap();
    // Code the mirror does not serve: its download fails.
    lambda
        .create_function()
        .function_name("broken-app")
        .runtime(Runtime::Nodejs20x)
        .role(format!("arn:aws:iam::{ACCOUNT}:role/lambda-audit-test"))
        .handler("index.handler")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(testkit::zip_of(&[(
                    "index.js",
                    b"ok".as_slice(),
                )])))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let functions = seeded["functions"].as_object().unwrap().len() + 1;
    moto.create_queue(QUEUE);
    let queue_url = format!("{}/{ACCOUNT}/{QUEUE}", moto.endpoint);
    let location = format!("dynamodb://{TABLE}");
    let table = tokio::task::spawn_blocking({
        let (location, options) = (location.clone(), options.clone());
        move || {
            let store = DynamoStore::open_with(&location, &options).unwrap();
            store.create_table().unwrap();
            store
        }
    })
    .await
    .unwrap();

    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.zip");
    std::fs::write(&db, osv_zip(&[AXIOS], "2026-11-01T00:00:00Z")).unwrap();
    let vars = vec![
        ("LAMBDA_AUDIT_ENDPOINT_URL", moto.endpoint.clone()),
        ("LAMBDA_AUDIT_FINDINGS_STORE", location.clone()),
        ("LAMBDA_AUDIT_FANOUT_QUEUE", queue_url.clone()),
        ("LAMBDA_AUDIT_CODE_MIRROR", mirror.base.clone()),
        ("LAMBDA_AUDIT_DB", db.display().to_string()),
        ("LAMBDA_AUDIT_WORK_DIR", work.path().display().to_string()),
    ];
    let handler = handler_from_env(&vars, work.path()).await;

    let answer = handler
        .handle(&json!({"action": "scan-account"}))
        .await
        .unwrap();
    assert_eq!(answer["action"], "scan-account-enqueued", "{answer}");
    assert_eq!(answer["functions"], functions, "{answer}");
    assert_eq!(answer["messages"], functions, "one function a message");

    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let records = delivered(&sqs, &queue_url, functions).await;
    assert_eq!(records.len(), functions);
    let mut by_function: BTreeMap<String, String> = BTreeMap::new();
    for r in &records {
        let work: lambda_audit_trigger::fanout::Work =
            serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
        assert_eq!(work.work, WorkKind::Scan);
        assert_eq!(work.subjects.len(), 1);
        by_function.insert(
            work.subjects[0].clone(),
            r["messageId"].as_str().unwrap().to_string(),
        );
    }
    let broken = &by_function[&function_arn("broken-app")];

    let response = handler
        .handle(&json!({ "Records": records }))
        .await
        .unwrap();
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": broken}]})
    );

    // The table the handler wrote, read through explicit options.
    let (subjects, findings) = tokio::task::spawn_blocking(move || {
        let subjects: Vec<String> = table
            .subjects()
            .unwrap()
            .into_iter()
            .map(|s| s.subject.key)
            .collect();
        (subjects, table.findings(&Default::default()).unwrap())
    })
    .await
    .unwrap();
    let latest = |name: &str| format!("{}:$LATEST", function_arn(name));
    assert_eq!(
        subjects,
        [latest("node-app"), latest("py-app")],
        "scanned: not the excluded, image or broken functions"
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].subject, latest("node-app"));
    assert_eq!(findings[0].finding.id, AXIOS.0);

    // The failing message delivered again fails again, and records nothing.
    let again = json!({"Records": records
        .iter()
        .filter(|r| r["messageId"] == broken.as_str())
        .collect::<Vec<_>>()});
    let response = handler.handle(&again).await.unwrap();
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": broken}]})
    );

    // Without a queue the same scan runs in the invocation, every function a result.
    let local = tempfile::tempdir().unwrap();
    let mut vars: Vec<(&str, String)> = vars
        .into_iter()
        .filter(|(k, _)| {
            !matches!(
                *k,
                "LAMBDA_AUDIT_FANOUT_QUEUE" | "LAMBDA_AUDIT_FINDINGS_STORE"
            )
        })
        .collect();
    vars.push((
        "LAMBDA_AUDIT_FINDINGS_STORE",
        local.path().join("f.sqlite").display().to_string(),
    ));
    let handler = handler_from_env(&vars, work.path()).await;
    let answer = handler
        .handle(&json!({"action": "scan-account", "regions": [REGION]}))
        .await
        .unwrap();
    assert_eq!(answer["action"], "scan-account", "{answer}");
    let statuses: BTreeMap<String, (String, String)> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let subject = r["subject"].as_str().unwrap();
            let name = subject.split(':').nth(6).unwrap().to_string();
            let reason = r["reason"].as_str().unwrap_or_default().to_string();
            (name, (r["status"].as_str().unwrap().to_string(), reason))
        })
        .collect();
    assert_eq!(statuses.len(), functions, "{answer}");
    assert_eq!(statuses["node-app"].0, "scanned");
    assert_eq!(statuses["py-app"].0, "scanned");
    assert_eq!(
        statuses["node-worker"],
        (
            "not_scanned".to_string(),
            "not scanned: excluded by tag lambda-audit:exclude=yes".to_string()
        )
    );
    assert_eq!(statuses["image-app"].0, "not_scanned");
    assert_eq!(statuses["broken-app"].0, "failed");
}
