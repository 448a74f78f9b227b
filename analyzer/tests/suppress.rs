//! Suppression rules from lambda-audit.toml: each selector, expiry, and the
//! configuration errors that name the line.

mod common;

use common::sample_report;
use lambda_audit_analyzer::date::Date;
use lambda_audit_analyzer::findings::{ScanReport, Status};
use lambda_audit_analyzer::suppress::{apply_suppressions, Config, ConfigError, Outcome};

const TODAY: Date = Date::constant(2026, 11, 23);

fn apply(toml: &str) -> (ScanReport, Outcome) {
    let config = Config::parse("lambda-audit.toml", toml).unwrap();
    let mut report = sample_report();
    let outcome = apply_suppressions(&mut report, &config, TODAY);
    (report, outcome)
}

/// (id, package) of the suppressed findings, with their reasons.
fn suppressed(report: &ScanReport) -> Vec<(String, String, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.status == Status::Suppressed)
        .map(|f| {
            (
                f.id.clone(),
                f.package.name.clone(),
                f.suppressed_reason.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn triple(id: &str, package: &str, reason: &str) -> (String, String, String) {
    (id.into(), package.into(), reason.into())
}

fn error(toml: &str) -> ConfigError {
    Config::parse("lambda-audit.toml", toml).unwrap_err()
}

#[test]
fn by_id() {
    let (report, outcome) =
        apply("[[ignore]]\nid = \"GHSA-p6mc-m468-83gw\"\nreason = \"only used at build time\"\n");
    assert_eq!(
        suppressed(&report),
        [triple(
            "GHSA-p6mc-m468-83gw",
            "lodash",
            "only used at build time"
        )]
    );
    assert_eq!(outcome.suppressed, 1);
    assert_eq!(report.summary.suppressed, 1);
    assert_eq!(report.summary.findings, 5);
    assert_eq!(report.summary.by_severity.get("high"), Some(&1));
    assert!(outcome.warnings.is_empty());
}

#[test]
fn by_alias_case_insensitively() {
    let (report, _) = apply("[[ignore]]\nid = \"cve-2019-11324\"\nreason = \"no proxy in use\"\n");
    assert_eq!(
        suppressed(&report),
        [triple("PYSEC-2019-133", "urllib3", "no proxy in use")]
    );
}

#[test]
fn by_package_name_and_ecosystem() {
    let (report, _) = apply("[[ignore]]\npackage = \"lodash\"\nreason = \"vendored, patched\"\n");
    assert_eq!(
        suppressed(&report),
        [
            triple("GHSA-p6mc-m468-83gw", "lodash", "vendored, patched"),
            triple("GHSA-35jh-r3h4-6jhm", "lodash", "vendored, patched"),
        ]
    );
    // PEP 503 names compare normalised; the wrong ecosystem matches nothing.
    let (report, outcome) = apply(
        "[[ignore]]\npackage = \"URLLib3\"\necosystem = \"PyPI\"\nreason = \"r\"\n\n[[ignore]]\npackage = \"minimist\"\necosystem = \"PyPI\"\nreason = \"r\"\n",
    );
    assert_eq!(suppressed(&report).len(), 2);
    assert!(suppressed(&report).iter().all(|(_, p, _)| p == "urllib3"));
    assert_eq!(outcome.unused_rules, [6]);
}

#[test]
fn by_package_and_version_range() {
    let (report, _) = apply(
        "[[ignore]]\npackage = \"lodash\"\nversion = \">=4.17.0, <4.17.16\"\nreason = \"in range\"\n\n[[ignore]]\npackage = \"minimist\"\nversion = \">=1.2.1\"\nreason = \"out of range\"\n",
    );
    let s = suppressed(&report);
    assert_eq!(s.len(), 2);
    assert!(s.iter().all(|(_, p, r)| p == "lodash" && r == "in range"));
}

#[test]
fn by_purl_with_and_without_version() {
    let (report, _) = apply("[[ignore]]\npurl = \"pkg:npm/%40hapi/hoek@8.5.0\"\nreason = \"r\"\n");
    assert_eq!(
        suppressed(&report),
        [triple("GHSA-22h7-7wwg-qmgg", "@hapi/hoek", "r")]
    );
    let (report, _) = apply("[[ignore]]\npurl = \"pkg:npm/%40hapi/hoek@9.0.0\"\nreason = \"r\"\n");
    assert!(suppressed(&report).is_empty());
    let (report, _) = apply("[[ignore]]\npurl = \"pkg:pypi/urllib3\"\nreason = \"r\"\n");
    assert_eq!(suppressed(&report).len(), 2);
}

#[test]
fn by_path_needs_every_location_to_match() {
    // minimist is in the function and in the layer: a layer-only glob keeps it open.
    let (report, _) =
        apply("[[ignore]]\npath = \"nodejs/node_modules/**\"\nreason = \"layer copies\"\n");
    assert_eq!(
        suppressed(&report),
        [triple("GHSA-22h7-7wwg-qmgg", "@hapi/hoek", "layer copies")]
    );
    // The artifact-qualified form `artifact!/path` matches too.
    let (report, _) =
        apply("[[ignore]]\npath = \"deps-layer.zip!/python/**\"\nreason = \"python layer\"\n");
    assert_eq!(suppressed(&report).len(), 2);
    assert!(suppressed(&report).iter().all(|(_, p, _)| p == "urllib3"));
    let (report, _) =
        apply("[[ignore]]\npath = \"**/minimist/package.json\"\nreason = \"both copies\"\n");
    assert_eq!(
        suppressed(&report),
        [triple("GHSA-xvch-5gv4-984h", "minimist", "both copies")]
    );
}

#[test]
fn selectors_combine() {
    let (report, _) = apply("[[ignore]]\nid = \"CVE-2021-23337\"\npackage = \"lodash\"\nreason = \"r\"\n\n[[ignore]]\nid = \"CVE-2021-23337\"\npackage = \"minimist\"\nreason = \"never\"\n");
    assert_eq!(
        suppressed(&report),
        [triple("GHSA-35jh-r3h4-6jhm", "lodash", "r")]
    );
}

#[test]
fn until_in_the_past_stops_applying_with_a_warning() {
    let toml = "# team rules\n\n[[ignore]]\nid = \"CVE-2020-8203\"\nreason = \"waiting for the upgrade\"\nuntil = 2026-11-22\n\n[[ignore]]\nid = \"CVE-2021-23337\"\nreason = \"still fine\"\nuntil = \"2026-11-23\"\n";
    let (report, outcome) = apply(toml);
    assert_eq!(
        suppressed(&report),
        [triple("GHSA-35jh-r3h4-6jhm", "lodash", "still fine")]
    );
    assert_eq!(outcome.warnings.len(), 1);
    let w = &outcome.warnings[0];
    assert_eq!(w.artifact, "lambda-audit.toml");
    assert_eq!(w.path, "line 3");
    assert_eq!(
        w.message,
        "suppression expired on 2026-11-22 (reason was: waiting for the upgrade); it no longer applies, 1 finding(s) it matches are reported again"
    );
    assert!(
        report.inventory.warnings.contains(w),
        "the warning is in the report"
    );
}

#[test]
fn missing_reason_is_an_error_naming_the_line() {
    let e = error("[[ignore]]\nid = \"CVE-2020-8203\"\nreason = \"ok\"\n\n[[ignore]]\nid = \"CVE-2021-23337\"\n");
    assert_eq!(e.line, Some(5));
    assert_eq!(
        e.to_string(),
        "lambda-audit.toml:5: this [[ignore]] rule has no `reason`: every suppression must say why"
    );
    let e = error("[[ignore]]\nid = \"x\"\nreason = \"   \"\n");
    assert_eq!(e.line, Some(1));
}

#[test]
fn bad_toml_and_bad_values_name_the_line() {
    let e = error("[[ignore]]\nid = \"x\"\nreason = \"unterminated\n");
    assert_eq!(e.line, Some(3), "{e}");
    let e = error("[[ignore]]\nid = \"x\"\nreason = \"r\"\nexpires = 2026-01-01\n");
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.message.contains("expires"), "{e}");
    let e = error("[[ignore]]\nreason = \"r\"\n");
    assert!(e.message.contains("selects nothing"), "{e}");
    let e = error("\n[[ignore]]\npackage = \"x\"\nversion = \">= 1 2\"\nreason = \"r\"\n");
    assert_eq!(e.line, Some(2), "{e}");
    let e = error("[[ignore]]\npackage = \"x\"\necosystem = \"Hex\"\nreason = \"r\"\n");
    assert!(e.message.contains("unknown ecosystem `Hex`"), "{e}");
    let e = error("[[ignore]]\nid = \"x\"\nreason = \"r\"\nuntil = \"2026-13-01\"\n");
    assert!(e.message.contains("not a date"), "{e}");
    let e = error("[[ignore]]\npurl = \"npm/lodash\"\nreason = \"r\"\n");
    assert!(e.message.contains("not a purl"), "{e}");
    let e = error("[[ignore]]\nversion = \"1.0\"\nid = \"x\"\nreason = \"r\"\n");
    assert_eq!(e.message, "`version` needs `package`");
}

#[test]
fn an_empty_config_changes_nothing_and_discovery_reads_the_directory() {
    let (report, outcome) = apply("");
    assert!(suppressed(&report).is_empty());
    assert_eq!(outcome, Outcome::default());
    let dir = std::env::temp_dir().join(format!("lambda-audit-suppress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(Config::discover(&dir), Ok(None));
    std::fs::write(dir.join("lambda-audit.toml"), "[[ignore]]\nid = \"x\"\n").unwrap();
    let e = Config::discover(&dir).unwrap_err();
    assert_eq!(e.line, Some(1));
    assert!(e.file.ends_with("lambda-audit.toml"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn path_rule_on_an_install_folder_covers_the_lockfile_entries_of_that_folder() {
    let mut report = common::matched(common::scan_fixture("node-basic.zip"));
    let lodash_locations: Vec<&str> = report
        .findings
        .iter()
        .find(|f| f.package.name == "lodash")
        .expect("lodash 4.17.15 is vulnerable")
        .locations
        .iter()
        .map(|l| l.path.as_str())
        .collect();
    assert!(
        lodash_locations.contains(&"package-lock.json"),
        "{lodash_locations:?}"
    );
    let config = Config::parse(
        "lambda-audit.toml",
        "[[ignore]]\npath = \"node_modules/lodash/**\"\nreason = \"patched copy\"\n",
    )
    .unwrap();
    apply_suppressions(&mut report, &config, TODAY);
    for f in &report.findings {
        let want = if f.package.name == "lodash" {
            Status::Suppressed
        } else {
            Status::Open
        };
        assert_eq!(f.status, want, "{} {}", f.package.name, f.id);
    }
}
