//! Inventory of a near-maximum Lambda package (~250 MB unzipped) against two
//! baselines measured in the same run: listing the central directory only
//! (`unzip -l`, the lower bound) and extract-to-disk-then-walk (what
//! extract-first scanners do). Also reports peak heap during one inventory.
//!
//! Build the package first: `bash ../shared/corpus/build-large.sh` (writes
//! /tmp/perf-corpus/lambda-max.zip), or point LAMBDA_AUDIT_BENCH_ZIP at one.

use analyzer::archive::ArchiveTree;
use analyzer::inventory::{merge, Sighting};
use analyzer::{extract, Limits};
use criterion::{criterion_group, criterion_main, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Counts live heap bytes and their high-water mark.
struct PeakAlloc;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size > layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

fn package_zip() -> Option<PathBuf> {
    let path = std::env::var_os("LAMBDA_AUDIT_BENCH_ZIP")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/perf-corpus/lambda-max.zip"));
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: {} not found; build it with `bash ../shared/corpus/build-large.sh` \
             or set LAMBDA_AUDIT_BENCH_ZIP",
            path.display()
        );
        None
    }
}

/// The full engine path: read, open in memory, pick, inflate, parse, merge.
fn inventory(path: &Path) -> usize {
    let tree = ArchiveTree::open_path(path, &Limits::default()).expect("readable");
    let scan = extract::scan_tree(&tree, &extract::all());
    let sightings = scan
        .packages
        .into_iter()
        .map(|f| Sighting::plain(tree.name.clone(), f))
        .collect();
    merge(sightings).0.len()
}

/// What extract-first scanners do: unzip to disk, walk, read manifests.
fn extract_and_walk(path: &Path) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = Command::new("unzip")
        .args(["-q", "-o"])
        .arg(path)
        .arg("-d")
        .arg(dir.path())
        .status()
        .expect("unzip runs");
    assert!(status.success());
    let mut manifests = 0;
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable").flatten() {
            let p = e.path();
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(p);
            } else {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if matches!(
                    name.as_ref(),
                    "package.json" | "METADATA" | "package-lock.json"
                ) || name.ends_with(".jar")
                {
                    manifests += std::fs::read(&p).map(|b| b.len().min(1)).unwrap_or(0);
                }
            }
        }
    }
    manifests
}

fn bench(c: &mut Criterion) {
    let Some(zip) = package_zip() else { return };
    let compressed = std::fs::metadata(&zip).expect("stat").len();

    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = LIVE.load(Ordering::Relaxed);
    let packages = inventory(&zip);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    eprintln!(
        "lambda-audit inventory: {packages} packages; peak heap {:.1} MB (budget: compressed {:.1} MB + 64 MB = {:.1} MB)",
        peak as f64 / 1e6,
        compressed as f64 / 1e6,
        (compressed + (64 << 20)) as f64 / 1e6
    );

    let mut g = c.benchmark_group("lambda-max");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("baseline-unzip-l", |b| {
        b.iter(|| {
            let s = Command::new("unzip")
                .arg("-l")
                .arg(&zip)
                .stdout(Stdio::null())
                .status()
                .expect("unzip runs");
            assert!(s.success());
        })
    });
    g.bench_function("lambda-audit-inventory", |b| b.iter(|| inventory(&zip)));
    if std::env::var_os("LAMBDA_AUDIT_BENCH_SKIP_EXTRACT").is_none() {
        // One run per sample: each takes seconds.
        g.sample_size(10)
            .sampling_mode(criterion::SamplingMode::Flat)
            .measurement_time(Duration::from_secs(60));
        g.bench_function("baseline-extract-and-walk", |b| {
            b.iter(|| extract_and_walk(&zip))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
