//! What the trigger publishes to EventBridge: one event per scan with its
//! findings summary, and one per new finding. Source `lambda-audit`.
//!
//! `Lambda Audit Scan Result` detail (camelCase):
//! `schemaVersion` ("1"), `subject` (function `ARN:version` or layer version ARN),
//! `kind` (`function`|`layer`), `status` (`scanned`|`not_scanned`|`gone`|`failed`),
//! `reason` (why not scanned / gone / failed), `cause` (CloudTrail event name,
//! `direct`, `rescan`, `schedule`), `runtime`, `layers`, `summary` (`packages`,
//! `findings`, `suppressed`, `unmatched`, `by_severity`), `newFindings`,
//! `database` (the advisory database used), `report` (S3 URI of the JSON report).
//!
//! `Lambda Audit New Finding` detail: `schemaVersion`, `subject`, `kind`, `id`,
//! `aliases`, `title`, `severity` (`rating`, `score`, `vector`, `source`), `package`
//! (`ecosystem`, `name`, `version`, `purl`), `fixedVersion`, `loaded`,
//! `locations` (`artifact`, `path`, `lambdaPath`).

use crate::aws::SubjectKind;
use analyzer::findings::{
    DatabaseInfo, Finding, PackageRef, ScanReport, Severity, Status, Summary,
};
use serde::{Deserialize, Serialize};

/// EventBridge `Source` of every event the trigger publishes.
pub const EVENT_SOURCE: &str = "lambda-audit";
/// `DetailType` of the per-scan event.
pub const SCAN_DETAIL_TYPE: &str = "Lambda Audit Scan Result";
/// `DetailType` of the per-new-finding event.
pub const FINDING_DETAIL_TYPE: &str = "Lambda Audit New Finding";
/// Version of both detail schemas.
pub const SCHEMA_VERSION: &str = "1";

/// How a scan ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanStatus {
    Scanned,
    NotScanned,
    Gone,
    Failed,
}

/// One scan's result, ready to publish.
#[derive(Clone, Debug)]
pub struct ScanResult {
    pub subject: String,
    pub kind: SubjectKind,
    pub status: ScanStatus,
    pub reason: Option<String>,
    pub cause: String,
    pub runtime: Option<String>,
    pub layers: Vec<String>,
    /// The findings, for a scanned subject.
    pub report: Option<ScanReport>,
    /// Open findings absent from the previous report of the same subject.
    pub new_findings: Vec<Finding>,
    /// Open findings of the previous report that are gone now.
    pub resolved_findings: Vec<Finding>,
    /// Where the JSON report was stored.
    pub report_location: Option<String>,
}

/// The `Lambda Audit Scan Result` detail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanDetail {
    pub schema_version: String,
    pub subject: String,
    pub kind: SubjectKind,
    pub status: ScanStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub cause: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    pub layers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    pub new_findings: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

/// Where a vulnerable copy is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingLocation {
    pub artifact: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_path: Option<String>,
}

/// The `Lambda Audit New Finding` detail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingDetail {
    pub schema_version: String,
    pub subject: String,
    pub kind: SubjectKind,
    pub id: String,
    pub aliases: Vec<String>,
    pub title: String,
    pub severity: Severity,
    pub package: PackageRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    pub loaded: bool,
    pub locations: Vec<FindingLocation>,
}

/// Most locations listed in one finding event (EventBridge entries are capped at 256 KB).
const MAX_LOCATIONS: usize = 50;

impl ScanResult {
    /// The per-scan event detail.
    pub fn detail(&self) -> ScanDetail {
        ScanDetail {
            schema_version: SCHEMA_VERSION.into(),
            subject: self.subject.clone(),
            kind: self.kind,
            status: self.status,
            reason: self.reason.clone(),
            cause: self.cause.clone(),
            runtime: self.runtime.clone(),
            layers: self.layers.clone(),
            summary: self.report.as_ref().map(|r| r.summary.clone()),
            new_findings: self.new_findings.len(),
            database: self.report.as_ref().map(|r| r.database.clone()),
            report: self.report_location.clone(),
        }
    }

    /// One detail per new finding.
    pub fn finding_details(&self) -> Vec<FindingDetail> {
        self.new_findings
            .iter()
            .map(|f| FindingDetail {
                schema_version: SCHEMA_VERSION.into(),
                subject: self.subject.clone(),
                kind: self.kind,
                id: f.id.clone(),
                aliases: f.aliases.clone(),
                title: f.summary.clone(),
                severity: f.severity.clone(),
                package: f.package.clone(),
                fixed_version: f.fixed_version.clone(),
                loaded: f.loaded,
                locations: f
                    .locations
                    .iter()
                    .take(MAX_LOCATIONS)
                    .map(|l| FindingLocation {
                        artifact: l.artifact.clone(),
                        path: l.path.clone(),
                        lambda_path: l.lambda_path.clone(),
                    })
                    .collect(),
            })
            .collect()
    }
}

/// The identity of a finding across scans: advisory id and package.
pub fn finding_key(f: &Finding) -> (String, String) {
    (f.id.clone(), f.package.purl.clone())
}

/// Open findings of `current` absent from `previous` (all of them without a
/// previous report), and open findings of `previous` absent from `current`.
pub fn diff(previous: Option<&ScanReport>, current: &ScanReport) -> (Vec<Finding>, Vec<Finding>) {
    let open = |r: &ScanReport| -> Vec<Finding> {
        r.findings
            .iter()
            .filter(|f| f.status == Status::Open)
            .cloned()
            .collect()
    };
    let now = open(current);
    let Some(previous) = previous else {
        return (now, Vec::new());
    };
    let before = open(previous);
    let before_keys: std::collections::BTreeSet<_> = before.iter().map(finding_key).collect();
    let now_keys: std::collections::BTreeSet<_> = now.iter().map(finding_key).collect();
    let new = now
        .into_iter()
        .filter(|f| !before_keys.contains(&finding_key(f)))
        .collect();
    let resolved = before
        .into_iter()
        .filter(|f| !now_keys.contains(&finding_key(f)))
        .collect();
    (new, resolved)
}
