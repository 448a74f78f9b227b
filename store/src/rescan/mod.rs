//! Rescans: every stored inventory re-matched against the current advisory
//! database, with the current suppression rules, without fetching any code.
//!
//! Subjects go in chunks of [`CHUNK`]. Each distinct package is matched once
//! for the whole rescan ([`matcher`]). A subject whose [`digest`] (package
//! answers and rules in force) is what it was when last written cannot have
//! changed: it gets a scan record and nothing else, without its inventory
//! or findings being read. The others are decoded, matched, observed and
//! reconciled; their commits are written in batches of about
//! [`WRITE_BATCH_CHANGES`] changed findings. A subject another writer
//! changed meanwhile is redone alone, reading its state again.

mod matcher;

use crate::finding_store::{Commit, CommitOutcome, FindingStore, StoreError, SubjectRecord};
use crate::lifecycle::{reconcile, Change};
use crate::model::{FindingStatus, ScanReason, ScanRecord, StoredFinding, Transition};
use crate::observation::Observation;
use crate::record::{active_after, describe, write};
use crate::record::{Recorded, Written};
use crate::retention::Retention;
use crate::{codec, digest, package_list};
use analyzer::advisories::Database;
use analyzer::diagnostics::Warning;
use analyzer::findings::{DatabaseInfo, Rating, ScanReport};
use analyzer::inventory::Inventory;
use analyzer::prioritize::Signals;
use analyzer::suppress::{apply_suppressions, Config};
use jiff::Timestamp;
use matcher::Matcher;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Subjects read and matched together.
pub const CHUNK: usize = 256;

/// Changed findings written in one batch commit (one SQLite transaction):
/// finding and event ids are digests, so each commit dirties pages all over
/// their indexes; fewer, larger commits write each page fewer times. The
/// commits wait in memory meanwhile (about 2 KB a change).
pub const WRITE_BATCH_CHANGES: usize = 50_000;

/// Findings a [`RescanOutcome`] lists per transition (its counts are
/// complete): a first rescan of 10,000 functions can move a million findings.
pub const LISTED_PER_TRANSITION: usize = 10_000;

/// How to rescan.
#[derive(Clone, Copy, Debug)]
pub struct RescanOptions<'a> {
    /// Suppression rules (`lambda-audit.toml`), evaluated at `now`.
    pub config: Option<&'a Config>,
    /// The KEV catalog and EPSS scores joined into every finding, with each
    /// subject's stored exposure, as a fresh scan joins them.
    pub signals: &'a Signals,
    pub now: Timestamp,
    /// Closed findings older than this are pruned after the rescan.
    pub retention: Retention,
}

/// What a rescan changed.
#[derive(Clone, Debug, Default)]
pub struct RescanOutcome {
    /// Subjects rescanned (deleted ones are skipped).
    pub subjects: usize,
    /// Of those, the ones whose findings could have changed (see
    /// [`crate::digest`]): decoded, matched and reconciled in full.
    pub rematched: usize,
    pub database: DatabaseInfo,
    /// How many findings each transition moved (complete, whatever the lists hold).
    pub counts: BTreeMap<Transition, usize>,
    /// Ratings of the findings this rescan made ACTIVE (complete: what
    /// `--fail-on` looks at).
    pub activated_ratings: BTreeSet<Rating>,
    /// Of the findings this rescan made ACTIVE, how many are known exploited
    /// (complete: what `--fail-on kev` looks at).
    pub activated_known_exploited: usize,
    /// The highest risk score among the findings this rescan made ACTIVE
    /// (complete: what `--fail-on risk:N` looks at); `None` when it made none.
    pub activated_top_risk: Option<u8>,
    /// Findings by the transition this rescan gave them, in their new state;
    /// at most [`LISTED_PER_TRANSITION`] each (see [`RescanOutcome::counts`]).
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
            let Some(transition) = c.transition else {
                continue;
            };
            *self.counts.entry(transition).or_default() += 1;
            if transition != Transition::Closed && c.finding.status == FindingStatus::Active {
                let f = &c.finding.finding;
                self.activated_ratings.insert(f.severity.rating);
                self.activated_known_exploited += usize::from(f.priority.kev.is_some());
                self.activated_top_risk = self.activated_top_risk.max(Some(f.priority.risk.score));
            }
            let list = match c.transition {
                Some(Transition::New) => &mut self.new,
                Some(Transition::Reopened) => &mut self.reopened,
                Some(Transition::Closed) => &mut self.closed,
                Some(Transition::Suppressed) => &mut self.suppressed,
                Some(Transition::Unsuppressed) => &mut self.unsuppressed,
                None => continue,
            };
            if list.len() < LISTED_PER_TRANSITION {
                list.push(c.finding);
            }
        }
    }

    /// How many findings `transition` moved.
    pub fn count(&self, transition: Transition) -> usize {
        self.counts.get(&transition).copied().unwrap_or(0)
    }

    /// True when some list holds fewer findings than its count.
    pub fn truncated(&self) -> bool {
        self.counts.values().any(|n| *n > LISTED_PER_TRANSITION)
    }

    /// Findings this rescan made ACTIVE (new, reopened or unsuppressed) that
    /// the lists hold.
    pub fn activated(&self) -> impl Iterator<Item = &StoredFinding> {
        self.new
            .iter()
            .chain(&self.reopened)
            .chain(&self.unsuppressed)
            .filter(|f| f.status == FindingStatus::Active)
    }
}

/// Rescans every subject of `store` against `db`, then prunes closed
/// findings past the retention.
pub fn rescan(
    store: &dyn FindingStore,
    db: &Database,
    options: &RescanOptions<'_>,
) -> Result<RescanOutcome, StoreError> {
    let subjects = store.subjects()?;
    let mut outcome = rescan_records(store, db, subjects, options)?;
    outcome.pruned = store.prune(options.retention.cutoff(options.now))?;
    Ok(outcome)
}

/// Rescans the subjects named by `keys` only (one fan-out message's share
/// of a rescan): subjects not stored or deleted are skipped; nothing is pruned.
pub fn rescan_subjects(
    store: &dyn FindingStore,
    db: &Database,
    keys: &[String],
    options: &RescanOptions<'_>,
) -> Result<RescanOutcome, StoreError> {
    let mut records = Vec::with_capacity(keys.len());
    for key in keys {
        records.extend(store.subject(key)?);
    }
    rescan_records(store, db, records, options)
}

/// Rescans `subjects` (deleted ones skipped), chunk by chunk.
fn rescan_records(
    store: &dyn FindingStore,
    db: &Database,
    subjects: Vec<SubjectRecord>,
    options: &RescanOptions<'_>,
) -> Result<RescanOutcome, StoreError> {
    let mut run = Run {
        store,
        matcher: Matcher::new(db, options.signals),
        options,
        policy: digest::policy(options.config, crate::time::date(options.now)),
        outcome: RescanOutcome::default(),
        warnings: BTreeSet::new(),
        database: String::new(),
        pending: Vec::new(),
        pending_changes: 0,
    };
    run.outcome.database = run.matcher.info().clone();
    run.database = describe(run.matcher.info());
    let subjects: Vec<SubjectRecord> = subjects
        .into_iter()
        .filter(|s| s.deleted_at.is_none())
        .collect();
    for chunk in subjects.chunks(CHUNK) {
        run.chunk(chunk)?;
    }
    run.flush()?;
    let mut outcome = run.outcome;
    outcome.warnings = run.warnings.into_iter().collect();
    Ok(outcome)
}

/// One rescan under way.
struct Run<'s, 'd, 'o> {
    store: &'s dyn FindingStore,
    matcher: Matcher<'d>,
    options: &'o RescanOptions<'o>,
    /// See [`digest::policy`].
    policy: digest::Hash,
    outcome: RescanOutcome,
    warnings: BTreeSet<Warning>,
    /// The database, as scan records name it.
    database: String,
    /// Commits of matched subjects not written yet, and their changes.
    pending: Vec<Commit>,
    pending_changes: usize,
}

impl Run<'_, '_, '_> {
    /// A chunk of subjects: those whose digest is unchanged get a scan record
    /// only; the others are matched, observed and reconciled in full.
    fn chunk(&mut self, chunk: &[SubjectRecord]) -> Result<(), StoreError> {
        let keys: Vec<String> = chunk.iter().map(|s| s.subject.key.clone()).collect();
        let lists: HashMap<String, String> = self.store.package_lists(&keys)?.into_iter().collect();
        self.matcher
            .prepare_lines(lists.values().flat_map(|l| package_list::lines(l)));
        let nothing = digest::package_answer(&[], &[]);
        let (matcher, policy) = (&self.matcher, &self.policy);
        let digests: HashMap<&str, String> = lists
            .par_iter()
            .map(|(key, list)| {
                let answers =
                    package_list::lines(list).map(|l| matcher.answer(l).unwrap_or(&nothing));
                (key.as_str(), digest::subject(policy, answers))
            })
            .collect();
        let (same, changed): (Vec<&SubjectRecord>, Vec<&SubjectRecord>) =
            chunk.iter().partition(|s| {
                s.digest.is_some()
                    && s.digest.as_deref()
                        == digests.get(s.subject.key.as_str()).map(String::as_str)
            });
        let database = self.database.clone();
        let touches: Vec<Commit> = same
            .iter()
            .map(|record| self.commit(record, Vec::new(), record.active, None, &database))
            .collect();
        let results = self.store.commit(&touches)?;
        let mut redo: Vec<SubjectRecord> = Vec::new();
        for (record, result) in same.iter().zip(results) {
            match result {
                CommitOutcome::Committed => {
                    self.outcome.subjects += 1;
                    self.outcome.active += record.active;
                }
                CommitOutcome::Conflict => redo.extend(self.store.subject(&record.subject.key)?),
            }
        }
        let mut full: Vec<SubjectRecord> = changed.into_iter().cloned().collect();
        full.extend(redo);
        self.full(&full, &digests)
    }

    /// The commit of a rescan of `record` with `changes`.
    fn commit(
        &self,
        record: &SubjectRecord,
        changes: Vec<Change>,
        active: usize,
        digest: Option<String>,
        database: &str,
    ) -> Commit {
        Commit {
            subject: record.subject.clone(),
            expected_revision: Some(record.revision),
            inventory: None,
            digest,
            scan: ScanRecord {
                subject: record.subject.key.clone(),
                at: self.options.now,
                reason: ScanReason::Rescan,
                database: database.to_string(),
                active,
            },
            deleted: false,
            changes,
        }
    }

    /// Subjects whose findings may have changed: decode, match, suppress,
    /// observe, reconcile; their commits join the pending batch.
    fn full(
        &mut self,
        records: &[SubjectRecord],
        digests: &HashMap<&str, String>,
    ) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = records.iter().map(|s| s.subject.key.clone()).collect();
        let decoded: Vec<(String, Result<Inventory, String>)> = self
            .store
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
                Err(e) => self
                    .outcome
                    .failed
                    .push((key, format!("the stored inventory cannot be read: {e}"))),
            }
        }
        self.matcher.prepare(inventories.values());
        let mut stored: HashMap<String, Vec<StoredFinding>> = HashMap::new();
        for f in self.store.subject_findings(&keys)? {
            stored.entry(f.subject.clone()).or_default().push(f);
        }
        let work: Vec<(&SubjectRecord, Inventory)> = records
            .iter()
            .filter_map(|s| inventories.remove(&s.subject.key).map(|i| (s, i)))
            .collect();
        self.outcome.rematched += work.len();
        let (matcher, options) = (&self.matcher, self.options);
        let observed: Vec<(&SubjectRecord, Observation, Vec<Warning>)> = work
            .into_par_iter()
            .map(|(record, inventory)| {
                let mut report = matcher.report(inventory, record.subject.exposure.as_ref());
                let warned = suppress(&mut report, options);
                let seen = Observation::from_report(record.subject.clone(), &report);
                (record, seen, warned)
            })
            .collect();
        let database = self.database.clone();
        for (record, seen, warned) in observed {
            self.warnings.extend(warned);
            let before = stored.remove(&record.subject.key).unwrap_or_default();
            let changes = reconcile(&before, &seen, self.options.now);
            let active = active_after(&before, &changes);
            let digest = digests.get(record.subject.key.as_str()).cloned();
            self.pending_changes += changes.len();
            let commit = self.commit(record, changes, active, digest, &database);
            self.pending.push(commit);
        }
        if self.pending_changes >= WRITE_BATCH_CHANGES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the pending commits in one batch; a subject another writer
    /// changed meanwhile is redone alone.
    fn flush(&mut self) -> Result<(), StoreError> {
        let batch = std::mem::take(&mut self.pending);
        self.pending_changes = 0;
        if batch.is_empty() {
            return Ok(());
        }
        let results = self.store.commit(&batch)?;
        for (commit, result) in batch.into_iter().zip(results) {
            self.outcome.subjects += 1;
            let recorded = match result {
                CommitOutcome::Committed => Recorded {
                    active: commit.scan.active,
                    changes: commit.changes,
                },
                CommitOutcome::Conflict => match self.redo(&commit.subject.key, commit.digest)? {
                    Some(recorded) => recorded,
                    None => continue,
                },
            };
            self.outcome.active += recorded.active;
            self.outcome.absorb(recorded.changes);
        }
        Ok(())
    }

    /// One subject that another writer changed: its stored inventory
    /// matched again, and recorded through [`write`] (which reads the
    /// subject's state again, and retries).
    fn redo(&mut self, key: &str, digest: Option<String>) -> Result<Option<Recorded>, StoreError> {
        let Some(record) = self.store.subject(key)? else {
            return Ok(None);
        };
        let Some((_, bytes)) = self.store.inventories(&[key.to_string()])?.pop() else {
            return Ok(None);
        };
        let inventory = match codec::decode(&bytes) {
            Ok(inventory) => inventory,
            Err(e) => {
                self.outcome.failed.push((
                    key.to_string(),
                    format!("the stored inventory cannot be read: {e}"),
                ));
                return Ok(None);
            }
        };
        self.matcher.prepare(std::iter::once(&inventory));
        let mut report = self
            .matcher
            .report(inventory, record.subject.exposure.as_ref());
        self.warnings.extend(suppress(&mut report, self.options));
        let seen = Observation::from_report(record.subject.clone(), &report);
        let now = self.options.now;
        let written = Written {
            digest,
            ..Written::default()
        };
        write(
            self.store,
            &seen.subject,
            |now_stored| (reconcile(now_stored, &seen, now), written.clone()),
            ScanReason::Rescan,
            &self.database,
            now,
        )
        .map(Some)
    }
}

/// Applies the suppression rules as of `now`; returns the warnings (expired rules).
fn suppress(report: &mut ScanReport, options: &RescanOptions<'_>) -> Vec<Warning> {
    match options.config {
        Some(config) => apply_suppressions(report, config, crate::time::date(options.now)).warnings,
        None => Vec::new(),
    }
}
