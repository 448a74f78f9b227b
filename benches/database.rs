//! The advisory database at OSV's full size (`testkit::fullsize`: the shared
//! records ×9 plus 200,000 `MAL-` records, 243,002 records), generated into a
//! temporary folder from $LAMBDA_AUDIT_DB (else ../shared/advisories):
//! - compile time (wall and CPU, user + system: on a shared machine the
//!   CPU time is the steadier figure) and peak RSS of fresh compiles, each
//!   in a child process (this bench run again) reading its own VmHWM; the
//!   worst is printed, with the slowest compile's time per phase
//!   ([`Phases`](analyzer::advisories::index::Phases)), and the indexes
//!   written are checked to be byte-identical;
//! - index load + match of a 2,000-package inventory against the full-size
//!   and the shared database, and their ratio (target: under 2);
//! - the whole CLI scan of fixtures/corpus/node-basic.zip with the full-size
//!   index already compiled (target: under 20 ms).
//!
//! `cargo bench --bench database`; without the shared data it prints what it
//! skipped. With `LAMBDA_AUDIT_BENCH_FULLSIZE=<folder>` the full-size database
//! is kept there (generated when the folder holds none), so that repeated
//! runs and profilers skip the generation.

mod common;

use analyzer::advisories::fingerprint::checksum_file;
use analyzer::advisories::profile_compile;
use analyzer::advisories::{DatabaseOrigin, IndexCache};
use analyzer::inventory::Inventory;
use criterion::Criterion;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::measure::{cpu_time, peak_rss_kb};

/// Set in the child process: `<database>\n<index folder>` to compile.
const CHILD_ENV: &str = "LAMBDA_AUDIT_BENCH_COMPILE";
/// Fresh compiles measured, each in its own process.
const COMPILES: usize = 5;
/// Set by the caller: a folder to keep the generated full-size database in.
const KEEP_ENV: &str = "LAMBDA_AUDIT_BENCH_FULLSIZE";
/// Runs of each timed step for the printed medians.
const RUNS: usize = 15;

fn shared_advisories() -> Option<PathBuf> {
    let path = std::env::var_os("LAMBDA_AUDIT_DB")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/advisories"));
    if path.join("npm/all.zip").exists() {
        Some(path)
    } else {
        eprintln!(
            "\n*** SKIPPED benches/database.rs: no OSV exports at {} (set LAMBDA_AUDIT_DB to \
             a folder of <Ecosystem>/all.zip); nothing was measured ***\n",
            path.display()
        );
        None
    }
}

/// The child: compiles the database into an index file in the index folder
/// and prints the elapsed and CPU milliseconds, this process's peak RSS in
/// kB and the index's checksum on one line, the time of each phase on the
/// next.
fn child(spec: &str) {
    let (db, index) = spec.split_once('\n').expect("database and index folder");
    let index = Path::new(index).join("full.idx");
    let (start, cpu) = (Instant::now(), cpu_time());
    let (records, phases) = profile_compile(Path::new(db), &index).expect("compiles");
    let (elapsed, cpu) = (start.elapsed(), cpu_time() - cpu);
    assert!(records > 0);
    let checksum = checksum_file(&index).expect("the index reads back");
    println!("{} {} {} {checksum}", ms(elapsed), ms(cpu), peak_rss_kb());
    println!("{phases}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One fresh compile, as the child measured it.
struct Compile {
    wall_ms: f64,
    cpu_ms: f64,
    peak_kb: u64,
    /// xxh3-128 of the index written.
    checksum: String,
    /// The child's per-phase breakdown.
    phases: String,
}

/// Compiles `db` afresh in a child process.
fn compile_in_child(db: &Path) -> Compile {
    let index = tempfile::tempdir().expect("tempdir");
    let out = Command::new(std::env::current_exe().expect("bench binary"))
        .env(
            CHILD_ENV,
            format!("{}\n{}", db.display(), index.path().display()),
        )
        .output()
        .expect("child runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let (figures, phases) = text.trim_end().split_once('\n').expect("two lines");
    let fields: Vec<&str> = figures.split_whitespace().collect();
    let [wall_ms, cpu_ms, peak_kb, checksum] = fields[..] else {
        panic!("the child printed {text:?}");
    };
    let number = |v: &str| -> f64 { v.parse().expect("a number") };
    Compile {
        wall_ms: number(wall_ms),
        cpu_ms: number(cpu_ms),
        peak_kb: number(peak_kb) as u64,
        checksum: checksum.to_string(),
        phases: phases.to_string(),
    }
}

/// The median of `RUNS` runs of `f`.
fn median(mut f: impl FnMut()) -> Duration {
    let mut runs: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    runs.sort();
    runs[RUNS / 2]
}

fn load_and_match(cache: &IndexCache, db: &Path, inventory: &Inventory) -> usize {
    let opened = cache.open(db, DatabaseOrigin::Path).expect("opens");
    analyzer::matching::match_inventory(inventory.clone(), &opened)
        .findings
        .len()
}

/// One CLI scan of `fixture` against `db`, its index kept in `cache_dir`.
fn cli_scan(db: &Path, cache_dir: &Path, fixture: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .args(["scan", "--format", "json", "--output", "/dev/null", "--db"])
        .arg(db)
        .arg(fixture)
        .env("LAMBDA_AUDIT_CACHE_DIR", cache_dir)
        .output()
        .expect("lambda-audit runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The full-size database: kept in [`KEEP_ENV`]'s folder when it is set
/// (generated there when it holds none), else generated under `scratch`.
fn fullsize_database(shared: &Path, scratch: &Path) -> PathBuf {
    let kept = std::env::var_os(KEEP_ENV).filter(|v| !v.is_empty());
    let full = kept
        .clone()
        .map_or_else(|| scratch.join("fullsize"), PathBuf::from);
    if kept.is_some() && full.join("npm/all.zip").is_file() {
        println!("full-size database: kept in {}", full.display());
        return full;
    }
    let start = Instant::now();
    let made = testkit::fullsize::write(shared, &full).expect("full-size database");
    println!(
        "full-size database: {} records, {:.1} MB of zips (generated in {:.1} s)",
        made.records,
        made.zip_bytes as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    // An index records whether each source had settled (last changed more
    // than the margin before the compile): files written a moment ago are
    // not, so compiles right after the generation would differ in that flag
    // alone. Waiting lets every compile see the same files.
    std::thread::sleep(analyzer::advisories::fingerprint::SETTLE_MARGIN * 2);
    full
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        return child(&spec);
    }
    let Some(shared) = shared_advisories() else {
        return;
    };
    let scratch = tempfile::tempdir().expect("tempdir");
    let full = fullsize_database(&shared, scratch.path());

    let compiles: Vec<Compile> = (0..COMPILES).map(|_| compile_in_child(&full)).collect();
    let worst = |f: fn(&Compile) -> f64| compiles.iter().map(f).fold(0.0, f64::max);
    println!(
        "compile of the full-size database, {COMPILES} fresh processes: worst {:.0} ms wall, \
         worst {:.0} ms CPU, worst peak RSS {:.0} MB (targets: 2,000 ms wall, 400 MB); \
         runs (wall ms, CPU ms, MB): {:?}",
        worst(|c| c.wall_ms),
        worst(|c| c.cpu_ms),
        worst(|c| c.peak_kb as f64) / 1024.0,
        compiles
            .iter()
            .map(|c| (
                c.wall_ms.round() as u64,
                c.cpu_ms.round() as u64,
                c.peak_kb / 1024
            ))
            .collect::<Vec<_>>()
    );
    let slowest = compiles
        .iter()
        .max_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms))
        .expect("compiles");
    println!("phases of the slowest compile: {}", slowest.phases);
    assert!(
        compiles.iter().all(|c| c.checksum == slowest.checksum),
        "the compiles wrote different indexes: {:?}",
        compiles.iter().map(|c| &c.checksum).collect::<Vec<_>>()
    );
    println!(
        "every compile wrote the same index (xxh3-128 {})",
        slowest.checksum
    );

    let full_cache = IndexCache::new(scratch.path().join("index-full"));
    let shared_cache = IndexCache::new(scratch.path().join("index-shared"));
    let shared_db = shared_cache
        .open(&shared, DatabaseOrigin::Path)
        .expect("opens");
    let inventory = common::mixed_inventory(&shared_db, 200);
    drop(shared_db);
    let full_db = full_cache.open(&full, DatabaseOrigin::Path).expect("opens");
    drop(full_db);
    let on_full = median(|| {
        load_and_match(&full_cache, &full, &inventory);
    });
    let on_shared = median(|| {
        load_and_match(&shared_cache, &shared, &inventory);
    });
    println!(
        "index load + match of 2,000 packages: full-size {on_full:?}, shared {on_shared:?}, \
         ratio {:.2} (target: under 2)",
        on_full.as_secs_f64() / on_shared.as_secs_f64()
    );

    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/node-basic.zip");
    let cli_cache = scratch.path().join("cli-cache");
    cli_scan(&full, &cli_cache, &fixture);
    let scan_full = median(|| cli_scan(&full, &cli_cache, &fixture));
    let scan_shared = median(|| cli_scan(&shared, &cli_cache, &fixture));
    println!(
        "CLI scan of node-basic.zip: full-size database {:.1} ms, shared {:.1} ms \
         (target: under 20 ms)",
        scan_full.as_secs_f64() * 1000.0,
        scan_shared.as_secs_f64() * 1000.0
    );

    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut g = c.benchmark_group("database");
    g.bench_function("load-and-match-2000-full-size", |b| {
        b.iter(|| load_and_match(&full_cache, &full, &inventory))
    });
    g.bench_function("load-and-match-2000-shared", |b| {
        b.iter(|| load_and_match(&shared_cache, &shared, &inventory))
    });
    g.bench_function("cli-scan-node-basic-full-size", |b| {
        b.iter(|| cli_scan(&full, &cli_cache, &fixture))
    });
    g.finish();
    c.final_summary();
}
