//! A folder's entries, in path order: what build discovery walks.

use std::path::{Path, PathBuf};

/// The entries of `dir` that `keep` accepts, sorted by path; an unreadable
/// folder has none.
pub(super) fn children(dir: &Path, keep: impl Fn(&Path) -> bool) -> impl Iterator<Item = PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| keep(p))
        .collect();
    paths.sort();
    paths.into_iter()
}
