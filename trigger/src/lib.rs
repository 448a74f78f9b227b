//! lambda-audit's post-deploy trigger: which events ask for a scan, scanning,
//! matching, keeping each subject's report and inventory in the S3 report
//! store ([`store`]), and publishing the results to the configured sinks
//! ([`sinks`]: EventBridge, Security Hub).
//!
//! This is the only crate of the workspace that talks to S3, EventBridge and
//! Security Hub, or runs as a Lambda function: the CLI links none of it.

pub mod asff;
pub mod clients;
pub mod database;
pub mod event;
pub mod fanout;
pub mod handler;
pub mod messages;
pub mod sinks;
pub mod store;

pub use handler::{Handler, HandlerConfig, HandlerError};
