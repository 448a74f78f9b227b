//! PyPI's version rules, PEP 440 (the `pep440_rs` crate), with its documented
//! normalisations (`1.0-RC1` is `1rc1`, `v1.0` is `1.0`) and local versions
//! (`2.0.1+cu118`). Each number must fit a u64.

use super::VersionScheme;
use pep440_rs::Version;
use std::cmp::Ordering;
use std::str::FromStr;

/// PyPI: PEP 440.
pub struct Pep440;

impl VersionScheme for Pep440 {
    type Parsed = Version;

    fn name(&self) -> &'static str {
        "PEP 440"
    }

    fn parse(&self, text: &str) -> Result<Version, String> {
        Version::from_str(text).map_err(|e| e.to_string())
    }

    fn compare(&self, a: &Version, b: &Version) -> Ordering {
        a.cmp(b)
    }

    /// The PEP 440 normal form without trailing `.0`s (`3.2.0` and `3.2` give
    /// `3.2`, `1.0-RC1` gives `1rc1`): two valid versions share a key exactly
    /// when they compare equal.
    fn equivalence_key(&self, text: &str) -> String {
        let Ok(version) = Version::from_str(text) else {
            return text.to_string();
        };
        let release = version.release();
        let kept = release.len() - release.iter().rev().take_while(|&&n| n == 0).count();
        let release = release[..kept.max(1)].to_vec();
        version.with_release(release).to_string()
    }

    fn without_local(&self, version: &Version) -> Option<Version> {
        version.is_local().then(|| version.clone().without_local())
    }
}
