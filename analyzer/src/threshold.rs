//! The gate: `--fail-on`, `--fail-on-new`, `--fail-on-incomplete` and the exit
//! code they give a scan ([`Gate::exit_code`], shared by every command that
//! scans).
//!
//! | exit | when |
//! |---|---|
//! | 0 | no open finding at or above the threshold, and every piece of evidence was read |
//! | 1 | an open finding at or above the threshold, and the scan is complete |
//! | 2 | the scan is incomplete (a limit or a read error kept evidence from being read), with or without findings, unless `--fail-on-incomplete never`; the scan read no dependency evidence at all, unless `--allow-empty` ([`read_no_evidence`]); also any error |
//!
//! An incomplete scan outranks findings: its findings are real, but packages
//! it could not see may hide more, so "1" would claim more than was checked.
//! The report still lists both (the findings, and the gaps in its coverage).

use crate::baseline::Changes;
use crate::diagnostics::Gap;
use crate::findings::{Finding, Rating, ScanReport, Status};
use crate::inventory::Inventory;
use crate::reachability::ReachStatus;
use std::fmt;
use std::str::FromStr;

/// Exit code: nothing at or above the threshold.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one open finding at or above the threshold.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: an error (unreadable artifact, bad config, wrong usage).
pub const EXIT_ERROR: u8 = 2;
/// Exit code: the scan is incomplete (see [`FailOnIncomplete`]); the same
/// code as an error, because the gate cannot vouch for what it did not read.
pub const EXIT_INCOMPLETE: u8 = EXIT_ERROR;
/// Exit code: the scan read no dependency evidence at all (see
/// [`read_no_evidence`]); the same code as an error, because "0 findings"
/// would be a pass for a scan that checked nothing.
pub const EXIT_EMPTY: u8 = EXIT_ERROR;

/// Lockfile names: a lockfile that lists no package still says that its
/// project has no dependencies, so reading one is evidence.
const LOCKFILE_NAMES: [&str; 13] = [
    "package-lock.json",
    "npm-shrinkwrap.json",
    ".package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "poetry.lock",
    "Pipfile.lock",
    "pdm.lock",
    "uv.lock",
    "pylock.toml",
    "Cargo.lock",
    "gradle.lockfile",
];

/// True when `inventory` holds no dependency evidence at all: no package was
/// found (installed metadata, lockfile entry, pinned requirement, SBOM
/// component) and no lockfile was read. An empty folder, a folder with only a
/// `package.json` (its dependencies are unpinned: nothing says which versions
/// are deployed) or `/etc` all qualify; a lockfile without packages does not.
pub fn read_no_evidence(inventory: &Inventory) -> bool {
    let is_lockfile = |path: &str| {
        let name = path.rsplit(['/', '!']).next().unwrap_or(path);
        LOCKFILE_NAMES.contains(&name) || (name.starts_with("pylock.") && name.ends_with(".toml"))
    };
    inventory.packages.is_empty()
        && !inventory
            .coverage
            .iter()
            .flat_map(|c| &c.read)
            .flat_map(|r| &r.files)
            .any(|f| is_lockfile(f))
}

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
    /// Findings whose vulnerability is in CISA's KEV catalog (`kev`).
    KnownExploited,
    /// Findings whose risk score is at least this, 0 to 100 (`risk:N`).
    RiskAtLeast(u8),
}

impl FailOn {
    /// True when an open finding rated `rating` fails the scan, for callers
    /// that know only the rating. The KEV and risk thresholds need the
    /// finding ([`FailOn::counts_finding`]); by rating alone every finding
    /// counts for them, so that a missing signal never passes a gate.
    pub fn counts(self, rating: Rating) -> bool {
        match self {
            FailOn::Any | FailOn::KnownExploited | FailOn::RiskAtLeast(_) => true,
            FailOn::Never => false,
            FailOn::AtLeast(min) => rating >= min,
        }
    }

    /// True when the open finding `f` fails the scan.
    pub fn counts_finding(self, f: &Finding) -> bool {
        match self {
            FailOn::KnownExploited => f.priority.kev.is_some(),
            FailOn::RiskAtLeast(min) => f.priority.risk.score >= min,
            other => other.counts(f.severity.rating),
        }
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailOn::Any => f.write_str("any"),
            FailOn::Never => f.write_str("none"),
            FailOn::AtLeast(r) => f.write_str(r.name()),
            FailOn::KnownExploited => f.write_str("kev"),
            FailOn::RiskAtLeast(n) => write!(f, "risk:{n}"),
        }
    }
}

/// A `--fail-on` value that is not a threshold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown threshold `{0}` (expected none, low, medium, high, critical, any, kev or risk:N with N from 0 to 100)"
)]
pub struct UnknownThreshold(pub String);

impl FromStr for FailOn {
    type Err = UnknownThreshold;

    fn from_str(s: &str) -> Result<FailOn, UnknownThreshold> {
        let wanted = s.trim().to_ascii_lowercase();
        if let Some(n) = wanted.strip_prefix("risk:") {
            return n
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= 100)
                .map(FailOn::RiskAtLeast)
                .ok_or_else(|| UnknownThreshold(s.to_string()));
        }
        Ok(match wanted.as_str() {
            "any" => FailOn::Any,
            "none" => FailOn::Never,
            "low" => FailOn::AtLeast(Rating::Low),
            "medium" | "moderate" => FailOn::AtLeast(Rating::Medium),
            "high" => FailOn::AtLeast(Rating::High),
            "critical" => FailOn::AtLeast(Rating::Critical),
            "kev" => FailOn::KnownExploited,
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
        .filter(|f| f.status == Status::Open && threshold.counts_finding(f))
        .filter(|f| !fail_on_new || changes.is_none_or(|c| c.introduces(f)))
        .collect()
}

/// Whether a scan that could not read all its evidence fails the gate
/// (`--fail-on-incomplete`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FailOnIncomplete {
    /// Exit [`EXIT_INCOMPLETE`] whenever evidence was left unread: the default.
    #[default]
    Always,
    /// Accept an incomplete scan: the gaps are reported, and the exit code
    /// depends on the findings alone.
    Never,
}

impl fmt::Display for FailOnIncomplete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailOnIncomplete::Always => "always",
            FailOnIncomplete::Never => "never",
        })
    }
}

/// A `--fail-on-incomplete` value that is neither `always` nor `never`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{0}` (expected always or never)")]
pub struct UnknownIncompletePolicy(pub String);

impl FromStr for FailOnIncomplete {
    type Err = UnknownIncompletePolicy;

    fn from_str(s: &str) -> Result<FailOnIncomplete, UnknownIncompletePolicy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "always" => Ok(FailOnIncomplete::Always),
            "never" => Ok(FailOnIncomplete::Never),
            _ => Err(UnknownIncompletePolicy(s.to_string())),
        }
    }
}

/// What fails a scan: the command line's `--fail-on`, `--fail-on-new` and
/// `--fail-on-incomplete`, in one value every scanning command passes along.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Gate {
    pub fail_on: FailOn,
    /// Count only findings a baseline did not have.
    pub fail_on_new: bool,
    pub incomplete: FailOnIncomplete,
    /// Do not count findings whose package the handler does not import
    /// (`--ignore-unimported`); `unknown` ones still count.
    pub ignore_unimported: bool,
}

/// Why a scan passes or fails: the findings and the gaps that count.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict<'a> {
    /// The open findings that fail the scan (see [`failing`]).
    pub failing: Vec<&'a Finding>,
    /// Every piece of evidence left unread, with its artifact's name.
    pub gaps: Vec<(&'a str, &'a Gap)>,
    /// True when the gaps fail the scan (there are some, and the gate does
    /// not accept them).
    pub incomplete: bool,
    /// True when the scan read no dependency evidence and that fails it
    /// (see [`Verdict::require_evidence`]).
    pub empty: bool,
}

impl Verdict<'_> {
    /// The exit code: [`EXIT_INCOMPLETE`] for a failing incomplete scan, else
    /// [`EXIT_EMPTY`] for a failing scan that read no evidence, else
    /// [`EXIT_FINDINGS`] when findings fail it, else [`EXIT_OK`].
    pub fn exit_code(&self) -> u8 {
        if self.incomplete {
            EXIT_INCOMPLETE
        } else if self.empty {
            EXIT_EMPTY
        } else if !self.failing.is_empty() {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        }
    }

    /// Fails the verdict when `inventory` read no dependency evidence (see
    /// [`read_no_evidence`]); `scan` skips this under `--allow-empty`.
    pub fn require_evidence(mut self, inventory: &Inventory) -> Self {
        self.empty = read_no_evidence(inventory);
        self
    }
}

impl Gate {
    /// Judges `report` (with the baseline's `changes`, if any).
    pub fn verdict<'a>(&self, report: &'a ScanReport, changes: Option<&Changes>) -> Verdict<'a> {
        let mut failing = failing(report, self.fail_on, self.fail_on_new, changes);
        if self.ignore_unimported {
            failing.retain(|f| {
                f.priority
                    .reachability
                    .as_ref()
                    .is_none_or(|r| r.status != ReachStatus::NotImported)
            });
        }
        Verdict {
            failing,
            ..self.coverage_verdict(&report.inventory)
        }
    }

    /// Judges an inventory that was not matched (`sbom`): only its gaps count.
    pub fn coverage_verdict<'a>(&self, inventory: &'a Inventory) -> Verdict<'a> {
        let gaps: Vec<(&str, &Gap)> = inventory.gaps().collect();
        Verdict {
            failing: Vec::new(),
            incomplete: !gaps.is_empty() && self.incomplete == FailOnIncomplete::Always,
            gaps,
            empty: false,
        }
    }

    /// The exit code of `report`: see [`Verdict::exit_code`].
    pub fn exit_code(&self, report: &ScanReport, changes: Option<&Changes>) -> u8 {
        self.verdict(report, changes).exit_code()
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
        assert_eq!("kev".parse(), Ok(FailOn::KnownExploited));
        assert_eq!("Risk:70".parse(), Ok(FailOn::RiskAtLeast(70)));
        assert_eq!(FailOn::RiskAtLeast(70).to_string(), "risk:70");
        for bad in ["risk:101", "risk:", "risk:-1", "risk:high"] {
            assert!(bad.parse::<FailOn>().is_err(), "{bad}");
        }
    }

    #[test]
    fn kev_and_risk_thresholds_read_the_finding() {
        let mut r = report(Some(Rating::Low), 0);
        let f = &mut r.findings[0];
        f.priority.risk.score = 69;
        assert!(!FailOn::RiskAtLeast(70).counts_finding(f));
        assert!(FailOn::RiskAtLeast(69).counts_finding(f));
        assert!(!FailOn::KnownExploited.counts_finding(f));
        f.priority.kev = Some(crate::kev::Kev {
            cve_id: "CVE-2021-44228".into(),
            date_added: "2021-12-10".into(),
            due_date: "2021-12-24".into(),
            known_ransomware_campaign_use: "Known".into(),
        });
        assert!(FailOn::KnownExploited.counts_finding(f));
        let kev = Gate {
            fail_on: FailOn::KnownExploited,
            ..Gate::default()
        };
        assert_eq!(kev.exit_code(&r, None), EXIT_FINDINGS);
        r.findings[0].priority.kev = None;
        assert_eq!(kev.exit_code(&r, None), EXIT_OK);
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

    use crate::diagnostics::Gap;
    use crate::findings::{DatabaseInfo, PackageRef, Severity, Summary};
    use crate::inventory::Coverage;
    use crate::Ecosystem;

    /// A report with one open finding rated `rating` (if any) and `gaps`
    /// unread files in its only artifact.
    fn report(rating: Option<Rating>, gaps: usize) -> ScanReport {
        let finding = |rating| Finding {
            id: "GHSA-1".into(),
            aliases: vec![],
            summary: String::new(),
            severity: Severity {
                rating,
                score: None,
                vector: None,
                source: "none".into(),
            },
            package: PackageRef {
                ecosystem: Ecosystem::Npm,
                name: "minimist".into(),
                version: "1.2.0".into(),
                purl: "pkg:npm/minimist@1.2.0".into(),
            },
            locations: vec![],
            fixed_version: None,
            references: vec![],
            status: Status::Open,
            suppressed_reason: None,
            loaded: true,
            priority: Default::default(),
        };
        let coverage = Coverage {
            artifact: "f.zip".into(),
            incomplete: (0..gaps)
                .map(|i| Gap {
                    path: format!("lib/{i}.jar"),
                    reason: "over the limit".into(),
                })
                .collect(),
            ..Coverage::default()
        };
        ScanReport {
            inventory: Inventory {
                coverage: vec![coverage],
                ..Inventory::default()
            },
            database: DatabaseInfo::default(),
            findings: rating.into_iter().map(finding).collect(),
            unmatched: vec![],
            summary: Summary::default(),
            exposure: None,
        }
    }

    #[test]
    fn incomplete_scans_exit_2_unless_accepted() {
        let always = Gate::default();
        let never = Gate {
            incomplete: FailOnIncomplete::Never,
            ..Gate::default()
        };
        let high = Gate {
            fail_on: FailOn::AtLeast(Rating::High),
            ..Gate::default()
        };
        let cases = [
            // (gate, finding, gaps, exit)
            (always, None, 0, EXIT_OK),
            (always, Some(Rating::Low), 0, EXIT_FINDINGS),
            (always, None, 1, EXIT_INCOMPLETE),
            (always, Some(Rating::Critical), 2, EXIT_INCOMPLETE),
            (never, None, 3, EXIT_OK),
            (never, Some(Rating::Low), 1, EXIT_FINDINGS),
            (high, Some(Rating::Low), 0, EXIT_OK),
            (high, Some(Rating::Low), 1, EXIT_INCOMPLETE),
        ];
        for (gate, rating, gaps, code) in cases {
            let report = report(rating, gaps);
            let verdict = gate.verdict(&report, None);
            assert_eq!(verdict.exit_code(), code, "{gate:?} {rating:?} {gaps}");
            assert_eq!(gate.exit_code(&report, None), code);
            assert_eq!(
                verdict.gaps.len(),
                gaps,
                "gaps are listed whatever the gate"
            );
            let counted = rating.is_some_and(|r| gate.fail_on.counts(r));
            assert_eq!(
                verdict.failing.len(),
                usize::from(counted),
                "findings are told too"
            );
        }
        let report = report(Some(Rating::Low), 1);
        let verdict = always.coverage_verdict(&report.inventory);
        assert!(verdict.incomplete && verdict.failing.is_empty());
        assert_eq!(
            never.coverage_verdict(&report.inventory).exit_code(),
            EXIT_OK
        );
    }

    #[test]
    fn a_scan_that_read_no_evidence_fails_unless_allowed() {
        use crate::extract::ExtractorCoverage;
        let read = |files: &[&str]| Inventory {
            coverage: vec![Coverage {
                artifact: "app".into(),
                read: vec![ExtractorCoverage {
                    extractor: "npm".into(),
                    files: files.iter().map(|f| f.to_string()).collect(),
                }],
                ..Coverage::default()
            }],
            ..Inventory::default()
        };
        assert!(read_no_evidence(&Inventory::default()), "an empty folder");
        assert!(
            read_no_evidence(&read(&["package.json"])),
            "a manifest only"
        );
        assert!(
            read_no_evidence(&read(&["requirements.txt"])),
            "unpinned lines only"
        );
        for lockfile in [
            "package-lock.json",
            "svc/poetry.lock",
            "x.zip!/Cargo.lock",
            "pylock.dev.toml",
        ] {
            assert!(
                !read_no_evidence(&read(&[lockfile])),
                "{lockfile}: no dependencies is an answer"
            );
        }
        let mut with_package = report(None, 0);
        assert!(read_no_evidence(&with_package.inventory));
        let empty = Gate::default().verdict(&with_package, None);
        assert_eq!(empty.clone().exit_code(), EXIT_OK, "--allow-empty");
        assert_eq!(
            empty.require_evidence(&with_package.inventory).exit_code(),
            EXIT_EMPTY
        );
        with_package
            .inventory
            .packages
            .push(crate::package::Package {
                ecosystem: Ecosystem::Npm,
                name: "ms".into(),
                version: "2.1.2".into(),
                purl: "pkg:npm/ms@2.1.2".into(),
                locations: vec![],
            });
        let verdict = Gate::default().verdict(&with_package, None);
        assert_eq!(
            verdict
                .require_evidence(&with_package.inventory)
                .exit_code(),
            EXIT_OK
        );
        let incomplete = report(None, 1);
        let verdict = Gate::default().verdict(&incomplete, None);
        assert_eq!(
            verdict.require_evidence(&incomplete.inventory).exit_code(),
            EXIT_INCOMPLETE
        );
    }

    #[test]
    fn incomplete_policies_parse() {
        assert_eq!("always".parse(), Ok(FailOnIncomplete::Always));
        assert_eq!(" Never".parse(), Ok(FailOnIncomplete::Never));
        assert_eq!(
            "sometimes".parse::<FailOnIncomplete>(),
            Err(UnknownIncompletePolicy("sometimes".into()))
        );
        assert_eq!(FailOnIncomplete::default().to_string(), "always");
    }
}
