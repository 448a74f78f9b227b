//! `uv.lock`: TOML with one `[[package]]` table per locked distribution
//! (`name`, `version`, `source = { registry | git | path | directory | url |
//! editable | virtual = ... }`, `dependencies`, `optional-dependencies`,
//! `dev-dependencies`).
//!
//! Packages whose source is `editable` or `virtual` are the project itself (or
//! its workspace members): they are reported as roots, never as dependencies.
//! Packages reachable from the roots only through `dev-dependencies` get scope `dev`.

use super::lockfile::{self, Locked, PackageArray, Source};
use crate::ecosystem::pep503_normalize;
use crate::extract::{graph, ExtractError, Extracted};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize)]
struct Package {
    name: String,
    version: Option<String>,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dependencies: Vec<Dependency>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<Dependency>>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Vec<Dependency>>,
}

#[derive(Deserialize)]
struct Dependency {
    name: String,
}

impl Package {
    fn is_root(&self) -> bool {
        self.source.contains_key("editable") || self.source.contains_key("virtual")
    }

    fn source(&self) -> Source {
        match self.source.iter().next() {
            None => Source::Registry,
            Some((kind, _)) if kind == "registry" => Source::Registry,
            Some((kind, value)) => Source::Other(match value.as_str() {
                Some(v) => format!("{kind} {v}"),
                None => kind.clone(),
            }),
        }
    }

    /// Names this package needs at run time (extras included).
    fn runtime_dependencies(&self) -> impl Iterator<Item = &Dependency> {
        self.dependencies
            .iter()
            .chain(self.optional_dependencies.values().flatten())
    }
}

/// The run-time dependency edges between the lock's packages. A name may be
/// locked once per environment; a dependency on it reaches every one.
struct RuntimeEdges {
    by_name: HashMap<String, Vec<usize>>,
    edges: Vec<Vec<usize>>,
}

impl RuntimeEdges {
    fn new(packages: &[Package]) -> RuntimeEdges {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in packages.iter().enumerate() {
            by_name
                .entry(pep503_normalize(&p.name))
                .or_default()
                .push(i);
        }
        let mut graph = RuntimeEdges {
            by_name,
            edges: Vec::new(),
        };
        graph.edges = packages
            .iter()
            .map(|p| graph.resolve(p.runtime_dependencies()).collect())
            .collect();
        graph
    }

    /// The packages `dependencies` name.
    fn resolve<'d>(
        &'d self,
        dependencies: impl IntoIterator<Item = &'d Dependency> + 'd,
    ) -> impl Iterator<Item = usize> + 'd {
        dependencies
            .into_iter()
            .flat_map(|d| self.by_name.get(&pep503_normalize(&d.name)))
            .flatten()
            .copied()
    }

    /// Which packages `dependencies` reach, directly or at run time.
    fn reach<'d>(&'d self, dependencies: impl Iterator<Item = &'d Dependency> + 'd) -> Vec<bool> {
        graph::reachable(self.resolve(dependencies), &self.edges)
    }
}

/// Parses a `uv.lock` at `path`.
pub fn extract(path: &str, bytes: &[u8]) -> Result<Extracted, ExtractError> {
    let mut out = Extracted::default();
    let packages: Vec<Package> = lockfile::tables::<PackageArray>(bytes)?
        .into_iter()
        .filter_map(|value| lockfile::entry(path, value, &mut out))
        .collect();
    let edges = RuntimeEdges::new(&packages);
    let roots = || packages.iter().filter(|p| p.is_root());
    let runtime = edges.reach(roots().flat_map(Package::runtime_dependencies));
    let dev = edges.reach(roots().flat_map(|r| r.dev_dependencies.values().flatten()));
    for (i, package) in packages.iter().enumerate() {
        Locked {
            is_root: package.is_root(),
            scope: (!runtime[i] && dev[i]).then(|| "dev".to_string()),
            source: package.source(),
            ..Locked::dependency(&package.name, package.version.as_deref())
        }
        .record(path, &mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::rows;
    use crate::Role;

    const LOCK: &str = r#"version = 1
requires-python = ">=3.12"

[[package]]
name = "certifi"
version = "2024.8.30"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/certifi-2024.8.30.tar.gz", hash = "sha256:bec941d2aa8195e248a60b31ff9f0558284cf01a52591ceda73ea9afffd69fd9", size = 168507 }
wheels = [
    { url = "https://files.pythonhosted.org/packages/certifi-2024.8.30-py3-none-any.whl", hash = "sha256:922820b53db7a7257ffbda3f597266d435245903d80737e34f8a45ff3e3230d8", size = 167321 },
]

[[package]]
name = "iniconfig"
version = "2.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "order-api"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "requests" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
    { name = "requests" },
]

[package.metadata]
requires-dist = [{ name = "requests", specifier = "==2.32.3" }]

[[package]]
name = "pytest"
version = "8.3.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "iniconfig" },
]

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "certifi" },
    { name = "toolbox", extra = ["fast"] },
]

[[package]]
name = "toolbox"
version = "1.2.0"
source = { git = "https://github.com/acme/toolbox?rev=v1.2.0#9f8e7d6" }

[[package]]
name = "scratch"
source = { virtual = "scratch" }

[[package]]
name = "nameless-version"
source = { registry = "https://pypi.org/simple" }
"#;

    #[test]
    fn roots_dev_scope_and_sources() {
        let out = extract("uv.lock", LOCK.as_bytes()).unwrap();
        let found = rows!(out.packages; name, version, role, scope);
        assert_eq!(
            found,
            vec![
                ("certifi", "2024.8.30", Role::Dependency, None),
                ("iniconfig", "2.0.0", Role::Dependency, Some("dev")),
                ("order-api", "0.1.0", Role::Root, None),
                ("pytest", "8.3.3", Role::Dependency, Some("dev")),
                ("requests", "2.32.3", Role::Dependency, None),
                ("toolbox", "1.2.0", Role::Dependency, None),
            ]
        );
        assert_eq!(
            out.packages[5].note.as_deref(),
            Some(
                "not from a package index (git https://github.com/acme/toolbox?rev=v1.2.0#9f8e7d6)"
            )
        );
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(
            out.skipped[0].reason,
            "entry `nameless-version` has no version"
        );
    }

    #[test]
    fn bad_entries_and_bad_toml() {
        let out = extract("uv.lock", b"version = 1\n[[package]]\nversion = \"1.0\"\n").unwrap();
        assert!(out.packages.is_empty());
        assert_eq!(out.skipped.len(), 1);
        assert!(
            out.skipped[0]
                .reason
                .starts_with("entry `(unnamed)` not understood: missing field `name`"),
            "{}",
            out.skipped[0].reason
        );
        assert!(extract("uv.lock", b"[[package]]\nname = \"x\"\nname = \"y\"\n").is_err());
    }
}
