//! `findings --format table`: one line per finding, and the per-layer view.

use store::blast::LayerImpact;
use store::{FindingStatus, StoredFinding};

/// One finding in one line: status, severity, advisory, package, subject,
/// and where it comes from or why it closed.
fn line(f: &StoredFinding) -> String {
    let p = &f.finding.package;
    let mut text = format!(
        "{:<10} {:<8} {:<20} {} {} ({})  {}",
        f.status.as_str(),
        f.finding.severity.rating.name().to_ascii_uppercase(),
        f.finding.id,
        p.name,
        p.version,
        p.ecosystem,
        f.subject
    );
    if let Some(layer) = &f.layer {
        text.push_str(&format!("  from layer {layer}"));
    }
    if let (Some(reason), Some(at)) = (f.close_reason, f.closed_at) {
        text.push_str(&format!(
            "  closed {} ({})",
            store::time::format(at),
            reason.describe()
        ));
    }
    text
}

/// The findings, then a count per status.
pub fn findings(list: &[StoredFinding]) -> String {
    let mut out = String::new();
    for f in list {
        out.push_str(&line(f));
        out.push('\n');
    }
    let count = |s: FindingStatus| list.iter().filter(|f| f.status == s).count();
    out.push_str(&format!(
        "{} findings: {} active, {} suppressed, {} closed\n",
        list.len(),
        count(FindingStatus::Active),
        count(FindingStatus::Suppressed),
        count(FindingStatus::Closed)
    ));
    out
}

/// Per layer version: the functions using it, its open findings, and the
/// blast-radius sentence.
pub fn layers(impacts: &[LayerImpact]) -> String {
    let mut out = String::new();
    for i in impacts {
        out.push_str(&format!("{}\n", i.layer));
        out.push_str(&format!(
            "  used by {} function(s){}{}\n",
            i.functions.len(),
            if i.functions.is_empty() { "" } else { ": " },
            i.functions.join(", ")
        ));
        for f in &i.findings {
            out.push_str(&format!("  {}\n", line(f)));
        }
        out.push_str(&format!("  {}\n", i.closes));
    }
    if impacts.is_empty() {
        out.push_str("no layer versions in the store\n");
    }
    out
}
