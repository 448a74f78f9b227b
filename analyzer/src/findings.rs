//! The scan report's data model: findings, could-not-compare entries, the
//! database used, and a summary. Matching produces it; reports render it.

use crate::diagnostics::Warning;
use crate::ecosystem::Ecosystem;
use crate::inventory::Inventory;
use crate::package::{Location, Package};
use crate::risk::{Exposure, Priority};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::severity::{Rating, Severity};

/// The package a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageRef {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub purl: String,
}

impl From<&Package> for PackageRef {
    fn from(p: &Package) -> PackageRef {
        PackageRef {
            ecosystem: p.ecosystem,
            name: p.name.clone(),
            version: p.version.clone(),
            purl: p.purl.clone(),
        }
    }
}

/// Whether a finding counts (suppressions mark findings, never delete them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Open,
    Suppressed,
}

/// One vulnerability affecting one package, reported once with all its ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The primary id (the first of the merged records' ids, in a stable order:
    /// GHSA, then CVE, then the rest).
    pub id: String,
    /// Every other id of the same vulnerability (CVE, GHSA, PYSEC, RUSTSEC, NSWG...).
    pub aliases: Vec<String>,
    pub summary: String,
    pub severity: Severity,
    pub package: PackageRef,
    pub locations: Vec<Location>,
    /// Lowest fixed version above the installed one, when a record names one.
    #[serde(default)]
    pub fixed_version: Option<String>,
    pub references: Vec<String>,
    #[serde(default)]
    pub status: Status,
    /// Why it is suppressed (the suppression rule's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed_reason: Option<String>,
    /// False when no copy of the package is loaded by the runtime.
    #[serde(default = "yes")]
    pub loaded: bool,
    /// KEV, EPSS, reachability and the risk score (see [`crate::prioritize`]),
    /// written flat into the finding.
    #[serde(flatten)]
    pub priority: Priority,
}

fn yes() -> bool {
    true
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A package/advisory pair that could not be decided: the package's version or
/// a range event does not parse under the ecosystem's rules.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unmatched {
    pub advisory: String,
    pub package: PackageRef,
    pub reason: String,
}

/// Where the advisory database a scan used came from; serialised as `path`,
/// `cache` or `embedded`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseOrigin {
    /// A path the caller named (`--db` / `LAMBDA_AUDIT_DB`, or an API caller's own).
    #[default]
    Path,
    /// The exports `db update` keeps in the user's cache.
    Cache,
    /// The starter set compiled into the binary.
    Embedded,
}

impl DatabaseOrigin {
    /// The name used in reports and `db info`.
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseOrigin::Path => "path",
            DatabaseOrigin::Cache => "cache",
            DatabaseOrigin::Embedded => "embedded",
        }
    }
}

impl std::fmt::Display for DatabaseOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which advisory database a scan used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseInfo {
    pub source: DatabaseOrigin,
    /// The path read, for `path` and `cache`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub records: usize,
    /// Records per ecosystem.
    pub ecosystems: std::collections::BTreeMap<String, usize>,
    /// Newest `modified` date among the records (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_record: Option<String>,
    /// Records that could not be read (`file!member: reason`), never silently dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid_records: Vec<String>,
}

/// Counts for the one-line summary and for thresholds, computed from the
/// findings in one place ([`Summary::count_findings`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub packages: usize,
    pub findings: usize,
    pub suppressed: usize,
    pub unmatched: usize,
    /// Open findings per rating.
    pub by_severity: BTreeMap<String, usize>,
    /// Packages only development needs (see [`Package::is_dev_only`]): listed,
    /// not matched, unless the caller asks (`--include-dev`).
    ///
    /// [`Package::is_dev_only`]: crate::package::Package::is_dev_only
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dev_only: usize,
}

impl Summary {
    /// Recomputes `findings`, `suppressed` and `by_severity` from the
    /// findings' statuses (`packages` and `unmatched` are left as they are).
    pub fn count_findings(&mut self, findings: &[Finding]) {
        self.findings = 0;
        self.suppressed = 0;
        self.by_severity.clear();
        for f in findings {
            match f.status {
                Status::Open => {
                    self.findings += 1;
                    *self
                        .by_severity
                        .entry(f.severity.rating.name().to_string())
                        .or_default() += 1;
                }
                Status::Suppressed => self.suppressed += 1,
            }
        }
    }

    /// Open findings rated `rating`.
    pub fn open(&self, rating: Rating) -> usize {
        self.by_severity.get(rating.name()).copied().unwrap_or(0)
    }

    /// The ratings a summary lists with their open findings, most severe
    /// first: low to critical always, `none` and `unknown` when they have some.
    pub fn listed_ratings(&self) -> Vec<(Rating, usize)> {
        Rating::DESCENDING
            .into_iter()
            .map(|r| (r, self.open(r)))
            .filter(|(r, n)| r.is_graded() || *n > 0)
            .collect()
    }
}

/// A full scan: the inventory contract plus findings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScanReport {
    #[serde(flatten)]
    pub inventory: Inventory,
    pub database: DatabaseInfo,
    pub findings: Vec<Finding>,
    /// Could-not-compare outcomes, never silently dropped.
    pub unmatched: Vec<Unmatched>,
    pub summary: Summary,
    /// How the deployed function is exposed (function URL, resource
    /// policy); absent for local scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<Exposure>,
}

impl ScanReport {
    /// Warnings of the inventory (kept in one place).
    pub fn warnings(&self) -> &[Warning] {
        &self.inventory.warnings
    }
}
