//! The module graph at each directory level and its cycles. A reference from
//! `a::x::...` to `b::y::...` is an edge `a -> b` among the children of their
//! common parent; references to an ancestor or a descendant are no edge.

use crate::tree::{ModPath, Tree, Written};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// Sibling edges per parent module, each with the first reference that makes it.
pub type Levels = BTreeMap<ModPath, BTreeMap<(String, String), Written>>;

/// Every sibling edge of `tree`.
pub fn levels(tree: &Tree) -> Levels {
    let mut levels = Levels::new();
    for (from, module) in &tree.modules {
        for written in &module.written {
            let Some(to) = tree.resolve(from, &written.segments) else {
                continue;
            };
            let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if shared < from.len() && shared < to.len() {
                levels
                    .entry(from[..shared].to_vec())
                    .or_default()
                    .entry((from[shared].clone(), to[shared].clone()))
                    .or_insert_with(|| written.clone());
            }
        }
    }
    levels
}

/// Modules of one level that reach each other, and the edges between them.
#[derive(Debug)]
pub struct Cycle {
    pub parent: ModPath,
    pub members: BTreeSet<String>,
    pub edges: Vec<(String, String, Written)>,
}

/// The cycles (strongly connected groups of two or more siblings) of every level.
pub fn cycles(levels: &Levels) -> Vec<Cycle> {
    let mut found = Vec::new();
    for (parent, edges) in levels {
        let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (a, b) in edges.keys() {
            next.entry(a.as_str()).or_default().insert(b.as_str());
        }
        let reach: BTreeMap<&str, BTreeSet<&str>> = next
            .keys()
            .map(|&start| (start, reachable(&next, start)))
            .collect();
        let mut placed: BTreeSet<String> = BTreeSet::new();
        for (&start, from_start) in &reach {
            if placed.contains(start) {
                continue;
            }
            let members: BTreeSet<String> = from_start
                .iter()
                .filter(|&&other| reach.get(other).is_some_and(|r| r.contains(start)))
                .map(|s| s.to_string())
                .collect();
            if members.len() < 2 {
                continue;
            }
            placed.extend(members.iter().cloned());
            let edges = edges
                .iter()
                .filter(|((a, b), _)| members.contains(a) && members.contains(b))
                .map(|((a, b), w)| (a.clone(), b.clone(), w.clone()))
                .collect();
            found.push(Cycle {
                parent: parent.clone(),
                members,
                edges,
            });
        }
    }
    found
}

/// Every node reachable from `start` in one step or more.
fn reachable<'a>(next: &BTreeMap<&'a str, BTreeSet<&'a str>>, start: &'a str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![start];
    while let Some(node) = todo.pop() {
        for &n in next.get(node).into_iter().flatten() {
            if seen.insert(n) {
                todo.push(n);
            }
        }
    }
    seen
}

/// A cycle with its evidence, file paths shown relative to `root`.
pub struct Shown<'a> {
    pub cycle: &'a Cycle,
    pub root: &'a Path,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parent = std::iter::once("crate")
            .chain(self.cycle.parent.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("::");
        let members = self.cycle.members.iter().cloned().collect::<Vec<_>>();
        writeln!(f, "{parent}::{{{}}} import each other:", members.join(", "))?;
        for (a, b, w) in &self.cycle.edges {
            let file = w.file.strip_prefix(self.root).unwrap_or(&w.file);
            writeln!(
                f,
                "    {a} -> {b}   ({}:{}: {})",
                file.display(),
                w.line,
                w.segments.join("::")
            )?;
        }
        Ok(())
    }
}
