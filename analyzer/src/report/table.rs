//! `--format table`: open findings grouped by package, with severity,
//! installed -> fixed version, ids and where the package was found; the
//! baseline changes when given; one summary line at the end. ANSI colour only
//! when asked for.

use super::{describe_location, ordered, primary_locations, rating_name, Renderer, RATINGS_DESC};
use crate::baseline::Changes;
use crate::findings::{Finding, PackageRef, Rating, ScanReport, Status};
use std::io::{self, Write};

pub(crate) struct Table<'a> {
    pub color: bool,
    pub changes: Option<&'a Changes>,
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const GREEN: &str = "\x1b[32m";
const DIM: &str = "\x1b[2m";

fn rating_style(rating: Rating) -> &'static str {
    match rating {
        Rating::Critical => "\x1b[1;35m",
        Rating::High => "\x1b[1;31m",
        Rating::Medium => "\x1b[33m",
        Rating::Low => "\x1b[36m",
        Rating::None | Rating::Unknown => DIM,
    }
}

impl Table<'_> {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn label(&self, rating: Rating) -> String {
        let text = format!("{:<8}", rating_name(rating).to_uppercase());
        self.paint(rating_style(rating), &text)
    }

    fn package_heading(&self, p: &PackageRef) -> String {
        format!(
            "{} {} ({})",
            self.paint(BOLD, &p.name),
            p.version,
            p.ecosystem
        )
    }

    fn finding(&self, report: &ScanReport, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
        let fix = match &f.fixed_version {
            Some(v) => format!("{} -> {}", f.package.version, self.paint(GREEN, v)),
            None => format!("{} -> no fix", f.package.version),
        };
        let summary = if f.summary.is_empty() {
            String::new()
        } else {
            format!("  {}", f.summary)
        };
        writeln!(
            out,
            "  {} {}  {fix}{summary}",
            self.label(f.severity.rating),
            f.id
        )?;
        let pad = " ".repeat(11);
        if !f.aliases.is_empty() {
            writeln!(out, "{pad}aliases: {}", f.aliases.join(", "))?;
        }
        if let Some(score) = f.severity.score {
            writeln!(out, "{pad}score: {score:.1} ({})", f.severity.source)?;
        }
        for l in primary_locations(&f.locations) {
            writeln!(
                out,
                "{pad}found in {}",
                describe_location(&report.inventory, l)
            )?;
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
}

/// The one-line summary: counts per severity, suppressed, could-not-compare.
pub(crate) fn summary_line(report: &ScanReport) -> String {
    let s = &report.summary;
    let packages = report.inventory.packages.len().max(s.packages);
    if packages == 0 {
        return "0 packages found: nothing was checked for vulnerabilities (see the coverage in --format json)".to_string();
    }
    let count = |r: Rating| s.by_severity.get(rating_name(r)).copied().unwrap_or(0);
    let per_rating: Vec<String> = RATINGS_DESC
        .into_iter()
        .filter(|r| {
            matches!(
                r,
                Rating::Critical | Rating::High | Rating::Medium | Rating::Low
            ) || count(*r) > 0
        })
        .map(|r| format!("{} {}", count(r), rating_name(r)))
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
        let open: Vec<&Finding> = ordered(&report.findings)
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
        writeln!(out, "{}", summary_line(report))
    }
}
