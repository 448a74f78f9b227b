//! `lambda-audit rescan` prioritises as `scan` does: a finding KEV-listed at
//! its first scan keeps `kev` and the same risk score after a rescan against
//! a changed database; the KEV sources come in the same order (`--kev` over
//! `LAMBDA_AUDIT_KEV`); `--epss` fills `epss`; `--fail-on kev` judges the
//! findings the rescan made ACTIVE by their KEV entry. Databases, the KEV
//! catalog and the EPSS file are written by the test; the stored findings are
//! read back with `findings --format sarif` (its results carry `risk`,
//! `kevDateAdded` and `epss`).

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{lambda_audit_env, zip_of, Run};

/// minimist's advisory (its CVE is the finding's id).
const MINIMIST: (&str, &str, &str) = ("TEST-MINIMIST", "CVE-2099-1111", "minimist");
/// handlebars' advisory, only in the second database.
const HANDLEBARS: (&str, &str, &str) = ("TEST-HANDLEBARS", "CVE-2099-2222", "handlebars");

fn write(path: PathBuf, bytes: &[u8]) -> String {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// A database folder of OSV records `(id, cve, npm package)`, each fixed in 99.
fn database(dir: &Path, name: &str, records: &[(&str, &str, &str)]) -> String {
    for (id, cve, package) in records {
        let record = serde_json::json!({
            "schema_version": "1.6.0", "id": id, "aliases": [cve],
            "modified": "2026-11-01T00:00:00Z", "summary": format!("test advisory for {package}"),
            "affected": [{
                "package": {"ecosystem": "npm", "name": package},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "99.0.0"}]}],
            }],
            "database_specific": {"severity": "MEDIUM"},
        });
        write(
            dir.join(name).join(format!("{id}.json")),
            record.to_string().as_bytes(),
        );
    }
    dir.join(name).display().to_string()
}

/// A KEV catalog in CISA's layout listing `cves`.
fn kev(dir: &Path, name: &str, cves: &[&str]) -> String {
    write(
        dir.join(name),
        testkit::kev::catalog(cves, "Unknown").as_bytes(),
    )
}

/// Runs lambda-audit with its own cache and store, `kev` as `LAMBDA_AUDIT_KEV`.
fn run(dir: &Path, kev: &str, args: &[&str]) -> Run {
    let cache = dir.join("cache").display().to_string();
    let store = dir.join("store.db").display().to_string();
    let mut all = args.to_vec();
    all.extend(["--store", &store]);
    lambda_audit_env(
        &all,
        &[
            ("LAMBDA_AUDIT_DB", ""),
            ("LAMBDA_AUDIT_CACHE_DIR", &cache),
            ("LAMBDA_AUDIT_STORE", ""),
            ("LAMBDA_AUDIT_KEV", kev),
        ],
    )
}

/// The stored SARIF result of the finding `cve`: its `properties`.
fn stored(dir: &Path, cve: &str) -> Value {
    let out = run(dir, "", &["findings", "--format", "sarif"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == cve)
        .unwrap_or_else(|| panic!("no stored {cve}: {sarif:#}"))["properties"]
        .clone()
}

#[test]
fn rescans_keep_kev_and_risk_and_take_the_kev_and_epss_sources_of_scan() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db1 = database(d, "db1", &[MINIMIST]);
    let db2 = database(d, "db2", &[MINIMIST, HANDLEBARS]);
    let listed = kev(d, "kev.json", &[MINIMIST.1]);
    let both = kev(d, "both.json", &[MINIMIST.1, HANDLEBARS.1]);
    let epss = write(
        d.join("epss.csv"),
        format!("cve,epss,percentile\n{},0.5,0.9\n", MINIMIST.1).as_bytes(),
    );
    let package = |name: &str, version: &str| {
        format!(r#"{{"name": "{name}", "version": "{version}"}}"#).into_bytes()
    };
    let function = write(
        d.join("function.zip"),
        &zip_of(&[
            ("index.js", b"exports.handler = async () => 1;\n"),
            (
                "node_modules/minimist/package.json",
                &package("minimist", "1.2.0"),
            ),
            (
                "node_modules/handlebars/package.json",
                &package("handlebars", "4.7.6"),
            ),
        ]),
    );

    // The first scan: minimist's CVE is KEV-listed (LAMBDA_AUDIT_KEV).
    let first = run(
        d,
        &listed,
        &["scan", &function, "--db", &db1, "--format", "json"],
    );
    assert_eq!(first.code, 1, "{}", first.stderr);
    let scanned = stored(d, MINIMIST.1);
    assert_eq!(scanned["kevDateAdded"], "2025-03-04", "{scanned}");
    let risk = scanned["risk"].as_u64().unwrap();

    // The database changes (handlebars now has an advisory): the subject is
    // re-matched, and minimist's finding keeps its KEV entry and its score.
    let rescan = run(
        d,
        &listed,
        &[
            "rescan",
            "--db",
            &db2,
            "--format",
            "json",
            "--fail-on",
            "kev",
        ],
    );
    assert_eq!(
        rescan.code, 0,
        "the new finding is not known exploited: {}",
        rescan.stderr
    );
    let out: Value = serde_json::from_str(&rescan.stdout).unwrap();
    assert_eq!(out["summary"]["rematched"], 1, "{out:#}");
    assert_eq!(out["new"][0]["advisory"], HANDLEBARS.1);
    let after = stored(d, MINIMIST.1);
    assert_eq!(after["kevDateAdded"], "2025-03-04", "{after}");
    assert_eq!(after["risk"].as_u64(), Some(risk), "{after} vs {scanned}");
    assert!(after.get("epss").is_none(), "no EPSS given: {after}");

    // `--epss` fills `epss`, and the score grows by 20 × 0.5.
    let rescan = run(d, &listed, &["rescan", "--db", &db2, "--epss", &epss]);
    assert_eq!(rescan.code, 0, "{}", rescan.stderr);
    let scored = stored(d, MINIMIST.1);
    assert_eq!(scored["epss"], 0.5, "{scored}");
    assert_eq!(scored["kevDateAdded"], "2025-03-04");
    assert_eq!(scored["risk"].as_u64(), Some(risk + 10), "{scored}");

    // `--kev` wins over LAMBDA_AUDIT_KEV: a catalog without the CVE drops it.
    let unlisted = kev(d, "unlisted.json", &["CVE-1999-0001"]);
    let rescan = run(d, &listed, &["rescan", "--db", &db2, "--kev", &unlisted]);
    assert_eq!(rescan.code, 0, "{}", rescan.stderr);
    let dropped = stored(d, MINIMIST.1);
    assert!(dropped.get("kevDateAdded").is_none(), "{dropped}");
    assert!(dropped["risk"].as_u64().unwrap() < risk);

    // A rescan that makes a known-exploited finding ACTIVE fails `--fail-on
    // kev`: handlebars' advisory withdrawn, then back with its CVE listed.
    let withdrawn = run(d, &both, &["rescan", "--db", &db1, "--fail-on", "kev"]);
    assert_eq!(withdrawn.code, 0, "{}", withdrawn.stderr);
    let reopened = run(d, &both, &["rescan", "--db", &db2, "--fail-on", "kev"]);
    assert_eq!(reopened.code, 1, "{}", reopened.stderr);

    // A KEV file named but unreadable is an error, not the starter set.
    let missing = d.join("missing.json").display().to_string();
    let bad = run(d, &listed, &["rescan", "--db", &db2, "--kev", &missing]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("cannot read KEV catalog"),
        "{}",
        bad.stderr
    );
}
