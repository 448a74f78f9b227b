//! The trigger's event parsing on CloudTrail-shaped EventBridge events (laid
//! out as in the AWS documentation's examples), direct invocations and events
//! to ignore; and the template's event pattern against the parser.

mod support;

use lambda_audit_trigger::event::{self, Deleted, Trigger, LAMBDA_EVENT_NAMES};
use serde_json::Value;
use support::{cloudtrail, template_rule_pattern};

const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders-api";
const LAYER: &str = "arn:aws:lambda:us-east-1:123456789012:layer:shared-deps:4";

fn parse(name: &str) -> Trigger {
    event::parse(&cloudtrail(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn scan(qualifier: Option<&str>, cause: &str) -> Trigger {
    Trigger::ScanFunction {
        function: FUNCTION.into(),
        qualifier: qualifier.map(str::to_string),
        region: Some("us-east-1".into()),
        cause: cause.into(),
    }
}

#[test]
fn create_function_scans_the_function_at_latest() {
    assert_eq!(
        parse("create-function.json"),
        scan(None, "CreateFunction20150331")
    );
}

#[test]
fn create_function_with_publish_scans_the_published_version() {
    assert_eq!(
        parse("create-function-published.json"),
        scan(Some("1"), "CreateFunction20150331")
    );
}

#[test]
fn update_function_code_scans_the_function() {
    assert_eq!(
        parse("update-function-code.json"),
        scan(None, "UpdateFunctionCode20150331v2")
    );
}

#[test]
fn update_function_configuration_scans_only_when_layers_were_set() {
    assert_eq!(
        parse("update-function-configuration-layers.json"),
        scan(None, "UpdateFunctionConfiguration20150331v2")
    );
    assert_eq!(
        parse("update-function-configuration-no-layers.json"),
        Trigger::Ignore {
            reason:
                "`UpdateFunctionConfiguration20150331v2` did not set layers; the code is unchanged"
                    .into()
        }
    );
}

#[test]
fn publish_layer_version_scans_the_new_layer_version_alone() {
    assert_eq!(
        parse("publish-layer-version.json"),
        Trigger::ScanLayer {
            layer_version_arn: LAYER.into(),
            region: Some("us-east-1".into()),
            cause: "PublishLayerVersion20181031".into(),
        }
    );
}

#[test]
fn failed_calls_and_other_event_names_are_ignored_with_the_reason() {
    assert_eq!(
        parse("create-function-access-denied.json"),
        Trigger::Ignore {
            reason: "`CreateFunction20150331` failed (AccessDenied); nothing was deployed".into()
        }
    );
    assert_eq!(
        parse("get-function-denied.json"),
        Trigger::Ignore {
            reason: "`GetFunction20150331v2` failed (AccessDenied); nothing was deployed".into()
        }
    );
    let mut e = cloudtrail("create-function.json");
    e["detail"]["eventName"] = "TagResource20170331v2".into();
    assert_eq!(
        event::parse(&e).unwrap(),
        Trigger::Ignore {
            reason: "CloudTrail event `TagResource20170331v2` does not change code or layers"
                .into()
        }
    );
}

#[test]
fn deletes_name_what_they_removed() {
    assert_eq!(
        parse("delete-function.json"),
        Trigger::Deleted {
            deleted: Deleted::Function {
                arn: "arn:aws:lambda:us-east-1:123456789012:function:orders-api".into()
            },
            cause: "DeleteFunction20150331".into(),
        }
    );
    let mut version = cloudtrail("delete-function.json");
    version["detail"]["requestParameters"]["qualifier"] = "7".into();
    assert_eq!(
        event::parse(&version).unwrap(),
        Trigger::Deleted {
            deleted: Deleted::Function {
                arn: "arn:aws:lambda:us-east-1:123456789012:function:orders-api:7".into()
            },
            cause: "DeleteFunction20150331".into(),
        }
    );
    let mut by_arn = cloudtrail("delete-function.json");
    by_arn["detail"]["requestParameters"]["functionName"] =
        "arn:aws:lambda:eu-west-1:210987654321:function:billing:3".into();
    assert_eq!(
        event::parse(&by_arn).unwrap(),
        Trigger::Deleted {
            deleted: Deleted::Function {
                arn: "arn:aws:lambda:eu-west-1:210987654321:function:billing:3".into()
            },
            cause: "DeleteFunction20150331".into(),
        }
    );
    assert_eq!(
        parse("delete-layer-version.json"),
        Trigger::Deleted {
            deleted: Deleted::LayerVersion {
                arn: "arn:aws:lambda:us-east-1:123456789012:layer:shared-deps:3".into()
            },
            cause: "DeleteLayerVersion20181031".into(),
        }
    );
    let mut nameless = cloudtrail("delete-layer-version.json");
    nameless["detail"]["requestParameters"] = serde_json::json!({"layerName": "shared-deps"});
    assert_eq!(
        event::parse(&nameless).unwrap(),
        Trigger::Ignore {
            reason: "`DeleteLayerVersion20181031` names no versionNumber".into()
        }
    );
}

#[test]
fn direct_invocations_look_the_function_up_in_its_arn_region() {
    let e =
        serde_json::json!({"functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:app"});
    assert!(matches!(
        event::parse(&e).unwrap(),
        Trigger::ScanFunction { region: Some(r), .. } if r == "eu-west-1"
    ));
    let e = serde_json::json!({"layerArn": "arn:aws:lambda:ap-south-1:123456789012:layer:deps:2"});
    assert!(matches!(
        event::parse(&e).unwrap(),
        Trigger::ScanLayer { region: Some(r), .. } if r == "ap-south-1"
    ));
    let e = serde_json::json!({"functionName": "app"});
    assert!(matches!(
        event::parse(&e).unwrap(),
        Trigger::ScanFunction { region: None, .. }
    ));
}

#[test]
fn events_from_other_sources_are_ignored() {
    let mut e = cloudtrail("create-function.json");
    e["detail"]["eventSource"] = "s3.amazonaws.com".into();
    assert_eq!(
        event::parse(&e).unwrap(),
        Trigger::Ignore {
            reason: "CloudTrail event `CreateFunction20150331` is not from lambda.amazonaws.com"
                .into()
        }
    );
    let mut e = cloudtrail("create-function.json");
    e["source"] = "aws.s3".into();
    assert!(matches!(event::parse(&e).unwrap(), Trigger::Ignore { .. }));
}

#[test]
fn s3_object_created_and_schedules_ask_for_a_rescan_decision() {
    assert_eq!(
        parse("s3-object-created.json"),
        Trigger::ObjectCreated {
            bucket: "audit-db".into(),
            key: "osv/all.zip".into()
        }
    );
    assert_eq!(
        parse("scheduled.json"),
        Trigger::Rescan {
            cause: "schedule".into()
        }
    );
}

#[test]
fn direct_invocations() {
    assert_eq!(
        parse("direct-function.json"),
        Trigger::ScanFunction {
            function: format!("{FUNCTION}:prod"),
            qualifier: None,
            region: Some("us-east-1".into()),
            cause: "direct".into(),
        }
    );
    assert_eq!(
        parse("direct-function-name.json"),
        Trigger::ScanFunction {
            function: "orders-api".into(),
            qualifier: Some("7".into()),
            region: None,
            cause: "direct".into(),
        }
    );
    assert_eq!(
        parse("direct-rescan.json"),
        Trigger::Rescan {
            cause: "direct".into()
        }
    );
    assert_eq!(
        event::parse(&serde_json::json!({"layerArn": LAYER})).unwrap(),
        Trigger::ScanLayer {
            layer_version_arn: LAYER.into(),
            region: Some("us-east-1".into()),
            cause: "direct".into()
        }
    );
}

#[test]
fn malformed_invocations_are_errors() {
    for bad in [
        serde_json::json!([1, 2]),
        serde_json::json!({"hello": "world"}),
        serde_json::json!({"action": "explode"}),
        serde_json::json!({"detail-type": "AWS API Call via CloudTrail", "source": "aws.lambda"}),
        serde_json::json!({"detail-type": 3, "detail": {}}),
    ] {
        assert!(event::parse(&bad).is_err(), "{bad}");
    }
}

/// EventBridge pattern matching, for the subset the template uses: arrays of
/// exact strings, `{"exists": bool}`, and nested objects.
fn pattern_matches(pattern: &Value, event: &Value) -> bool {
    let Some(fields) = pattern.as_object() else {
        return false;
    };
    fields.iter().all(|(key, wanted)| {
        let value = event.get(key).filter(|v| !v.is_null());
        match wanted {
            Value::Array(alternatives) => alternatives.iter().any(|alt| match alt {
                Value::String(s) => match value {
                    Some(Value::String(v)) => v == s,
                    Some(Value::Array(vs)) => vs.iter().any(|v| v.as_str() == Some(s)),
                    _ => false,
                },
                Value::Object(o) => match o.get("exists").and_then(Value::as_bool) {
                    Some(exists) => value.is_some() == exists,
                    None => false,
                },
                _ => false,
            }),
            Value::Object(_) => value.is_some_and(|v| pattern_matches(wanted, v)),
            _ => false,
        }
    })
}

#[test]
fn the_template_pattern_names_exactly_the_events_the_parser_acts_on() {
    let pattern = template_rule_pattern("LambdaChangesRule");
    assert_eq!(pattern["source"], serde_json::json!(["aws.lambda"]));
    assert_eq!(
        pattern["detail-type"],
        serde_json::json!([event::CLOUDTRAIL_DETAIL_TYPE])
    );
    assert_eq!(
        pattern["detail"]["eventSource"],
        serde_json::json!([event::LAMBDA_EVENT_SOURCE])
    );
    assert_eq!(
        pattern["detail"]["eventName"],
        serde_json::json!(LAMBDA_EVENT_NAMES)
    );
    assert_eq!(
        pattern["detail"]["errorCode"],
        serde_json::json!([{"exists": false}])
    );
}

#[test]
fn every_cloudtrail_fixture_is_delivered_exactly_when_the_parser_acts_on_it() {
    let pattern = template_rule_pattern("LambdaChangesRule");
    let cases = [
        ("create-function.json", true),
        ("create-function-published.json", true),
        ("update-function-code.json", true),
        ("update-function-configuration-layers.json", true),
        ("publish-layer-version.json", true),
        ("create-function-access-denied.json", false),
        ("get-function-denied.json", false),
        ("delete-function.json", true),
        ("delete-layer-version.json", true),
        ("s3-object-created.json", false),
        ("scheduled.json", false),
    ];
    for (name, acted_on) in cases {
        let e = cloudtrail(name);
        assert_eq!(pattern_matches(&pattern, &e), acted_on, "{name}: pattern");
        let scans = matches!(
            event::parse(&e).unwrap(),
            Trigger::ScanFunction { .. } | Trigger::ScanLayer { .. } | Trigger::Deleted { .. }
        );
        assert_eq!(scans, acted_on, "{name}: parser");
    }
    // The one documented difference: a configuration change is delivered (a
    // pattern cannot see whether `layers` was set) and the parser ignores it.
    let e = cloudtrail("update-function-configuration-no-layers.json");
    assert!(pattern_matches(&pattern, &e));
    assert!(matches!(event::parse(&e).unwrap(), Trigger::Ignore { .. }));
}

#[test]
fn the_database_rule_matches_the_s3_event_the_parser_reads() {
    let pattern = template_rule_pattern("DatabaseUpdatedRule");
    assert_eq!(pattern["source"], serde_json::json!(["aws.s3"]));
    assert_eq!(
        pattern["detail-type"],
        serde_json::json!(["Object Created"])
    );
    assert!(pattern["detail"]["bucket"]["name"].is_array());
    assert!(pattern["detail"]["object"]["key"].is_array());
}
