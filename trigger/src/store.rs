//! The S3 report store: each scan's JSON report and the inventory it was
//! matched from, for people and tools that read S3. The handler's own state
//! (inventories for rescans, findings and their lifecycle) is in the findings
//! store ([`crate::findings_store`]).
//!
//! Keys: `{prefix}reports/{region}/{account}/{kind}/{name}/{version}.json` and
//! `{prefix}inventories/…` (same layout).
//!
//! Configured by `LAMBDA_AUDIT_REPORT_BUCKET` (+ `LAMBDA_AUDIT_REPORT_PREFIX`,
//! default [`DEFAULT_REPORT_PREFIX`]); see [`StoreConfig`].

use analyzer::findings::ScanReport;
use aws_config::SdkConfig;
use aws_sdk_s3::primitives::ByteStream;
use layers::aws::arn::{FunctionArn, LayerVersionArn};
use layers::aws::{sdk_message, Scanned, SubjectKind};
use serde::{Deserialize, Serialize};

/// The default key prefix of the S3 report store.
pub const DEFAULT_REPORT_PREFIX: &str = "lambda-audit/";

/// Where the report store is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// `LAMBDA_AUDIT_REPORT_BUCKET`.
    pub bucket: String,
    /// `LAMBDA_AUDIT_REPORT_PREFIX`, ending in `/` unless empty.
    pub prefix: String,
}

impl StoreConfig {
    /// Reads the `LAMBDA_AUDIT_REPORT_*` variables through `var`; `None`
    /// without a bucket (no store).
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Option<StoreConfig> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let bucket = set("LAMBDA_AUDIT_REPORT_BUCKET")?;
        let mut prefix = set("LAMBDA_AUDIT_REPORT_PREFIX").unwrap_or(DEFAULT_REPORT_PREFIX.into());
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Some(StoreConfig { bucket, prefix })
    }
}

/// A report as stored: the scan's subject and cause around the findings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredReport {
    pub subject: String,
    pub kind: SubjectKind,
    pub cause: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    #[serde(default)]
    pub layers: Vec<String>,
    pub report: ScanReport,
}

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("S3 s3://{bucket}/{key}: {message}")]
pub struct StoreError {
    pub bucket: String,
    pub key: String,
    pub message: String,
}

/// Reports and inventories in one bucket, under one prefix.
#[derive(Clone, Debug)]
pub struct ReportStore {
    s3: aws_sdk_s3::Client,
    pub bucket: String,
    pub prefix: String,
}

fn safe(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.$".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The key path of a subject below `reports/` or `inventories/`.
pub fn subject_path(subject: &str) -> String {
    if let Ok(f) = FunctionArn::parse(subject) {
        let version = f.qualifier.as_deref().unwrap_or("$LATEST");
        return format!(
            "{}/{}/function/{}/{}.json",
            safe(&f.region),
            safe(&f.account),
            safe(&f.name),
            safe(version)
        );
    }
    if let Ok(l) = LayerVersionArn::parse(subject) {
        return format!(
            "{}/{}/layer/{}/{}.json",
            safe(&l.region),
            safe(&l.account),
            safe(&l.name),
            l.version
        );
    }
    format!("other/{}.json", safe(subject))
}

impl ReportStore {
    /// The store in `bucket` under `prefix`, through `s3`.
    pub fn new(s3: aws_sdk_s3::Client, bucket: String, prefix: String) -> ReportStore {
        ReportStore { s3, bucket, prefix }
    }

    /// The store `config` names, with an S3 client made from `sdk`.
    pub fn configured(config: &StoreConfig, sdk: &SdkConfig) -> ReportStore {
        ReportStore::new(
            crate::clients::s3(sdk),
            config.bucket.clone(),
            config.prefix.clone(),
        )
    }

    fn key(&self, kind: &str, subject: &str) -> String {
        format!("{}{kind}/{}", self.prefix, subject_path(subject))
    }

    fn error(&self, key: &str, message: impl Into<String>) -> StoreError {
        StoreError {
            bucket: self.bucket.clone(),
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// `s3://bucket/key` of a subject's report.
    pub fn report_uri(&self, subject: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.key("reports", subject))
    }

    async fn put_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let body = serde_json::to_vec_pretty(value).map_err(|e| self.error(key, e.to_string()))?;
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| self.error(key, sdk_message(&e)))?;
        Ok(())
    }

    /// Stores a report; returns its `s3://` URI.
    pub async fn put_report(&self, report: &StoredReport) -> Result<String, StoreError> {
        let key = self.key("reports", &report.subject);
        self.put_json(&key, report).await?;
        Ok(format!("s3://{}/{key}", self.bucket))
    }

    /// Stores the inventory a report was matched from.
    pub async fn put_inventory(&self, scanned: &Scanned) -> Result<(), StoreError> {
        self.put_json(&self.key("inventories", &scanned.subject), scanned)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::subject_path;

    #[test]
    fn keys_follow_region_account_kind_name_version() {
        assert_eq!(
            subject_path("arn:aws:lambda:us-east-1:123456789012:function:app:$LATEST"),
            "us-east-1/123456789012/function/app/$LATEST.json"
        );
        assert_eq!(
            subject_path("arn:aws:lambda:us-east-1:123456789012:layer:deps:3"),
            "us-east-1/123456789012/layer/deps/3.json"
        );
        assert_eq!(subject_path("weird/../x"), "other/weird_.._x.json");
    }
}
