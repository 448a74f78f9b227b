//! Where scan results are published, as configured by environment variables:
//!
//! - `LAMBDA_AUDIT_EVENT_BUS`: EventBridge bus name or ARN (PutEvents; see
//!   [`eventbridge`] and [`crate::messages`]);
//! - `LAMBDA_AUDIT_SECURITY_HUB` = `true`: Security Hub BatchImportFindings
//!   (ASFF; see [`security_hub`]).
//!
//! A new sink is one file here implementing [`Sink`] with a `configure`
//! function, registered in the `SINKS` list (whose order is the publishing
//! order), and the setting that turns it on in [`SinkConfig`].
//!
//! What a sink gets is a [`Publication`]: the finding events of the findings
//! store's outbox (each transition with its deterministic event id) and the
//! scan results they belong to. The handler marks the events sent only once
//! every sink took them, so a sink that fails makes the next invocation
//! publish them again, to every sink, with the same ids.

pub mod eventbridge;
pub mod security_hub;

use crate::messages::{FindingEvent, ScanResult};
use aws_config::SdkConfig;
use std::future::Future;
use std::pin::Pin;

pub use eventbridge::EventBridge;
pub use security_hub::SecurityHub;

/// Which sinks are on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SinkConfig {
    /// `LAMBDA_AUDIT_EVENT_BUS`: the EventBridge bus events go to.
    pub event_bus: Option<String>,
    /// `LAMBDA_AUDIT_SECURITY_HUB`: import findings into Security Hub.
    pub security_hub: bool,
}

impl SinkConfig {
    /// Reads the `LAMBDA_AUDIT_*` sink variables through `var`.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> SinkConfig {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        SinkConfig {
            event_bus: set("LAMBDA_AUDIT_EVENT_BUS"),
            security_hub: set("LAMBDA_AUDIT_SECURITY_HUB")
                .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes")),
        }
    }
}

/// A sink that refused what was published.
#[derive(Debug, thiserror::Error)]
#[error("{sink}: {message}")]
pub struct SinkError {
    /// The sink and its call, e.g. `EventBridge PutEvents`.
    pub sink: &'static str,
    /// What went wrong.
    pub message: String,
}

impl SinkError {
    /// `sink` (e.g. `EventBridge PutEvents`) refused: `message`.
    pub fn new(sink: &'static str, message: impl Into<String>) -> SinkError {
        SinkError {
            sink,
            message: message.into(),
        }
    }
}

/// A publication under way: the number of entries the sink accepted, or why
/// it refused them.
pub type Publishing<'a> = Pin<Box<dyn Future<Output = Result<usize, SinkError>> + Send + 'a>>;

/// What one call of a sink publishes.
#[derive(Clone, Copy, Debug)]
pub struct Publication<'a> {
    /// Scan results (published after the events about their subjects).
    pub scans: &'a [ScanResult],
    /// Finding transitions, oldest first.
    pub events: &'a [FindingEvent],
}

/// A destination for scan results and finding events.
///
/// The future is boxed so that sinks of different types share one list
/// (`Vec<Box<dyn Sink>>`); an implementation usually returns
/// `Box::pin(self.some_async_fn(publication))`.
pub trait Sink: Send + Sync {
    /// Publishes `publication`; `now` (RFC 3339) stamps whatever the sink
    /// records a time for.
    fn publish<'a>(&'a self, publication: Publication<'a>, now: &'a str) -> Publishing<'a>;
}

/// Builds a sink when the configuration turns it on.
type Configure = fn(&SinkConfig, &SdkConfig) -> Option<Box<dyn Sink>>;

/// Every sink, in publishing order.
const SINKS: &[Configure] = &[eventbridge::configure, security_hub::configure];

/// The sinks `config` turns on, in publishing order.
pub fn configured(config: &SinkConfig, sdk: &SdkConfig) -> Vec<Box<dyn Sink>> {
    SINKS
        .iter()
        .filter_map(|configure| configure(config, sdk))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::BehaviorVersion;

    #[test]
    fn each_setting_turns_on_its_sink() {
        let sdk = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        let count = |config: SinkConfig| configured(&config, &sdk).len();
        assert_eq!(count(SinkConfig::default()), 0);
        let events = SinkConfig {
            event_bus: Some("audit".into()),
            ..SinkConfig::default()
        };
        assert_eq!(count(events.clone()), 1);
        let hub = SinkConfig {
            security_hub: true,
            ..SinkConfig::default()
        };
        assert_eq!(count(hub), 1);
        let both = SinkConfig {
            security_hub: true,
            ..events
        };
        assert_eq!(count(both), SINKS.len());
    }
}
