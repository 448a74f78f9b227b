//! Prioritisation end to end on real fixtures: the KEV starter set against
//! CISA's catalog snapshot, the KEV and EPSS joins through aliases, the risk
//! order of every report, and VEX out (validated against the official
//! schemas) and back in.

mod common;

use common::{matched, sample_report, scan_fixture, validate};
use lambda_audit_analyzer::date::Date;
use lambda_audit_analyzer::epss::EpssScores;
use lambda_audit_analyzer::findings::{Finding, ScanReport, Status};
use lambda_audit_analyzer::kev::{Catalog, CatalogOrigin};
use lambda_audit_analyzer::prioritize::{prioritize, Context};
use lambda_audit_analyzer::reachability::{ReachStatus, Reachability};
use lambda_audit_analyzer::report::{self, Format, RenderOptions, SortOrder};
use lambda_audit_analyzer::suppress::apply_suppressions;
use serde_json::Value;
use testkit::schemas_dir;

const KEV_ENV: &str = "LAMBDA_AUDIT_KEV";

/// CISA's catalog snapshot: `$LAMBDA_AUDIT_KEV`, else `<shared>/kev/...`
/// (`None` after a skip when there is no shared data).
fn snapshot() -> Option<Catalog> {
    let path = testkit::configured_path(KEV_ENV)
        .or_else(|| testkit::shared_path("kev/known_exploited_vulnerabilities.json"))?;
    let bytes = std::fs::read(&path).unwrap();
    Some(Catalog::parse(&path.display().to_string(), CatalogOrigin::Path, &bytes).unwrap())
}

fn render(format: Format, report: &ScanReport, sort: SortOrder) -> String {
    let options = RenderOptions {
        created: Some("2026-11-23T10:00:00Z".into()),
        sort,
        ..RenderOptions::default()
    };
    let mut out = Vec::new();
    report::render(format, report, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A catalog naming `cve` only, in CISA's layout (test data for the join,
/// not a claim about the CVE).
fn catalog_of(cve: &str) -> Catalog {
    let json = format!(
        r#"{{"title":"test","catalogVersion":"2026.01.01","dateReleased":"2026-01-01T00:00:00.000Z","count":1,
            "vulnerabilities":[{{"cveID":"{cve}","vendorProject":"x","product":"y","vulnerabilityName":"z",
            "dateAdded":"2026-01-02","shortDescription":"","requiredAction":"","dueDate":"2026-01-23",
            "knownRansomwareCampaignUse":"Known","notes":"","cwes":[]}}]}}"#
    );
    Catalog::parse("test-kev.json", CatalogOrigin::Path, json.as_bytes()).unwrap()
}

/// The first finding's CVE that is an alias (not the primary id).
fn aliased_cve(report: &ScanReport) -> (usize, String) {
    report
        .findings
        .iter()
        .enumerate()
        .find_map(|(i, f)| {
            let cve = f.aliases.iter().find(|a| a.starts_with("CVE-"))?;
            (!f.id.starts_with("CVE-")).then(|| (i, cve.clone()))
        })
        .expect("a finding known by a CVE alias")
}

#[test]
fn the_kev_starter_set_is_cisas_catalog() {
    let Some(snapshot) = snapshot() else { return };
    assert_eq!(snapshot.len(), 1404, "the snapshot is catalog 2025.08.25");
    let starter = Catalog::starter();
    assert!(!starter.is_empty());
    for entry in starter.entries() {
        assert_eq!(
            snapshot.get(&entry.cve_id),
            Some(entry),
            "{} differs from CISA's catalog",
            entry.cve_id
        );
    }
    // The names and descriptions the starter file carries are CISA's too.
    let raw = |text: &str| -> Vec<Value> {
        serde_json::from_str::<Value>(text).unwrap()["vulnerabilities"]
            .as_array()
            .unwrap()
            .clone()
    };
    let path = testkit::configured_path(KEV_ENV)
        .or_else(|| testkit::shared_path("kev/known_exploited_vulnerabilities.json"))
        .unwrap();
    let full = raw(&std::fs::read_to_string(path).unwrap());
    let starter_file = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/kev/starter.json"),
    )
    .unwrap();
    for entry in raw(&starter_file) {
        let theirs = full.iter().find(|e| e["cveID"] == entry["cveID"]).unwrap();
        for (key, value) in entry.as_object().unwrap() {
            assert_eq!(&theirs[key], value, "{} {key}", entry["cveID"]);
        }
    }
}

#[test]
fn kev_and_epss_join_through_aliases_and_raise_the_risk() {
    let mut report = matched(scan_fixture("node-basic.zip"));
    let (i, cve) = aliased_cve(&report);
    let before = report.findings[i].priority.risk.score;
    let epss = EpssScores::parse(
        "epss.csv",
        format!("#model_version:v2025.03.14,score_date:2026-01-01T00:00:00Z\ncve,epss,percentile\n{cve},0.91,0.99\n").as_bytes(),
    )
    .unwrap();
    let kev = catalog_of(&cve);
    let outcome = prioritize(
        &mut report,
        &Context {
            kev: Some(&kev),
            epss: Some(&epss),
            exposure: None,
        },
    );
    let f = &report.findings[i];
    assert!(outcome.known_exploited >= 1 && outcome.epss_scored >= 1);
    assert_eq!(f.priority.kev.as_ref().unwrap().cve_id, cve);
    assert!(
        f.priority.risk.score > before,
        "KEV and EPSS raise the risk"
    );
    assert_eq!(f.priority.risk.factors.kev, 30.0);

    let json: Value =
        serde_json::from_str(&render(Format::Json, &report, SortOrder::Risk)).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(
        findings[0]["kev"]["cveID"],
        cve.as_str(),
        "KEV first under risk order"
    );
    let first = &findings[0];
    assert_eq!(first["kev"]["dateAdded"], "2026-01-02");
    assert_eq!(first["kev"]["dueDate"], "2026-01-23");
    assert_eq!(first["kev"]["knownRansomwareCampaignUse"], "Known");
    assert_eq!(first["epss"]["score"], 0.91);
    assert_eq!(first["epss"]["percentile"], 0.99);
    assert!(first["risk"]["score"].as_u64().unwrap() <= 100);
    assert!(first["risk"]["factors"]["severity"].is_number());
    for other in findings.iter().filter(|f| f["kev"].is_null()) {
        assert!(
            other.get("kev").is_none() && other.get("epss").is_none(),
            "absent, never zero"
        );
        assert!(other["risk"]["factors"].get("epss").is_none());
    }
}

#[test]
fn every_report_orders_by_risk_by_default_and_only_the_order_changes() {
    let mut report = matched(scan_fixture("node-basic.zip"));
    let (_, cve) = aliased_cve(&report);
    prioritize(
        &mut report,
        &Context {
            kev: Some(&catalog_of(&cve)),
            ..Context::default()
        },
    );
    for format in Format::ALL {
        let by_risk = render(format, &report, SortOrder::Risk);
        let by_severity = render(format, &report, SortOrder::Severity);
        assert_eq!(
            unordered(format, &by_risk),
            unordered(format, &by_severity),
            "{format}: only the order changes"
        );
        if ![Format::Spdx].contains(&format) {
            let at = |text: &str| text.find(&cve);
            assert!(
                at(&by_risk).is_some() && at(&by_risk) <= at(&by_severity),
                "{format}: the known-exploited finding comes first under risk"
            );
        }
    }
}

/// A rendered report with its order taken out: the sorted lines of a text
/// format, every array of a JSON one sorted.
fn unordered(format: Format, text: &str) -> String {
    fn sort_arrays(v: &mut Value) {
        match v {
            Value::Array(items) => {
                items.iter_mut().for_each(sort_arrays);
                items.sort_by_key(|x| x.to_string());
            }
            Value::Object(map) => map.values_mut().for_each(sort_arrays),
            _ => {}
        }
    }
    if [Format::Table, Format::Markdown, Format::Csv].contains(&format) {
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort();
        return lines.join("\n");
    }
    let mut doc: Value = serde_json::from_str(text).unwrap();
    sort_arrays(&mut doc);
    doc.to_string()
}

/// The sample with one finding of each VEX kind: suppressed, not loaded,
/// not imported, and affected.
fn vex_sample() -> ScanReport {
    let mut report = sample_report();
    assert!(
        report.findings.len() >= 4,
        "the sample has findings of each kind"
    );
    report.findings[0].status = Status::Suppressed;
    report.findings[0].suppressed_reason = Some("accepted for the sprint".into());
    report.findings[1].loaded = false;
    report.findings[2].priority.reachability = Some(Reachability {
        status: ReachStatus::NotImported,
        chain: Vec::new(),
        reason: None,
    });
    lambda_audit_analyzer::prioritize::assess(&mut report);
    report
}

fn statement_for<'a>(doc: &'a Value, f: &Finding) -> &'a Value {
    doc["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["vulnerability"]["name"] == f.id.as_str()
                && s["products"][0]["@id"] == f.package.purl.as_str()
        })
        .unwrap_or_else(|| panic!("no statement for {} {}", f.id, f.package.purl))
}

#[test]
fn openvex_and_cyclonedx_analysis_state_each_kind_and_validate() {
    let report = vex_sample();
    let openvex: Value =
        serde_json::from_str(&render(Format::Openvex, &report, SortOrder::Risk)).unwrap();
    assert_eq!(openvex["@context"], "https://openvex.dev/ns/v0.2.0");
    let s = |i: usize| statement_for(&openvex, &report.findings[i]);
    assert_eq!(s(0)["status"], "not_affected");
    assert_eq!(s(0)["impact_statement"], "accepted for the sprint");
    assert_eq!(s(1)["justification"], "component_not_present");
    assert_eq!(s(2)["justification"], "vulnerable_code_not_in_execute_path");
    assert_eq!(s(3)["status"], "affected");
    assert!(s(3)["action_statement"].is_string());

    let cdx: Value =
        serde_json::from_str(&render(Format::Cyclonedx, &report, SortOrder::Risk)).unwrap();
    let analysis = |f: &Finding| {
        let v = cdx["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["bom-ref"] == format!("{}/{}", f.id, f.package.purl).as_str())
            .unwrap();
        assert!(
            v["ratings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["method"] == "other"
                    && r["score"] == f.priority.risk.score
                    && r["source"]["name"] == "lambda-audit"),
            "the risk score is a rating"
        );
        v["analysis"].clone()
    };
    assert_eq!(analysis(&report.findings[0])["state"], "not_affected");
    assert_eq!(
        analysis(&report.findings[1])["justification"],
        "code_not_present"
    );
    assert_eq!(
        analysis(&report.findings[2])["justification"],
        "code_not_reachable"
    );
    assert_eq!(analysis(&report.findings[3])["state"], "exploitable");

    let Some(dir) = schemas_dir() else { return };
    let errors = validate(&dir, "openvex_json_schema.json", &openvex);
    assert!(errors.is_empty(), "OpenVEX: {errors:#?}");
    let errors = validate(&dir, "bom-1.5.schema.json", &cdx);
    assert!(errors.is_empty(), "CycloneDX 1.5: {errors:#?}");
    let mut cdx16 = cdx.clone();
    cdx16["specVersion"] = Value::from("1.6");
    let errors = validate(&dir, "bom-1.6.schema.json", &cdx16);
    assert!(errors.is_empty(), "CycloneDX 1.6: {errors:#?}");
}

/// Applies the VEX document `doc` to `report` as `scan --vex` does.
fn apply_vex(report: &mut ScanReport, name: &str, doc: &Value) -> usize {
    let rules = lambda_audit_analyzer::vex::read(name, doc.to_string().as_bytes()).unwrap();
    apply_suppressions(report, &rules.config, Date::new(2026, 11, 23).unwrap()).suppressed
}

#[test]
fn vex_in_suppresses_the_stated_findings_like_a_config_rule() {
    let report = sample_report();
    let target = report.findings[0].clone();
    // OpenVEX: lambda-audit's own output, one statement turned not_affected.
    let mut openvex: Value =
        serde_json::from_str(&render(Format::Openvex, &report, SortOrder::Risk)).unwrap();
    for s in openvex["statements"].as_array_mut().unwrap() {
        if s["vulnerability"]["name"] == target.id.as_str()
            && s["products"][0]["@id"] == target.package.purl.as_str()
        {
            s["status"] = Value::from("not_affected");
            s["justification"] = Value::from("vulnerable_code_cannot_be_controlled_by_adversary");
            s["impact_statement"] = Value::from("input is a constant");
            s.as_object_mut().unwrap().remove("action_statement");
        }
    }
    let mut from_openvex = report.clone();
    assert_eq!(
        apply_vex(&mut from_openvex, "team.openvex.json", &openvex),
        1
    );
    let f = &from_openvex.findings[0];
    assert_eq!(f.status, Status::Suppressed);
    assert_eq!(
        f.suppressed_reason.as_deref(),
        Some("VEX team.openvex.json: not_affected (vulnerable_code_cannot_be_controlled_by_adversary): input is a constant")
    );
    assert_eq!(
        from_openvex.summary.suppressed,
        report.summary.suppressed + 1
    );
    assert!(from_openvex.findings[1..]
        .iter()
        .zip(&report.findings[1..])
        .all(|(a, b)| a.status == b.status));

    // CycloneDX: lambda-audit's own BOM, one vulnerability marked a false positive.
    let mut cdx: Value =
        serde_json::from_str(&render(Format::Cyclonedx, &report, SortOrder::Risk)).unwrap();
    for v in cdx["vulnerabilities"].as_array_mut().unwrap() {
        if v["bom-ref"] == format!("{}/{}", target.id, target.package.purl).as_str() {
            v["analysis"] =
                serde_json::json!({"state": "false_positive", "detail": "not this package"});
        }
    }
    let mut from_cdx = report.clone();
    assert_eq!(apply_vex(&mut from_cdx, "bom.json", &cdx), 1);
    assert_eq!(
        from_cdx.findings[0].suppressed_reason.as_deref(),
        Some("VEX bom.json: false_positive: not this package")
    );
}

#[test]
fn a_scan_without_findings_gives_no_openvex_document_rather_than_an_invalid_one() {
    let report = common::report_of(scan_fixture("node-layer.zip"));
    let why = report::no_document(Format::Openvex, &report).expect("nothing to state");
    assert!(why.starts_with("no OpenVEX document written"), "{why}");
    for other in [
        Format::Json,
        Format::Cyclonedx,
        Format::Sarif,
        Format::Table,
    ] {
        assert_eq!(report::no_document(other, &report), None, "{other}");
    }
    let mut out = Vec::new();
    let error = report::render(
        Format::Openvex,
        &report,
        &RenderOptions::default(),
        &mut out,
    )
    .expect_err("never an invalid document");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(out.is_empty());

    // What an empty document would be: the official schema rejects it.
    let Some(dir) = schemas_dir() else { return };
    let mut findings = vex_sample();
    let mut doc: Value =
        serde_json::from_str(&render(Format::Openvex, &findings, SortOrder::Risk)).unwrap();
    doc["statements"] = Value::Array(Vec::new());
    assert!(!validate(&dir, "openvex_json_schema.json", &doc).is_empty());

    // Every finding suppressed still states each one (not_affected, why).
    for f in &mut findings.findings {
        f.status = Status::Suppressed;
        f.suppressed_reason = Some("VEX team.json: not_affected".into());
    }
    assert_eq!(report::no_document(Format::Openvex, &findings), None);
    let doc: Value =
        serde_json::from_str(&render(Format::Openvex, &findings, SortOrder::Risk)).unwrap();
    let statements = doc["statements"].as_array().unwrap();
    assert_eq!(statements.len(), findings.findings.len());
    assert!(statements.iter().all(|s| s["status"] == "not_affected"));
    let errors = validate(&dir, "openvex_json_schema.json", &doc);
    assert!(errors.is_empty(), "OpenVEX: {errors:#?}");
}
