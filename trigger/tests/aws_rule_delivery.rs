//! The template's EventBridge rule, installed in moto's EventBridge with its
//! exact pattern: the CloudTrail-shaped events it delivers (to an SQS target)
//! are exactly those the handler acts on (deploys and deletes), and the envelopes EventBridge builds
//! parse into the same scans.

mod support;

use lambda_audit_trigger::event::{self, Trigger};
use layers::aws::{config, AwsOptions};
use support::{cloudtrail, route_to_queue, template_rule_pattern};
use testkit::aws::{Moto, REGION};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_delivers_exactly_the_events_the_handler_scans_for() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let sdk = config::load(
        &AwsOptions {
            region: Some(REGION.into()),
            endpoint_url: Some(moto.endpoint.clone()),
        },
        None,
    )
    .await;
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let queue = moto.create_queue("deliveries");
    route_to_queue(
        &events,
        None,
        "lambda-changes",
        &template_rule_pattern("LambdaChangesRule").to_string(),
        queue,
    )
    .await;
    let cases = [
        ("create-function.json", Some("CreateFunction20150331")),
        (
            "create-function-published.json",
            Some("CreateFunction20150331"),
        ),
        (
            "update-function-code.json",
            Some("UpdateFunctionCode20150331v2"),
        ),
        (
            "update-function-configuration-layers.json",
            Some("UpdateFunctionConfiguration20150331v2"),
        ),
        (
            "publish-layer-version.json",
            Some("PublishLayerVersion20181031"),
        ),
        ("create-function-access-denied.json", None),
        ("get-function-denied.json", None),
        ("delete-function.json", Some("DeleteFunction20150331")),
        (
            "delete-layer-version.json",
            Some("DeleteLayerVersion20181031"),
        ),
        ("s3-object-created.json", None),
        ("scheduled.json", None),
    ];
    for (name, scans_for) in cases {
        let e = cloudtrail(name);
        let put = events
            .put_events()
            .entries(
                aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                    .source(e["source"].as_str().unwrap())
                    .detail_type(e["detail-type"].as_str().unwrap())
                    .detail(e["detail"].to_string())
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(put.failed_entry_count(), 0, "{name}");
        let delivered = moto.drain_queue("deliveries");
        match scans_for {
            Some(cause) => {
                assert_eq!(delivered.len(), 1, "{name}: delivered");
                let trigger = event::parse(&delivered[0]).unwrap();
                let got = match &trigger {
                    Trigger::ScanFunction { cause, .. }
                    | Trigger::ScanLayer { cause, .. }
                    | Trigger::Deleted { cause, .. } => cause.as_str(),
                    other => panic!("{name}: {other:?}"),
                };
                assert_eq!(got, cause, "{name}");
            }
            None => assert!(delivered.is_empty(), "{name}: not delivered"),
        }
    }
    // Delivered (a pattern cannot see `layers`), then ignored by the handler.
    let e = cloudtrail("update-function-configuration-no-layers.json");
    events
        .put_events()
        .entries(
            aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .source("aws.lambda")
                .detail_type("AWS API Call via CloudTrail")
                .detail(e["detail"].to_string())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let delivered = moto.drain_queue("deliveries");
    assert_eq!(delivered.len(), 1);
    assert!(matches!(
        event::parse(&delivered[0]).unwrap(),
        Trigger::Ignore { .. }
    ));
}
