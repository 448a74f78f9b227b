//! `--format asff`: a JSON array of AWS Security Finding Format findings, one
//! per finding, ready for Security Hub's BatchImportFindings. The account, the
//! resource and the timestamp come from [`AsffContext`], so output is a pure
//! function of its inputs. Finding ids are `<resource>/<vulnerability>/<purl>`,
//! stable across scans so that a re-import updates the same finding.
//!
//! [`finding`] is the one ASFF builder of the workspace: the post-deploy
//! trigger imports the same JSON into Security Hub.

use super::json::write_sorted;
use super::{clip, location_uri, ordered, osv_url, primary_locations, Renderer, SortOrder};
use crate::findings::{Finding, Rating, ScanReport, Status};
use crate::severity::CvssVersion;
use crate::Ecosystem;
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// ASFF schema version.
pub const SCHEMA_VERSION: &str = "2018-10-08";
/// The finding type of a vulnerable dependency.
pub const FINDING_TYPE: &str = "Software and Configuration Checks/Vulnerabilities/CVE";
/// `GeneratorId` of every finding.
pub const GENERATOR_ID: &str = "lambda-audit";

/// Where ASFF findings are reported, about what, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsffContext {
    /// The 12-digit account that owns the resource.
    pub aws_account_id: String,
    pub region: String,
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// Default: the account's own product,
    /// `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`.
    pub product_arn: Option<String>,
    /// The function (or layer version) ARN; default: the function artifact's name.
    pub resource_id: Option<String>,
    /// `AwsLambdaFunction` or `AwsLambdaLayerVersion`.
    pub resource_type: String,
    /// `CreatedAt`/`UpdatedAt`, RFC 3339 (see [`crate::date::rfc3339_now`]).
    pub timestamp: String,
}

impl Default for AsffContext {
    fn default() -> Self {
        AsffContext {
            aws_account_id: "000000000000".into(),
            region: "us-east-1".into(),
            partition: "aws".into(),
            product_arn: None,
            resource_id: None,
            resource_type: "AwsLambdaFunction".into(),
            timestamp: "1970-01-01T00:00:00Z".into(),
        }
    }
}

impl AsffContext {
    /// The product ARN the findings are imported under.
    pub fn product_arn(&self) -> String {
        self.product_arn.clone().unwrap_or_else(|| {
            format!(
                "arn:{}:securityhub:{}:{}:product/{}/default",
                self.partition, self.region, self.aws_account_id, self.aws_account_id
            )
        })
    }
}

pub(crate) struct Asff<'a> {
    pub context: &'a AsffContext,
    pub sort: SortOrder,
}

fn label(rating: Rating) -> &'static str {
    match rating {
        Rating::Critical => "CRITICAL",
        Rating::High => "HIGH",
        Rating::Medium => "MEDIUM",
        Rating::Low => "LOW",
        Rating::None | Rating::Unknown => "INFORMATIONAL",
    }
}

fn vulnerable_package(f: &Finding) -> Value {
    let p = &f.package;
    let mut m = Map::new();
    m.insert("Name".into(), Value::from(p.name.as_str()));
    let version = match (p.ecosystem, p.version.split_once('!')) {
        (Ecosystem::PyPI, Some((epoch, rest))) if epoch.chars().all(|c| c.is_ascii_digit()) => {
            m.insert("Epoch".into(), Value::from(epoch));
            rest
        }
        _ => p.version.as_str(),
    };
    m.insert("Version".into(), Value::from(version));
    m.insert("PackageManager".into(), Value::from(p.ecosystem.as_str()));
    if let Some(l) = primary_locations(&f.locations).first() {
        let path = l.lambda_path.clone().unwrap_or_else(|| location_uri(l));
        m.insert("FilePath".into(), Value::from(path));
    }
    if let Some(fix) = &f.fixed_version {
        m.insert("FixedInVersion".into(), Value::from(fix.as_str()));
        m.insert(
            "Remediation".into(),
            Value::from(format!("Upgrade {} to {fix} or later.", p.name)),
        );
    }
    Value::Object(m)
}

fn vulnerability(f: &Finding) -> Value {
    let mut v = Map::new();
    v.insert("Id".into(), Value::from(f.id.as_str()));
    v.insert("VulnerablePackages".into(), json!([vulnerable_package(f)]));
    if let (Some(score), Some(vector)) = (f.severity.score, f.severity.vector.as_deref()) {
        if let Some(version) = CvssVersion::of_vector(vector) {
            v.insert(
                "Cvss".into(),
                json!([{ "Version": version.number(), "BaseScore": score, "BaseVector": vector, "Source": "OSV" }]),
            );
        }
    }
    if !f.aliases.is_empty() {
        v.insert("RelatedVulnerabilities".into(), json!(f.aliases));
    }
    v.insert(
        "Vendor".into(),
        json!({ "Name": "OSV", "Url": osv_url(&f.id) }),
    );
    if !f.references.is_empty() {
        let urls: Vec<&String> = f.references.iter().take(20).collect();
        v.insert("ReferenceUrls".into(), json!(urls));
    }
    let fix = if f.fixed_version.is_some() {
        "YES"
    } else {
        "NO"
    };
    v.insert("FixAvailable".into(), Value::from(fix));
    if let Some(epss) = f.priority.epss {
        v.insert("EpssScore".into(), Value::from(epss.score));
    }
    // Known exploited means an exploit exists; otherwise nothing is claimed.
    if f.priority.kev.is_some() {
        v.insert("ExploitAvailable".into(), Value::from("YES"));
    }
    Value::Object(v)
}

/// The resource the findings of `report` are about: the context's
/// `resource_id`, else the function artifact's name (else the first artifact's).
pub fn resource_id(context: &AsffContext, report: &ScanReport) -> String {
    if let Some(id) = &context.resource_id {
        return id.clone();
    }
    report
        .inventory
        .main_artifact()
        .map(|a| a.name.clone())
        .unwrap_or_else(|| "lambda-audit".into())
}

/// The identity of finding `f` about `resource`, `<resource>/<vulnerability>/<purl>`:
/// the ASFF `Id`, stable across scans (the findings store's ids derive from it).
pub fn finding_id(resource: &str, f: &Finding) -> String {
    format!("{resource}/{}/{}", f.id, f.package.purl)
}

/// `ProductFields` (text only): the package, the risk score, KEV and EPSS.
fn product_fields(f: &Finding) -> Value {
    let p = &f.package;
    let mut m = Map::new();
    let mut put = |key: &str, value: String| {
        m.insert(format!("lambda-audit/{key}"), Value::from(value));
    };
    put("purl", p.purl.clone());
    put("ecosystem", p.ecosystem.as_str().to_string());
    put("risk", f.priority.risk.score.to_string());
    if let Some(k) = &f.priority.kev {
        put("kev/dateAdded", k.date_added.clone());
        put("kev/dueDate", k.due_date.clone());
        put(
            "kev/knownRansomwareCampaignUse",
            k.known_ransomware_campaign_use.clone(),
        );
    }
    if let Some(e) = f.priority.epss {
        put("epss/score", e.score.to_string());
        put("epss/percentile", e.percentile.to_string());
    }
    if let Some(r) = &f.priority.reachability {
        put("reachability", r.status.as_str().to_string());
    }
    Value::Object(m)
}

/// The one ASFF finding about `resource` for `f`: what `--format asff` prints
/// and what the trigger imports into Security Hub (it only archives findings
/// that are gone, see `lambda-audit-trigger`'s `asff` module). Its `Id`,
/// `<resource>/<vulnerability>/<purl>`, is stable across scans.
pub fn finding(context: &AsffContext, resource: &str, f: &Finding) -> Value {
    let p = &f.package;
    let title = clip(
        &format!("{} in {} {} ({})", f.id, p.name, p.version, p.ecosystem),
        256,
    );
    let mut description = if f.summary.is_empty() {
        format!("{} affects {}.", f.id, p.purl)
    } else {
        format!("{} ({})", f.summary, p.purl)
    };
    if !f.loaded {
        description.push_str(" No copy of this package is loaded by the runtime.");
    }
    let original = f
        .severity
        .score
        .map(|s| format!("{s:.1}"))
        .unwrap_or_else(|| label(f.severity.rating).to_string());
    let workflow = match f.status {
        Status::Open => "NEW",
        Status::Suppressed => "SUPPRESSED",
    };
    let mut finding = json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(resource, f),
        "ProductArn": context.product_arn(),
        "GeneratorId": GENERATOR_ID,
        "AwsAccountId": context.aws_account_id,
        "Types": [FINDING_TYPE],
        "CreatedAt": context.timestamp,
        "UpdatedAt": context.timestamp,
        "Severity": { "Label": label(f.severity.rating), "Original": original },
        "Title": title,
        "Description": clip(&description, 1024),
        "Resources": [{
            "Type": context.resource_type,
            "Id": resource,
            "Partition": context.partition,
            "Region": context.region,
        }],
        "Vulnerabilities": [vulnerability(f)],
        "RecordState": "ACTIVE",
        "Workflow": { "Status": workflow },
        "FindingProviderFields": {
            "Severity": { "Label": label(f.severity.rating), "Original": original },
            "Types": [FINDING_TYPE],
        },
        "ProductFields": product_fields(f),
    });
    if let Some(reason) = &f.suppressed_reason {
        finding["Note"] = json!({
            "Text": clip(reason, 512),
            "UpdatedBy": GENERATOR_ID,
            "UpdatedAt": context.timestamp,
        });
    }
    if let Some(url) = f.references.first() {
        finding["SourceUrl"] = Value::from(url.as_str());
    }
    finding
}

impl Renderer for Asff<'_> {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let resource = resource_id(self.context, report);
        let list: Vec<Value> = ordered(&report.findings, self.sort)
            .into_iter()
            .map(|f| finding(self.context, &resource, f))
            .collect();
        write_sorted(Value::Array(list), out)
    }
}
