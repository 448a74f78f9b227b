//! Advisory database and matching speed on the real OSV data in
//! ../shared/advisories (read in place; set LAMBDA_AUDIT_DB to point elsewhere):
//! - import: parse every record of every ecosystem and build the index;
//! - index load: open the compiled index a previous run left in the cache;
//! - index load + match of a 2,000-package inventory (target: under 20 ms).

use analyzer::advisories::Database;
use analyzer::inventory::{merge, Inventory, Sighting};
use analyzer::{Ecosystem, EvidenceKind, Found};
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

/// 2,000 packages named like the database's own packages (so every lookup hits
/// records and ranges are evaluated), at versions spread over their history.
fn inventory(db_dir: &std::path::Path) -> Inventory {
    let index = std::fs::read_to_string(db_dir.join("index.tsv")).unwrap_or_default();
    let mut names: Vec<(Ecosystem, String)> = index
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let eco = Ecosystem::from_osv(cols.next()?)?;
            let _id = cols.next()?;
            let pkg = cols.next()?.split(',').next()?.to_string();
            Some((eco, pkg))
        })
        .collect();
    names.sort();
    names.dedup();
    let versions = |eco: Ecosystem, i: usize| match eco {
        Ecosystem::Maven => format!("{}.{}.{}", 1 + i % 5, i % 13, i % 7),
        _ => format!("{}.{}.{}", i % 4, i % 11, i % 9),
    };
    let sightings = (0..2000)
        .map(|i| {
            let (eco, name) = &names[i % names.len().max(1)];
            let found = Found::new(
                *eco,
                name,
                versions(*eco, i),
                "lock",
                EvidenceKind::Lockfile,
            );
            Sighting::plain("bench", found)
        })
        .collect();
    let (packages, _) = merge(sightings);
    Inventory {
        packages,
        ..Inventory::default()
    }
}

fn bench(c: &mut Criterion) {
    let Some(dir) = advisories() else { return };
    let cache = tempfile::tempdir().expect("tempdir");
    let inv = inventory(&dir);
    eprintln!("inventory: {} distinct packages", inv.packages.len());

    let mut g = c.benchmark_group("advisories");
    g.sample_size(10);
    g.bench_function("import-all-records", |b| {
        b.iter(|| Database::open_with(&dir, "path", None).expect("opens"))
    });
    // Build the compiled index once; later opens read it.
    Database::open_with(&dir, "path", Some(cache.path())).expect("opens");
    g.sample_size(50);
    g.bench_function("index-load", |b| {
        b.iter(|| Database::open_with(&dir, "path", Some(cache.path())).expect("opens"))
    });
    g.bench_function("index-load-and-match-2000", |b| {
        b.iter(|| {
            let db = Database::open_with(&dir, "path", Some(cache.path())).expect("opens");
            analyzer::matching::match_inventory(inv.clone(), &db)
                .findings
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
