//! A database change reaches every deployment shape and starts a rescan:
//!
//! - an S3 database object: its bucket notification (an `Object Created`
//!   event) asks for a rescan, and the handler reloads it when its ETag or
//!   version changes;
//! - a database layer (a new layer version, or `LAMBDA_AUDIT_DB` pointing at
//!   new files): new containers load it; at the first event after loading a
//!   database, the handler compares it (source,
//!   location, record count, newest record; see `Matcher::describe`) with the database of the store's
//!   latest scan, and rescans every stored inventory first when they differ;
//! - a schedule (`Scheduled Event`) rescans whatever the database is.

use super::{Handler, HandlerError};
use crate::outbox::{blocking, Delivered};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use store::{FindingStore, RescanOutcome, StoreError, StoredFinding, Transition};

/// The cause of a rescan started by a changed database.
pub const DATABASE_CHANGED_CAUSE: &str = "database-changed";

impl Handler {
    /// Rescans first when the database loaded differs from the one the store
    /// last scanned with; `None` when it does not (or was checked already).
    pub(super) async fn rescan_if_database_changed(&self) -> Result<Option<Value>, HandlerError> {
        let matcher = self.matcher().await?;
        {
            let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
            if checked.as_ref().is_some_and(|c| Arc::ptr_eq(c, &matcher)) {
                return Ok(None);
            }
            *checked = Some(matcher.clone());
        }
        let current = matcher.describe();
        let last = blocking(&self.findings, latest_database).await?;
        match last {
            Some(last) if last != current => Ok(Some(
                Box::pin(self.rescan_with(matcher, DATABASE_CHANGED_CAUSE)).await?,
            )),
            _ => Ok(None),
        }
    }
}

/// The database of the store's most recent scan, if any.
fn latest_database(store: &dyn FindingStore) -> Result<Option<String>, StoreError> {
    let latest = store
        .subjects()?
        .into_iter()
        .filter(|s| s.deleted_at.is_none())
        .max_by_key(|s| s.last_scanned_at);
    let Some(latest) = latest else {
        return Ok(None);
    };
    Ok(store
        .scans(&latest.subject.key)?
        .into_iter()
        .rev()
        .map(|scan| scan.database)
        .find(|database| !database.is_empty()))
}

/// The handler's answer about a rescan: its counts, and the subjects whose
/// findings changed with how many moved.
pub(super) fn rescan_answer(outcome: &RescanOutcome, cause: &str, delivered: Delivered) -> Value {
    let mut by_subject: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    let lists: [&[StoredFinding]; 3] = [&outcome.new, &outcome.reopened, &outcome.closed];
    for (i, list) in lists.into_iter().enumerate() {
        for f in list {
            by_subject.entry(f.subject.as_str()).or_default()[i] += 1;
        }
    }
    let results: Vec<Value> = by_subject
        .into_iter()
        .map(|(subject, [new, reopened, closed])| {
            json!({
                "subject": subject,
                "status": "scanned",
                "cause": cause,
                "newFindings": new,
                "reopenedFindings": reopened,
                "resolvedFindings": closed,
            })
        })
        .collect();
    json!({
        "action": "rescan",
        "cause": cause,
        "subjects": outcome.subjects,
        "rematched": outcome.rematched,
        "newFindings": outcome.count(Transition::New),
        "reopenedFindings": outcome.count(Transition::Reopened),
        "resolvedFindings": outcome.count(Transition::Closed),
        "suppressedFindings": outcome.count(Transition::Suppressed),
        "unsuppressedFindings": outcome.count(Transition::Unsuppressed),
        "activeFindings": outcome.active,
        "failed": outcome.failed.iter().map(|(s, why)| json!({"subject": s, "reason": why})).collect::<Vec<_>>(),
        "results": results,
        "published": delivered.events,
        "morePending": delivered.more,
    })
}
