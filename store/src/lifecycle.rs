//! The lifecycle of findings, as pure functions of (stored findings, what a
//! scan observed, now): which findings are new, reopened, suppressed,
//! unsuppressed (their rule expired) or closed, and why.
//!
//! An open finding's `lastObservedAt` is its subject's last scan: backends
//! keep it that way without rewriting unchanged findings, so a rescan writes
//! only what changed. The exception is a finding the scan could not read (a
//! gap hides it: a deleted layer version, a limit): it was not observed, so
//! it is neither closed nor refreshed; it is marked unread
//! ([`StoredFinding::unread`]) and keeps its `lastObservedAt`.

use crate::model::{CloseReason, FindingStatus, HistoryEntry, StoredFinding, Transition};
use crate::observation::{Observation, Observed, Presence};
use analyzer::findings::Status;
use jiff::Timestamp;
use std::collections::HashMap;

/// A finding whose stored state must change.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The state after the change.
    pub finding: StoredFinding,
    /// The status transition, when the status changed (a new severity or
    /// location alone changes the finding without a transition).
    pub transition: Option<Transition>,
}

impl Change {
    /// The history entry of the transition, if any.
    pub fn history_entry(&self) -> Option<HistoryEntry> {
        let f = &self.finding;
        self.transition.map(|transition| HistoryEntry {
            finding: f.id.clone(),
            revision: f.revision,
            at: f.updated_at,
            transition,
            status: f.status,
            reason: match f.status {
                FindingStatus::Closed => f.close_reason.map(|r| r.as_str().to_string()),
                FindingStatus::Suppressed => f.finding.suppressed_reason.clone(),
                FindingStatus::Active => None,
            },
        })
    }
}

/// The status a scan gives an observed finding.
fn observed_status(o: &Observed) -> FindingStatus {
    match o.finding.status {
        Status::Open => FindingStatus::Active,
        Status::Suppressed => FindingStatus::Suppressed,
    }
}

/// The changes one scan makes to a subject's stored findings (`stored`: all
/// of them, closed ones included, so that a finding seen again reopens).
pub fn reconcile(stored: &[StoredFinding], seen: &Observation, now: Timestamp) -> Vec<Change> {
    let by_id: HashMap<&str, &StoredFinding> = stored.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut changes = Vec::new();
    for o in &seen.findings {
        let status = observed_status(o);
        let change = match by_id.get(o.id.as_str()) {
            None => Some(created(o, &seen.subject.key, status, now)),
            Some(s) => observed_again(s, o, status, now),
        };
        changes.extend(change);
    }
    let observed: std::collections::HashSet<&str> =
        seen.findings.iter().map(|o| o.id.as_str()).collect();
    for s in stored {
        if s.status == FindingStatus::Closed || observed.contains(s.id.as_str()) {
            continue;
        }
        let reason = close_reason(s, seen);
        let unread = match reason {
            CloseReason::LayerDetached => None,
            _ => seen.unread(s.layer.as_deref(), &s.finding),
        };
        match unread {
            Some(why) => changes.extend(not_read(s, why)),
            None => changes.push(close(s, reason, now)),
        }
    }
    changes
}

/// An open finding a gap hid from the scan: kept as it was, marked unread so
/// that its `lastObservedAt` stays the last scan that read it (no change
/// when already marked for the same reason).
fn not_read(s: &StoredFinding, why: &str) -> Option<Change> {
    if s.unread.as_deref() == Some(why) {
        return None;
    }
    let mut next = s.clone();
    next.unread = Some(why.to_string());
    Some(Change {
        finding: next,
        transition: None,
    })
}

/// Closes every open finding of a deleted subject with `reason`.
pub fn close_all(stored: &[StoredFinding], reason: CloseReason, now: Timestamp) -> Vec<Change> {
    stored
        .iter()
        .filter(|s| s.status != FindingStatus::Closed)
        .map(|s| close(s, reason, now))
        .collect()
}

/// Why `s`, no longer observed, is closed.
fn close_reason(s: &StoredFinding, seen: &Observation) -> CloseReason {
    if let Some(layer) = &s.layer {
        if !seen.subject.layers.contains(layer) {
            return CloseReason::LayerDetached;
        }
    }
    match seen.presence(&s.finding.package) {
        Presence::SameVersion => CloseReason::AdvisoryWithdrawn,
        Presence::OtherVersion => CloseReason::PackageUpgraded,
        Presence::Absent => CloseReason::PackageRemoved,
    }
}

fn created(o: &Observed, subject: &str, status: FindingStatus, now: Timestamp) -> Change {
    Change {
        finding: StoredFinding {
            id: o.id.clone(),
            subject: subject.to_string(),
            layer: o.layer.clone(),
            status,
            first_observed_at: now,
            last_observed_at: now,
            updated_at: now,
            closed_at: None,
            close_reason: None,
            unread: None,
            revision: 1,
            finding: o.finding.clone(),
        },
        transition: Some(Transition::New),
    }
}

/// A stored finding seen again: reopened, (un)suppressed, updated, or unchanged.
fn observed_again(
    s: &StoredFinding,
    o: &Observed,
    status: FindingStatus,
    now: Timestamp,
) -> Option<Change> {
    let transition = match (s.status, status) {
        (FindingStatus::Closed, _) => Some(Transition::Reopened),
        (a, b) if a == b => None,
        (_, FindingStatus::Suppressed) => Some(Transition::Suppressed),
        _ => Some(Transition::Unsuppressed),
    };
    if transition.is_none() && s.finding == o.finding && s.layer == o.layer && s.unread.is_none() {
        return None;
    }
    let mut next = s.clone();
    next.unread = None;
    next.status = status;
    next.layer = o.layer.clone();
    next.finding = o.finding.clone();
    next.last_observed_at = now;
    next.updated_at = now;
    if transition.is_some() {
        next.revision += 1;
        next.closed_at = None;
        next.close_reason = None;
    }
    Some(Change {
        finding: next,
        transition,
    })
}

fn close(s: &StoredFinding, reason: CloseReason, now: Timestamp) -> Change {
    let mut next = s.clone();
    next.status = FindingStatus::Closed;
    next.closed_at = Some(now);
    next.close_reason = Some(reason);
    next.unread = None;
    next.updated_at = now;
    next.revision += 1;
    Change {
        finding: next,
        transition: Some(Transition::Closed),
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
