//! The handler's work for one event: decide, scan (or re-match stored
//! inventories, or close what was deleted), record into the findings store,
//! and publish its outbox.
//!
//! Every change of state goes through the findings store first ([`store`]:
//! the new state, its transitions and their outbox events in one write), then
//! to the sinks ([`crate::outbox`]), then is marked sent: a sink that fails
//! loses nothing.

mod account;
mod database_change;
mod delete;
mod error;
mod queue;
mod settings;
mod signals;

pub use error::HandlerError;
pub use settings::HandlerConfig;
pub use signals::SignalSources;

use crate::database::{DatabaseCache, LoadMatcher, Matcher};
use crate::event::{self, Trigger};
use crate::fanout;
use crate::messages::{Published, ScanResult, ScanStatus};
use crate::outbox::{self, blocking};
use crate::sinks::{self, Sink};
use crate::store::{ReportStore, StoredReport};
use analyzer::date::rfc3339_now;
use analyzer::prioritize::Signals;
use analyzer::report::{sort_findings, SortOrder};
use analyzer::risk::Exposure;
use analyzer::suppress::{apply_suppressions, Config};
use analyzer::Limits;
use aws_config::SdkConfig;
use layers::aws::config as aws_setup;
use layers::aws::{Downloader, LayerCache, ScanOutcome, Scanned, Scanner, SubjectKind};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use store::{FindingStore, RescanOptions, Retention, ScanReason};

/// What was asked to be scanned: its kind, its name as the event gave it,
/// and, for a deployed function, how it is exposed.
struct Subject<'a> {
    kind: SubjectKind,
    named: &'a str,
    exposure: Option<&'a Exposure>,
}

/// How the function a scan read is exposed (GetFunctionUrlConfig, GetPolicy;
/// a denied call is an `unknown` exposure, never a failure); `None` when the
/// scan read no function.
async fn exposure_of(
    lambda: &aws_sdk_lambda::Client,
    outcome: &Result<ScanOutcome, layers::aws::FetchError>,
) -> Option<Exposure> {
    match outcome {
        Ok(ScanOutcome::Scanned(s)) => Some(layers::aws::exposure::read(lambda, &s.subject).await),
        _ => None,
    }
}

/// The handler, kept across warm invocations.
pub struct Handler {
    config: HandlerConfig,
    sdk: SdkConfig,
    /// Where results are published, in order.
    sinks: Vec<Box<dyn Sink>>,
    reports: Option<ReportStore>,
    findings: Arc<dyn FindingStore>,
    suppressions: Option<Arc<Config>>,
    /// KEV and EPSS, joined into every scan's findings.
    signals: Arc<Signals>,
    database: DatabaseCache,
    /// The database last compared with the store's (see [`database_change`]).
    checked: Mutex<Option<Arc<dyn Matcher>>>,
    downloader: Downloader,
    /// The fan-out queue's client, when `fanout_queue` is set.
    sqs: Option<aws_sdk_sqs::Client>,
}

impl Handler {
    /// Loads the AWS configuration and sets up the sinks and the stores; `load`
    /// reads the advisory database (loaded on first use and when it changes).
    pub async fn new(config: HandlerConfig, load: LoadMatcher) -> Result<Handler, HandlerError> {
        let sdk = aws_setup::load(&config.aws, None).await;
        let sinks = sinks::configured(&config.sinks, &sdk);
        Handler::with_sinks(config, load, sdk, sinks)
    }

    /// A handler publishing to `sinks` (in order) instead of the configured ones.
    pub fn with_sinks(
        config: HandlerConfig,
        load: LoadMatcher,
        sdk: SdkConfig,
        sinks: Vec<Box<dyn Sink>>,
    ) -> Result<Handler, HandlerError> {
        let reports = config
            .store
            .as_ref()
            .map(|store| ReportStore::configured(store, &sdk));
        let findings: Arc<dyn FindingStore> = Arc::from(crate::findings_store::open(
            &config.findings_store,
            &config.aws,
        )?);
        let suppressions = match &config.suppressions {
            Some(path) => Some(Arc::new(
                Config::load(path).map_err(|e| HandlerError::Config(e.to_string()))?,
            )),
            None => None,
        };
        let signals = Arc::new(signals::load(&config.signals, &config.database)?);
        let downloader = Downloader::new(config.max_download_bytes, config.code_rewrite.clone())
            .map_err(|e| HandlerError::Config(e.to_string()))?;
        let database = DatabaseCache::new(config.work_dir.join("db"), load);
        let sqs = config
            .fanout_queue
            .as_ref()
            .map(|_| aws_sdk_sqs::Client::new(&sdk));
        Ok(Handler {
            config,
            sdk,
            sinks,
            reports,
            findings,
            suppressions,
            signals,
            database,
            checked: Mutex::new(None),
            downloader,
            sqs,
        })
    }

    /// Handles one event; the JSON answer lists each subject's result.
    pub async fn handle(&self, event: &Value) -> Result<Value, HandlerError> {
        // The SDK's futures are large: each branch is boxed so that an
        // invocation does not need a deep stack.
        if fanout::is_queue_event(event) {
            return Box::pin(self.consume(event)).await;
        }
        let trigger = event::parse(event)?;
        let rescan_first = match &trigger {
            Trigger::Ignore { .. } | Trigger::Rescan { .. } | Trigger::ObjectCreated { .. } => None,
            _ => Box::pin(self.rescan_if_database_changed()).await?,
        };
        let mut answer = match trigger {
            Trigger::Ignore { reason } => json!({"action": "ignored", "reason": reason}),
            Trigger::ObjectCreated { bucket, key } => {
                if self.config.database.is_object(&bucket, &key) {
                    Box::pin(self.rescan("database-updated")).await?
                } else {
                    json!({
                        "action": "ignored",
                        "reason": format!("s3://{bucket}/{key} is not the advisory database object"),
                    })
                }
            }
            Trigger::Rescan { cause } => Box::pin(self.rescan(&cause)).await?,
            Trigger::ScanAccount { regions, cause } => {
                Box::pin(self.scan_account(&regions, &cause)).await?
            }
            Trigger::Deleted { deleted, cause } => Box::pin(self.deleted(&deleted, &cause)).await?,
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
                    let lambda = self.lambda(region.as_deref()).await;
                    let outcome = self
                        .scanner(lambda.clone())
                        .scan_function(&function, qualifier.as_deref())
                        .await;
                    let exposure = exposure_of(&lambda, &outcome).await;
                    (outcome, exposure)
                };
                let (outcome, exposure) = Box::pin(scan).await;
                let subject = Subject {
                    kind: SubjectKind::Function,
                    named: &named,
                    exposure: exposure.as_ref(),
                };
                Box::pin(self.finish(outcome, subject, &cause)).await?
            }
            Trigger::ScanLayer {
                layer_version_arn,
                region,
                cause,
            } => {
                let scan = async {
                    let lambda = self.lambda(region.as_deref()).await;
                    self.scanner(lambda).scan_layer(&layer_version_arn).await
                };
                let outcome = Box::pin(scan).await;
                // A layer version on its own is not invoked: no exposure.
                let subject = Subject {
                    kind: SubjectKind::Layer,
                    named: &layer_version_arn,
                    exposure: None,
                };
                Box::pin(self.finish(outcome, subject, &cause)).await?
            }
        };
        if let Some(rescan) = rescan_first {
            answer["databaseChanged"] = rescan;
        }
        Ok(answer)
    }

    /// Concludes, records and publishes one scan.
    async fn finish(
        &self,
        outcome: Result<ScanOutcome, layers::aws::FetchError>,
        subject: Subject<'_>,
        cause: &str,
    ) -> Result<Value, HandlerError> {
        let result = Box::pin(self.conclude(outcome, subject, cause)).await?;
        let mut results = vec![result];
        let delivered = Box::pin(self.publish(&mut results)).await?;
        Ok(answer("scan", &results, delivered))
    }

    /// The AWS configuration for `region` (the handler's own when `None`).
    async fn region_sdk(&self, region: Option<&str>) -> SdkConfig {
        match region {
            Some(r) if self.sdk.region().map(|own| own.as_ref()) != Some(r) => {
                aws_setup::load(&self.config.aws, Some(r)).await
            }
            _ => self.sdk.clone(),
        }
    }

    /// The Lambda client for `region` (the handler's own when `None`).
    async fn lambda(&self, region: Option<&str>) -> aws_sdk_lambda::Client {
        aws_setup::lambda(&self.region_sdk(region).await)
    }

    /// A scanner through `lambda`, its layer versions kept in `layers`.
    fn scanner_on(&self, lambda: aws_sdk_lambda::Client, layers: Arc<LayerCache>) -> Scanner {
        Scanner::new(lambda, self.downloader.clone(), Limits::default(), layers)
    }

    /// A scanner through `lambda` for one scan.
    fn scanner(&self, lambda: aws_sdk_lambda::Client) -> Scanner {
        self.scanner_on(lambda, Arc::new(LayerCache::default()))
    }

    async fn matcher(&self) -> Result<Arc<dyn Matcher>, HandlerError> {
        self.database
            .matcher(&self.config.database, &crate::clients::s3(&self.sdk))
            .await
            .map_err(HandlerError::Database)
    }

    /// Turns a scan outcome into a result: matched and recorded when scanned.
    async fn conclude(
        &self,
        outcome: Result<ScanOutcome, layers::aws::FetchError>,
        Subject {
            kind,
            named,
            exposure,
        }: Subject<'_>,
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
            published: Published::default(),
            report_location: None,
        };
        match outcome {
            Ok(ScanOutcome::Scanned(scanned)) => {
                let matcher = self.matcher().await?;
                self.matched(*scanned, cause, matcher, exposure.cloned())
                    .await
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

    /// Matches a scanned subject, applies the suppression rules, joins KEV,
    /// EPSS and the function's exposure (scoring each finding's risk), records the
    /// scan into the findings store (state, transitions and outbox in one
    /// write), and keeps the report in the S3 report store when there is one.
    async fn matched(
        &self,
        scanned: Scanned,
        cause: &str,
        matcher: Arc<dyn Matcher>,
        exposure: Option<Exposure>,
    ) -> Result<ScanResult, HandlerError> {
        let inventory = scanned.inventory.clone();
        let suppressions = self.suppressions.clone();
        let signals = self.signals.clone();
        let now = store::time::now();
        let report = tokio::task::spawn_blocking(move || {
            let mut report = matcher.report(inventory);
            if let Some(config) = &suppressions {
                apply_suppressions(&mut report, config, store::time::date(now));
            }
            signals.apply(&mut report, exposure.as_ref());
            // Risk order, the command line's default.
            sort_findings(&mut report.findings, SortOrder::Risk);
            report
        })
        .await
        .map_err(|e| HandlerError::Database(format!("matching failed: {e}")))?;
        let subject = store::Subject {
            key: scanned.subject.clone(),
            kind: match scanned.kind {
                SubjectKind::Function => store::SubjectKind::Function,
                SubjectKind::Layer => store::SubjectKind::Layer,
            },
            code_sha256: scanned.code_sha256.clone(),
            layers: scanned.layers.clone(),
            // Recorded from the report (see `store::Observation::from_report`).
            exposure: None,
        };
        let (recorded, suppressions) = (report.clone(), self.suppressions.clone());
        blocking(&self.findings, move |s| {
            store::record(
                s,
                subject,
                &recorded,
                suppressions.as_deref(),
                ScanReason::Trigger,
                now,
            )
        })
        .await?;
        let mut report_location = None;
        if let Some(reports) = &self.reports {
            reports.put_inventory(&scanned).await?;
            let stored = StoredReport {
                subject: scanned.subject.clone(),
                kind: scanned.kind,
                cause: cause.to_string(),
                runtime: scanned.runtime.clone(),
                layers: scanned.layers.clone(),
                report: report.clone(),
            };
            report_location = Some(reports.put_report(&stored).await?);
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
            published: Published::default(),
            report_location,
        })
    }

    /// Re-matches every stored inventory against the database as it is now.
    async fn rescan(&self, cause: &str) -> Result<Value, HandlerError> {
        let matcher = self.matcher().await?;
        *self.checked.lock().unwrap_or_else(|p| p.into_inner()) = Some(matcher.clone());
        Box::pin(self.rescan_with(matcher, cause)).await
    }

    /// Re-matches every stored inventory with `matcher` (the store's
    /// [`store::rescan()`]: transitions and outbox in the same writes), with
    /// the handler's KEV and EPSS and each subject's stored exposure, then
    /// publishes the outbox.
    async fn rescan_with(
        &self,
        matcher: Arc<dyn Matcher>,
        cause: &str,
    ) -> Result<Value, HandlerError> {
        if let (Some(queue), Some(sqs)) = (&self.config.fanout_queue, &self.sqs) {
            let messages = fanout::enqueue_rescan(self.findings.clone(), sqs, queue)
                .await
                .map_err(HandlerError::Fanout)?;
            return Ok(json!({
                "action": "rescan-enqueued",
                "cause": cause,
                "queue": queue,
                "messages": messages,
            }));
        }
        let (suppressions, signals) = (self.suppressions.clone(), self.signals.clone());
        let outcome = blocking(&self.findings, move |s| {
            let options = RescanOptions {
                config: suppressions.as_deref(),
                signals: &signals,
                now: store::time::now(),
                retention: Retention::default(),
            };
            matcher.rescan(s, &options)
        })
        .await?;
        let delivered = Box::pin(self.publish(&mut [])).await?;
        Ok(database_change::rescan_answer(&outcome, cause, delivered))
    }

    /// Publishes the outbox and `results` (see [`crate::outbox`]).
    async fn publish(&self, results: &mut [ScanResult]) -> Result<outbox::Delivered, HandlerError> {
        let now = rfc3339_now();
        Ok(outbox::publish(&self.findings, &self.sinks, results, &now).await?)
    }
}

/// The handler's answer about `results`.
fn answer(action: &str, results: &[ScanResult], delivered: outbox::Delivered) -> Value {
    json!({
        "action": action,
        "results": results.iter().map(summary).collect::<Vec<_>>(),
        "published": delivered.events,
        "morePending": delivered.more,
    })
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
        "newFindings": result.published.new,
        "reopenedFindings": result.published.reopened,
        "resolvedFindings": result.published.closed,
        "incomplete": result.gaps(),
        "report": result.report_location,
    })
}
