//! The writes: a batch of commits in one immediate transaction, and pruning.

use super::rows::template;
use crate::finding_store::{Commit, CommitOutcome};
use crate::identity::event_id;
use crate::lifecycle::Change;
use crate::time;
use analyzer::findings::Finding;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Writes `batch` in one transaction; a commit whose subject revision is not
/// the expected one is skipped as a conflict.
pub fn commit(conn: &mut Connection, batch: &[Commit]) -> rusqlite::Result<Vec<CommitOutcome>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut templates = Templates::default();
    let outcomes = batch
        .iter()
        .map(|c| write_one(&tx, c, &mut templates))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(outcomes)
}

fn write_one(
    tx: &Transaction<'_>,
    c: &Commit,
    templates: &mut Templates,
) -> rusqlite::Result<CommitOutcome> {
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
        "INSERT INTO subjects (key, kind, code_sha256, revision, first_scanned_at, last_scanned_at, \
             deleted_at, digest, active) \
         VALUES (?1, ?2, ?3, 1, ?4, ?4, ?5, ?6, ?7) \
         ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, \
             code_sha256 = COALESCE(excluded.code_sha256, code_sha256), revision = revision + 1, \
             last_scanned_at = excluded.last_scanned_at, deleted_at = excluded.deleted_at, \
             digest = COALESCE(excluded.digest, digest), active = excluded.active",
    )?
    .execute(params![
        key,
        c.subject.kind.as_str(),
        c.subject.code_sha256,
        at,
        deleted_at,
        c.digest,
        c.scan.active as i64
    ])?;
    if let Some((inventory, packages)) = &c.inventory {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO subject_inventories (subject, inventory, packages) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![key, inventory, packages])?;
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
        write_change(tx, change, templates)?;
    }
    Ok(CommitOutcome::Committed)
}

fn json<T: serde::Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// The descriptions a transaction wrote, by advisory and purl: thousands of
/// findings of one rescan share a few of them, serialised and hashed once.
#[derive(Default)]
struct Templates(HashMap<(String, String), Vec<(Finding, String)>>);

impl Templates {
    /// Stores the finding's shared description once; returns its key.
    fn write(&mut self, tx: &Transaction<'_>, f: &Finding) -> rusqlite::Result<String> {
        let bare = template(f);
        let known = self
            .0
            .entry((f.id.clone(), f.package.purl.clone()))
            .or_default();
        if let Some((_, key)) = known.iter().find(|(t, _)| *t == bare) {
            return Ok(key.clone());
        }
        let body = json(&bare)?;
        let mut key = hex::encode(Sha256::digest(body.as_bytes()));
        key.truncate(32);
        tx.prepare_cached("INSERT OR IGNORE INTO finding_templates (key, body) VALUES (?1, ?2)")?
            .execute(params![key, body])?;
        known.push((bare, key.clone()));
        Ok(key)
    }
}

fn write_change(
    tx: &Transaction<'_>,
    change: &Change,
    templates: &mut Templates,
) -> rusqlite::Result<()> {
    let f = &change.finding;
    let template = templates.write(tx, &f.finding)?;
    tx.prepare_cached(
        "INSERT INTO findings (id, subject, layer, status, first_observed_at, last_observed_at, \
             updated_at, closed_at, close_reason, revision, template, locations, loaded, suppressed_reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
         ON CONFLICT(id) DO UPDATE SET layer = excluded.layer, status = excluded.status, \
             last_observed_at = excluded.last_observed_at, updated_at = excluded.updated_at, \
             closed_at = excluded.closed_at, close_reason = excluded.close_reason, \
             revision = excluded.revision, template = excluded.template, \
             locations = excluded.locations, loaded = excluded.loaded, \
             suppressed_reason = excluded.suppressed_reason",
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
        template,
        json(&f.finding.locations)?,
        f.finding.loaded,
        f.finding.suppressed_reason
    ])?;
    if let Some(h) = change.history_entry() {
        tx.prepare_cached(
            "INSERT INTO finding_history (finding, revision, at, transition, status, reason, event_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            h.finding,
            h.revision,
            time::format(h.at),
            h.transition.as_str(),
            h.status.as_str(),
            h.reason,
            event_id(&h.finding, h.revision)
        ])?;
    }
    Ok(())
}

/// Deletes findings closed before `cutoff` with their history (an event not
/// published within the retention goes too), then descriptions no finding uses.
pub fn prune(conn: &mut Connection, cutoff: &str) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS pruned (id TEXT PRIMARY KEY); DELETE FROM temp.pruned;",
    )?;
    tx.execute(
        "INSERT INTO temp.pruned (id) SELECT f.id FROM findings f \
         WHERE f.status = 'CLOSED' AND f.closed_at < ?1",
        [cutoff],
    )?;
    tx.execute(
        "DELETE FROM finding_history WHERE finding IN (SELECT id FROM temp.pruned)",
        [],
    )?;
    let pruned = tx.execute(
        "DELETE FROM findings WHERE id IN (SELECT id FROM temp.pruned)",
        [],
    )?;
    if pruned > 0 {
        tx.execute(
            "DELETE FROM finding_templates WHERE key NOT IN (SELECT template FROM findings)",
            [],
        )?;
    }
    tx.execute_batch("DELETE FROM temp.pruned;")?;
    tx.commit()?;
    Ok(pruned)
}
