//! The store backends, one file each, registered in [`BACKENDS`]: a location
//! (`--store`, `LAMBDA_AUDIT_STORE`) goes to the first backend that takes it.
//! SQLite, last, takes every path.

pub mod sqlite;

use crate::finding_store::{FindingStore, StoreError};

/// A backend: which locations it takes, and how it opens one.
pub struct Backend {
    pub name: &'static str,
    pub takes: fn(&str) -> bool,
    pub open: fn(&str) -> Result<Box<dyn FindingStore>, StoreError>,
}

/// Every backend, most specific first.
pub const BACKENDS: &[Backend] = &[sqlite::BACKEND];

/// Opens the store at `location` with the first backend that takes it.
pub fn open(location: &str) -> Result<Box<dyn FindingStore>, StoreError> {
    let backend = BACKENDS
        .iter()
        .find(|b| (b.takes)(location))
        .ok_or_else(|| StoreError::UnknownBackend(location.to_string()))?;
    (backend.open)(location)
}
