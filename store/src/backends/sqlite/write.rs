//! The writes: a batch of commits in one immediate transaction, and pruning.
//!
//! A batch is written with its statements prepared once, subjects first (in
//! key order), then every changed finding and its history row in finding id
//! order, so that the random-keyed id index is swept once per transaction
//! instead of jumped around in.

use super::rows::{is_template_of, template};
use crate::finding_store::{Commit, CommitOutcome};
use crate::identity::event_id;
use crate::lifecycle::Change;
use crate::time;
use analyzer::findings::Finding;
use rusqlite::{
    params, Connection, OptionalExtension, Statement, Transaction, TransactionBehavior,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Writes `batch` in one transaction; a commit whose subject revision is not
/// the expected one is skipped as a conflict.
pub fn commit(conn: &mut Connection, batch: &[Commit]) -> rusqlite::Result<Vec<CommitOutcome>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcomes = {
        let mut s = Statements::prepare(&tx)?;
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by(|a, b| batch[*a].subject.key.cmp(&batch[*b].subject.key));
        let mut outcomes = vec![CommitOutcome::Conflict; batch.len()];
        let mut changes: Vec<&Change> = Vec::new();
        for i in order {
            outcomes[i] = write_subject(&mut s, &batch[i])?;
            if outcomes[i] == CommitOutcome::Committed {
                changes.extend(&batch[i].changes);
            }
        }
        changes.sort_by(|a, b| a.finding.id.cmp(&b.finding.id));
        let mut templates = Templates::default();
        for change in changes {
            write_change(&mut s, change, &mut templates)?;
        }
        outcomes
    };
    tx.commit()?;
    Ok(outcomes)
}

/// The statements of a batch, prepared once.
struct Statements<'t> {
    revision: Statement<'t>,
    subject: Statement<'t>,
    inventory: Statement<'t>,
    clear_layers: Statement<'t>,
    layer: Statement<'t>,
    exposure: Statement<'t>,
    scan: Statement<'t>,
    template: Statement<'t>,
    finding: Statement<'t>,
    history: Statement<'t>,
}

impl<'t> Statements<'t> {
    fn prepare(tx: &'t Transaction<'_>) -> rusqlite::Result<Statements<'t>> {
        Ok(Statements {
            revision: tx.prepare("SELECT revision FROM subjects WHERE key = ?1")?,
            subject: tx.prepare(
                "INSERT INTO subjects (key, kind, code_sha256, revision, first_scanned_at, last_scanned_at, \
                     deleted_at, digest, active) \
                 VALUES (?1, ?2, ?3, 1, ?4, ?4, ?5, ?6, ?7) \
                 ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, \
                     code_sha256 = COALESCE(excluded.code_sha256, code_sha256), revision = revision + 1, \
                     last_scanned_at = excluded.last_scanned_at, deleted_at = excluded.deleted_at, \
                     digest = COALESCE(excluded.digest, digest), active = excluded.active",
            )?,
            inventory: tx.prepare(
                "INSERT OR REPLACE INTO subject_inventories (subject, inventory, packages) VALUES (?1, ?2, ?3)",
            )?,
            clear_layers: tx.prepare("DELETE FROM subject_layers WHERE subject = ?1")?,
            layer: tx.prepare(
                "INSERT INTO subject_layers (subject, position, layer) VALUES (?1, ?2, ?3)",
            )?,
            exposure: tx.prepare("UPDATE subjects SET exposure = ?2 WHERE key = ?1")?,
            scan: tx.prepare(
                "INSERT INTO scans (subject, at, reason, database, active) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            template: tx
                .prepare("INSERT OR IGNORE INTO finding_templates (key, body) VALUES (?1, ?2)")?,
            finding: tx.prepare(
                "INSERT INTO findings (id, subject, layer, status, first_observed_at, last_observed_at, \
                     updated_at, closed_at, close_reason, revision, template, locations, loaded, suppressed_reason, \
                     unread) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) \
                 ON CONFLICT(id) DO UPDATE SET layer = excluded.layer, status = excluded.status, \
                     last_observed_at = excluded.last_observed_at, updated_at = excluded.updated_at, \
                     closed_at = excluded.closed_at, close_reason = excluded.close_reason, \
                     revision = excluded.revision, template = excluded.template, \
                     locations = excluded.locations, loaded = excluded.loaded, \
                     suppressed_reason = excluded.suppressed_reason, unread = excluded.unread",
            )?,
            history: tx.prepare(
                "INSERT INTO finding_history (subject, finding, revision, at, transition, status, reason, event_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?,
        })
    }
}

/// The subject's row, inventory, layers, exposure and scan record, when its
/// revision is the expected one (layers and exposure are what the scan that
/// wrote the inventory saw: a rescan keeps them).
fn write_subject(s: &mut Statements<'_>, c: &Commit) -> rusqlite::Result<CommitOutcome> {
    let key = &c.subject.key;
    let current: Option<i64> = s.revision.query_row([key], |r| r.get(0)).optional()?;
    if current.and_then(|r| u64::try_from(r).ok()) != c.expected_revision {
        return Ok(CommitOutcome::Conflict);
    }
    let at = time::format(c.scan.at);
    let deleted_at = c.deleted.then(|| at.clone());
    s.subject.execute(params![
        key,
        c.subject.kind.as_str(),
        c.subject.code_sha256,
        at,
        deleted_at,
        c.digest,
        c.scan.active as i64
    ])?;
    if let Some((inventory, packages)) = &c.inventory {
        s.inventory.execute(params![key, inventory, packages])?;
        s.clear_layers.execute([key])?;
        for (position, layer) in c.subject.layers.iter().enumerate() {
            s.layer.execute(params![key, position as i64, layer])?;
        }
        let exposure = c.subject.exposure.as_ref().map(json).transpose()?;
        s.exposure.execute(params![key, exposure])?;
    }
    s.scan.execute(params![
        key,
        at,
        c.scan.reason.as_str(),
        c.scan.database,
        c.scan.active as i64
    ])?;
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
    fn write(&mut self, insert: &mut Statement<'_>, f: &Finding) -> rusqlite::Result<String> {
        let known = self
            .0
            .entry((f.id.clone(), f.package.purl.clone()))
            .or_default();
        if let Some((_, key)) = known.iter().find(|(t, _)| is_template_of(t, f)) {
            return Ok(key.clone());
        }
        let bare = template(f);
        let body = json(&bare)?;
        let mut key = hex::encode(Sha256::digest(body.as_bytes()));
        key.truncate(32);
        insert.execute(params![key, body])?;
        known.push((bare, key.clone()));
        Ok(key)
    }
}

fn write_change(
    s: &mut Statements<'_>,
    change: &Change,
    templates: &mut Templates,
) -> rusqlite::Result<()> {
    let f = &change.finding;
    let template = templates.write(&mut s.template, &f.finding)?;
    s.finding.execute(params![
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
        f.finding.suppressed_reason,
        f.unread
    ])?;
    if let Some(h) = change.history_entry() {
        s.history.execute(params![
            f.subject,
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
        "CREATE TEMP TABLE IF NOT EXISTS pruned (subject TEXT NOT NULL, id TEXT PRIMARY KEY); \
         DELETE FROM temp.pruned;",
    )?;
    tx.execute(
        "INSERT INTO temp.pruned (subject, id) SELECT f.subject, f.id FROM findings f \
         WHERE f.status = 'CLOSED' AND f.closed_at < ?1",
        [cutoff],
    )?;
    tx.execute(
        "DELETE FROM finding_history WHERE (subject, finding) IN (SELECT subject, id FROM temp.pruned)",
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
