//! lambda-audit against `cargo audit`, side by side in one run, on the same
//! Cargo.lock (this repository's own, several hundred crates) and the same
//! RustSec data: cargo audit reads the advisory-db repository (markdown), and
//! lambda-audit reads the OSV rendering of the same snapshot
//! (../shared/advisories/crates.io/all.zip, from RustSec's `osv` branch).
//!
//! Needs `cargo install cargo-audit` and a checkout of rustsec/advisory-db at
//! the same snapshot, named by LAMBDA_AUDIT_RUSTSEC_DB (default /tmp/advisory-db).
//! Prints both id sets and their difference; times both with criterion.

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

struct Setup {
    lock_dir: tempfile::TempDir,
    rustsec: PathBuf,
    osv: PathBuf,
}

fn setup() -> Option<Setup> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rustsec = std::env::var_os("LAMBDA_AUDIT_RUSTSEC_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/advisory-db"));
    let osv = root.join("../shared/advisories/crates.io/all.zip");
    let have_audit = Command::new("cargo")
        .args(["audit", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_audit || !rustsec.join("crates").is_dir() || !osv.exists() {
        eprintln!(
            "SKIPPED: needs `cargo install cargo-audit`, an advisory-db checkout at {} \
             (LAMBDA_AUDIT_RUSTSEC_DB) and {}",
            rustsec.display(),
            osv.display()
        );
        return None;
    }
    let lock_dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(root.join("Cargo.lock"), lock_dir.path().join("Cargo.lock")).expect("copy");
    Some(Setup {
        lock_dir,
        rustsec,
        osv,
    })
}

fn cargo_audit(s: &Setup) -> Value {
    let out = Command::new("cargo")
        .args(["audit", "--no-fetch", "--stale", "--json", "--db"])
        .arg(&s.rustsec)
        .arg("--file")
        .arg(s.lock_dir.path().join("Cargo.lock"))
        .output()
        .expect("cargo audit runs");
    serde_json::from_slice(&out.stdout).expect("cargo audit JSON")
}

fn lambda_audit(s: &Setup) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .args(["scan", "--format", "json", "--db"])
        .arg(&s.osv)
        .arg(s.lock_dir.path())
        .output()
        .expect("lambda-audit runs");
    serde_json::from_slice(&out.stdout).expect("lambda-audit JSON")
}

/// (advisory id, crate, version) from cargo audit: vulnerabilities and warnings
/// (unmaintained, unsound), which RustSec's OSV export carries as records too.
fn audit_ids(v: &Value) -> BTreeSet<(String, String, String)> {
    let mut ids = BTreeSet::new();
    let mut add = |x: &Value| {
        if let (Some(id), Some(name), Some(ver)) = (
            x.pointer("/advisory/id").and_then(Value::as_str),
            x.pointer("/package/name").and_then(Value::as_str),
            x.pointer("/package/version").and_then(Value::as_str),
        ) {
            ids.insert((id.to_string(), name.to_string(), ver.to_string()));
        }
    };
    for x in v
        .pointer("/vulnerabilities/list")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add(x);
    }
    if let Some(warnings) = v.get("warnings").and_then(Value::as_object) {
        for list in warnings.values().filter_map(Value::as_array) {
            list.iter().for_each(&mut add);
        }
    }
    ids
}

fn lambda_ids(v: &Value) -> BTreeSet<(String, String, String)> {
    let mut ids = BTreeSet::new();
    for f in v["findings"].as_array().into_iter().flatten() {
        let all = std::iter::once(&f["id"]).chain(f["aliases"].as_array().into_iter().flatten());
        for id in all
            .filter_map(Value::as_str)
            .filter(|i| i.starts_with("RUSTSEC-"))
        {
            ids.insert((
                id.to_string(),
                f["package"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["package"]["version"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ));
        }
    }
    ids
}

fn compare(s: &Setup) {
    let a = audit_ids(&cargo_audit(s));
    let l = lambda_ids(&lambda_audit(s));
    eprintln!(
        "cargo audit: {} (id, crate, version) findings; lambda-audit: {}",
        a.len(),
        l.len()
    );
    for x in a.difference(&l) {
        eprintln!("  only cargo audit: {x:?}");
    }
    for x in l.difference(&a) {
        eprintln!("  only lambda-audit: {x:?}");
    }
    if a == l {
        eprintln!("  same advisory ids");
    }
}

fn bench(c: &mut Criterion) {
    let Some(s) = setup() else { return };
    compare(&s);
    let mut g = c.benchmark_group("cargo-lock");
    g.sample_size(20);
    g.bench_function("cargo-audit", |b| b.iter(|| cargo_audit(&s)));
    g.bench_function("lambda-audit", |b| b.iter(|| lambda_audit(&s)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
