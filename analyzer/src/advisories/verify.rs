//! Checking that a downloaded OSV export is one before it replaces the
//! database in use: a pure function of the zip's bytes.

use super::load::{self, RawRecord};
use super::osv::Osv;
use super::DbError;
use std::io::{Read, Seek};

/// Why an export was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The bytes are not a readable zip.
    #[error(transparent)]
    Unreadable(DbError),
    /// No member is an OSV record.
    #[error("{label}: the zip holds no valid OSV records{}", first_problem(.first))]
    NoRecords {
        label: String,
        /// The first member that is not a record, with the reason.
        first: Option<String>,
    },
    /// More than one member in a hundred is not an OSV record.
    #[error("{label}: {invalid} of {total} members are not valid OSV records (first: {first})")]
    MostlyInvalid {
        label: String,
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

/// Checks that `zip` (named `label` in errors) is a zip of OSV records and
/// returns how many it holds. A few malformed records (at most one in a
/// hundred) are tolerated, as a scan reports them; more means it is not an
/// OSV export.
pub fn verify_export<R: Read + Seek>(zip: R, label: &str) -> Result<usize, ExportError> {
    let mut count = 0usize;
    let mut invalid: Vec<String> = Vec::new();
    load::read_zip(zip, label, &mut |raw: RawRecord| {
        match Osv::from_slice(&raw.bytes) {
            Ok(_) => count += 1,
            Err(e) => invalid.push(format!("{}: {e}", raw.origin)),
        }
        Ok(())
    })
    .map_err(ExportError::Unreadable)?;
    if count == 0 {
        return Err(ExportError::NoRecords {
            label: label.to_string(),
            first: invalid.into_iter().next(),
        });
    }
    let total = count + invalid.len();
    if invalid.len() * 100 > total {
        return Err(ExportError::MostlyInvalid {
            label: label.to_string(),
            invalid: invalid.len(),
            total,
            first: invalid.swap_remove(0),
        });
    }
    Ok(count)
}
