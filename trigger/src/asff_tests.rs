//! Tests of the ASFF conversion.
use super::*;
use crate::messages::tests::finding as sample;
use serde_json::json;

fn context() -> AsffContext {
    layers::aws::asff::context(
        "arn:aws:lambda:eu-west-1:123456789012:function:app:3",
        "2026-11-23T10:00:00Z".into(),
    )
    .unwrap()
}

fn stored(f: analyzer::findings::Finding, status: FindingStatus) -> StoredFinding {
    let first = store::time::parse("2026-11-20T08:00:00Z").unwrap();
    let updated = store::time::parse("2026-11-23T10:00:00Z").unwrap();
    StoredFinding {
        id: "f1".into(),
        subject: "arn:aws:lambda:eu-west-1:123456789012:function:app:3".into(),
        layer: None,
        status,
        first_observed_at: first,
        last_observed_at: updated,
        updated_at: updated,
        closed_at: None,
        close_reason: None,
        unread: None,
        revision: 1,
        finding: f,
    }
}

#[test]
fn the_lifecycle_sets_dates_record_state_and_workflow() {
    let f = sample("GHSA-1", "axios", "0.21.0");
    let active = finding(&context(), &stored(f.clone(), FindingStatus::Active));
    let suppressed = finding(&context(), &stored(f.clone(), FindingStatus::Suppressed));
    let closed = finding(&context(), &stored(f, FindingStatus::Closed));
    assert_eq!(active["CreatedAt"], "2026-11-20T08:00:00Z");
    assert_eq!(active["UpdatedAt"], "2026-11-23T10:00:00Z");
    assert_eq!(active["RecordState"], "ACTIVE");
    assert_eq!(active["Workflow"]["Status"], "NEW");
    assert_eq!(suppressed["RecordState"], "ACTIVE");
    assert_eq!(suppressed["Workflow"]["Status"], "SUPPRESSED");
    assert_eq!(closed["RecordState"], "ARCHIVED");
    assert_eq!(closed["Workflow"]["Status"], "RESOLVED");
    let strip = |mut v: Value| {
        let o = v.as_object_mut().unwrap();
        o.remove("RecordState");
        o.remove("Workflow");
        v
    };
    assert_eq!(strip(active), strip(closed));
}

#[test]
fn the_sdk_finding_carries_every_field() {
    let mut f = sample("GHSA-1", "axios", "0.21.0");
    f.loaded = false;
    let sdk = to_sdk(&finding(&context(), &stored(f, FindingStatus::Active))).unwrap();
    assert_eq!(
        sdk.id(),
        Some("arn:aws:lambda:eu-west-1:123456789012:function:app:3/GHSA-1/pkg:npm/axios@0.21.0")
    );
    assert_eq!(sdk.aws_account_id(), Some("123456789012"));
    assert_eq!(sdk.title(), Some("GHSA-1 in axios 0.21.0 (npm)"));
    assert_eq!(
        sdk.severity().and_then(|s| s.label()),
        Some(&SeverityLabel::High)
    );
    assert_eq!(sdk.record_state(), Some(&RecordState::Active));
    assert_eq!(sdk.resources()[0].r#type(), Some("AwsLambdaFunction"));
    let v = &sdk.vulnerabilities()[0];
    assert_eq!(v.related_vulnerabilities(), ["CVE-GHSA-1".to_string()]);
    let p = &v.vulnerable_packages()[0];
    assert_eq!(
        (p.name(), p.version(), p.fixed_in_version()),
        (Some("axios"), Some("0.21.0"), Some("9.9.9"))
    );
    assert_eq!(
        sdk.product_fields()
            .and_then(|m| m.get("lambda-audit/purl")),
        Some(&"pkg:npm/axios@0.21.0".to_string())
    );
}

#[test]
fn a_field_without_a_mapping_is_refused() {
    let mut v = finding(
        &context(),
        &stored(sample("GHSA-1", "axios", "0.21.0"), FindingStatus::Active),
    );
    v["Vulnerabilities"][0]["Cvss"] = json!([{"Version": "3.1", "Rating": "high"}]);
    let e = to_sdk(&v).unwrap_err();
    assert_eq!(e.path, "Vulnerabilities[0].Cvss[0].Rating");
    v["Title"] = json!(3);
    assert_eq!(to_sdk(&v).unwrap_err().path, "Title");
}
