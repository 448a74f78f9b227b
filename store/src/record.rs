//! Recording a scan into a store: observe, read the subject's findings, run
//! the lifecycle, commit conditionally, and read again when another writer
//! got there first.

use crate::finding_store::{Commit, CommitOutcome, FindingStore, StoreError};
use crate::lifecycle::{close_all, reconcile, Change};
use crate::model::{CloseReason, FindingStatus, ScanReason, ScanRecord, StoredFinding, Subject};
use crate::observation::Observation;
use crate::{codec, digest, package_list};
use analyzer::findings::{DatabaseInfo, ScanReport};
use analyzer::suppress::Config;
use jiff::Timestamp;

/// Attempts before a subject that other writers keep changing is given up.
pub const MAX_ATTEMPTS: usize = 16;

/// What recording a scan changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recorded {
    /// Findings that changed, with their transitions.
    pub changes: Vec<Change>,
    /// Findings ACTIVE after the scan.
    pub active: usize,
}

/// What a write stores besides the changes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Written {
    pub inventory: Option<(Vec<u8>, String)>,
    pub digest: Option<String>,
    pub deleted: bool,
}

/// Records `report` (matched, `config`'s suppressions applied) as a scan of
/// `subject` made for `reason` at `now`: stores the inventory, adds the scan
/// to the history, and moves the subject's findings through the lifecycle.
pub fn record(
    store: &dyn FindingStore,
    subject: Subject,
    report: &ScanReport,
    config: Option<&Config>,
    reason: ScanReason,
    now: Timestamp,
) -> Result<Recorded, StoreError> {
    let seen = Observation::from_report(subject, report);
    let written = Written {
        inventory: Some((
            codec::encode(&report.inventory),
            package_list::encode(&report.inventory.packages),
        )),
        digest: Some(digest::of_report(
            report,
            &digest::policy(config, crate::time::date(now)),
        )),
        deleted: false,
    };
    let database = describe(&report.database);
    write(
        store,
        &seen.subject,
        |stored| (reconcile(stored, &seen, now), written.clone()),
        reason,
        &database,
        now,
    )
}

/// Closes every open finding of a deleted subject with `reason` and marks it
/// deleted; a subject never stored is left alone.
pub fn close_subject(
    store: &dyn FindingStore,
    key: &str,
    reason: CloseReason,
    why: ScanReason,
    now: Timestamp,
) -> Result<Recorded, StoreError> {
    let Some(record) = store.subject(key)? else {
        return Ok(Recorded::default());
    };
    let deleted = Written {
        deleted: true,
        ..Written::default()
    };
    write(
        store,
        &record.subject,
        |stored| (close_all(stored, reason, now), deleted.clone()),
        why,
        "",
        now,
    )
}

/// The read-reconcile-commit loop shared by every write of one subject.
pub(crate) fn write(
    store: &dyn FindingStore,
    subject: &Subject,
    decide: impl Fn(&[StoredFinding]) -> (Vec<Change>, Written),
    reason: ScanReason,
    database: &str,
    now: Timestamp,
) -> Result<Recorded, StoreError> {
    for _ in 0..MAX_ATTEMPTS {
        let expected_revision = store.subject(&subject.key)?.map(|r| r.revision);
        let stored = store.subject_findings(std::slice::from_ref(&subject.key))?;
        let (changes, written) = decide(&stored);
        let active = active_after(&stored, &changes);
        let commit = Commit {
            subject: subject.clone(),
            expected_revision,
            inventory: written.inventory,
            digest: written.digest,
            scan: ScanRecord {
                subject: subject.key.clone(),
                at: now,
                reason,
                database: database.to_string(),
                active,
            },
            deleted: written.deleted,
            changes,
        };
        if store.commit(std::slice::from_ref(&commit))?.first() == Some(&CommitOutcome::Committed) {
            return Ok(Recorded {
                changes: commit.changes,
                active,
            });
        }
    }
    Err(StoreError::Contended {
        subject: subject.key.clone(),
        attempts: MAX_ATTEMPTS,
    })
}

/// Findings ACTIVE once `changes` apply to `stored`.
pub fn active_after(stored: &[StoredFinding], changes: &[Change]) -> usize {
    let changed: std::collections::HashMap<&str, FindingStatus> = changes
        .iter()
        .map(|c| (c.finding.id.as_str(), c.finding.status))
        .collect();
    let kept = stored
        .iter()
        .filter(|s| !changed.contains_key(s.id.as_str()) && s.status == FindingStatus::Active)
        .count();
    kept + changed
        .values()
        .filter(|s| **s == FindingStatus::Active)
        .count()
}

/// The advisory database of a scan, in one line for the scan history.
pub fn describe(info: &DatabaseInfo) -> String {
    let mut text = info.source.to_string();
    if let Some(location) = &info.location {
        text.push(' ');
        text.push_str(location);
    }
    text.push_str(&format!(" ({} records", info.records));
    if let Some(newest) = &info.newest_record {
        text.push_str(&format!(", newest {newest}"));
    }
    text.push(')');
    text
}
