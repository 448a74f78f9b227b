//! The function's filesystem as the runtime sees it: the function code at
//! /var/task and the layers merged into /opt in order (a later layer's file
//! replaces an earlier one's), read lazily, one file at a time, or from the
//! facts kept of an artifact whose bytes are gone.

use super::facts::{ParsedImports, SourceFacts};
use crate::archive::{ArchiveTree, NESTED_SEPARATOR};
use std::collections::BTreeMap;
use std::ops::Bound;

/// Read access to a filesystem by absolute path. Directories are implied by
/// the files under them.
pub trait SourceTree: Sync {
    /// Whether `path` is a file.
    fn is_file(&self, path: &str) -> bool;
    /// Whether some file lies under `path/`.
    fn is_dir(&self, path: &str) -> bool;
    /// The bytes of the file at `path`, or why they could not be read.
    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, String>;
    /// Every file under `dir/`, in path order.
    fn files_under(&self, dir: &str) -> Vec<String>;
    /// The imports of the source file at `path` when they were parsed ahead
    /// (an artifact whose bytes are gone); `None`: read the file.
    fn parsed(&self, _path: &str) -> Option<ParsedImports> {
        None
    }
}

/// Artifacts laid out at their mount points, merged in order.
pub struct MergedTree<'a> {
    trees: Vec<&'a ArchiveTree>,
    /// Per tree: the facts kept of it, when its bytes are gone.
    facts: Vec<Option<&'a SourceFacts>>,
    /// Absolute path → (tree, index into its `files`).
    files: BTreeMap<String, (usize, usize)>,
}

impl<'a> MergedTree<'a> {
    /// Lays out `(mount, tree)` pairs in merge order. Files inside nested
    /// archives are not on the filesystem and are left out.
    pub fn new(mounted: impl IntoIterator<Item = (&'a str, &'a ArchiveTree)>) -> MergedTree<'a> {
        MergedTree::with_facts(mounted.into_iter().map(|(m, t)| (m, t, None)))
    }

    /// [`MergedTree::new`], where an artifact may come with the facts kept
    /// of it ([`SourceFacts::collect`]): its files are then answered from
    /// them, not read.
    pub fn with_facts(
        mounted: impl IntoIterator<Item = (&'a str, &'a ArchiveTree, Option<&'a SourceFacts>)>,
    ) -> MergedTree<'a> {
        let mut trees = Vec::new();
        let mut kept = Vec::new();
        let mut files = BTreeMap::new();
        for (mount, tree, facts) in mounted {
            let t = trees.len();
            trees.push(tree);
            kept.push(facts);
            let mount = mount.trim_end_matches('/');
            for (i, file) in tree.files.iter().enumerate() {
                if file.path.contains(NESTED_SEPARATOR) {
                    continue;
                }
                files.insert(format!("{mount}/{}", file.path), (t, i));
            }
        }
        MergedTree {
            trees,
            facts: kept,
            files,
        }
    }

    /// The tree, its facts and the entry of the file at `path`.
    fn entry(&self, path: &str) -> Option<(&ArchiveTree, Option<&SourceFacts>, usize)> {
        let &(t, i) = self.files.get(path)?;
        Some((self.trees[t], self.facts[t], i))
    }
}

impl SourceTree for MergedTree<'_> {
    fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    fn is_dir(&self, path: &str) -> bool {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        self.files
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .next()
            .is_some_and(|(p, _)| p.starts_with(&prefix))
    }

    fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, String> {
        let (tree, facts, i) = self.entry(path).ok_or("no such file")?;
        let file = &tree.files[i];
        if file.size > max_bytes {
            return Err(format!(
                "{} bytes, over the {max_bytes}-byte limit for a source file",
                file.size
            ));
        }
        if let Some(facts) = facts {
            return facts.kept(&file.path).map(<[u8]>::to_vec).ok_or_else(|| {
                "its bytes were not kept after the artifact's scan (not a source or metadata file)"
                    .to_string()
            });
        }
        tree.read(file).map_err(|e| e.to_string())
    }

    fn parsed(&self, path: &str) -> Option<ParsedImports> {
        let (tree, facts, i) = self.entry(path)?;
        facts?.parsed(&tree.files[i].path)
    }

    fn files_under(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.files
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, _)| p.clone())
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::SourceTree;
    use std::collections::BTreeMap;

    /// An in-memory filesystem for the reachability tests.
    pub(crate) struct FakeTree(BTreeMap<String, String>);

    impl FakeTree {
        pub(crate) fn new(files: &[(&str, &str)]) -> FakeTree {
            FakeTree(
                files
                    .iter()
                    .map(|(p, c)| (p.to_string(), c.to_string()))
                    .collect(),
            )
        }
    }

    impl SourceTree for FakeTree {
        fn is_file(&self, path: &str) -> bool {
            self.0.contains_key(path)
        }
        fn is_dir(&self, path: &str) -> bool {
            let prefix = format!("{}/", path.trim_end_matches('/'));
            self.0.keys().any(|k| k.starts_with(&prefix))
        }
        fn read(&self, path: &str, _max: u64) -> Result<Vec<u8>, String> {
            self.0
                .get(path)
                .map(|c| c.as_bytes().to_vec())
                .ok_or_else(|| "no such file".into())
        }
        fn files_under(&self, dir: &str) -> Vec<String> {
            let prefix = format!("{}/", dir.trim_end_matches('/'));
            self.0
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .cloned()
                .collect()
        }
    }
}
