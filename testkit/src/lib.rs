//! The one test harness of the lambda-audit workspace (a dev-dependency only).
//!
//! - [`fixture`], [`corpus`]: files of the repository's `fixtures/`.
//! - [`shared_path`], [`schemas_dir`]: the data outside the repository (`../shared`), with one idea
//!   of "present" for every test.
//! - [`skip`]: the one way a test says it could not run its check. It never passes silently: the
//!   line reaches the terminal and `scripts/test.sh`'s summary, and with
//!   `LAMBDA_AUDIT_REQUIRE_SHARED=1` a skip fails the test.
//! - [`golden`]: comparison with a golden file, rewritten only with `UPDATE_GOLDEN=1`.
//! - [`zip_of`]: a small zip built in memory; [`hostile`]: the hostile archives of issue 11.
//! - [`fullsize`]: a database of OSV's full size, generated from the shared records (benches);
//!   [`measure`]: a bench process's CPU time and peak memory.
//! - `store_conformance` (feature `store`): the behaviour every findings store backend must have.
//! - [`kev`]: KEV catalogs in CISA's layout.
//! - [`aws`]: the moto emulator and a scripted loopback HTTP server for the AWS tests.

pub mod aws;
pub mod fullsize;
mod golden;
pub mod hostile;
pub mod kev;
pub mod measure;
mod paths;
mod shared;
mod skip;
#[cfg(feature = "store")]
pub mod store_conformance;
mod zip;

pub use golden::{golden, UPDATE_GOLDEN_ENV};
pub use paths::{corpus, corpus_bytes, fixture, fixtures, workspace_root};
pub use shared::{configured_path, schemas_dir, shared_path, SCHEMAS_ENV, SHARED_ENV};
pub use skip::{skip, REQUIRE_ENV, SKIP_LOG_ENV};
pub use zip::zip_of;
