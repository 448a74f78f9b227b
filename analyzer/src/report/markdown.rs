//! `--format markdown`: a pull-request comment. A heading with the verdict, a
//! summary table per severity, a findings table (risk, severity, KEV) in
//! `--sort` order, the baseline changes, and the
//! details of each finding in collapsed `<details>` blocks.

use super::signals::{epss_text, kev_text};
use super::table::summary_line;
use super::{describe_location, ordered, osv_url, primary_locations, Renderer, SortOrder};
use crate::baseline::Changes;
use crate::diagnostics::Gap;
use crate::findings::{Finding, Rating, ScanReport, Status};
use std::io::{self, Write};

pub(crate) struct Markdown<'a> {
    pub changes: Option<&'a Changes>,
    pub sort: SortOrder,
}

/// Findings-table rows and details blocks kept, so that a large report still
/// fits in one pull-request comment (GitHub allows 65,536 characters).
const MAX_ROWS: usize = 150;
const MAX_DETAILS: usize = 60;

/// Escapes text for a table cell or inline Markdown.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn severity_cell(rating: Rating) -> String {
    let name = rating.name();
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn id_link(id: &str) -> String {
    format!("[{}]({})", cell(id), osv_url(id))
}

impl Markdown<'_> {
    /// The evidence left unread, as a table (nothing when complete).
    fn gaps(&self, gaps: &[(&str, &Gap)], out: &mut dyn Write) -> io::Result<()> {
        if gaps.is_empty() {
            return Ok(());
        }
        writeln!(out, "### Not read\n")?;
        writeln!(
            out,
            "The scan is incomplete: packages in these files were not checked.\n"
        )?;
        writeln!(out, "| Artifact | Path | Reason |")?;
        writeln!(out, "| --- | --- | --- |")?;
        for (artifact, gap) in gaps.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "| {} | {} | {} |",
                cell(artifact),
                cell(&gap.path),
                cell(&gap.reason)
            )?;
        }
        if gaps.len() > MAX_ROWS {
            writeln!(
                out,
                "\n{} more files not read are not listed; see the JSON report.",
                gaps.len() - MAX_ROWS
            )?;
        }
        writeln!(out)
    }

    fn changes(&self, c: &Changes, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "### What this deploy changes\n")?;
        if c.is_empty() {
            return writeln!(out, "Nothing changed against the baseline.\n");
        }
        writeln!(out, "| Change | Package | Version | Vulnerability |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        for f in &c.introduced {
            let note = if f.status == Status::Suppressed {
                " (suppressed)"
            } else {
                ""
            };
            writeln!(
                out,
                "| introduced | {} | {} | {} {}{note} |",
                cell(&f.package.name),
                cell(&f.package.version),
                severity_cell(f.rating),
                id_link(&f.id)
            )?;
        }
        for f in &c.fixed {
            writeln!(
                out,
                "| fixed | {} | {} | {} {} |",
                cell(&f.package.name),
                cell(&f.package.version),
                severity_cell(f.rating),
                id_link(&f.id)
            )?;
        }
        for p in &c.added {
            writeln!(
                out,
                "| added | {} | {} | |",
                cell(&p.name),
                cell(&p.version)
            )?;
        }
        for p in &c.removed {
            writeln!(
                out,
                "| removed | {} | {} | |",
                cell(&p.name),
                cell(&p.version)
            )?;
        }
        for v in &c.upgraded {
            writeln!(
                out,
                "| upgraded | {} | {} → {} | |",
                cell(&v.name),
                cell(&v.from),
                cell(&v.to)
            )?;
        }
        for v in &c.downgraded {
            writeln!(
                out,
                "| downgraded | {} | {} → {} | |",
                cell(&v.name),
                cell(&v.from),
                cell(&v.to)
            )?;
        }
        writeln!(out)
    }

    fn details(&self, report: &ScanReport, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
        let p = &f.package;
        writeln!(
            out,
            "<details>\n<summary>{} {} in {} {}</summary>\n",
            severity_cell(f.severity.rating),
            cell(&f.id),
            cell(&p.name),
            cell(&p.version)
        )?;
        if !f.summary.is_empty() {
            writeln!(out, "{}\n", cell(&f.summary))?;
        }
        writeln!(out, "- Package: `{}`", p.purl.replace('`', "'"))?;
        match &f.fixed_version {
            Some(v) => writeln!(out, "- Fixed in: {}", cell(v))?,
            None => writeln!(out, "- Fixed in: no fixed version is known")?,
        }
        if let Some(score) = f.severity.score {
            let vector = f
                .severity
                .vector
                .as_deref()
                .map(|v| format!(" (`{v}`)"))
                .unwrap_or_default();
            writeln!(out, "- Score: {score:.1}{vector}")?;
        }
        writeln!(out, "- Risk: {}/100", f.priority.risk.score)?;
        if let Some(kev) = kev_text(f) {
            writeln!(out, "- Exploitation: {}", cell(&kev))?;
        }
        if let Some(epss) = epss_text(f) {
            writeln!(out, "- {}", cell(&epss))?;
        }
        if !f.aliases.is_empty() {
            let ids: Vec<String> = f.aliases.iter().map(|a| id_link(a)).collect();
            writeln!(out, "- Aliases: {}", ids.join(", "))?;
        }
        for l in primary_locations(&f.locations) {
            writeln!(
                out,
                "- Found in {}",
                cell(&describe_location(&report.inventory, l))
            )?;
        }
        if let Some(reason) = &f.suppressed_reason {
            writeln!(out, "- Suppressed: {}", cell(reason))?;
        }
        for r in &f.references {
            writeln!(out, "- <{}>", r.replace('>', "%3E"))?;
        }
        writeln!(out, "\n</details>\n")
    }
}

impl Renderer for Markdown<'_> {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let findings = ordered(&report.findings, self.sort);
        let open: Vec<&Finding> = findings
            .iter()
            .copied()
            .filter(|f| f.status == Status::Open)
            .collect();
        let gaps: Vec<(&str, &Gap)> = report.inventory.gaps().collect();
        let verdict = match (open.is_empty(), gaps.is_empty()) {
            (true, true) => "no open findings",
            (false, true) => "vulnerable dependencies found",
            (true, false) => "incomplete scan, no open findings in what was read",
            (false, false) => "incomplete scan, vulnerable dependencies found",
        };
        writeln!(out, "## lambda-audit: {verdict}\n")?;
        writeln!(out, "{}\n", cell(&summary_line(report)))?;
        writeln!(out, "| Severity | Open findings |")?;
        writeln!(out, "| --- | ---: |")?;
        for (r, n) in report.summary.listed_ratings() {
            writeln!(out, "| {} | {n} |", severity_cell(r))?;
        }
        writeln!(out, "| Suppressed | {} |\n", report.summary.suppressed)?;
        if let Some(c) = self.changes {
            self.changes(c, out)?;
        }
        self.gaps(&gaps, out)?;
        if !open.is_empty() {
            writeln!(out, "### Findings\n")?;
            writeln!(
                out,
                "| Risk | Severity | KEV | Package | Installed | Fixed | Vulnerability | Where |"
            )?;
            writeln!(out, "| ---: | --- | --- | --- | --- | --- | --- | --- |")?;
            for f in open.iter().take(MAX_ROWS) {
                let mut places: Vec<String> =
                    f.locations.iter().map(|l| l.artifact.clone()).collect();
                places.dedup();
                writeln!(
                    out,
                    "| {} | {} | {} | {} ({}) | {} | {} | {} | {} |",
                    f.priority.risk.score,
                    severity_cell(f.severity.rating),
                    if f.priority.kev.is_some() { "yes" } else { "" },
                    cell(&f.package.name),
                    f.package.ecosystem,
                    cell(&f.package.version),
                    f.fixed_version
                        .as_deref()
                        .map(cell)
                        .unwrap_or_else(|| "none".into()),
                    id_link(&f.id),
                    cell(&places.join(", "))
                )?;
            }
            if open.len() > MAX_ROWS {
                writeln!(
                    out,
                    "\n{} more open findings are not listed; see the JSON or SARIF report.",
                    open.len() - MAX_ROWS
                )?;
            }
            writeln!(out)?;
        }
        if !findings.is_empty() {
            writeln!(out, "### Details\n")?;
            for f in findings.iter().take(MAX_DETAILS) {
                self.details(report, f, out)?;
            }
            if findings.len() > MAX_DETAILS {
                writeln!(
                    out,
                    "Details of {} more findings are left out to keep the comment within GitHub's size limit.",
                    findings.len() - MAX_DETAILS
                )?;
            }
        }
        Ok(())
    }
}
