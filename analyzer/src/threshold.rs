//! `--fail-on` and the exit code of `scan`: 0 when no open finding is at or
//! above the threshold, 1 when one is (2, for errors, is the CLI's).

use crate::baseline::Changes;
use crate::findings::{Finding, Rating, ScanReport, Status};
use std::fmt;
use std::str::FromStr;

/// Exit code: nothing at or above the threshold.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one open finding at or above the threshold.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: an error (unreadable artifact, bad config, wrong usage).
pub const EXIT_ERROR: u8 = 2;

/// Which open findings fail a scan. Ratings order as
/// unknown < none < low < medium < high < critical, so a finding whose record
/// gives no severity fails only under the default ([`FailOn::Any`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FailOn {
    /// Any open finding, whatever its rating (also unknown): the default.
    #[default]
    Any,
    /// Never fail on findings (`none`).
    Never,
    /// Findings rated at least this (`low`, `medium`, `high`, `critical`).
    AtLeast(Rating),
}

impl FailOn {
    /// True when an open finding rated `rating` fails the scan.
    pub fn counts(self, rating: Rating) -> bool {
        match self {
            FailOn::Any => true,
            FailOn::Never => false,
            FailOn::AtLeast(min) => rating >= min,
        }
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailOn::Any => "any",
            FailOn::Never => "none",
            FailOn::AtLeast(r) => r.name(),
        })
    }
}

/// A `--fail-on` value that is not a threshold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown threshold `{0}` (expected none, low, medium, high, critical or any)")]
pub struct UnknownThreshold(pub String);

impl FromStr for FailOn {
    type Err = UnknownThreshold;

    fn from_str(s: &str) -> Result<FailOn, UnknownThreshold> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "any" => FailOn::Any,
            "none" => FailOn::Never,
            "low" => FailOn::AtLeast(Rating::Low),
            "medium" | "moderate" => FailOn::AtLeast(Rating::Medium),
            "high" => FailOn::AtLeast(Rating::High),
            "critical" => FailOn::AtLeast(Rating::Critical),
            _ => return Err(UnknownThreshold(s.to_string())),
        })
    }
}

/// The open findings that fail the scan: at or above `threshold`, and, with
/// `fail_on_new`, only those `changes` lists as introduced (without changes,
/// every finding is new).
pub fn failing<'a>(
    report: &'a ScanReport,
    threshold: FailOn,
    fail_on_new: bool,
    changes: Option<&Changes>,
) -> Vec<&'a Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.status == Status::Open && threshold.counts(f.severity.rating))
        .filter(|f| !fail_on_new || changes.is_none_or(|c| c.introduces(f)))
        .collect()
}

/// The exit code of a scan: [`EXIT_FINDINGS`] when [`failing`] is not empty,
/// else [`EXIT_OK`].
pub fn exit_code(
    report: &ScanReport,
    threshold: FailOn,
    fail_on_new: bool,
    changes: Option<&Changes>,
) -> u8 {
    if failing(report, threshold, fail_on_new, changes).is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse() {
        assert_eq!("none".parse(), Ok(FailOn::Never));
        assert_eq!("HIGH".parse(), Ok(FailOn::AtLeast(Rating::High)));
        assert_eq!("any".parse(), Ok(FailOn::Any));
        assert_eq!(
            "severe".parse::<FailOn>(),
            Err(UnknownThreshold("severe".into()))
        );
        assert_eq!(FailOn::AtLeast(Rating::Medium).to_string(), "medium");
    }

    #[test]
    fn ratings_against_thresholds() {
        let medium = FailOn::AtLeast(Rating::Medium);
        assert!(medium.counts(Rating::Medium));
        assert!(medium.counts(Rating::Critical));
        assert!(!medium.counts(Rating::Low));
        assert!(!medium.counts(Rating::Unknown));
        assert!(FailOn::Any.counts(Rating::Unknown));
        assert!(!FailOn::Never.counts(Rating::Critical));
    }
}
