//! What the trigger publishes to EventBridge (source `lambda-audit`): one
//! `Lambda Audit Scan Result` event per scan with its findings summary, and
//! one event per transition of a finding ([`finding`]: `Lambda Audit New
//! Finding`, `… Finding Reopened`, `… Finding Closed`, `… Finding
//! Suppressed`, `… Finding Unsuppressed`).
//!
//! `Lambda Audit Scan Result` detail (camelCase):
//! `schemaVersion` ("1"), `subject` (function `ARN:version` or layer version ARN),
//! `kind` (`function`|`layer`), `status` (`scanned`|`not_scanned`|`gone`|`failed`),
//! `reason` (why not scanned / gone / failed), `cause` (CloudTrail event name,
//! `direct`, `rescan`, `schedule`), `runtime`, `layers`, `summary` (`packages`,
//! `findings`, `suppressed`, `unmatched`, `by_severity`), `newFindings`,
//! `reopenedFindings`, `closedFindings` (the finding events about this subject
//! published with it), `incomplete` (evidence not read: `artifact`, `path`,
//! `reason`), `database` (the advisory database used: its
//! `invalid_records` lists at most [`MAX_EVENT_INVALID_RECORDS`],
//! `invalid_record_count` counts them all, and the S3 report has the full
//! list), `report` (S3 URI of the JSON report).

pub mod finding;

use analyzer::findings::{DatabaseInfo, ScanReport, Summary};
use analyzer::risk::Exposure;
use layers::aws::SubjectKind;
use serde::{Deserialize, Serialize};

pub use finding::{detail_type, FindingDetail, FindingEvent};

/// EventBridge `Source` of every event the trigger publishes.
pub const EVENT_SOURCE: &str = "lambda-audit";
/// `DetailType` of the per-scan event.
pub const SCAN_DETAIL_TYPE: &str = "Lambda Audit Scan Result";
/// `DetailType` of the per-new-finding event.
pub const FINDING_DETAIL_TYPE: &str = finding::NEW_FINDING_DETAIL_TYPE;
/// Version of every detail schema.
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
    /// Finding events about this subject published with this result, by
    /// transition (see [`ScanResult::count`]).
    pub published: Published,
    /// Where the JSON report was stored.
    pub report_location: Option<String>,
}

/// Finding events about one subject, by transition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Published {
    pub new: usize,
    pub reopened: usize,
    pub closed: usize,
    pub suppressed: usize,
    pub unsuppressed: usize,
}

impl Published {
    /// Counts one event of `transition`.
    pub fn count(&mut self, transition: store::Transition) {
        use store::Transition as T;
        *match transition {
            T::New => &mut self.new,
            T::Reopened => &mut self.reopened,
            T::Closed => &mut self.closed,
            T::Suppressed => &mut self.suppressed,
            T::Unsuppressed => &mut self.unsuppressed,
        } += 1;
    }
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
    /// How the deployed function is exposed (`level`, `description`), as its
    /// findings' risk took it; absent for a layer version or an unscanned
    /// subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<Exposure>,
    pub new_findings: usize,
    #[serde(default)]
    pub reopened_findings: usize,
    #[serde(default)]
    pub closed_findings: usize,
    /// Evidence the scan could not read (a deleted layer version, a limit):
    /// the scan is incomplete. At most [`MAX_EVENT_GAPS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<EventGap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<EventDatabase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

/// Most gaps a scan result event lists.
pub const MAX_EVENT_GAPS: usize = 20;

/// Evidence a scan could not read: the artifact, the path inside it (empty:
/// the whole artifact), and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventGap {
    pub artifact: String,
    pub path: String,
    pub reason: String,
}

impl ScanResult {
    /// The gaps of the scan's inventory (at most [`MAX_EVENT_GAPS`]).
    pub fn gaps(&self) -> Vec<EventGap> {
        self.report
            .iter()
            .flat_map(|r| r.inventory.gaps())
            .take(MAX_EVENT_GAPS)
            .map(|(artifact, gap)| EventGap {
                artifact: artifact.to_string(),
                path: gap.path.clone(),
                reason: gap.reason.clone(),
            })
            .collect()
    }
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
            exposure: self.report.as_ref().and_then(|r| r.exposure.clone()),
            new_findings: self.published.new,
            reopened_findings: self.published.reopened,
            closed_findings: self.published.closed,
            incomplete: self.gaps(),
            database: self.report.as_ref().map(|r| EventDatabase::of(&r.database)),
            report: self.report_location.clone(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use analyzer::findings::{Finding, PackageRef, Rating, Severity, Status};
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
            published: Published {
                new: 1,
                closed: 2,
                ..Published::default()
            },
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
        assert_eq!(scan["closedFindings"], 2);
        assert_eq!(scan["reopenedFindings"], 0);
        assert!(
            scan.get("exposure").is_none(),
            "no exposure read: none said"
        );

        let mut exposed = result.clone();
        if let Some(r) = exposed.report.as_mut() {
            r.exposure = Some(Exposure::function_url_without_auth());
        }
        let scan = serde_json::to_value(exposed.detail()).unwrap();
        assert_eq!(scan["exposure"]["level"], "internet");
        assert_eq!(
            scan["exposure"]["description"],
            "internet (function URL, no auth)"
        );
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
            published: Published::default(),
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
