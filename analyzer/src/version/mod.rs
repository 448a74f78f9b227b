//! Version rules per ecosystem: parsing, ordering and equivalence.
//!
//! Each ecosystem's rules are one [`VersionScheme`], in one file: SemVer 2.0
//! precedence for npm and crates.io ([`semver`]), PEP 440 for PyPI ([`pep440`]),
//! Maven's `ComparableVersion` for Maven ([`maven`]). `scheme_of` is the one list
//! that maps each [`Ecosystem`] to its scheme; everything else ([`Version`], the
//! matcher, the inventory merge) goes through it. A new ecosystem's versions are a
//! new file implementing [`VersionScheme`] and one entry in that list.
//!
//! Each ecosystem's order is checked pair by pair against its reference
//! implementation (node-semver, Python's `packaging`, Maven's own class) by
//! `analyzer/tests/version_differential.rs`, which also lists the few intended
//! differences (npm's `v`/`=` prefixes are accepted; numbers beyond 2^53 are exact
//! here but not in node-semver; PEP 440 numbers must fit a u64).
//!
//! Maven's order is not transitive for a few odd strings (`-alpha < 0 < abc < -alpha`),
//! exactly as in Maven, so do not feed it to `slice::sort_by`, which may panic on
//! such input; use [`sort_by_version`] or [`robust_sort_by`], which never do.

pub mod maven;
pub mod pep440;
mod scheme;
pub mod semver;
mod sort;

pub use scheme::VersionScheme;
pub use sort::{robust_sort_by, sort_by_version};

use crate::ecosystem::Ecosystem;
use scheme::{DynScheme, DynVersion};
use std::any::Any;
use std::cmp::Ordering;
use std::fmt;

/// The one list: the version scheme of every ecosystem.
fn scheme_of(ecosystem: Ecosystem) -> &'static dyn DynScheme {
    match ecosystem {
        Ecosystem::Npm => &semver::Npm,
        Ecosystem::PyPI => &pep440::Pep440,
        Ecosystem::CratesIo => &semver::Cargo,
        Ecosystem::Maven => &maven::Maven,
    }
}

/// A version parsed under its ecosystem's [`VersionScheme`]. Versions of
/// different schemes never compare (`partial_cmp` gives `None`); equality is
/// equal precedence (`1.0.0+a == 1.0.0+b`, `1.0 == 1.0.0` under PEP 440 and Maven).
pub struct Version(Box<dyn DynVersion>);

/// A version string that does not parse under its ecosystem's rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{version}` is not a valid {ecosystem} version: {reason}")]
pub struct VersionError {
    /// The ecosystem whose rules were applied.
    pub ecosystem: Ecosystem,
    /// The string as given.
    pub version: String,
    /// Why it does not parse, in the parser's words.
    pub reason: String,
}

impl Version {
    /// Parses `text` under `ecosystem`'s rules, after trimming surrounding
    /// whitespace. npm lockfile spellings such as `v1.2.3` and `=1.2.3` are
    /// accepted; crates.io is strict SemVer; PyPI is PEP 440 with its documented
    /// normalisations (`1.0-RC1`, `v1.0`); Maven accepts any non-empty string, as
    /// Maven does, unless absurdly nested ([`maven::MAX_NESTING`]). Nothing is
    /// guessed beyond that.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Result<Version, VersionError> {
        scheme_of(ecosystem)
            .parse(text.trim())
            .map(Version)
            .map_err(|reason| VersionError {
                ecosystem,
                version: text.to_string(),
                reason,
            })
    }

    /// This version without its local label (PEP 440's `+local`), or `None` when
    /// it has none (see [`VersionScheme::without_local`]).
    pub fn without_local(&self) -> Option<Version> {
        self.0.without_local().map(Version)
    }

    /// Whether this version carries a local label (PEP 440's `+local`).
    pub fn is_local(&self) -> bool {
        self.without_local().is_some()
    }

    /// The scheme's own parsed value (its [`VersionScheme::Parsed`], such as a
    /// `pep440_rs::Version`), if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.0.parsed().downcast_ref()
    }
}

impl Clone for Version {
    fn clone(&self) -> Self {
        Version(self.0.clone_box())
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.0.compare(&*other.0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_display(f)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_debug(f)
    }
}

/// Compares two version strings of one ecosystem.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (a, b) = (Version::parse(ecosystem, a)?, Version::parse(ecosystem, b)?);
    Ok(a.partial_cmp(&b).expect("same ecosystem always compares"))
}

/// A string under which two spellings of the same version compare equal, used to
/// merge the same package seen in a lockfile and in installed metadata: the
/// scheme's [`VersionScheme::equivalence_key`] of the trimmed text. For PyPI and
/// npm two valid versions share a key exactly when they compare equal (`3.2.0` and
/// `3.2`; `v1.2.3` and `1.2.3+build`); a crate version or a Maven coordinate is
/// published under one exact spelling, so there `1.0` and `1.0.0` stay apart.
/// A string that does not parse keys to its trimmed text.
pub fn equivalence_key(ecosystem: Ecosystem, version: &str) -> String {
    scheme_of(ecosystem).equivalence_key(version.trim())
}

/// The ecosystem whose rules read an OSV `SEMVER` range of `ecosystem`'s
/// packages: its own when its scheme is a SemVer dialect (npm, crates.io), else
/// npm's, the lenient reading of SemVer 2.0.
pub fn semver_range_rules(ecosystem: Ecosystem) -> Ecosystem {
    if scheme_of(ecosystem).is_semver_dialect() {
        ecosystem
    } else {
        Ecosystem::Npm
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

    #[test]
    fn equality_is_precedence() {
        let v = |s| Version::parse(Ecosystem::CratesIo, s).unwrap();
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert_ne!(v("1.0.0-a"), v("1.0.0"));
        let maven = Version::parse(Ecosystem::Maven, "1.0").unwrap();
        assert_ne!(Some(maven), Version::parse(Ecosystem::PyPI, "1.0").ok());
    }
}
