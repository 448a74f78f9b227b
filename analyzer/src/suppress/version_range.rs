//! The `version` selector: comparators joined by commas, compared under the
//! package's ecosystem rules.

use crate::ecosystem::Ecosystem;
use crate::version::Version;
use std::cmp::Ordering;

/// A comparison operator of a version range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    /// True when a version that compares `ordering` to the bound satisfies this operator.
    fn accepts(self, ordering: Ordering) -> bool {
        match self {
            Op::Eq => ordering == Ordering::Equal,
            Op::Ne => ordering != Ordering::Equal,
            Op::Lt => ordering == Ordering::Less,
            Op::Le => ordering != Ordering::Greater,
            Op::Gt => ordering == Ordering::Greater,
            Op::Ge => ordering != Ordering::Less,
        }
    }
}

/// A version range: comparators joined by commas, all of which must hold
/// (`>=1.0, <2.0`; a bare version means `=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRange {
    comparators: Vec<(Op, String)>,
}

impl VersionRange {
    /// Parses the range syntax (versions are parsed later, per ecosystem).
    pub fn parse(text: &str) -> Result<VersionRange, String> {
        let mut comparators = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let (op, rest) = [
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("==", Op::Eq),
                ("!=", Op::Ne),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .into_iter()
            .find_map(|(p, op)| part.strip_prefix(p).map(|r| (op, r)))
            .unwrap_or((Op::Eq, part));
            let version = rest.trim();
            if version.is_empty() || version.contains(char::is_whitespace) {
                return Err(format!(
                    "`{text}` is not a version range (e.g. \">=1.0, <2.0\")"
                ));
            }
            comparators.push((op, version.to_string()));
        }
        Ok(VersionRange { comparators })
    }

    /// True when `version` satisfies every comparator under `ecosystem`'s
    /// rules; false when a version does not parse.
    pub fn contains(&self, ecosystem: Ecosystem, version: &str) -> bool {
        let Ok(v) = Version::parse(ecosystem, version) else {
            return false;
        };
        self.comparators.iter().all(|(op, bound)| {
            Version::parse(ecosystem, bound)
                .ok()
                .and_then(|b| v.partial_cmp(&b))
                .is_some_and(|ordering| op.accepts(ordering))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ranges() {
        let r = VersionRange::parse(">=4.17.0, <4.17.21").unwrap();
        assert!(r.contains(Ecosystem::Npm, "4.17.15"));
        assert!(!r.contains(Ecosystem::Npm, "4.17.21"));
        assert!(!r.contains(Ecosystem::Npm, "not-a-version"));
        let exact = VersionRange::parse("2.10").unwrap();
        assert!(exact.contains(Ecosystem::PyPI, "2.10.0"));
        assert!(VersionRange::parse(">= 1.0 2.0").is_err());
        assert!(VersionRange::parse(">=").is_err());
    }
}
