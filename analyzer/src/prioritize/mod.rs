//! Prioritisation, after matching: the KEV catalog and EPSS scores joined
//! onto findings through their ids and aliases, the deployed function's
//! exposure taken into the report, and every finding's risk scored
//! ([`crate::risk`]). Matching scores each report with what it knows; a
//! caller with more signals calls [`prioritize`] again, or [`Signals::apply`]
//! with the KEV catalog and EPSS scores it read once ([`signals`]).

mod signals;

pub use signals::{KevFile, SignalError, Signals};

use crate::epss::EpssScores;
use crate::findings::{Finding, ScanReport};
use crate::kev::Catalog;
use crate::risk::{self, Exposure};

/// What the caller knows beyond the advisories.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The known-exploited catalog (`None`: leave each finding's KEV as is).
    pub kev: Option<&'a Catalog>,
    /// EPSS scores (`None`: leave each finding's EPSS as is).
    pub epss: Option<&'a EpssScores>,
    /// The deployed function's exposure (`None`: leave the report's as is).
    pub exposure: Option<&'a Exposure>,
}

/// What [`prioritize`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Findings whose vulnerability is in the KEV catalog.
    pub known_exploited: usize,
    /// Findings with EPSS scores.
    pub epss_scored: usize,
}

/// The ids a finding's vulnerability is known by: its id, then its aliases.
fn ids(finding: &Finding) -> impl Iterator<Item = &str> {
    std::iter::once(finding.id.as_str()).chain(finding.aliases.iter().map(String::as_str))
}

/// Joins `context` onto `report` and scores every finding's risk.
pub fn prioritize(report: &mut ScanReport, context: &Context<'_>) -> Outcome {
    if let Some(exposure) = context.exposure {
        report.exposure = Some(exposure.clone());
    }
    for finding in &mut report.findings {
        if let Some(catalog) = context.kev {
            finding.priority.kev = catalog.lookup(ids(finding)).cloned();
        }
        if let Some(scores) = context.epss {
            finding.priority.epss = scores.lookup(ids(finding));
        }
    }
    assess(report);
    Outcome {
        known_exploited: report
            .findings
            .iter()
            .filter(|f| f.priority.kev.is_some())
            .count(),
        epss_scored: report
            .findings
            .iter()
            .filter(|f| f.priority.epss.is_some())
            .count(),
    }
}

/// Scores every finding's risk from what the report holds.
pub fn assess(report: &mut ScanReport) {
    let exposure = report.exposure.as_ref().map(|e| e.level);
    for finding in &mut report.findings {
        let signals = risk::Signals {
            severity: &finding.severity,
            known_exploited: finding.priority.kev.is_some(),
            epss: finding.priority.epss,
            fix_available: finding.fixed_version.is_some(),
            loaded: finding.loaded,
            reachability: finding.priority.reachability.as_ref().map(|r| r.status),
            exposure,
        };
        finding.priority.risk = risk::score(&signals);
    }
}
