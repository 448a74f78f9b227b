//! The embedded starter set: OSV records written by the lambda-audit team from
//! public facts (ids, aliases, affected ranges, CVSS vectors; summaries in our
//! own words), covering the vulnerable packages of the test fixtures, so that a
//! fresh clone works offline. `db update` gets the full data.

use super::index::{Builder, Compiled};
use super::load::RawRecord;

/// The starter records, one JSON array of OSV records.
pub const RECORDS_JSON: &str = include_str!("records.json");

/// Builds the in-memory index of the starter set.
pub fn compile() -> Compiled {
    let mut builder = Builder::default();
    match serde_json::from_str::<Vec<serde_json::Value>>(RECORDS_JSON) {
        Ok(records) => {
            for (i, record) in records.into_iter().enumerate() {
                let bytes = serde_json::to_vec(&record).unwrap_or_default();
                builder.add(RawRecord {
                    origin: format!("embedded starter set, record {i}"),
                    bytes,
                });
            }
        }
        Err(e) => builder.note_invalid(format!("embedded starter set: {e}")),
    }
    builder.finish(Vec::new())
}
