//! Why an invocation failed, and how that reaches the Lambda runtime.

use crate::event::EventError;
use crate::outbox::PublishError;
use crate::sinks::SinkError;
use lambda_runtime::Diagnostic;

/// Why an invocation failed (a scan that fails is a result, not this).
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// The S3 report store.
    #[error(transparent)]
    Reports(#[from] crate::store::StoreError),
    /// The findings store.
    #[error(transparent)]
    Findings(#[from] store::StoreError),
    #[error("{0}")]
    Database(String),
    #[error("{0}")]
    Config(String),
    /// The fan-out queue could not take a rescan's messages.
    #[error("fan-out queue: {0}")]
    Fanout(String),
    /// An account scan could not list the account's functions.
    #[error("{0}")]
    Listing(String),
}

impl From<PublishError> for HandlerError {
    fn from(e: PublishError) -> HandlerError {
        match e {
            PublishError::Sink(e) => HandlerError::Sink(e),
            PublishError::Store(e) => HandlerError::Findings(e),
        }
    }
}

impl HandlerError {
    /// The error's kind, as the Lambda runtime's `errorType` (what alarms and
    /// metric filters match on).
    pub fn kind(&self) -> &'static str {
        match self {
            HandlerError::Event(_) => "InvalidEvent",
            HandlerError::Sink(_) => "SinkFailed",
            HandlerError::Reports(_) => "ReportStoreFailed",
            HandlerError::Findings(_) => "FindingsStoreFailed",
            HandlerError::Database(_) => "DatabaseUnavailable",
            HandlerError::Config(_) => "Misconfigured",
            HandlerError::Fanout(_) => "FanoutFailed",
            HandlerError::Listing(_) => "AccountListingFailed",
        }
    }
}

/// What the runtime posts for a failed invocation: the error's kind and its
/// message (never a Rust type name).
impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Diagnostic {
        Diagnostic {
            error_type: e.kind().to_string(),
            error_message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_gets_the_kind_and_the_message() {
        let e = HandlerError::Sink(SinkError::new(
            "EventBridge PutEvents",
            "1 of 10 entries failed: ThrottlingException",
        ));
        let d = Diagnostic::from(e);
        assert_eq!(d.error_type, "SinkFailed");
        assert_eq!(
            d.error_message,
            "EventBridge PutEvents: 1 of 10 entries failed: ThrottlingException"
        );
        let d = Diagnostic::from(HandlerError::Event(EventError("no".into())));
        assert_eq!(d.error_type, "InvalidEvent");
        assert_eq!(d.error_message, "invalid event: no");
        let d = Diagnostic::from(HandlerError::Findings(store::StoreError::UnknownBackend(
            "x://y".into(),
        )));
        assert_eq!(d.error_type, "FindingsStoreFailed");
        assert!(!d.error_type.contains("::"));
    }
}
