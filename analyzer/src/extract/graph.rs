//! Graphs over numbered nodes, as extractors build them from a lockfile's
//! dependency edges or from requirements files' `-r` includes: `edges[n]`
//! lists the nodes `n` points at (out-of-range targets are ignored). Both walks
//! are iterative and linear in nodes plus edges, so hostile depth cannot
//! overflow the stack.

/// Marks, for every node, whether it is reachable from `roots` along `edges`.
pub(crate) fn reachable(roots: impl IntoIterator<Item = usize>, edges: &[Vec<usize>]) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut stack: Vec<usize> = roots.into_iter().filter(|&r| r < edges.len()).collect();
    while let Some(node) = stack.pop() {
        if std::mem::replace(&mut seen[node], true) {
            continue;
        }
        stack.extend(
            edges[node]
                .iter()
                .copied()
                .filter(|&n| n < edges.len() && !seen[n]),
        );
    }
    seen
}

/// The nodes that lie on a cycle, one group per strongly connected component
/// (nodes that all reach each other): each group in ascending order, groups
/// ordered by their smallest node.
pub(crate) fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut tarjan = Tarjan::new(edges.len());
    for start in 0..edges.len() {
        if tarjan.index[start].is_none() {
            tarjan.walk(start, edges);
        }
    }
    let mut groups = tarjan.groups;
    groups.sort_unstable_by_key(|g| g[0]);
    groups
}

/// Tarjan's strongly connected components, with an explicit work stack.
struct Tarjan {
    /// Visit order of each node, once visited.
    index: Vec<Option<usize>>,
    /// Smallest visit order reachable from the node's subtree.
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    visited: usize,
    groups: Vec<Vec<usize>>,
}

impl Tarjan {
    fn new(nodes: usize) -> Tarjan {
        Tarjan {
            index: vec![None; nodes],
            low: vec![0; nodes],
            on_stack: vec![false; nodes],
            stack: Vec::new(),
            visited: 0,
            groups: Vec::new(),
        }
    }

    fn enter(&mut self, node: usize) {
        self.index[node] = Some(self.visited);
        self.low[node] = self.visited;
        self.visited += 1;
        self.stack.push(node);
        self.on_stack[node] = true;
    }

    fn walk(&mut self, start: usize, edges: &[Vec<usize>]) {
        // (node, position of the next edge to follow)
        let mut work = vec![(start, 0)];
        self.enter(start);
        while let Some(&(node, position)) = work.last() {
            if let Some(&next) = edges[node].get(position) {
                work.last_mut().expect("not empty").1 += 1;
                match self.index.get(next).copied() {
                    Some(None) => {
                        self.enter(next);
                        work.push((next, 0));
                    }
                    Some(Some(order)) if self.on_stack[next] => {
                        self.low[node] = self.low[node].min(order);
                    }
                    _ => {}
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                self.low[parent] = self.low[parent].min(self.low[node]);
            }
            if Some(self.low[node]) == self.index[node] {
                self.close(node, edges);
            }
        }
    }

    /// Pops the component whose first visited node is `root`; keeps it when it
    /// is a cycle (more than one node, or a node pointing at itself).
    fn close(&mut self, root: usize, edges: &[Vec<usize>]) {
        let mut group = Vec::new();
        while let Some(node) = self.stack.pop() {
            self.on_stack[node] = false;
            group.push(node);
            if node == root {
                break;
            }
        }
        if group.len() > 1 || edges[root].contains(&root) {
            group.sort_unstable();
            self.groups.push(group);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_edges_from_the_roots_and_survives_cycles() {
        // 0 -> 1 -> 2 -> 1 (cycle), 3 alone, 4 -> 0 unreachable from 0.
        let edges = vec![vec![1], vec![2], vec![1, 9], vec![], vec![0]];
        assert_eq!(reachable([0], &edges), [true, true, true, false, false]);
        assert_eq!(reachable([], &edges), [false; 5]);
        assert_eq!(
            reachable([3, 7], &edges),
            [false, false, false, true, false]
        );
    }

    #[test]
    fn cycles_are_grouped_by_component() {
        // 0 -> 1 -> 2 -> 0 and 2 -> 3; 3 alone; 4 -> 4; 5 <-> 6; 7 -> 9 (out of range).
        let edges = vec![
            vec![1],
            vec![2],
            vec![0, 3],
            vec![],
            vec![4],
            vec![6],
            vec![5],
            vec![9],
        ];
        assert_eq!(cycles(&edges), vec![vec![0, 1, 2], vec![4], vec![5, 6]]);
        assert_eq!(cycles(&[vec![], vec![0]]), Vec::<Vec<usize>>::new());
    }

    #[test]
    fn deep_chains_do_not_recurse() {
        let n = 200_000;
        let mut edges: Vec<Vec<usize>> = (0..n).map(|i| vec![i + 1]).collect();
        edges[n - 1] = vec![0];
        let groups = cycles(&edges);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].len(), n);
        assert!(reachable([0], &edges).iter().all(|&r| r));
    }
}
