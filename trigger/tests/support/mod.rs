//! Shared helpers for the trigger's tests: the CloudTrail fixtures, the
//! template's rules, EventBridge delivery to a queue.
#![allow(dead_code)]

use serde_json::Value;
use testkit::{fixtures, workspace_root};

/// A CloudTrail-shaped event of `fixtures/cloudtrail/`.
pub fn cloudtrail(name: &str) -> Value {
    let path = fixtures().join("cloudtrail").join(name);
    serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("JSON fixture")
}

/// The event pattern of the EventBridge rule `rule` in deploy/template.yaml.
pub fn template_rule_pattern(rule: &str) -> Value {
    let path = workspace_root().join("deploy/template.yaml");
    let text = std::fs::read_to_string(&path).expect("deploy/template.yaml");
    let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("template YAML");
    let pattern = &yaml["Resources"][rule]["Properties"]["EventPattern"];
    serde_json::to_value(pattern).expect("pattern as JSON")
}

/// Routes the events `pattern` matches on `bus` (the default bus when `None`)
/// to the SQS queue `queue_arn`, through a rule named `rule` with one target.
pub async fn route_to_queue(
    events: &aws_sdk_eventbridge::Client,
    bus: Option<&str>,
    rule: &str,
    pattern: &str,
    queue_arn: String,
) {
    events
        .put_rule()
        .name(rule)
        .set_event_bus_name(bus.map(str::to_string))
        .event_pattern(pattern)
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule(rule)
        .set_event_bus_name(bus.map(str::to_string))
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(queue_arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Creates the bus `audit` and routes lambda-audit's events on it to the
/// queue `audit-events` (created on `moto`), where the tests read them.
pub async fn audit_bus_to_queue(events: &aws_sdk_eventbridge::Client, moto: &testkit::aws::Moto) {
    events
        .create_event_bus()
        .name("audit")
        .send()
        .await
        .unwrap();
    let queue = moto.create_queue("audit-events");
    route_to_queue(
        events,
        Some("audit"),
        "to-queue",
        r#"{"source": ["lambda-audit"]}"#,
        queue,
    )
    .await;
}

/// An OSV database (one zip of JSON records) with one advisory per
/// `(id, npm package, severity)`, affecting every version; `modified` dates
/// every record (a new date is a new database).
pub fn osv_zip(advisories: &[(&str, &str, &str)], modified: &str) -> Vec<u8> {
    let records: Vec<(String, Vec<u8>)> = advisories
        .iter()
        .map(|(id, name, severity)| {
            let record = serde_json::json!({
                "schema_version": "1.6.0",
                "id": id,
                "modified": modified,
                "summary": format!("test advisory for {name}"),
                "affected": [{
                    "package": {"ecosystem": "npm", "name": name},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "99.0.0"}]}],
                }],
                "database_specific": {"severity": severity},
            });
            (format!("{id}.json"), record.to_string().into_bytes())
        })
        .collect();
    let files: Vec<(&str, &[u8])> = records
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    testkit::zip_of(&files)
}

/// The detail types of EventBridge events, in order.
pub fn detail_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap_or_default().to_string())
        .collect()
}
