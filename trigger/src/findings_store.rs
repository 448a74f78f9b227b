//! The findings store the trigger records into (see the `store` crate): one
//! location string, `LAMBDA_AUDIT_FINDINGS_STORE`, opened by the first backend
//! of [`BACKENDS`] that takes it.
//!
//! Without the variable the store is SQLite in the work folder
//! ([`DEFAULT_FILE_NAME`]): it lives as long as the container's /tmp, so a cold
//! container announces its findings again, with the same event ids
//! (consumers drop the duplicates). A deployment that keeps history sets the
//! variable to a store that outlives containers.
//!
//! A DynamoDB store is opened with the trigger's own AWS options
//! (`LAMBDA_AUDIT_ENDPOINT_URL`, region) over the standard chain, like every
//! other client of the handler.

use layers::aws::AwsOptions;
use std::path::Path;
use store::backends::{sqlite, Backend};
use store::{FindingStore, StoreError};

/// The variable naming the store's location.
pub const FINDINGS_STORE_VAR: &str = "LAMBDA_AUDIT_FINDINGS_STORE";

/// The SQLite file in the work folder when no location is set.
pub const DEFAULT_FILE_NAME: &str = "findings.sqlite";

/// Every backend the trigger can open, most specific first (DynamoDB for a
/// `dynamodb://TABLE` location; SQLite, last,
/// takes any path).
pub const BACKENDS: &[&Backend] = &[&store_dynamodb::BACKEND, &sqlite::BACKEND];

/// The location configured through `var`, else the default in `work_dir`.
pub fn location(var: &dyn Fn(&str) -> Option<String>, work_dir: &Path) -> String {
    var(FINDINGS_STORE_VAR)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| work_dir.join(DEFAULT_FILE_NAME).display().to_string())
}

/// Opens the store at `location` with the first backend that takes it; a
/// DynamoDB table through `aws` (the handler's endpoint and region).
pub fn open(location: &str, aws: &AwsOptions) -> Result<Box<dyn FindingStore>, StoreError> {
    if (store_dynamodb::BACKEND.takes)(location) {
        return Ok(Box::new(store_dynamodb::DynamoStore::open_with(
            location, aws,
        )?));
    }
    let backend = BACKENDS
        .iter()
        .find(|b| (b.takes)(location))
        .ok_or_else(|| StoreError::UnknownBackend(location.to_string()))?;
    (backend.open)(location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_comes_from_the_variable_else_the_work_folder() {
        let work = Path::new("/tmp/lambda-audit");
        assert_eq!(
            location(&|_| None, work),
            "/tmp/lambda-audit/findings.sqlite"
        );
        let set = |k: &str| (k == FINDINGS_STORE_VAR).then(|| " /data/f.sqlite ".to_string());
        assert_eq!(location(&set, work), "/data/f.sqlite");
        let blank = |k: &str| (k == FINDINGS_STORE_VAR).then(|| " ".to_string());
        assert_eq!(location(&blank, work), "/tmp/lambda-audit/findings.sqlite");
    }

    #[test]
    fn a_path_opens_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/findings.sqlite");
        let store = open(&path.display().to_string(), &AwsOptions::default()).unwrap();
        assert!(store.subjects().unwrap().is_empty());
        assert!(path.exists());
    }
}
