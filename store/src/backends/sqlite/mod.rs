//! The embedded backend: one SQLite file (`rusqlite`, SQLite compiled in, so
//! nothing to install), for the CLI and CI.
//!
//! WAL journal (readers never block the writer), `synchronous = NORMAL` (a
//! committed write survives a crash of the process; a power loss may lose the
//! last ones, never consistency), a busy timeout so that concurrent
//! processes wait their turn, and every commit batch in one immediate
//! transaction that checks each subject's revision first. A finding row
//! points at its shared description (`finding_templates`: advisory, package,
//! severity, fix, references), stored once however many subjects have it;
//! the history rows not yet marked sent are the outbox.

mod rows;
mod schema;
mod write;

use super::Backend;
use crate::finding_store::{
    Commit, CommitOutcome, FindingFilter, FindingStore, LayerUse, StoreError, SubjectRecord,
};
use crate::model::{HistoryEntry, OutboxEvent, ScanRecord, StoredFinding};
use analyzer::findings::Finding;
use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub use schema::CURRENT as SCHEMA_VERSION;

/// SQLite's page cache, in KiB: finding ids are digests, so their index
/// pages are touched at random; SQLite's default (2 MiB) makes a large
/// rescan re-read them from the file over and over.
pub const PAGE_CACHE_KIB: u32 = 64 * 1024;

/// How long a writer waits for another process's transaction to end.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The SQLite backend: takes every location (it is the fallback, last in the list).
pub const BACKEND: Backend = Backend {
    name: "sqlite",
    takes: every_location,
    open: open_boxed,
};

fn every_location(_: &str) -> bool {
    true
}

fn open_boxed(location: &str) -> Result<Box<dyn FindingStore>, StoreError> {
    Ok(Box::new(SqliteStore::open(Path::new(location))?))
}

/// A findings store in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating it and its folder when missing) and migrates the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let location = path.display().to_string();
        let fail = |message: String| StoreError::Backend {
            location: location.clone(),
            message,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| fail(format!("cannot create {}: {e}", parent.display())))?;
        }
        let mut conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .and_then(|_| {
                conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            })
            .and_then(|_| {
                conn.execute_batch(&format!(
                    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -{};",
                    PAGE_CACHE_KIB
                ))
            })
            .map_err(|e| fail(e.to_string()))?;
        if let Some(found) = schema::migrate(&mut conn).map_err(|e| fail(e.to_string()))? {
            return Err(StoreError::NewerSchema {
                location,
                found,
                known: schema::CURRENT,
            });
        }
        Ok(SqliteStore {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// SQLite's own consistency check (`PRAGMA integrity_check`): `ok`, or the problems.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.fail(e))
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Backend {
            location: self.location(),
            message: e.to_string(),
        }
    }

    fn corrupt(&self, what: String, message: String) -> StoreError {
        StoreError::Corrupt {
            location: self.location(),
            what,
            message,
        }
    }

    /// Runs a query whose rows read into `Result<T, String>` (a value that
    /// does not read back is [`StoreError::Corrupt`], named by `what`).
    fn rows<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        what: &str,
        read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<Result<T, String>>,
    ) -> Result<Vec<T>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params, read)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.fail(e))?;
        rows.into_iter()
            .map(|r| r.map_err(|m| self.corrupt(what.to_string(), m)))
            .collect()
    }

    /// Findings of a query on [`rows::FINDING_COLUMNS`], each shared
    /// description read and parsed once.
    fn read_findings(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<StoredFinding>, StoreError> {
        let raw = self.rows(sql, params, "finding", |row| {
            Ok(Ok(rows::finding_row(row)?))
        })?;
        let keys: Vec<String> = raw
            .iter()
            .map(|r| r.template.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let bodies = self.rows(
            "SELECT key, body FROM finding_templates WHERE key IN (SELECT value FROM json_each(?1))",
            [json_list(&keys)],
            "finding description",
            |row| Ok(Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))),
        )?;
        let mut templates: HashMap<String, Finding> = HashMap::with_capacity(bodies.len());
        for (key, body) in bodies {
            let finding = serde_json::from_str(&body)
                .map_err(|e| self.corrupt(format!("finding description {key}"), e.to_string()))?;
            templates.insert(key, finding);
        }
        raw.into_iter()
            .map(|r| {
                let id = r.id().to_string();
                r.into_model(&templates)
                    .map_err(|m| self.corrupt(format!("finding {id}"), m))
            })
            .collect()
    }

    /// Layer lists of every subject (or of `key` alone), in merge order.
    fn layers(&self, key: Option<&str>) -> Result<HashMap<String, Vec<String>>, StoreError> {
        let pairs = self.rows(
            "SELECT subject, layer FROM subject_layers WHERE ?1 IS NULL OR subject = ?1 ORDER BY subject, position",
            [key],
            "layer list",
            |row| Ok(Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))),
        )?;
        let mut layers: HashMap<String, Vec<String>> = HashMap::new();
        for (subject, layer) in pairs {
            layers.entry(subject).or_default().push(layer);
        }
        Ok(layers)
    }

    fn subject_records(&self, key: Option<&str>) -> Result<Vec<SubjectRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM subjects WHERE ?1 IS NULL OR key = ?1 ORDER BY key",
            rows::SUBJECT_COLUMNS
        );
        let raw = self.rows(&sql, [key], "subject", |row| {
            Ok(Ok(rows::subject_row(row)?))
        })?;
        let mut layers = self.layers(key)?;
        raw.into_iter()
            .map(|row| {
                let key = row.key.clone();
                let list = layers.remove(&key).unwrap_or_default();
                rows::subject_model(row, list)
                    .map_err(|m| self.corrupt(format!("subject {key}"), m))
            })
            .collect()
    }
}

/// A list of keys as one JSON parameter, for `IN (SELECT value FROM json_each(?))`.
fn json_list(keys: &[String]) -> String {
    serde_json::to_string(keys).unwrap_or_else(|_| "[]".into())
}

impl FindingStore for SqliteStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn subject(&self, key: &str) -> Result<Option<SubjectRecord>, StoreError> {
        Ok(self.subject_records(Some(key))?.pop())
    }

    fn subjects(&self) -> Result<Vec<SubjectRecord>, StoreError> {
        self.subject_records(None)
    }

    fn subject_findings(&self, keys: &[String]) -> Result<Vec<StoredFinding>, StoreError> {
        let sql = format!(
            "SELECT {} FROM findings f JOIN subjects s ON s.key = f.subject \
             WHERE f.subject IN (SELECT value FROM json_each(?1)) ORDER BY f.subject, f.id",
            rows::FINDING_COLUMNS
        );
        self.read_findings(&sql, [json_list(keys)])
    }

    fn package_lists(&self, keys: &[String]) -> Result<Vec<(String, String)>, StoreError> {
        self.rows(
            "SELECT subject, packages FROM subject_inventories \
             WHERE subject IN (SELECT value FROM json_each(?1)) ORDER BY subject",
            [json_list(keys)],
            "package list",
            |row| Ok(Ok((row.get(0)?, row.get(1)?))),
        )
    }

    fn inventories(&self, keys: &[String]) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.rows(
            "SELECT subject, inventory FROM subject_inventories \
             WHERE subject IN (SELECT value FROM json_each(?1)) ORDER BY subject",
            [json_list(keys)],
            "inventory",
            |row| Ok(Ok((row.get(0)?, row.get(1)?))),
        )
    }

    fn commit(&self, batch: &[Commit]) -> Result<Vec<CommitOutcome>, StoreError> {
        let mut conn = self.conn();
        write::commit(&mut conn, batch).map_err(|e| self.fail(e))
    }

    fn findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>, StoreError> {
        let sql = format!(
            "SELECT {} FROM findings f JOIN subjects s ON s.key = f.subject \
             WHERE ?1 IS NULL OR f.status = ?1 ORDER BY f.subject, f.id",
            rows::FINDING_COLUMNS
        );
        let mut found = self.read_findings(&sql, [filter.status.map(|s| s.as_str())])?;
        found.retain(|f| filter.matches(f));
        Ok(found)
    }

    fn history(&self, finding: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        self.rows(
            "SELECT finding, revision, at, transition, status, reason FROM finding_history \
             WHERE subject = (SELECT subject FROM findings WHERE id = ?1) AND finding = ?1 \
             ORDER BY revision",
            [finding],
            "history entry",
            rows::history_entry,
        )
    }

    fn scans(&self, subject: &str) -> Result<Vec<ScanRecord>, StoreError> {
        self.rows(
            "SELECT subject, at, reason, database, active FROM scans WHERE subject = ?1 ORDER BY id",
            [subject],
            "scan",
            rows::scan_record,
        )
    }

    fn layer_uses(&self) -> Result<Vec<LayerUse>, StoreError> {
        self.rows(
            "SELECT l.layer, l.subject FROM subject_layers l JOIN subjects s ON s.key = l.subject \
             WHERE s.deleted_at IS NULL AND s.kind != 'layer' ORDER BY 1, 2",
            [],
            "layer use",
            |row| {
                Ok(Ok(LayerUse {
                    layer: row.get(0)?,
                    function: row.get(1)?,
                }))
            },
        )
    }

    fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEvent>, StoreError> {
        let pending = self.rows(
            "SELECT event_id, finding, revision, at, transition, status FROM finding_history \
             WHERE sent_at IS NULL ORDER BY at, subject, finding, revision LIMIT ?1",
            [i64::try_from(limit).unwrap_or(i64::MAX)],
            "outbox event",
            |row| Ok(Ok(rows::pending_row(row)?)),
        )?;
        let ids: Vec<String> = pending.iter().map(|p| p.finding.clone()).collect();
        let sql = format!(
            "SELECT {} FROM findings f JOIN subjects s ON s.key = f.subject \
             WHERE f.id IN (SELECT value FROM json_each(?1))",
            rows::FINDING_COLUMNS
        );
        let findings: HashMap<String, StoredFinding> = self
            .read_findings(&sql, [json_list(&ids)])?
            .into_iter()
            .map(|f| (f.id.clone(), f))
            .collect();
        pending
            .into_iter()
            .map(|p| {
                let what = format!("outbox event {}", p.event_id);
                let finding = findings
                    .get(&p.finding)
                    .ok_or_else(|| self.corrupt(what.clone(), "its finding is missing".into()))?;
                p.into_event(finding).map_err(|m| self.corrupt(what, m))
            })
            .collect()
    }

    fn mark_sent(&self, event_ids: &[String], at: Timestamp) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE finding_history SET sent_at = ?1 \
                 WHERE sent_at IS NULL AND event_id IN (SELECT value FROM json_each(?2))",
                params![crate::time::format(at), json_list(event_ids)],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    fn prune(&self, closed_before: Timestamp) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        write::prune(&mut conn, &crate::time::format(closed_before)).map_err(|e| self.fail(e))
    }
}
