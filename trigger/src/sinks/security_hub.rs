//! The Security Hub sink: BatchImportFindings of the scan's open findings
//! (ACTIVE) and of those gone since the previous report (ARCHIVED, RESOLVED),
//! built by [`crate::asff`], in calls of at most [`FINDINGS_PER_CALL`].

use super::{Publishing, Sink, SinkConfig, SinkError};
use crate::asff::{self, Presence};
use crate::messages::ScanResult;
use analyzer::findings::Status;
use aws_config::SdkConfig;
use aws_sdk_securityhub::types::AwsSecurityFinding;
use layers::aws::sdk_message;

/// Security Hub allows 100 findings per BatchImportFindings call.
pub const FINDINGS_PER_CALL: usize = 100;

/// How this sink names itself in errors.
const SINK: &str = "Security Hub BatchImportFindings";

/// Findings imported into the account's Security Hub.
#[derive(Clone, Debug)]
pub struct SecurityHub {
    client: aws_sdk_securityhub::Client,
}

/// The sink, when `LAMBDA_AUDIT_SECURITY_HUB` is on.
pub(super) fn configure(config: &SinkConfig, sdk: &SdkConfig) -> Option<Box<dyn Sink>> {
    config
        .security_hub
        .then(|| Box::new(SecurityHub::new(aws_sdk_securityhub::Client::new(sdk))) as Box<dyn Sink>)
}

impl Sink for SecurityHub {
    fn publish<'a>(&'a self, result: &'a ScanResult, now: &'a str) -> Publishing<'a> {
        Box::pin(self.import(result, now))
    }
}

impl SecurityHub {
    /// Imports through `client`.
    pub fn new(client: aws_sdk_securityhub::Client) -> SecurityHub {
        SecurityHub { client }
    }

    /// Imports the open findings (ACTIVE) and the resolved ones (ARCHIVED),
    /// stamped `now`; returns how many were imported (0 without a report).
    async fn import(&self, result: &ScanResult, now: &str) -> Result<usize, SinkError> {
        let findings = findings(result, now)?;
        let mut imported = 0;
        for chunk in findings.chunks(FINDINGS_PER_CALL) {
            let out = self
                .client
                .batch_import_findings()
                .set_findings(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| SinkError::new(SINK, sdk_message(&e)))?;
            if out.failed_count().unwrap_or(0) > 0 {
                let why: Vec<String> = out
                    .failed_findings()
                    .iter()
                    .map(|f| {
                        format!(
                            "{}: {}",
                            f.id().unwrap_or("?"),
                            f.error_message().unwrap_or("failed")
                        )
                    })
                    .collect();
                return Err(SinkError::new(SINK, why.join("; ")));
            }
            imported += out.success_count().unwrap_or(chunk.len() as i32).max(0) as usize;
        }
        Ok(imported)
    }
}

/// The ASFF findings of `result`: present ones first, then the gone ones.
fn findings(result: &ScanResult, now: &str) -> Result<Vec<AwsSecurityFinding>, SinkError> {
    let Some(report) = &result.report else {
        return Ok(Vec::new());
    };
    let context = layers::aws::asff::context(&result.subject, now.to_string())
        .ok_or_else(|| SinkError::new(SINK, format!("`{}` is not a Lambda ARN", result.subject)))?;
    let present = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Open)
        .map(|f| asff::finding(&context, f, Presence::Present));
    let gone = result
        .resolved_findings
        .iter()
        .map(|f| asff::finding(&context, f, Presence::Gone));
    present
        .chain(gone)
        .map(|v| asff::to_sdk(&v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SinkError::new(SINK, e.to_string()))
}
