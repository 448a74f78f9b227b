//! `--format json`: the report as-is (the output contract), its findings in
//! `--sort` order, plus a `changes` section when a baseline was given. Pretty-printed, newline-terminated,
//! byte-identical for the same input (every map in the model is ordered).

use super::{ordered, Renderer, SortOrder};
use crate::baseline::Changes;
use crate::findings::{DatabaseInfo, Finding, ScanReport, Summary, Unmatched};
use crate::inventory::Inventory;
use crate::risk::Exposure;
use serde::Serialize;
use std::io::{self, Write};

pub(crate) struct Json<'a> {
    pub changes: Option<&'a Changes>,
    pub sort: SortOrder,
}

/// The report as written: [`ScanReport`]'s fields, borrowed, its findings in
/// `--sort` order, then the database in words and the changes. Borrowing
/// keeps the report from being copied to be written (about 90 MB at the
/// package limit); [`View::of`] names every field of `ScanReport`, so a new
/// field fails to compile until it is written here too.
#[derive(Serialize)]
struct View<'a> {
    #[serde(flatten)]
    inventory: &'a Inventory,
    database: &'a DatabaseInfo,
    findings: Vec<&'a Finding>,
    unmatched: &'a [Unmatched],
    summary: &'a Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    exposure: Option<&'a Exposure>,
    /// The advisory database in words (`starter set, 65 records`), as the
    /// other formats name it.
    database_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<&'a Changes>,
}

impl<'a> View<'a> {
    fn of(report: &'a ScanReport, sort: SortOrder, changes: Option<&'a Changes>) -> View<'a> {
        let ScanReport {
            inventory,
            database,
            findings,
            unmatched,
            summary,
            exposure,
        } = report;
        View {
            inventory,
            database,
            findings: ordered(findings, sort),
            unmatched,
            summary,
            exposure: exposure.as_ref(),
            database_name: super::describe_database(database),
            changes,
        }
    }
}

impl Renderer for Json<'_> {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        write_pretty(&View::of(report, self.sort, self.changes), out)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// How the report was written before [`View`]: a sorted copy, flattened.
    #[derive(Serialize)]
    struct Copied<'a> {
        #[serde(flatten)]
        report: &'a ScanReport,
        database_name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        changes: Option<&'a Changes>,
    }

    fn copied(report: &ScanReport, sort: SortOrder, changes: Option<&Changes>) -> Vec<u8> {
        let sorted = ScanReport {
            findings: ordered(&report.findings, sort)
                .into_iter()
                .cloned()
                .collect(),
            ..report.clone()
        };
        let mut out = Vec::new();
        let copy = Copied {
            report: &sorted,
            database_name: super::super::describe_database(&report.database),
            changes,
        };
        write_pretty(&copy, &mut out).unwrap();
        out
    }

    #[test]
    fn the_borrowed_view_writes_what_a_sorted_copy_wrote() {
        // The golden report: findings of every rating, locations in a layer.
        let golden = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/node-nested-next.json"
        );
        let text = std::fs::read_to_string(golden).unwrap();
        let mut report: ScanReport = serde_json::from_str(&text).unwrap();
        assert!(report.findings.len() > 1);
        report.findings.reverse();
        let changes = Changes {
            added: report.findings.iter().map(|f| f.package.clone()).collect(),
            ..Changes::default()
        };
        for sort in [SortOrder::Risk, SortOrder::Severity, SortOrder::Package] {
            for changes in [None, Some(&changes)] {
                let mut out = Vec::new();
                Json { changes, sort }.render(&report, &mut out).unwrap();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    String::from_utf8(copied(&report, sort, changes)).unwrap(),
                    "{sort:?}"
                );
            }
        }
    }
}
