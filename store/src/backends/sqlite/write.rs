//! The writes: a batch of commits in one immediate transaction, and pruning.

use crate::finding_store::{Commit, CommitOutcome};
use crate::time;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

/// Writes `batch` in one transaction; a commit whose subject revision is not
/// the expected one is skipped as a conflict.
pub fn commit(conn: &mut Connection, batch: &[Commit]) -> rusqlite::Result<Vec<CommitOutcome>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcomes = batch
        .iter()
        .map(|c| write_one(&tx, c))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(outcomes)
}

fn write_one(tx: &Transaction<'_>, c: &Commit) -> rusqlite::Result<CommitOutcome> {
    let key = &c.subject.key;
    let current: Option<i64> = tx
        .prepare_cached("SELECT revision FROM subjects WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    if current.and_then(|r| u64::try_from(r).ok()) != c.expected_revision {
        return Ok(CommitOutcome::Conflict);
    }
    let at = time::format(c.scan.at);
    let deleted_at = c.deleted.then(|| at.clone());
    tx.prepare_cached(
        "INSERT INTO subjects (key, kind, code_sha256, revision, first_scanned_at, last_scanned_at, deleted_at, inventory) \
         VALUES (?1, ?2, ?3, 1, ?4, ?4, ?5, ?6) \
         ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, \
             code_sha256 = COALESCE(excluded.code_sha256, code_sha256), revision = revision + 1, \
             last_scanned_at = excluded.last_scanned_at, deleted_at = excluded.deleted_at, \
             inventory = COALESCE(excluded.inventory, inventory)",
    )?
    .execute(params![
        key,
        c.subject.kind.as_str(),
        c.subject.code_sha256,
        at,
        deleted_at,
        c.inventory
    ])?;
    if c.inventory.is_some() {
        tx.prepare_cached("DELETE FROM subject_layers WHERE subject = ?1")?
            .execute([key])?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO subject_layers (subject, position, layer) VALUES (?1, ?2, ?3)",
        )?;
        for (position, layer) in c.subject.layers.iter().enumerate() {
            insert.execute(params![key, position as i64, layer])?;
        }
    }
    tx.prepare_cached(
        "INSERT INTO scans (subject, at, reason, database, active) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        key,
        at,
        c.scan.reason.as_str(),
        c.scan.database,
        c.scan.active as i64
    ])?;
    for change in &c.changes {
        write_change(tx, change)?;
    }
    Ok(CommitOutcome::Committed)
}

fn write_change(tx: &Transaction<'_>, change: &crate::lifecycle::Change) -> rusqlite::Result<()> {
    let f = &change.finding;
    let detail = serde_json::to_string(&f.finding)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    tx.prepare_cached(
        "INSERT INTO findings (id, subject, layer, status, first_observed_at, last_observed_at, \
             updated_at, closed_at, close_reason, revision, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT(id) DO UPDATE SET layer = excluded.layer, status = excluded.status, \
             last_observed_at = excluded.last_observed_at, updated_at = excluded.updated_at, \
             closed_at = excluded.closed_at, close_reason = excluded.close_reason, \
             revision = excluded.revision, detail = excluded.detail",
    )?
    .execute(params![
        f.id,
        f.subject,
        f.layer,
        f.status.as_str(),
        time::format(f.first_observed_at),
        time::format(f.last_observed_at),
        time::format(f.updated_at),
        f.closed_at.map(time::format),
        f.close_reason.map(|r| r.as_str()),
        f.revision,
        detail
    ])?;
    if let Some(h) = change.history_entry() {
        tx.prepare_cached(
            "INSERT INTO finding_history (finding, revision, at, transition, status, reason) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            h.finding,
            h.revision,
            time::format(h.at),
            h.transition.as_str(),
            h.status.as_str(),
            h.reason
        ])?;
    }
    if let Some(e) = change.event() {
        tx.prepare_cached(
            "INSERT INTO outbox (event_id, finding, subject, transition, at, payload) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            e.event_id,
            e.finding_id,
            e.subject,
            e.transition.as_str(),
            time::format(e.at),
            e.finding.to_string()
        ])?;
    }
    Ok(())
}

/// Deletes findings closed before `cutoff`, their history and their sent events.
pub fn prune(conn: &mut Connection, cutoff: &str) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let expired = "SELECT id FROM findings WHERE status = 'CLOSED' AND closed_at < ?1";
    tx.execute(
        &format!("DELETE FROM finding_history WHERE finding IN ({expired})"),
        [cutoff],
    )?;
    tx.execute(
        &format!("DELETE FROM outbox WHERE sent_at IS NOT NULL AND finding IN ({expired})"),
        [cutoff],
    )?;
    let pruned = tx.execute(
        "DELETE FROM findings WHERE status = 'CLOSED' AND closed_at < ?1",
        [cutoff],
    )?;
    tx.commit()?;
    Ok(pruned)
}
