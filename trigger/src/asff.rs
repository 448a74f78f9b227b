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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trigger::messages::tests::finding as sample;

    #[test]
    fn an_asff_finding_names_the_function_the_package_and_the_advisory() {
        let subject = "arn:aws:lambda:eu-west-1:123456789012:function:app:3";
        let place = Place::of(subject).unwrap();
        assert_eq!(
            place.product_arn(),
            "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
        );
        let mut f = sample("GHSA-1", "axios", "0.21.0");
        f.loaded = false;
        let asff = finding(
            subject,
            SubjectKind::Function,
            &place,
            &f,
            "2026-11-23T10:00:00Z",
            true,
        );
        assert_eq!(
            asff.id(),
            Some(
                "arn:aws:lambda:eu-west-1:123456789012:function:app:3/GHSA-1/pkg:npm/axios@0.21.0"
            )
        );
        assert_eq!(asff.schema_version(), Some(SCHEMA_VERSION));
        assert_eq!(asff.aws_account_id(), Some("123456789012"));
        assert_eq!(asff.types(), [FINDING_TYPE.to_string()]);
        assert_eq!(asff.title(), Some("GHSA-1 in axios 0.21.0 (npm)"));
        assert_eq!(
            asff.description(),
            Some("axios is vulnerable (no copy is loaded by the runtime)")
        );
        assert_eq!(
            asff.severity().and_then(|s| s.label()),
            Some(&SeverityLabel::High)
        );
        assert_eq!(asff.record_state(), Some(&RecordState::Active));
        let resource = &asff.resources()[0];
        assert_eq!(resource.r#type(), Some("AwsLambdaFunction"));
        assert_eq!(resource.region(), Some("eu-west-1"));
        let v = &asff.vulnerabilities()[0];
        assert_eq!(v.related_vulnerabilities(), ["CVE-GHSA-1".to_string()]);
        let p = &v.vulnerable_packages()[0];
        assert_eq!(
            (p.name(), p.version(), p.fixed_in_version()),
            (Some("axios"), Some("0.21.0"), Some("9.9.9"))
        );

        let layer = "arn:aws:lambda:eu-west-1:123456789012:layer:deps:2";
        let archived = finding(
            layer,
            SubjectKind::Layer,
            &Place::of(layer).unwrap(),
            &f,
            "t",
            false,
        );
        assert_eq!(archived.record_state(), Some(&RecordState::Archived));
        assert_eq!(
            archived.resources()[0].r#type(),
            Some("AwsLambdaLayerVersion")
        );
        assert_eq!(label(Rating::Unknown), SeverityLabel::Informational);
        assert_eq!(Place::of("not-an-arn"), None);
    }
}
