//! The post-deploy trigger: which events ask for a scan, scanning, matching,
//! and publishing the results to the configured sinks.

pub mod event;
