//! The EventBridge sink: one event per finding transition (`Lambda Audit New
//! Finding`, `… Finding Reopened`, `… Finding Closed`, …), then one `Lambda
//! Audit Scan Result` event per scan (see [`crate::messages`] for the detail
//! schemas), in PutEvents calls of at most [`EVENTS_PER_CALL`] entries.

use super::{Publication, Publishing, Sink, SinkConfig, SinkError};
use crate::messages::{detail_type, EVENT_SOURCE, SCAN_DETAIL_TYPE};
use aws_config::SdkConfig;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use layers::aws::sdk_message;

/// EventBridge allows 10 entries per PutEvents call.
pub const EVENTS_PER_CALL: usize = 10;

/// How this sink names itself in errors.
const SINK: &str = "EventBridge PutEvents";

/// Events on one bus.
#[derive(Clone, Debug)]
pub struct EventBridge {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

/// The sink, when `LAMBDA_AUDIT_EVENT_BUS` names a bus.
pub(super) fn configure(config: &SinkConfig, sdk: &SdkConfig) -> Option<Box<dyn Sink>> {
    let bus = config.event_bus.clone()?;
    Some(Box::new(EventBridge::new(
        aws_sdk_eventbridge::Client::new(sdk),
        bus,
    )))
}

impl Sink for EventBridge {
    fn publish<'a>(&'a self, publication: Publication<'a>, _now: &'a str) -> Publishing<'a> {
        Box::pin(self.put_events(publication))
    }
}

impl EventBridge {
    /// Publishes to `bus` (a name or an ARN) through `client`.
    pub fn new(client: aws_sdk_eventbridge::Client, bus: String) -> EventBridge {
        EventBridge { client, bus }
    }

    /// Publishes one event per finding transition, then one per scan; returns
    /// how many events were accepted. Stops at the first call that fails.
    async fn put_events(&self, publication: Publication<'_>) -> Result<usize, SinkError> {
        let mut entries = Vec::with_capacity(publication.events.len() + publication.scans.len());
        for event in publication.events {
            let detail_type = detail_type(event.transition);
            entries.push(self.entry(detail_type, &event.finding.subject, &event.detail())?);
        }
        for scan in publication.scans {
            entries.push(self.entry(SCAN_DETAIL_TYPE, &scan.subject, &scan.detail())?);
        }
        let mut sent = 0;
        for chunk in entries.chunks(EVENTS_PER_CALL) {
            let out = self
                .client
                .put_events()
                .set_entries(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| SinkError::new(SINK, sdk_message(&e)))?;
            if out.failed_entry_count() > 0 {
                let why: Vec<String> = out
                    .entries()
                    .iter()
                    .filter_map(|e| e.error_message().map(str::to_string))
                    .collect();
                return Err(SinkError::new(
                    SINK,
                    format!(
                        "{} of {} entries failed: {}",
                        out.failed_entry_count(),
                        chunk.len(),
                        why.join("; ")
                    ),
                ));
            }
            sent += chunk.len();
        }
        Ok(sent)
    }

    /// One entry on the bus about `subject` (its resource, when an ARN).
    fn entry<T: serde::Serialize>(
        &self,
        detail_type: &str,
        subject: &str,
        detail: &T,
    ) -> Result<PutEventsRequestEntry, SinkError> {
        let detail =
            serde_json::to_string(detail).map_err(|e| SinkError::new(SINK, e.to_string()))?;
        let mut e = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(EVENT_SOURCE)
            .detail_type(detail_type)
            .detail(detail);
        if subject.starts_with("arn:") {
            e = e.resources(subject);
        }
        Ok(e.build())
    }
}
