//! lambda-audit's network side, shared by the CLI and the post-deploy
//! trigger, so that the engine (`lambda-audit-analyzer`) never opens a
//! connection:
//!
//! - [`http`]: the one HTTP client of the workspace (reqwest over rustls),
//!   with timeouts, size-capped streaming downloads and retries;
//! - [`update`]: `db update`, the OSV export download, checked by the
//!   engine's pure [`verify_export`](analyzer::advisories::verify_export)
//!   before it replaces the database in use.

pub mod http;
pub mod update;
