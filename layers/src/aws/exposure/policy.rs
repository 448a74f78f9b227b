//! Who a function's resource-based policy lets invoke it: the principals of
//! its `Allow` statements on `lambda:InvokeFunction` (or `lambda:*`, `*`),
//! sorted into the public, services and accounts that call it from outside,
//! and the event sources that only deliver events.

use serde_json::Value;

/// Services whose permission makes the function a request handler reached
/// from outside AWS (API Gateway, an Application Load Balancer).
pub const FRONT_DOOR_SERVICES: [&str; 2] = [
    "apigateway.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
];

/// The principals allowed to invoke the function, as the exposure
/// describes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invokers {
    /// Principals that reach it from outside: `*` (written `* (with
    /// conditions)` when conditions narrow it), front-door services,
    /// other accounts' principals.
    pub outside: Vec<String>,
    /// Event-source services (S3, SNS, EventBridge...): events only.
    pub event_sources: Vec<String>,
}

/// A policy document that is not the JSON IAM writes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the resource policy is not an IAM policy document: {0}")]
pub struct PolicyError(pub String);

/// One value or a list of them, as IAM writes `Action` and principals.
fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// True when an action pattern covers invoking the function.
fn invokes(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    matches!(
        a.as_str(),
        "*" | "lambda:*" | "lambda:invokefunction" | "lambda:invoke*"
    )
}

/// The account of an IAM principal ARN (`arn:aws:iam::123456789012:root`),
/// or the bare account id IAM also accepts.
fn account_of(principal: &str) -> Option<&str> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(principal);
    }
    principal.split(':').nth(4).filter(|a| !a.is_empty())
}

/// Reads the policy `document` of a function in `own_account`.
pub fn invokers(document: &str, own_account: Option<&str>) -> Result<Invokers, PolicyError> {
    let doc: Value = serde_json::from_str(document).map_err(|e| PolicyError(e.to_string()))?;
    let statements = match doc.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Err(PolicyError("no `Statement`".into())),
    };
    let mut out = Invokers::default();
    for s in &statements {
        let allow = s.get("Effect").and_then(Value::as_str) == Some("Allow");
        let action = s.get("Action").map(strings).unwrap_or_default();
        if !allow || !action.iter().any(|a| invokes(a)) {
            continue;
        }
        let conditional = s
            .get("Condition")
            .and_then(Value::as_object)
            .is_some_and(|c| !c.is_empty());
        let principal = s.get("Principal").cloned().unwrap_or(Value::Null);
        let (services, others): (Vec<&str>, Vec<&str>) = match &principal {
            Value::String(p) => (Vec::new(), vec![p.as_str()]),
            Value::Object(m) => (
                m.get("Service").map(strings).unwrap_or_default(),
                m.get("AWS").map(strings).unwrap_or_default(),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        for service in services {
            let list = match FRONT_DOOR_SERVICES.contains(&service) {
                true => &mut out.outside,
                false => &mut out.event_sources,
            };
            list.push(service.to_string());
        }
        for p in others {
            if p == "*" {
                out.outside.push(match conditional {
                    true => "* (with conditions)".into(),
                    false => "*".into(),
                });
            } else if account_of(p).is_some() && account_of(p) != own_account {
                out.outside.push(p.to_string());
            }
        }
    }
    for list in [&mut out.outside, &mut out.event_sources] {
        list.sort();
        list.dedup();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(statements: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Id":"default","Statement":[{statements}]}}"#)
    }

    #[test]
    fn principals_are_sorted_by_how_they_reach_the_function() {
        let doc = policy(
            r#"{"Sid":"api","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},
                "Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:f",
                "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:111111111111:abc/*"}}},
               {"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},
                "Action":"lambda:InvokeFunction","Resource":"*"},
               {"Sid":"other","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},
                "Action":["lambda:InvokeFunction"],"Resource":"*"},
               {"Sid":"self","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},
                "Action":"lambda:InvokeFunction","Resource":"*"},
               {"Sid":"get","Effect":"Allow","Principal":"*","Action":"lambda:GetFunction","Resource":"*"},
               {"Sid":"deny","Effect":"Deny","Principal":"*","Action":"lambda:InvokeFunction","Resource":"*"}"#,
        );
        let i = invokers(&doc, Some("111111111111")).unwrap();
        assert_eq!(
            i.outside,
            ["apigateway.amazonaws.com", "arn:aws:iam::222222222222:root"]
        );
        assert_eq!(i.event_sources, ["s3.amazonaws.com"]);
    }

    #[test]
    fn anyone_is_public_unless_conditions_narrow_it() {
        let open =
            policy(r#"{"Effect":"Allow","Principal":"*","Action":"lambda:*","Resource":"*"}"#);
        assert_eq!(invokers(&open, None).unwrap().outside, ["*"]);
        let narrowed = policy(
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"lambda:InvokeFunction","Resource":"*",
                "Condition":{"StringEquals":{"AWS:SourceAccount":"111111111111"}}}"#,
        );
        assert_eq!(
            invokers(&narrowed, None).unwrap().outside,
            ["* (with conditions)"]
        );
    }

    #[test]
    fn a_document_that_is_not_a_policy_is_an_error() {
        assert!(invokers("not json", None).is_err());
        assert!(invokers("{}", None).is_err());
    }
}
