//! Applying a configuration to a report: mark, warn about expired rules,
//! recount.

use super::config::Config;
use crate::date::Date;
use crate::diagnostics::Warning;
use crate::findings::{ScanReport, Status};

/// What applying a configuration did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Findings this call marked suppressed.
    pub suppressed: usize,
    /// Expired rules (also added to the report's warnings).
    pub warnings: Vec<Warning>,
    /// Lines of active rules that matched no finding.
    pub unused_rules: Vec<usize>,
}

/// Marks the open findings an active rule matches as suppressed (with the
/// rule's reason), warns about expired rules, and recounts the summary. The
/// first matching rule (in file order) gives the reason.
pub fn apply_suppressions(report: &mut ScanReport, config: &Config, today: Date) -> Outcome {
    let mut outcome = Outcome::default();
    let mut used = vec![false; config.rules.len()];
    for finding in report
        .findings
        .iter_mut()
        .filter(|f| f.status == Status::Open)
    {
        let hit = config
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.active(today) && r.matches(finding));
        if let Some((i, rule)) = hit {
            used[i] = true;
            finding.status = Status::Suppressed;
            finding.suppressed_reason = Some(rule.reason.clone());
            outcome.suppressed += 1;
        }
    }
    for (i, rule) in config.rules.iter().enumerate() {
        match rule.until {
            Some(until) if !rule.active(today) => {
                let again = report
                    .findings
                    .iter()
                    .filter(|f| f.status == Status::Open && rule.matches(f))
                    .count();
                outcome.warnings.push(Warning {
                    artifact: config.source.clone(),
                    path: format!("line {}", rule.line),
                    message: format!(
                        "suppression expired on {until} (reason was: {}); it no longer applies, {again} finding(s) it matches are reported again",
                        rule.reason
                    ),
                });
            }
            _ if !used[i] => outcome.unused_rules.push(rule.line),
            _ => {}
        }
    }
    report
        .inventory
        .warnings
        .extend(outcome.warnings.iter().cloned());
    report.inventory.warnings.sort();
    report.inventory.warnings.dedup();
    recount(report);
    outcome
}

/// Recomputes `summary.findings`, `suppressed` and `by_severity` from the
/// findings' statuses.
pub fn recount(report: &mut ScanReport) {
    report.summary.count_findings(&report.findings);
}
