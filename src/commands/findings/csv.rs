//! `findings --format csv`: one row per finding, the JSON contract's fields
//! flattened (aliases joined with spaces), for spreadsheets. Written with the
//! `csv` crate, which quotes what needs quoting (commas, quotes, newlines);
//! untrusted text (names, ids) is made inert for spreadsheets as in
//! `scan --format csv`.

use analyzer::report::spreadsheet_safe as safe;
use store::StoredFinding;

/// The header row.
const HEADER: [&str; 16] = [
    "id",
    "subject",
    "advisory",
    "aliases",
    "ecosystem",
    "name",
    "version",
    "purl",
    "status",
    "firstObservedAt",
    "lastObservedAt",
    "updatedAt",
    "closedAt",
    "closeReason",
    "layer",
    "severity",
];

/// The findings as CSV, header first.
pub fn write<'a>(findings: impl IntoIterator<Item = &'a StoredFinding>) -> anyhow::Result<Vec<u8>> {
    let mut out = ::csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)?;
    let time = store::time::format;
    for f in findings {
        let p = &f.finding.package;
        out.write_record([
            f.id.as_str(),
            &safe(&f.subject),
            &safe(&f.finding.id),
            &safe(&f.finding.aliases.join(" ")),
            p.ecosystem.as_str(),
            &safe(&p.name),
            &safe(&p.version),
            &safe(&p.purl),
            f.status.as_str(),
            &time(f.first_observed_at),
            &time(f.last_observed_at),
            &time(f.updated_at),
            &f.closed_at.map(time).unwrap_or_default(),
            f.close_reason.map(|r| r.as_str()).unwrap_or_default(),
            &safe(f.layer.as_deref().unwrap_or_default()),
            f.finding.severity.rating.name(),
        ])?;
    }
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write CSV: {}", e.error()))
}
