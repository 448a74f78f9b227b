//! Version rules per ecosystem: parsing, ordering and equivalence.
//!
//! Each ecosystem's rules are one [`VersionScheme`], in one file: SemVer 2.0
//! precedence for npm and crates.io ([`semver`]), PEP 440 for PyPI ([`pep440`]),
//! Maven's `ComparableVersion` for Maven ([`maven`]), `golang.org/x/mod/semver`
//! for Go ([`go`]), `Gem::Version` for RubyGems ([`rubygems`]) and
//! `NuGet.Versioning` for NuGet ([`nuget`]). [`visit_scheme`] is the one
//! list that maps each [`Ecosystem`] to its scheme; everything else goes through
//! it: [`Version`] (a parsed version of any scheme, behind a pointer), the
//! matcher's range evaluation (generic over the scheme, through a
//! [`SchemeVisitor`], so no version is boxed there) and the inventory merge
//! ([`equivalence_key`]). A new ecosystem's versions are a new file implementing
//! [`VersionScheme`] and one entry in that list.
//!
//! Each ecosystem's order is checked pair by pair against its reference
//! implementation (node-semver, Python's `packaging`, Maven's own class, Go's
//! x/mod/semver, Ruby's `Gem::Version`; NuGet has none on this platform) by
//! `analyzer/tests/version_differential.rs`, which also lists the few intended
//! differences (npm's `v`/`=` prefixes are accepted; numbers beyond 2^53 are exact
//! here but not in node-semver; PEP 440 numbers must fit a u64).
//!
//! Maven's order is not transitive for a few odd strings (`-alpha < 0 < abc < -alpha`),
//! exactly as in Maven, so do not feed it to `slice::sort_by`, which may panic on
//! such input; use [`sort_by_version`] or [`robust_sort_by`], which never do.

mod erased;
pub mod go;
pub mod maven;
pub mod nuget;
pub mod pep440;
pub mod rubygems;
mod scheme;
pub mod semver;
mod sort;

pub use erased::Version;
pub use scheme::{Rules, SchemeVisitor, VersionScheme};
pub use sort::{robust_sort_by, sort_by_version};

use crate::ecosystem::Ecosystem;
use std::cmp::Ordering;

/// The one list: every ecosystem's version scheme, handed to `visitor` as
/// [`Rules`] of the scheme's own type.
pub fn visit_scheme<V: SchemeVisitor>(ecosystem: Ecosystem, visitor: V) -> V::Output {
    match ecosystem {
        Ecosystem::Npm => visitor.visit(Rules::new(ecosystem, &semver::Npm)),
        Ecosystem::PyPI => visitor.visit(Rules::new(ecosystem, &pep440::Pep440)),
        Ecosystem::CratesIo => visitor.visit(Rules::new(ecosystem, &semver::Cargo)),
        Ecosystem::Maven => visitor.visit(Rules::new(ecosystem, &maven::Maven)),
        Ecosystem::Go => visitor.visit(Rules::new(ecosystem, &go::Go)),
        Ecosystem::RubyGems => visitor.visit(Rules::new(ecosystem, &rubygems::RubyGems)),
        Ecosystem::NuGet => visitor.visit(Rules::new(ecosystem, &nuget::NuGet)),
    }
}

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
    visit_scheme(ecosystem, EquivalenceKey(version.trim()))
}

struct EquivalenceKey<'a>(&'a str);

impl SchemeVisitor for EquivalenceKey<'_> {
    type Output = String;

    fn visit<S: VersionScheme>(self, rules: Rules<S>) -> String {
        rules.scheme().equivalence_key(self.0)
    }
}

/// The ecosystem whose rules read an OSV `SEMVER` range of `ecosystem`'s
/// packages: its own when its scheme is a SemVer dialect (npm, crates.io), else
/// npm's, the lenient reading of SemVer 2.0.
pub fn semver_range_rules(ecosystem: Ecosystem) -> Ecosystem {
    if visit_scheme(ecosystem, IsSemverDialect) {
        ecosystem
    } else {
        Ecosystem::Npm
    }
}

struct IsSemverDialect;

impl SchemeVisitor for IsSemverDialect {
    type Output = bool;

    fn visit<S: VersionScheme>(self, rules: Rules<S>) -> bool {
        rules.scheme().is_semver_dialect()
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
