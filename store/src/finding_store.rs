//! [`FindingStore`]: the one interface of every backend.
//!
//! Writes are batches of [`Commit`]s. Each commit is conditional on the
//! subject's revision as read before the lifecycle ran (optimistic
//! concurrency: SQLite checks it inside an immediate transaction, DynamoDB
//! with a condition expression); a commit whose subject changed in between is
//! a [`CommitOutcome::Conflict`], and the caller reads again and retries. A
//! commit writes the subject, its inventory, a scan record, the changed
//! findings, their history and their outbox events in one atomic write, so a
//! transition is never stored without the event that announces it.

use crate::lifecycle::Change;
use crate::model::{FindingStatus, HistoryEntry, OutboxEvent, ScanRecord, StoredFinding, Subject};
use analyzer::findings::Rating;
use jiff::Timestamp;

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (I/O, locking, SQL); `message` is the backend's.
    #[error("findings store {location}: {message}")]
    Backend { location: String, message: String },
    /// The store was written by a newer lambda-audit.
    #[error("findings store {location}: schema version {found} is newer than this lambda-audit knows ({known}); upgrade lambda-audit")]
    NewerSchema {
        location: String,
        found: i64,
        known: i64,
    },
    /// A stored value does not read back.
    #[error("findings store {location}: stored {what} cannot be read: {message}")]
    Corrupt {
        location: String,
        what: String,
        message: String,
    },
    /// Other writers kept changing the subject.
    #[error("{subject}: other writers kept changing it; gave up after {attempts} attempts")]
    Contended { subject: String, attempts: usize },
    /// No backend takes this location.
    #[error("no findings store backend takes `{0}`")]
    UnknownBackend(String),
}

/// A subject as stored, with its revision (the concurrency token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectRecord {
    pub subject: Subject,
    /// Writes so far; a commit names the revision it read.
    pub revision: u64,
    pub first_scanned_at: Timestamp,
    pub last_scanned_at: Timestamp,
    /// When the subject was found deleted (rescans skip it).
    pub deleted_at: Option<Timestamp>,
    /// What decided its findings when last written (see [`crate::digest`]).
    pub digest: Option<String>,
    /// Findings ACTIVE after its last scan.
    pub active: usize,
}

/// One atomic write about one subject.
#[derive(Clone, Debug)]
pub struct Commit {
    pub subject: Subject,
    /// The revision read before reconciling; `None` for a subject not stored yet.
    pub expected_revision: Option<u64>,
    /// The inventory in stored form ([`crate::codec`]) and its package list
    /// ([`crate::package_list`]); `None` keeps the stored ones.
    pub inventory: Option<(Vec<u8>, String)>,
    /// The digest of what decided the findings ([`crate::digest`]); `None` keeps it.
    pub digest: Option<String>,
    /// The scan to add to the history.
    pub scan: ScanRecord,
    /// Marks the subject deleted (its findings closed by the changes).
    pub deleted: bool,
    /// The findings that change, with their transitions.
    pub changes: Vec<Change>,
}

/// How one commit of a batch went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitOutcome {
    Committed,
    /// The subject's revision was no longer the expected one: nothing written.
    Conflict,
}

/// Which findings to list. Every backend filters with [`FindingFilter::matches`].
#[derive(Clone, Debug, Default)]
pub struct FindingFilter {
    pub status: Option<FindingStatus>,
    /// A function: its name, its ARN, or a version ARN.
    pub function: Option<String>,
    /// A layer version ARN, or a layer ARN (every version).
    pub layer: Option<String>,
    /// Rated at least this.
    pub min_severity: Option<Rating>,
    /// Changed (`updatedAt`) at or after this.
    pub since: Option<Timestamp>,
}

impl FindingFilter {
    /// True when `f` passes every criterion.
    pub fn matches(&self, f: &StoredFinding) -> bool {
        self.status.is_none_or(|s| f.status == s)
            && self.since.is_none_or(|t| f.updated_at >= t)
            && self
                .min_severity
                .is_none_or(|r| f.finding.severity.rating >= r)
            && self
                .function
                .as_deref()
                .is_none_or(|name| names_function(&f.subject, name))
            && self.layer.as_deref().is_none_or(|layer| {
                f.layer.as_deref().is_some_and(|l| {
                    l == layer || l.strip_prefix(layer).is_some_and(|v| v.starts_with(':'))
                })
            })
    }
}

/// True when `subject` (`arn:…:function:NAME:VERSION`) is the function `name`
/// (a name, an ARN, or a version ARN).
fn names_function(subject: &str, name: &str) -> bool {
    if subject == name {
        return true;
    }
    if name.starts_with("arn:") {
        return subject
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(':'));
    }
    let mut parts = subject.split(':');
    parts.nth(5) == Some("function") && parts.next() == Some(name)
}

/// A function version (or a local function archive scanned with its
/// layers) that uses a layer version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LayerUse {
    pub layer: String,
    pub function: String,
}

/// The store of subjects, findings, history and outbox. Backends: see
/// [`crate::backends`].
pub trait FindingStore: Send + Sync {
    /// Where the store is (for messages).
    fn location(&self) -> String;

    /// One subject, when stored.
    fn subject(&self, key: &str) -> Result<Option<SubjectRecord>, StoreError>;

    /// Every subject, by key.
    fn subjects(&self) -> Result<Vec<SubjectRecord>, StoreError>;

    /// Every finding (closed ones too) of the given subjects; an open
    /// finding's `last_observed_at` is its subject's last scan.
    fn subject_findings(&self, keys: &[String]) -> Result<Vec<StoredFinding>, StoreError>;

    /// The package lists ([`crate::package_list`]) of the given subjects, by key.
    fn package_lists(&self, keys: &[String]) -> Result<Vec<(String, String)>, StoreError>;

    /// The stored inventories ([`crate::codec`] form) of the given subjects, by key.
    fn inventories(&self, keys: &[String]) -> Result<Vec<(String, Vec<u8>)>, StoreError>;

    /// Writes a batch; one outcome per commit, in order.
    fn commit(&self, batch: &[Commit]) -> Result<Vec<CommitOutcome>, StoreError>;

    /// The findings `filter` selects, by subject then id.
    fn findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>, StoreError>;

    /// A finding's transitions, oldest first.
    fn history(&self, finding: &str) -> Result<Vec<HistoryEntry>, StoreError>;

    /// A subject's scans, oldest first.
    fn scans(&self, subject: &str) -> Result<Vec<ScanRecord>, StoreError>;

    /// Which functions use which layer versions (subjects not deleted, layer
    /// versions scanned alone left out).
    fn layer_uses(&self) -> Result<Vec<LayerUse>, StoreError>;

    /// Events not marked sent, oldest first, at most `limit`; each carries
    /// its finding as it is now, with the status the transition gave it.
    fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEvent>, StoreError>;

    /// Marks events sent.
    fn mark_sent(&self, event_ids: &[String], at: Timestamp) -> Result<(), StoreError>;

    /// Removes findings closed before `closed_before` with their history
    /// (events not published by then included). Returns how many went.
    fn prune(&self, closed_before: Timestamp) -> Result<usize, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names() {
        let s = "arn:aws:lambda:us-east-1:123456789012:function:orders:7";
        assert!(names_function(s, "orders"));
        assert!(names_function(s, s));
        assert!(names_function(
            s,
            "arn:aws:lambda:us-east-1:123456789012:function:orders"
        ));
        assert!(!names_function(s, "order"));
        assert!(!names_function(
            s,
            "arn:aws:lambda:us-east-1:123456789012:function:order"
        ));
    }
}
