//! The SQLite backend: schema and migrations, the lifecycle through a real
//! file, the outbox, retention, and layer use.

mod support;

use store::backends::sqlite::{SqliteStore, SCHEMA_VERSION};
use store::{
    close_subject, codec, record, CloseReason, FindingFilter, FindingStatus, FindingStore,
    Retention, ScanReason, StoreError, Transition,
};
use support::*;

fn scan_a(store: &dyn FindingStore, at: i64, version: &str) -> store::Recorded {
    let r = report(
        &[
            (FUNCTION, "minimist", version),
            (LAYER, "handlebars", "4.7.6"),
        ],
        if version == "1.2.0" {
            &[(0, "GHSA-min"), (1, "GHSA-hb")]
        } else {
            &[(1, "GHSA-hb")]
        },
    );
    record(
        store,
        subject(FUNCTION, &[LAYER]),
        &r,
        None,
        ScanReason::Function,
        day(at),
    )
    .unwrap()
}

#[test]
fn migrations_run_on_an_empty_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/store.db");
    drop(SqliteStore::open(&path).unwrap());
    // An empty file (zero bytes) is an empty database too.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let store = SqliteStore::open(&empty).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    for p in [&path, &empty] {
        let conn = rusqlite::Connection::open(p).unwrap();
        let versions: Vec<i64> = conn
            .prepare("SELECT version FROM schema_version")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(versions, [SCHEMA_VERSION]);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
    // Reopening migrates nothing again and keeps the data.
    let store = SqliteStore::open(&path).unwrap();
    scan_a(&store, 0, "1.2.0");
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.findings(&FindingFilter::default()).unwrap().len(), 2);
}

#[test]
fn a_store_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("UPDATE schema_version SET version = 99", [])
        .unwrap();
    let err = SqliteStore::open(&path).err().expect("refused");
    assert!(
        matches!(err, StoreError::NewerSchema { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade lambda-audit"), "{err}");
}

#[test]
fn the_lifecycle_through_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let first = scan_a(&store, 0, "1.2.0");
    assert_eq!((first.changes.len(), first.active), (2, 2));
    let all = store.findings(&FindingFilter::default()).unwrap();
    let hb = all.iter().find(|f| f.finding.id == "GHSA-hb").unwrap();
    assert_eq!(hb.layer.as_deref(), Some(LAYER));
    assert_eq!(
        all.iter()
            .find(|f| f.finding.id == "GHSA-min")
            .unwrap()
            .layer,
        None
    );

    // The same scan later: nothing changes, lastObservedAt moves on.
    assert!(scan_a(&store, 1, "1.2.0").changes.is_empty());
    let again = store.findings(&FindingFilter::default()).unwrap();
    assert!(again
        .iter()
        .all(|f| f.last_observed_at == day(1) && f.updated_at == day(0)));

    // minimist upgraded: its finding closes with the reason; the other stays.
    let upgraded = scan_a(&store, 2, "1.2.6");
    assert_eq!(upgraded.changes.len(), 1);
    let closed = store
        .findings(&FindingFilter {
            status: Some(FindingStatus::Closed),
            ..FindingFilter::default()
        })
        .unwrap();
    assert_eq!(closed.len(), 1);
    let c = &closed[0];
    assert_eq!(
        (c.close_reason, c.closed_at, c.last_observed_at),
        (Some(CloseReason::PackageUpgraded), Some(day(2)), day(1))
    );
    let json = serde_json::to_value(c).unwrap();
    assert_eq!(json["closeReason"], "package_upgraded");
    assert_eq!(json["status"], "CLOSED");

    // Downgraded again: reopened, same id, history kept.
    scan_a(&store, 3, "1.2.0");
    let history = store.history(&c.id).unwrap();
    let steps: Vec<_> = history
        .iter()
        .map(|h| (h.revision, h.transition, h.at))
        .collect();
    assert_eq!(
        steps,
        [
            (1, Transition::New, day(0)),
            (2, Transition::Closed, day(2)),
            (3, Transition::Reopened, day(3)),
        ]
    );
    assert_consistent(&store);

    // Scan history and the stored inventory.
    let scans = store.scans(FUNCTION).unwrap();
    assert_eq!(scans.len(), 4);
    assert_eq!(
        scans.iter().map(|s| s.active).collect::<Vec<_>>(),
        [2, 2, 1, 2]
    );
    let (_, bytes) = store.inventories(&[FUNCTION.into()]).unwrap().remove(0);
    assert_eq!(codec::decode(&bytes).unwrap().packages.len(), 2);
    assert_eq!(store.layer_uses().unwrap()[0].layer, LAYER);
}

#[test]
fn the_outbox_holds_every_transition_until_marked_sent() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    scan_a(&store, 0, "1.2.0");
    scan_a(&store, 1, "1.2.6");
    let pending = store.pending_events(100).unwrap();
    let kinds: Vec<_> = pending.iter().map(|e| e.transition).collect();
    assert_eq!(
        kinds,
        [Transition::New, Transition::New, Transition::Closed]
    );
    // Ids are deterministic: the transition that gave revision r has event_id(id, r).
    for e in &pending {
        let revision = if e.transition == Transition::Closed {
            2
        } else {
            1
        };
        assert_eq!(
            e.event_id,
            store::identity::event_id(&e.finding_id, revision)
        );
    }
    store
        .mark_sent(&[pending[0].event_id.clone()], day(2))
        .unwrap();
    let left: Vec<_> = store
        .pending_events(100)
        .unwrap()
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(
        left,
        [pending[1].event_id.clone(), pending[2].event_id.clone()]
    );
    assert_eq!(store.pending_events(1).unwrap().len(), 1);
}

#[test]
fn deleting_the_function_closes_its_findings_and_its_layer_use() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    scan_a(&store, 0, "1.2.0");
    let closed = close_subject(
        &store,
        FUNCTION,
        CloseReason::FunctionDeleted,
        ScanReason::Account,
        day(1),
    )
    .unwrap();
    assert_eq!(closed.changes.len(), 2);
    assert!(store
        .subject(FUNCTION)
        .unwrap()
        .unwrap()
        .deleted_at
        .is_some());
    assert!(store.layer_uses().unwrap().is_empty());
    assert!(store
        .findings(&FindingFilter::default())
        .unwrap()
        .iter()
        .all(|f| f.close_reason == Some(CloseReason::FunctionDeleted)));
    assert!(close_subject(
        &store,
        "never-stored",
        CloseReason::FunctionDeleted,
        ScanReason::Account,
        day(1)
    )
    .unwrap()
    .changes
    .is_empty());
}

#[test]
fn closed_findings_are_pruned_after_the_retention_with_their_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    scan_a(&store, 0, "1.2.0");
    scan_a(&store, 10, "1.2.6");
    let events = store.pending_events(100).unwrap();
    let closed_id = events[2].finding_id.clone();
    let retention = Retention::default();
    assert_eq!(
        store.prune(retention.cutoff(day(10 + 90))).unwrap(),
        0,
        "kept for 90 days"
    );
    assert_eq!(store.prune(retention.cutoff(day(10 + 91))).unwrap(), 1);
    let left = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, FindingStatus::Active);
    assert!(
        store.history(&closed_id).unwrap().is_empty(),
        "history pruned"
    );
    // Its events went with it; the open finding's stays to publish.
    let pending = store.pending_events(100).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].finding_id, left[0].id);
}

#[test]
fn filters() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    scan_a(&store, 0, "1.2.0");
    let count = |filter: FindingFilter| store.findings(&filter).unwrap().len();
    assert_eq!(
        count(FindingFilter {
            function: Some("orders".into()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        count(FindingFilter {
            function: Some("order".into()),
            ..Default::default()
        }),
        0
    );
    assert_eq!(
        count(FindingFilter {
            layer: Some(LAYER.into()),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        count(FindingFilter {
            layer: Some("arn:aws:lambda:us-east-1:123456789012:layer:deps".into()),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        count(FindingFilter {
            min_severity: Some(analyzer::findings::Rating::Critical),
            ..Default::default()
        }),
        0
    );
    assert_eq!(
        count(FindingFilter {
            since: Some(day(1)),
            ..Default::default()
        }),
        0
    );
}
