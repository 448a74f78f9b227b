//! The events the trigger handler accepts, and what each asks for.
//!
//! Accepted (everything else is ignored, with the reason):
//! - EventBridge `AWS API Call via CloudTrail` events from `aws.lambda`
//!   (`detail.eventSource` `lambda.amazonaws.com`) without `detail.errorCode`:
//!   - `CreateFunction20150331`, `UpdateFunctionCode20150331v2`: scan the function
//!     (the version published by the call when it published one, else `$LATEST`);
//!   - `UpdateFunctionConfiguration20150331v2`: scan the function only when the
//!     request set `layers` (other configuration changes do not change the code);
//!   - `PublishLayerVersion20181031`: scan the new layer version alone. A version
//!     that was just published is used by no function yet; functions pick it up
//!     through UpdateFunctionConfiguration, which triggers their own scan.
//!   - `DeleteFunction20150331`: close the findings of the deleted function
//!     version (`qualifier`), or of every stored version of the function;
//!   - `DeleteLayerVersion20181031`: close the findings of the layer version
//!     scanned alone. Functions that use it keep it (Lambda keeps deleted layer
//!     versions working for them), so their findings stay open; a function that
//!     drops the layer closes them as `layer_detached` at its next scan.
//! - EventBridge `Object Created` events from `aws.s3`: the advisory database
//!   object may have changed (the handler compares bucket and key with its
//!   configuration) and stored inventories are re-matched.
//! - EventBridge `Scheduled Event`s from `aws.events`: re-match stored inventories.
//! - Direct invocations: `{"functionArn": "...", "qualifier": "..."}` (qualifier
//!   optional; a function name works too), `{"layerArn": "..."}`, `{"action": "rescan"}`,
//!   `{"action": "scan-account", "regions": [...]}` (every function of the
//!   account in the given regions, the handler's own when none; a scheduled
//!   rule with this constant input runs it periodically).
//!   An ARN names its region: the function or layer is looked up there.

use layers::aws::arn::{FunctionArn, LayerVersionArn};
use serde_json::Value;

/// `detail-type` of CloudTrail API calls delivered by EventBridge.
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
/// CloudTrail `eventSource` of Lambda API calls.
pub const LAMBDA_EVENT_SOURCE: &str = "lambda.amazonaws.com";
pub const CREATE_FUNCTION: &str = "CreateFunction20150331";
pub const UPDATE_FUNCTION_CODE: &str = "UpdateFunctionCode20150331v2";
pub const UPDATE_FUNCTION_CONFIGURATION: &str = "UpdateFunctionConfiguration20150331v2";
pub const PUBLISH_LAYER_VERSION: &str = "PublishLayerVersion20181031";
pub const DELETE_FUNCTION: &str = "DeleteFunction20150331";
pub const DELETE_LAYER_VERSION: &str = "DeleteLayerVersion20181031";
/// The Lambda event names the handler acts on, as in the EventBridge rule.
pub const LAMBDA_EVENT_NAMES: [&str; 6] = [
    CREATE_FUNCTION,
    UPDATE_FUNCTION_CODE,
    UPDATE_FUNCTION_CONFIGURATION,
    PUBLISH_LAYER_VERSION,
    DELETE_FUNCTION,
    DELETE_LAYER_VERSION,
];

/// What an event asks the handler to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Scan a function (name or ARN) at an optional version or alias.
    ScanFunction {
        function: String,
        qualifier: Option<String>,
        /// The region the call was made in, when the event says.
        region: Option<String>,
        /// The CloudTrail event name, or `direct`.
        cause: String,
    },
    /// Scan one layer version alone.
    ScanLayer {
        layer_version_arn: String,
        region: Option<String>,
        cause: String,
    },
    /// Something was deleted: close its stored findings.
    Deleted { deleted: Deleted, cause: String },
    /// An S3 object was written; a rescan when it is the advisory database.
    ObjectCreated { bucket: String, key: String },
    /// Re-match every stored inventory against the current database.
    Rescan { cause: String },
    /// Scan every function of the account in `regions` (the handler's own
    /// region when empty).
    ScanAccount { regions: Vec<String>, cause: String },
    /// Nothing to do, and why.
    Ignore { reason: String },
}

/// What a delete call removed, as the findings store keys it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deleted {
    /// A function: one version (`…:function:NAME:VERSION`), or every version
    /// (`…:function:NAME`, no qualifier).
    Function { arn: String },
    /// A layer version (its LayerVersionArn).
    LayerVersion { arn: String },
}

/// An event that is not JSON object shaped as any accepted event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid event: {0}")]
pub struct EventError(pub String);

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().filter(|s| !s.is_empty())
}

fn ignore(reason: impl Into<String>) -> Trigger {
    Trigger::Ignore {
        reason: reason.into(),
    }
}

/// Reads an event and decides what it asks for.
pub fn parse(event: &Value) -> Result<Trigger, EventError> {
    let obj = event
        .as_object()
        .ok_or_else(|| EventError("the event is not a JSON object".into()))?;
    if let Some(detail_type) = obj.get("detail-type") {
        let detail_type = detail_type
            .as_str()
            .ok_or_else(|| EventError("`detail-type` is not a string".into()))?;
        let source = str_at(event, &["source"]).unwrap_or_default();
        let detail = obj
            .get("detail")
            .filter(|d| d.is_object())
            .ok_or_else(|| EventError("an EventBridge event without a `detail` object".into()))?;
        return Ok(match (source, detail_type) {
            ("aws.lambda", CLOUDTRAIL_DETAIL_TYPE) => {
                let region = str_at(event, &["region"]).map(str::to_string);
                let account = str_at(event, &["account"]).map(str::to_string);
                cloudtrail(detail, region, account)
            }
            ("aws.s3", "Object Created") => {
                match (
                    str_at(detail, &["bucket", "name"]),
                    str_at(detail, &["object", "key"]),
                ) {
                    (Some(bucket), Some(key)) => Trigger::ObjectCreated {
                        bucket: bucket.to_string(),
                        key: key.to_string(),
                    },
                    _ => ignore("an S3 Object Created event without bucket name and object key"),
                }
            }
            ("aws.events", "Scheduled Event") => Trigger::Rescan {
                cause: "schedule".into(),
            },
            _ => ignore(format!(
                "EventBridge event `{detail_type}` from `{source}` is not one the handler acts on"
            )),
        });
    }
    direct(event)
}

/// A direct invocation.
fn direct(event: &Value) -> Result<Trigger, EventError> {
    if let Some(function) = str_at(event, &["functionArn"]).or(str_at(event, &["functionName"])) {
        return Ok(Trigger::ScanFunction {
            function: function.to_string(),
            qualifier: str_at(event, &["qualifier"]).map(str::to_string),
            region: FunctionArn::parse(function).ok().map(|a| a.region),
            cause: "direct".into(),
        });
    }
    if let Some(layer) = str_at(event, &["layerArn"]) {
        return Ok(Trigger::ScanLayer {
            layer_version_arn: layer.to_string(),
            region: LayerVersionArn::parse(layer).ok().map(|a| a.region),
            cause: "direct".into(),
        });
    }
    match str_at(event, &["action"]) {
        Some("rescan") => Ok(Trigger::Rescan {
            cause: "direct".into(),
        }),
        Some("scan-account") => Ok(Trigger::ScanAccount {
            regions: regions(event)?,
            cause: "direct".into(),
        }),
        Some(other) => Err(EventError(format!(
            "unknown action `{other}` (expected `rescan` or `scan-account`)"
        ))),
        None => Err(EventError(
            "expected an EventBridge event, or {\"functionArn\": ...}, {\"layerArn\": ...}, {\"action\": \"rescan\"} or {\"action\": \"scan-account\"}".into(),
        )),
    }
}

/// The `regions` of a `scan-account` request: a list of region names, or none.
fn regions(event: &Value) -> Result<Vec<String>, EventError> {
    let Some(listed) = event.get("regions").filter(|r| !r.is_null()) else {
        return Ok(Vec::new());
    };
    let invalid = || EventError("`regions` is not a list of region names".into());
    listed
        .as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|r| {
            r.as_str()
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .ok_or_else(invalid)
        })
        .collect()
}

/// The CloudTrail record in an EventBridge event's `detail`.
fn cloudtrail(
    detail: &Value,
    event_region: Option<String>,
    event_account: Option<String>,
) -> Trigger {
    let name = str_at(detail, &["eventName"]).unwrap_or_default();
    if str_at(detail, &["eventSource"]) != Some(LAMBDA_EVENT_SOURCE) {
        return ignore(format!(
            "CloudTrail event `{name}` is not from {LAMBDA_EVENT_SOURCE}"
        ));
    }
    if let Some(code) = str_at(detail, &["errorCode"]) {
        return ignore(format!("`{name}` failed ({code}); nothing was deployed"));
    }
    let region = str_at(detail, &["awsRegion"])
        .map(str::to_string)
        .or(event_region);
    let request = detail.get("requestParameters").unwrap_or(&Value::Null);
    let response = detail.get("responseElements").unwrap_or(&Value::Null);
    match name {
        CREATE_FUNCTION | UPDATE_FUNCTION_CODE => function_call(name, request, response, region),
        UPDATE_FUNCTION_CONFIGURATION => {
            if request.get("layers").is_some_and(|l| l.is_array()) {
                function_call(name, request, response, region)
            } else {
                ignore(format!(
                    "`{name}` did not set layers; the code is unchanged"
                ))
            }
        }
        PUBLISH_LAYER_VERSION => match str_at(response, &["layerVersionArn"]) {
            Some(arn) => Trigger::ScanLayer {
                layer_version_arn: arn.to_string(),
                region,
                cause: name.to_string(),
            },
            None => ignore(format!("`{name}` without responseElements.layerVersionArn")),
        },
        DELETE_FUNCTION | DELETE_LAYER_VERSION => {
            let place = Place {
                region,
                account: str_at(detail, &["recipientAccountId"])
                    .map(str::to_string)
                    .or(event_account),
            };
            let deleted = if name == DELETE_FUNCTION {
                deleted_function(request, &place)
            } else {
                deleted_layer_version(request, &place)
            };
            match deleted {
                Ok(deleted) => Trigger::Deleted {
                    deleted,
                    cause: name.to_string(),
                },
                Err(why) => ignore(format!("`{name}` {why}")),
            }
        }
        other => ignore(format!(
            "CloudTrail event `{other}` does not change code or layers"
        )),
    }
}

/// Where a call was made: what turns a name into an ARN.
struct Place {
    region: Option<String>,
    account: Option<String>,
}

impl Place {
    /// `arn:aws:lambda:{region}:{account}:{resource}`, when both are known.
    fn arn(&self, resource: &str) -> Result<String, String> {
        match (&self.region, &self.account) {
            (Some(region), Some(account)) => {
                Ok(format!("arn:aws:lambda:{region}:{account}:{resource}"))
            }
            _ => Err("names no ARN, and the event has no region and account to make one".into()),
        }
    }
}

/// The function (or version) DeleteFunction removed.
fn deleted_function(request: &Value, place: &Place) -> Result<Deleted, String> {
    let name = str_at(request, &["functionName"]).ok_or("names no function")?;
    let qualifier = str_at(request, &["qualifier"]);
    let arn = match FunctionArn::parse(name) {
        Ok(arn) => match (&arn.qualifier, qualifier) {
            (None, Some(q)) => arn.with_version(q),
            _ => name.to_string(),
        },
        Err(_) => {
            let unqualified = place.arn(&format!("function:{name}"))?;
            match qualifier {
                Some(q) => format!("{unqualified}:{q}"),
                None => unqualified,
            }
        }
    };
    Ok(Deleted::Function { arn })
}

/// The layer version DeleteLayerVersion removed.
fn deleted_layer_version(request: &Value, place: &Place) -> Result<Deleted, String> {
    let layer = str_at(request, &["layerName"]).ok_or("names no layer")?;
    let version = request
        .get("versionNumber")
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
        .ok_or("names no versionNumber")?;
    let layer_arn = if layer.starts_with("arn:") {
        layer.to_string()
    } else {
        place.arn(&format!("layer:{layer}"))?
    };
    let arn = format!("{layer_arn}:{version}");
    LayerVersionArn::parse(&arn).map_err(|e| e.to_string())?;
    Ok(Deleted::LayerVersion { arn })
}

/// A call that deployed a function's code or layers: the function ARN from the
/// response (the name from the request otherwise), at the version it published.
fn function_call(name: &str, request: &Value, response: &Value, region: Option<String>) -> Trigger {
    let function = str_at(response, &["functionArn"]).or(str_at(request, &["functionName"]));
    let Some(function) = function else {
        return ignore(format!("`{name}` names no function"));
    };
    // A qualified ARN in the response already names the version.
    let qualified = FunctionArn::parse(function).is_ok_and(|a| a.qualifier.is_some());
    let qualifier = match str_at(response, &["version"]) {
        Some(v) if v != "$LATEST" && !qualified => Some(v.to_string()),
        _ => None,
    };
    Trigger::ScanFunction {
        function: function.to_string(),
        qualifier,
        region,
        cause: name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_account_scan_names_its_regions_or_none() {
        assert_eq!(
            parse(&json!({"action": "scan-account"})).unwrap(),
            Trigger::ScanAccount {
                regions: vec![],
                cause: "direct".into()
            }
        );
        assert_eq!(
            parse(&json!({"action": "scan-account", "regions": ["eu-west-1", "us-east-1"]}))
                .unwrap(),
            Trigger::ScanAccount {
                regions: vec!["eu-west-1".into(), "us-east-1".into()],
                cause: "direct".into()
            }
        );
        for bad in [json!("eu-west-1"), json!([1]), json!([""])] {
            let e = parse(&json!({"action": "scan-account", "regions": bad})).unwrap_err();
            assert_eq!(
                e.to_string(),
                "invalid event: `regions` is not a list of region names"
            );
        }
    }
}
