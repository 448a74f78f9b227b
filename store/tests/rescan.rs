//! Rescans against a real database (the embedded starter set): new findings
//! from stored inventories alone, the same findings the engine gives, nothing
//! new the second time, suppressions applied and lifted at their expiry.

mod support;

use analyzer::advisories::Database;
use analyzer::prioritize::Signals;
use analyzer::suppress::Config;
use store::backends::sqlite::SqliteStore;
use store::{
    codec, record, rescan, FindingFilter, FindingStatus, FindingStore, RescanOptions, Retention,
    ScanReason,
};
use support::*;

const MINIMIST_ADVISORY: &str = "GHSA-xvch-5gv4-984h";

/// A store holding FUNCTION, scanned when no advisory named its packages.
fn stored() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let r = report(
        &[
            (FUNCTION, "minimist", "1.2.0"),
            (LAYER, "left-pad", "1.3.0"),
        ],
        &[],
    );
    record(
        &store,
        subject(FUNCTION, &[LAYER]),
        &r,
        None,
        ScanReason::Function,
        day(0),
    )
    .unwrap();
    (dir, store)
}

/// The signals of a rescan without KEV or EPSS files: the starter catalog.
static STARTER: std::sync::LazyLock<Signals> = std::sync::LazyLock::new(Signals::starter);

fn options(config: Option<&Config>, at: i64) -> RescanOptions<'_> {
    RescanOptions {
        config,
        signals: &STARTER,
        now: day(at),
        retention: Retention::default(),
    }
}

#[test]
fn a_rescan_finds_what_the_engine_finds_and_only_once() {
    let (_dir, store) = stored();
    let db = Database::embedded();
    let first = rescan(&store, &db, &options(None, 1)).unwrap();
    assert_eq!(first.subjects, 1);
    let advisories: Vec<&str> = first.new.iter().map(|f| f.finding.id.as_str()).collect();
    assert!(advisories.contains(&MINIMIST_ADVISORY), "{advisories:?}");
    assert!(first
        .new
        .iter()
        .all(|f| f.status == FindingStatus::Active && f.first_observed_at == day(1)));
    assert_eq!(first.active, first.new.len());

    // Exactly the engine's findings for the stored inventory.
    let (_, bytes) = store.inventories(&[FUNCTION.into()]).unwrap().remove(0);
    let engine = analyzer::matching::match_inventory(codec::decode(&bytes).unwrap(), &db);
    let mut stored: Vec<_> = store
        .findings(&FindingFilter::default())
        .unwrap()
        .into_iter()
        .map(|f| f.finding)
        .collect();
    stored.sort_by(|a, b| (&a.package, &a.id).cmp(&(&b.package, &b.id)));
    assert_eq!(stored, engine.findings);

    let second = rescan(&store, &db, &options(None, 2)).unwrap();
    assert!(second.new.is_empty() && second.closed.is_empty() && second.reopened.is_empty());
    assert_eq!(second.active, first.active);
    let scans = store.scans(FUNCTION).unwrap();
    assert_eq!(
        scans.iter().map(|s| s.reason).collect::<Vec<_>>(),
        [ScanReason::Function, ScanReason::Rescan, ScanReason::Rescan]
    );
    assert!(
        scans[1].database.starts_with("embedded"),
        "{}",
        scans[1].database
    );
    assert!(store
        .findings(&FindingFilter::default())
        .unwrap()
        .iter()
        .all(|f| f.last_observed_at == day(2)));
    assert_consistent(&store);
}

#[test]
fn suppressions_apply_at_rescan_and_lift_when_they_expire() {
    let (_dir, store) = stored();
    let db = Database::embedded();
    let config = Config::parse(
        "lambda-audit.toml",
        &format!("[[ignore]]\nid = \"{MINIMIST_ADVISORY}\"\nreason = \"build-time only\"\nuntil = 2026-01-05\n"),
    )
    .unwrap();
    let first = rescan(&store, &db, &options(Some(&config), 1)).unwrap();
    let minimist = first
        .new
        .iter()
        .find(|f| f.finding.id == MINIMIST_ADVISORY)
        .unwrap();
    assert_eq!(minimist.status, FindingStatus::Suppressed);
    assert_eq!(
        minimist.finding.suppressed_reason.as_deref(),
        Some("build-time only")
    );
    assert!(first.activated().all(|f| f.finding.id != MINIMIST_ADVISORY));

    let expired = rescan(&store, &db, &options(Some(&config), 10)).unwrap();
    let ids: Vec<&str> = expired
        .unsuppressed
        .iter()
        .map(|f| f.finding.id.as_str())
        .collect();
    assert_eq!(ids, [MINIMIST_ADVISORY]);
    assert_eq!(expired.unsuppressed[0].status, FindingStatus::Active);
    assert!(expired
        .activated()
        .any(|f| f.finding.id == MINIMIST_ADVISORY));
    assert!(
        expired
            .warnings
            .iter()
            .any(|w| w.message.contains("expired")),
        "{:?}",
        expired.warnings
    );
    let history = store.history(&expired.unsuppressed[0].id).unwrap();
    assert_eq!(history.len(), 2);
    assert_consistent(&store);
}

#[test]
fn a_rescan_prunes_closed_findings_past_the_retention() {
    let (_dir, store) = stored();
    let db = Database::embedded();
    let found = rescan(&store, &db, &options(None, 1)).unwrap().new.len();
    assert!(found > 0);
    // Upgraded: every minimist finding closes.
    let r = report(
        &[
            (FUNCTION, "minimist", "1.2.8"),
            (LAYER, "left-pad", "1.3.0"),
        ],
        &[],
    );
    let closed = record(
        &store,
        subject(FUNCTION, &[LAYER]),
        &r,
        None,
        ScanReason::Function,
        day(2),
    )
    .unwrap();
    assert_eq!(closed.changes.len(), found);
    let kept = rescan(&store, &db, &options(None, 2 + 90)).unwrap();
    assert_eq!(kept.pruned, 0);
    let pruned = rescan(&store, &db, &options(None, 2 + 91)).unwrap();
    assert_eq!(pruned.pruned, found);
    assert!(store
        .findings(&FindingFilter::default())
        .unwrap()
        .is_empty());
}

#[test]
fn a_stored_inventory_that_does_not_read_is_a_failure_not_a_silence() {
    let (dir, store) = stored();
    rusqlite::Connection::open(dir.path().join("s.db"))
        .unwrap()
        .execute("UPDATE subject_inventories SET inventory = x'00'", [])
        .unwrap();
    let outcome = rescan(&store, &Database::embedded(), &options(None, 1)).unwrap();
    assert_eq!(outcome.failed.len(), 1);
    assert!(
        outcome.failed[0]
            .1
            .contains("stored inventory cannot be read"),
        "{:?}",
        outcome.failed
    );
}

#[test]
fn a_subject_scanned_with_the_same_database_and_rules_is_not_rematched() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let db = Database::embedded();
    let config = Config::parse(
        "lambda-audit.toml",
        "[[ignore]]\npackage = \"lodash\"\nreason = \"r\"\n",
    )
    .unwrap();
    // As `scan --store` does: match, suppress, record.
    let inventory = report(
        &[
            (FUNCTION, "minimist", "1.2.0"),
            (FUNCTION, "minimist", "1.2.0"),
        ],
        &[],
    )
    .inventory;
    let mut matched = analyzer::matching::match_inventory(inventory, &db);
    analyzer::suppress::apply_suppressions(&mut matched, &config, store::time::date(day(0)));
    record(
        &store,
        subject(FUNCTION, &[]),
        &matched,
        Some(&config),
        ScanReason::Scan,
        day(0),
    )
    .unwrap();
    let same = rescan(&store, &db, &options(Some(&config), 1)).unwrap();
    assert_eq!(
        (same.subjects, same.rematched),
        (1, 0),
        "the digest says nothing changed"
    );
    assert!(same.new.is_empty() && same.closed.is_empty());
    // Two copies of the package: one finding per advisory.
    let distinct: std::collections::BTreeSet<&str> =
        matched.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(same.active, distinct.len());
    // Other rules: rematched, and nothing changes since they match nothing.
    let other = Config::parse(
        "lambda-audit.toml",
        "[[ignore]]\npackage = \"x\"\nreason = \"r\"\n",
    )
    .unwrap();
    let changed = rescan(&store, &db, &options(Some(&other), 2)).unwrap();
    assert_eq!(changed.rematched, 1);
    assert!(changed.new.is_empty() && changed.closed.is_empty());
    // Another database: rematched; its findings all close.
    let empty = Database::from_compiled(Default::default());
    let gone = rescan(&store, &empty, &options(Some(&other), 3)).unwrap();
    assert_eq!(gone.rematched, 1);
    assert_eq!(gone.closed.len(), distinct.len());
    assert!(gone
        .closed
        .iter()
        .all(|f| f.close_reason == Some(store::CloseReason::AdvisoryWithdrawn)));
}
