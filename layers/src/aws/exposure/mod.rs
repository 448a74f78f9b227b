//! How a deployed function is exposed, from two Lambda API calls besides
//! GetFunction: GetFunctionUrlConfig (a function URL and its `AuthType`) and
//! GetPolicy (its resource-based policy, see [`policy`]).
//!
//! | what the calls say | exposure |
//! |---|---|
//! | a function URL with `AuthType` `NONE` | `internet (function URL, no auth)` |
//! | the policy lets `*`, API Gateway, an ALB or another account invoke it | `invocable by <principals>` |
//! | neither (only event sources, or the owner's IAM principals) | `event sources only` |
//! | a call was denied or failed, and nothing above was found | `unknown: <call> failed: <error>` |
//!
//! Both calls are made on the unqualified function: its URL and the policy
//! that API Gateway and event sources are granted on.

pub mod policy;

use super::arn::FunctionArn;
use super::error::{sdk_message, service_code};
use analyzer::risk::Exposure;
use aws_sdk_lambda::types::FunctionUrlAuthType;

/// What one call answered: a value, nothing (the resource does not exist),
/// or a failure in words (`GetPolicy failed: AccessDeniedException: ...`).
pub type Answer<T> = Result<Option<T>, String>;

/// The exposure the two answers give (see the [module](self) table):
/// `url_auth` is the function URL's `AuthType`, `policy` the policy document;
/// `own_account` keeps the owner's own principals out of "invocable by".
pub fn decide(
    url_auth: Answer<String>,
    policy: Answer<String>,
    own_account: Option<&str>,
) -> Exposure {
    if let Ok(Some(auth)) = &url_auth {
        if auth.eq_ignore_ascii_case(FunctionUrlAuthType::None.as_str()) {
            return Exposure::function_url_without_auth();
        }
    }
    let invokers = match policy {
        Ok(Some(document)) => match policy::invokers(&document, own_account) {
            Ok(i) => Ok(i),
            Err(e) => Err(format!("GetPolicy: {e}")),
        },
        Ok(None) => Ok(policy::Invokers::default()),
        Err(e) => Err(e),
    };
    match (invokers, url_auth) {
        (Ok(i), _) if !i.outside.is_empty() => Exposure::invocable_by(&i.outside),
        (Ok(_), Ok(_)) => Exposure::event_sources_only(),
        (Err(e), _) | (Ok(_), Err(e)) => Exposure::unknown(e),
    }
}

/// Reads the exposure of the function `subject` names (a function ARN,
/// qualified or not). Never fails: a call that fails makes it unknown,
/// naming the call.
pub async fn read(lambda: &aws_sdk_lambda::Client, subject: &str) -> Exposure {
    let arn = match FunctionArn::parse(subject) {
        Ok(arn) => arn,
        Err(e) => return Exposure::unknown(e),
    };
    let function = arn.unqualified();
    let not_found = |code: Option<&str>| code == Some("ResourceNotFoundException");
    let url_auth = match lambda
        .get_function_url_config()
        .function_name(&function)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.auth_type().as_str().to_string())),
        Err(e) if not_found(service_code(&e)) => Ok(None),
        Err(e) => Err(format!("GetFunctionUrlConfig failed: {}", sdk_message(&e))),
    };
    let policy = match lambda.get_policy().function_name(&function).send().await {
        Ok(out) => Ok(out.policy().map(str::to_string)),
        Err(e) if not_found(service_code(&e)) => Ok(None),
        Err(e) => Err(format!("GetPolicy failed: {}", sdk_message(&e))),
    };
    decide(url_auth, policy, Some(&arn.account))
}

#[cfg(test)]
mod tests {
    use super::*;
    use analyzer::risk::ExposureLevel;

    const API: &str = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*"}]}"#;
    const S3: &str = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*"}]}"#;

    fn some(s: &str) -> Answer<String> {
        Ok(Some(s.to_string()))
    }

    #[test]
    fn each_answer_gives_its_exposure() {
        let e = decide(some("NONE"), Err("GetPolicy failed: denied".into()), None);
        assert_eq!(e.to_string(), "internet (function URL, no auth)");
        assert_eq!(e.level, ExposureLevel::Internet);
        let e = decide(some("AWS_IAM"), some(API), None);
        assert_eq!(e.to_string(), "invocable by apigateway.amazonaws.com");
        assert_eq!(e.level, ExposureLevel::Invocable);
        assert_eq!(
            decide(Ok(None), some(S3), None).to_string(),
            "event sources only"
        );
        assert_eq!(
            decide(Ok(None), Ok(None), None).level,
            ExposureLevel::EventSourcesOnly
        );
    }

    #[test]
    fn a_failed_call_makes_it_unknown_and_names_the_call() {
        let e = decide(
            Ok(None),
            Err("GetPolicy failed: AccessDeniedException: no".into()),
            None,
        );
        assert_eq!(e.level, ExposureLevel::Unknown);
        assert_eq!(
            e.to_string(),
            "unknown: GetPolicy failed: AccessDeniedException: no"
        );
        let e = decide(Err("GetFunctionUrlConfig failed: x".into()), some(S3), None);
        assert_eq!(e.to_string(), "unknown: GetFunctionUrlConfig failed: x");
        // What is known to be open is said even when the other call failed.
        let e = decide(
            Err("GetFunctionUrlConfig failed: x".into()),
            some(API),
            None,
        );
        assert_eq!(e.level, ExposureLevel::Invocable);
    }
}
