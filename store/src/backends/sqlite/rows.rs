//! Rows to model values and back. A value that does not read back is an
//! error naming it, never a default.

use crate::finding_store::SubjectRecord;
use crate::model::{
    FindingStatus, HistoryEntry, OutboxEvent, ScanRecord, StoredFinding, Subject, SubjectKind,
};
use crate::time;
use jiff::Timestamp;
use rusqlite::Row;

/// The finding columns, with an open finding's `last_observed_at` taken from
/// its subject's last scan (unchanged findings are not rewritten).
pub const FINDING_COLUMNS: &str = "f.id, f.subject, f.layer, f.status, f.first_observed_at, \
    CASE WHEN f.status = 'CLOSED' THEN f.last_observed_at ELSE s.last_scanned_at END, \
    f.updated_at, f.closed_at, f.close_reason, f.revision, f.detail";

/// A finding row as read, before it is read into the model.
pub struct FindingRow {
    text: [Option<String>; 10],
    revision: i64,
}

pub fn finding_row(row: &Row<'_>) -> rusqlite::Result<FindingRow> {
    let mut text: [Option<String>; 10] = Default::default();
    for (slot, column) in text.iter_mut().zip([0, 1, 2, 3, 4, 5, 6, 7, 8, 10]) {
        *slot = row.get(column)?;
    }
    Ok(FindingRow {
        text,
        revision: row.get(9)?,
    })
}

fn required<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str, String> {
    value.as_deref().ok_or_else(|| format!("{what} is missing"))
}

fn at(value: &Option<String>, what: &str) -> Result<Timestamp, String> {
    time::parse(required(value, what)?).map_err(|e| format!("{what}: {e}"))
}

fn optional_at(value: &Option<String>, what: &str) -> Result<Option<Timestamp>, String> {
    value
        .as_deref()
        .map(|t| time::parse(t).map_err(|e| format!("{what}: {e}")))
        .transpose()
}

impl FindingRow {
    /// The id, for messages.
    pub fn id(&self) -> &str {
        self.text[0].as_deref().unwrap_or("?")
    }

    pub fn into_model(self) -> Result<StoredFinding, String> {
        let c = &self.text;
        Ok(StoredFinding {
            id: required(&c[0], "id")?.to_string(),
            subject: required(&c[1], "subject")?.to_string(),
            layer: c[2].clone(),
            status: required(&c[3], "status")?.parse()?,
            first_observed_at: at(&c[4], "first_observed_at")?,
            last_observed_at: at(&c[5], "last_observed_at")?,
            updated_at: at(&c[6], "updated_at")?,
            closed_at: optional_at(&c[7], "closed_at")?,
            close_reason: c[8].as_deref().map(str::parse).transpose()?,
            revision: u32::try_from(self.revision).map_err(|e| format!("revision: {e}"))?,
            finding: serde_json::from_str(required(&c[9], "detail")?)
                .map_err(|e| format!("detail: {e}"))?,
        })
    }
}

/// `(key, kind, code_sha256, revision, first_scanned_at, last_scanned_at, deleted_at)`.
pub const SUBJECT_COLUMNS: &str =
    "key, kind, code_sha256, revision, first_scanned_at, last_scanned_at, deleted_at";

pub type SubjectRow = (
    String,
    String,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub fn subject_row(row: &Row<'_>) -> rusqlite::Result<SubjectRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

pub fn subject_model(row: SubjectRow, layers: Vec<String>) -> Result<SubjectRecord, String> {
    let (key, kind, code_sha256, revision, first, last, deleted) = row;
    Ok(SubjectRecord {
        subject: Subject {
            kind: kind.parse::<SubjectKind>()?,
            key,
            code_sha256,
            layers,
        },
        revision: u64::try_from(revision).map_err(|e| format!("revision: {e}"))?,
        first_scanned_at: at(&first, "first_scanned_at")?,
        last_scanned_at: at(&last, "last_scanned_at")?,
        deleted_at: optional_at(&deleted, "deleted_at")?,
    })
}

pub fn history_entry(row: &Row<'_>) -> rusqlite::Result<Result<HistoryEntry, String>> {
    let (finding, revision, at_text): (String, u32, Option<String>) =
        (row.get(0)?, row.get(1)?, row.get(2)?);
    let (transition, status, reason): (String, String, Option<String>) =
        (row.get(3)?, row.get(4)?, row.get(5)?);
    let read = || -> Result<HistoryEntry, String> {
        Ok(HistoryEntry {
            at: at(&at_text, "at")?,
            transition: transition.parse()?,
            status: status.parse::<FindingStatus>()?,
            finding,
            revision,
            reason,
        })
    };
    Ok(read())
}

pub fn scan_record(row: &Row<'_>) -> rusqlite::Result<Result<ScanRecord, String>> {
    let (subject, at_text, reason, database, active): (
        String,
        Option<String>,
        String,
        String,
        i64,
    ) = (
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    );
    let read = || -> Result<ScanRecord, String> {
        Ok(ScanRecord {
            at: at(&at_text, "at")?,
            reason: reason.parse()?,
            active: usize::try_from(active).map_err(|e| format!("active: {e}"))?,
            subject,
            database,
        })
    };
    Ok(read())
}

pub fn outbox_event(row: &Row<'_>) -> rusqlite::Result<Result<OutboxEvent, String>> {
    let (event_id, finding_id, subject, transition): (String, String, String, String) =
        (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
    let (at_text, payload, sent): (Option<String>, String, Option<String>) =
        (row.get(4)?, row.get(5)?, row.get(6)?);
    let read = || -> Result<OutboxEvent, String> {
        Ok(OutboxEvent {
            transition: transition.parse()?,
            at: at(&at_text, "at")?,
            finding: serde_json::from_str(&payload).map_err(|e| format!("payload: {e}"))?,
            sent_at: optional_at(&sent, "sent_at")?,
            event_id,
            finding_id,
            subject,
        })
    };
    Ok(read())
}
