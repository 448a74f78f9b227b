//! Checking that a downloaded OSV export is one before it replaces the
//! database in use: a pure function of the zip's bytes. The check also lists
//! each member's `modified` time, which `db update` keeps so that the next
//! update can fetch only the records modified since.

use super::load::{self, RawRecord};
use super::osv::Osv;
use super::DbError;
use std::io::{Read, Seek};

/// At most one member in this many may fail to read as an OSV record (a scan
/// reports those); more means the zip is not an OSV export.
pub const INVALID_ONE_IN: usize = 100;

/// Why an export was refused. The messages say what is wrong with the zip;
/// the caller names the zip.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The bytes are not a readable zip.
    #[error("not a readable zip: {0}")]
    Unreadable(DbError),
    /// No member is an OSV record.
    #[error("the zip holds no valid OSV records{}", first_problem(.first))]
    NoRecords {
        /// The first member that is not a record, with the reason.
        first: Option<String>,
    },
    /// More than one member in [`INVALID_ONE_IN`] is not an OSV record.
    #[error("{invalid} of {total} members are not valid OSV records (first: {first})")]
    MostlyInvalid {
        invalid: usize,
        total: usize,
        first: String,
    },
}

fn first_problem(first: &Option<String>) -> String {
    first
        .as_ref()
        .map_or(String::new(), |i| format!(" (first problem: {i})"))
}

/// What a verified export holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifiedExport {
    /// Members that are OSV records.
    pub records: usize,
    /// Members that are not (`label!member: reason`), as a scan reports them.
    pub invalid: Vec<String>,
    /// Every `*.json` member's name without `.json` (an OSV export names each
    /// record `<ID>.json`) and the `modified` its record gives (empty when it
    /// gives none), in zip order.
    pub modified: Vec<(String, String)>,
}

/// Checks that `zip` (named `label` in the members' origins) is a zip of OSV
/// records. A few malformed records (at most one in [`INVALID_ONE_IN`]) are
/// tolerated, as a scan reports them; more means it is not an OSV export.
pub fn verify_export<R: Read + Seek>(zip: R, label: &str) -> Result<VerifiedExport, ExportError> {
    let mut verified = VerifiedExport::default();
    let prefix = format!("{label}!");
    load::read_zip(zip, label, &mut |raw: RawRecord| {
        let modified = match Osv::from_slice(&raw.bytes) {
            Ok(record) => {
                verified.records += 1;
                record.modified
            }
            Err(e) => {
                verified.invalid.push(format!("{}: {e}", raw.origin));
                lenient_modified(&raw.bytes)
            }
        };
        let name = raw.origin.strip_prefix(&prefix).unwrap_or(&raw.origin);
        let id = name.strip_suffix(".json").unwrap_or(name);
        verified.modified.push((id.to_string(), modified));
        Ok(())
    })
    .map_err(ExportError::Unreadable)?;
    if verified.records == 0 {
        return Err(ExportError::NoRecords {
            first: verified.invalid.into_iter().next(),
        });
    }
    let total = verified.records + verified.invalid.len();
    if verified.invalid.len() * INVALID_ONE_IN > total {
        return Err(ExportError::MostlyInvalid {
            invalid: verified.invalid.len(),
            total,
            first: verified.invalid.swap_remove(0),
        });
    }
    Ok(verified)
}

/// The `modified` of a member that is not a valid record, when it has one.
fn lenient_modified(bytes: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Head {
        modified: Option<String>,
    }
    serde_json::from_slice::<Head>(bytes)
        .ok()
        .and_then(|h| h.modified)
        .unwrap_or_default()
}
