//! The advisory database: the layouts it reads, where it is found, the
//! compiled index, the embedded starter set checked against the real records,
//! and the time an index load plus a 2,000-package match takes.

use lambda_audit_analyzer::advisories::osv::{Affected, Osv};
use lambda_audit_analyzer::advisories::{
    starter, Database, DatabaseOrigin, DbError, IndexCache, Locations,
};
use lambda_audit_analyzer::inventory::{merge, Inventory, Sighting};
use lambda_audit_analyzer::matching::match_inventory;
use lambda_audit_analyzer::{Ecosystem, EvidenceKind, Found};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `<shared>/advisories`, the full OSV exports (`None` after a skip).
fn shared_advisories() -> Option<PathBuf> {
    testkit::shared_path("advisories")
}

/// The starter records (every file of the set) as separate JSON texts.
fn starter_records() -> Vec<serde_json::Value> {
    starter::FILES
        .iter()
        .flat_map(|(file, json)| {
            serde_json::from_str::<Vec<serde_json::Value>>(json)
                .unwrap_or_else(|e| panic!("starter {file} is not a JSON array: {e}"))
        })
        .collect()
}

/// Writes the starter records as loose `<id>.json` files into `dir`.
fn write_loose(dir: &Path) -> usize {
    let records = starter_records();
    for r in &records {
        let id = r["id"].as_str().unwrap();
        std::fs::write(dir.join(format!("{id}.json")), r.to_string()).unwrap();
    }
    records.len()
}

#[test]
fn embedded_starter_set_loads_whole() {
    let db = Database::embedded();
    let info = db.info();
    assert_eq!(info.source, DatabaseOrigin::Embedded);
    assert_eq!(info.records, starter_records().len());
    assert!(
        info.invalid_records.is_empty(),
        "{:?}",
        info.invalid_records
    );
    // 65 records for the original fixtures, 8 for the bundled Node.js ones,
    // 18 for the Go, Ruby and .NET ones.
    assert_eq!(info.records, 91);
    let lodash = db.lookup(Ecosystem::Npm, "lodash").unwrap();
    let ids: BTreeSet<&str> = lodash.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        BTreeSet::from([
            "GHSA-29mw-wpgm-hmr9",
            "GHSA-35jh-r3h4-6jhm",
            "GHSA-p6mc-m468-83gw",
            "NSWG-ECO-516"
        ])
    );
    // PyPI names are looked up PEP 503-normalised.
    assert_eq!(db.lookup(Ecosystem::PyPI, "JINJA2").unwrap().len(), 2);
    assert!(db.has_package(Ecosystem::Maven, "org.yaml:snakeyaml"));
    assert!(!db.has_package(Ecosystem::Maven, "org.yaml.snakeyaml"));
}

/// (ecosystem, name, non-GIT ranges) of the supported packages of a record.
fn affected_facts(osv: &Osv) -> BTreeSet<String> {
    osv.affected
        .iter()
        .filter(|a| {
            a.package
                .as_ref()
                .is_some_and(|p| Ecosystem::from_osv(&p.ecosystem).is_some())
        })
        .map(|a: &Affected| {
            let p = a.package.as_ref().unwrap();
            let ranges: Vec<String> = a
                .ranges
                .iter()
                .filter(|r| r.kind != "GIT")
                .map(|r| format!("{} {:?}", r.kind, r.events))
                .collect();
            format!("{} {} {:?}", p.ecosystem, p.name, ranges)
        })
        .collect()
}

#[test]
fn starter_records_agree_with_the_real_records() {
    let Some(dir) = shared_advisories() else {
        return;
    };
    let full = Database::open(&dir).unwrap();
    let starter = Database::embedded();
    let mut checked = 0;
    for id in starter.ids() {
        let mine = starter.record(id).unwrap().unwrap();
        let theirs = full
            .record(id)
            .unwrap()
            .unwrap_or_else(|| panic!("{id} is not in {}", dir.display()));
        assert_eq!(
            affected_facts(&mine),
            affected_facts(&theirs),
            "{id}: affected"
        );
        assert_eq!(mine.aliases, theirs.aliases, "{id}: aliases");
        assert_eq!(mine.severity, theirs.severity, "{id}: severity");
        assert_eq!(mine.withdrawn, theirs.withdrawn, "{id}: withdrawn");
        // Entries with no SEMVER/ECOSYSTEM range keep their enumerated versions.
        for (a, b) in mine.affected.iter().zip(&theirs.affected) {
            if a.ranges.is_empty() {
                assert_eq!(a.versions, b.versions, "{id}: versions");
            }
        }
        // Summaries are our own words, not the advisory's.
        assert!(
            mine.summary.as_deref().is_some_and(|s| !s.is_empty()),
            "{id}"
        );
        assert!(mine.details.is_none(), "{id}: no advisory text copied");
        checked += 1;
    }
    assert_eq!(checked, 91);
}

#[test]
fn reads_a_folder_of_exports_a_single_zip_and_loose_records() {
    let Some(dir) = shared_advisories() else {
        return;
    };
    let all = Database::open(&dir).unwrap().info();
    assert_eq!(all.records, 10303);
    let counts: Vec<(&str, usize)> = all
        .ecosystems
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    // Records name packages of several ecosystems (GitHub's records of
    // multi-ecosystem bugs): Go and NuGet entries in the Maven and npm exports.
    assert_eq!(
        counts,
        [
            ("Go", 4293),
            ("Maven", 378),
            ("NuGet", 9),
            ("PyPI", 2663),
            ("RubyGems", 1238),
            ("crates.io", 1213),
            ("npm", 528)
        ]
    );
    assert!(all.invalid_records.is_empty(), "{:?}", all.invalid_records);
    let npm = Database::open(&dir.join("npm/all.zip")).unwrap().info();
    assert_eq!(npm.records, 528);
    assert_eq!(npm.ecosystems.get("npm"), Some(&528));
    // Two npm records also name Maven artifacts.
    assert_eq!(npm.ecosystems.get("Maven"), Some(&2));
}

#[test]
fn loose_json_records_and_single_files() {
    let tmp = tempfile::tempdir().unwrap();
    let n = write_loose(tmp.path());
    std::fs::write(tmp.path().join("broken.json"), "{not json").unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "ignored").unwrap();
    let db = Database::open(tmp.path()).unwrap();
    let info = db.info();
    assert_eq!(info.records, n);
    assert_eq!(info.invalid_records.len(), 1);
    assert!(info.invalid_records[0].contains("broken.json: not an OSV record"));
    let one = tmp.path().join("RUSTSEC-2020-0071.json");
    let db = Database::open(&one).unwrap();
    assert_eq!(db.ids().collect::<Vec<_>>(), ["RUSTSEC-2020-0071"]);
    assert_eq!(db.lookup(Ecosystem::CratesIo, "time").unwrap().len(), 1);
}

#[test]
fn missing_or_empty_databases_are_errors_with_instructions() {
    let tmp = tempfile::tempdir().unwrap();
    let err = Database::open(tmp.path()).unwrap_err();
    assert!(matches!(err, DbError::Empty(_)));
    assert!(err.to_string().contains("lambda-audit db update"), "{err}");
    let err = Database::open(&tmp.path().join("nope")).unwrap_err();
    assert!(matches!(err, DbError::Missing(_)), "{err}");
    assert!(
        err.to_string()
            .contains("nope does not exist: run `lambda-audit db update`"),
        "{err}"
    );
    std::fs::write(tmp.path().join("x.txt"), "").unwrap();
    let err = Database::open(&tmp.path().join("x.txt")).unwrap_err();
    assert!(matches!(err, DbError::Unsupported(_)), "{err}");
    let locations = Locations {
        db_env: Some(tmp.path().join("nope")),
        cache_root: None,
    };
    assert!(
        locations.locate(None).is_err(),
        "a bad LAMBDA_AUDIT_DB is never skipped"
    );
}

#[test]
fn database_origins_are_named_the_same_in_reports_and_messages() {
    for origin in [
        DatabaseOrigin::Path,
        DatabaseOrigin::Cache,
        DatabaseOrigin::Embedded,
    ] {
        let json = serde_json::to_value(origin).unwrap();
        assert_eq!(json, origin.as_str());
        assert_eq!(origin.to_string(), origin.as_str());
        assert_eq!(
            serde_json::from_value::<DatabaseOrigin>(json).unwrap(),
            origin
        );
    }
}

#[test]
fn resolution_order_flag_env_cache_embedded() {
    let tmp = tempfile::tempdir().unwrap();
    let (flag, env, cache_root) = (
        tmp.path().join("flag"),
        tmp.path().join("env"),
        tmp.path().join("cache"),
    );
    for d in [&flag, &env, &cache_root.join("db")] {
        std::fs::create_dir_all(d).unwrap();
    }
    let record = |id: &str| {
        format!(
            r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"npm","name":"x"}},"versions":["1.0.0"]}}]}}"#
        )
    };
    std::fs::write(flag.join("a.json"), record("FLAG-1")).unwrap();
    std::fs::write(env.join("a.json"), record("ENV-1")).unwrap();
    std::fs::write(cache_root.join("db/a.json"), record("CACHE-1")).unwrap();
    let ids = |db: Database| {
        (
            db.info().source,
            db.ids().map(str::to_string).collect::<Vec<_>>(),
        )
    };
    let mut loc = Locations {
        db_env: Some(env.clone()),
        cache_root: Some(cache_root.clone()),
    };
    assert_eq!(
        ids(loc.locate(Some(&flag)).unwrap()),
        (DatabaseOrigin::Path, vec!["FLAG-1".into()])
    );
    assert_eq!(
        ids(loc.locate(None).unwrap()),
        (DatabaseOrigin::Path, vec!["ENV-1".into()])
    );
    loc.db_env = None;
    assert_eq!(
        ids(loc.locate(None).unwrap()),
        (DatabaseOrigin::Cache, vec!["CACHE-1".into()])
    );
    loc.cache_root = Some(tmp.path().join("empty-cache"));
    assert_eq!(
        loc.locate(None).unwrap().info().source,
        DatabaseOrigin::Embedded
    );
    // The compiled index went into the cache's index folder.
    let indexes = std::fs::read_dir(cache_root.join("index")).unwrap().count();
    assert_eq!(indexes, 3);
}

#[test]
fn compiled_index_is_reused_and_rebuilt_when_the_data_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let index_dir = tmp.path().join("index");
    std::fs::create_dir_all(&data).unwrap();
    let n = write_loose(&data);
    let index_cache = IndexCache::new(&index_dir);
    let first = index_cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert_eq!(first.info().records, n);
    let files: Vec<PathBuf> = std::fs::read_dir(&index_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let stamp = std::fs::metadata(&files[0]).unwrap().modified().unwrap();
    let again = index_cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert_eq!(
        std::fs::metadata(&files[0]).unwrap().modified().unwrap(),
        stamp
    );
    assert_eq!(again.lookup(Ecosystem::Npm, "lodash").unwrap().len(), 4);
    std::fs::remove_file(data.join("NSWG-ECO-516.json")).unwrap();
    let changed = index_cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert_eq!(changed.info().records, n - 1);
    assert_eq!(changed.lookup(Ecosystem::Npm, "lodash").unwrap().len(), 3);
    // A corrupt index file is rebuilt, not trusted.
    std::fs::write(&files[0], b"lambda-audit-ix1garbage").unwrap();
    let rebuilt = index_cache.open(&data, DatabaseOrigin::Path).unwrap();
    assert_eq!(rebuilt.info().records, n - 1);
}

/// A 2,000-package inventory: 200 packages the database names (at versions
/// that parse), 1,800 it does not.
fn big_inventory(db: &Database) -> Inventory {
    let named: Vec<(Ecosystem, String)> = db.packages().map(|(e, n)| (e, n.to_string())).collect();
    let mut sightings = Vec::new();
    for (i, (eco, name)) in named
        .iter()
        .step_by(named.len() / 200)
        .take(200)
        .enumerate()
    {
        let version = match eco {
            Ecosystem::Maven => format!("1.{i}"),
            _ => format!("1.{i}.0"),
        };
        sightings.push(Sighting::plain(
            "perf.zip",
            Found::new(*eco, name.clone(), version, "p", EvidenceKind::Installed),
        ));
    }
    for i in 0..1800 {
        let eco = Ecosystem::ALL[i % 4];
        let name = match eco {
            Ecosystem::Maven => format!("org.unlisted:artifact-{i}"),
            _ => format!("unlisted-package-{i}"),
        };
        sightings.push(Sighting::plain(
            "perf.zip",
            Found::new(eco, name, "1.0.0", "p", EvidenceKind::Installed),
        ));
    }
    let (packages, roots) = merge(sightings);
    assert_eq!(packages.len(), 2000);
    Inventory {
        packages,
        roots,
        ..Inventory::default()
    }
}

#[test]
fn index_load_and_match_of_2000_packages() {
    let Some(dir) = shared_advisories() else {
        return;
    };
    let index_dir = tempfile::tempdir().unwrap();
    let index_cache = IndexCache::new(index_dir.path());
    let start = Instant::now();
    let built = index_cache.open(&dir, DatabaseOrigin::Path).unwrap();
    let build = start.elapsed();
    let inventory = big_inventory(&built);
    drop(built);
    // Best of three, so that other work on the machine does not count.
    let mut runs = Vec::new();
    let mut report = None;
    for _ in 0..3 {
        let start = Instant::now();
        let db = index_cache.open(&dir, DatabaseOrigin::Path).unwrap();
        let load = start.elapsed();
        report = Some(match_inventory(inventory.clone(), &db));
        runs.push((start.elapsed(), load));
    }
    let (total, load) = runs.iter().min().copied().unwrap();
    let report = report.unwrap();
    eprintln!(
        "timing: index build {build:?}; index load {load:?}; load + match of 2,000 packages {total:?} \
         ({} findings, {} unmatched; {} build; runs {runs:?})",
        report.findings.len(),
        report.unmatched.len(),
        if cfg!(debug_assertions) { "debug" } else { "optimised" }
    );
    assert_eq!(report.summary.packages, 2000);
    assert!(!report.findings.is_empty());
    // Speed is measured by `cargo bench --bench matching`, never asserted here.
}
