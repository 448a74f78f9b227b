//! The SQLite schema and its migrations. `schema_version` holds the version;
//! each migration runs once, in order, in the transaction that records it.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Migrations, oldest first: migration `i` takes the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: subjects, scans, findings (each pointing at the shared description
    // of its advisory and package), history (whose unsent rows are the outbox).
    "
    CREATE TABLE subjects (
        key              TEXT PRIMARY KEY,
        kind             TEXT NOT NULL,
        code_sha256      TEXT,
        revision         INTEGER NOT NULL,
        first_scanned_at TEXT NOT NULL,
        last_scanned_at  TEXT NOT NULL,
        deleted_at       TEXT,
        digest           TEXT,
        active           INTEGER NOT NULL DEFAULT 0
    );
    -- Apart from the small, often rewritten subject rows.
    CREATE TABLE subject_inventories (
        subject   TEXT PRIMARY KEY REFERENCES subjects(key) ON DELETE CASCADE,
        inventory BLOB NOT NULL,
        packages  TEXT NOT NULL
    );
    CREATE TABLE subject_layers (
        subject  TEXT NOT NULL REFERENCES subjects(key) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        layer    TEXT NOT NULL,
        PRIMARY KEY (subject, position)
    ) WITHOUT ROWID;
    CREATE INDEX subject_layers_by_layer ON subject_layers(layer);
    CREATE TABLE scans (
        id       INTEGER PRIMARY KEY,
        subject  TEXT NOT NULL,
        at       TEXT NOT NULL,
        reason   TEXT NOT NULL,
        database TEXT NOT NULL,
        active   INTEGER NOT NULL
    );
    CREATE INDEX scans_by_subject ON scans(subject, id);
    CREATE TABLE finding_templates (
        key  TEXT PRIMARY KEY,
        body TEXT NOT NULL
    );
    CREATE TABLE findings (
        id                TEXT PRIMARY KEY,
        subject           TEXT NOT NULL,
        layer             TEXT,
        status            TEXT NOT NULL CHECK (status IN ('ACTIVE', 'SUPPRESSED', 'CLOSED')),
        first_observed_at TEXT NOT NULL,
        last_observed_at  TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        closed_at         TEXT,
        close_reason      TEXT,
        revision          INTEGER NOT NULL,
        template          TEXT NOT NULL REFERENCES finding_templates(key),
        locations         TEXT NOT NULL,
        loaded            INTEGER NOT NULL,
        suppressed_reason TEXT
    );
    CREATE INDEX findings_by_subject ON findings(subject);
    CREATE INDEX findings_by_status ON findings(status, closed_at);
    CREATE TABLE finding_history (
        finding    TEXT NOT NULL,
        revision   INTEGER NOT NULL,
        at         TEXT NOT NULL,
        transition TEXT NOT NULL,
        status     TEXT NOT NULL,
        reason     TEXT,
        event_id   TEXT NOT NULL UNIQUE,
        sent_at    TEXT,
        PRIMARY KEY (finding, revision)
    ) WITHOUT ROWID;
    CREATE INDEX finding_history_unsent ON finding_history(at, finding, revision) WHERE sent_at IS NULL;
    ",
    // 2: history clustered by subject. Finding ids and event ids are digests,
    // so every index keyed by them takes its writes at random places: a
    // rescan that writes 20,000 transitions dirtied most pages of each such
    // index at every commit. Keyed by subject first, the history of the
    // subjects a commit writes is a few neighbouring pages; the outbox order
    // is time then subject; the event id index holds unsent events only
    // (`mark_sent` looks nowhere else).
    "
    CREATE TABLE finding_history_v2 (
        subject    TEXT NOT NULL,
        finding    TEXT NOT NULL,
        revision   INTEGER NOT NULL,
        at         TEXT NOT NULL,
        transition TEXT NOT NULL,
        status     TEXT NOT NULL,
        reason     TEXT,
        event_id   TEXT NOT NULL,
        sent_at    TEXT,
        PRIMARY KEY (subject, finding, revision)
    ) WITHOUT ROWID;
    INSERT INTO finding_history_v2
        SELECT f.subject, h.finding, h.revision, h.at, h.transition, h.status, h.reason, h.event_id, h.sent_at
        FROM finding_history h JOIN findings f ON f.id = h.finding;
    DROP TABLE finding_history;
    ALTER TABLE finding_history_v2 RENAME TO finding_history;
    CREATE INDEX finding_history_unsent ON finding_history(at, subject, finding, revision) WHERE sent_at IS NULL;
    CREATE UNIQUE INDEX finding_history_unsent_events ON finding_history(event_id) WHERE sent_at IS NULL;
    ",
    // 3: why the last scan could not read an open finding's evidence (a gap);
    // such a finding keeps its own last_observed_at.
    "
    ALTER TABLE findings ADD COLUMN unread TEXT;
    ",
    // 4: how the deployed function is exposed, as its last scan judged it
    // (JSON: `level`, `description`), for rescans to score with; NULL for
    // layers, local artifacts and subjects stored before it was kept.
    "
    ALTER TABLE subjects ADD COLUMN exposure TEXT;
    ",
];

/// The schema version this build writes.
pub const CURRENT: i64 = MIGRATIONS.len() as i64;

/// Brings the schema to [`CURRENT`]: `Ok(None)` when done, `Ok(Some(found))`
/// when the file is newer than this build.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Option<i64>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let found: i64 = tx
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    if found > CURRENT {
        return Ok(Some(found));
    }
    for sql in &MIGRATIONS[usize::try_from(found).unwrap_or(0)..] {
        tx.execute_batch(sql)?;
    }
    if found == 0 {
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [CURRENT],
        )?;
    } else if found < CURRENT {
        tx.execute("UPDATE schema_version SET version = ?1", [CURRENT])?;
    }
    tx.commit()?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_history_moves_to_its_subject_and_keeps_what_was_sent() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);
             INSERT INTO schema_version VALUES (1);
             INSERT INTO finding_templates VALUES ('t', '{}');
             INSERT INTO findings (id, subject, status, first_observed_at, last_observed_at, updated_at,
                 revision, template, locations, loaded)
                 VALUES ('f1', 's1', 'CLOSED', 'a', 'a', 'b', 2, 't', '[]', 1);
             INSERT INTO finding_history VALUES ('f1', 1, 'a', 'new', 'ACTIVE', NULL, 'e1', 'x');
             INSERT INTO finding_history VALUES ('f1', 2, 'b', 'closed', 'CLOSED', 'package_removed', 'e2', NULL);",
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), None);
        let rows: Vec<(String, String, i64, Option<String>)> = conn
            .prepare(
                "SELECT subject, finding, revision, sent_at FROM finding_history ORDER BY revision",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                ("s1".into(), "f1".into(), 1, Some("x".into())),
                ("s1".into(), "f1".into(), 2, None)
            ]
        );
        let version: i64 = conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, CURRENT);
        // Only the unsent event is in the event index.
        let unsent: i64 = conn
            .query_row(
                "SELECT count(*) FROM finding_history INDEXED BY finding_history_unsent_events WHERE sent_at IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(unsent, 1);
    }

    #[test]
    fn a_subject_stored_before_its_exposure_was_kept_reads_as_not_known() {
        use crate::backends::sqlite::SqliteStore;
        use crate::FindingStore;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        let conn = Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);
             INSERT INTO schema_version VALUES (3);
             INSERT INTO subjects (key, kind, revision, first_scanned_at, last_scanned_at, active)
                 VALUES ('arn:aws:lambda:us-east-1:1:function:f:1', 'function', 1,
                         '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 0);",
        )
        .unwrap();
        drop(conn);
        let store = SqliteStore::open(&path).unwrap();
        let record = store
            .subject("arn:aws:lambda:us-east-1:1:function:f:1")
            .unwrap()
            .unwrap();
        assert_eq!(record.subject.exposure, None);
        assert_eq!(record.revision, 1);

        // A value that does not read back is an error naming it, not a default.
        let conn = Connection::open(&path).unwrap();
        conn.execute("UPDATE subjects SET exposure = '{\"level\": 7}'", [])
            .unwrap();
        drop(conn);
        let error = SqliteStore::open(&path)
            .unwrap()
            .subjects()
            .unwrap_err()
            .to_string();
        assert!(error.contains("exposure: "), "{error}");
    }
}
