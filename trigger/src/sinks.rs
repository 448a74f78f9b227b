//! Where scan results go, as configured by environment variables:
//!
//! - `LAMBDA_AUDIT_EVENT_BUS`: EventBridge bus name or ARN (PutEvents; see [`crate::messages`]);
//! - `LAMBDA_AUDIT_SECURITY_HUB` = `true`: Security Hub BatchImportFindings (ASFF);
//! - `LAMBDA_AUDIT_REPORT_BUCKET` (+ `LAMBDA_AUDIT_REPORT_PREFIX`, default
//!   `lambda-audit/`): JSON reports and inventories in S3 (see [`crate::store`]).

use crate::asff::{self, Presence};
use crate::messages::{ScanResult, EVENT_SOURCE, FINDING_DETAIL_TYPE, SCAN_DETAIL_TYPE};
use crate::store::ReportStore;
use aws_config::SdkConfig;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use layers::aws::sdk_message;

/// Which sinks are on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SinkConfig {
    pub event_bus: Option<String>,
    pub security_hub: bool,
    pub report_bucket: Option<String>,
    pub report_prefix: String,
}

/// The default key prefix of the S3 report store.
pub const DEFAULT_REPORT_PREFIX: &str = "lambda-audit/";

impl SinkConfig {
    /// Reads the `LAMBDA_AUDIT_*` sink variables through `var`.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> SinkConfig {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let mut prefix = set("LAMBDA_AUDIT_REPORT_PREFIX").unwrap_or(DEFAULT_REPORT_PREFIX.into());
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        SinkConfig {
            event_bus: set("LAMBDA_AUDIT_EVENT_BUS"),
            security_hub: set("LAMBDA_AUDIT_SECURITY_HUB")
                .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes")),
            report_bucket: set("LAMBDA_AUDIT_REPORT_BUCKET"),
            report_prefix: prefix,
        }
    }
}

/// A sink that refused what was published.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("EventBridge PutEvents: {0}")]
    Events(String),
    #[error("Security Hub BatchImportFindings: {0}")]
    SecurityHub(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// EventBridge allows 10 entries per PutEvents call.
const EVENTS_PER_CALL: usize = 10;
/// Security Hub allows 100 findings per BatchImportFindings call.
const FINDINGS_PER_CALL: usize = 100;

/// The configured sinks, with their clients.
#[derive(Clone, Debug)]
pub struct Sinks {
    events: Option<(aws_sdk_eventbridge::Client, String)>,
    hub: Option<aws_sdk_securityhub::Client>,
    pub store: Option<ReportStore>,
}

impl Sinks {
    pub fn new(config: &SinkConfig, sdk: &SdkConfig) -> Sinks {
        Sinks {
            events: config
                .event_bus
                .clone()
                .map(|bus| (aws_sdk_eventbridge::Client::new(sdk), bus)),
            hub: config
                .security_hub
                .then(|| aws_sdk_securityhub::Client::new(sdk)),
            store: config.report_bucket.clone().map(|bucket| {
                ReportStore::new(
                    crate::clients::s3(sdk),
                    bucket,
                    config.report_prefix.clone(),
                )
            }),
        }
    }

    /// Publishes the scan event and one event per new finding; returns how many
    /// events were accepted (0 when the sink is off).
    pub async fn publish_events(&self, result: &ScanResult) -> Result<usize, SinkError> {
        let Some((client, bus)) = &self.events else {
            return Ok(0);
        };
        let mut entries = vec![entry(
            bus,
            SCAN_DETAIL_TYPE,
            &result.subject,
            json(&result.detail())?,
        )];
        for detail in result.finding_details() {
            entries.push(entry(
                bus,
                FINDING_DETAIL_TYPE,
                &result.subject,
                json(&detail)?,
            ));
        }
        let mut sent = 0;
        for chunk in entries.chunks(EVENTS_PER_CALL) {
            let out = client
                .put_events()
                .set_entries(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| SinkError::Events(sdk_message(&e)))?;
            if out.failed_entry_count() > 0 {
                let why: Vec<String> = out
                    .entries()
                    .iter()
                    .filter_map(|e| e.error_message().map(str::to_string))
                    .collect();
                return Err(SinkError::Events(format!(
                    "{} of {} entries failed: {}",
                    out.failed_entry_count(),
                    chunk.len(),
                    why.join("; ")
                )));
            }
            sent += chunk.len();
        }
        Ok(sent)
    }

    /// Imports the open findings (ACTIVE) and the resolved ones (ARCHIVED);
    /// returns how many were imported (0 when the sink is off).
    pub async fn publish_security_hub(
        &self,
        result: &ScanResult,
        now: &str,
    ) -> Result<usize, SinkError> {
        let Some(client) = &self.hub else {
            return Ok(0);
        };
        let Some(report) = &result.report else {
            return Ok(0);
        };
        let context =
            layers::aws::asff::context(&result.subject, now.to_string()).ok_or_else(|| {
                SinkError::SecurityHub(format!("`{}` is not a Lambda ARN", result.subject))
            })?;
        let present = report
            .findings
            .iter()
            .filter(|f| f.status == analyzer::findings::Status::Open)
            .map(|f| asff::finding(&context, f, Presence::Present));
        let gone = result
            .resolved_findings
            .iter()
            .map(|f| asff::finding(&context, f, Presence::Gone));
        let findings = present
            .chain(gone)
            .map(|v| asff::to_sdk(&v))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SinkError::SecurityHub(e.to_string()))?;
        let mut imported = 0;
        for chunk in findings.chunks(FINDINGS_PER_CALL) {
            let out = client
                .batch_import_findings()
                .set_findings(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| SinkError::SecurityHub(sdk_message(&e)))?;
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
                return Err(SinkError::SecurityHub(why.join("; ")));
            }
            imported += out.success_count().unwrap_or(chunk.len() as i32).max(0) as usize;
        }
        Ok(imported)
    }
}

fn entry(bus: &str, detail_type: &str, subject: &str, detail: String) -> PutEventsRequestEntry {
    let mut e = PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(EVENT_SOURCE)
        .detail_type(detail_type)
        .detail(detail);
    if subject.starts_with("arn:") {
        e = e.resources(subject);
    }
    e.build()
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, SinkError> {
    serde_json::to_string(value).map_err(|e| SinkError::Events(e.to_string()))
}
