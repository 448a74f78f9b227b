//! Package-level import reachability from the handler (Node.js and Python):
//! which installed packages the handler's module graph imports. This is not
//! call reachability: a package that is imported may still never run the
//! vulnerable code.
//!
//! The graph starts at the handler's file, follows every literal import
//! (read with tree-sitter: error-tolerant, iterative, and one runtime for both
//! grammars) and resolves it exactly as the Lambda runtime would on the
//! function's filesystem. A package is then:
//! - `imported`: some file of it is reached, with the chain that reaches it;
//! - `unknown`: a computed import (`require(x)`, `__import__(name)`) on the
//!   way could reach it, its code is not in the function, or the walk hit a
//!   limit;
//! - `not-imported`: none of the above.

mod facts;
mod handler;
mod imports;
mod js;
mod node_resolve;
mod owners;
mod paths;
mod python;
mod python_resolve;
mod tree;
mod walk;

pub use facts::{ParsedImports, SourceFacts};
pub use paths::MAX_SOURCE_BYTES;
pub use tree::{MergedTree, SourceTree};
pub use walk::MAX_FILES_FOLLOWED;

use crate::package::Package;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Each artifact's mount point (`/var/task`, `/opt`), by artifact name; an
/// artifact not listed is placed at [`TASK_ROOT`].
pub type Mounts = HashMap<String, String>;

/// Where Lambda puts the function's code, and where a project folder is placed.
pub const TASK_ROOT: &str = "/var/task";

/// Whether the handler's imports reach a package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReachStatus {
    Imported,
    NotImported,
    Unknown,
}

impl ReachStatus {
    /// The spelling used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            ReachStatus::Imported => "imported",
            ReachStatus::NotImported => "not-imported",
            ReachStatus::Unknown => "unknown",
        }
    }
}

/// A package's reachability and its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reachability {
    pub status: ReachStatus,
    /// For `imported`: the handler's file, the function's own files and the
    /// packages on the way, ending with the package (`index.js → lib/db.js →
    /// mongoose → mongodb`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<String>,
    /// For `unknown` (and a package imported by name but not installed): why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The language of the handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Node,
    Python,
}

/// Where to start and how the runtime searches.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The function's `Handler` setting (`index.handler`, `app.lambda_handler`).
    pub handler: String,
    /// The runtime's language; `None` tries Node.js, then Python.
    pub language: Option<Language>,
    /// Node.js folders searched after `node_modules` (NODE_PATH on Lambda).
    pub node_global_dirs: Vec<String>,
    /// Python's search path on Lambda, in order.
    pub python_path: Vec<String>,
}

/// The result for one function: per package (by purl), and what was walked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReachabilityReport {
    pub handler: String,
    /// The handler's file, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Source files the walk read.
    pub files_followed: usize,
    /// Why the whole analysis is unknown (no handler file, a limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_reason: Option<String>,
    /// By package purl; npm and PyPI packages only.
    pub packages: BTreeMap<String, Reachability>,
}

/// Works out the reachability of every npm and Python package in `packages`.
pub fn analyze(
    tree: &dyn SourceTree,
    entry: &Entry,
    packages: &[Package],
    mounts: &Mounts,
) -> ReachabilityReport {
    walk::run(tree, entry, packages, mounts)
}

/// A package's reachability over several functions (a combined report): the
/// strongest claim wins: imported, then unknown, then not-imported.
pub fn strongest<'a>(reports: &'a [ReachabilityReport], purl: &str) -> Option<&'a Reachability> {
    let rank = |r: &Reachability| match r.status {
        ReachStatus::Imported => 0,
        ReachStatus::Unknown => 1,
        ReachStatus::NotImported => 2,
    };
    reports
        .iter()
        .filter_map(|report| report.packages.get(purl))
        .min_by_key(|r| rank(r))
}

#[cfg(test)]
mod tests;
