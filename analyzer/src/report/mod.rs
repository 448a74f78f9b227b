//! Rendering a [`ScanReport`]: one [`Renderer`] trait, one file per format.
//!
//! Every renderer is a pure function of its inputs (the report, the baseline
//! changes, the options): the same input gives byte-identical output.

pub mod asff;
mod csv;
mod cyclonedx;
pub mod database;
mod json;
mod markdown;
mod openvex;
mod order;
mod sarif;
mod signals;
mod spdx;
mod table;

pub use asff::AsffContext;
pub use csv::spreadsheet_safe;
pub use cyclonedx::render_inventory;
pub use database::{
    describe_database, stale_database_warning, DEFAULT_MAX_DB_AGE_DAYS, STARTER_SET,
};
pub(crate) use order::ordered;
pub use order::{sort_findings, SortOrder, UnknownSortOrder};
pub use spdx::UNKNOWN_CREATED;

use crate::baseline::Changes;
use crate::diagnostics::Gap;
use crate::findings::ScanReport;
use crate::inventory::{ArtifactKind, Inventory};
use crate::package::Location;
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

/// An output format of `scan` (and, for `json`/`cyclonedx`, of `sbom`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Human-readable, grouped by package (the default on a terminal).
    Table,
    /// The report as-is (the output contract).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// CycloneDX 1.5 JSON with the vulnerabilities section.
    Cyclonedx,
    /// Markdown, for a pull-request comment.
    Markdown,
    /// An array of AWS Security Finding Format findings (Security Hub).
    Asff,
    /// SPDX 2.3 JSON: the packages, with findings as security references.
    Spdx,
    /// One row per finding, Amazon Inspector's CI columns first.
    Csv,
    /// OpenVEX 0.2.0: one statement per finding (affected, or not affected
    /// and why).
    Openvex,
}

impl Format {
    /// Every format, in a stable order.
    pub const ALL: [Format; 9] = [
        Format::Table,
        Format::Json,
        Format::Sarif,
        Format::Cyclonedx,
        Format::Markdown,
        Format::Asff,
        Format::Spdx,
        Format::Csv,
        Format::Openvex,
    ];

    /// The format when `--format` is not given: `table` on a terminal, `json`
    /// when the output goes to a pipe or a file.
    pub fn default_for(is_tty: bool) -> Format {
        if is_tty {
            Format::Table
        } else {
            Format::Json
        }
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Cyclonedx => "cyclonedx",
            Format::Markdown => "markdown",
            Format::Asff => "asff",
            Format::Spdx => "spdx",
            Format::Csv => "csv",
            Format::Openvex => "openvex",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown format `{0}` (expected one of: table, json, sarif, cyclonedx, markdown, asff, spdx, csv, openvex)"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        let wanted = s.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// What a renderer needs besides the report.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions<'a> {
    /// ANSI colour in the table (the caller decides, from the terminal and
    /// the NO_COLOR / CLICOLOR conventions).
    pub color: bool,
    /// The terminal's width in columns, to fit the table's advisory summaries
    /// to; `None` (not a terminal) leaves lines whole.
    pub width: Option<usize>,
    /// What this deploy changes against a baseline (`--baseline`).
    pub changes: Option<&'a Changes>,
    /// Account, resource and timestamp for ASFF findings.
    pub asff: AsffContext,
    /// When the document is made (RFC 3339, UTC), for formats that record it
    /// (SPDX's `created`, OpenVEX's `timestamp`); [`UNKNOWN_CREATED`] when
    /// absent: renderers never read the clock.
    pub created: Option<String>,
    /// The order findings are listed in (`--sort`).
    pub sort: SortOrder,
}

/// One output format.
pub trait Renderer {
    /// Writes `report` in this format.
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()>;
}

/// The renderer of `format` with `options`.
pub fn renderer<'a>(format: Format, options: &'a RenderOptions<'a>) -> Box<dyn Renderer + 'a> {
    let sort = options.sort;
    let created = options.created.as_deref().unwrap_or(UNKNOWN_CREATED);
    match format {
        Format::Table => Box::new(table::Table {
            color: options.color,
            width: options.width,
            changes: options.changes,
            sort,
        }),
        Format::Json => Box::new(json::Json {
            changes: options.changes,
            sort,
        }),
        Format::Sarif => Box::new(sarif::Sarif {
            changes: options.changes,
            sort,
        }),
        Format::Cyclonedx => Box::new(cyclonedx::CycloneDx { sort }),
        Format::Markdown => Box::new(markdown::Markdown {
            changes: options.changes,
            sort,
        }),
        Format::Asff => Box::new(asff::Asff {
            context: &options.asff,
            sort,
        }),
        Format::Spdx => Box::new(spdx::Spdx { created }),
        Format::Csv => Box::new(csv::Csv { sort }),
        Format::Openvex => Box::new(openvex::OpenVex { created, sort }),
    }
}

/// Renders `report` as `format` into `out`.
pub fn render(
    format: Format,
    report: &ScanReport,
    options: &RenderOptions<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    renderer(format, options).render(report, out)
}

/// Why `report` gives no document in `format`, if it does not: OpenVEX
/// needs at least one statement, so a scan without findings has none.
/// Callers say it on standard error and write nothing.
pub fn no_document(format: Format, report: &ScanReport) -> Option<&'static str> {
    (format == Format::Openvex && !openvex::has_statements(report))
        .then_some(openvex::NO_STATEMENTS)
}

/// Renders an inventory (no findings, never matched) for `sbom`: `json` is the
/// inventory contract, `cyclonedx` and `spdx` SBOMs without vulnerabilities
/// (`created` is SPDX's creation time). Other formats describe scans and are
/// refused (an unmatched inventory is not "0 findings").
pub fn render_sbom(
    format: Format,
    inventory: &Inventory,
    created: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => json::write_pretty(inventory, out),
        Format::Cyclonedx => render_inventory(inventory, out),
        Format::Spdx => spdx::render_inventory(inventory, created, out),
        other => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "`{other}` is a scan format; an inventory is written as json, cyclonedx or spdx"
            ),
        )),
    }
}

/// One stable string for a file inside an artifact: `artifact!/path` inside an
/// archive (or a deployed function named by ARN), `folder/path` in a folder.
pub(crate) fn location_uri(location: &Location) -> String {
    file_uri(&location.artifact, &location.path)
}

/// [`location_uri`] of `path` inside `artifact`.
pub(crate) fn file_uri(artifact: &str, path: &str) -> String {
    if path.is_empty() {
        artifact.to_string()
    } else if crate::archive::is_archive_name(artifact) || artifact.starts_with("arn:") {
        format!("{artifact}!/{path}")
    } else {
        format!("{}/{path}", artifact.trim_end_matches('/'))
    }
}

/// Where a package was found, for people: `function f.zip: path` or
/// `layer 2 l.zip: path`, with `(not loaded: reason)` when the runtime skips it.
pub(crate) fn describe_location(inventory: &Inventory, location: &Location) -> String {
    let role = inventory
        .artifacts
        .iter()
        .find(|a| a.name == location.artifact)
        .map(|a| match (a.role, a.layer_index) {
            (ArtifactKind::Layer, Some(i)) => format!("layer {i} "),
            (role, _) => format!("{role} "),
        })
        .unwrap_or_default();
    let mut text = format!("{role}{}: {}", location.artifact, location.path);
    if let Some(bundle) = &location.bundle {
        text.push_str(&format!(" (bundled: {})", bundle.describe()));
    }
    if !location.loaded {
        match &location.reason {
            Some(reason) => text.push_str(&format!(" (not loaded: {reason})")),
            None => text.push_str(" (not loaded)"),
        }
    }
    text
}

/// The locations worth showing: per artifact, those of the strongest evidence
/// (installed metadata over lockfiles over declarations), strongest first.
pub(crate) fn primary_locations(locations: &[Location]) -> Vec<&Location> {
    let mut best: std::collections::BTreeMap<&str, crate::package::EvidenceKind> =
        std::collections::BTreeMap::new();
    for l in locations {
        let e = best.entry(l.artifact.as_str()).or_insert(l.evidence);
        *e = (*e).min(l.evidence);
    }
    let mut list: Vec<&Location> = locations
        .iter()
        .filter(|l| best.get(l.artifact.as_str()) == Some(&l.evidence))
        .collect();
    list.sort_by(|a, b| {
        (a.evidence, &a.artifact, &a.path).cmp(&(b.evidence, &b.artifact, &b.path))
    });
    list
}

/// One piece of unread evidence, for people: `artifact: path: reason`
/// (`artifact: reason` when the whole artifact is concerned).
pub fn describe_gap(artifact: &str, gap: &Gap) -> String {
    if gap.path.is_empty() {
        format!("{artifact}: {}", gap.reason)
    } else {
        format!("{artifact}: {}: {}", gap.path, gap.reason)
    }
}

/// "N files were not read" for an inventory with gaps, `None` when every
/// piece of evidence was read.
pub(crate) fn incomplete_note(inventory: &Inventory) -> Option<String> {
    match inventory.gaps().count() {
        0 => None,
        1 => Some("incomplete: 1 file was not read".into()),
        n => Some(format!("incomplete: {n} files were not read")),
    }
}

/// The advisory page of an id on osv.dev.
pub(crate) fn osv_url(id: &str) -> String {
    format!("https://osv.dev/vulnerability/{id}")
}

/// `text` cut to at most `max` characters, ending in `…` when cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        out.push('…');
    }
    out
}

/// `text` cut to at most `max` characters by replacing its middle with `…`,
/// so that both the start and the end of a long path stay readable
/// (`function /work/…/node_modules/qs/package.json`).
pub(crate) fn clip_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    if max < 2 {
        return clip(text, max);
    }
    let tail = (max - 1) / 2;
    let head = max - 1 - tail;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
        assert_eq!(
            "xml".parse::<Format>(),
            Err(UnknownFormat("xml".to_string()))
        );
    }

    #[test]
    fn table_on_a_terminal_json_otherwise() {
        assert_eq!(Format::default_for(true), Format::Table);
        assert_eq!(Format::default_for(false), Format::Json);
    }

    #[test]
    fn clipping_counts_characters() {
        assert_eq!(clip("héllo", 5), "héllo");
        assert_eq!(clip("héllo wörld", 6), "héllo…");
        assert_eq!(clip("abc", 1), "…");
        assert_eq!(clip("abc", 0), "");
    }

    #[test]
    fn middle_clipping_keeps_both_ends() {
        assert_eq!(clip_middle("a/b/c", 5), "a/b/c");
        assert_eq!(
            clip_middle("function: /var/task/x.json", 12),
            "functi….json"
        );
        assert_eq!(
            clip_middle("function: /var/task/x.json", 12)
                .chars()
                .count(),
            12
        );
        assert_eq!(clip_middle("abcdef", 1), "…");
        assert_eq!(clip_middle("abcdef", 0), "");
    }
}
