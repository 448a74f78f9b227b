//! The post-deploy trigger: which events ask for a scan, scanning, matching,
//! and publishing the results to the configured sinks.

pub mod asff;
pub mod database;
pub mod event;
pub mod handler;
pub mod messages;
pub mod sinks;
pub mod store;

pub use handler::{Handler, HandlerConfig, HandlerError};
