//! The SQLite backend: schema and migrations, and the conformance suite every
//! backend passes (`testkit::store_conformance`: the lifecycle, the outbox,
//! retention, filters, large commits, conflicts, two writers).

use store::backends::sqlite::{SqliteStore, SCHEMA_VERSION};
use store::{FindingFilter, FindingStore, StoreError};
use testkit::store_conformance::{scan_a, Fresh};

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

/// A fresh store in its own temporary folder.
fn fresh() -> Option<Fresh> {
    let dir = tempfile::tempdir().unwrap();
    let store = Box::new(SqliteStore::open(&dir.path().join("s.db")).unwrap());
    Some(Fresh {
        store,
        guard: Box::new(dir),
    })
}

testkit::conformance_tests!(fresh());
