//! The embedded starter set: OSV records written by the lambda-audit team from
//! public facts (ids, aliases, affected ranges, CVSS vectors; summaries in our
//! own words), covering the vulnerable packages of the test fixtures, so that a
//! fresh clone works offline. `db update` gets the full data.

use super::index::{Builder, Compiled};
use super::load::RawRecord;

/// The starter records, one JSON array of OSV records.
pub const RECORDS_JSON: &str = include_str!("records.json");

/// The records the bundled Node.js fixtures need (`node-esbuild*.zip`,
/// `node-webpack.zip`), kept apart from [`RECORDS_JSON`].
pub const BUNDLE_RECORDS_JSON: &str = include_str!("bundles.json");

/// Every file of the starter set, with its name.
pub const FILES: [(&str, &str); 2] = [
    ("records.json", RECORDS_JSON),
    ("bundles.json", BUNDLE_RECORDS_JSON),
];

/// Builds the in-memory index of the starter set.
pub fn compile() -> Compiled {
    let mut builder = Builder::default();
    for (file, json) in FILES {
        match serde_json::from_str::<Vec<serde_json::Value>>(json) {
            Ok(records) => {
                for (i, record) in records.into_iter().enumerate() {
                    let bytes = serde_json::to_vec(&record).unwrap_or_default();
                    builder.add(RawRecord {
                        origin: format!("embedded starter set, {file} record {i}"),
                        bytes,
                    });
                }
            }
            Err(e) => builder.note_invalid(format!("embedded starter set, {file}: {e}")),
        }
    }
    builder.finish(Vec::new())
}
