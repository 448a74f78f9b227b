//! The fan-out queue's batches (see [`crate::fanout`]): each message is a
//! share of a rescan (stored inventories re-matched) or of an account scan
//! (functions fetched and scanned); what they recorded is published once the
//! batch is done.

use super::{Handler, HandlerError};
use crate::fanout::{self, WorkKind};
use layers::aws::LayerCache;
use serde_json::Value;
use std::sync::{Arc, Mutex};

impl Handler {
    /// Runs a batch of fan-out messages, then publishes what they recorded
    /// (and the account scans' results). The answer is SQS's partial batch
    /// response: the messages that failed are retried, then dead-lettered. A
    /// sink that fails fails the whole batch: the outbox keeps its events,
    /// and the retried messages find nothing new to record.
    pub(super) async fn consume(&self, event: &Value) -> Result<Value, HandlerError> {
        let matcher = self.matcher().await?;
        let (store, config) = (self.findings.clone(), self.suppressions.clone());
        let signals = self.signals.clone();
        let layers = Arc::new(LayerCache::default());
        let results = Mutex::new(Vec::new());
        let outcome = fanout::consume(event, |work| {
            let (store, matcher, config) = (store.clone(), matcher.clone(), config.clone());
            let signals = signals.clone();
            let (layers, results) = (&layers, &results);
            Box::pin(async move {
                match work.work {
                    WorkKind::Rescan => fanout::rescan(store, matcher, config, signals, work).await,
                    WorkKind::Scan => self.scan_share(&work.subjects, layers, results).await,
                }
            })
        })
        .await;
        let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        Box::pin(self.publish(&mut results)).await?;
        Ok(outcome.response())
    }
}
