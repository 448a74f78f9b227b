//! `--format json`: the report as-is (the output contract), its findings in
//! `--sort` order, plus a `changes` section when a baseline was given. Pretty-printed, newline-terminated,
//! byte-identical for the same input (every map in the model is ordered).

use super::{ordered, Renderer, SortOrder};
use crate::baseline::Changes;
use crate::findings::ScanReport;
use serde::Serialize;
use std::io::{self, Write};

pub(crate) struct Json<'a> {
    pub changes: Option<&'a Changes>,
    pub sort: SortOrder,
}

#[derive(Serialize)]
struct WithChanges<'a> {
    #[serde(flatten)]
    report: &'a ScanReport,
    /// The advisory database in words (`starter set, 65 records`), as the
    /// other formats name it.
    database_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<&'a Changes>,
}

impl Renderer for Json<'_> {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let sorted = ScanReport {
            findings: ordered(&report.findings, self.sort)
                .into_iter()
                .cloned()
                .collect(),
            ..report.clone()
        };
        write_pretty(
            &WithChanges {
                report: &sorted,
                database_name: super::describe_database(&report.database),
                changes: self.changes,
            },
            out,
        )
    }
}

/// Writes any serialisable value as pretty JSON and a final newline.
pub(crate) fn write_pretty<T: Serialize + ?Sized>(
    value: &T,
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Writes a JSON value with every object's keys sorted, whether or not
/// serde_json's `preserve_order` feature is on somewhere in the build.
pub(crate) fn write_sorted(mut value: serde_json::Value, out: &mut dyn Write) -> io::Result<()> {
    sort_keys(&mut value);
    write_pretty(&value, out)
}

fn sort_keys(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}
