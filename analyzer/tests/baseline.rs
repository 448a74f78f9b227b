//! The baseline diff and `--fail-on-new`, on two versions of a real function:
//! node-nested.zip as deployed, and its next version (debug and minimist
//! upgraded, lodash added) built in memory from the same archive.

mod common;

use common::{golden, matched, report_of, sample_report, scan_bytes, scan_fixture};
use lambda_audit_analyzer::baseline::{diff, Baseline, Changes, VersionChange};
use lambda_audit_analyzer::date::Date;
use lambda_audit_analyzer::findings::{Rating, ScanReport, Status};
use lambda_audit_analyzer::report::{self, Format, RenderOptions};
use lambda_audit_analyzer::suppress::{apply_suppressions, Config};
use lambda_audit_analyzer::threshold::{
    failing, FailOn, FailOnIncomplete, Gate, EXIT_FINDINGS, EXIT_OK,
};
use lambda_audit_analyzer::Ecosystem;
use serde_json::Value;
use std::io::{Read, Write};
use testkit::corpus;

/// The gate's exit code for `threshold` and `fail_on_new` (complete scans).
fn exit_code(
    report: &ScanReport,
    fail_on: FailOn,
    fail_on_new: bool,
    changes: Option<&Changes>,
) -> u8 {
    let gate = Gate {
        fail_on,
        fail_on_new,
        incomplete: FailOnIncomplete::Always,
        ignore_unimported: false,
    };
    gate.exit_code(report, changes)
}

/// Sets `packages[key].version` in an npm lockfile.
fn bump(lock: &mut Value, key: &str, version: &str) {
    lock["packages"][key]["version"] = Value::from(version);
}

/// The next deploy of node-nested.zip: debug 2.6.8 -> 2.6.9, minimist
/// 1.2.5 -> 1.2.6 (the copy under mkdirp stays 0.0.8), lodash 4.17.20 added.
fn next_version() -> Vec<u8> {
    let bytes = std::fs::read(corpus("node-nested.zip")).unwrap();
    let mut input = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..input.len() {
        let mut entry = input.by_index(i).unwrap();
        let name = entry.name().to_string();
        if entry.is_dir() {
            out.add_directory(name, options).unwrap();
            continue;
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let text = String::from_utf8_lossy(&data).into_owned();
        let data = match name.as_str() {
            "node_modules/debug/package.json" => {
                text.replace("\"version\": \"2.6.8\"", "\"version\": \"2.6.9\"")
            }
            "node_modules/minimist/package.json" => {
                text.replace("\"version\": \"1.2.5\"", "\"version\": \"1.2.6\"")
            }
            "package.json" => text.replace("\"debug\": \"2.6.8\"", "\"debug\": \"2.6.9\""),
            "package-lock.json" | "node_modules/.package-lock.json" => {
                let mut lock: Value = serde_json::from_str(&text).unwrap();
                bump(&mut lock, "node_modules/debug", "2.6.9");
                bump(&mut lock, "node_modules/minimist", "1.2.6");
                lock["packages"]["node_modules/lodash"] =
                    serde_json::json!({ "version": "4.17.20", "license": "MIT" });
                serde_json::to_string_pretty(&lock).unwrap()
            }
            _ => text,
        };
        out.start_file(name, options).unwrap();
        out.write_all(data.as_bytes()).unwrap();
    }
    out.start_file("node_modules/lodash/package.json", options)
        .unwrap();
    out.write_all(
        b"{\n  \"name\": \"lodash\",\n  \"version\": \"4.17.20\",\n  \"license\": \"MIT\"\n}\n",
    )
    .unwrap();
    out.finish().unwrap().into_inner()
}

fn deployed() -> ScanReport {
    matched(scan_fixture("node-nested.zip"))
}

fn next() -> ScanReport {
    matched(scan_bytes("node-nested.zip", next_version()))
}

fn ids(list: &[lambda_audit_analyzer::baseline::FindingChange]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|c| {
            (
                c.id.clone(),
                c.package.name.clone(),
                c.package.version.clone(),
            )
        })
        .collect()
}

fn t(id: &str, name: &str, version: &str) -> (String, String, String) {
    (id.into(), name.into(), version.into())
}

fn change(name: &str, from: &str, to: &str) -> VersionChange {
    VersionChange {
        ecosystem: Ecosystem::Npm,
        name: name.into(),
        from: from.into(),
        to: to.into(),
        purl: format!("pkg:npm/{name}@{to}"),
    }
}

fn expected_changes(changes: &Changes) {
    let added: Vec<&str> = changes.added.iter().map(|p| p.purl.as_str()).collect();
    assert_eq!(added, ["pkg:npm/lodash@4.17.20"]);
    assert!(changes.removed.is_empty());
    assert_eq!(
        changes.upgraded,
        [
            change("debug", "2.6.8", "2.6.9"),
            change("minimist", "1.2.5", "1.2.6")
        ]
    );
    assert!(changes.downgraded.is_empty());
    assert_eq!(
        ids(&changes.introduced),
        [
            t("GHSA-29mw-wpgm-hmr9", "lodash", "4.17.20"),
            t("GHSA-35jh-r3h4-6jhm", "lodash", "4.17.20")
        ]
    );
    // minimist 1.2.5's prototype pollution is fixed; the copy under mkdirp
    // (0.0.8) still has it, and that is not "introduced".
    assert_eq!(
        ids(&changes.fixed),
        [
            t("GHSA-9vvw-cc9w-f27h", "debug", "2.6.8"),
            t("GHSA-xvch-5gv4-984h", "minimist", "1.2.5")
        ]
    );
}

#[test]
fn two_versions_of_a_real_function() {
    let (before, after) = (deployed(), next());
    let changes = diff(&Baseline::from_report(&before), &after);
    expected_changes(&changes);
}

#[test]
fn the_baseline_can_be_an_earlier_json_report() {
    let before = deployed();
    let mut json = Vec::new();
    report::render(Format::Json, &before, &RenderOptions::default(), &mut json).unwrap();
    let baseline = Baseline::from_json("old.json", &json).unwrap();
    expected_changes(&diff(&baseline, &next()));
    let err = Baseline::from_json("old.json", b"{\"tool\": 1}").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("old.json: not a lambda-audit JSON report or inventory: "),
        "{err}"
    );
}

#[test]
fn an_sbom_inventory_baseline_has_no_findings_so_every_finding_is_new() {
    let inventory = scan_fixture("node-nested.zip");
    let json = serde_json::to_vec_pretty(&inventory).unwrap();
    let baseline = Baseline::from_json("sbom.json", &json).unwrap();
    let after = next();
    let changes = diff(&baseline, &after);
    assert_eq!(changes.introduced.len(), after.findings.len());
    assert!(changes.fixed.is_empty());
    assert_eq!(changes.upgraded.len(), 2);
}

#[test]
fn nothing_changes_against_itself() {
    let report = deployed();
    let changes = diff(&Baseline::from_report(&report), &report);
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(changes, Changes::default());
}

#[test]
fn fail_on_new_fails_only_on_introduced_findings() {
    let (before, mut after) = (deployed(), next());
    let changes = diff(&Baseline::from_report(&before), &after);
    // The next version still has minimist 0.0.8's findings and adds lodash's.
    assert!(after.findings.len() > changes.introduced.len());
    assert_eq!(exit_code(&after, FailOn::Any, false, None), EXIT_FINDINGS);
    assert_eq!(
        exit_code(&after, FailOn::Any, true, Some(&changes)),
        EXIT_FINDINGS
    );
    let new: Vec<&str> = failing(&after, FailOn::Any, true, Some(&changes))
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    assert_eq!(new, ["GHSA-29mw-wpgm-hmr9", "GHSA-35jh-r3h4-6jhm"]);
    assert_eq!(
        exit_code(&after, FailOn::Never, true, Some(&changes)),
        EXIT_OK
    );
    // Suppressing lodash: nothing new is open any more, but old findings remain.
    let config = Config::parse(
        "t.toml",
        "[[ignore]]\npackage = \"lodash\"\nreason = \"upgrade scheduled\"\n",
    )
    .unwrap();
    apply_suppressions(&mut after, &config, Date::new(2026, 11, 23).unwrap());
    assert_eq!(
        exit_code(&after, FailOn::Any, true, Some(&changes)),
        EXIT_OK
    );
    assert_eq!(
        exit_code(&after, FailOn::Any, false, Some(&changes)),
        EXIT_FINDINGS
    );
}

#[test]
fn thresholds_on_a_real_report() {
    let report = next();
    let worst = report
        .findings
        .iter()
        .map(|f| f.severity.rating)
        .max()
        .unwrap();
    let above = match worst {
        Rating::Critical => None,
        Rating::High => Some(FailOn::AtLeast(Rating::Critical)),
        Rating::Medium => Some(FailOn::AtLeast(Rating::High)),
        _ => Some(FailOn::AtLeast(Rating::Medium)),
    };
    assert_eq!(
        exit_code(&report, FailOn::AtLeast(worst), false, None),
        EXIT_FINDINGS
    );
    if let Some(threshold) = above {
        assert_eq!(exit_code(&report, threshold, false, None), EXIT_OK);
    }
    assert_eq!(exit_code(&report, FailOn::Never, false, None), EXIT_OK);
    assert_eq!(
        exit_code(&report_of(Default::default()), FailOn::Any, false, None),
        EXIT_OK
    );
}

#[test]
fn version_changes_pair_multiple_copies_and_spot_downgrades() {
    let before = sample_report();
    let mut after = sample_report();
    for p in &mut after.inventory.packages {
        if p.name == "lodash" {
            p.version = "4.17.9".into();
        }
    }
    after.inventory.packages.retain(|p| p.name != "six");
    let changes = diff(&Baseline::from_report(&before), &after);
    assert_eq!(changes.downgraded.len(), 1);
    assert_eq!(
        (
            changes.downgraded[0].from.as_str(),
            changes.downgraded[0].to.as_str()
        ),
        ("4.17.15", "4.17.9")
    );
    let removed: Vec<&str> = changes.removed.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(removed, ["six"]);
    // A suppressed finding that is introduced is listed with its status.
    let mut base = sample_report();
    base.findings.retain(|f| f.package.name != "minimist");
    let mut cur = sample_report();
    cur.findings
        .iter_mut()
        .filter(|f| f.package.name == "minimist")
        .for_each(|f| f.status = Status::Suppressed);
    let changes = diff(&Baseline::from_report(&base), &cur);
    assert_eq!(changes.introduced.len(), 1);
    assert_eq!(changes.introduced[0].status, Status::Suppressed);
    assert_eq!(exit_code(&cur, FailOn::Any, true, Some(&changes)), EXIT_OK);
}

#[test]
fn real_reports_with_changes_match_their_golden_files() {
    let (before, after) = (deployed(), next());
    let changes = diff(&Baseline::from_report(&before), &after);
    let options = RenderOptions {
        changes: Some(&changes),
        ..RenderOptions::default()
    };
    for (format, file) in [
        (Format::Table, "node-nested-next.table.txt"),
        (Format::Json, "node-nested-next.json"),
        (Format::Markdown, "node-nested-next.md"),
        (Format::Sarif, "node-nested-next.sarif.json"),
        (Format::Cyclonedx, "node-nested-next.cdx.json"),
        (Format::Asff, "node-nested-next.asff.json"),
    ] {
        let mut out = Vec::new();
        report::render(format, &after, &options, &mut out).unwrap();
        golden(file, &String::from_utf8(out).unwrap());
    }
}

#[test]
fn rust_bootstrap_then_the_same_binary_with_its_lockfile() {
    // Two corpus versions of one custom-runtime function: the second ships its
    // Cargo.lock beside the binary, which adds the Windows-only winapi crates.
    let before = matched(scan_fixture("rust-bootstrap.zip"));
    let after = matched(scan_fixture("rust-bootstrap-lock.zip"));
    let changes = diff(&Baseline::from_report(&before), &after);
    let added: Vec<&str> = changes.added.iter().map(|p| p.purl.as_str()).collect();
    assert_eq!(
        added,
        [
            "pkg:cargo/winapi@0.3.9",
            "pkg:cargo/winapi-i686-pc-windows-gnu@0.4.0",
            "pkg:cargo/winapi-x86_64-pc-windows-gnu@0.4.0"
        ]
    );
    assert!(
        changes.removed.is_empty() && changes.upgraded.is_empty() && changes.downgraded.is_empty()
    );
    assert!(changes.introduced.is_empty() && changes.fixed.is_empty());
    // The RUSTSEC findings are still there: they fail a plain scan, not --fail-on-new.
    let mut ids: Vec<&str> = after.findings.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert!(ids.len() >= 4, "{ids:?}");
    assert_eq!(
        exit_code(&after, FailOn::Any, false, Some(&changes)),
        EXIT_FINDINGS
    );
    assert_eq!(
        exit_code(&after, FailOn::Any, true, Some(&changes)),
        EXIT_OK
    );
    let options = RenderOptions {
        changes: Some(&changes),
        ..RenderOptions::default()
    };
    let mut out = Vec::new();
    report::render(Format::Table, &after, &options, &mut out).unwrap();
    golden(
        "rust-bootstrap-lock.table.txt",
        &String::from_utf8(out).unwrap(),
    );
}
