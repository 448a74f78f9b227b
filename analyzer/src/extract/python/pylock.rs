//! `pylock.toml` (PEP 751): TOML with one `[[packages]]` table per locked
//! distribution (`name`, optional `version`, and exactly one of `wheels`/`sdist`
//! (from an index), `vcs`, `directory` or `archive`).
//!
//! A `directory` package that is editable or is the lock's own directory (`.`)
//! is the project itself and is reported as a root. The version is optional in
//! PEP 751 for source trees; a dependency without one is reported as skipped.

use super::lockfile::{self, Locked, Source, Tables};
use crate::extract::{ExtractError, Extracted};
use serde::Deserialize;

/// PEP 751 names the array of package tables `[[packages]]`.
#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Vec<toml::Value>,
}

impl Tables for Lock {
    fn into_tables(self) -> Vec<toml::Value> {
        self.packages
    }
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    vcs: Option<Location>,
    directory: Option<Location>,
    archive: Option<Location>,
}

#[derive(Deserialize)]
struct Location {
    url: Option<String>,
    path: Option<String>,
    #[serde(default)]
    editable: bool,
}

impl Location {
    fn describe(&self, kind: &str) -> String {
        match self.url.as_ref().or(self.path.as_ref()) {
            Some(at) => format!("{kind} {at}"),
            None => kind.to_string(),
        }
    }
}

impl Package {
    fn is_root(&self) -> bool {
        self.directory.as_ref().is_some_and(|d| {
            d.editable || matches!(d.path.as_deref().map(str::trim), Some("." | "./"))
        })
    }

    fn source(&self) -> Source {
        [
            ("vcs", &self.vcs),
            ("directory", &self.directory),
            ("archive", &self.archive),
        ]
        .into_iter()
        .find_map(|(kind, l)| l.as_ref().map(|l| Source::Other(l.describe(kind))))
        .unwrap_or(Source::Registry)
    }

    fn locked(&self) -> Locked<'_> {
        Locked {
            is_root: self.is_root(),
            source: self.source(),
            marker: self.marker.as_deref(),
            ..Locked::dependency(&self.name, self.version.as_deref())
        }
    }
}

/// Parses a `pylock.toml` (or `pylock.<name>.toml`) at `path`.
pub fn extract(path: &str, bytes: &[u8]) -> Result<Extracted, ExtractError> {
    lockfile::read::<Lock, _>(path, bytes, Package::locked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::rows;
    use crate::{EvidenceKind, Role};

    const LOCK: &str = r#"lock-version = "1.0"
environments = ["sys_platform == 'linux'"]
requires-python = ">=3.12"
extras = []
dependency-groups = []
default-groups = []
created-by = "uv"

[[packages]]
name = "idna"
version = "3.10"
index = "https://pypi.org/simple"
wheels = [{ name = "idna-3.10-py3-none-any.whl", url = "https://files.pythonhosted.org/packages/idna-3.10-py3-none-any.whl", upload-time = 2024-09-15T18:07:37Z, size = 70442, hashes = { sha256 = "946d195a0d259cbba61165e88e65941f16e9b36ea6ddb97f00452bae8b1287d3" } }]

[[packages]]
name = "tomli"
version = "2.0.1"
marker = "python_version < '3.11'"
index = "https://pypi.org/simple"
sdist = { name = "tomli-2.0.1.tar.gz", url = "https://files.pythonhosted.org/packages/tomli-2.0.1.tar.gz", size = 15164, hashes = { sha256 = "de526c12914f0c550d15924c62d72abc48d6fe7364aa87328337a31007fe8a4f" } }

[[packages]]
name = "billing"
version = "1.4.0"
directory = { path = ".", editable = true }

[[packages]]
name = "helper"
vcs = { type = "git", url = "https://github.com/acme/helper.git", commit-id = "0123abcd" }

[[packages]]
name = "shared-utils"
version = "0.9.1"
directory = { path = "../shared-utils" }
"#;

    #[test]
    fn packages_roots_and_sources() {
        let out = extract("pylock.toml", LOCK.as_bytes()).unwrap();
        let found = rows!(out.packages; name, version, role, note);
        assert_eq!(
            found,
            vec![
                ("idna", "3.10", Role::Dependency, None),
                (
                    "tomli",
                    "2.0.1",
                    Role::Dependency,
                    Some("only installed when python_version < '3.11'")
                ),
                ("billing", "1.4.0", Role::Root, None),
                (
                    "shared-utils",
                    "0.9.1",
                    Role::Dependency,
                    Some("not from a package index (directory ../shared-utils)")
                ),
            ]
        );
        assert!(out
            .packages
            .iter()
            .all(|f| f.evidence == EvidenceKind::Lockfile));
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].reason, "entry `helper` has no version");
    }

    #[test]
    fn invalid_toml_is_an_error() {
        assert!(extract("pylock.toml", b"lock-version = \"1.0\"\n[[packages]\n").is_err());
        assert!(extract("pylock.toml", b"packages = \"nope\"").is_err());
    }
}
