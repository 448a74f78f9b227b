//! `--format table`: open findings grouped by package (in `--sort` order),
//! with severity, installed -> fixed version, ids, risk (with KEV and EPSS)
//! and where the package was found; the
//! baseline changes when given; one summary line at the end. ANSI colour only
//! when asked for; advisory summaries cut to the terminal's width when one is
//! given.

use super::signals::risk_line;
use super::{
    clip, clip_middle, describe_gap, describe_location, incomplete_note, ordered,
    primary_locations, Renderer, SortOrder,
};
use crate::baseline::Changes;
use crate::findings::{Finding, PackageRef, Rating, ScanReport, Status};
use anstyle::{AnsiColor, Reset, Style};
use std::io::{self, Write};

pub(crate) struct Table<'a> {
    pub color: bool,
    /// Columns to fit finding lines to (advisory summaries are cut); `None`
    /// keeps them whole.
    pub width: Option<usize>,
    pub changes: Option<&'a Changes>,
    pub sort: SortOrder,
}

const BOLD: Style = Style::new().bold();
const GREEN: Style = AnsiColor::Green.on_default();
const DIM: Style = Style::new().dimmed();

fn rating_style(rating: Rating) -> Style {
    match rating {
        Rating::Critical => AnsiColor::Magenta.on_default().bold(),
        Rating::High => AnsiColor::Red.on_default().bold(),
        Rating::Medium => AnsiColor::Yellow.on_default(),
        Rating::Low => AnsiColor::Cyan.on_default(),
        Rating::None | Rating::Unknown => DIM,
    }
}

/// The escape that turns `style` on, as one SGR sequence (`ESC[1;35m`).
/// anstyle writes one sequence per attribute (`ESC[1mESC[35m`); joining
/// them keeps the table's bytes what they have always been.
fn escape(style: Style) -> String {
    let rendered = style.render().to_string();
    let params: Vec<&str> = rendered
        .split("\x1b[")
        .filter_map(|sequence| sequence.strip_suffix('m'))
        .collect();
    format!("\x1b[{}m", params.join(";"))
}

/// Number of columns `text` takes (characters; escapes are never counted
/// because widths are measured on plain text).
fn columns(text: &str) -> usize {
    text.chars().count()
}

impl Table<'_> {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", escape(style), Reset.render())
        } else {
            text.to_string()
        }
    }

    fn label_text(rating: Rating) -> String {
        format!("{:<8}", rating.name().to_uppercase())
    }

    fn label(&self, rating: Rating) -> String {
        self.paint(rating_style(rating), &Self::label_text(rating))
    }

    fn package_heading(&self, p: &PackageRef) -> String {
        format!(
            "{} {} ({})",
            self.paint(BOLD, &p.name),
            p.version,
            p.ecosystem
        )
    }

    /// The advisory summary as the finding line ends (`  summary`), cut so
    /// that the line fits `width` after a `lead` of that many columns.
    fn summary_tail(&self, summary: &str, lead: usize) -> String {
        if summary.is_empty() {
            return String::new();
        }
        let tail = format!("  {summary}");
        match self.width {
            Some(width) => clip(&tail, width.saturating_sub(lead)),
            None => tail,
        }
    }

    fn finding(&self, report: &ScanReport, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
        let version = &f.package.version;
        let fix = match &f.fixed_version {
            Some(v) => format!("{version} -> {}", self.paint(GREEN, v)),
            None => format!("{version} -> no fix"),
        };
        let plain_lead = format!(
            "  {} {}  {version} -> {}",
            Self::label_text(f.severity.rating),
            f.id,
            f.fixed_version.as_deref().unwrap_or("no fix")
        );
        let summary = self.summary_tail(&f.summary, columns(&plain_lead));
        writeln!(
            out,
            "  {} {}  {fix}{summary}",
            self.label(f.severity.rating),
            f.id
        )?;
        let pad = " ".repeat(11);
        // Detail lines fit the width too: lists are cut at the end, paths in
        // the middle (their start says which artifact, their end which file).
        let fit = |text: String, cut: fn(&str, usize) -> String| match self.width {
            Some(width) => cut(&text, width.saturating_sub(pad.len())),
            None => text,
        };
        if !f.aliases.is_empty() {
            writeln!(
                out,
                "{pad}{}",
                fit(format!("aliases: {}", f.aliases.join(", ")), clip)
            )?;
        }
        if let Some(score) = f.severity.score {
            writeln!(out, "{pad}score: {score:.1} ({})", f.severity.source)?;
        }
        writeln!(out, "{pad}{}", risk_line(f))?;
        for l in primary_locations(&f.locations) {
            let location = format!("found in {}", describe_location(&report.inventory, l));
            writeln!(out, "{pad}{}", fit(location, clip_middle))?;
        }
        if !f.loaded {
            writeln!(
                out,
                "{pad}{}",
                self.paint(DIM, "no copy of this package is loaded by the runtime")
            )?;
        }
        Ok(())
    }

    fn changes(&self, c: &Changes, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "Changes against the baseline:")?;
        if c.is_empty() {
            writeln!(out, "  none")?;
        }
        for p in &c.added {
            writeln!(
                out,
                "  added       {} {} ({})",
                p.name, p.version, p.ecosystem
            )?;
        }
        for p in &c.removed {
            writeln!(
                out,
                "  removed     {} {} ({})",
                p.name, p.version, p.ecosystem
            )?;
        }
        for v in &c.upgraded {
            writeln!(
                out,
                "  upgraded    {} {} -> {} ({})",
                v.name, v.from, v.to, v.ecosystem
            )?;
        }
        for v in &c.downgraded {
            writeln!(
                out,
                "  downgraded  {} {} -> {} ({})",
                v.name, v.from, v.to, v.ecosystem
            )?;
        }
        for f in &c.introduced {
            let note = if f.status == Status::Suppressed {
                " (suppressed)"
            } else {
                ""
            };
            writeln!(
                out,
                "  introduced  {} {} in {} {}{note}",
                self.label(f.rating).trim_end(),
                f.id,
                f.package.name,
                f.package.version
            )?;
        }
        for f in &c.fixed {
            writeln!(
                out,
                "  fixed       {} {} in {} {}",
                self.label(f.rating).trim_end(),
                f.id,
                f.package.name,
                f.package.version
            )?;
        }
        writeln!(out)
    }

    /// The evidence left unread, one line per gap (nothing when complete).
    fn gaps(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let mut gaps = report.inventory.gaps().peekable();
        if gaps.peek().is_none() {
            return Ok(());
        }
        let heading =
            "Not read (the scan is incomplete; packages in these files were not checked):";
        writeln!(out, "{}", self.paint(BOLD, heading))?;
        for (artifact, gap) in gaps {
            writeln!(out, "  {}", describe_gap(artifact, gap))?;
        }
        writeln!(out)
    }
}

/// The one-line summary: counts per severity, suppressed, could-not-compare,
/// how many files were left unread when the scan is incomplete, and the
/// advisory database (`database: starter set, 65 records`).
pub(crate) fn summary_line(report: &ScanReport) -> String {
    let mut line = counts_line(report);
    if let Some(note) = incomplete_note(&report.inventory) {
        line.push_str(&format!("; {note}"));
    }
    line.push_str(&format!(
        "; database: {}",
        super::describe_database(&report.database)
    ));
    line
}

/// The counts of [`summary_line`].
fn counts_line(report: &ScanReport) -> String {
    let s = &report.summary;
    let packages = report.inventory.packages.len().max(s.packages);
    if packages == 0 {
        return "0 packages found: nothing was checked for vulnerabilities (see the coverage in --format json)".to_string();
    }
    let per_rating: Vec<String> = s
        .listed_ratings()
        .into_iter()
        .map(|(r, n)| format!("{n} {r}"))
        .collect();
    let mut line = format!(
        "{} {} ({}) in {packages} {}; {} suppressed",
        s.findings,
        if s.findings == 1 {
            "finding"
        } else {
            "findings"
        },
        per_rating.join(", "),
        if packages == 1 { "package" } else { "packages" },
        s.suppressed
    );
    if s.unmatched > 0 {
        line.push_str(&format!("; {} could not be compared", s.unmatched));
    }
    line
}

impl Renderer for Table<'_> {
    fn render(&self, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
        let open: Vec<&Finding> = ordered(&report.findings, self.sort)
            .into_iter()
            .filter(|f| f.status == Status::Open)
            .collect();
        let mut current: Option<&PackageRef> = None;
        for f in &open {
            if current != Some(&f.package) {
                if current.is_some() {
                    writeln!(out)?;
                }
                writeln!(out, "{}", self.package_heading(&f.package))?;
                current = Some(&f.package);
            }
            self.finding(report, f, out)?;
        }
        if !open.is_empty() {
            writeln!(out)?;
        }
        if let Some(c) = self.changes {
            self.changes(c, out)?;
        }
        self.gaps(report, out)?;
        writeln!(out, "{}", summary_line(report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_escape_per_style() {
        assert_eq!(escape(rating_style(Rating::Critical)), "\x1b[1;35m");
        assert_eq!(escape(rating_style(Rating::High)), "\x1b[1;31m");
        assert_eq!(escape(rating_style(Rating::Low)), "\x1b[36m");
        assert_eq!(escape(GREEN), "\x1b[32m");
        assert_eq!(escape(DIM), "\x1b[2m");
        assert_eq!(escape(BOLD), "\x1b[1m");
    }

    #[test]
    fn summaries_fit_the_width_only_when_one_is_given() {
        let table = |width| Table {
            color: false,
            width,
            changes: None,
            sort: SortOrder::Risk,
        };
        let summary = "Prototype Pollution in minimist";
        assert_eq!(
            table(None).summary_tail(summary, 70),
            format!("  {summary}")
        );
        assert_eq!(
            table(Some(80)).summary_tail(summary, 40),
            format!("  {summary}")
        );
        let cut = table(Some(50)).summary_tail(summary, 40);
        assert_eq!((cut.as_str(), columns(&cut)), ("  Prototy…", 10));
        assert_eq!(table(Some(50)).summary_tail("", 40), "");
        assert_eq!(table(Some(30)).summary_tail(summary, 40), "");
    }
}
