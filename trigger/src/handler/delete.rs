//! Deletes: a deleted function (one version, or all of them) or layer version
//! has its stored findings closed (`function_deleted`), published as
//! `Finding Closed` events with a `gone` scan result per subject.

use super::{answer, Handler, HandlerError};
use crate::event::Deleted;
use crate::messages::{Published, ScanResult, ScanStatus};
use crate::outbox::blocking;
use layers::aws::arn::FunctionArn;
use layers::aws::SubjectKind;
use serde_json::Value;
use store::{CloseReason, ScanReason};

impl Handler {
    /// Closes the findings of what `deleted` names, then publishes.
    pub(super) async fn deleted(
        &self,
        deleted: &Deleted,
        cause: &str,
    ) -> Result<Value, HandlerError> {
        let (kind, keys) = match deleted.clone() {
            Deleted::LayerVersion { arn } => (SubjectKind::Layer, vec![arn]),
            Deleted::Function { arn } => {
                let keys = blocking(&self.findings, move |s| {
                    Ok(stored_versions(
                        &arn,
                        s.subjects()?.into_iter().map(|r| r.subject.key),
                    ))
                })
                .await?;
                (SubjectKind::Function, keys)
            }
        };
        let mut results = Vec::new();
        for key in keys {
            let closing = key.clone();
            let recorded = blocking(&self.findings, move |s| {
                if s.subject(&closing)?.is_none_or(|r| r.deleted_at.is_some()) {
                    return Ok(None);
                }
                let now = store::time::now();
                store::close_subject(
                    s,
                    &closing,
                    CloseReason::FunctionDeleted,
                    ScanReason::Trigger,
                    now,
                )
                .map(Some)
            })
            .await?;
            if recorded.is_some() {
                results.push(ScanResult {
                    subject: key,
                    kind,
                    status: ScanStatus::Gone,
                    reason: Some(format!("gone: deleted ({cause})")),
                    cause: cause.to_string(),
                    runtime: None,
                    layers: Vec::new(),
                    report: None,
                    published: Published::default(),
                    report_location: None,
                });
            }
        }
        let delivered = Box::pin(self.publish(&mut results)).await?;
        Ok(answer("delete", &results, delivered))
    }
}

/// The stored subjects a deleted function ARN covers: that version when the
/// ARN is qualified, else every version of the function.
fn stored_versions(arn: &str, keys: impl Iterator<Item = String>) -> Vec<String> {
    let qualified = FunctionArn::parse(arn).is_ok_and(|a| a.qualifier.is_some());
    keys.filter(|key| {
        if qualified {
            key == arn
        } else {
            key.strip_prefix(arn)
                .is_some_and(|rest| rest.starts_with(':') && !rest[1..].contains(':'))
        }
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::stored_versions;

    #[test]
    fn a_function_delete_covers_its_versions_and_a_version_delete_one() {
        let keys = [
            "arn:aws:lambda:us-east-1:123456789012:function:app:$LATEST",
            "arn:aws:lambda:us-east-1:123456789012:function:app:3",
            "arn:aws:lambda:us-east-1:123456789012:function:app-2:1",
            "arn:aws:lambda:us-east-1:123456789012:layer:app:1",
        ]
        .map(String::from);
        let all = stored_versions(
            "arn:aws:lambda:us-east-1:123456789012:function:app",
            keys.clone().into_iter(),
        );
        assert_eq!(all, keys[..2].to_vec());
        let one = stored_versions(
            "arn:aws:lambda:us-east-1:123456789012:function:app:3",
            keys.clone().into_iter(),
        );
        assert_eq!(one, vec![keys[1].clone()]);
    }
}
