//! Findings in the AWS Security Finding Format, for Security Hub's
//! BatchImportFindings: one ASFF finding per (subject, advisory, package).

use crate::aws::arn::{FunctionArn, LayerVersionArn};
use crate::aws::SubjectKind;
use analyzer::findings::{Finding, Rating};
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Partition, RecordState, Resource, Severity, SeverityLabel, SoftwarePackage,
    Vulnerability,
};

/// ASFF schema version.
pub const SCHEMA_VERSION: &str = "2018-10-08";
/// The ASFF `GeneratorId` of every finding.
pub const GENERATOR_ID: &str = "lambda-audit";
/// The ASFF finding type of a vulnerable dependency.
pub const FINDING_TYPE: &str = "Software and Configuration Checks/Vulnerabilities/CVE";

/// Where the scanned subject lives: partition, region, account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl Place {
    /// The place named by a function or layer version ARN.
    pub fn of(subject: &str) -> Option<Place> {
        if let Ok(f) = FunctionArn::parse(subject) {
            return Some(Place {
                partition: f.partition,
                region: f.region,
                account: f.account,
            });
        }
        LayerVersionArn::parse(subject).ok().map(|l| Place {
            partition: l.partition,
            region: l.region,
            account: l.account,
        })
    }

    /// The account's default product ARN, which BatchImportFindings accepts for
    /// findings an account reports about itself.
    pub fn product_arn(&self) -> String {
        format!(
            "arn:{}:securityhub:{}:{}:product/{}/default",
            self.partition, self.region, self.account, self.account
        )
    }
}

/// The ASFF severity label of a rating.
pub fn label(rating: Rating) -> SeverityLabel {
    match rating {
        Rating::Critical => SeverityLabel::Critical,
        Rating::High => SeverityLabel::High,
        Rating::Medium => SeverityLabel::Medium,
        Rating::Low => SeverityLabel::Low,
        Rating::None | Rating::Unknown => SeverityLabel::Informational,
    }
}

/// The stable ASFF id of a finding about a subject.
pub fn finding_id(subject: &str, finding: &Finding) -> String {
    format!("{subject}/{}/{}", finding.id, finding.package.purl)
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// One ASFF finding; `active` false archives a finding that is no longer present.
pub fn finding(
    subject: &str,
    kind: SubjectKind,
    place: &Place,
    finding: &Finding,
    now: &str,
    active: bool,
) -> AwsSecurityFinding {
    let package = &finding.package;
    let title = clip(
        &format!(
            "{} in {} {} ({})",
            finding.id, package.name, package.version, package.ecosystem
        ),
        256,
    );
    let mut description = if finding.summary.is_empty() {
        format!("{} affects {}", finding.id, package.purl)
    } else {
        finding.summary.clone()
    };
    if !finding.loaded {
        description.push_str(" (no copy is loaded by the runtime)");
    }
    let resource_type = match kind {
        SubjectKind::Function => "AwsLambdaFunction",
        SubjectKind::Layer => "AwsLambdaLayerVersion",
    };
    let mut vulnerability = Vulnerability::builder()
        .id(&finding.id)
        .vulnerable_packages(
            SoftwarePackage::builder()
                .name(&package.name)
                .version(&package.version)
                .package_manager(package.ecosystem.to_string())
                .set_fixed_in_version(finding.fixed_version.clone())
                .set_file_path(finding.locations.first().map(|l| {
                    l.lambda_path
                        .clone()
                        .unwrap_or_else(|| format!("{}:{}", l.artifact, l.path))
                }))
                .build(),
        );
    for alias in &finding.aliases {
        vulnerability = vulnerability.related_vulnerabilities(alias);
    }
    for url in finding.references.iter().take(20) {
        vulnerability = vulnerability.reference_urls(url);
    }
    AwsSecurityFinding::builder()
        .schema_version(SCHEMA_VERSION)
        .id(finding_id(subject, finding))
        .product_arn(place.product_arn())
        .generator_id(GENERATOR_ID)
        .aws_account_id(&place.account)
        .types(FINDING_TYPE)
        .created_at(now)
        .updated_at(now)
        .severity(
            Severity::builder()
                .label(label(finding.severity.rating))
                .build(),
        )
        .title(title)
        .description(clip(&description, 1024))
        .resources(
            Resource::builder()
                .r#type(resource_type)
                .id(subject)
                .partition(Partition::from(place.partition.as_str()))
                .region(&place.region)
                .build(),
        )
        .vulnerabilities(vulnerability.build())
        .record_state(if active {
            RecordState::Active
        } else {
            RecordState::Archived
        })
        .build()
}
