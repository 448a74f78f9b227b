//! Version rules per ecosystem: parsing, ordering and equivalence.

use crate::ecosystem::Ecosystem;
use std::str::FromStr;

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
}
