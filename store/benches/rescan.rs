//! Rescan speed and memory: 10,000 stored function inventories of 200
//! packages each (drawn from the packages of the corpus fixtures in
//! `fixtures/corpus/`), rescanned with the SQLite store against the real OSV
//! data in ../shared/advisories (`LAMBDA_AUDIT_DB` elsewhere), then against
//! the full-size database (`testkit::fullsize`: the shared records, eight
//! renamed replicas of each and 200,000 `MAL-` npm records; generated into
//! the bench's temporary folder).
//!
//! Phases, each in a fresh process so that its peak RSS (VmHWM) and CPU time
//! are its own, each database on its own copy of the populated store:
//! - rescan 1: the inventories were stored without findings, so every
//!   finding is new and every subject is matched and written in full (the
//!   heaviest write: a first rescan after a large database import);
//! - rescan 2: the same database again, the daily case (every subject's
//!   digest proves nothing can have changed; target: under 5 s, 500 MB);
//! - the baseline, measured in the same run: a sample of the inventories
//!   decoded and matched one by one with `match_inventory`, no store.
//!
//! Each phase reports wall time, CPU time (user + system, from
//! /proc/self/stat), VmHWM, and the load average when it started (the
//! machine is shared: a high load stretches wall time, not CPU time).
//!
//! `LAMBDA_AUDIT_BENCH_SUBJECTS` changes the number of inventories;
//! `LAMBDA_AUDIT_BENCH_FULLSIZE=0` leaves the full-size database out. It
//! lives in the store crate, whose build needs no AWS SDK: `cargo bench -p
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
    Subject, SubjectKind, Transition,
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
                    exposure: None,
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

/// CPU time of this process so far (user + system), in seconds, from
/// /proc/self/stat (fields 14 and 15, in clock ticks of 1/100 s: Linux's
/// `USER_HZ` on every architecture it exports to user space).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    fields.iter().sum::<f64>() / 100.0
}

/// The 1-minute load average now.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// What one measured phase did, as its child process reports it.
struct Phase {
    secs: f64,
    cpu_secs: f64,
    peak_mb: f64,
    /// The 1-minute load average when the phase started.
    load: f64,
    /// Findings new, subjects, subjects rematched, findings active.
    counts: [usize; 4],
}

/// Environment of a child process: the phase, the store, the index cache,
/// the advisory database.
const PHASE_ENV: &str = "RESCAN_BENCH_PHASE";
const STORE_ENV: &str = "RESCAN_BENCH_STORE";
const CACHE_ENV: &str = "RESCAN_BENCH_CACHE";
const DB_ENV: &str = "RESCAN_BENCH_DB";
/// Subjects the baseline matches one by one (it is slow: a sample).
const BASELINE_SAMPLE: usize = 500;

/// Runs `phase` against `store` and the database `db` in a fresh process
/// (so its peak RSS is its own) and reads its report.
fn phase(name: &str, store: &Path, db: &Path, cache: &Path) -> Phase {
    let out = std::process::Command::new(std::env::current_exe().expect("the bench binary"))
        .env(PHASE_ENV, name)
        .env(STORE_ENV, store)
        .env(CACHE_ENV, cache)
        .env(DB_ENV, db)
        .output()
        .expect("the phase runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("PHASE "))
        .unwrap_or_else(|| {
            panic!(
                "{name} reported nothing: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let v: Vec<f64> = line.split(' ').filter_map(|x| x.parse().ok()).collect();
    Phase {
        secs: v[0],
        cpu_secs: v[1],
        peak_mb: v[2],
        load: v[3],
        counts: [v[4] as usize, v[5] as usize, v[6] as usize, v[7] as usize],
    }
}

/// The body of a child process: one phase against the store, then its report.
fn run_phase(name: &str) {
    let load = load_average();
    let store =
        SqliteStore::open(Path::new(&std::env::var_os(STORE_ENV).expect("store"))).expect("opens");
    let cache = PathBuf::from(std::env::var_os(CACHE_ENV).expect("cache"));
    let dir = PathBuf::from(std::env::var_os(DB_ENV).expect("database"));
    let db = IndexCache::new(&cache)
        .open(&dir, DatabaseOrigin::Path)
        .expect("the database opens");
    let (start, cpu) = (Instant::now(), cpu_secs());
    let counts = if name == "baseline" {
        [baseline(&store, &db), BASELINE_SAMPLE, BASELINE_SAMPLE, 0]
    } else {
        let signals = analyzer::prioritize::Signals::starter();
        let options = RescanOptions {
            config: None,
            signals: &signals,
            now: store::time::now(),
            retention: Retention::default(),
        };
        let o = store::rescan(&store, &db, &options).expect("rescan");
        [o.count(Transition::New), o.subjects, o.rematched, o.active]
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "PHASE {secs} {} {} {load} {} {} {} {}",
        cpu_secs() - cpu,
        peak_mb(),
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    );
}

/// The baseline: a sample of the stored inventories, each decoded and
/// matched on its own (findings found).
fn baseline(store: &SqliteStore, db: &Database) -> usize {
    let keys: Vec<String> = store
        .subjects()
        .unwrap()
        .into_iter()
        .take(BASELINE_SAMPLE)
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

/// Copies the SQLite store at `from` (closed) to `to`.
fn copy_store(from: &Path, to: &Path) {
    for suffix in ["", "-wal"] {
        let source = PathBuf::from(format!("{}{suffix}", from.display()));
        if source.exists() {
            std::fs::copy(&source, format!("{}{suffix}", to.display())).expect("store copy");
        }
    }
}

/// The phases against one database, on its own copy of the populated store.
fn phases(label: &str, db: &Path, store: &Path, cache: &Path, subjects: usize) {
    let report = |what: &str, p: &Phase| {
        println!(
            "{label}: {what:<40} wall {:>7.2} s  CPU {:>7.2} s  VmHWM {:>6.0} MB  load {:>5.2}  new {:>7}  subjects {:>6}  rematched {:>6}  active {:>7}",
            p.secs, p.cpu_secs, p.peak_mb, p.load, p.counts[0], p.counts[1], p.counts[2], p.counts[3]
        );
    };
    let first = phase("rescan", store, db, cache);
    report("rescan 1: every finding new", &first);
    let second = phase("rescan", store, db, cache);
    report("rescan 2: same database (daily case)", &second);
    let base = phase("baseline", store, db, cache);
    let per_subject = base.secs / BASELINE_SAMPLE as f64;
    println!(
        "{label}: baseline: decode + match_inventory, {BASELINE_SAMPLE} subjects one by one: wall {:.2} s, CPU {:.2} s ({:.1} ms each; {:.0} s for {subjects}), VmHWM {:.0} MB, load {:.2}",
        base.secs,
        base.cpu_secs,
        per_subject * 1e3,
        per_subject * subjects as f64,
        base.peak_mb,
        base.load
    );
    println!(
        "{label}: ratios to the baseline for {subjects} subjects: rescan 1 {:.3}, rescan 2 {:.4}",
        first.secs / (per_subject * subjects as f64),
        second.secs / (per_subject * subjects as f64)
    );
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", store.display())).ok())
        .map(|m| m.len())
        .sum();
    println!("{label}: store size: {:.0} MB", size as f64 / 1e6);
}

/// Opens (and so compiles into the index cache) the database at `dir`;
/// returns its record count.
fn warm(dir: &Path, cache: &Path) -> usize {
    IndexCache::new(cache)
        .open(dir, DatabaseOrigin::Path)
        .expect("the database opens")
        .info()
        .records
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(dir) = advisories() else { return };
    if let Ok(name) = std::env::var(PHASE_ENV) {
        return run_phase(&name);
    }
    let subjects: usize = std::env::var("LAMBDA_AUDIT_BENCH_SUBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let fullsize = std::env::var("LAMBDA_AUDIT_BENCH_FULLSIZE").map_or(true, |v| v != "0");
    let work = tempfile::tempdir().expect("tempdir");
    let records = warm(&dir, work.path());
    let pool = corpus_packages();
    println!(
        "{subjects} inventories of {PACKAGES_PER_INVENTORY} packages from a pool of {} corpus packages; {} advisories",
        pool.len(),
        records
    );
    let path = work.path().join("store.db");
    let store = SqliteStore::open(&path).expect("the store opens");
    let start = Instant::now();
    populate(&store, &pool, subjects);
    println!(
        "setup: {subjects} inventories stored in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    drop(store);
    let full_store = work.path().join("store-fullsize.db");
    if fullsize {
        copy_store(&path, &full_store);
    }
    phases("shared", &dir, &path, work.path(), subjects);
    if !fullsize {
        return;
    }
    let full = work.path().join("fullsize");
    let start = Instant::now();
    let made = testkit::fullsize::write(&dir, &full).expect("the full-size database");
    let compile = Instant::now();
    let records = warm(&full, work.path());
    println!(
        "full-size database: {} records ({:.0} MB of zips) generated in {:.1} s, indexed in {:.1} s; {records} advisories",
        made.records,
        made.zip_bytes as f64 / 1e6,
        (compile - start).as_secs_f64(),
        compile.elapsed().as_secs_f64()
    );
    phases("full-size", &full, &full_store, work.path(), subjects);
}
