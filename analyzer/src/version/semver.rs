//! SemVer 2.0 precedence (the `semver` crate), in the two dialects the
//! ecosystems speak: npm's, which also reads the `v1.2.3` and `=1.2.3` spellings
//! of lockfiles and CLIs as node-semver's loose mode does, and Cargo's, which is
//! strict. Build metadata never affects the order (`1.0.0+a == 1.0.0+b`).

use super::VersionScheme;
use std::cmp::Ordering;

/// npm: SemVer 2.0, with the `v` and `=` prefixes accepted.
pub struct Npm;

/// crates.io: strict SemVer 2.0, as Cargo reads it.
pub struct Cargo;

impl VersionScheme for Npm {
    type Parsed = semver::Version;

    fn name(&self) -> &'static str {
        "SemVer (npm)"
    }

    fn parse(&self, text: &str) -> Result<semver::Version, String> {
        parse(text.trim_start_matches(['v', '=']))
    }

    fn compare(&self, a: &semver::Version, b: &semver::Version) -> Ordering {
        a.cmp_precedence(b)
    }

    /// The version as node-semver's `clean` writes it (`v1.2.3`, `=1.2.3` and
    /// `1.2.3+build` give `1.2.3`): two valid versions share a key exactly when
    /// they compare equal.
    fn equivalence_key(&self, text: &str) -> String {
        match VersionScheme::parse(self, text) {
            Ok(mut version) => {
                version.build = semver::BuildMetadata::EMPTY;
                version.to_string()
            }
            Err(_) => text.to_string(),
        }
    }

    fn is_semver_dialect(&self) -> bool {
        true
    }
}

/// A crate version is published under one exact spelling, so its key is the
/// text as written (the trait's default): `1.0.0+a` and `1.0.0+b` stay apart.
impl VersionScheme for Cargo {
    type Parsed = semver::Version;

    fn name(&self) -> &'static str {
        "SemVer (Cargo)"
    }

    fn parse(&self, text: &str) -> Result<semver::Version, String> {
        parse(text)
    }

    fn compare(&self, a: &semver::Version, b: &semver::Version) -> Ordering {
        a.cmp_precedence(b)
    }

    fn is_semver_dialect(&self) -> bool {
        true
    }
}

fn parse(text: &str) -> Result<semver::Version, String> {
    semver::Version::parse(text).map_err(|e| e.to_string())
}
