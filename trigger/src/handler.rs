//! The handler's work for one event: decide, scan (or re-match stored
//! inventories), match against the advisory database, and publish.

use crate::database::{DatabaseCache, DatabaseSource, LoadMatcher, Matcher};
use crate::event::{self, Trigger};
use crate::messages::{diff, ScanResult, ScanStatus};
use crate::sinks::{self, Sink, SinkConfig, SinkError};
use crate::store::{ReportStore, StoreConfig, StoreError, StoredReport};
use analyzer::date::rfc3339_now;
use analyzer::Limits;
use aws_config::SdkConfig;
use layers::aws::config::{self, AwsOptions};
use layers::aws::{
    CodeUrlRewrite, Downloader, LayerCache, ScanOutcome, Scanned, Scanner, SubjectKind,
};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// Everything the handler reads from its environment.
#[derive(Clone, Debug)]
pub struct HandlerConfig {
    /// `LAMBDA_AUDIT_ENDPOINT_URL`: one endpoint for every AWS service (emulators).
    pub aws: AwsOptions,
    pub sinks: SinkConfig,
    /// The S3 report store, when `LAMBDA_AUDIT_REPORT_BUCKET` is set.
    pub store: Option<StoreConfig>,
    pub database: DatabaseSource,
    /// `LAMBDA_AUDIT_CODE_MIRROR`: fetch code from a content-addressed mirror
    /// (`{base}/{sha256 hex}`) instead of Lambda's presigned URL.
    pub code_rewrite: CodeUrlRewrite,
    /// `LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES`: the download cap.
    pub max_download_bytes: u64,
    /// `LAMBDA_AUDIT_WORK_DIR` (default `/tmp/lambda-audit`): where an S3 database is written.
    pub work_dir: PathBuf,
}

impl HandlerConfig {
    /// Reads the configuration through `var` (`std::env::var` in the handler).
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<HandlerConfig, String> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let max_download_bytes = match set("LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES") {
            Some(v) => v.trim().parse().map_err(|_| {
                format!("LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES `{v}` is not a byte count")
            })?,
            None => Limits::default().max_artifact_bytes,
        };
        Ok(HandlerConfig {
            aws: AwsOptions {
                region: None,
                endpoint_url: set("LAMBDA_AUDIT_ENDPOINT_URL"),
            },
            sinks: SinkConfig::from_env(var),
            store: StoreConfig::from_env(var),
            database: DatabaseSource::from_env(var)?,
            code_rewrite: match set("LAMBDA_AUDIT_CODE_MIRROR") {
                Some(base) => CodeUrlRewrite::Mirror { base },
                None => CodeUrlRewrite::None,
            },
            max_download_bytes,
            work_dir: PathBuf::from(
                set("LAMBDA_AUDIT_WORK_DIR").unwrap_or_else(|| "/tmp/lambda-audit".into()),
            ),
        })
    }
}

/// Why an invocation failed (a scan that fails is a result, not this).
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Event(#[from] event::EventError),
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Database(String),
    #[error("{0}")]
    Config(String),
}

/// The handler, kept across warm invocations.
pub struct Handler {
    config: HandlerConfig,
    sdk: SdkConfig,
    /// Where results are published, in order.
    sinks: Vec<Box<dyn Sink>>,
    store: Option<ReportStore>,
    database: DatabaseCache,
    downloader: Downloader,
}

impl Handler {
    /// Loads the AWS configuration and sets up the sinks and the store; `load` reads the
    /// advisory database (loaded on first use and when it changes).
    pub async fn new(config: HandlerConfig, load: LoadMatcher) -> Result<Handler, HandlerError> {
        let sdk = config::load(&config.aws, None).await;
        let sinks = sinks::configured(&config.sinks, &sdk);
        let store = config
            .store
            .as_ref()
            .map(|store| ReportStore::configured(store, &sdk));
        let downloader = Downloader::new(config.max_download_bytes, config.code_rewrite.clone())
            .map_err(|e| HandlerError::Config(e.to_string()))?;
        let database = DatabaseCache::new(config.work_dir.join("db"), load);
        Ok(Handler {
            config,
            sdk,
            sinks,
            store,
            database,
            downloader,
        })
    }

    /// Handles one event; the JSON answer lists each subject's result.
    pub async fn handle(&self, event: &Value) -> Result<Value, HandlerError> {
        // The SDK's futures are large: each branch is boxed so that an
        // invocation does not need a deep stack.
        match event::parse(event)? {
            Trigger::Ignore { reason } => Ok(json!({"action": "ignored", "reason": reason})),
            Trigger::ObjectCreated { bucket, key } => {
                if self.config.database.is_object(&bucket, &key) {
                    Box::pin(self.rescan("database-updated")).await
                } else {
                    Ok(json!({
                        "action": "ignored",
                        "reason": format!("s3://{bucket}/{key} is not the advisory database object"),
                    }))
                }
            }
            Trigger::Rescan { cause } => Box::pin(self.rescan(&cause)).await,
            Trigger::ScanFunction {
                function,
                qualifier,
                region,
                cause,
            } => {
                let named = match &qualifier {
                    Some(q) => format!("{function}:{q}"),
                    None => function.clone(),
                };
                let scan = async {
                    let scanner = self.scanner(region.as_deref()).await;
                    scanner.scan_function(&function, qualifier.as_deref()).await
                };
                let outcome = Box::pin(scan).await;
                Box::pin(self.finish(outcome, SubjectKind::Function, &named, &cause)).await
            }
            Trigger::ScanLayer {
                layer_version_arn,
                region,
                cause,
            } => {
                let scan = async {
                    let scanner = self.scanner(region.as_deref()).await;
                    scanner.scan_layer(&layer_version_arn).await
                };
                let outcome = Box::pin(scan).await;
                Box::pin(self.finish(outcome, SubjectKind::Layer, &layer_version_arn, &cause)).await
            }
        }
    }

    /// Concludes and publishes one scan.
    async fn finish(
        &self,
        outcome: Result<ScanOutcome, layers::aws::FetchError>,
        kind: SubjectKind,
        named: &str,
        cause: &str,
    ) -> Result<Value, HandlerError> {
        let result = Box::pin(self.conclude(outcome, kind, named, cause)).await?;
        Box::pin(self.publish(&result)).await?;
        Ok(json!({"action": "scan", "results": [summary(&result)]}))
    }

    async fn scanner(&self, region: Option<&str>) -> Scanner {
        let sdk = match region {
            Some(r) if self.sdk.region().map(|own| own.as_ref()) != Some(r) => {
                config::load(&self.config.aws, Some(r)).await
            }
            _ => self.sdk.clone(),
        };
        Scanner::new(
            config::lambda(&sdk),
            self.downloader.clone(),
            Limits::default(),
            Arc::new(LayerCache::default()),
        )
    }

    async fn matcher(&self) -> Result<Arc<dyn Matcher>, HandlerError> {
        self.database
            .matcher(&self.config.database, &crate::clients::s3(&self.sdk))
            .await
            .map_err(HandlerError::Database)
    }

    /// Turns a scan outcome into a result: matched, diffed against the previous
    /// report, and stored.
    async fn conclude(
        &self,
        outcome: Result<ScanOutcome, layers::aws::FetchError>,
        kind: SubjectKind,
        named: &str,
        cause: &str,
    ) -> Result<ScanResult, HandlerError> {
        let bare = |subject: String, status, reason: String| ScanResult {
            subject,
            kind,
            status,
            reason: Some(reason),
            cause: cause.to_string(),
            runtime: None,
            layers: Vec::new(),
            report: None,
            new_findings: Vec::new(),
            resolved_findings: Vec::new(),
            report_location: None,
        };
        match outcome {
            Ok(ScanOutcome::Scanned(scanned)) => {
                let matcher = self.matcher().await?;
                self.matched(*scanned, cause, matcher).await
            }
            Ok(ScanOutcome::NotScanned { subject, reason }) => Ok(bare(
                subject,
                ScanStatus::NotScanned,
                format!("not scanned: {reason}"),
            )),
            Ok(ScanOutcome::Gone { subject, detail }) => {
                Ok(bare(subject, ScanStatus::Gone, format!("gone: {detail}")))
            }
            Err(e) => Ok(bare(named.to_string(), ScanStatus::Failed, e.to_string())),
        }
    }

    async fn matched(
        &self,
        scanned: Scanned,
        cause: &str,
        matcher: Arc<dyn Matcher>,
    ) -> Result<ScanResult, HandlerError> {
        let inventory = scanned.inventory.clone();
        let report = tokio::task::spawn_blocking(move || matcher.report(inventory))
            .await
            .map_err(|e| HandlerError::Database(format!("matching failed: {e}")))?;
        let previous = match &self.store {
            Some(store) => store.previous_report(&scanned.subject).await?,
            None => None,
        };
        let (new_findings, resolved_findings) = diff(previous.as_ref().map(|p| &p.report), &report);
        let mut report_location = None;
        if let Some(store) = &self.store {
            store.put_inventory(&scanned).await?;
            let stored = StoredReport {
                subject: scanned.subject.clone(),
                kind: scanned.kind,
                cause: cause.to_string(),
                runtime: scanned.runtime.clone(),
                layers: scanned.layers.clone(),
                report: report.clone(),
            };
            report_location = Some(store.put_report(&stored).await?);
        }
        Ok(ScanResult {
            subject: scanned.subject,
            kind: scanned.kind,
            status: ScanStatus::Scanned,
            reason: None,
            cause: cause.to_string(),
            runtime: scanned.runtime,
            layers: scanned.layers,
            report: Some(report),
            new_findings,
            resolved_findings,
            report_location,
        })
    }

    /// Re-matches every stored inventory against the database as it is now.
    async fn rescan(&self, cause: &str) -> Result<Value, HandlerError> {
        let Some(store) = &self.store else {
            return Err(HandlerError::Config(
                "rescan needs the S3 report store (LAMBDA_AUDIT_REPORT_BUCKET)".into(),
            ));
        };
        let inventories = store.inventories().await?;
        let matcher = self.matcher().await?;
        let mut results = Vec::with_capacity(inventories.len());
        for scanned in inventories {
            let result = Box::pin(self.matched(scanned, cause, matcher.clone())).await?;
            Box::pin(self.publish(&result)).await?;
            results.push(summary(&result));
        }
        Ok(json!({"action": "rescan", "results": results}))
    }

    /// Publishes to every sink in turn, stopping at the first that fails.
    async fn publish(&self, result: &ScanResult) -> Result<(), HandlerError> {
        let now = rfc3339_now();
        for sink in &self.sinks {
            sink.publish(result, &now).await?;
        }
        Ok(())
    }
}

/// A result as the handler answers it.
fn summary(result: &ScanResult) -> Value {
    json!({
        "subject": result.subject,
        "kind": result.kind,
        "status": result.status,
        "reason": result.reason,
        "cause": result.cause,
        "findings": result.report.as_ref().map(|r| r.summary.findings),
        "newFindings": result.new_findings.len(),
        "resolvedFindings": result.resolved_findings.len(),
        "report": result.report_location,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_comes_from_lambda_audit_variables() {
        let vars = [
            ("LAMBDA_AUDIT_EVENT_BUS", "audit"),
            ("LAMBDA_AUDIT_SECURITY_HUB", "TRUE"),
            ("LAMBDA_AUDIT_REPORT_BUCKET", "reports"),
            ("LAMBDA_AUDIT_REPORT_PREFIX", "scans"),
            ("LAMBDA_AUDIT_DB_S3", "s3://advisories/osv/all.zip"),
            ("LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES", "1048576"),
            ("LAMBDA_AUDIT_ENDPOINT_URL", ""),
        ];
        let var = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let c = HandlerConfig::from_env(&var).unwrap();
        assert_eq!(
            c.sinks,
            SinkConfig {
                event_bus: Some("audit".into()),
                security_hub: true,
            }
        );
        assert_eq!(
            c.store,
            Some(StoreConfig {
                bucket: "reports".into(),
                prefix: "scans/".into(),
            })
        );
        assert_eq!(
            c.database,
            DatabaseSource::S3 {
                bucket: "advisories".into(),
                key: "osv/all.zip".into()
            }
        );
        assert_eq!(c.max_download_bytes, 1 << 20);
        assert_eq!(c.aws.endpoint_url, None);
        assert_eq!(c.code_rewrite, CodeUrlRewrite::None);
        assert_eq!(c.work_dir, PathBuf::from("/tmp/lambda-audit"));

        let none = HandlerConfig::from_env(&|_| None).unwrap();
        assert_eq!(none.sinks, SinkConfig::default());
        assert_eq!(none.store, None);
        let bucket_only = |k: &str| (k == "LAMBDA_AUDIT_REPORT_BUCKET").then(|| "r".to_string());
        assert_eq!(
            HandlerConfig::from_env(&bucket_only).unwrap().store,
            Some(StoreConfig {
                bucket: "r".into(),
                prefix: "lambda-audit/".into(),
            })
        );
        assert_eq!(
            none.database,
            DatabaseSource::Path(PathBuf::from("/opt/lambda-audit/db"))
        );
        let bad = |k: &str| (k == "LAMBDA_AUDIT_MAX_DOWNLOAD_BYTES").then(|| "lots".to_string());
        assert!(HandlerConfig::from_env(&bad).is_err());
    }
}
