//! lambda-audit's network side, shared by the CLI and the post-deploy
//! trigger, so that the engine (`lambda-audit-analyzer`) never opens a
//! connection:
//!
//! - [`http`]: the one HTTP client of the workspace (reqwest over rustls),
//!   with timeouts, size-capped streaming downloads and retries;
//! - [`update`]: `db update`, the OSV export download: whole or incremental,
//!   every record checked, switched in all at once.

pub mod http;
pub mod update;
