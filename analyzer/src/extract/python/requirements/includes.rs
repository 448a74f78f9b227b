//! `-r` includes across the requirements files of one artifact, as a graph:
//! files are nodes, includes are edges. Each file is read and parsed once,
//! however many files include it, so the work is linear in the files and lines.
//!
//! - An include resolves relative to the including file, inside the same
//!   (possibly nested) archive; URLs, absolute paths and paths that leave the
//!   archive are not read.
//! - A chain of includes is followed at most [`MAX_INCLUDE_DEPTH`] deep,
//!   counted from the nearest file read on its own (breadth first, so a file
//!   also reachable by a shorter chain is read).
//! - Files that include each other are reported once per cycle, with the
//!   files on it.
//! - Packages come out in the order pip reads them: an included file's lines
//!   where its `-r` stands.

use super::env::EnvVars;
use super::file::{items, Item};
use crate::archive::{ArchiveTree, FileEntry, NESTED_SEPARATOR};
use crate::extract::{graph, utf8, ExtractError, Extracted, Include};
use crate::Found;
use std::collections::HashMap;

/// How deep `-r` includes are followed (a file read on its own is depth 0).
pub const MAX_INCLUDE_DEPTH: usize = 8;

/// Resolves an include target relative to the including file, inside the same
/// (possibly nested) archive. `None` when it is a URL, absolute, or escapes the root.
pub fn resolve_include(from: &str, target: &str) -> Option<String> {
    let target = target.strip_prefix("file:").unwrap_or(target);
    if target.is_empty() || target.contains("://") || target.starts_with('/') {
        return None;
    }
    let (container, inner) = match from.rsplit_once(NESTED_SEPARATOR) {
        Some((c, i)) => (Some(c), i),
        None => (None, from),
    };
    let mut parts: Vec<&str> = inner.split('/').collect();
    parts.pop();
    for component in target.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    let inner = parts.join("/");
    Some(match container {
        Some(c) => format!("{c}{NESTED_SEPARATOR}{inner}"),
        None => inner,
    })
}

/// Follows the [`Extracted::includes`] that requirements files read on their
/// own recorded: reads each file they reach once (unless `read_on_its_own`
/// says it was read already) and adds its packages, its skipped lines and the
/// includes that could not be followed.
pub fn follow_includes(
    mut extracted: Extracted,
    tree: &ArchiveTree,
    env: &EnvVars,
    read_on_its_own: impl Fn(&str) -> bool,
) -> Extracted {
    let mut graph = Graph::new(tree, env, read_on_its_own);
    for Include { from, line, target } in std::mem::take(&mut extracted.includes) {
        graph
            .items_of(&from, 0)
            .push(Item::Include { line, target });
    }
    extracted.append(graph.read());
    extracted
}

/// Parses the requirements file at `path` and, through `tree`, what it
/// includes, as if it were the only requirements file read on its own.
pub fn extract(
    path: &str,
    bytes: &[u8],
    tree: &ArchiveTree,
    env: &EnvVars,
) -> Result<Extracted, ExtractError> {
    let mut graph = Graph::new(tree, env, |p| p == path);
    *graph.items_of(path, 0) = items(path, utf8(bytes)?, env);
    Ok(graph.read())
}

/// The items of the requirements file `file` at `path`, or why it could not be read.
fn read_items(
    tree: &ArchiveTree,
    file: &FileEntry,
    path: &str,
    env: &EnvVars,
) -> Result<Vec<Item>, String> {
    let bytes = tree.read(file).map_err(|e| e.to_string())?;
    let text = utf8(&bytes).map_err(|e| e.to_string())?;
    Ok(items(path, text, env))
}

/// What a line of a file in the graph contributes once its include is resolved.
enum Line {
    Package(Box<Found>),
    Skip(String),
    /// An include of the file with this node number.
    Follow(usize),
}

impl Line {
    fn followed(&self) -> Option<usize> {
        match self {
            Line::Follow(to) => Some(*to),
            _ => None,
        }
    }
}

/// One file of the graph.
struct Node {
    path: String,
    /// Length of the shortest include chain from a file read on its own.
    depth: usize,
    /// Its items, until resolved into lines; for a file read on its own, only
    /// the includes (the rest was reported when it was read).
    items: Vec<Item>,
}

/// The include graph of one artifact's requirements files.
struct Graph<'t, F> {
    tree: &'t ArchiveTree,
    env: &'t EnvVars,
    read_on_its_own: F,
    /// In breadth-first order: files read on their own first.
    nodes: Vec<Node>,
    numbers: HashMap<String, usize>,
}

impl<'t, F: Fn(&str) -> bool> Graph<'t, F> {
    fn new(tree: &'t ArchiveTree, env: &'t EnvVars, read_on_its_own: F) -> Self {
        Graph {
            tree,
            env,
            read_on_its_own,
            nodes: Vec::new(),
            numbers: HashMap::new(),
        }
    }

    /// The items of the file at `path`, added at `depth` if new.
    fn items_of(&mut self, path: &str, depth: usize) -> &mut Vec<Item> {
        let number = *self.numbers.entry(path.to_string()).or_insert_with(|| {
            self.nodes.push(Node {
                path: path.to_string(),
                depth,
                items: Vec::new(),
            });
            self.nodes.len() - 1
        });
        &mut self.nodes[number].items
    }

    /// Resolves every include breadth first (reading each new file once),
    /// then reports what the files say and the cycles among them.
    fn read(mut self) -> Extracted {
        // lines[n]: the items of node n, resolved; nodes are added as found.
        let mut lines: Vec<Vec<Line>> = Vec::new();
        while lines.len() < self.nodes.len() {
            let number = lines.len();
            let items = std::mem::take(&mut self.nodes[number].items);
            let resolved = items
                .into_iter()
                .filter_map(|item| self.resolve(number, item))
                .collect();
            lines.push(resolved);
        }
        let edges: Vec<Vec<usize>> = lines
            .iter()
            .map(|l| l.iter().filter_map(Line::followed).collect())
            .collect();
        let mut out = self.report_in_reading_order(lines);
        self.report_cycles(&edges, &mut out);
        out
    }

    /// What `item` of the file numbered `from` contributes; `None` for an
    /// include of a file read on its own that includes nothing.
    fn resolve(&mut self, from: usize, item: Item) -> Option<Line> {
        let (line, target) = match item {
            Item::Package(found) => return Some(Line::Package(found)),
            Item::Skip(reason) => return Some(Line::Skip(reason)),
            Item::Include { line, target } => (line, target),
        };
        let node = &self.nodes[from];
        let skip = |why: String| {
            Some(Line::Skip(format!(
                "included file `-r {target}` (line {line}) {why}"
            )))
        };
        let Some(resolved) = resolve_include(&node.path, &target) else {
            return skip("is outside the archive; not read".into());
        };
        if let Some(&to) = self.numbers.get(&resolved) {
            return Some(Line::Follow(to));
        }
        if (self.read_on_its_own)(&resolved) {
            return None;
        }
        let depth = node.depth + 1;
        if depth > MAX_INCLUDE_DEPTH {
            return skip(format!(
                "is nested deeper than {MAX_INCLUDE_DEPTH} includes; not read"
            ));
        }
        let Some(file) = self.tree.get(&resolved) else {
            return skip(format!("not found in the archive at {resolved}"));
        };
        match read_items(self.tree, file, &resolved, self.env) {
            Ok(items) => {
                *self.items_of(&resolved, depth) = items;
                Some(Line::Follow(self.nodes.len() - 1))
            }
            Err(e) => skip(format!("not read: {e}")),
        }
    }

    /// Packages and skipped lines of every file (`lines`, by node), depth
    /// first from the files read on their own, each file once.
    fn report_in_reading_order(&self, mut lines: Vec<Vec<Line>>) -> Extracted {
        let mut out = Extracted::default();
        let mut reported = vec![false; self.nodes.len()];
        for start in 0..self.nodes.len() {
            if std::mem::replace(&mut reported[start], true) {
                continue;
            }
            let mut stack = vec![(start, std::mem::take(&mut lines[start]).into_iter())];
            while let Some((number, rest)) = stack.last_mut() {
                let number = *number;
                match rest.next() {
                    Some(Line::Package(found)) => out.packages.push(*found),
                    Some(Line::Skip(reason)) => out.skip(&self.nodes[number].path, reason),
                    Some(Line::Follow(to)) => {
                        if !std::mem::replace(&mut reported[to], true) {
                            stack.push((to, std::mem::take(&mut lines[to]).into_iter()));
                        }
                    }
                    None => {
                        stack.pop();
                    }
                }
            }
        }
        out
    }

    /// One skip record per cycle of includes (`edges`), on its first file.
    fn report_cycles(&self, edges: &[Vec<usize>], out: &mut Extracted) {
        for cycle in graph::cycles(edges) {
            let files: Vec<&str> = cycle.iter().map(|&n| self.nodes[n].path.as_str()).collect();
            out.skip(
                files[0],
                format!(
                    "`-r` includes form a cycle through {}; each file is read once",
                    files.join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::{rows, skips, tree};
    use crate::EvidenceKind;

    /// A tree of the files `names[i]` holding `bodies[i]`.
    fn named_tree(names: &[String], bodies: &[String]) -> ArchiveTree {
        let files: Vec<(&str, &[u8])> = names
            .iter()
            .zip(bodies)
            .map(|(n, b)| (n.as_str(), b.as_bytes()))
            .collect();
        tree(&files)
    }

    #[test]
    fn include_paths_stay_inside_their_archive() {
        assert_eq!(
            resolve_include("requirements.txt", "base.txt").as_deref(),
            Some("base.txt")
        );
        assert_eq!(
            resolve_include("app/requirements/prod.txt", "../requirements/./base.txt").as_deref(),
            Some("app/requirements/base.txt")
        );
        assert_eq!(
            resolve_include("a.zip!/requirements.txt", "dev/base.txt").as_deref(),
            Some("a.zip!/dev/base.txt")
        );
        assert_eq!(resolve_include("requirements.txt", "../base.txt"), None);
        assert_eq!(resolve_include("a.zip!/requirements.txt", "../x.txt"), None);
        assert_eq!(resolve_include("requirements.txt", "/etc/base.txt"), None);
        assert_eq!(
            resolve_include("requirements.txt", "https://x/base.txt"),
            None
        );
    }

    #[test]
    fn includes_cycles_and_skips() {
        let files: [(&str, &[u8]); 4] = [
            (
                "requirements.txt",
                b"-r requirements/base.txt\n-r missing.txt\n-e .\nflask>=2\nrequests==2.31.0 --hash=sha256:00\n",
            ),
            ("requirements/base.txt", b"-r common.txt\nurllib3==1.26.18\n"),
            ("requirements/common.txt", b"-r ../requirements.txt\n-r base.txt\nsix~=1.16.0\n"),
            ("requirements/other.txt", b"never read\n"),
        ];
        let tree = tree(&files);
        let out = extract("requirements.txt", files[0].1, &tree, &EnvVars::default()).unwrap();
        let found = rows!(out.packages; name, version, path, evidence);
        assert_eq!(
            found,
            vec![
                (
                    "six",
                    "1.16.0",
                    "requirements/common.txt",
                    EvidenceKind::Declared
                ),
                (
                    "urllib3",
                    "1.26.18",
                    "requirements/base.txt",
                    EvidenceKind::Declared
                ),
                (
                    "requests",
                    "2.31.0",
                    "requirements.txt",
                    EvidenceKind::Declared
                ),
            ]
        );
        assert_eq!(
            out.packages[0].note.as_deref(),
            Some("compatible-release pin ~=1.16.0: 1.16.0 is a lower bound, a newer compatible version may be installed")
        );
        let skipped = skips(&out.skipped);
        assert_eq!(
            skipped,
            vec![
                ("requirements.txt", "included file `-r missing.txt` (line 2) not found in the archive at missing.txt"),
                ("requirements.txt", "editable requirement `-e .` (line 3): installed from source, no version"),
                ("requirements.txt", "unpinned requirement `flask>=2` (line 4): a version range, not a single version"),
                ("requirements.txt", "`-r` includes form a cycle through requirements.txt, requirements/base.txt, requirements/common.txt; each file is read once"),
            ]
        );
    }

    #[test]
    fn include_depth_is_limited() {
        let names: Vec<String> = (0..12).map(|i| format!("r{i}.txt")).collect();
        let bodies: Vec<String> = (0..12)
            .map(|i| format!("-r r{}.txt\npkg{i}==1.0\n", i + 1))
            .collect();
        let tree = named_tree(&names, &bodies);
        let out = extract("r0.txt", bodies[0].as_bytes(), &tree, &EnvVars::default()).unwrap();
        assert_eq!(out.packages.len(), MAX_INCLUDE_DEPTH + 1);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].path, "r8.txt");
        assert_eq!(
            out.skipped[0].reason,
            "included file `-r r9.txt` (line 1) is nested deeper than 8 includes; not read"
        );
    }

    /// Depth counts from the nearest file read on its own: `x.txt` is nine
    /// includes below `requirements-a.txt` but one below `requirements-b.txt`,
    /// so it and what it includes are read, and no chain is too deep.
    #[test]
    fn depth_is_the_shortest_chain_from_any_file_read_on_its_own() {
        use crate::extract::python::Python;
        use crate::extract::scan_tree;
        let mut files: Vec<(String, String)> = (1..=8)
            .map(|i| (format!("c{i}.txt"), format!("-r c{}.txt\n", i + 1)))
            .collect();
        files[7].1 = "-r x.txt\n".into();
        files.extend([
            ("requirements-a.txt".into(), "-r c1.txt\n".into()),
            ("requirements-b.txt".into(), "-r x.txt\n".into()),
            ("x.txt".into(), "x==1.0\n-r y.txt\n".into()),
            ("y.txt".into(), "y==1.0\n".into()),
        ]);
        let (names, bodies): (Vec<String>, Vec<String>) = files.into_iter().unzip();
        let scan = scan_tree(&named_tree(&names, &bodies), &[Box::new(Python::default())]);
        assert_eq!(
            rows!(scan.packages; name, path),
            vec![("x", "x.txt"), ("y", "y.txt")]
        );
        assert_eq!(scan.skipped, vec![]);
    }

    /// 500 files that each include all the others (N² include lines), half
    /// read on their own and half only through includes: every file is parsed
    /// once (one package and one unpinned line each, no repeats before any
    /// de-duplication) and the one cycle is reported once, naming every file.
    #[test]
    fn mutually_including_files_are_each_read_once() {
        use crate::extract::python::Python;
        use crate::extract::{scan_tree, Extractor};
        const N: usize = 500;
        let names: Vec<String> = (0..N)
            .map(|i| match i % 2 {
                0 => format!("requirements-{i}.txt"),
                _ => format!("part-{i}.txt"),
            })
            .collect();
        let bodies: Vec<String> = (0..N)
            .map(|i| {
                let includes: String = names
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, name)| format!("-r {name}\n"))
                    .collect();
                format!("pkg{i}==1.0\nflask>=2\n{includes}")
            })
            .collect();
        let tree = named_tree(&names, &bodies);

        let mut extracted = Extracted::default();
        for file in tree.files.iter().filter(|f| Python::default().wants(f)) {
            let bytes = tree.read(file).unwrap();
            extracted.append(Python::default().extract(file, &bytes, &tree).unwrap());
        }
        let out = Python::default().reconcile(extracted, &tree);
        let mut packages: Vec<&str> = out.packages.iter().map(|f| f.name.as_str()).collect();
        packages.sort_unstable();
        packages.dedup();
        assert_eq!(out.packages.len(), N);
        assert_eq!(packages.len(), N);
        let unpinned = out
            .skipped
            .iter()
            .filter(|s| s.reason.starts_with("unpinned requirement `flask>=2`"))
            .count();
        assert_eq!(unpinned, N);
        assert_eq!(out.skipped.len(), N + 1, "one more: the cycle");
        let cycle = &out
            .skipped
            .iter()
            .find(|s| s.reason.contains("cycle"))
            .unwrap();
        assert_eq!(cycle.path, "requirements-0.txt");
        assert!(names.iter().all(|n| cycle.reason.contains(n.as_str())));

        let scan = scan_tree(&tree, &[Box::new(Python::default())]);
        assert_eq!(scan.packages.len(), N);
        assert!(scan
            .packages
            .iter()
            .all(|f| f.version == "1.0" && f.evidence == EvidenceKind::Declared));
        assert_eq!(scan.skipped.len(), N + 1);
        assert_eq!(scan.read[0].files.len(), N / 2);
    }

    #[test]
    fn non_utf8_is_an_error() {
        let tree = tree(&[]);
        assert!(extract(
            "requirements.txt",
            b"\xff\xfe==",
            &tree,
            &EnvVars::default()
        )
        .is_err());
    }
}
