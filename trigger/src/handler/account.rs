//! Account-wide scans: every function of the account's regions is listed
//! ([`account::list_account`]), then either enqueued on the fan-out queue,
//! one function a message (see [`crate::fanout`]), or, without a queue,
//! scanned in this invocation [`CONCURRENCY`] at a time. A function its
//! tags exclude (`InspectorExclusion: LambdaStandardScanning`,
//! `lambda-audit:exclude`) is a `not-scanned` result with the reason, as in
//! the CLI's account scan.

use super::{answer, exposure_of, Handler, HandlerError, Subject};
use crate::fanout::{self, WorkKind};
use crate::messages::{ScanResult, ScanStatus};
use futures::StreamExt;
use layers::aws::account;
use layers::aws::arn::FunctionArn;
use layers::aws::{LayerCache, ScanOutcome, SubjectKind};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// Functions scanned at once when an account scan runs in the invocation.
pub const CONCURRENCY: usize = 4;

/// The cause of the scans an account scan makes.
pub const CAUSE: &str = "scan-account";

impl Handler {
    /// Scans every function of `regions` (the handler's own when empty):
    /// enqueued when there is a fan-out queue, else in this invocation.
    pub(super) async fn scan_account(
        &self,
        regions: &[String],
        cause: &str,
    ) -> Result<Value, HandlerError> {
        let listings = account::list_account(&self.config.aws, regions)
            .await
            .map_err(|e| HandlerError::Listing(e.to_string()))?;
        let functions: Vec<String> = listings.into_iter().flat_map(|l| l.functions).collect();
        if let (Some(queue), Some(sqs)) = (&self.config.fanout_queue, &self.sqs) {
            let messages = fanout::enqueue(sqs, queue, WorkKind::Scan, &functions)
                .await
                .map_err(|e| HandlerError::Fanout(e.to_string()))?;
            return Ok(json!({
                "action": "scan-account-enqueued",
                "cause": cause,
                "queue": queue,
                "functions": functions.len(),
                "messages": messages,
            }));
        }
        let layers = Arc::new(LayerCache::default());
        let mut results: Vec<ScanResult> = futures::stream::iter(&functions)
            .map(|f| self.account_function(f, CAUSE, &layers))
            .buffered(CONCURRENCY)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        let delivered = Box::pin(self.publish(&mut results)).await?;
        Ok(answer("scan-account", &results, delivered))
    }

    /// The work of one account-scan message: its functions scanned and
    /// recorded, each result kept in `results` for publishing. A function
    /// whose scan failed fails the message (SQS delivers it again); one that
    /// is gone or excluded does not.
    pub(super) async fn scan_share(
        &self,
        functions: &[String],
        layers: &Arc<LayerCache>,
        results: &Mutex<Vec<ScanResult>>,
    ) -> Result<(), String> {
        for function in functions {
            let result = self
                .account_function(function, CAUSE, layers)
                .await
                .map_err(|e| format!("{function}: {e}"))?;
            let failed = (result.status == ScanStatus::Failed).then(|| {
                format!(
                    "{}: {}",
                    result.subject,
                    result.reason.as_deref().unwrap_or("the scan failed")
                )
            });
            results
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(result);
            if let Some(reason) = failed {
                return Err(reason);
            }
        }
        Ok(())
    }

    /// One function of an account scan, looked up in its ARN's region: left
    /// out with the reason when its tags exclude it, else scanned (its layer
    /// versions through `layers`, shared by the scan's functions), matched
    /// and recorded.
    async fn account_function(
        &self,
        function: &str,
        cause: &str,
        layers: &Arc<LayerCache>,
    ) -> Result<ScanResult, HandlerError> {
        let region = FunctionArn::parse(function).ok().map(|a| a.region);
        let lambda = self.lambda(region.as_deref()).await;
        let scan = async {
            let outcome = match account::excluded(&lambda, function).await {
                Ok(Some(reason)) => Ok(ScanOutcome::NotScanned {
                    subject: function.to_string(),
                    reason,
                }),
                Ok(None) => {
                    self.scanner_on(lambda.clone(), layers.clone())
                        .scan_function(function, None)
                        .await
                }
                Err(e) => Err(e),
            };
            let exposure = exposure_of(&lambda, &outcome).await;
            (outcome, exposure)
        };
        let (outcome, exposure) = Box::pin(scan).await;
        let subject = Subject {
            kind: SubjectKind::Function,
            named: function,
            exposure: exposure.as_ref(),
        };
        Box::pin(self.conclude(outcome, subject, cause)).await
    }
}
