//! One line of text for any AWS SDK error. Every SDK client (Lambda here; S3,
//! EventBridge and Security Hub in the trigger) returns the same generic
//! `SdkError`, re-exported by each client crate, so one formatter serves all.

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use std::error::Error;

/// What a call says when no credentials were found: what is missing and how
/// to set it, instead of the SDK's list of every provider it tried.
pub const NO_CREDENTIALS: &str = "no AWS credentials: set AWS_PROFILE (after `aws configure` or \
     `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

/// The service's error code and message when the service answered
/// (`AccessDeniedException: ...`), [`NO_CREDENTIALS`] when the SDK found no
/// credentials, otherwise the error with its sources (timeouts, connection
/// and other credential failures).
pub fn sdk_message<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
    R: std::fmt::Debug,
{
    match err.as_service_error() {
        Some(e) => format!(
            "{}: {}",
            e.code().unwrap_or("error"),
            e.message().unwrap_or("no message")
        ),
        None if missing_credentials(err.source()) => NO_CREDENTIALS.to_string(),
        None => error_chain(err),
    }
}

/// True when `cause` or one of its sources is the SDK's "no credentials were
/// loaded" (every provider of the chain tried, none configured).
fn missing_credentials(mut cause: Option<&(dyn Error + 'static)>) -> bool {
    while let Some(e) = cause {
        if let Some(CredentialsError::CredentialsNotLoaded(_)) = e.downcast_ref() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The service's error code, when the service answered with one.
pub fn service_code<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.code())
}

/// An error followed by each of its sources, joined by `: `.
fn error_chain(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("dispatch failure")]
    struct Dispatch(#[source] CredentialsError);

    #[test]
    fn missing_credentials_are_found_among_the_sources() {
        let missing = Dispatch(CredentialsError::not_loaded("no providers in chain"));
        assert!(missing_credentials(Some(&missing)));
        let other = Dispatch(CredentialsError::provider_error("the SSO token expired"));
        assert!(!missing_credentials(Some(&other)));
        assert_eq!(
            error_chain(&other),
            "dispatch failure: an error occurred while loading credentials: the SSO token expired"
        );
    }
}
