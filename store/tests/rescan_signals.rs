//! A rescan scores findings exactly as a fresh scan does: with the rescan's
//! KEV catalog and EPSS scores, the subject's stored exposure and the import
//! reachability of its stored inventory. Databases and signal files are
//! written by the tests.

mod support;

use analyzer::advisories::Database;
use analyzer::findings::{Finding, ScanReport};
use analyzer::inventory::Inventory;
use analyzer::kev::CatalogOrigin;
use analyzer::prioritize::{KevFile, Signals};
use analyzer::reachability::{ReachStatus, Reachability, ReachabilityReport};
use analyzer::risk::{Exposure, ExposureLevel};
use std::path::{Path, PathBuf};
use store::backends::sqlite::SqliteStore;
use store::{record, rescan, FindingFilter, FindingStore, RescanOptions, Retention, ScanReason};
use support::*;

/// An OSV record: `id` (aliased to `cve`) affects every npm `package` below 99.
fn osv(dir: &Path, id: &str, cve: &str, package: &str) {
    let record = serde_json::json!({
        "schema_version": "1.6.0", "id": id, "aliases": [cve],
        "modified": "2026-11-01T00:00:00Z", "summary": format!("{id} in {package}"),
        "affected": [{
            "package": {"ecosystem": "npm", "name": package},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "99.0.0"}]}],
        }],
        "database_specific": {"severity": "MEDIUM"},
    });
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{id}.json")), record.to_string()).unwrap();
}

/// A KEV catalog in CISA's layout listing `cves`.
fn kev_file(path: &Path, cves: &[&str]) -> PathBuf {
    std::fs::write(path, testkit::kev::catalog(cves, "Known")).unwrap();
    path.to_path_buf()
}

fn signals(kev: &Path, epss: Option<&Path>) -> Signals {
    let kev = KevFile {
        path: kev,
        origin: CatalogOrigin::Path,
    };
    Signals::read(Some(kev), epss).unwrap()
}

/// FUNCTION with minimist (which its handler does not import) and, in
/// LAYER, left-pad.
fn inventory() -> Inventory {
    let mut inventory = report(
        &[
            (FUNCTION, "minimist", "1.2.0"),
            (LAYER, "left-pad", "1.3.0"),
        ],
        &[],
    )
    .inventory;
    let minimist = analyzer::purl::build(analyzer::Ecosystem::Npm, "minimist", "1.2.0");
    inventory.reachability = vec![ReachabilityReport {
        handler: "index.handler".into(),
        entry: Some("index.js".into()),
        language: None,
        files_followed: 1,
        unknown_reason: None,
        packages: [(
            minimist,
            Reachability {
                status: ReachStatus::NotImported,
                chain: Vec::new(),
                reason: None,
            },
        )]
        .into(),
    }];
    inventory
}

/// A fresh scan of [`inventory`]: matched, then prioritised as `scan`,
/// `function` and the trigger do.
fn fresh_scan(db: &Database, signals: &Signals, exposure: &Exposure) -> ScanReport {
    let mut report = analyzer::matching::match_inventory(inventory(), db);
    signals.apply(&mut report, Some(exposure));
    report
}

fn options(signals: &Signals, at: i64) -> RescanOptions<'_> {
    RescanOptions {
        config: None,
        signals,
        now: day(at),
        retention: Retention::default(),
    }
}

/// The stored finding of `advisory` (a finding's id is its CVE, the
/// Records `report` as the function's first scan, on day 0.
fn record_first_scan(store: &SqliteStore, report: &ScanReport) {
    record(
        store,
        subject(FUNCTION, &[LAYER]),
        report,
        None,
        ScanReason::Function,
        day(0),
    )
    .unwrap();
}

/// record's id an alias).
fn stored(store: &dyn FindingStore, advisory: &str) -> Finding {
    store
        .findings(&FindingFilter::default())
        .unwrap()
        .into_iter()
        .find(|f| f.finding.id == advisory)
        .unwrap_or_else(|| panic!("no stored {advisory}"))
        .finding
}

fn by_id<'r>(report: &'r ScanReport, advisory: &str) -> &'r Finding {
    report.findings.iter().find(|f| f.id == advisory).unwrap()
}

#[test]
fn a_rescan_after_a_database_change_scores_as_the_first_scan_did() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
    osv(&v1, "ADV-1", "CVE-2000-0001", "minimist");
    osv(&v2, "ADV-1", "CVE-2000-0001", "minimist");
    osv(&v2, "ADV-2", "CVE-2000-0002", "left-pad");
    let (v1, v2) = (Database::open(&v1).unwrap(), Database::open(&v2).unwrap());
    let kev = kev_file(&dir.path().join("kev.json"), &["CVE-2000-0001"]);
    let epss = dir.path().join("epss.csv");
    std::fs::write(
        &epss,
        "cve,epss,percentile\nCVE-2000-0001,0.5,0.9\nCVE-2000-0002,0.1,0.4\n",
    )
    .unwrap();
    let signals = signals(&kev, Some(&epss));
    // Only event sources invoke it: a factor below 1, which a lost exposure
    // (unknown: 1) would change.
    let exposure = Exposure::event_sources_only();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();

    let first = fresh_scan(&v1, &signals, &exposure);
    let scanned = by_id(&first, "CVE-2000-0001").clone();
    assert!(scanned.priority.kev.is_some());
    assert_eq!(scanned.priority.risk.factors.reachability, 0.5);
    assert_eq!(scanned.priority.risk.factors.exposure, 0.7);
    record_first_scan(&store, &first);
    let kept = store.subject(FUNCTION).unwrap().unwrap().subject.exposure;
    assert_eq!(kept, Some(exposure.clone()), "stored with the subject");

    // The database changes: left-pad now has an advisory, so the subject is
    // re-matched in full (not just touched).
    let outcome = rescan(&store, &v2, &options(&signals, 1)).unwrap();
    assert_eq!(outcome.rematched, 1);
    assert_eq!(outcome.new.len(), 1, "{:?}", outcome.new);
    let after = stored(&store, "CVE-2000-0001");
    assert_eq!(
        after.priority, scanned.priority,
        "KEV, EPSS, reachability, risk"
    );
    assert_eq!(after.priority.kev.as_ref().unwrap().cve_id, "CVE-2000-0001");
    assert_eq!(after.priority.epss.unwrap().score, 0.5);

    // The new finding is scored exactly as a fresh scan against v2 scores it.
    let fresh = fresh_scan(&v2, &signals, &exposure);
    let new = &outcome.new[0].finding;
    assert_eq!(new.id, "CVE-2000-0002");
    assert_eq!(new.priority, by_id(&fresh, "CVE-2000-0002").priority);
    assert_eq!(new.priority.epss.unwrap().score, 0.1);
    assert_eq!(new.priority.risk.factors.exposure, 0.7);
    // What `--fail-on kev` and `--fail-on risk:N` judge.
    assert_eq!(outcome.activated_known_exploited, 0);
    assert_eq!(outcome.activated_top_risk, Some(new.priority.risk.score));
    let kept = store.subject(FUNCTION).unwrap().unwrap().subject.exposure;
    assert_eq!(kept.map(|e| e.level), Some(ExposureLevel::EventSourcesOnly));
}

#[test]
fn a_catalog_that_now_lists_a_cve_rewrites_its_findings_without_a_database_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    osv(&db, "ADV-1", "CVE-2000-0001", "minimist");
    let db = Database::open(&db).unwrap();
    let before = signals(&kev_file(&dir.path().join("k1.json"), &[]), None);
    let exposure = Exposure::function_url_without_auth();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let first = fresh_scan(&db, &before, &exposure);
    let unlisted = by_id(&first, "CVE-2000-0001").priority.risk.score;
    record_first_scan(&store, &first);

    // Same database, same catalog: nothing can have changed; not re-matched.
    let same = rescan(&store, &db, &options(&before, 1)).unwrap();
    assert_eq!((same.subjects, same.rematched), (1, 0));

    // CISA adds the CVE: the finding gains `kev` and a higher score.
    let after = signals(
        &kev_file(&dir.path().join("k2.json"), &["CVE-2000-0001"]),
        None,
    );
    let outcome = rescan(&store, &db, &options(&after, 2)).unwrap();
    assert_eq!(outcome.rematched, 1);
    let finding = stored(&store, "CVE-2000-0001");
    assert!(finding.priority.kev.is_some());
    let fresh = fresh_scan(&db, &after, &exposure);
    assert_eq!(finding.priority, by_id(&fresh, "CVE-2000-0001").priority);
    assert!(finding.priority.risk.score > unlisted);
}
