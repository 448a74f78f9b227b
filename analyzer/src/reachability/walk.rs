//! The walk over the handler's module graph, level by level (each level's
//! files parsed in parallel), and the verdict per package.

use super::facts::{parse_source, source_kind, FileImports, ParsedImports};
use super::handler::entry_file;
use super::node_resolve::{NodeResolver, Resolved};
use super::owners::Owners;
use super::paths::{parent, MAX_SOURCE_BYTES};
use super::python_resolve::PythonResolver;
use super::tree::SourceTree;
use super::{Entry, Language, Mounts, ReachStatus, Reachability, ReachabilityReport, TASK_ROOT};
use crate::ecosystem::Ecosystem;
use crate::package::Package;
use rayon::prelude::*;
use std::collections::HashMap;

/// The most source files one analysis follows; past it every package not yet
/// reached is `unknown`.
pub const MAX_FILES_FOLLOWED: usize = 100_000;

/// The files reached, each with the file that imported it.
struct Graph {
    files: Vec<String>,
    parent: Vec<Option<usize>>,
    ids: HashMap<String, usize>,
}

impl Graph {
    fn add(&mut self, file: String, from: Option<usize>) -> Option<usize> {
        if self.ids.contains_key(&file) {
            return None;
        }
        let id = self.files.len();
        self.ids.insert(file.clone(), id);
        self.files.push(file);
        self.parent.push(from);
        Some(id)
    }

    /// Labels from the handler to `id`: the function's own files by path,
    /// packages by name, each package once per run of its files.
    fn chain(&self, id: usize, owners: &Owners, packages: &[Package]) -> Vec<String> {
        let mut ids = vec![id];
        while let Some(p) = self.parent[*ids.last().unwrap_or(&id)] {
            ids.push(p);
        }
        let mut labels: Vec<String> = Vec::new();
        for id in ids.into_iter().rev() {
            let file = &self.files[id];
            let label = match owners.owner(file) {
                Some(pkg) => packages[pkg].name.clone(),
                None => file
                    .strip_prefix(&format!("{TASK_ROOT}/"))
                    .unwrap_or(file)
                    .to_string(),
            };
            if labels.last() != Some(&label) {
                labels.push(label);
            }
        }
        labels
    }
}

/// A computed import, where it is and why.
struct DynamicSite {
    file: usize,
    language: Language,
    reason: String,
}

pub(super) fn run(
    tree: &dyn SourceTree,
    entry: &Entry,
    packages: &[Package],
    mounts: &Mounts,
) -> ReachabilityReport {
    let owners = Owners::new(packages, mounts, tree);
    let mut report = ReachabilityReport {
        handler: entry.handler.clone(),
        ..ReachabilityReport::default()
    };
    let languages = match entry.language {
        Some(l) => vec![l],
        None => vec![Language::Node, Language::Python],
    };
    let mut first_error = None;
    let start = languages.iter().find_map(|&language| {
        match entry_file(&entry.handler, language, &entry.python_path, tree) {
            Ok(file) => Some((language, file)),
            Err(e) => {
                first_error.get_or_insert(e);
                None
            }
        }
    });
    let Some((language, start)) = start else {
        report.unknown_reason = first_error;
        return verdicts(report, packages, &owners, None);
    };
    report.language = Some(language);
    report.entry = Some(start.clone());

    let node = NodeResolver {
        tree,
        global_dirs: &entry.node_global_dirs,
    };
    let python = PythonResolver::new(tree, &entry.python_path);
    let mut graph = Graph {
        files: Vec::new(),
        parent: Vec::new(),
        ids: HashMap::new(),
    };
    let mut frontier: Vec<usize> = graph.add(start, None).into_iter().collect();
    let mut declared: HashMap<usize, (usize, String)> = HashMap::new();
    let mut dynamic: Vec<DynamicSite> = Vec::new();

    while !frontier.is_empty() {
        if graph.files.len() > MAX_FILES_FOLLOWED {
            report.unknown_reason = Some(format!(
                "the handler's imports reach more than {MAX_FILES_FOLLOWED} files"
            ));
            break;
        }
        let read: Vec<FileImports> = frontier
            .par_iter()
            .map(|&id| read_imports(tree, &graph.files[id]))
            .collect();
        let mut next = Vec::new();
        for (&id, imports) in frontier.iter().zip(read) {
            let from = graph.files[id].clone();
            let mut targets: Vec<String> = Vec::new();
            let (site, language) = match imports {
                FileImports::Leaf => continue,
                FileImports::Unreadable(reason) => {
                    let language = if from.ends_with(".py") {
                        Language::Python
                    } else {
                        Language::Node
                    };
                    (Some(reason), language)
                }
                FileImports::Js(found) => {
                    for spec in &found.specifiers {
                        match node.resolve(&from, spec) {
                            Resolved::Files(files) => targets.extend(files),
                            Resolved::Package(dir) => targets.extend(package_scripts(tree, &dir)),
                            Resolved::Missing {
                                package: Some(name),
                            } => {
                                if let Some(&pkg) = owners.declared_npm.get(&name) {
                                    declared.entry(pkg).or_insert((id, name));
                                }
                            }
                            Resolved::Missing { package: None } | Resolved::Builtin => {}
                        }
                    }
                    (found.dynamic, Language::Node)
                }
                FileImports::Py(found) => {
                    for import in &found.specifiers {
                        let files = python.resolve(&from, import);
                        if files.is_empty() && import.level == 0 {
                            let top = import.module.split('.').next().unwrap_or("");
                            if let Some(&pkg) = owners.declared_modules.get(&top.to_lowercase()) {
                                declared.entry(pkg).or_insert((id, top.to_string()));
                            }
                        }
                        targets.extend(files);
                    }
                    (found.dynamic, Language::Python)
                }
            };
            if let Some(reason) = site {
                dynamic.push(DynamicSite {
                    file: id,
                    language,
                    reason,
                });
            }
            next.extend(targets.into_iter().filter_map(|t| graph.add(t, Some(id))));
        }
        frontier = next;
    }
    report.files_followed = graph.files.len();

    let mut reached: HashMap<usize, usize> = HashMap::new();
    for (id, file) in graph.files.iter().enumerate() {
        if let Some(pkg) = owners.owner(file) {
            reached.entry(pkg).or_insert(id);
        }
    }
    let walked = Walked {
        graph: &graph,
        reached,
        declared,
        dynamic,
    };
    verdicts(report, packages, &owners, Some(&walked))
}

/// Every script of a package folder, its own `node_modules` left out.
fn package_scripts(tree: &dyn SourceTree, dir: &str) -> Vec<String> {
    tree.files_under(dir)
        .into_iter()
        .filter(|f| {
            [".js", ".mjs", ".cjs"].iter().any(|e| f.ends_with(e))
                && !f[dir.len()..].contains("/node_modules/")
        })
        .collect()
}

struct Walked<'g> {
    graph: &'g Graph,
    /// Package → the first file of it reached.
    reached: HashMap<usize, usize>,
    /// Packages not installed but imported by name → (importing file, name).
    declared: HashMap<usize, (usize, String)>,
    dynamic: Vec<DynamicSite>,
}

fn verdicts(
    mut report: ReachabilityReport,
    packages: &[Package],
    owners: &Owners,
    walked: Option<&Walked>,
) -> ReachabilityReport {
    for (idx, package) in packages.iter().enumerate() {
        let language = match package.ecosystem {
            Ecosystem::Npm => Language::Node,
            Ecosystem::PyPI => Language::Python,
            _ => continue,
        };
        let verdict = match walked {
            None => unknown(report.unknown_reason.clone().unwrap_or_default()),
            Some(w) => verdict(idx, language, owners, w, packages, &report),
        };
        report.packages.insert(package.purl.clone(), verdict);
    }
    report
}

fn unknown(reason: String) -> Reachability {
    Reachability {
        status: ReachStatus::Unknown,
        chain: Vec::new(),
        reason: Some(reason),
    }
}

fn verdict(
    idx: usize,
    language: Language,
    owners: &Owners,
    walked: &Walked,
    packages: &[Package],
    report: &ReachabilityReport,
) -> Reachability {
    if let Some(&file) = walked.reached.get(&idx) {
        return Reachability {
            status: ReachStatus::Imported,
            chain: walked.graph.chain(file, owners, packages),
            reason: None,
        };
    }
    if let Some((file, name)) = walked.declared.get(&idx) {
        let mut chain = walked.graph.chain(*file, owners, packages);
        chain.push(name.clone());
        return Reachability {
            status: ReachStatus::Imported,
            chain,
            reason: Some("imported by name; not installed in the function".into()),
        };
    }
    if let Some(reason) = &report.unknown_reason {
        return unknown(reason.clone());
    }
    if let Some(site) = walked
        .dynamic
        .iter()
        .find(|site| site.language == language && covers(site, idx, language, owners, walked.graph))
    {
        let file = &walked.graph.files[site.file];
        let shown = file.strip_prefix(&format!("{TASK_ROOT}/")).unwrap_or(file);
        return unknown(format!("{shown}: {}", site.reason));
    }
    if !owners.present[idx] {
        return unknown(
            "its code is not in the function (declared or locked only): what would load it cannot be read"
                .into(),
        );
    }
    Reachability {
        status: ReachStatus::NotImported,
        chain: Vec::new(),
        reason: None,
    }
}

/// Whether a computed import at `site` could load package `idx`: in Python
/// anything on the path; in Node.js a package in a `node_modules` folder the
/// site's folder walks up through, or in the global folders.
fn covers(
    site: &DynamicSite,
    idx: usize,
    language: Language,
    owners: &Owners,
    graph: &Graph,
) -> bool {
    if language == Language::Python {
        return true;
    }
    let site_dir = parent(&graph.files[site.file]);
    owners.npm_locations[idx].iter().any(|dir| {
        let Some(at) = dir.rfind("/node_modules/") else {
            return true;
        };
        let node_modules = &dir[..at];
        // Visible by walking up from the site, or not under any function
        // folder at all (the global folders in /opt).
        site_dir.starts_with(node_modules) || node_modules.starts_with("/opt")
    })
}

/// The imports of the file at `path`: kept facts when the tree has them,
/// else read and parsed now.
fn read_imports(tree: &dyn SourceTree, path: &str) -> FileImports {
    let Some(is_js) = source_kind(path) else {
        return FileImports::Leaf;
    };
    if let Some(ParsedImports(kept)) = tree.parsed(path) {
        return kept;
    }
    match tree.read(path, MAX_SOURCE_BYTES) {
        Ok(bytes) => parse_source(is_js, &bytes),
        Err(e) => FileImports::Unreadable(format!("could not be read: {e}")),
    }
}
