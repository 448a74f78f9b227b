//! Matching semantics on small hand-written records: range events, ecosystem
//! orderings, the version strings that tripped other scanners, withdrawn
//! records, alias merging, severity, could-not-compare entries, and the
//! report's order and summary.

use lambda_audit_analyzer::advisories::index::Builder;
use lambda_audit_analyzer::advisories::load::RawRecord;
use lambda_audit_analyzer::advisories::Database;
use lambda_audit_analyzer::findings::{Rating, ScanReport};
use lambda_audit_analyzer::inventory::{merge, Inventory, Sighting};
use lambda_audit_analyzer::matching::match_inventory;
use lambda_audit_analyzer::{Ecosystem, EvidenceKind, Found};

/// A database of the given records (JSON text each).
fn db(records: &[String]) -> Database {
    let mut builder = Builder::default();
    for (i, r) in records.iter().enumerate() {
        builder.add(RawRecord {
            origin: format!("record {i}"),
            bytes: r.clone().into_bytes(),
        });
    }
    let compiled = builder.finish(Vec::new());
    assert!(
        compiled.header.invalid.is_empty(),
        "{:?}",
        compiled.header.invalid
    );
    Database::from_compiled(compiled)
}

/// A record with one affected package and one range of `kind` with `events`
/// (a JSON array body such as `{"introduced":"0"},{"fixed":"1.0"}`).
fn record(id: &str, eco: &str, name: &str, kind: &str, events: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","summary":"test {id}",
        "affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},
        "ranges":[{{"type":"{kind}","events":[{events}]}}]}}]}}"#
    )
}

fn inventory(packages: &[(Ecosystem, &str, &str)]) -> Inventory {
    let sightings = packages
        .iter()
        .map(|(eco, name, version)| {
            Sighting::plain(
                "fn.zip",
                Found::new(*eco, *name, *version, "evidence", EvidenceKind::Installed),
            )
        })
        .collect();
    let (packages, roots) = merge(sightings);
    Inventory {
        packages,
        roots,
        ..Inventory::default()
    }
}

fn scan(records: &[String], packages: &[(Ecosystem, &str, &str)]) -> ScanReport {
    match_inventory(inventory(packages), &db(records))
}

/// (package version, finding id) of every finding.
fn hits(report: &ScanReport) -> Vec<(String, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.package.version.clone(), f.id.clone()))
        .collect()
}

/// Versions of one package that `events` (one range) affects, among `candidates`.
fn affected_versions(eco: Ecosystem, kind: &str, events: &str, candidates: &[&str]) -> Vec<String> {
    let r = record("TEST-1", eco.as_str(), "pkg", kind, events);
    let pkgs: Vec<(Ecosystem, &str, &str)> = candidates.iter().map(|v| (eco, "pkg", *v)).collect();
    let report = scan(&[r], &pkgs);
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
    let mut out: Vec<String> = hits(&report).into_iter().map(|(v, _)| v).collect();
    out.sort_by_key(|v| candidates.iter().position(|c| c == v));
    out
}

#[test]
fn introduced_fixed_last_affected_and_limit() {
    let versions = [
        "0.9.0", "1.0.0", "1.2.0", "1.5.0", "2.0.0", "2.1.0", "3.0.0",
    ];
    assert_eq!(
        affected_versions(
            Ecosystem::Npm,
            "SEMVER",
            r#"{"introduced":"1.0.0"},{"fixed":"1.5.0"},{"introduced":"2.0.0"},{"last_affected":"2.1.0"}"#,
            &versions
        ),
        ["1.0.0", "1.2.0", "2.0.0", "2.1.0"]
    );
    assert_eq!(
        affected_versions(
            Ecosystem::CratesIo,
            "SEMVER",
            r#"{"introduced":"0"},{"limit":"1.2.0"}"#,
            &versions
        ),
        ["0.9.0", "1.0.0"]
    );
    // Events out of order are sorted by version before they are applied.
    assert_eq!(
        affected_versions(
            Ecosystem::Npm,
            "ECOSYSTEM",
            r#"{"fixed":"2.0.0"},{"introduced":"1.2.0"}"#,
            &versions
        ),
        ["1.2.0", "1.5.0"]
    );
    // An empty interval (introduced and fixed at one version) affects nothing.
    assert_eq!(
        affected_versions(
            Ecosystem::Npm,
            "SEMVER",
            r#"{"introduced":"1.2.0"},{"fixed":"1.2.0"}"#,
            &versions
        ),
        Vec::<String>::new()
    );
}

#[test]
fn overlapping_and_unordered_pairs_mean_what_they_say() {
    // As PYSEC-2021-114 (wagtail) writes them: [2.11, 2.11.7), [0, 2.11.6), [2.12, 2.12.4).
    assert_eq!(
        affected_versions(
            Ecosystem::PyPI,
            "ECOSYSTEM",
            r#"{"introduced":"2.11"},{"fixed":"2.11.7"},{"introduced":"0"},{"fixed":"2.11.6"},{"introduced":"2.12"},{"fixed":"2.12.4"}"#,
            &["2.10", "2.11.6", "2.11.7", "2.12.3", "2.12.4"]
        ),
        ["2.10", "2.11.6", "2.12.3"]
    );
    // Adjacent intervals written out of order, as PYSEC-2022-236 (pyspark) has them.
    assert_eq!(
        affected_versions(
            Ecosystem::PyPI,
            "ECOSYSTEM",
            r#"{"introduced":"0"},{"fixed":"3.1.1"},{"introduced":"3.2.0"},{"fixed":"3.2.2"},{"introduced":"3.1.1"},{"fixed":"3.1.3"}"#,
            &["3.1.1", "3.1.2", "3.1.3", "3.2.1", "3.2.2"]
        ),
        ["3.1.1", "3.1.2", "3.2.1"]
    );
    // Unpaired events fall back to the sorted walk; adjacent intervals join.
    assert_eq!(
        affected_versions(
            Ecosystem::Npm,
            "SEMVER",
            r#"{"introduced":"0"},{"introduced":"1.0.0"},{"fixed":"1.0.0"},{"fixed":"2.0.0"}"#,
            &["0.5.0", "1.0.0", "1.5.0", "2.0.0"]
        ),
        ["0.5.0", "1.0.0", "1.5.0"]
    );
}

#[test]
fn certifi_calendar_versions_compare_numerically() {
    let report = scan(
        &[record(
            "PYSEC-C",
            "PyPI",
            "certifi",
            "ECOSYSTEM",
            r#"{"introduced":"0"},{"fixed":"2022.12.07"}"#,
        )],
        &[
            (Ecosystem::PyPI, "certifi", "2022.12.7"),
            (Ecosystem::PyPI, "certifi", "2022.9.24"),
        ],
    );
    assert_eq!(
        hits(&report),
        [("2022.9.24".to_string(), "PYSEC-C".to_string())]
    );
    assert_eq!(
        report.findings[0].fixed_version.as_deref(),
        Some("2022.12.07")
    );
}

#[test]
fn twisted_release_candidate_is_before_the_release() {
    let candidates = ["22.4.0", "22.10.0rc1", "22.10.0"];
    assert_eq!(
        affected_versions(
            Ecosystem::PyPI,
            "ECOSYSTEM",
            r#"{"introduced":"0"},{"fixed":"22.10.0rc1"}"#,
            &candidates
        ),
        ["22.4.0"]
    );
    assert_eq!(
        affected_versions(
            Ecosystem::PyPI,
            "ECOSYSTEM",
            r#"{"introduced":"0"},{"last_affected":"22.10.0rc1"}"#,
            &candidates
        ),
        ["22.4.0", "22.10.0rc1"]
    );
    assert_eq!(
        affected_versions(
            Ecosystem::PyPI,
            "ECOSYSTEM",
            r#"{"introduced":"22.10.0rc1"},{"fixed":"22.10.1"}"#,
            &candidates
        ),
        ["22.10.0rc1", "22.10.0"]
    );
}

#[test]
fn torch_local_version_is_after_its_public_version() {
    let candidates = ["2.0.1+cu118"];
    assert_eq!(
        affected_versions(
            Ecosystem::PyPI,
            "ECOSYSTEM",
            r#"{"introduced":"0"},{"fixed":"2.0.2"}"#,
            &candidates
        ),
        ["2.0.1+cu118"]
    );
    assert_eq!(
        affected_versions(
            Ecosystem::PyPI,
            "ECOSYSTEM",
            r#"{"introduced":"0"},{"fixed":"2.0.1"}"#,
            &candidates
        ),
        Vec::<String>::new()
    );
    // An enumerated public version covers its local builds (PEP 440 matching).
    let listed = r#"{"id":"PYSEC-T","modified":"","affected":[{"package":{"ecosystem":"PyPI","name":"torch"},
        "versions":["2.0.0","2.0.1"]}]}"#;
    let report = scan(
        &[listed.to_string()],
        &[
            (Ecosystem::PyPI, "torch", "2.0.1+cu118"),
            (Ecosystem::PyPI, "torch", "2.0.2+cu118"),
        ],
    );
    assert_eq!(
        hits(&report),
        [("2.0.1+cu118".to_string(), "PYSEC-T".to_string())]
    );
}

#[test]
fn maven_qualifiers_order_like_comparable_version() {
    // 4.3.2.Final is 4.3.2; 5.3.20.RELEASE is 5.3.20; a vendor build of 2.13.4
    // sorts after 2.13.4.
    let fixed_at = |fix: &str, candidates: &[&str]| {
        affected_versions(
            Ecosystem::Maven,
            "ECOSYSTEM",
            &format!(r#"{{"introduced":"0"}},{{"fixed":"{fix}"}}"#),
            candidates,
        )
    };
    assert_eq!(
        fixed_at("4.3.2", &["4.3.2.Final", "4.3.1.Final"]),
        ["4.3.1.Final"]
    );
    assert_eq!(
        fixed_at("5.3.20", &["5.3.20.RELEASE", "5.3.19.RELEASE"]),
        ["5.3.19.RELEASE"]
    );
    assert_eq!(
        fixed_at("2.13.4", &["2.13.4-redhat-00001", "2.13.3-redhat-00001"]),
        ["2.13.3-redhat-00001"]
    );
    assert_eq!(
        affected_versions(
            Ecosystem::Maven,
            "ECOSYSTEM",
            r#"{"introduced":"0"},{"last_affected":"2.13.4"}"#,
            &["2.13.4", "2.13.4-redhat-00001", "2.13.4.Final"]
        ),
        ["2.13.4", "2.13.4.Final"]
    );
}

#[test]
fn npm_prereleases_follow_semver_precedence() {
    // OSV compares by SemVer precedence: a prerelease of 1.4.4 is below 2.0.0.
    assert_eq!(
        affected_versions(
            Ecosystem::Npm,
            "SEMVER",
            r#"{"introduced":"0"},{"fixed":"2.0.0"}"#,
            &["1.4.4-lts.1", "v1.4.4", "2.0.0-rc.1", "2.0.0"]
        ),
        ["1.4.4-lts.1", "v1.4.4", "2.0.0-rc.1"]
    );
    // A prerelease of the lower bound is before it.
    assert_eq!(
        affected_versions(
            Ecosystem::Npm,
            "SEMVER",
            r#"{"introduced":"2.0.0"},{"fixed":"2.1.0"}"#,
            &["2.0.0-beta.1", "2.0.0", "2.0.5", "2.1.0-0"]
        ),
        ["2.0.0", "2.0.5", "2.1.0-0"]
    );
    // The NSWG conversion writes `> 2.0.0` as `introduced: 2.0.1-0`.
    assert_eq!(
        affected_versions(
            Ecosystem::Npm,
            "SEMVER",
            r#"{"introduced":"2.0.1-0"},{"fixed":"2.1.7"}"#,
            &["2.0.0", "2.0.1-alpha", "2.0.1", "2.1.7"]
        ),
        ["2.0.1-alpha", "2.0.1"]
    );
    assert_eq!(
        affected_versions(
            Ecosystem::CratesIo,
            "SEMVER",
            r#"{"introduced":"1.0.0-alpha.2"},{"fixed":"1.0.0"}"#,
            &["1.0.0-alpha.1", "1.0.0-alpha.2", "1.0.0-beta", "1.0.0"]
        ),
        ["1.0.0-alpha.2", "1.0.0-beta"]
    );
}

#[test]
fn withdrawn_records_and_git_ranges_are_ignored() {
    let withdrawn = r#"{"id":"GHSA-w","modified":"","withdrawn":"2024-02-01T00:00:00Z",
        "affected":[{"package":{"ecosystem":"npm","name":"pkg"},"versions":["1.0.0"]}]}"#;
    let git = r#"{"id":"PYSEC-G","modified":"","affected":[{"package":{"ecosystem":"PyPI","name":"pkg"},
        "ranges":[{"type":"GIT","repo":"https://example.invalid/r","events":[{"introduced":"0"},{"fixed":"abc123"}]}]}]}"#;
    let report = scan(
        &[withdrawn.to_string(), git.to_string()],
        &[
            (Ecosystem::Npm, "pkg", "1.0.0"),
            (Ecosystem::PyPI, "pkg", "1.0"),
        ],
    );
    assert!(report.findings.is_empty(), "{:?}", hits(&report));
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
}

#[test]
fn aliases_merge_transitively_into_one_finding() {
    let a = r#"{"id":"PYSEC-1","modified":"","aliases":["CVE-2024-1"],
        "affected":[{"package":{"ecosystem":"PyPI","name":"Py_Pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.5"}]}]}]}"#;
    let b = r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"","aliases":["CVE-2024-1"],"summary":"the GHSA summary",
        "affected":[{"package":{"ecosystem":"PyPI","name":"py-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.4"}]}]}],
        "references":[{"type":"WEB","url":"https://example.invalid/a"}]}"#;
    let c = r#"{"id":"OSV-3","modified":"","aliases":["GHSA-aaaa-bbbb-cccc","CVE-2024-2"],
        "affected":[{"package":{"ecosystem":"PyPI","name":"py.pkg"},"versions":["1.2"]}]}"#;
    let other = r#"{"id":"PYSEC-9","modified":"","aliases":["CVE-2024-9"],
        "affected":[{"package":{"ecosystem":"PyPI","name":"py-pkg"},"versions":["1.2"]}]}"#;
    let report = scan(
        &[a.into(), b.into(), c.into(), other.into()],
        &[(Ecosystem::PyPI, "PY.PKG", "1.2")],
    );
    assert_eq!(report.findings.len(), 2);
    // Sorted by package, then id.
    assert_eq!(report.findings[0].id, "CVE-2024-9");
    assert_eq!(report.findings[0].aliases, ["PYSEC-9"]);
    let merged = &report.findings[1];
    assert_eq!(merged.id, "GHSA-aaaa-bbbb-cccc");
    assert_eq!(
        merged.aliases,
        ["CVE-2024-1", "CVE-2024-2", "OSV-3", "PYSEC-1"]
    );
    assert_eq!(merged.summary, "the GHSA summary");
    assert_eq!(merged.fixed_version.as_deref(), Some("1.4"));
    assert_eq!(merged.references, ["https://example.invalid/a"]);
    assert_eq!(report.summary.findings, 2);
}

#[test]
fn names_follow_each_ecosystems_rules() {
    let records = [
        record(
            "N-1",
            "npm",
            "@scope/Pkg",
            "SEMVER",
            r#"{"introduced":"0"}"#,
        ),
        record(
            "P-1",
            "PyPI",
            "zope.interface",
            "ECOSYSTEM",
            r#"{"introduced":"0"}"#,
        ),
        record(
            "C-1",
            "crates.io",
            "Serde_json",
            "SEMVER",
            r#"{"introduced":"0"}"#,
        ),
        record(
            "M-1",
            "Maven",
            "org.example:lib",
            "ECOSYSTEM",
            r#"{"introduced":"0"}"#,
        ),
    ];
    let report = scan(
        &records,
        &[
            (Ecosystem::Npm, "@scope/pkg", "1.0.0"),
            (Ecosystem::Npm, "@scope/Pkg", "1.0.0"),
            (Ecosystem::PyPI, "Zope_Interface", "6.1"),
            (Ecosystem::CratesIo, "serde_json", "1.0.0"),
            (Ecosystem::Maven, "org.example:lib", "1.0"),
            (Ecosystem::Maven, "org.example.lib", "1.0"),
        ],
    );
    let found: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.package.name.as_str(), f.id.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("@scope/Pkg", "N-1"),
            ("Zope_Interface", "P-1"),
            ("org.example:lib", "M-1")
        ]
    );
}

#[test]
fn could_not_compare_is_reported_not_guessed() {
    let bad_event = record(
        "GHSA-e",
        "PyPI",
        "pkg",
        "ECOSYSTEM",
        r#"{"introduced":"0"},{"fixed":"not a version!"}"#,
    );
    let good = record(
        "GHSA-g",
        "crates.io",
        "krate",
        "SEMVER",
        r#"{"introduced":"0"},{"fixed":"2.0.0"}"#,
    );
    let report = scan(
        &[bad_event, good],
        &[
            (Ecosystem::PyPI, "pkg", "1.0"),
            (Ecosystem::CratesIo, "krate", "1.0"),
        ],
    );
    assert!(report.findings.is_empty());
    let reasons: Vec<(&str, &str, &str)> = report
        .unmatched
        .iter()
        .map(|u| {
            (
                u.advisory.as_str(),
                u.package.name.as_str(),
                u.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!((reasons[0].0, reasons[0].1), ("GHSA-e", "pkg"));
    assert!(
        reasons[0]
            .2
            .contains("`fixed: not a version!` does not parse"),
        "{}",
        reasons[0].2
    );
    assert_eq!((reasons[1].0, reasons[1].1), ("GHSA-g", "krate"));
    assert!(
        reasons[1]
            .2
            .starts_with("installed version `1.0` is not a valid crates.io version"),
        "{}",
        reasons[1].2
    );
    assert_eq!(report.summary.unmatched, 2);
    assert_eq!(report.summary.findings, 0);
}

#[test]
fn an_unparseable_version_against_a_list_is_undecided_unless_listed_verbatim() {
    let listed = r#"{"id":"PYSEC-L","modified":"","affected":[{"package":{"ecosystem":"PyPI","name":"old"},
        "versions":["0.9","2.0.0-final"]}]}"#;
    let report = scan(
        &[listed.to_string()],
        &[
            (Ecosystem::PyPI, "old", "2.0.0-final"),
            (Ecosystem::PyPI, "old", "3.0-final"),
            (Ecosystem::PyPI, "old", "1.0"),
        ],
    );
    assert_eq!(
        hits(&report),
        [("2.0.0-final".to_string(), "PYSEC-L".to_string())]
    );
    let unmatched: Vec<(&str, &str)> = report
        .unmatched
        .iter()
        .map(|u| (u.package.version.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].0, "3.0-final");
    assert!(unmatched[0]
        .1
        .starts_with("installed version `3.0-final` is not a valid PyPI version"));
}

#[test]
fn roots_are_never_matched_and_unloaded_copies_still_report() {
    let r = record("GHSA-r", "npm", "fn", "SEMVER", r#"{"introduced":"0"}"#);
    let dep = record("GHSA-d", "npm", "dep", "SEMVER", r#"{"introduced":"0"}"#);
    let root = Found::new(
        Ecosystem::Npm,
        "fn",
        "1.0.0",
        "package.json",
        EvidenceKind::Declared,
    )
    .root();
    let hidden = Sighting {
        artifact: "layer.zip".into(),
        found: Found::new(
            Ecosystem::Npm,
            "dep",
            "1.0.0",
            "nodejs/node_modules/dep/package.json",
            EvidenceKind::Installed,
        ),
        lambda_path: Some("/opt/nodejs/node_modules/dep/package.json".into()),
        loaded: false,
        reason: Some("shadowed by the function's copy".into()),
    };
    let (packages, roots) = merge(vec![Sighting::plain("fn.zip", root), hidden]);
    let inv = Inventory {
        packages,
        roots,
        ..Inventory::default()
    };
    let report = match_inventory(inv, &db(&[r, dep]));
    assert_eq!(hits(&report), [("1.0.0".to_string(), "GHSA-d".to_string())]);
    assert!(!report.findings[0].loaded);
    assert_eq!(report.findings[0].locations[0].artifact, "layer.zip");
    assert_eq!(report.summary.packages, 1);
}

#[test]
fn severity_comes_from_the_vector_or_the_label_and_says_which() {
    let scored = r#"{"id":"GHSA-s","modified":"","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}],
        "affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1.0.0"]}]}"#;
    let labelled = r#"{"id":"GHSA-l","modified":"","database_specific":{"severity":"MODERATE"},
        "affected":[{"package":{"ecosystem":"npm","name":"b"},"versions":["1.0.0"]}]}"#;
    let bare = r#"{"id":"GHSA-n","modified":"","affected":[{"package":{"ecosystem":"npm","name":"c"},"versions":["1.0.0"]}]}"#;
    let report = scan(
        &[scored.into(), labelled.into(), bare.into()],
        &[
            (Ecosystem::Npm, "a", "1.0.0"),
            (Ecosystem::Npm, "b", "1.0.0"),
            (Ecosystem::Npm, "c", "1.0.0"),
        ],
    );
    let sev: Vec<(Rating, Option<f64>, &str)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.severity.rating,
                f.severity.score,
                f.severity.source.as_str(),
            )
        })
        .collect();
    assert_eq!(
        sev,
        [
            (Rating::Medium, Some(6.1), "cvss_v3"),
            (Rating::Medium, None, "database_label"),
            (Rating::Unknown, None, "none")
        ]
    );
    assert_eq!(report.summary.by_severity.get("medium"), Some(&2));
    assert_eq!(report.summary.by_severity.get("unknown"), Some(&1));
}

#[test]
fn fixed_version_is_the_lowest_fix_above_the_installed_one() {
    let r = record(
        "GHSA-f",
        "npm",
        "pkg",
        "SEMVER",
        r#"{"introduced":"0"},{"fixed":"1.2.5"},{"introduced":"2.0.0"},{"fixed":"2.3.1"}"#,
    );
    let report = scan(
        &[r],
        &[
            (Ecosystem::Npm, "pkg", "2.1.0"),
            (Ecosystem::Npm, "pkg", "1.0.0"),
        ],
    );
    let fixes: Vec<(&str, Option<&str>)> = report
        .findings
        .iter()
        .map(|f| (f.package.version.as_str(), f.fixed_version.as_deref()))
        .collect();
    assert_eq!(fixes, [("1.0.0", Some("1.2.5")), ("2.1.0", Some("2.3.1"))]);
}
