//! End-to-end matching over the corpus artifacts in fixtures/corpus: every
//! artifact gets the advisory ids the corpus README names for its packages,
//! from the full OSV data in ../shared/advisories and from the embedded
//! starter set alone.

use lambda_audit_analyzer::advisories::Database;
use lambda_audit_analyzer::findings::ScanReport;
use lambda_audit_analyzer::inventory::{merge, Inventory, Sighting};
use lambda_audit_analyzer::matching::match_inventory;
use lambda_audit_analyzer::{Ecosystem, EvidenceKind, Found};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/corpus")
}

/// The full advisory data: `LAMBDA_AUDIT_DB`, else `<shared>/advisories`.
fn full_db_path() -> Option<PathBuf> {
    if let Some(db) = std::env::var_os("LAMBDA_AUDIT_DB").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(db));
    }
    let shared = match std::env::var_os("LAMBDA_AUDIT_SHARED") {
        Some(s) => PathBuf::from(s),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|a| a.join("shared"))
            .find(|p| p.is_dir())?,
    };
    Some(shared.join("advisories")).filter(|p| p.is_dir())
}

fn full_db() -> Option<Database> {
    match full_db_path() {
        Some(path) => Some(Database::open_with(&path, "path", None).expect("full database opens")),
        None => {
            eprintln!(
                "SKIPPED: ../shared not found (no ../shared/advisories, LAMBDA_AUDIT_DB unset)"
            );
            None
        }
    }
}

/// The inventory the ground truth describes (what a perfect extractor finds).
fn ground_truth_inventory(artifact: &str) -> Inventory {
    let path = fixtures().join("expected").join(format!("{artifact}.json"));
    let text = std::fs::read_to_string(&path).expect("ground truth present");
    let truth: serde_json::Value = serde_json::from_str(&text).expect("ground truth is JSON");
    let mut sightings = Vec::new();
    for (list, root) in [("packages", false), ("roots", true)] {
        for p in truth[list].as_array().into_iter().flatten() {
            let eco = Ecosystem::from_osv(p["ecosystem"].as_str().unwrap()).unwrap();
            let found = Found::new(
                eco,
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
                p["path"].as_str().unwrap(),
                EvidenceKind::Installed,
            );
            let found = if root { found.root() } else { found };
            sightings.push(Sighting::plain(artifact, found));
        }
    }
    let (packages, roots) = merge(sightings);
    Inventory {
        packages,
        roots,
        ..Inventory::default()
    }
}

/// Every id (primary and aliases) of every finding, per package name.
fn ids_by_package(report: &ScanReport) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &report.findings {
        let ids = out.entry(f.package.name.clone()).or_default();
        ids.insert(f.id.clone());
        ids.extend(f.aliases.iter().cloned());
    }
    out
}

/// The ids the corpus README names, per artifact and package.
const NAMED: &[(&str, &[(&str, &str)])] = &[
    (
        "node-basic.zip",
        &[
            ("lodash", "CVE-2020-8203"),
            ("lodash", "CVE-2021-23337"),
            ("minimist", "CVE-2020-7598"),
            ("minimist", "CVE-2021-44906"),
            ("axios", "CVE-2020-28168"),
            ("axios", "CVE-2021-3749"),
            ("jsonwebtoken", "CVE-2022-23539"),
            ("node-fetch", "CVE-2020-15168"),
            ("node-fetch", "CVE-2022-0235"),
        ],
    ),
    (
        "node-nolock.zip",
        &[
            ("underscore", "CVE-2021-23358"),
            ("marked", "CVE-2022-21680"),
            ("marked", "CVE-2022-21681"),
            ("yargs-parser", "CVE-2020-7608"),
        ],
    ),
    ("node-nested.zip", &[("debug", "CVE-2017-16137")]),
    (
        "node-scoped.zip",
        &[
            ("@xmldom/xmldom", "CVE-2022-39353"),
            ("@hapi/hoek", "CVE-2020-36604"),
        ],
    ),
    (
        "node-layer.zip",
        &[
            ("handlebars", "CVE-2021-23369"),
            ("dot-prop", "CVE-2020-8116"),
            ("kind-of", "CVE-2019-20149"),
        ],
    ),
    (
        "python-function.zip",
        &[
            ("requests", "CVE-2018-18074"),
            ("Jinja2", "CVE-2019-10906"),
            ("cryptography", "CVE-2020-36242"),
        ],
    ),
    (
        "python-layer.zip",
        &[
            ("urllib3", "CVE-2019-11324"),
            ("Werkzeug", "CVE-2019-14806"),
        ],
    ),
    (
        "java-function.zip",
        &[("org.yaml:snakeyaml", "CVE-2022-1471")],
    ),
    (
        "java-shaded.jar",
        &[
            ("com.google.guava:guava", "CVE-2023-2976"),
            ("commons-io:commons-io", "CVE-2024-47554"),
        ],
    ),
    (
        "java-bootjar.jar",
        &[
            ("io.netty:netty-codec-http", "CVE-2021-21290"),
            ("io.netty:netty-codec-http", "CVE-2021-21295"),
            ("io.netty:netty-codec-http", "CVE-2021-43797"),
        ],
    ),
    (
        "java-layer.zip",
        &[
            ("com.thoughtworks.xstream:xstream", "CVE-2024-47072"),
            ("commons-fileupload:commons-fileupload", "CVE-2023-24998"),
        ],
    ),
    (
        "rust-bootstrap.zip",
        &[
            ("chrono", "RUSTSEC-2020-0159"),
            ("regex", "RUSTSEC-2022-0013"),
            ("smallvec", "RUSTSEC-2021-0003"),
            ("time", "RUSTSEC-2020-0071"),
        ],
    ),
    (
        "rust-bootstrap-lock.zip",
        &[
            ("chrono", "RUSTSEC-2020-0159"),
            ("regex", "RUSTSEC-2022-0013"),
            ("smallvec", "RUSTSEC-2021-0003"),
            ("time", "RUSTSEC-2020-0071"),
        ],
    ),
    (
        "mixed-node-python.zip",
        &[
            ("serialize-javascript", "CVE-2020-7660"),
            ("PyJWT", "CVE-2022-29217"),
        ],
    ),
    (
        "nested-zip.zip",
        &[("ejs", "CVE-2022-29078"), ("rsa", "CVE-2020-13757")],
    ),
];

#[test]
fn probe_full_database() {
    let Some(db) = full_db() else { return };
    for (artifact, _) in NAMED {
        let report = match_inventory(ground_truth_inventory(artifact), &db);
        println!("== {artifact}");
        for (name, ids) in ids_by_package(&report) {
            println!("  {name}: {ids:?}");
        }
        for u in &report.unmatched {
            println!("  UNMATCHED {} {} {}", u.advisory, u.package.name, u.reason);
        }
    }
}

#[test]
fn probe_hit_records() {
    let Some(db) = full_db() else { return };
    let mut hit = BTreeSet::new();
    for (artifact, _) in NAMED {
        let inv = ground_truth_inventory(artifact);
        for p in &inv.packages {
            for r in db.lookup(p.ecosystem, &p.name).unwrap() {
                let refs: Vec<&lambda_audit_analyzer::advisories::Osv> = vec![&r];
                let (f, _) = lambda_audit_analyzer::matching::match_package(p, &refs);
                if !f.is_empty() {
                    hit.insert((
                        r.id.clone(),
                        p.name.clone(),
                        r.summary.clone().unwrap_or_default(),
                    ));
                }
            }
        }
    }
    for h in hit {
        println!("HIT\t{}\t{}\t{}", h.0, h.1, h.2);
    }
}
