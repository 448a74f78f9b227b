//! Which direct dependency of a Node project pulls a package in: the
//! project's `package.json` (its direct dependencies) and the dependency
//! edges its `package-lock.json` (v2/v3 `packages`) records, joined by name.

use super::ProjectFiles;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The project manifest read for fixes.
pub(super) const MANIFEST: &str = "package.json";
/// The lockfile whose graph says what pulls a package in.
const LOCKFILE: &str = "package-lock.json";

/// A Node project's direct dependencies and dependency edges, by name.
#[derive(Debug, Default)]
pub(super) struct DependencyGraph {
    /// The manifest's path, when the project has one.
    pub manifest: Option<String>,
    /// `dependencies` and `optionalDependencies` of the manifest.
    pub direct: BTreeSet<String>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

/// The names an object member (`dependencies`...) lists.
fn names(object: &Map<String, Value>, keys: &[&str]) -> impl Iterator<Item = String> {
    keys.iter()
        .filter_map(|k| object.get(*k).and_then(Value::as_object))
        .flat_map(|deps| deps.keys().cloned())
        .collect::<Vec<_>>()
        .into_iter()
}

const RUNTIME: [&str; 2] = ["dependencies", "optionalDependencies"];

impl DependencyGraph {
    /// Reads the graph from the project files (empty when they are absent or
    /// unreadable: the plan then names no direct dependency).
    pub fn read(files: &ProjectFiles) -> DependencyGraph {
        let json = |path: &str| {
            files
                .get(path)
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
        };
        let mut graph = DependencyGraph::default();
        if let Some(Value::Object(manifest)) = json(MANIFEST) {
            graph.manifest = Some(MANIFEST.to_string());
            graph.direct = names(&manifest, &RUNTIME).collect();
        }
        let lock = json(LOCKFILE);
        let packages = lock
            .as_ref()
            .and_then(|l| l.get("packages"))
            .and_then(Value::as_object);
        for (key, entry) in packages.into_iter().flatten() {
            let Some((_, name)) = key.rsplit_once("node_modules/") else {
                continue;
            };
            let Some(entry) = entry.as_object() else {
                continue;
            };
            graph
                .edges
                .entry(name.to_string())
                .or_default()
                .extend(names(entry, &RUNTIME));
        }
        graph
    }

    /// The direct dependencies through which `name` is reached, sorted.
    pub fn direct_dependencies_reaching(&self, name: &str) -> Vec<String> {
        self.direct
            .iter()
            .filter(|d| self.reaches(d, name))
            .cloned()
            .collect()
    }

    fn reaches(&self, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(current) = queue.pop_front() {
            for next in self.edges.get(current).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.as_str()) {
                    queue.push_back(next);
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitive_packages_are_traced_to_the_direct_dependencies() {
        let files = ProjectFiles::from([
            (
                MANIFEST.to_string(),
                r#"{"dependencies": {"express": "^4.17.1", "ms": "2.1.2"}}"#.to_string(),
            ),
            (
                LOCKFILE.to_string(),
                r#"{"lockfileVersion": 3, "packages": {
                    "": {"dependencies": {"express": "^4.17.1", "ms": "2.1.2"}},
                    "node_modules/express": {"dependencies": {"body-parser": "1.19.0", "qs": "6.7.0"}},
                    "node_modules/body-parser": {"dependencies": {"qs": "6.7.0"}},
                    "node_modules/qs": {"version": "6.7.0"},
                    "node_modules/ms": {"version": "2.1.2"}
                }}"#
                .to_string(),
            ),
        ]);
        let graph = DependencyGraph::read(&files);
        assert_eq!(graph.direct_dependencies_reaching("qs"), ["express"]);
        assert!(graph.direct_dependencies_reaching("nothing").is_empty());
        assert!(graph.direct.contains("ms"));
    }
}
