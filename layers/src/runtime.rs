//! Lambda runtimes and the search paths they load dependencies from.

use crate::deployment::Deployment;
use analyzer::inventory::Sighting;
use std::fmt;
use std::str::FromStr;

/// A Lambda runtime family and version, as in `nodejs20.x`, `python3.12`,
/// `java21`, `provided.al2023`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Node { major: u32 },
    Python { minor: u32 },
    Java { major: u32 },
    Provided,
}

impl FromStr for Runtime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!("unknown runtime `{s}` (expected e.g. nodejs20.x, python3.12, java21, provided.al2023)")
        };
        if let Some(rest) = s.strip_prefix("nodejs") {
            let major = rest.trim_end_matches(".x").parse().map_err(|_| bad())?;
            Ok(Runtime::Node { major })
        } else if let Some(rest) = s.strip_prefix("python3.") {
            Ok(Runtime::Python {
                minor: rest.parse().map_err(|_| bad())?,
            })
        } else if let Some(rest) = s.strip_prefix("java") {
            let major = rest.trim_end_matches(".al2").parse().map_err(|_| bad())?;
            Ok(Runtime::Java { major })
        } else if s.starts_with("provided") {
            Ok(Runtime::Provided)
        } else {
            Err(bad())
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Runtime::Node { major } => write!(f, "nodejs{major}.x"),
            Runtime::Python { minor } => write!(f, "python3.{minor}"),
            Runtime::Java { major } => write!(f, "java{major}"),
            Runtime::Provided => write!(f, "provided.al2023"),
        }
    }
}

/// Guesses the runtime from the layout, when nothing says it.
pub fn infer(_deployment: &Deployment) -> Option<Runtime> {
    None
}

/// Marks the sightings the runtime would never load (shadowed earlier on its
/// search path, or in a folder for another runtime version), with the reason.
pub fn mark_unloaded(_runtime: Runtime, _deployment: &Deployment, _sightings: &mut [Sighting]) {}
