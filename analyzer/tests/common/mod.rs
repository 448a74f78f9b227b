//! Shared helpers of the report, suppression and baseline tests: a synthetic
//! report, scans of corpus fixtures, golden files, schema validation. Paths,
//! `../shared` and the skip policy come from `testkit`.
#![allow(dead_code)]

use lambda_audit_analyzer::findings::{
    DatabaseInfo, DatabaseOrigin, Finding, Rating, ScanReport, Severity, Status, Summary, Unmatched,
};
use lambda_audit_analyzer::inventory::{
    self, ArtifactInfo, ArtifactKind, Coverage, Inventory, Sighting, ToolInfo,
};
use lambda_audit_analyzer::{
    extract, suppress, ArchiveTree, Ecosystem, EvidenceKind, Limits, Location,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn location(artifact: &str, path: &str, loaded: bool) -> Location {
    Location {
        artifact: artifact.into(),
        path: path.into(),
        evidence: EvidenceKind::Installed,
        lambda_path: None,
        install_path: None,
        loaded,
        reason: (!loaded).then(|| "shadowed by /var/task/node_modules/minimist".to_string()),
        scope: None,
        note: None,
        bundle: None,
    }
}

fn package(
    ecosystem: Ecosystem,
    name: &str,
    version: &str,
    locations: Vec<Location>,
) -> lambda_audit_analyzer::Package {
    lambda_audit_analyzer::Package {
        ecosystem,
        name: name.into(),
        version: version.into(),
        purl: lambda_audit_analyzer::purl::build(ecosystem, name, version),
        locations,
    }
}

/// A function (`orders.zip`) and one layer (`deps-layer.zip`) with four
/// vulnerable packages; findings cover every rating source and one
/// not-loaded copy. Nothing is suppressed yet.
pub fn sample_report() -> ScanReport {
    let f = "orders.zip";
    let l = "deps-layer.zip";
    let lodash = package(
        Ecosystem::Npm,
        "lodash",
        "4.17.15",
        vec![location(f, "node_modules/lodash/package.json", true)],
    );
    let minimist = package(
        Ecosystem::Npm,
        "minimist",
        "1.2.0",
        vec![
            location(f, "node_modules/minimist/package.json", true),
            location(l, "nodejs/node_modules/minimist/package.json", false),
        ],
    );
    let hoek = package(
        Ecosystem::Npm,
        "@hapi/hoek",
        "8.5.0",
        vec![location(
            l,
            "nodejs/node_modules/@hapi/hoek/package.json",
            true,
        )],
    );
    let urllib3 = package(
        Ecosystem::PyPI,
        "urllib3",
        "1.24.1",
        vec![location(
            l,
            "python/lib/python3.12/site-packages/urllib3-1.24.1.dist-info/METADATA",
            true,
        )],
    );
    let safe = package(
        Ecosystem::PyPI,
        "six",
        "1.15.0",
        vec![location(
            l,
            "python/lib/python3.12/site-packages/six-1.15.0.dist-info/METADATA",
            true,
        )],
    );
    let root = package(
        Ecosystem::Npm,
        "order-service",
        "1.4.0",
        vec![location(f, "package.json", true)],
    );
    let severity = |rating, score: Option<f64>, vector: Option<&str>, source: &str| Severity {
        rating,
        score,
        vector: vector.map(str::to_string),
        source: source.into(),
    };
    let finding = |id: &str,
                   aliases: &[&str],
                   summary: &str,
                   sev: Severity,
                   p: &lambda_audit_analyzer::Package,
                   fixed: Option<&str>,
                   refs: &[&str]| Finding {
        id: id.into(),
        aliases: aliases.iter().map(|s| s.to_string()).collect(),
        summary: summary.into(),
        severity: sev,
        package: p.into(),
        locations: p.locations.clone(),
        fixed_version: fixed.map(str::to_string),
        references: refs.iter().map(|s| s.to_string()).collect(),
        status: Status::Open,
        suppressed_reason: None,
        loaded: p.is_loaded(),
        priority: Default::default(),
    };
    let findings = vec![
        finding(
            "GHSA-p6mc-m468-83gw",
            &["CVE-2020-8203"],
            "Prototype Pollution in lodash",
            severity(
                Rating::High,
                Some(7.4),
                Some("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H"),
                "cvss_v3",
            ),
            &lodash,
            Some("4.17.19"),
            &[
                "https://nvd.nist.gov/vuln/detail/CVE-2020-8203",
                "https://github.com/lodash/lodash/issues/4874",
            ],
        ),
        finding(
            "GHSA-35jh-r3h4-6jhm",
            &["CVE-2021-23337"],
            "Command Injection in lodash",
            severity(
                Rating::High,
                Some(7.2),
                Some("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"),
                "cvss_v3",
            ),
            &lodash,
            Some("4.17.21"),
            &["https://nvd.nist.gov/vuln/detail/CVE-2021-23337"],
        ),
        finding(
            "GHSA-xvch-5gv4-984h",
            &["CVE-2021-44906"],
            "Prototype Pollution in minimist",
            severity(
                Rating::Critical,
                Some(9.8),
                Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                "cvss_v3",
            ),
            &minimist,
            Some("1.2.6"),
            &["https://nvd.nist.gov/vuln/detail/CVE-2021-44906"],
        ),
        finding(
            "GHSA-22h7-7wwg-qmgg",
            &["CVE-2020-36604"],
            "hoek subject to prototype pollution via clone function.",
            severity(Rating::Medium, None, None, "database_label"),
            &hoek,
            Some("8.5.1"),
            &[],
        ),
        finding(
            "PYSEC-2019-133",
            &["CVE-2019-11324", "GHSA-mh33-7rrq-662w"],
            "",
            severity(Rating::Unknown, None, None, "none"),
            &urllib3,
            None,
            &["https://github.com/urllib3/urllib3/compare/a6ec68a...1efadf4"],
        ),
        finding(
            "GHSA-wqvq-5m8c-6g24",
            &["CVE-2020-26137"],
            "CRLF injection | in urllib3",
            severity(
                Rating::Low,
                Some(3.5),
                Some("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N"),
                "cvss_v4",
            ),
            &urllib3,
            Some("1.25.9"),
            &[],
        ),
    ];
    let unmatched = vec![Unmatched {
        advisory: "PYSEC-2023-0001".into(),
        package: (&safe).into(),
        reason: "`1.15.0.post` could not be compared".into(),
    }];
    let packages = vec![hoek, lodash, minimist, safe, urllib3];
    let mut report = ScanReport {
        inventory: Inventory {
            tool: ToolInfo {
                name: "lambda-audit".into(),
                version: "0.1.0".into(),
            },
            artifacts: vec![
                ArtifactInfo {
                    name: f.into(),
                    role: ArtifactKind::Function,
                    layer_index: None,
                    mount: Some("/var/task".into()),
                    size_bytes: 1000,
                    files: 10,
                    jars: vec![],
                },
                ArtifactInfo {
                    name: l.into(),
                    role: ArtifactKind::Layer,
                    layer_index: Some(1),
                    mount: Some("/opt".into()),
                    size_bytes: 2000,
                    files: 20,
                    jars: vec![],
                },
            ],
            packages,
            roots: vec![root],
            coverage: vec![Coverage {
                artifact: f.into(),
                packages: 2,
                read: vec![],
                skipped: vec![],
                incomplete: vec![],
            }],
            warnings: vec![],
            reachability: Vec::new(),
        },
        database: DatabaseInfo {
            source: DatabaseOrigin::Path,
            location: Some("/data/osv".into()),
            records: 1234,
            ecosystems: [("PyPI".to_string(), 600), ("npm".to_string(), 634)]
                .into_iter()
                .collect(),
            newest_record: Some("2026-11-01T00:00:00Z".into()),
            invalid_records: vec![],
        },
        findings,
        unmatched,
        summary: Summary::default(),
        exposure: None,
    };
    report.summary.packages = report.inventory.packages.len();
    report.summary.unmatched = report.unmatched.len();
    lambda_audit_analyzer::prioritize::assess(&mut report);
    suppress::recount(&mut report);
    report
}

/// The inventory of one corpus fixture, as a plain artifact (no layers).
pub fn scan_fixture(name: &str) -> Inventory {
    scan_bytes(name, testkit::corpus_bytes(name))
}

/// The inventory of an in-memory function archive named `name`.
pub fn scan_bytes(name: &str, bytes: Vec<u8>) -> Inventory {
    let size = bytes.len() as u64;
    let tree = ArchiveTree::open_bytes(name, bytes, &Limits::default()).expect("archive opens");
    let scan = extract::scan_tree(&tree, &extract::all());
    let sightings: Vec<Sighting> = scan
        .packages
        .into_iter()
        .map(|found| Sighting::plain(name, found))
        .collect();
    let count = sightings.len();
    let (packages, roots) = inventory::merge(sightings);
    Inventory {
        tool: ToolInfo {
            name: "lambda-audit".into(),
            version: "0.1.0".into(),
        },
        artifacts: vec![ArtifactInfo {
            name: name.into(),
            role: ArtifactKind::Function,
            layer_index: None,
            mount: None,
            size_bytes: size,
            files: tree.files.len(),
            jars: vec![],
        }],
        packages,
        roots,
        coverage: vec![Coverage {
            artifact: name.into(),
            packages: count,
            read: scan.read,
            skipped: scan.skipped,
            incomplete: scan.incomplete,
        }],
        warnings: scan.warnings,
        reachability: Vec::new(),
    }
}

/// A scan of `inventory` against the embedded starter advisory set, with the
/// database counts blanked (they change whenever the starter set grows, and
/// are not what these tests check).
pub fn matched(inventory: Inventory) -> ScanReport {
    let db = lambda_audit_analyzer::advisories::Database::embedded();
    let mut report = lambda_audit_analyzer::matching::match_inventory(inventory, &db);
    report.database.records = 0;
    report.database.ecosystems.clear();
    report.database.newest_record = None;
    report
}

/// A report with no findings over an inventory.
pub fn report_of(inventory: Inventory) -> ScanReport {
    ScanReport {
        summary: Summary {
            packages: inventory.packages.len(),
            ..Summary::default()
        },
        inventory,
        database: DatabaseInfo::default(),
        findings: vec![],
        unmatched: vec![],
        exposure: None,
    }
}

/// Compares `actual` with `tests/golden/<name>` (see `testkit::golden`).
pub fn golden(name: &str, actual: &str) {
    testkit::golden(&golden_dir().join(name), actual);
}

/// This crate's golden files.
fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Validates `instance` against `schema` (a file of `dir`, with the other
/// files of `dir` registered under their `$id`s); returns the errors.
pub fn validate(dir: &Path, schema: &str, instance: &Value) -> Vec<String> {
    let mut options = jsonschema::options().should_validate_formats(true);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let doc = read_json(&path);
            if let Some(id) = doc.get("$id").and_then(Value::as_str) {
                let id = id.to_string();
                options =
                    options.with_resource(id, jsonschema::Resource::from_contents(doc).unwrap());
            }
        }
    }
    let validator = options
        .build(&read_json(&dir.join(schema)))
        .expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// Matches `installed` versions of a package named `pkg` (ecosystem `eco`)
/// against `records`, compiled into an index in memory; every record must be
/// placeable (name a package).
pub fn scan_records(records: &[Value], eco: Ecosystem, installed: &[String]) -> ScanReport {
    let compiled = compile_records(records);
    assert!(
        compiled.header.invalid.is_empty(),
        "{:?}",
        compiled.header.invalid
    );
    match_compiled(compiled, eco, installed)
}

/// Compiles `records` into an index in memory, as a database's members.
pub fn compile_records(records: &[Value]) -> lambda_audit_analyzer::advisories::index::Compiled {
    use lambda_audit_analyzer::advisories::index::Builder;
    use lambda_audit_analyzer::advisories::load::RawRecord;
    let mut builder = Builder::default();
    for (i, record) in records.iter().enumerate() {
        builder.add(RawRecord {
            origin: format!("record {i}"),
            bytes: record.to_string().into_bytes(),
        });
    }
    builder.finish(Vec::new())
}

/// Matches `installed` versions of a package named `pkg` (ecosystem `eco`)
/// against a compiled index.
pub fn match_compiled(
    compiled: lambda_audit_analyzer::advisories::index::Compiled,
    eco: Ecosystem,
    installed: &[String],
) -> ScanReport {
    use lambda_audit_analyzer::advisories::Database;
    let sightings = installed
        .iter()
        .map(|version| {
            Sighting::plain(
                "fn.zip",
                lambda_audit_analyzer::Found::new(
                    eco,
                    "pkg",
                    version,
                    "evidence",
                    EvidenceKind::Installed,
                ),
            )
        })
        .collect();
    let (packages, roots) = inventory::merge(sightings);
    let inventory = Inventory {
        packages,
        roots,
        ..Inventory::default()
    };
    lambda_audit_analyzer::matching::match_inventory(inventory, &Database::from_compiled(compiled))
}
