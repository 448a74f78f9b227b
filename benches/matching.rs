//! Advisory database and matching speed on the real OSV data in
//! ../shared/advisories (read in place; set LAMBDA_AUDIT_DB to point elsewhere):
//! - import: parse every record of every ecosystem and build the index;
//! - index load: open the compiled index a previous run left in the cache;
//! - index load + match of a 2,000-package inventory (target: under 20 ms).

mod common;

use analyzer::advisories::{Database, DatabaseOrigin, IndexCache};
use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;

fn advisories() -> Option<PathBuf> {
    let path = std::env::var_os("LAMBDA_AUDIT_DB")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/advisories"));
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

fn bench(c: &mut Criterion) {
    let Some(dir) = advisories() else { return };
    let cache = tempfile::tempdir().expect("tempdir");
    let index_cache = IndexCache::new(cache.path());
    let db = index_cache.open(&dir, DatabaseOrigin::Path).expect("opens");
    // Typical: one package in ten is named by some advisory (in lambda-max,
    // 12 of 279 packages have findings at their installed versions).
    let typical = common::mixed_inventory(&db, 200);
    // Worst case: every package has advisories.
    let worst = common::mixed_inventory(&db, 2000);
    drop(db);

    let mut g = c.benchmark_group("advisories");
    g.sample_size(10);
    g.bench_function("import-all-records", |b| {
        b.iter(|| Database::open(&dir).expect("opens"))
    });
    g.sample_size(50);
    g.bench_function("index-load", |b| {
        b.iter(|| index_cache.open(&dir, DatabaseOrigin::Path).expect("opens"))
    });
    for (label, inv) in [("typical", &typical), ("all-with-advisories", &worst)] {
        g.bench_function(format!("index-load-and-match-2000-{label}"), |b| {
            b.iter(|| {
                let db = index_cache.open(&dir, DatabaseOrigin::Path).expect("opens");
                analyzer::matching::match_inventory(inv.clone(), &db)
                    .findings
                    .len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
