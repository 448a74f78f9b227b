//! Import reachability of a deployment: the function and its layers laid
//! out as Lambda mounts them, searched the way its runtime searches.

use crate::deployment::Deployment;
use crate::runtime::Runtime;
use analyzer::reachability::{
    self, Entry, Language, MergedTree, Mounts, ReachabilityReport, SourceFacts, TASK_ROOT,
};
use analyzer::Package;
use std::sync::Arc;

/// Node.js majors and Python minors whose layer folders are searched when the
/// runtime's version is not known.
const NODE_MAJORS: std::ops::RangeInclusive<u32> = 14..=24;
const PYTHON_MINORS: std::ops::RangeInclusive<u32> = 8..=14;

impl Deployment {
    /// Which of `packages` (npm and Python) the handler imports. A project
    /// folder is placed at /var/task, where Lambda would put it.
    pub fn reachability(&self, handler: &str, packages: &[Package]) -> ReachabilityReport {
        self.reachability_with(handler, packages, &[])
    }

    /// [`Deployment::reachability`], where `sources[i]` holds the facts kept
    /// of the i-th artifact (function first, then layers) whose bytes are
    /// gone: a layer version's cached scan.
    pub fn reachability_with(
        &self,
        handler: &str,
        packages: &[Package],
        sources: &[Option<Arc<SourceFacts>>],
    ) -> ReachabilityReport {
        let mount = |a: &crate::Artifact| a.role.mount().unwrap_or(TASK_ROOT);
        let tree = MergedTree::with_facts(self.artifacts().enumerate().map(|(i, a)| {
            let facts = sources.get(i).and_then(Option::as_deref);
            (mount(a), &a.tree, facts)
        }));
        let mounts: Mounts = self
            .artifacts()
            .map(|a| (a.tree.name.clone(), mount(a).to_string()))
            .collect();
        let runtime = self.effective_runtime().map(|v| v.runtime);
        reachability::analyze(&tree, &entry(handler, runtime), packages, &mounts)
    }
}

/// The handler and the runtime's search paths (NODE_PATH and sys.path as the
/// Lambda runtimes set them).
pub fn entry(handler: &str, runtime: Option<Runtime>) -> Entry {
    let (language, majors, minors) = match runtime {
        Some(Runtime::Node { major }) => (Some(Language::Node), major..=major, PYTHON_MINORS),
        Some(Runtime::Python { minor }) => (Some(Language::Python), NODE_MAJORS, minor..=minor),
        _ => (None, NODE_MAJORS, PYTHON_MINORS),
    };
    let mut node_global_dirs: Vec<String> = majors
        .map(|m| format!("/opt/nodejs/node{m}/node_modules"))
        .collect();
    node_global_dirs.push("/opt/nodejs/node_modules".into());
    node_global_dirs.push(TASK_ROOT.into());
    let mut python_path = vec![TASK_ROOT.to_string()];
    python_path.extend(minors.map(|m| format!("/opt/python/lib/python3.{m}/site-packages")));
    python_path.push("/opt/python".into());
    Entry {
        handler: handler.to_string(),
        language,
        node_global_dirs,
        python_path,
    }
}
