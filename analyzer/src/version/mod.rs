//! Version rules per ecosystem: parsing, ordering and equivalence.
//! crates.io and npm follow SemVer 2.0 (`semver`), PyPI follows PEP 440
//! (`pep440_rs`), Maven follows `ComparableVersion` ([`maven`]).

pub mod maven;

use crate::ecosystem::Ecosystem;
use maven::MavenVersion;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A version parsed under its ecosystem's rules. Versions of different
/// ecosystems never compare (`partial_cmp` gives `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Version {
    Semver(semver::Version),
    Pep440(pep440_rs::Version),
    Maven(MavenVersion),
}

/// A version string that does not parse under its ecosystem's rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{version}` is not a valid {ecosystem} version: {reason}")]
pub struct VersionError {
    pub ecosystem: Ecosystem,
    pub version: String,
    pub reason: String,
}

impl Version {
    /// Parses `text` under `ecosystem`'s rules. npm lockfile spellings such as
    /// `v1.2.3` and `=1.2.3` are accepted; nothing is guessed beyond that.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Result<Version, VersionError> {
        let err = |reason: String| VersionError {
            ecosystem,
            version: text.to_string(),
            reason,
        };
        let trimmed = text.trim();
        match ecosystem {
            Ecosystem::Npm | Ecosystem::CratesIo => {
                let t = if ecosystem == Ecosystem::Npm {
                    trimmed.trim_start_matches(['v', '='])
                } else {
                    trimmed
                };
                semver::Version::parse(t)
                    .map(Version::Semver)
                    .map_err(|e| err(e.to_string()))
            }
            Ecosystem::PyPI => pep440_rs::Version::from_str(trimmed)
                .map(Version::Pep440)
                .map_err(|e| err(e.to_string())),
            Ecosystem::Maven => {
                if trimmed.is_empty() {
                    Err(err("empty version".into()))
                } else {
                    Ok(Version::Maven(MavenVersion::parse(trimmed)))
                }
            }
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Version::Semver(a), Version::Semver(b)) => Some(a.cmp_precedence(b)),
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            (Version::Maven(a), Version::Maven(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Semver(v) => v.fmt(f),
            Version::Pep440(v) => v.fmt(f),
            Version::Maven(v) => v.fmt(f),
        }
    }
}

/// Compares two version strings of one ecosystem.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (a, b) = (Version::parse(ecosystem, a)?, Version::parse(ecosystem, b)?);
    Ok(a.partial_cmp(&b).expect("same ecosystem always compares"))
}

/// A string under which two spellings of the same version compare equal
/// (`3.2` and `3.2.0` under PEP 440, `v1.2.3` and `1.2.3` for npm), used to merge
/// the same package seen in a lockfile and in installed metadata.
pub fn equivalence_key(ecosystem: Ecosystem, version: &str) -> String {
    let trimmed = version.trim();
    match ecosystem {
        Ecosystem::PyPI => match pep440_rs::Version::from_str(trimmed) {
            Ok(v) => {
                let mut release = v.release().to_vec();
                while release.len() > 1 && release.last() == Some(&0) {
                    release.pop();
                }
                v.with_release(release).to_string()
            }
            Err(_) => trimmed.to_string(),
        },
        Ecosystem::Npm => trimmed.trim_start_matches(['v', '=']).to_string(),
        _ => trimmed.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_spellings_share_a_key() {
        let py = |v| equivalence_key(Ecosystem::PyPI, v);
        assert_eq!(py("3.2"), py("3.2.0"));
        assert_eq!(py("1.0RC1"), py("1.0rc1"));
        assert_ne!(py("2022.12.7"), py("2022.12.70"));
        assert_eq!(py("2022.12.07"), py("2022.12.7"));
        assert_eq!(equivalence_key(Ecosystem::Npm, "v1.2.3"), "1.2.3");
        assert_ne!(
            equivalence_key(Ecosystem::Maven, "1.0"),
            equivalence_key(Ecosystem::Maven, "1.0.0")
        );
    }

    #[test]
    fn compares_per_ecosystem() {
        use Ordering::*;
        assert_eq!(
            compare(Ecosystem::PyPI, "2022.12.7", "2022.12.07"),
            Ok(Equal)
        );
        assert_eq!(compare(Ecosystem::PyPI, "22.10.0rc1", "22.10.0"), Ok(Less));
        assert_eq!(compare(Ecosystem::Npm, "v1.4.4-lts.1", "2.0.0"), Ok(Less));
        assert_eq!(
            compare(Ecosystem::CratesIo, "1.0.0-alpha", "1.0.0"),
            Ok(Less)
        );
        assert_eq!(compare(Ecosystem::Maven, "4.3.2.Final", "4.3.2"), Ok(Equal));
        assert!(compare(Ecosystem::PyPI, "not a version", "1").is_err());
        assert!(compare(Ecosystem::CratesIo, "1.0", "1.0.0").is_err());
    }
}
