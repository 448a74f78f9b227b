//! Rescan speed and memory: 10,000 stored function inventories of 200
//! packages each (drawn from the packages of the corpus fixtures in
//! `fixtures/corpus/`), rescanned with the SQLite store against the real OSV
//! data in ../shared/advisories (`LAMBDA_AUDIT_DB` elsewhere).
//!
//! Figures: the first rescan (every finding new: the heaviest write), a
//! second one (nothing changed: the daily case), and the baseline measured in
//! the same run: decoding and matching every stored inventory with
//! `match_inventory`, one by one, without the store's lifecycle. Peak RSS
//! (VmHWM, reset before each phase) for each. Targets: the rescan under 5 s,
//! under 500 MB.
//!
//! `LAMBDA_AUDIT_BENCH_SUBJECTS` changes the number of inventories. It lives
//! in the store crate, whose build needs no AWS SDK: `cargo bench -p
//! lambda-audit-store --bench rescan`.

use analyzer::advisories::{Database, DatabaseOrigin, IndexCache};
use analyzer::archive::ArchiveTree;
use analyzer::inventory::{merge, ArtifactInfo, ArtifactKind, Inventory, Sighting};
use analyzer::Package;
use std::path::{Path, PathBuf};
use std::time::Instant;
use store::backends::sqlite::SqliteStore;
use store::{
    codec, package_list, Commit, FindingStore, RescanOptions, Retention, ScanReason, ScanRecord,
    Subject, SubjectKind,
};

const PACKAGES_PER_INVENTORY: usize = 200;
const BATCH: usize = 500;

fn advisories() -> Option<PathBuf> {
    let path = std::env::var_os("LAMBDA_AUDIT_DB")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/advisories")
        });
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: no advisory data at {} (set LAMBDA_AUDIT_DB)",
            path.display()
        );
        None
    }
}

/// Every package of every corpus fixture, as scanned.
fn corpus_packages() -> Vec<Package> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/corpus");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("zip" | "jar")))
        .collect();
    paths.sort();
    let extractors = analyzer::extract::all();
    let limits = analyzer::Limits::default();
    paths
        .iter()
        .flat_map(|p| {
            let tree = ArchiveTree::open_path(p, &limits).expect("a fixture opens");
            let name = tree.name.clone();
            let scan = analyzer::extract::scan_tree(&tree, &extractors);
            let sightings = scan
                .packages
                .into_iter()
                .map(|found| Sighting::plain(name.clone(), found))
                .collect();
            merge(sightings).0
        })
        .collect()
}

fn key(i: usize) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:bench-{i:05}:1")
}

/// Inventory `i`: 200 packages from the pool, starting at a different place
/// for each subject; a package drawn twice is a second copy at another path.
fn inventory(i: usize, pool: &[Package]) -> Inventory {
    let name = key(i);
    let packages = (0..PACKAGES_PER_INVENTORY)
        .map(|j| {
            let mut p = pool[(i * 37 + j) % pool.len()].clone();
            let copy = (i * 37 + j) / pool.len() % 2;
            for l in &mut p.locations {
                l.artifact = name.clone();
                if copy > 0 {
                    l.path = format!("copy{copy}/{}", l.path);
                }
            }
            p
        })
        .collect();
    Inventory {
        artifacts: vec![ArtifactInfo {
            name,
            role: ArtifactKind::Function,
            layer_index: None,
            mount: Some("/var/task".into()),
            size_bytes: 1,
            files: PACKAGES_PER_INVENTORY,
            jars: Vec::new(),
        }],
        packages,
        ..Inventory::default()
    }
}

/// Stores `n` inventories, no findings yet (as if scanned with an empty database).
fn populate(store: &SqliteStore, pool: &[Package], n: usize) {
    let now = store::time::now();
    for start in (0..n).step_by(BATCH) {
        let batch: Vec<Commit> = (start..(start + BATCH).min(n))
            .map(|i| Commit {
                subject: Subject {
                    key: key(i),
                    kind: SubjectKind::Function,
                    code_sha256: None,
                    layers: Vec::new(),
                },
                expected_revision: None,
                inventory: Some({
                    let inventory = inventory(i, pool);
                    (
                        codec::encode(&inventory),
                        package_list::encode(&inventory.packages),
                    )
                }),
                digest: None,
                scan: ScanRecord {
                    subject: key(i),
                    at: now,
                    reason: ScanReason::Scan,
                    database: String::new(),
                    active: 0,
                },
                deleted: false,
                changes: Vec::new(),
            })
            .collect();
        store.commit(&batch).expect("populate");
    }
}

/// Peak resident memory so far (VmHWM), in MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets the peak to the current RSS (Linux: `5` into clear_refs).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> (T, f64) {
    reset_peak();
    let start = Instant::now();
    let out = f();
    let secs = start.elapsed().as_secs_f64();
    println!("{what:<44} {secs:>8.2} s  peak RSS {:>7.0} MB", peak_mb());
    (out, secs)
}

/// The baseline: every stored inventory decoded and matched on its own.
fn baseline(store: &SqliteStore, db: &Database) -> usize {
    let keys: Vec<String> = store
        .subjects()
        .unwrap()
        .into_iter()
        .map(|s| s.subject.key)
        .collect();
    let mut findings = 0;
    for chunk in keys.chunks(256) {
        for (_, bytes) in store.inventories(chunk).unwrap() {
            let inventory = codec::decode(&bytes).unwrap();
            findings += analyzer::matching::match_inventory(inventory, db)
                .findings
                .len();
        }
    }
    findings
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(dir) = advisories() else { return };
    let subjects: usize = std::env::var("LAMBDA_AUDIT_BENCH_SUBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let work = tempfile::tempdir().expect("tempdir");
    let db = IndexCache::new(work.path())
        .open(&dir, DatabaseOrigin::Path)
        .expect("the database opens");
    let pool = corpus_packages();
    println!(
        "{subjects} inventories of {PACKAGES_PER_INVENTORY} packages from a pool of {} corpus packages; {} advisories",
        pool.len(),
        db.info().records
    );
    let path = work.path().join("store.db");
    let store = SqliteStore::open(&path).expect("the store opens");
    timed("setup: store the inventories", || {
        populate(&store, &pool, subjects)
    });
    let options = RescanOptions {
        config: None,
        now: store::time::now(),
        retention: Retention::default(),
    };
    let (first, _) = timed("rescan 1 (every finding new)", || {
        store::rescan(&store, &db, &options).expect("rescan")
    });
    let (second, secs) = timed("rescan 2 (nothing changed)", || {
        store::rescan(&store, &db, &options).expect("rescan")
    });
    let (matched, base) = timed("baseline: decode + match_inventory each", || {
        baseline(&store, &db)
    });
    println!(
        "rescan 1: {} new findings ({} active); rescan 2: {} new, {} closed; baseline found {matched} (with duplicate copies)",
        first.new.len(),
        first.active,
        second.new.len(),
        second.closed.len()
    );
    println!(
        "subjects rematched in full: rescan 1 {} of {}, rescan 2 {} of {}",
        first.rematched, first.subjects, second.rematched, second.subjects
    );
    println!("rescan 2 / baseline: {:.2}", secs / base);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(Path::new(&format!("{}-wal", path.display())))
            .map(|m| m.len())
            .unwrap_or(0);
    println!("store size: {:.0} MB", size as f64 / 1e6);
}
