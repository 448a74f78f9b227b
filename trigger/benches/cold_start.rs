//! The post-deploy trigger's cold start: loading its advisory database from
//! the compiled index a database layer ships (`lambda-audit db layer` puts
//! one index file at `/opt/lambda-audit/db`), which the loader maps.
//!
//! The database is OSV's full size (`testkit::fullsize`: 243,002 records),
//! generated once into a temporary folder from the shared records and
//! compiled into an index file; the shared database (4,778 records),
//! compiled the same way, is the baseline measured in the same run. The
//! point of the mapped index is that their ratio stays near 1: a cold start
//! costs the same whatever the database's size. The full-size compile the
//! index saves a cold start is printed too.
//!
//! `cargo bench -p lambda-audit-trigger --bench cold_start`.

use analyzer::advisories::Database;
use criterion::{criterion_group, criterion_main, Criterion};
use lambda_audit_trigger::database::osv_loader;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Loads per printed average.
const LOADS: u32 = 20;

/// Compiles the database at `db` into the index file `index`, as `db layer`
/// does; returns the records and the time it took.
fn compile(db: &Path, index: &Path) -> (usize, Duration) {
    let start = Instant::now();
    let compiled = Database::compile(db, index).expect("the database compiles");
    (compiled.info().records, start.elapsed())
}

/// A cold start's database load: a fresh loader (an empty work folder, as
/// in a new execution environment) mapping the shipped index.
fn cold_load(work: &Path, index: &Path) {
    let fresh = tempfile::tempdir_in(work).expect("a scratch folder");
    osv_loader(fresh.path().join("index"))(index).expect("loads");
}

fn average(work: &Path, index: &Path) -> Duration {
    let start = Instant::now();
    for _ in 0..LOADS {
        cold_load(work, index);
    }
    start.elapsed() / LOADS
}

fn cold_start(c: &mut Criterion) {
    let Some(shared) = testkit::shared_path("advisories") else {
        eprintln!("SKIPPED trigger cold_start bench: no shared advisory database");
        return;
    };
    let work = tempfile::tempdir().expect("a scratch folder");
    let full_db = work.path().join("fullsize");
    let made = testkit::fullsize::write(&shared, &full_db).expect("the full-size database");
    let full_index: PathBuf = work.path().join("full.idx");
    let shared_index: PathBuf = work.path().join("shared.idx");
    let (full_records, full_compile) = compile(&full_db, &full_index);
    let (shared_records, _) = compile(&shared, &shared_index);
    // A record listed in several ecosystems' exports (a GHSA naming npm and
    // Maven packages) is one record of the index.
    assert!(
        full_records <= made.records && full_records > made.records * 99 / 100,
        "{full_records} records compiled from {} generated",
        made.records
    );

    let mut group = c.benchmark_group("trigger_cold_start");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("map full-size index", |b| {
        b.iter(|| cold_load(work.path(), &full_index))
    });
    group.bench_function("map shared index", |b| {
        b.iter(|| cold_load(work.path(), &shared_index))
    });
    group.finish();

    // The ratio, from the same run.
    let full = average(work.path(), &full_index);
    let base = average(work.path(), &shared_index);
    println!(
        "trigger cold start, mapping the shipped index: full-size ({full_records} records) \
         {full:?}, shared ({shared_records} records) {base:?}, ratio {:.2}; compiling the \
         full-size database instead: {full_compile:?}",
        full.as_secs_f64() / base.as_secs_f64()
    );
}

criterion_group!(benches, cold_start);
criterion_main!(benches);
