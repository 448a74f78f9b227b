//! Every report format: golden files, determinism, and SARIF / CycloneDX /
//! SPDX validated against the official schemas.

mod common;

use common::{golden, matched, report_of, sample_report, scan_fixture, validate};
use lambda_audit_analyzer::baseline::{self, Baseline};
use lambda_audit_analyzer::date::Date;
use lambda_audit_analyzer::findings::{ScanReport, Status};
use lambda_audit_analyzer::report::{self, AsffContext, Format, RenderOptions};
use lambda_audit_analyzer::suppress::{apply_suppressions, Config};
use serde_json::Value;
use testkit::schemas_dir;

/// The creation time written into SPDX documents by these tests.
const CREATED: &str = "2026-11-23T10:00:00Z";

fn render(format: Format, report: &ScanReport, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    report::render(format, report, options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The sample with one finding suppressed by a rule, as `scan` would give it.
fn suppressed_sample() -> ScanReport {
    let mut report = sample_report();
    let config = Config::parse(
        "lambda-audit.toml",
        "[[ignore]]\nid = \"CVE-2020-36604\"\nreason = \"hoek clone() is never called with user input\"\n",
    )
    .unwrap();
    let outcome = apply_suppressions(&mut report, &config, Date::new(2026, 11, 23).unwrap());
    assert_eq!(outcome.suppressed, 1);
    report
}

fn asff_context() -> AsffContext {
    AsffContext {
        aws_account_id: "123456789012".into(),
        region: "eu-west-1".into(),
        resource_id: Some("arn:aws:lambda:eu-west-1:123456789012:function:orders".into()),
        timestamp: "2026-11-23T10:00:00Z".into(),
        ..AsffContext::default()
    }
}

#[test]
fn golden_files_for_every_format() {
    let report = suppressed_sample();
    let options = RenderOptions {
        asff: asff_context(),
        created: Some(CREATED.into()),
        ..RenderOptions::default()
    };
    for (format, file) in [
        (Format::Table, "sample.table.txt"),
        (Format::Json, "sample.json"),
        (Format::Sarif, "sample.sarif.json"),
        (Format::Cyclonedx, "sample.cdx.json"),
        (Format::Markdown, "sample.md"),
        (Format::Asff, "sample.asff.json"),
        (Format::Spdx, "sample.spdx.json"),
        (Format::Csv, "sample.csv"),
    ] {
        let text = render(format, &report, &options);
        golden(file, &text);
        assert_eq!(
            text,
            render(format, &report, &options),
            "{format} is not deterministic"
        );
        if ![Format::Table, Format::Markdown, Format::Csv].contains(&format) {
            serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{format}: {e}"));
        }
    }
    let coloured = render(
        Format::Table,
        &report,
        &RenderOptions {
            color: true,
            ..RenderOptions::default()
        },
    );
    golden("sample.table.color.txt", &coloured);
}

#[test]
fn table_groups_by_package_and_ends_with_the_summary() {
    let text = render(
        Format::Table,
        &suppressed_sample(),
        &RenderOptions::default(),
    );
    assert!(!text.contains('\x1b'), "no colour unless asked");
    let last = text.lines().last().unwrap();
    assert_eq!(
        last,
        "5 findings (1 critical, 2 high, 0 medium, 1 low, 1 unknown) in 5 packages; 1 suppressed; 1 could not be compared; database: OSV 2026-11-01, 1,234 records"
    );
    // Grouped: both lodash findings under one heading, most severe package first in order.
    assert_eq!(text.matches("lodash 4.17.15 (npm)").count(), 1);
    assert!(text.contains(
        "  HIGH     GHSA-p6mc-m468-83gw  4.17.15 -> 4.17.19  Prototype Pollution in lodash"
    ));
    assert!(text.contains("found in layer 1 deps-layer.zip: nodejs/node_modules/minimist/package.json (not loaded: shadowed by /var/task/node_modules/minimist)"));
    assert!(
        !text.contains("GHSA-22h7-7wwg-qmgg"),
        "suppressed findings are only counted"
    );
    let coloured = render(
        Format::Table,
        &suppressed_sample(),
        &RenderOptions {
            color: true,
            ..RenderOptions::default()
        },
    );
    assert!(coloured.contains("\x1b[1;35mCRITICAL\x1b[0m"));
}

#[test]
fn finding_lines_fit_the_terminal_width() {
    let report = suppressed_sample();
    let options = |width| RenderOptions {
        width,
        ..RenderOptions::default()
    };
    let whole = render(Format::Table, &report, &options(None));
    let long = "found in layer 1 deps-layer.zip: nodejs/node_modules/minimist/package.json (not loaded: shadowed by /var/task/node_modules/minimist)";
    assert!(whole.contains(long), "without a width, lines stay whole");
    let narrow = render(Format::Table, &report, &options(Some(60)));
    // Every finding and detail line fits; the heading and summary lines are
    // not finding lines and may wrap.
    for line in narrow.lines().filter(|l| l.starts_with("  ")) {
        assert!(
            line.chars().count() <= 60,
            "{line:?} is wider than 60 columns"
        );
    }
    // A cut path keeps its artifact and its file.
    let cut = narrow
        .lines()
        .find(|l| l.contains("found in layer 1 "))
        .expect("the layer location is still shown");
    assert!(
        cut.contains('…') && cut.ends_with("modules/minimist)"),
        "{cut}"
    );
}

#[test]
fn empty_inventory_never_reads_as_clean() {
    let report = report_of(Default::default());
    let text = render(Format::Table, &report, &RenderOptions::default());
    assert_eq!(
        text,
        "0 packages found: nothing was checked for vulnerabilities (see the coverage in --format json); database: OSV (undated), 0 records\n"
    );
}

#[test]
fn json_round_trips_and_keeps_status() {
    let report = suppressed_sample();
    let text = render(Format::Json, &report, &RenderOptions::default());
    let back: ScanReport = serde_json::from_str(&text).unwrap();
    // The findings come back whole, in display (risk) order.
    let by_identity = |list: &[lambda_audit_analyzer::findings::Finding]| {
        let mut list = list.to_vec();
        list.sort_by(|a, b| (&a.package, &a.id).cmp(&(&b.package, &b.id)));
        list
    };
    assert_eq!(by_identity(&back.findings), by_identity(&report.findings));
    let risks: Vec<u8> = back
        .findings
        .iter()
        .filter(|f| f.status == Status::Open)
        .map(|f| f.priority.risk.score)
        .collect();
    assert!(risks.first() >= risks.last(), "{risks:?}");
    assert_eq!(back.summary, report.summary);
    let v: Value = serde_json::from_str(&text).unwrap();
    let suppressed: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "suppressed")
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0]["suppressed_reason"],
        "hoek clone() is never called with user input"
    );
    assert_eq!(v["summary"]["suppressed"], 1);
    assert_eq!(v["summary"]["findings"], 5);
    assert!(v.get("changes").is_none());
    // The contract's key order: the inventory first, then the scan.
    let positions: Vec<usize> = [
        "tool",
        "artifacts",
        "packages",
        "roots",
        "coverage",
        "warnings",
        "database",
        "findings",
        "unmatched",
        "summary",
    ]
    .iter()
    .map(|k| {
        text.find(&format!("\n  \"{k}\": "))
            .unwrap_or_else(|| panic!("no {k}"))
    })
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

#[test]
fn sarif_has_one_rule_per_vulnerability_and_keeps_suppressions() {
    let report = suppressed_sample();
    let v: Value =
        serde_json::from_str(&render(Format::Sarif, &report, &RenderOptions::default())).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "GHSA-22h7-7wwg-qmgg",
            "GHSA-35jh-r3h4-6jhm",
            "GHSA-p6mc-m468-83gw",
            "GHSA-wqvq-5m8c-6g24",
            "GHSA-xvch-5gv4-984h",
            "PYSEC-2019-133"
        ]
    );
    let lodash = &rules[2];
    assert_eq!(lodash["properties"]["security-severity"], "7.4");
    assert_eq!(rules[0]["properties"]["security-severity"], "5.5");
    assert!(rules[5]["properties"].get("security-severity").is_none());
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
    }
    let hoek = results
        .iter()
        .find(|r| r["ruleId"] == "GHSA-22h7-7wwg-qmgg")
        .unwrap();
    assert_eq!(
        hoek["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "deps-layer.zip!/nodejs/node_modules/@hapi/hoek/package.json"
    );
    assert_eq!(hoek["suppressions"][0]["kind"], "external");
    assert_eq!(
        hoek["suppressions"][0]["justification"],
        "hoek clone() is never called with user input"
    );
    let minimist = results
        .iter()
        .find(|r| r["ruleId"] == "GHSA-xvch-5gv4-984h")
        .unwrap();
    assert_eq!(minimist["level"], "error");
    assert_eq!(minimist["locations"].as_array().unwrap().len(), 2);
    assert!(minimist.get("suppressions").is_none());
}

#[test]
fn cyclonedx_lists_components_and_vulnerabilities() {
    let report = suppressed_sample();
    let v: Value = serde_json::from_str(&render(
        Format::Cyclonedx,
        &report,
        &RenderOptions::default(),
    ))
    .unwrap();
    assert_eq!(v["specVersion"], "1.5");
    assert_eq!(v["metadata"]["component"]["name"], "order-service");
    let components = v["components"].as_array().unwrap();
    assert_eq!(components.len(), 5);
    let hoek = components.iter().find(|c| c["name"] == "hoek").unwrap();
    assert_eq!(hoek["group"], "@hapi");
    assert_eq!(hoek["bom-ref"], "pkg:npm/%40hapi/hoek@8.5.0");
    let vulns = v["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 6);
    let hv = vulns
        .iter()
        .find(|x| x["id"] == "GHSA-22h7-7wwg-qmgg")
        .unwrap();
    assert_eq!(hv["affects"][0]["ref"], "pkg:npm/%40hapi/hoek@8.5.0");
    assert_eq!(hv["analysis"]["state"], "not_affected");
    assert_eq!(hv["ratings"][0]["severity"], "medium");
    assert_eq!(hv["ratings"][0]["method"], "other");
    let lv = vulns
        .iter()
        .find(|x| x["id"] == "GHSA-p6mc-m468-83gw")
        .unwrap();
    assert_eq!(lv["ratings"][0]["method"], "CVSSv31");
    assert_eq!(lv["ratings"][0]["score"], 7.4);
    assert_eq!(lv["references"][0]["id"], "CVE-2020-8203");
}

#[test]
fn asff_findings_carry_the_context() {
    let report = suppressed_sample();
    let options = RenderOptions {
        asff: asff_context(),
        ..RenderOptions::default()
    };
    let v: Value = serde_json::from_str(&render(Format::Asff, &report, &options)).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 6);
    let lodash = list
        .iter()
        .find(|f| f["Vulnerabilities"][0]["Id"] == "GHSA-p6mc-m468-83gw")
        .unwrap();
    assert_eq!(lodash["SchemaVersion"], "2018-10-08");
    assert_eq!(
        lodash["Id"],
        "arn:aws:lambda:eu-west-1:123456789012:function:orders/GHSA-p6mc-m468-83gw/pkg:npm/lodash@4.17.15"
    );
    assert_eq!(
        lodash["ProductArn"],
        "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
    );
    assert_eq!(
        lodash["Types"][0],
        "Software and Configuration Checks/Vulnerabilities/CVE"
    );
    assert_eq!(lodash["CreatedAt"], "2026-11-23T10:00:00Z");
    assert_eq!(lodash["Severity"]["Label"], "HIGH");
    assert_eq!(lodash["Resources"][0]["Type"], "AwsLambdaFunction");
    let vuln = &lodash["Vulnerabilities"][0];
    assert_eq!(vuln["VulnerablePackages"][0]["FixedInVersion"], "4.17.19");
    assert_eq!(vuln["VulnerablePackages"][0]["PackageManager"], "npm");
    assert_eq!(vuln["Cvss"][0]["Version"], "3.1");
    assert_eq!(vuln["Cvss"][0]["BaseScore"], 7.4);
    assert_eq!(vuln["FixAvailable"], "YES");
    assert_eq!(lodash["Workflow"]["Status"], "NEW");
    let hoek = list
        .iter()
        .find(|f| f["Vulnerabilities"][0]["Id"] == "GHSA-22h7-7wwg-qmgg")
        .unwrap();
    assert_eq!(hoek["Workflow"]["Status"], "SUPPRESSED");
    let urllib3 = list
        .iter()
        .find(|f| f["Vulnerabilities"][0]["Id"] == "PYSEC-2019-133")
        .unwrap();
    assert_eq!(urllib3["Severity"]["Label"], "INFORMATIONAL");
    assert_eq!(urllib3["Vulnerabilities"][0]["FixAvailable"], "NO");
}

#[test]
fn markdown_has_summary_findings_and_details() {
    let text = render(
        Format::Markdown,
        &suppressed_sample(),
        &RenderOptions::default(),
    );
    assert!(text.starts_with("## lambda-audit: vulnerable dependencies found\n"));
    assert!(text.contains("| Critical | 1 |"));
    assert!(text.contains("| Suppressed | 1 |"));
    assert!(text.contains("| 48 | High |  | lodash (npm) | 4.17.15 | 4.17.19 | [GHSA-p6mc-m468-83gw](https://osv.dev/vulnerability/GHSA-p6mc-m468-83gw) | orders.zip |"));
    assert!(
        text.contains("CRLF injection \\| in urllib3"),
        "pipes are escaped"
    );
    assert_eq!(text.matches("<details>").count(), 6);
    assert!(text.contains("- Suppressed: hoek clone() is never called with user input"));
}

#[test]
fn sarif_cyclonedx_and_spdx_validate_against_the_official_schemas() {
    let Some(dir) = schemas_dir() else { return };
    let mut incomplete = suppressed_sample();
    incomplete.inventory.coverage[0]
        .incomplete
        .push(lambda_audit_analyzer::Gap {
            path: "lib/big jar.jar".into(),
            reason: "inflating would pass the artifact's total limit (2 GiB)".into(),
        });
    let mut reports = vec![
        ("sample", suppressed_sample()),
        ("empty", report_of(Default::default())),
        ("incomplete", incomplete),
    ];
    for fixture in [
        "node-basic.zip",
        "node-scoped.zip",
        "python-layer.zip",
        "nested-zip.zip",
    ] {
        reports.push((fixture, report_of(scan_fixture(fixture))));
    }
    for (name, report) in &reports {
        for (format, schema) in [
            (Format::Sarif, "sarif-schema-2.1.0.json"),
            (Format::Cyclonedx, "bom-1.5.schema.json"),
            (Format::Spdx, "spdx-2.3.schema.json"),
        ] {
            let doc: Value =
                serde_json::from_str(&render(format, report, &RenderOptions::default())).unwrap();
            let errors = validate(&dir, schema, &doc);
            assert!(errors.is_empty(), "{name} as {format}: {errors:#?}");
        }
    }
    // The schema check can fail: a BOM without bomFormat is rejected.
    let mut bad: Value = serde_json::from_str(&render(
        Format::Cyclonedx,
        &reports[0].1,
        &RenderOptions::default(),
    ))
    .unwrap();
    bad.as_object_mut().unwrap().remove("bomFormat");
    assert!(!validate(&dir, "bom-1.5.schema.json", &bad).is_empty());
    let mut bad: Value = serde_json::from_str(&render(
        Format::Sarif,
        &reports[0].1,
        &RenderOptions::default(),
    ))
    .unwrap();
    bad["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validate(&dir, "sarif-schema-2.1.0.json", &bad).is_empty());
    let mut bad: Value = serde_json::from_str(&render(
        Format::Spdx,
        &reports[0].1,
        &RenderOptions::default(),
    ))
    .unwrap();
    bad["packages"][0]["externalRefs"] = serde_json::json!([{"referenceCategory": "VULN"}]);
    assert!(!validate(&dir, "spdx-2.3.schema.json", &bad).is_empty());
}

#[test]
fn spdx_describes_artifacts_contains_packages_and_references_advisories() {
    let report = matched(scan_fixture("node-basic.zip"));
    let options = RenderOptions {
        created: Some(CREATED.into()),
        ..RenderOptions::default()
    };
    let text = render(Format::Spdx, &report, &options);
    assert_eq!(
        text,
        render(Format::Spdx, &report, &options),
        "deterministic"
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["creationInfo"]["created"], CREATED);
    let namespace = doc["documentNamespace"].as_str().unwrap();
    assert!(namespace.starts_with("https://spdx.org/spdxdocs/lambda-audit-node-basic.zip-"));
    let other = RenderOptions {
        created: Some("2026-11-24T10:00:00Z".into()),
        ..RenderOptions::default()
    };
    let later: Value = serde_json::from_str(&render(Format::Spdx, &report, &other)).unwrap();
    assert_ne!(later["documentNamespace"], doc["documentNamespace"]);

    let packages = doc["packages"].as_array().unwrap();
    let by_purl = |purl: &str| {
        packages
            .iter()
            .find(|p| {
                p["externalRefs"].as_array().is_some_and(|refs| {
                    refs.iter()
                        .any(|r| r["referenceType"] == "purl" && r["referenceLocator"] == purl)
                })
            })
            .unwrap_or_else(|| panic!("no package with purl {purl}"))
    };
    // Every dependency is there once, contained by the function's artifact.
    let dependencies: Vec<&Value> = packages
        .iter()
        .filter(|p| p["primaryPackagePurpose"] == "LIBRARY")
        .collect();
    assert_eq!(dependencies.len(), report.inventory.packages.len());
    let relationships = doc["relationships"].as_array().unwrap();
    assert!(relationships
        .iter()
        .any(|r| r["spdxElementId"] == "SPDXRef-DOCUMENT"
            && r["relationshipType"] == "DESCRIBES"
            && r["relatedSpdxElement"] == "SPDXRef-Artifact-1"));
    for p in &dependencies {
        assert!(
            relationships
                .iter()
                .any(|r| r["spdxElementId"] == "SPDXRef-Artifact-1"
                    && r["relationshipType"] == "CONTAINS"
                    && r["relatedSpdxElement"] == p["SPDXID"]),
            "{p}"
        );
    }
    // Each finding is a SECURITY/advisory reference on its package.
    assert!(!report.findings.is_empty());
    for f in &report.findings {
        let refs = by_purl(&f.package.purl)["externalRefs"].as_array().unwrap();
        let url = format!("https://osv.dev/vulnerability/{}", f.id);
        assert!(
            refs.iter().any(|r| r["referenceCategory"] == "SECURITY"
                && r["referenceType"] == "advisory"
                && r["referenceLocator"] == url.as_str()),
            "{} lacks {url}",
            f.package.purl
        );
    }
}

#[test]
fn sbom_inventory_as_cyclonedx_on_a_real_fixture() {
    let inventory = scan_fixture("node-scoped.zip");
    let mut out = Vec::new();
    report::render_inventory(&inventory, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    golden("node-scoped.sbom.cdx.json", &text);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v.get("vulnerabilities").is_none());
    let mut purls: Vec<&str> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["purl"].as_str().unwrap())
        .collect();
    purls.sort();
    assert_eq!(
        purls,
        [
            "pkg:npm/%40hapi/hoek@8.5.0",
            "pkg:npm/%40hapi/topo@3.1.6",
            "pkg:npm/%40xmldom/xmldom@0.7.5"
        ]
    );
    assert_eq!(
        v["metadata"]["component"]["purl"],
        "pkg:npm/%40acme/xml-ingest@0.3.0"
    );
    if let Some(dir) = schemas_dir() {
        let errors = validate(&dir, "bom-1.5.schema.json", &v);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn real_fixture_reports_are_byte_identical_across_runs() {
    let a = matched(scan_fixture("node-basic.zip"));
    let b = matched(scan_fixture("node-basic.zip"));
    for format in Format::ALL {
        assert_eq!(
            render(format, &a, &RenderOptions::default()),
            render(format, &b, &RenderOptions::default()),
            "{format}"
        );
    }
    golden(
        "node-basic.table.txt",
        &render(Format::Table, &a, &RenderOptions::default()),
    );
}

#[test]
fn changes_are_rendered_when_a_baseline_is_given() {
    let before = sample_report();
    let mut after = suppressed_sample();
    after.findings.retain(|f| f.id != "GHSA-35jh-r3h4-6jhm");
    after.findings[0].status = Status::Open;
    let changes = baseline::diff(&Baseline::from_report(&before), &after);
    let options = RenderOptions {
        changes: Some(&changes),
        ..RenderOptions::default()
    };
    let json: Value = serde_json::from_str(&render(Format::Json, &after, &options)).unwrap();
    assert_eq!(json["changes"]["fixed"][0]["id"], "GHSA-35jh-r3h4-6jhm");
    assert_eq!(json["changes"]["introduced"].as_array().unwrap().len(), 0);
    let table = render(Format::Table, &after, &options);
    assert!(table.contains(
        "Changes against the baseline:\n  fixed       HIGH GHSA-35jh-r3h4-6jhm in lodash 4.17.15\n"
    ));
    let md = render(Format::Markdown, &after, &options);
    assert!(md.contains("| fixed | lodash | 4.17.15 | High [GHSA-35jh-r3h4-6jhm]"));
    let sarif: Value = serde_json::from_str(&render(Format::Sarif, &after, &options)).unwrap();
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["baselineState"] == "unchanged"));
}

#[test]
fn sbom_formats_are_json_cyclonedx_and_spdx_only() {
    let inventory = scan_fixture("node-nested.zip");
    let mut json = Vec::new();
    report::render_sbom(Format::Json, &inventory, CREATED, &mut json).unwrap();
    let v: Value = serde_json::from_slice(&json).unwrap();
    assert!(v.get("findings").is_none());
    assert_eq!(
        v["packages"].as_array().unwrap().len(),
        inventory.packages.len()
    );
    let mut cdx = Vec::new();
    report::render_sbom(Format::Cyclonedx, &inventory, CREATED, &mut cdx).unwrap();
    let mut direct = Vec::new();
    report::render_inventory(&inventory, &mut direct).unwrap();
    assert_eq!(cdx, direct);
    let mut spdx = Vec::new();
    report::render_sbom(Format::Spdx, &inventory, CREATED, &mut spdx).unwrap();
    let doc: Value = serde_json::from_slice(&spdx).unwrap();
    assert_eq!(doc["creationInfo"]["created"], CREATED);
    let text = String::from_utf8(spdx).unwrap();
    assert!(
        !text.contains("\"SECURITY\""),
        "an inventory has no advisories"
    );
    if let Some(dir) = schemas_dir() {
        let errors = validate(&dir, "spdx-2.3.schema.json", &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let err = report::render_sbom(Format::Table, &inventory, CREATED, &mut Vec::new()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn markdown_stays_within_a_pull_request_comment() {
    let mut report = sample_report();
    let template = report.findings[0].clone();
    report.findings = (0..400)
        .map(|i| {
            let mut f = template.clone();
            f.id = format!("GHSA-test-{i:04}");
            f
        })
        .collect();
    lambda_audit_analyzer::suppress::recount(&mut report);
    let text = render(Format::Markdown, &report, &RenderOptions::default());
    assert!(text.len() < 65_536, "{} characters", text.len());
    assert!(
        text.contains("\n250 more open findings are not listed; see the JSON or SARIF report.\n")
    );
    assert!(text.contains("Details of 340 more findings are left out"));
    assert_eq!(text.matches("<details>").count(), 60);
}

#[test]
fn csv_has_inspectors_columns_first_and_inert_cells() {
    let mut report = matched(scan_fixture("node-basic.zip"));
    assert!(!report.findings.is_empty());
    report.findings[0].summary = "=HYPERLINK(\"https://evil.example\",\"click\")".into();
    let text = render(Format::Csv, &report, &RenderOptions::default());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows[0][0].starts_with("#artifact_name:") && rows[0][0].ends_with("node-basic.zip"));
    assert!(rows[1][0].starts_with("#critical_vulnerabilities:"));
    let header: Vec<&str> = rows[2].iter().collect();
    assert_eq!(
        header[..11],
        [
            "ID",
            "Severity",
            "Source",
            "CVSS",
            "Installed Package",
            "Fixed Package",
            "Path",
            "EPSS",
            "Exploit Available",
            "Exploit Last Seen",
            "CWEs"
        ]
    );
    let findings = &rows[3..];
    assert_eq!(findings.len(), report.findings.len());
    let summary_column = header.iter().position(|c| *c == "Summary").unwrap();
    let evil: Vec<&str> = findings
        .iter()
        .map(|r| &r[summary_column])
        .filter(|s| s.contains("HYPERLINK"))
        .collect();
    assert_eq!(evil, ["'=HYPERLINK(\"https://evil.example\",\"click\")"]);
    for row in findings {
        assert_eq!(row.len(), header.len());
        assert!(row[4].starts_with("pkg:"), "{row:?}");
        assert!([
            "critical",
            "high",
            "medium",
            "low",
            "informational",
            "untriaged"
        ]
        .contains(&&row[1]));
    }
    // Every field is quoted, the counts line included.
    assert!(text.lines().all(|l| l.starts_with('"') && l.ends_with('"')));
}
