//! Development-only packages of lockfiles that do not flag them (yarn, bun,
//! pnpm 9): whatever the project's runtime dependencies do not reach through
//! the lockfile's dependency edges is only needed for development.

/// Marks, for every node, whether it is reachable from `roots` along `edges`
/// (`edges[n]` lists the nodes `n` depends on).
pub(super) fn reachable(roots: impl IntoIterator<Item = usize>, edges: &[Vec<usize>]) -> Vec<bool> {
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
}
