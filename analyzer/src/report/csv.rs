//! `--format csv`: one row per finding, for spreadsheets. The first eleven
//! columns are those of Amazon Inspector's CI scan CSV (`ID`, `Severity`,
//! `Source`, `CVSS`, `Installed Package`, `Fixed Package`, `Path`, `EPSS`,
//! `Exploit Available`, `Exploit Last Seen`, `CWEs`), after its two `#` lines
//! (artifact, counts), so a team's sheets keep working; the first `#` line
//! ends with the advisory database (`database:starter set, 65 records`), and
//! lambda-audit's own columns follow (then `Risk` and `KEV Date Added`).
//! `EPSS` is filled from `--epss`, `Exploit Available` is `YES` for a
//! known-exploited (KEV) vulnerability. Absent values are `null`, as Inspector
//! writes them.
//!
//! Every field is quoted, and a text field that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a
//! leading `'`: package names and advisory summaries are untrusted input.

use super::{location_uri, ordered, primary_locations, Renderer, SortOrder};
use crate::findings::{Finding, Rating, ScanReport, Status};
use std::io::{self, Write};

/// The columns, Inspector's first.
pub const COLUMNS: [&str; 20] = [
    "ID",
    "Severity",
    "Source",
    "CVSS",
    "Installed Package",
    "Fixed Package",
    "Path",
    "EPSS",
    "Exploit Available",
    "Exploit Last Seen",
    "CWEs",
    "Status",
    "Ecosystem",
    "Package",
    "Version",
    "Aliases",
    "Loaded",
    "Summary",
    "Risk",
    "KEV Date Added",
];

const NULL: &str = "null";

pub(crate) struct Csv {
    pub sort: SortOrder,
}

impl Renderer for Csv {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let mut writer = ::csv::WriterBuilder::new()
            .quote_style(::csv::QuoteStyle::Always)
            .flexible(true)
            .from_writer(out);
        let artifact = report.inventory.main_artifact();
        writer.write_record([
            format!("#artifact_name:{}", artifact.map_or(NULL, |a| &a.name)),
            format!(
                "artifact_type:{}",
                artifact.map_or_else(|| NULL.to_string(), |a| a.role.to_string())
            ),
            format!("artifact_hash:{NULL}"),
            format!("build_id:{NULL}"),
            format!("database:{}", super::describe_database(&report.database)),
        ])?;
        let count = |rating: Rating| {
            report
                .findings
                .iter()
                .filter(|f| f.status == Status::Open && f.severity.rating == rating)
                .count()
        };
        let other = count(Rating::Unknown) + count(Rating::None);
        writer.write_record([
            format!("#critical_vulnerabilities:{}", count(Rating::Critical)),
            format!("high_vulnerabilities:{}", count(Rating::High)),
            format!("medium_vulnerabilities:{}", count(Rating::Medium)),
            format!("low_vulnerabilities:{}", count(Rating::Low)),
            format!("other_vulnerabilities:{other}"),
        ])?;
        writer.write_record(COLUMNS)?;
        for f in ordered(&report.findings, self.sort) {
            writer.write_record(row(f))?;
        }
        writer.flush()
    }
}

fn row(f: &Finding) -> [String; 20] {
    let path = primary_locations(&f.locations)
        .first()
        .map(|l| l.lambda_path.clone().unwrap_or_else(|| location_uri(l)));
    [
        spreadsheet_safe(&f.id),
        inspector_severity(f.severity.rating).to_string(),
        "OSV".to_string(),
        f.severity
            .score
            .map_or_else(|| NULL.to_string(), |s| format!("{s:.1}")),
        spreadsheet_safe(&f.package.purl),
        f.fixed_version
            .as_deref()
            .map_or_else(|| NULL.into(), spreadsheet_safe),
        path.as_deref()
            .map_or_else(|| NULL.into(), spreadsheet_safe),
        f.priority
            .epss
            .map_or_else(|| NULL.to_string(), |e| e.score.to_string()),
        // Known exploited (CISA KEV) means an exploit exists; its absence
        // says nothing, so it is null rather than NO.
        match f.priority.kev {
            Some(_) => "YES".to_string(),
            None => NULL.to_string(),
        },
        NULL.to_string(),
        NULL.to_string(),
        match f.status {
            Status::Open => "open",
            Status::Suppressed => "suppressed",
        }
        .to_string(),
        f.package.ecosystem.as_str().to_string(),
        spreadsheet_safe(&f.package.name),
        spreadsheet_safe(&f.package.version),
        spreadsheet_safe(&f.aliases.join(" ")),
        f.loaded.to_string(),
        spreadsheet_safe(&f.summary),
        f.priority.risk.score.to_string(),
        f.priority
            .kev
            .as_ref()
            .map_or_else(|| NULL.into(), |k| spreadsheet_safe(&k.date_added)),
    ]
}

/// Inspector's severity words: `untriaged` when the advisory gives none.
fn inspector_severity(rating: Rating) -> &'static str {
    match rating {
        Rating::Unknown => "untriaged",
        Rating::None => "informational",
        other => other.name(),
    }
}

/// `text` made inert for spreadsheets: a leading `'` when a spreadsheet would
/// run it as a formula (it starts with `=`, `+`, `-`, `@`, tab or CR).
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_inert() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@hapi/hoek"), "'@hapi/hoek");
        assert_eq!(spreadsheet_safe("-1"), "'-1");
        assert_eq!(spreadsheet_safe("lodash"), "lodash");
    }

    #[test]
    fn severities_use_inspector_words() {
        assert_eq!(inspector_severity(Rating::Unknown), "untriaged");
        assert_eq!(inspector_severity(Rating::Critical), "critical");
    }
}
