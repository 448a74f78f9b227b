//! One line of text for any AWS SDK error. Every SDK client (Lambda here; S3,
//! EventBridge and Security Hub in the trigger) returns the same generic
//! `SdkError`, re-exported by each client crate, so one formatter serves all.

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use std::error::Error;

/// The service's error code and message when the service answered
/// (`AccessDeniedException: ...`), otherwise the error with its sources
/// (timeouts, connection and credential failures).
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
        None => error_chain(err),
    }
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
