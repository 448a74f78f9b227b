//! Rows to model values and back. A value that does not read back is an
//! error naming it, never a default.

use crate::finding_store::SubjectRecord;
use crate::model::{
    FindingStatus, HistoryEntry, OutboxEvent, ScanRecord, StoredFinding, Subject, SubjectKind,
};
use crate::time;
use analyzer::findings::{Finding, Status};
use analyzer::Location;
use jiff::Timestamp;
use rusqlite::Row;
use std::collections::HashMap;

/// The finding columns, with an open finding's `last_observed_at` taken from
/// its subject's last scan (unchanged findings are not rewritten), unless
/// that scan could not read it (`unread`).
pub const FINDING_COLUMNS: &str = "f.id, f.subject, f.layer, f.status, f.first_observed_at, \
    CASE WHEN f.status = 'CLOSED' OR f.unread IS NOT NULL THEN f.last_observed_at \
    ELSE s.last_scanned_at END, \
    f.updated_at, f.closed_at, f.close_reason, f.revision, f.template, f.locations, f.loaded, \
    f.suppressed_reason, f.unread";

/// A finding row as read, before it is read into the model with its template.
pub struct FindingRow {
    text: [Option<String>; 9],
    revision: i64,
    /// The key of the shared description (advisory, package, severity, fix...).
    pub template: String,
    locations: String,
    loaded: bool,
    suppressed_reason: Option<String>,
    /// Why the last scan could not read the finding (see `StoredFinding::unread`).
    unread: Option<String>,
}

pub fn finding_row(row: &Row<'_>) -> rusqlite::Result<FindingRow> {
    let mut text: [Option<String>; 9] = Default::default();
    for (i, slot) in text.iter_mut().enumerate() {
        *slot = row.get(i)?;
    }
    Ok(FindingRow {
        text,
        revision: row.get(9)?,
        template: row.get(10)?,
        locations: row.get(11)?,
        loaded: row.get(12)?,
        suppressed_reason: row.get(13)?,
        unread: row.get(14)?,
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

    /// The stored finding, its description taken from `templates` by key.
    pub fn into_model(self, templates: &HashMap<String, Finding>) -> Result<StoredFinding, String> {
        let c = &self.text;
        let template = templates
            .get(&self.template)
            .ok_or_else(|| format!("its description {} is missing", self.template))?;
        let locations: Vec<Location> =
            serde_json::from_str(&self.locations).map_err(|e| format!("locations: {e}"))?;
        let status = if self.suppressed_reason.is_some() {
            Status::Suppressed
        } else {
            Status::Open
        };
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
            unread: self.unread,
            revision: u32::try_from(self.revision).map_err(|e| format!("revision: {e}"))?,
            finding: Finding {
                locations,
                loaded: self.loaded,
                status,
                suppressed_reason: self.suppressed_reason,
                ..template.clone()
            },
        })
    }
}

/// A finding's shared description: the finding without what is particular
/// to one subject (locations, whether loaded, suppression).
pub fn template(f: &Finding) -> Finding {
    Finding {
        locations: Vec::new(),
        loaded: true,
        status: Status::Open,
        suppressed_reason: None,
        ..f.clone()
    }
}

/// True when `bare` is `f`'s [`template`], without building it (every field
/// named: a new one must be sorted into shared or particular here too).
pub fn is_template_of(bare: &Finding, f: &Finding) -> bool {
    let Finding {
        id,
        aliases,
        summary,
        severity,
        package,
        locations: _,
        fixed_version,
        references,
        status: _,
        suppressed_reason: _,
        loaded: _,
        priority,
    } = f;
    bare.id == *id
        && bare.aliases == *aliases
        && bare.summary == *summary
        && bare.severity == *severity
        && bare.package == *package
        && bare.fixed_version == *fixed_version
        && bare.references == *references
        && bare.priority == *priority
}

/// `(key, kind, code_sha256, revision, first_scanned_at, last_scanned_at,
/// deleted_at, digest, active, exposure)`.
pub const SUBJECT_COLUMNS: &str = "key, kind, code_sha256, revision, first_scanned_at, \
    last_scanned_at, deleted_at, digest, active, exposure";

/// A subject row as read.
pub struct SubjectRow {
    pub key: String,
    kind: String,
    code_sha256: Option<String>,
    revision: i64,
    first: Option<String>,
    last: Option<String>,
    deleted: Option<String>,
    digest: Option<String>,
    active: i64,
    /// JSON; NULL when not known (see `Subject::exposure`).
    exposure: Option<String>,
}

pub fn subject_row(row: &Row<'_>) -> rusqlite::Result<SubjectRow> {
    Ok(SubjectRow {
        key: row.get(0)?,
        kind: row.get(1)?,
        code_sha256: row.get(2)?,
        revision: row.get(3)?,
        first: row.get(4)?,
        last: row.get(5)?,
        deleted: row.get(6)?,
        digest: row.get(7)?,
        active: row.get(8)?,
        exposure: row.get(9)?,
    })
}

pub fn subject_model(row: SubjectRow, layers: Vec<String>) -> Result<SubjectRecord, String> {
    Ok(SubjectRecord {
        subject: Subject {
            kind: row.kind.parse::<SubjectKind>()?,
            key: row.key,
            code_sha256: row.code_sha256,
            layers,
            exposure: row
                .exposure
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| format!("exposure: {e}"))?,
        },
        revision: u64::try_from(row.revision).map_err(|e| format!("revision: {e}"))?,
        first_scanned_at: at(&row.first, "first_scanned_at")?,
        last_scanned_at: at(&row.last, "last_scanned_at")?,
        deleted_at: optional_at(&row.deleted, "deleted_at")?,
        digest: row.digest,
        active: usize::try_from(row.active).map_err(|e| format!("active: {e}"))?,
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

/// A transition not published yet: `(event_id, finding, revision, at, transition, status)`.
pub struct PendingRow {
    pub event_id: String,
    pub finding: String,
    revision: u32,
    pub at: Option<String>,
    pub transition: String,
    pub status: String,
}

pub fn pending_row(row: &Row<'_>) -> rusqlite::Result<PendingRow> {
    Ok(PendingRow {
        event_id: row.get(0)?,
        finding: row.get(1)?,
        revision: row.get(2)?,
        at: row.get(3)?,
        transition: row.get(4)?,
        status: row.get(5)?,
    })
}

impl PendingRow {
    /// The event, with `finding` (its current state) showing the transition's status.
    pub fn into_event(self, finding: &StoredFinding) -> Result<OutboxEvent, String> {
        OutboxEvent::of(
            finding,
            self.revision,
            self.transition.parse()?,
            self.status.parse()?,
            at(&self.at, "at")?,
        )
    }
}
