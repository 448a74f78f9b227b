//! Publishing the findings store's outbox: every transition not yet marked
//! sent goes to every sink, page by page, and is marked sent once all sinks
//! took its page. A sink that fails stops the invocation with nothing of that
//! page marked: the next invocation (Lambda's retry, or any later event)
//! publishes it again, with the same event ids, so consumers drop the
//! duplicates by `detail.eventId`. Events left by earlier invocations go
//! first (the outbox is read oldest first).
//!
//! The scan results of the invocation go last, counting the finding events
//! about their subjects that were published ([`crate::messages::Published`]):
//! a retried scan announces the findings its failed attempt could not.

use crate::messages::{FindingEvent, ScanResult};
use crate::sinks::{Publication, Sink, SinkError};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use store::{FindingStore, OutboxEvent, StoreError, StoredFinding};

/// Events read from the outbox and published together.
pub const EVENTS_PER_PAGE: usize = 100;

/// Most events one invocation publishes; the rest wait for the next one (a
/// first rescan can move a million findings, more than one invocation has
/// time for).
pub const MAX_EVENTS_PER_INVOCATION: usize = 20_000;

/// Why publishing stopped.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one publication sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Finding events published and marked sent.
    pub events: usize,
    /// True when events remain in the outbox (the per-invocation cap).
    pub more: bool,
}

/// Runs a store call off the async workers (backends block).
pub async fn blocking<T: Send + 'static>(
    store: &Arc<dyn FindingStore>,
    call: impl FnOnce(&dyn FindingStore) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let owned = store.clone();
    tokio::task::spawn_blocking(move || call(&*owned))
        .await
        .map_err(|e| StoreError::Backend {
            location: store.location(),
            message: format!("the call stopped: {e}"),
        })?
}

/// Publishes the outbox, then `scans`, to every sink; `now` (RFC 3339)
/// stamps what sinks record a time for.
pub async fn publish(
    store: &Arc<dyn FindingStore>,
    sinks: &[Box<dyn Sink>],
    scans: &mut [ScanResult],
    now: &str,
) -> Result<Delivered, PublishError> {
    let mut delivered = Delivered::default();
    let mut previous_first: Option<String> = None;
    loop {
        if delivered.events >= MAX_EVENTS_PER_INVOCATION {
            delivered.more = true;
            break;
        }
        let page = blocking(store, |s| s.pending_events(EVENTS_PER_PAGE)).await?;
        let Some(first) = page.first() else {
            break;
        };
        if previous_first.as_deref() == Some(first.event_id.as_str()) {
            return Err(PublishError::Store(StoreError::Backend {
                location: store.location(),
                message: format!(
                    "event {} stays pending after it was marked sent",
                    first.event_id
                ),
            }));
        }
        previous_first = Some(first.event_id.clone());
        let events = finding_events(store, page).await?;
        for event in &events {
            if let Some(scan) = scans
                .iter_mut()
                .find(|s| s.subject == event.finding.subject)
            {
                scan.published.count(event.transition);
            }
        }
        let publication = Publication {
            scans: &[],
            events: &events,
        };
        for sink in sinks {
            sink.publish(publication, now).await?;
        }
        let ids: Vec<String> = events.iter().map(|e| e.event_id.clone()).collect();
        let sent_at = store::time::now();
        blocking(store, move |s| s.mark_sent(&ids, sent_at)).await?;
        delivered.events += events.len();
        if events.len() < EVENTS_PER_PAGE {
            break;
        }
    }
    if !scans.is_empty() {
        let publication = Publication { scans, events: &[] };
        for sink in sinks {
            sink.publish(publication, now).await?;
        }
    }
    Ok(delivered)
}

/// The events of an outbox page, each with its finding's full observation.
async fn finding_events(
    store: &Arc<dyn FindingStore>,
    page: Vec<OutboxEvent>,
) -> Result<Vec<FindingEvent>, StoreError> {
    let subjects: BTreeSet<String> = page.iter().map(|e| e.subject.clone()).collect();
    let keys: Vec<String> = subjects.into_iter().collect();
    let findings = blocking(store, move |s| s.subject_findings(&keys)).await?;
    let by_id: HashMap<&str, &StoredFinding> =
        findings.iter().map(|f| (f.id.as_str(), f)).collect();
    page.iter()
        .map(|event| {
            let corrupt = |message: String| StoreError::Corrupt {
                location: store.location(),
                what: format!("outbox event {}", event.event_id),
                message,
            };
            let current = by_id
                .get(event.finding_id.as_str())
                .ok_or_else(|| corrupt("its finding is missing".into()))?;
            FindingEvent::of(event, current).map_err(corrupt)
        })
        .collect()
}
