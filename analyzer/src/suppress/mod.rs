//! Suppressions: the team's `lambda-audit.toml`, whose `[[ignore]]` rules mark
//! findings as suppressed (never delete them).
//!
//! ```toml
//! [[ignore]]
//! id = "CVE-2020-8203"                # the finding's id or any alias
//! reason = "not reachable: we never call zipObjectDeep"
//! until = 2026-12-31                  # optional; after it the rule stops applying
//!
//! [[ignore]]
//! package = "lodash"                  # a package name (with `ecosystem`, optional)
//! version = ">=4.17.0, <4.17.21"      # optional range, in the ecosystem's version rules
//! reason = "..."
//!
//! [[ignore]]
//! purl = "pkg:npm/minimist@1.2.0"     # a package by purl (the version is optional)
//! reason = "..."
//!
//! [[ignore]]
//! path = "scripts/vendor/**"          # every location of the finding must match
//! reason = "..."
//! ```
//!
//! A rule may combine selectors; all of them must match. Every rule needs a
//! non-empty `reason`. Unknown keys, bad TOML, a rule without a reason or a
//! selector are configuration errors that name the line.
//!
//! [`config`] reads the file into [`Rule`]s ([`rule`]), whose selectors are
//! version ranges ([`version_range`]) and path patterns ([`glob`]); [`apply`]
//! marks the findings and recounts the summary.

pub mod apply;
pub mod config;
pub mod glob;
pub mod rule;
pub mod version_range;

pub use apply::{apply_suppressions, recount, Outcome};
pub use config::{Config, ConfigError, CONFIG_FILE};
pub use glob::Glob;
pub use rule::Rule;
pub use version_range::VersionRange;
