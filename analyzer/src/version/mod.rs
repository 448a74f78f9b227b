//! Version rules per ecosystem: parsing, ordering and equivalence.
//! crates.io and npm follow SemVer 2.0 precedence (`semver`), PyPI follows PEP 440
//! (`pep440_rs`), Maven follows Maven's `ComparableVersion` ([`maven`]).
//!
//! Each ecosystem's order is checked pair by pair against its reference
//! implementation (node-semver, Python's `packaging`, Maven's own class) by
//! `analyzer/tests/version_differential.rs`, which also lists the few intended
//! differences (npm's `v`/`=` prefixes are accepted; numbers beyond 2^53 are exact
//! here but not in node-semver; PEP 440 numbers must fit a u64).
//!
//! Maven's order is not transitive for a few odd strings (`-alpha < 0 < abc < -alpha`),
//! exactly as in Maven, so do not feed it to `slice::sort_by`, which may panic on
//! such input; use [`sort_by_version`], which never does.

pub mod maven;

use crate::ecosystem::Ecosystem;
use maven::MavenVersion;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A version parsed under its ecosystem's rules. Versions of different
/// ecosystems never compare (`partial_cmp` gives `None`); equality is equal
/// precedence (`1.0.0+a == 1.0.0+b`, `1.0 == 1.0.0` under PEP 440 and Maven).
#[derive(Clone, Debug)]
pub enum Version {
    /// npm and crates.io: SemVer 2.0, ordered by precedence (build metadata ignored).
    Semver(semver::Version),
    /// PyPI: PEP 440.
    Pep440(pep440_rs::Version),
    /// Maven: `ComparableVersion`.
    Maven(MavenVersion),
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

impl Version {
    /// Parses `text` under `ecosystem`'s rules, after trimming surrounding
    /// whitespace. npm lockfile spellings such as `v1.2.3` and `=1.2.3` are
    /// accepted; crates.io is strict SemVer; PyPI is PEP 440 with its documented
    /// normalisations (`1.0-RC1`, `v1.0`); Maven accepts any non-empty string, as
    /// Maven does, unless absurdly nested ([`maven::MAX_NESTING`]). Nothing is
    /// guessed beyond that.
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
            Ecosystem::Maven if trimmed.is_empty() => Err(err("empty version".into())),
            Ecosystem::Maven => MavenVersion::parse(trimmed)
                .map(Version::Maven)
                .ok_or_else(|| {
                    err(format!(
                        "nested more than {} levels deep (each `-` and digit/letter change adds one)",
                        maven::MAX_NESTING
                    ))
                }),
        }
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
        match (self, other) {
            (Version::Semver(a), Version::Semver(b)) => Some(a.cmp_precedence(b)),
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            (Version::Maven(a), Version::Maven(b)) => Some(a.compare(b)),
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

/// A string under which two spellings of the same version compare equal, used to
/// merge the same package seen in a lockfile and in installed metadata.
///
/// - PyPI: the PEP 440 normal form without trailing `.0`s (`3.2.0` and `3.2` give
///   `3.2`, `1.0-RC1` gives `1rc1`); two valid versions share a key exactly when
///   they compare equal.
/// - npm: the version as node-semver's `clean` writes it (`v1.2.3`, `=1.2.3` and
///   `1.2.3+build` give `1.2.3`); two valid versions share a key exactly when they
///   compare equal.
/// - crates.io and Maven: the trimmed text. A crate version or a Maven coordinate is
///   published under one exact spelling, so `1.0` and `1.0.0` stay apart.
///
/// A string that does not parse keys to its trimmed text.
pub fn equivalence_key(ecosystem: Ecosystem, version: &str) -> String {
    let trimmed = version.trim();
    if !matches!(ecosystem, Ecosystem::PyPI | Ecosystem::Npm) {
        return trimmed.to_string();
    }
    match (ecosystem, Version::parse(ecosystem, trimmed)) {
        (Ecosystem::PyPI, Ok(Version::Pep440(v))) => {
            let release = v.release();
            let kept = release.len() - release.iter().rev().take_while(|&&n| n == 0).count();
            let release = release[..kept.max(1)].to_vec();
            v.with_release(release).to_string()
        }
        (Ecosystem::Npm, Ok(Version::Semver(mut v))) => {
            v.build = semver::BuildMetadata::EMPTY;
            v.to_string()
        }
        _ => trimmed.to_string(),
    }
}

/// Sorts `items` by the version `version_of` gives for each, in `ecosystem`'s order,
/// stably: versions that do not parse come last, in text order. Unlike
/// `slice::sort_by`, this never panics when the order is not transitive (Maven's
/// `ComparableVersion` is not, for a few odd strings); each version is parsed once.
pub fn sort_by_version<T>(
    ecosystem: Ecosystem,
    items: &mut Vec<T>,
    version_of: impl Fn(&T) -> &str,
) {
    let keys: Vec<Result<Version, String>> = items
        .iter()
        .map(|item| {
            let text = version_of(item);
            Version::parse(ecosystem, text).map_err(|_| text.to_string())
        })
        .collect();
    let order = |a: &usize, b: &usize| match (&keys[*a], &keys[*b]) {
        (Ok(x), Ok(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(x), Err(y)) => x.cmp(y),
    };
    let mut indices: Vec<usize> = (0..items.len()).collect();
    merge_sort(&mut indices, &order);
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(indices.into_iter().filter_map(|i| slots[i].take()));
}

/// A stable top-down merge sort that only ever moves elements, so any comparator,
/// even an inconsistent one, yields a permutation of the input.
fn merge_sort<T: Copy>(items: &mut [T], order: &impl Fn(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let mid = items.len() / 2;
    merge_sort(&mut items[..mid], order);
    merge_sort(&mut items[mid..], order);
    let mut merged = Vec::with_capacity(items.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < items.len() {
        if order(&items[j], &items[i]) == Ordering::Less {
            merged.push(items[j]);
            j += 1;
        } else {
            merged.push(items[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&items[i..mid]);
    merged.extend_from_slice(&items[j..]);
    items.copy_from_slice(&merged);
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

    #[test]
    fn sorting_survives_maven_cycles() {
        let maven = |s| Version::parse(Ecosystem::Maven, s).unwrap();
        // Maven's own order has this cycle; sorting must still terminate sanely.
        assert!(maven("-alpha") < maven("0"));
        assert!(maven("0") < maven("abc"));
        assert!(maven("abc") < maven("-alpha"));
        let mut cyclic: Vec<&str> = ["abc", "0", "-alpha", "abc", "0", "-alpha"].repeat(20);
        sort_by_version(Ecosystem::Maven, &mut cyclic, |s| s);
        assert_eq!(cyclic.len(), 120);
        assert_eq!(cyclic.iter().filter(|s| **s == "0").count(), 40);

        let mut mixed = vec!["1.10", "junk!", "1.9", "1.0-SNAPSHOT", "1.0", "1"];
        sort_by_version(Ecosystem::PyPI, &mut mixed, |s| s);
        assert_eq!(mixed, ["1.0", "1", "1.9", "1.10", "1.0-SNAPSHOT", "junk!"]);
    }
}
