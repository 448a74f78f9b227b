//! Warnings and coverage notes: what was read, what was skipped, and why.

use serde::{Deserialize, Serialize};

/// Something that went wrong with one file, without stopping the scan.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// The artifact (function, layer, or directory) the file belongs to.
    pub artifact: String,
    /// Path inside the artifact (`outer.jar!/inner/path` inside nested archives).
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.artifact, self.message)
        } else {
            write!(f, "{}: {}: {}", self.artifact, self.path, self.message)
        }
    }
}

/// A file an extractor looked at but could not turn into pinned packages
/// (a bundled .js without metadata, an unpinned requirement, a jar without
/// pom.properties...), so that "0 packages" never looks like "0 vulnerabilities".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Evidence the tool would have read but did not: a limit stopped it (an
/// archive's inflation budget, an entry count, a file too large to read) or the
/// entry could not be read at all. The artifact's inventory may then be missing
/// packages, so a scan with a gap is *incomplete* and fails the gate unless the
/// user accepts that (`--fail-on-incomplete never`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Gap {
    /// Path inside the artifact (`outer.jar!/inner/path` inside nested archives);
    /// empty when the whole artifact is concerned.
    pub path: String,
    /// What stopped the read, with the limit and its value when one did.
    pub reason: String,
}
