//! End-to-end matching over the corpus artifacts in fixtures/corpus: every
//! artifact gets the advisory ids the corpus README names for its packages,
//! from the full OSV data in ../shared/advisories and from the embedded
//! starter set alone.

use lambda_audit_analyzer::advisories::{Database, DatabaseOrigin};
use lambda_audit_analyzer::findings::ScanReport;
use lambda_audit_analyzer::inventory::{merge, Inventory, Sighting};
use lambda_audit_analyzer::matching::match_inventory;
use lambda_audit_analyzer::{Ecosystem, EvidenceKind, Found};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    testkit::fixture("corpus")
}

/// The full advisory data, `<shared>/advisories` (`None` after a skip).
fn full_db_path() -> Option<PathBuf> {
    testkit::shared_path("advisories")
}

/// The full database, opened once for all tests of this file (`None` after a
/// skip, in every test that asks).
fn full_db() -> Option<&'static Database> {
    static FULL: std::sync::OnceLock<Database> = std::sync::OnceLock::new();
    let path = full_db_path()?;
    Some(FULL.get_or_init(|| Database::open(&path).expect("full database opens")))
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

/// One disagreement between a record's enumerated versions and its ranges.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Disagreement {
    record: String,
    version: String,
    listed: bool,
    ranges_say: String,
}

#[test]
fn pypi_enumerated_versions_agree_with_the_ranges() {
    use lambda_audit_analyzer::advisories::osv::Affected;
    use lambda_audit_analyzer::matching::ranges::{evaluate, listed, Outcome};
    use lambda_audit_analyzer::version::equivalence_key;
    use rayon::prelude::*;
    let Some(path) = full_db_path() else {
        return;
    };
    let db = Database::open(&path.join("PyPI/all.zip")).expect("PyPI export opens");
    let records: Vec<_> = db.ids().map(|id| db.record(id).unwrap().unwrap()).collect();
    // Every version any record lists, per package.
    let mut known: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let pypi = |a: &&Affected| a.package.as_ref().is_some_and(|p| p.ecosystem == "PyPI");
    for r in &records {
        for a in r.affected.iter().filter(pypi) {
            let name = Ecosystem::PyPI.normalize_name(&a.package.as_ref().unwrap().name);
            known
                .entry(name)
                .or_default()
                .extend(a.versions.iter().cloned());
        }
    }
    // Membership by PEP 440 equality (`equivalence_key`), computed once per
    // list; the ranges alone decide the other side.
    let entries: Vec<(&str, &Affected)> = records
        .iter()
        .filter(|r| !r.is_withdrawn())
        .flat_map(|r| {
            r.affected
                .iter()
                .filter(pypi)
                .map(move |a| (r.id.as_str(), a))
        })
        .filter(|(_, a)| !a.versions.is_empty() && a.ranges.iter().any(|g| g.kind == "ECOSYSTEM"))
        .collect();
    let results: Vec<((usize, usize), Vec<Disagreement>)> = entries
        .par_iter()
        .map(|(id, a)| {
            let ranges_only = Affected {
                versions: Vec::new(),
                ..(*a).clone()
            };
            let keys: BTreeSet<String> = a
                .versions
                .iter()
                .map(|v| equivalence_key(Ecosystem::PyPI, v))
                .collect();
            let name = Ecosystem::PyPI.normalize_name(&a.package.as_ref().unwrap().name);
            let mut checked = (0, 0);
            let mut found = Vec::new();
            for v in &known[&name] {
                let is_listed = keys.contains(&equivalence_key(Ecosystem::PyPI, v));
                // The matcher's own list check agrees (cheap when listed).
                assert!(
                    !is_listed || listed(Ecosystem::PyPI, &a.versions, v),
                    "{id} {v}"
                );
                let outcome = evaluate(Ecosystem::PyPI, &ranges_only, v);
                checked.0 += usize::from(is_listed);
                checked.1 += usize::from(!is_listed);
                let agrees = match outcome {
                    Outcome::Affected => is_listed,
                    Outcome::NotAffected => !is_listed,
                    Outcome::Undecided(_) => false,
                };
                if !agrees {
                    found.push(Disagreement {
                        record: id.to_string(),
                        version: v.clone(),
                        listed: is_listed,
                        ranges_say: format!("{outcome:?}"),
                    });
                }
            }
            (checked, found)
        })
        .collect();
    let mut checked = (0usize, 0usize);
    let mut disagreements = Vec::new();
    for ((l, u), d) in results {
        checked.0 += l;
        checked.1 += u;
        disagreements.extend(d);
    }
    eprintln!(
        "checked {} listed and {} unlisted versions",
        checked.0, checked.1
    );
    // Version strings PyPI once accepted that PEP 440 cannot order: never guessed.
    let (unparseable, inconsistent): (Vec<_>, Vec<_>) = disagreements
        .into_iter()
        .partition(|d| d.ranges_say.contains("is not a valid PyPI version"));
    let strings: BTreeSet<&str> = unparseable.iter().map(|d| d.version.as_str()).collect();
    assert!(strings
        .iter()
        .all(|v| lambda_audit_analyzer::version::Version::parse(Ecosystem::PyPI, v).is_err()));
    let listed_unparseable = unparseable.iter().filter(|d| d.listed).count();
    eprintln!(
        "{} undecided pairs over {} non-PEP 440 strings ({listed_unparseable} of them listed, matched by the list)",
        unparseable.len(),
        strings.len()
    );
    assert_eq!(
        (unparseable.len(), strings.len(), listed_unparseable),
        (150, 75, 108)
    );
    // Records whose list and ranges disagree, and why: the data, not the rules.
    let mut found: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for d in &inconsistent {
        let pre = lambda_audit_analyzer::version::Version::parse(Ecosystem::PyPI, &d.version)
            .is_ok_and(|v| {
                v.downcast_ref::<pep440_rs::Version>()
                    .is_some_and(pep440_rs::Version::any_prerelease)
            });
        let why = match (d.listed, d.ranges_say.as_str(), pre) {
            (false, "Affected", true) => "the list omits prereleases the ranges cover",
            (false, "Affected", false) => "the list omits releases the ranges cover",
            (true, "NotAffected", true) => "the list names prereleases of an introduced version, which PEP 440 orders before it",
            (true, "NotAffected", false) => "the list names versions at or after the fix",
            _ => "unexplained",
        };
        found.entry(d.record.clone()).or_default().insert(why);
    }
    for (record, why) in &found {
        println!("INCONSISTENT\t{record}\t{why:?}");
    }
    let omits_pre = "the list omits prereleases the ranges cover";
    let omits = "the list omits releases the ranges cover";
    let mut expected: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    // tensorflow, tensorflow-cpu and tensorflow-gpu records list no release candidates.
    for n in (389..=420)
        .filter(|n| ![403, 412].contains(n))
        .chain([842, 843])
    {
        expected.insert(format!("PYSEC-2021-{n}"), [omits_pre].into());
    }
    for (record, why) in [
        ("PYSEC-2020-215", vec![omits, omits_pre]),   // notebook 5.7.14/5.7.15 backports
        ("PYSEC-2020-220", vec![omits, omits_pre]),   // ansible, open range, list stops at 9.x
        ("PYSEC-2022-159", vec![omits]),              // scrapy 1.8.3 backport
        ("PYSEC-2022-180", vec![omits, omits_pre]),   // notebook 5.7.14/5.7.15 backports
        ("PYSEC-2022-257", vec![omits]),              // nvflare 2.0.19
        ("PYSEC-2022-42972", vec![omits]),            // apache-iotdb 0.13.x
        ("PYSEC-2022-43063", vec![omits_pre]),        // paddlepaddle 2.0.0rc0/rc1
        ("PYSEC-2023-142", vec![omits, omits_pre]),   // vyper 0.3.10, open range
        ("PYSEC-2023-150", vec![omits]),              // exiv2 0.15-0.16, open range
        ("PYSEC-2023-177", vec!["the list names versions at or after the fix"]), // gevent 23.9.0
        ("PYSEC-2023-61", vec!["the list names prereleases of an introduced version, which PEP 440 orders before it"]), // django 3.2a1..
        ("PYSEC-2023-72", vec![omits]),               // pyspark 3.2.0/3.2.1
        ("PYSEC-2023-8", vec![omits]),                // apache-iotdb 1.1.2+, open range
        ("PYSEC-2024-16", vec![omits_pre]),           // nautobot betas
    ] {
        expected.insert(record.to_string(), why.into_iter().collect());
    }
    assert_eq!(found, expected);
}

/// The README's (package, id) pairs for `artifact` that the data can give:
/// some record naming that package carries the id. Returns (givable, absent).
type Named = Vec<(&'static str, &'static str)>;
fn split_named(db: &Database, inv: &Inventory, artifact: &str) -> (Named, Named) {
    let named = NAMED.iter().find(|(a, _)| *a == artifact).unwrap().1;
    named.iter().partition(|(name, id)| {
        inv.packages.iter().filter(|p| p.name == *name).any(|p| {
            db.lookup(p.ecosystem, &p.name)
                .unwrap()
                .iter()
                .any(|r| r.ids().any(|i| i == *id))
        })
    })
}

#[test]
fn ground_truth_inventories_get_the_named_ids() {
    let Some(db) = full_db() else { return };
    let mut absent_from_data = Vec::new();
    for (artifact, _) in NAMED {
        let inv = ground_truth_inventory(artifact);
        let (givable, absent) = split_named(db, &inv, artifact);
        let report = match_inventory(inv, db);
        let found = ids_by_package(&report);
        for (name, id) in givable {
            assert!(
                found.get(name).is_some_and(|ids| ids.contains(id)),
                "{artifact}: {name} should get {id}; got {:?}",
                found.get(name)
            );
        }
        absent_from_data.extend(
            absent
                .into_iter()
                .map(|(n, i)| format!("{artifact} {n} {i}")),
        );
        assert!(
            report.unmatched.is_empty(),
            "{artifact}: {:?}",
            report.unmatched
        );
    }
    // What the README names but ../shared/advisories has no record for (for
    // netty-codec-http, CVE-2021-21295's records name only netty-codec-http2).
    assert_eq!(
        absent_from_data,
        [
            "node-basic.zip axios CVE-2020-28168",
            "node-basic.zip axios CVE-2021-3749",
            "node-nolock.zip yargs-parser CVE-2020-7608",
            "node-nested.zip debug CVE-2017-16137",
            "node-scoped.zip @xmldom/xmldom CVE-2022-39353",
            "node-scoped.zip @hapi/hoek CVE-2020-36604",
            "node-layer.zip dot-prop CVE-2020-8116",
            "java-bootjar.jar io.netty:netty-codec-http CVE-2021-21295",
            "java-layer.zip com.thoughtworks.xstream:xstream CVE-2024-47072",
            "nested-zip.zip ejs CVE-2022-29078",
        ]
    );
}

/// (package, version, id, aliases, fixed version, rating, score) of each finding.
type Row = (
    String,
    String,
    String,
    Vec<String>,
    Option<String>,
    String,
    Option<String>,
);
fn rows(report: &ScanReport) -> Vec<Row> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.package.name.clone(),
                f.package.version.clone(),
                f.id.clone(),
                f.aliases.clone(),
                f.fixed_version.clone(),
                format!("{:?}", f.severity.rating),
                f.severity.score.map(|s| format!("{s:.1}")),
            )
        })
        .collect()
}

#[test]
fn embedded_starter_set_gives_the_same_findings_as_the_full_data() {
    let starter = Database::embedded();
    let full = full_db();
    let mut total = 0;
    for (artifact, _) in NAMED {
        let from_starter = match_inventory(ground_truth_inventory(artifact), &starter);
        assert_eq!(from_starter.database.source, DatabaseOrigin::Embedded);
        assert!(
            from_starter.unmatched.is_empty(),
            "{artifact}: {:?}",
            from_starter.unmatched
        );
        total += from_starter.findings.len();
        if let Some(db) = full {
            let from_full = match_inventory(ground_truth_inventory(artifact), db);
            assert_eq!(rows(&from_starter), rows(&from_full), "{artifact}");
        }
    }
    // One finding per vulnerability and package instance across the corpus.
    assert_eq!(total, 76);
}

/// Every corpus artifact through the real extractors: each named id of a
/// package the extractors find is reported. Ecosystems without an extractor
/// yet are said out loud, never passed silently.
#[test]
fn extracted_inventories_get_the_named_ids() {
    use lambda_audit_analyzer::{extract, ArchiveTree, Limits};
    let embedded = Database::embedded();
    let db = full_db().unwrap_or(&embedded);
    let extractors = extract::all();
    let mut seen_ecosystems = BTreeSet::new();
    let mut missing = Vec::new();
    for (artifact, _) in NAMED {
        let tree = ArchiveTree::open_path(&fixtures().join(artifact), &Limits::default())
            .expect("corpus artifact opens");
        let scan = extract::scan_tree(&tree, &extractors);
        let sightings = scan
            .packages
            .into_iter()
            .map(|f| Sighting::plain(*artifact, f))
            .collect();
        let (packages, roots) = merge(sightings);
        seen_ecosystems.extend(packages.iter().map(|p| p.ecosystem));
        let inv = Inventory {
            packages,
            roots,
            ..Inventory::default()
        };
        let truth = ground_truth_inventory(artifact);
        let (givable, _) = split_named(db, &truth, artifact);
        let report = match_inventory(inv, db);
        let found = ids_by_package(&report);
        for (name, id) in givable {
            let extracted = report.inventory.packages.iter().any(|p| p.name == name);
            if !extracted {
                let eco = truth
                    .packages
                    .iter()
                    .find(|p| p.name == name)
                    .unwrap()
                    .ecosystem;
                missing.push((eco, format!("{artifact} {name}")));
                continue;
            }
            assert!(
                found.get(name).is_some_and(|ids| ids.contains(id)),
                "{artifact}: {name} should get {id}; got {:?}",
                found.get(name)
            );
        }
    }
    for (eco, what) in &missing {
        eprintln!("NOT CHECKED: {what}: no {eco} extractor registered yet");
        assert!(
            !seen_ecosystems.contains(eco),
            "{what}: the {eco} extractor missed it"
        );
    }
}

/// Every SEMVER/ECOSYSTEM event of the real data reads under its ecosystem's
/// rules, except these, which the data spells outside those rules; a package
/// they would decide gets a "could not compare" entry instead of a guess.
#[test]
fn range_events_of_the_real_data_parse_except_the_named_ones() {
    use lambda_audit_analyzer::version::Version;
    let Some(db) = full_db() else { return };
    let mut unreadable = BTreeSet::new();
    for id in db.ids() {
        let record = db.record(id).unwrap().unwrap();
        for a in &record.affected {
            let Some(eco) = a
                .package
                .as_ref()
                .and_then(|p| Ecosystem::from_osv(&p.ecosystem))
            else {
                continue;
            };
            for range in &a.ranges {
                let rules = match (range.kind.as_str(), eco) {
                    ("SEMVER", Ecosystem::CratesIo) | ("ECOSYSTEM", _) => eco,
                    ("SEMVER", _) => Ecosystem::Npm,
                    _ => continue,
                };
                for e in &range.events {
                    let values = [&e.introduced, &e.fixed, &e.last_affected, &e.limit];
                    for v in values.into_iter().flatten().filter(|v| v.as_str() != "0") {
                        if Version::parse(rules, v).is_err() {
                            unreadable.insert(format!("{id} {} {v}", range.kind));
                        }
                    }
                }
            }
        }
    }
    let expected: BTreeSet<String> = [
        "GHSA-r683-j2x4-v87g ECOSYSTEM 1.0",
        "GHSA-wcg3-cvx6-7396 SEMVER 0.1",
        "GHSA-wcg3-cvx6-7396 SEMVER 0.2",
        "PYSEC-2019-125 ECOSYSTEM 2019-09-12",
        "PYSEC-2021-371 ECOSYSTEM 0.2.0-n653",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(unreadable, expected);
    // node-fetch 2.6.7 is past one range of GHSA-r683-j2x4-v87g and inside the
    // unreadable other one (`1.0` to 3.1.1): said so, not guessed.
    let inv = {
        let (packages, roots) = merge(vec![Sighting::plain(
            "fn.zip",
            Found::new(
                Ecosystem::Npm,
                "node-fetch",
                "2.6.7",
                "p",
                EvidenceKind::Installed,
            ),
        )]);
        Inventory {
            packages,
            roots,
            ..Inventory::default()
        }
    };
    let report = match_inventory(inv, db);
    let unmatched: Vec<(&str, &str)> = report
        .unmatched
        .iter()
        .map(|u| (u.advisory.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        unmatched,
        [(
            "GHSA-r683-j2x4-v87g",
            "ECOSYSTEM range event `introduced: 1.0` does not parse: `1.0` is not a valid npm version: unexpected end of input while parsing minor version number"
        )]
    );
    assert_eq!(report.summary.unmatched, 1);
}
