//! Package ecosystems, spelled as OSV spells them, with their naming rules.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A package ecosystem supported by lambda-audit. A new one is a variant here
/// (with its OSV and purl names below), its version scheme (one file under
/// `version/` and one entry in `version::visit_scheme`) and its extractor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ecosystem {
    #[serde(rename = "npm")]
    Npm,
    #[serde(rename = "PyPI")]
    PyPI,
    #[serde(rename = "crates.io")]
    CratesIo,
    #[serde(rename = "Maven")]
    Maven,
    /// Go modules; the standard library is the module `stdlib`, as OSV names it.
    #[serde(rename = "Go")]
    Go,
    #[serde(rename = "RubyGems")]
    RubyGems,
    /// .NET packages; ids are case-insensitive.
    #[serde(rename = "NuGet")]
    NuGet,
}

impl Ecosystem {
    /// Every supported ecosystem, in a stable order.
    pub const ALL: [Ecosystem; 7] = [
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::CratesIo,
        Ecosystem::Maven,
        Ecosystem::Go,
        Ecosystem::RubyGems,
        Ecosystem::NuGet,
    ];

    /// The OSV spelling ("npm", "PyPI", "crates.io", "Maven", "Go", "RubyGems", "NuGet").
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Maven => "Maven",
            Ecosystem::Go => "Go",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
        }
    }

    /// Parses an OSV ecosystem name. Suffixes such as `"npm:..."` are not accepted.
    pub fn from_osv(name: &str) -> Option<Ecosystem> {
        Ecosystem::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// The purl type of this ecosystem.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::CratesIo => "cargo",
            Ecosystem::Maven => "maven",
            Ecosystem::Go => "golang",
            Ecosystem::RubyGems => "gem",
            Ecosystem::NuGet => "nuget",
        }
    }

    /// Parses a purl type back into an ecosystem.
    pub fn from_purl_type(ty: &str) -> Option<Ecosystem> {
        Ecosystem::ALL.into_iter().find(|e| e.purl_type() == ty)
    }

    /// The name under which advisories and inventories are compared:
    /// PEP 503 for PyPI, lowercase for NuGet (ids are case-insensitive), exact
    /// otherwise (npm names are case-sensitive on the registry but lowercase by
    /// policy; Maven is `group:artifact`; Go module paths and gem names are
    /// case-sensitive).
    pub fn normalize_name(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => pep503_normalize(name),
            Ecosystem::NuGet => name.to_lowercase(),
            _ => name.to_string(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// PEP 503 name normalisation: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn pep503_normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            in_sep = true;
        } else {
            if in_sep && !out.is_empty() {
                out.push('-');
            }
            in_sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(pep503_normalize("zope.interface"), "zope-interface");
        assert_eq!(pep503_normalize("Python_Dateutil"), "python-dateutil");
        assert_eq!(pep503_normalize("a--_.b"), "a-b");
        assert_eq!(pep503_normalize("PyYAML"), "pyyaml");
    }

    #[test]
    fn osv_names_round_trip() {
        for e in Ecosystem::ALL {
            assert_eq!(Ecosystem::from_osv(e.as_str()), Some(e));
            assert_eq!(Ecosystem::from_purl_type(e.purl_type()), Some(e));
        }
        assert_eq!(Ecosystem::from_osv("pypi"), None);
        assert_eq!(Ecosystem::from_osv("Go"), Some(Ecosystem::Go));
        assert_eq!(Ecosystem::from_purl_type("gem"), Some(Ecosystem::RubyGems));
    }

    #[test]
    fn nuget_ids_are_case_insensitive() {
        assert_eq!(
            Ecosystem::NuGet.normalize_name("Newtonsoft.Json"),
            Ecosystem::NuGet.normalize_name("newtonsoft.json")
        );
        assert_ne!(
            Ecosystem::Go.normalize_name("github.com/Sirupsen/logrus"),
            Ecosystem::Go.normalize_name("github.com/sirupsen/logrus")
        );
    }
}
