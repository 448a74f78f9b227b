//! Rescans: every stored inventory re-matched against the current advisory
//! database, with the current suppression rules, without fetching any code.
//!
//! Subjects go in chunks of [`CHUNK`]: one read of their inventories and
//! findings, one batch commit. Each distinct package is matched once for the
//! whole rescan ([`matcher`]). A subject another writer changed meanwhile is
//! redone alone, reading its state again.

mod matcher;

use crate::codec;
use crate::finding_store::{Commit, CommitOutcome, FindingStore, StoreError, SubjectRecord};
use crate::lifecycle::{reconcile, Change};
use crate::model::{FindingStatus, ScanReason, ScanRecord, StoredFinding, Transition};
use crate::observation::Observation;
use crate::record::{active_after, describe, write};
use crate::retention::Retention;
use analyzer::advisories::Database;
use analyzer::diagnostics::Warning;
use analyzer::findings::{DatabaseInfo, ScanReport};
use analyzer::inventory::Inventory;
use analyzer::suppress::{apply_suppressions, Config};
use jiff::Timestamp;
use matcher::Matcher;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};

/// Subjects read, matched and committed together.
pub const CHUNK: usize = 256;

/// How to rescan.
#[derive(Clone, Copy, Debug)]
pub struct RescanOptions<'a> {
    /// Suppression rules (`lambda-audit.toml`), evaluated at `now`.
    pub config: Option<&'a Config>,
    pub now: Timestamp,
    /// Closed findings older than this are pruned after the rescan.
    pub retention: Retention,
}

/// What a rescan changed.
#[derive(Clone, Debug, Default)]
pub struct RescanOutcome {
    /// Subjects rescanned (deleted ones are skipped).
    pub subjects: usize,
    pub database: DatabaseInfo,
    /// Findings by the transition this rescan gave them, in their new state.
    pub new: Vec<StoredFinding>,
    pub reopened: Vec<StoredFinding>,
    pub closed: Vec<StoredFinding>,
    pub suppressed: Vec<StoredFinding>,
    pub unsuppressed: Vec<StoredFinding>,
    /// Findings ACTIVE after the rescan, over every subject.
    pub active: usize,
    /// Closed findings pruned (older than the retention).
    pub pruned: usize,
    /// Subjects that could not be rescanned, with the reason.
    pub failed: Vec<(String, String)>,
    /// Expired suppression rules and the like, once each.
    pub warnings: Vec<Warning>,
}

impl RescanOutcome {
    fn absorb(&mut self, changes: Vec<Change>) {
        for c in changes {
            let list = match c.transition {
                Some(Transition::New) => &mut self.new,
                Some(Transition::Reopened) => &mut self.reopened,
                Some(Transition::Closed) => &mut self.closed,
                Some(Transition::Suppressed) => &mut self.suppressed,
                Some(Transition::Unsuppressed) => &mut self.unsuppressed,
                None => continue,
            };
            list.push(c.finding);
        }
    }

    /// Findings this rescan made ACTIVE: new, reopened or unsuppressed (what
    /// `--fail-on` looks at).
    pub fn activated(&self) -> impl Iterator<Item = &StoredFinding> {
        self.new
            .iter()
            .chain(&self.reopened)
            .chain(&self.unsuppressed)
            .filter(|f| f.status == FindingStatus::Active)
    }
}

/// Rescans every subject of `store` against `db`.
pub fn rescan(
    store: &dyn FindingStore,
    db: &Database,
    options: &RescanOptions<'_>,
) -> Result<RescanOutcome, StoreError> {
    let mut matcher = Matcher::new(db);
    let mut outcome = RescanOutcome {
        database: matcher.info().clone(),
        ..RescanOutcome::default()
    };
    let mut warnings = BTreeSet::new();
    let subjects: Vec<SubjectRecord> = store
        .subjects()?
        .into_iter()
        .filter(|s| s.deleted_at.is_none())
        .collect();
    for chunk in subjects.chunks(CHUNK) {
        rescan_chunk(
            store,
            &mut matcher,
            chunk,
            options,
            &mut outcome,
            &mut warnings,
        )?;
    }
    outcome.pruned = store.prune(options.retention.cutoff(options.now))?;
    outcome.warnings = warnings.into_iter().collect();
    Ok(outcome)
}

fn rescan_chunk(
    store: &dyn FindingStore,
    matcher: &mut Matcher<'_>,
    chunk: &[SubjectRecord],
    options: &RescanOptions<'_>,
    outcome: &mut RescanOutcome,
    warnings: &mut BTreeSet<Warning>,
) -> Result<(), StoreError> {
    let keys: Vec<String> = chunk.iter().map(|s| s.subject.key.clone()).collect();
    let decoded: Vec<(String, Result<Inventory, String>)> = store
        .inventories(&keys)?
        .into_par_iter()
        .map(|(key, bytes)| (key, codec::decode(&bytes)))
        .collect();
    let mut inventories: HashMap<String, Inventory> = HashMap::new();
    for (key, inventory) in decoded {
        match inventory {
            Ok(inventory) => {
                inventories.insert(key, inventory);
            }
            Err(e) => outcome
                .failed
                .push((key, format!("the stored inventory cannot be read: {e}"))),
        }
    }
    matcher.prepare(inventories.values());
    let mut stored: HashMap<String, Vec<StoredFinding>> = HashMap::new();
    for f in store.subject_findings(&keys)? {
        stored.entry(f.subject.clone()).or_default().push(f);
    }
    let work: Vec<(&SubjectRecord, Inventory)> = chunk
        .iter()
        .filter_map(|s| inventories.remove(&s.subject.key).map(|i| (s, i)))
        .collect();
    let matcher = &*matcher;
    let observed: Vec<(&SubjectRecord, Observation, Vec<Warning>)> = work
        .into_par_iter()
        .map(|(record, inventory)| {
            let mut report = matcher.report(inventory);
            let warned = suppress(&mut report, options);
            let seen = Observation::from_report(record.subject.clone(), &report);
            (record, seen, warned)
        })
        .collect();
    let database = describe(matcher.info());
    let mut commits = Vec::with_capacity(observed.len());
    let mut pending = Vec::with_capacity(observed.len());
    for (record, seen, warned) in observed {
        warnings.extend(warned);
        let before = stored.remove(&record.subject.key).unwrap_or_default();
        let changes = reconcile(&before, &seen, options.now);
        commits.push(Commit {
            subject: record.subject.clone(),
            expected_revision: Some(record.revision),
            inventory: None,
            scan: ScanRecord {
                subject: record.subject.key.clone(),
                at: options.now,
                reason: ScanReason::Rescan,
                database: database.clone(),
                active: active_after(&before, &changes),
            },
            deleted: false,
            changes,
        });
        pending.push(seen);
    }
    let results = store.commit(&commits)?;
    for ((commit, result), seen) in commits.into_iter().zip(results).zip(pending) {
        outcome.subjects += 1;
        match result {
            CommitOutcome::Committed => {
                outcome.active += commit.scan.active;
                outcome.absorb(commit.changes);
            }
            CommitOutcome::Conflict => {
                let recorded = write(
                    store,
                    &seen.subject,
                    |now_stored| (reconcile(now_stored, &seen, options.now), None, false),
                    ScanReason::Rescan,
                    &database,
                    options.now,
                )?;
                outcome.active += recorded.active;
                outcome.absorb(recorded.changes);
            }
        }
    }
    Ok(())
}

/// Applies the suppression rules as of `now`; returns the warnings (expired rules).
fn suppress(report: &mut ScanReport, options: &RescanOptions<'_>) -> Vec<Warning> {
    match options.config {
        Some(config) => apply_suppressions(report, config, crate::time::date(options.now)).warnings,
        None => Vec::new(),
    }
}
