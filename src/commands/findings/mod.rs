//! `lambda-audit findings`: list the stored findings, filtered, or per layer
//! version with its blast radius (`--by-layer`).

mod csv;
mod table;

use super::scan::write_output;
use super::store::StoreArgs;
use super::terminal::Terminal;
use analyzer::findings::{DatabaseInfo, Rating, ScanReport, Summary};
use analyzer::report::{render, Format as ReportFormat, RenderOptions, SortOrder};
use std::path::PathBuf;
use std::str::FromStr;
use store::blast::{by_layer, LayerImpact};
use store::{FindingFilter, FindingStatus, StoredFinding};

/// Output formats of `findings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
    Sarif,
    Markdown,
}

impl FromStr for ListFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<ListFormat, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "table" => ListFormat::Table,
            "json" => ListFormat::Json,
            "csv" => ListFormat::Csv,
            "sarif" => ListFormat::Sarif,
            "markdown" | "md" => ListFormat::Markdown,
            _ => {
                return Err(format!(
                    "unknown format `{s}` (expected one of: table, json, csv, sarif, markdown)"
                ))
            }
        })
    }
}

/// A severity rating by name (`--severity`).
fn rating(s: &str) -> Result<Rating, String> {
    let s = s.trim();
    Rating::DESCENDING
        .into_iter()
        .find(|r| r.name().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            format!(
                "unknown severity `{s}` (expected critical, high, medium, low, none or unknown)"
            )
        })
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only findings with this status: ACTIVE, SUPPRESSED or CLOSED (default: all).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<FindingStatus>,
    /// Only findings of this function (name, ARN or version ARN).
    #[arg(long, value_name = "NAME|ARN")]
    pub function: Option<String>,
    /// Only findings whose package comes from this layer (version ARN, or
    /// layer ARN for every version).
    #[arg(long, value_name = "ARN")]
    pub layer: Option<String>,
    /// Only findings rated at least this: low, medium, high, critical.
    #[arg(long, value_name = "SEVERITY", value_parser = rating)]
    pub severity: Option<Rating>,
    /// Only findings that changed (updatedAt) on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE", value_parser = store::time::parse)]
    pub since: Option<jiff::Timestamp>,
    /// Per layer version: its open findings, the functions that use it, and
    /// what publishing a fixed version would close.
    #[arg(long)]
    pub by_layer: bool,
    /// table (default on a terminal), json (default otherwise), csv, sarif, markdown.
    #[arg(long, short, value_name = "FORMAT")]
    pub format: Option<ListFormat>,
    /// Write the list to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Order the findings by risk (as scored when recorded), severity or
    /// package; default: the store's order (sarif and markdown: risk).
    #[arg(long, value_name = "ORDER")]
    pub sort: Option<SortOrder>,
}

/// Sorts stored findings like the reports do: by `order`'s measure, highest
/// first, then package and id (the store's order breaks ties).
fn sort(findings: &mut [StoredFinding], order: SortOrder) {
    use std::cmp::Reverse;
    findings.sort_by(|a, b| {
        let key = |s: &StoredFinding| {
            let f = &s.finding;
            let measure = match order {
                SortOrder::Risk => (f.priority.risk.score, f.severity.rating),
                SortOrder::Severity => (0, f.severity.rating),
                SortOrder::Package => (0, Rating::Unknown),
            };
            let package = (order == SortOrder::Package).then(|| f.package.clone());
            (package, Reverse(measure), f.package.clone(), f.id.clone())
        };
        key(a).cmp(&key(b))
    });
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let store = args.store.open()?;
    let filter = FindingFilter {
        status: args.status,
        function: args.function.clone(),
        layer: args.layer.clone(),
        min_severity: args.severity,
        since: args.since,
    };
    let mut findings = store.findings(&filter)?;
    if let Some(order) = args.sort {
        sort(&mut findings, order);
    }
    let terminal = Terminal::for_output(args.output.as_deref());
    let format = args.format.unwrap_or(if terminal.is_tty {
        ListFormat::Table
    } else {
        ListFormat::Json
    });
    let out = if args.by_layer {
        let impacts = by_layer(&findings, &store.layer_uses()?);
        match format {
            ListFormat::Json => json(&serde_json::json!({ "layers": impacts }))?,
            ListFormat::Table => table::layers(&impacts).into_bytes(),
            ListFormat::Csv => csv::write(impacts.iter().flat_map(|i| &i.findings))?,
            ListFormat::Sarif | ListFormat::Markdown => report(
                format,
                impacts.iter().flat_map(|i: &LayerImpact| &i.findings),
                &terminal,
                args.sort.unwrap_or_default(),
            )?,
        }
    } else {
        match format {
            ListFormat::Json => json(&serde_json::json!({ "findings": findings }))?,
            ListFormat::Table => table::findings(&findings).into_bytes(),
            ListFormat::Csv => csv::write(&findings)?,
            ListFormat::Sarif | ListFormat::Markdown => {
                report(format, &findings, &terminal, args.sort.unwrap_or_default())?
            }
        }
    };
    write_output(&out, args.output.as_ref())?;
    Ok(0)
}

fn json(value: &serde_json::Value) -> anyhow::Result<Vec<u8>> {
    let mut text = serde_json::to_vec_pretty(value)?;
    text.push(b'\n');
    Ok(text)
}

/// SARIF or Markdown through the scan report renderers: the open findings
/// (closed ones are not results), as one report.
fn report<'a>(
    format: ListFormat,
    findings: impl IntoIterator<Item = &'a StoredFinding>,
    terminal: &Terminal,
    sort: SortOrder,
) -> anyhow::Result<Vec<u8>> {
    let report = as_report(findings);
    let format = match format {
        ListFormat::Sarif => ReportFormat::Sarif,
        _ => ReportFormat::Markdown,
    };
    let options = RenderOptions {
        color: terminal.color,
        width: terminal.width,
        changes: None,
        asff: Default::default(),
        created: None,
        sort,
    };
    let mut out = Vec::new();
    render(format, &report, &options, &mut out)?;
    Ok(out)
}

/// A scan report holding the open findings of `findings`, for the report renderers.
pub fn as_report<'a>(findings: impl IntoIterator<Item = &'a StoredFinding>) -> ScanReport {
    let mut list: Vec<_> = findings
        .into_iter()
        .filter(|f| f.status != FindingStatus::Closed)
        .map(|f| f.finding.clone())
        .collect();
    list.sort_by(|a, b| (&a.package, &a.id, &a.locations).cmp(&(&b.package, &b.id, &b.locations)));
    list.dedup_by(|a, b| a.package == b.package && a.id == b.id && a.locations == b.locations);
    let mut summary = Summary::default();
    summary.count_findings(&list);
    ScanReport {
        inventory: Default::default(),
        database: DatabaseInfo::default(),
        findings: list,
        unmatched: Vec::new(),
        summary,
        exposure: None,
    }
}
