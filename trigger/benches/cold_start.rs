//! The post-deploy trigger's cold start: loading its advisory database.
//!
//! - `map compiled index`: what a cold start costs with a database layer
//!   built by `lambda-audit db layer` (or an index compiled by an earlier
//!   invocation): the loader finds the compiled index and maps it;
//! - `compile`: what it costs without one (the records compiled into /tmp).
//!
//! Both are measured in the same run, and their ratio printed: the point of
//! shipping the index is that the first is a small fraction of the second.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lambda_audit_trigger::database::osv_loader;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The database the bench loads: for now the shared OSV exports
/// (`$LAMBDA_AUDIT_DB`, 4,778 records). Switch this one function to the
/// deterministic full-size generator (`testkit::fullsize`, about 243,000
/// records) once it is in the workspace.
fn database_under_test() -> Option<PathBuf> {
    testkit::shared_path("advisories")
}

fn cold_start(c: &mut Criterion) {
    let Some(db) = database_under_test() else {
        eprintln!("SKIPPED trigger cold_start bench: no shared advisory database");
        return;
    };
    let work = tempfile::tempdir().expect("a scratch folder");
    let index_dir = work.path().join("index");
    osv_loader(index_dir.clone())(&db).expect("the database compiles");

    let mut group = c.benchmark_group("trigger_cold_start");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("map compiled index", |b| {
        b.iter(|| osv_loader(index_dir.clone())(&db).expect("loads"))
    });
    group.bench_function("compile", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("a scratch folder"),
            |fresh| osv_loader(fresh.path().join("index"))(&db).expect("loads"),
            BatchSize::PerIteration,
        )
    });
    group.finish();

    // The ratio, from the same run.
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        for _ in 0..5 {
            f();
        }
        start.elapsed() / 5
    };
    let mapped = time(&|| {
        osv_loader(index_dir.clone())(&db).expect("loads");
    });
    let compiled = time(&|| {
        let fresh = tempfile::tempdir().expect("a scratch folder");
        osv_loader(fresh.path().join("index"))(&db).expect("loads");
    });
    println!(
        "trigger cold start: map {mapped:?}, compile {compiled:?}, ratio {:.3}",
        mapped.as_secs_f64() / compiled.as_secs_f64()
    );
}

criterion_group!(benches, cold_start);
criterion_main!(benches);
