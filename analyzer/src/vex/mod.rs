//! VEX (Vulnerability Exploitability eXchange), both ways.
//!
//! Out: what lambda-audit states about each finding ([`assess`]), written by
//! the `openvex` report and CycloneDX's `vulnerabilities[].analysis`:
//!
//! | finding | status | justification |
//! |---|---|---|
//! | suppressed (a rule or a VEX statement) | `not_affected` | the reason, as impact statement |
//! | no copy loaded by the runtime (shadowed, another runtime) | `not_affected` | `component_not_present` |
//! | the handler does not import the package | `not_affected` | `vulnerable_code_not_in_execute_path` |
//! | imported, or reachability unknown | `affected` | the action: upgrade, or no fix known |
//!
//! In ([`read`]): an OpenVEX or CycloneDX VEX document whose `not_affected`
//! (or CycloneDX `false_positive`) statements become suppression rules, one per
//! (vulnerability, product purl), with the statement's justification as the
//! reason; they are applied like `lambda-audit.toml` rules
//! ([`crate::suppress`]).

pub mod read;

pub use read::{read, VexError, VexRules, MAX_VEX_BYTES};

use crate::findings::{Finding, Status};
use crate::reachability::ReachStatus;

/// A VEX status, as OpenVEX spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VexStatus {
    Affected,
    NotAffected,
}

impl VexStatus {
    /// OpenVEX's name.
    pub fn name(self) -> &'static str {
        match self {
            VexStatus::Affected => "affected",
            VexStatus::NotAffected => "not_affected",
        }
    }
}

/// Why a product is not affected, as OpenVEX spells it (the ones
/// lambda-audit can tell).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Justification {
    /// Lambda never loads the package.
    ComponentNotPresent,
    /// The handler never imports the package.
    VulnerableCodeNotInExecutePath,
}

impl Justification {
    /// OpenVEX's name.
    pub fn openvex(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
        }
    }

    /// CycloneDX's nearest `analysis.justification`.
    pub fn cyclonedx(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "code_not_present",
            Justification::VulnerableCodeNotInExecutePath => "code_not_reachable",
        }
    }
}

/// What lambda-audit states about one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub status: VexStatus,
    pub justification: Option<Justification>,
    /// Why it is not affected, in words (OpenVEX `impact_statement`).
    pub impact: Option<String>,
    /// What to do when affected (OpenVEX `action_statement`).
    pub action: Option<String>,
}

/// The statement about `finding` (see the [module](self) table).
pub fn assess(finding: &Finding) -> Assessment {
    let not_affected = |justification, impact: String| Assessment {
        status: VexStatus::NotAffected,
        justification,
        impact: Some(impact),
        action: None,
    };
    let name = &finding.package.name;
    if finding.status == Status::Suppressed {
        let reason = finding
            .suppressed_reason
            .clone()
            .unwrap_or_else(|| "suppressed".into());
        return not_affected(None, reason);
    }
    if !finding.loaded {
        return not_affected(
            Some(Justification::ComponentNotPresent),
            format!("No copy of {name} is loaded by the Lambda runtime (shadowed or for another runtime)."),
        );
    }
    if finding.priority.reachability.as_ref().map(|r| r.status) == Some(ReachStatus::NotImported) {
        return not_affected(
            Some(Justification::VulnerableCodeNotInExecutePath),
            format!("The function's handler does not import {name} (package-level import reachability)."),
        );
    }
    let action = match &finding.fixed_version {
        Some(fix) => format!("Upgrade {name} to {fix} or later."),
        None => format!("No fixed version of {name} is known: remove or replace it, or mitigate."),
    };
    Assessment {
        status: VexStatus::Affected,
        justification: None,
        impact: None,
        action: Some(action),
    }
}
