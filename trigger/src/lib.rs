//! lambda-audit's post-deploy trigger: which events ask for a scan (or a
//! rescan, or a delete), scanning, matching, recording each scan into the
//! findings store ([`findings_store`]: state, transitions and an outbox in one
//! write), publishing the outbox to the configured sinks ([`outbox`],
//! [`sinks`]: EventBridge, Security Hub), and keeping each subject's JSON
//! report in the S3 report store ([`store`]).
//!
//! This is the only crate of the workspace that talks to S3, EventBridge and
//! Security Hub, or runs as a Lambda function: the CLI links none of it.

pub mod asff;
pub mod clients;
pub mod database;
pub mod event;
pub mod fanout;
pub mod findings_store;
pub mod handler;
pub mod messages;
pub mod outbox;
pub mod sinks;
pub mod store;

pub use handler::{Handler, HandlerConfig, HandlerError};
