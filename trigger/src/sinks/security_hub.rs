//! The Security Hub sink: BatchImportFindings of every finding a transition
//! changed, in the state the findings store gives it (built by
//! [`crate::asff`]: `CreatedAt` the first observation, suppressed findings
//! `SUPPRESSED`, closed ones `RESOLVED` and `ARCHIVED`), the latest state only
//! when one publication moves a finding twice, in calls of at most
//! [`FINDINGS_PER_CALL`]. Scan results carry no finding of their own here.

use super::{Publication, Publishing, Sink, SinkConfig, SinkError};
use crate::asff;
use crate::messages::FindingEvent;
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
    fn publish<'a>(&'a self, publication: Publication<'a>, now: &'a str) -> Publishing<'a> {
        Box::pin(self.import(publication.events, now))
    }
}

impl SecurityHub {
    /// Imports through `client`.
    pub fn new(client: aws_sdk_securityhub::Client) -> SecurityHub {
        SecurityHub { client }
    }

    /// Imports the findings `events` changed; returns how many were imported.
    async fn import(&self, events: &[FindingEvent], now: &str) -> Result<usize, SinkError> {
        let findings = findings(events, now)?;
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

/// The ASFF findings `events` changed, each in its latest state, in the order
/// of their first event.
fn findings(events: &[FindingEvent], now: &str) -> Result<Vec<AwsSecurityFinding>, SinkError> {
    let mut latest: Vec<&FindingEvent> = Vec::with_capacity(events.len());
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for event in events {
        match at.get(event.finding.id.as_str()) {
            Some(&i) => latest[i] = event,
            None => {
                at.insert(&event.finding.id, latest.len());
                latest.push(event);
            }
        }
    }
    latest
        .into_iter()
        .map(|event| {
            let subject = &event.finding.subject;
            let context = layers::aws::asff::context(subject, now.to_string())
                .ok_or_else(|| SinkError::new(SINK, format!("`{subject}` is not a Lambda ARN")))?;
            asff::to_sdk(&asff::finding(&context, &event.finding))
                .map_err(|e| SinkError::new(SINK, e.to_string()))
        })
        .collect()
}
