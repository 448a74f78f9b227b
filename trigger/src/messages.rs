//! What the trigger publishes to EventBridge: one event per scan with its
//! findings summary, and one per new finding. Source `lambda-audit`.
//!
//! `Lambda Audit Scan Result` detail (camelCase):
//! `schemaVersion` ("1"), `subject` (function `ARN:version` or layer version ARN),
//! `kind` (`function`|`layer`), `status` (`scanned`|`not_scanned`|`gone`|`failed`),
//! `reason` (why not scanned / gone / failed), `cause` (CloudTrail event name,
//! `direct`, `rescan`, `schedule`), `runtime`, `layers`, `summary` (`packages`,
//! `findings`, `suppressed`, `unmatched`, `by_severity`), `newFindings`,
//! `database` (the advisory database used: its `invalid_records` lists at most
//! [`MAX_EVENT_INVALID_RECORDS`], `invalid_record_count` counts them all, and
//! the S3 report has the full list), `report` (S3 URI of the JSON report).
//!
//! `Lambda Audit New Finding` detail: `schemaVersion`, `subject`, `kind`, `id`,
//! `aliases`, `title`, `severity` (`rating`, `score`, `vector`, `source`), `package`
//! (`ecosystem`, `name`, `version`, `purl`), `fixedVersion`, `loaded`,
//! `locations` (`artifact`, `path`, `lambdaPath`).

use analyzer::findings::{
    DatabaseInfo, Finding, PackageRef, ScanReport, Severity, Status, Summary,
};
use layers::aws::SubjectKind;
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
    pub database: Option<EventDatabase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

/// Most unreadable record names an event lists (EventBridge entries are
/// capped at 256 KB; a database can hold thousands).
pub const MAX_EVENT_INVALID_RECORDS: usize = 10;

/// The database a scan used, as an event carries it: the report's
/// [`DatabaseInfo`] with `invalid_records` cut to the first
/// [`MAX_EVENT_INVALID_RECORDS`], and their full count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDatabase {
    #[serde(flatten)]
    pub info: DatabaseInfo,
    /// How many records could not be read (`invalid_records` may list fewer).
    #[serde(default)]
    pub invalid_record_count: usize,
}

impl EventDatabase {
    pub fn of(info: &DatabaseInfo) -> EventDatabase {
        let mut info = info.clone();
        let invalid_record_count = info.invalid_records.len();
        info.invalid_records.truncate(MAX_EVENT_INVALID_RECORDS);
        EventDatabase {
            info,
            invalid_record_count,
        }
    }
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
            database: self.report.as_ref().map(|r| EventDatabase::of(&r.database)),
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use analyzer::findings::{Rating, Severity};
    use analyzer::inventory::Inventory;
    use analyzer::Ecosystem;

    pub(crate) fn finding(id: &str, name: &str, version: &str) -> Finding {
        Finding {
            id: id.into(),
            aliases: vec![format!("CVE-{id}")],
            summary: format!("{name} is vulnerable"),
            severity: Severity {
                rating: Rating::High,
                score: Some(7.5),
                vector: None,
                source: "cvss_v3".into(),
            },
            package: PackageRef {
                ecosystem: Ecosystem::Npm,
                name: name.into(),
                version: version.into(),
                purl: format!("pkg:npm/{name}@{version}"),
            },
            locations: Vec::new(),
            fixed_version: Some("9.9.9".into()),
            references: vec!["https://example.invalid/a".into()],
            status: Status::Open,
            suppressed_reason: None,
            loaded: true,
            priority: Default::default(),
        }
    }

    pub(crate) fn report(findings: Vec<Finding>) -> ScanReport {
        ScanReport {
            inventory: Inventory::default(),
            database: DatabaseInfo::default(),
            summary: Summary {
                findings: findings.len(),
                ..Summary::default()
            },
            findings,
            unmatched: Vec::new(),
            exposure: None,
        }
    }

    #[test]
    fn new_and_resolved_findings_are_keyed_by_advisory_and_package() {
        let before = report(vec![
            finding("GHSA-1", "axios", "0.21.0"),
            finding("GHSA-2", "lodash", "4.17.15"),
        ]);
        let mut suppressed = finding("GHSA-4", "minimist", "1.2.0");
        suppressed.status = Status::Suppressed;
        let now = report(vec![
            finding("GHSA-1", "axios", "0.21.0"),
            finding("GHSA-3", "axios", "0.21.0"),
            finding("GHSA-2", "lodash", "4.17.21"),
            suppressed,
        ]);
        let (new, resolved) = diff(Some(&before), &now);
        let ids = |v: &[Finding]| -> Vec<(String, String)> { v.iter().map(finding_key).collect() };
        assert_eq!(
            ids(&new),
            vec![
                ("GHSA-3".into(), "pkg:npm/axios@0.21.0".into()),
                ("GHSA-2".into(), "pkg:npm/lodash@4.17.21".into()),
            ]
        );
        assert_eq!(
            ids(&resolved),
            vec![("GHSA-2".into(), "pkg:npm/lodash@4.17.15".into())]
        );
        let (all, none) = diff(None, &now);
        assert_eq!(
            all.len(),
            3,
            "every open finding is new without a previous report"
        );
        assert!(none.is_empty());
    }

    #[test]
    fn event_details_follow_the_documented_schema() {
        let result = ScanResult {
            subject: "arn:aws:lambda:us-east-1:123456789012:function:app:$LATEST".into(),
            kind: SubjectKind::Function,
            status: ScanStatus::Scanned,
            reason: None,
            cause: "UpdateFunctionCode20150331v2".into(),
            runtime: Some("nodejs20.x".into()),
            layers: vec!["arn:aws:lambda:us-east-1:123456789012:layer:deps:1".into()],
            report: Some(report(vec![finding("GHSA-1", "axios", "0.21.0")])),
            new_findings: vec![finding("GHSA-1", "axios", "0.21.0")],
            resolved_findings: Vec::new(),
            report_location: Some("s3://r/k.json".into()),
        };
        let scan = serde_json::to_value(result.detail()).unwrap();
        assert_eq!(scan["schemaVersion"], "1");
        assert_eq!(scan["status"], "scanned");
        assert_eq!(scan["kind"], "function");
        assert_eq!(scan["newFindings"], 1);
        assert_eq!(scan["summary"]["findings"], 1);
        assert_eq!(scan["report"], "s3://r/k.json");
        assert_eq!(scan["database"]["invalid_record_count"], 0);
        let details = result.finding_details();
        let f = serde_json::to_value(&details[0]).unwrap();
        assert_eq!(f["id"], "GHSA-1");
        assert_eq!(f["aliases"], serde_json::json!(["CVE-GHSA-1"]));
        assert_eq!(f["fixedVersion"], "9.9.9");
        assert_eq!(f["package"]["purl"], "pkg:npm/axios@0.21.0");
        assert_eq!(f["severity"]["rating"], "high");
    }

    #[test]
    fn events_list_a_few_invalid_records_and_count_them_all() {
        let mut r = report(Vec::new());
        r.database.invalid_records = (0..2500)
            .map(|i| format!("all.zip!BAD-{i}.json: eof"))
            .collect();
        let result = ScanResult {
            subject: "arn:aws:lambda:us-east-1:123456789012:function:app:1".into(),
            kind: SubjectKind::Function,
            status: ScanStatus::Scanned,
            reason: None,
            cause: "direct".into(),
            runtime: None,
            layers: Vec::new(),
            report: Some(r),
            new_findings: Vec::new(),
            resolved_findings: Vec::new(),
            report_location: None,
        };
        let scan = serde_json::to_value(result.detail()).unwrap();
        assert_eq!(scan["database"]["invalid_record_count"], 2500);
        let listed = scan["database"]["invalid_records"].as_array().unwrap();
        assert_eq!(listed.len(), MAX_EVENT_INVALID_RECORDS);
        assert_eq!(listed[0], "all.zip!BAD-0.json: eof");
        assert!(serde_json::to_vec(&scan).unwrap().len() < 4096);
        let back: ScanDetail = serde_json::from_value(scan).unwrap();
        assert_eq!(back.database.unwrap().invalid_record_count, 2500);
    }
}
