//! One risk score per finding, 0 to 100: a pure function of the signals
//! ([`Signals`]) that say how likely the vulnerability is to be exploited
//! and how much the Lambda context lets it matter.
//!
//! ```text
//! points     = 6 × severity                       (CVSS base score 0-10, or the label's)
//!            + 30 if known exploited (CISA KEV)
//!            + 20 × EPSS probability               (only when EPSS is given)
//!            + 4 if a fixed version exists         (actionable now)
//! multiplier = loaded       (1, or 0.2 when Lambda never loads any copy)
//!            × reachability (1 imported or unknown, 0.5 not imported)
//!            × exposure     (1 internet or unknown, 0.9 invocable by a service, 0.7 event sources only)
//! score      = min(100, round(points × multiplier))
//! ```
//!
//! The label of a finding without a CVSS score stands for the middle of its
//! band (critical 9.5, high 8.0, medium 5.5, low 2.0, none 0) and unknown for
//! 5.0, so that an unrated vulnerability is neither buried nor inflated.
//! Unknown context never lowers a score: a guess must not hide a finding.

mod context;

pub use crate::reachability::ReachStatus;
pub use context::{Exposure, ExposureLevel};

use crate::epss::Epss;
use crate::kev::Kev;
use crate::severity::{Rating, Severity};
use serde::{Deserialize, Serialize};

/// Weight of the severity (points per CVSS point).
pub const SEVERITY_WEIGHT: f64 = 6.0;
/// Points of a known-exploited vulnerability: the strongest signal.
pub const KEV_POINTS: f64 = 30.0;
/// Points of an EPSS probability of 1.
pub const EPSS_WEIGHT: f64 = 20.0;
/// Points of a vulnerability with a fixed version.
pub const FIX_POINTS: f64 = 4.0;
/// Multiplier of a package no copy of which is loaded by the runtime.
pub const NOT_LOADED: f64 = 0.2;
/// Multiplier of a package the handler does not import.
pub const NOT_IMPORTED: f64 = 0.5;

/// The prioritisation of a finding: the signals joined after matching and
/// the score computed from them. Serialised flat into the finding
/// (`kev`, `epss`, `reachability`, `risk`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    /// The CISA KEV entry, when the vulnerability is known exploited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<Kev>,
    /// FIRST's EPSS scores, when an EPSS file was given and lists a CVE of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<Epss>,
    /// Import reachability from the handler (status, import chain, reason);
    /// `None` when no handler was given or the package is not Node.js or Python.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reachability: Option<crate::reachability::Reachability>,
    #[serde(default)]
    pub risk: Risk,
}

/// A finding's risk score and the factors it was computed from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// 0 (negligible) to 100 (fix first).
    pub score: u8,
    pub factors: Factors,
}

/// Each term of the formula (see the [module](self) documentation): points
/// added, then multipliers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Factors {
    /// 6 × the CVSS base score (or the label's value).
    pub severity: f64,
    /// 30 when known exploited, else 0.
    pub kev: f64,
    /// 20 × the EPSS probability; absent when no EPSS was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<f64>,
    /// 4 when a fixed version exists, else 0.
    pub fix: f64,
    /// 1, or 0.2 when the runtime loads no copy of the package.
    pub loaded: f64,
    /// 1 for imported or unknown, 0.5 for not imported.
    pub reachability: f64,
    /// 1 for internet or unknown exposure, 0.9 invocable by a service, 0.7
    /// event sources only.
    pub exposure: f64,
}

/// What the score is computed from.
#[derive(Clone, Copy, Debug)]
pub struct Signals<'a> {
    pub severity: &'a Severity,
    pub known_exploited: bool,
    pub epss: Option<Epss>,
    pub fix_available: bool,
    /// Whether the runtime loads some copy of the package.
    pub loaded: bool,
    pub reachability: Option<ReachStatus>,
    pub exposure: Option<ExposureLevel>,
}

/// The value standing for a severity: the CVSS base score, else the middle
/// of the label's band.
fn severity_value(severity: &Severity) -> f64 {
    if let Some(score) = severity.score {
        return score.clamp(0.0, 10.0);
    }
    match severity.rating {
        Rating::Critical => 9.5,
        Rating::High => 8.0,
        Rating::Medium => 5.5,
        Rating::Low => 2.0,
        Rating::None => 0.0,
        Rating::Unknown => 5.0,
    }
}

/// The exposure multiplier of a level (unknown counts as exposed).
fn exposure_multiplier(level: Option<ExposureLevel>) -> f64 {
    match level {
        Some(ExposureLevel::Invocable) => 0.9,
        Some(ExposureLevel::EventSourcesOnly) => 0.7,
        Some(ExposureLevel::Internet | ExposureLevel::Unknown) | None => 1.0,
    }
}

/// One decimal, so that factors read as written in the formula.
fn tenths(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The risk of a finding with `signals`.
pub fn score(signals: &Signals<'_>) -> Risk {
    let factors = Factors {
        severity: tenths(SEVERITY_WEIGHT * severity_value(signals.severity)),
        kev: if signals.known_exploited {
            KEV_POINTS
        } else {
            0.0
        },
        epss: signals
            .epss
            .map(|e| tenths(EPSS_WEIGHT * e.score.clamp(0.0, 1.0))),
        fix: if signals.fix_available {
            FIX_POINTS
        } else {
            0.0
        },
        loaded: if signals.loaded { 1.0 } else { NOT_LOADED },
        reachability: match signals.reachability {
            Some(ReachStatus::NotImported) => NOT_IMPORTED,
            Some(ReachStatus::Imported | ReachStatus::Unknown) | None => 1.0,
        },
        exposure: exposure_multiplier(signals.exposure),
    };
    let points = factors.severity + factors.kev + factors.epss.unwrap_or(0.0) + factors.fix;
    let multiplier = factors.loaded * factors.reachability * factors.exposure;
    let score = (points * multiplier).round().clamp(0.0, 100.0) as u8;
    Risk { score, factors }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn severity(rating: Rating, score: Option<f64>) -> Severity {
        Severity {
            rating,
            score,
            vector: None,
            source: "test".into(),
        }
    }

    const HIGH: f64 = 7.5;

    fn base(s: &Severity) -> Signals<'_> {
        Signals {
            severity: s,
            known_exploited: false,
            epss: None,
            fix_available: false,
            loaded: true,
            reachability: None,
            exposure: None,
        }
    }

    #[test]
    fn the_worked_example_of_the_readme() {
        let s = severity(Rating::Critical, Some(9.8));
        let risk = score(&Signals {
            known_exploited: true,
            epss: Some(Epss {
                score: 0.5,
                percentile: 0.9,
            }),
            fix_available: true,
            exposure: Some(ExposureLevel::Invocable),
            ..base(&s)
        });
        // (58.8 + 30 + 10 + 4) × 0.9 = 92.52
        assert_eq!(risk.score, 93);
        assert_eq!(risk.factors.severity, 58.8);
        assert_eq!(risk.factors.epss, Some(10.0));
    }

    #[test]
    fn severity_raises_the_score() {
        let scores: Vec<u8> = [1.0, 4.0, HIGH, 9.8]
            .into_iter()
            .map(|x| score(&base(&severity(Rating::Unknown, Some(x)))).score)
            .collect();
        assert!(scores.windows(2).all(|w| w[0] < w[1]), "{scores:?}");
        let labels: Vec<u8> = [
            Rating::None,
            Rating::Low,
            Rating::Medium,
            Rating::High,
            Rating::Critical,
        ]
        .into_iter()
        .map(|r| score(&base(&severity(r, None))).score)
        .collect();
        assert!(labels.windows(2).all(|w| w[0] < w[1]), "{labels:?}");
    }

    #[test]
    fn kev_is_the_strongest_signal() {
        let s = severity(Rating::High, Some(HIGH));
        let plain = score(&base(&s)).score;
        let kev = score(&Signals {
            known_exploited: true,
            ..base(&s)
        })
        .score;
        let epss_max = score(&Signals {
            epss: Some(Epss {
                score: 1.0,
                percentile: 1.0,
            }),
            ..base(&s)
        })
        .score;
        let fix = score(&Signals {
            fix_available: true,
            ..base(&s)
        })
        .score;
        assert!(kev > epss_max && epss_max > fix && fix > plain);
        // A known-exploited medium outranks an unexploited critical.
        let medium = severity(Rating::Medium, Some(5.3));
        let critical = severity(Rating::Critical, Some(9.8));
        assert!(
            score(&Signals {
                known_exploited: true,
                ..base(&medium)
            })
            .score
                > score(&base(&critical)).score
        );
    }

    #[test]
    fn epss_raises_with_probability_and_absence_is_not_zero() {
        let s = severity(Rating::High, Some(HIGH));
        let with = |p: f64| {
            score(&Signals {
                epss: Some(Epss {
                    score: p,
                    percentile: 0.5,
                }),
                ..base(&s)
            })
        };
        assert!(with(0.9).score > with(0.1).score);
        assert_eq!(with(0.0).factors.epss, Some(0.0));
        assert_eq!(score(&base(&s)).factors.epss, None);
    }

    #[test]
    fn context_lowers_and_unknown_context_does_not() {
        let s = severity(Rating::Critical, Some(9.8));
        let plain = score(&base(&s)).score;
        let not_loaded = score(&Signals {
            loaded: false,
            ..base(&s)
        })
        .score;
        assert!(not_loaded < plain);
        let reach = |r| {
            score(&Signals {
                reachability: Some(r),
                ..base(&s)
            })
            .score
        };
        assert_eq!(reach(ReachStatus::Imported), plain);
        assert_eq!(reach(ReachStatus::Unknown), plain);
        assert!(reach(ReachStatus::NotImported) < plain);
        let exposed = |e| {
            score(&Signals {
                exposure: Some(e),
                ..base(&s)
            })
            .score
        };
        assert_eq!(exposed(ExposureLevel::Internet), plain);
        assert_eq!(exposed(ExposureLevel::Unknown), plain);
        assert!(exposed(ExposureLevel::Internet) > exposed(ExposureLevel::Invocable));
        assert!(exposed(ExposureLevel::Invocable) > exposed(ExposureLevel::EventSourcesOnly));
    }

    #[test]
    fn the_score_stays_within_0_to_100() {
        let s = severity(Rating::Critical, Some(10.0));
        let top = score(&Signals {
            known_exploited: true,
            epss: Some(Epss {
                score: 1.0,
                percentile: 1.0,
            }),
            fix_available: true,
            ..base(&s)
        });
        assert_eq!(top.score, 100);
        let none = severity(Rating::None, Some(0.0));
        assert_eq!(score(&base(&none)).score, 0);
    }
}
