//! One source file's imports, read from its bytes, and the facts of a whole
//! artifact kept for when its bytes are gone: a layer version is downloaded,
//! scanned once and freed, yet every function that uses it needs to walk
//! into /opt. [`SourceFacts::collect`] parses each source file of the layer
//! while its bytes are there and keeps the small metadata files the
//! resolvers read (`package.json`, a distribution's `RECORD` and
//! `top_level.txt`); a [`super::MergedTree`] built with them answers the walk
//! as if the bytes were still there.

use super::imports::Imports;
use super::paths::MAX_SOURCE_BYTES;
use super::python::PyImport;
use crate::archive::{ArchiveTree, FileEntry, NESTED_SEPARATOR};
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use tree_sitter::Parser;

/// One file's imports, by language.
#[derive(Clone, Debug)]
pub(super) enum FileImports {
    Js(Imports<String>),
    Py(Imports<PyImport>),
    /// Data or native code: loads nothing we can read.
    Leaf,
    Unreadable(String),
}

/// A file's imports as parsed once and kept (opaque outside the module).
#[derive(Clone, Debug)]
pub struct ParsedImports(pub(super) FileImports);

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new(Parser::new());
}

/// The language a file is read as, from its name.
pub(super) fn source_kind(path: &str) -> Option<bool> {
    if [".js", ".mjs", ".cjs"].iter().any(|e| path.ends_with(e)) {
        Some(true)
    } else if path.ends_with(".py") {
        Some(false)
    } else {
        None
    }
}

/// Parses `source` as JavaScript (`is_js`) or Python.
pub(super) fn parse_source(is_js: bool, source: &[u8]) -> FileImports {
    PARSER.with(|p| {
        let parser = &mut p.borrow_mut();
        if is_js {
            FileImports::Js(super::js::imports(parser, source))
        } else {
            FileImports::Py(super::python::imports(parser, source))
        }
    })
}

/// Whether the resolvers or the package ownership read this file's bytes.
fn is_kept_metadata(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_distribution = || {
        let dir = path.rsplit('/').nth(1).unwrap_or("");
        dir.ends_with(".dist-info") || dir.ends_with(".egg-info")
    };
    name == "package.json" || ((name == "RECORD" || name == "top_level.txt") && in_distribution())
}

/// What the reachability walk needs from one artifact, by the file's path
/// inside it: each source file's imports and the metadata files' bytes.
#[derive(Debug, Default)]
pub struct SourceFacts {
    parsed: HashMap<String, ParsedImports>,
    kept: HashMap<String, Vec<u8>>,
}

impl SourceFacts {
    /// Parses every JavaScript and Python file of `tree` (in parallel) and
    /// keeps its metadata files. Call it while the tree still has its bytes;
    /// files inside nested archives are not on Lambda's filesystem and are
    /// left out. A file over [`MAX_SOURCE_BYTES`] or unreadable is kept as
    /// such (the walk then says `unknown` for what it could load).
    pub fn collect(tree: &ArchiveTree) -> SourceFacts {
        let on_disk = |f: &&FileEntry| !f.path.contains(NESTED_SEPARATOR);
        let read = |file: &FileEntry| -> Result<Vec<u8>, String> {
            if file.size > MAX_SOURCE_BYTES {
                return Err(format!(
                    "{} bytes, over the {MAX_SOURCE_BYTES}-byte limit for a source file",
                    file.size
                ));
            }
            tree.read(file).map_err(|e| e.to_string())
        };
        let parsed = tree
            .files
            .par_iter()
            .filter(on_disk)
            .filter_map(|file| {
                let is_js = source_kind(&file.path)?;
                let imports = match read(file) {
                    Ok(bytes) => parse_source(is_js, &bytes),
                    Err(e) => FileImports::Unreadable(format!("could not be read: {e}")),
                };
                Some((file.path.clone(), ParsedImports(imports)))
            })
            .collect();
        let kept = tree
            .files
            .par_iter()
            .filter(on_disk)
            .filter(|f| is_kept_metadata(&f.path))
            .filter_map(|file| Some((file.path.clone(), read(file).ok()?)))
            .collect();
        SourceFacts { parsed, kept }
    }

    /// The kept imports of the file at `path` (inside the artifact).
    pub(super) fn parsed(&self, path: &str) -> Option<ParsedImports> {
        self.parsed.get(path).cloned()
    }

    /// The kept bytes of the metadata file at `path` (inside the artifact).
    pub(super) fn kept(&self, path: &str) -> Option<&[u8]> {
        self.kept.get(path).map(Vec::as_slice)
    }

    /// How many source files were parsed.
    pub fn source_files(&self) -> usize {
        self.parsed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reachability::{analyze, Entry, Language, MergedTree, Mounts, ReachStatus};
    use crate::Limits;

    /// A layer walked from its kept facts, its bytes gone, answers as the
    /// layer with its bytes does.
    #[test]
    fn a_listing_with_its_facts_walks_like_the_bytes() {
        let layer = testkit::zip_of(&[
            (
                "nodejs/node_modules/a/package.json",
                br#"{"name":"a","version":"1.0.0","main":"lib/a.js"}"#,
            ),
            ("nodejs/node_modules/a/lib/a.js", b"require('b')"),
            (
                "nodejs/node_modules/b/package.json",
                br#"{"name":"b","version":"1.0.0"}"#,
            ),
            ("nodejs/node_modules/b/index.js", b""),
            (
                "nodejs/node_modules/c/package.json",
                br#"{"name":"c","version":"1.0.0"}"#,
            ),
            ("nodejs/node_modules/c/index.js", b""),
        ]);
        let function = testkit::zip_of(&[("index.js", b"require('a')")]);
        let limits = Limits::default();
        let layer = ArchiveTree::open_bytes("layer.zip", layer, &limits).unwrap();
        let function = ArchiveTree::open_bytes("f.zip", function, &limits).unwrap();
        let facts = SourceFacts::collect(&layer);
        assert_eq!(facts.source_files(), 3);
        let listing = layer.listing();
        let packages: Vec<_> = crate::extract::scan_tree(&layer, &crate::extract::all())
            .packages
            .into_iter()
            .map(|found| crate::inventory::Sighting::plain("layer.zip", found))
            .collect();
        let (packages, _) = crate::inventory::merge(packages);
        let entry = Entry {
            handler: "index.handler".into(),
            language: Some(Language::Node),
            node_global_dirs: vec!["/opt/nodejs/node_modules".into()],
            python_path: Vec::new(),
        };
        let mounts: Mounts = [
            ("layer.zip".to_string(), "/opt".to_string()),
            ("f.zip".to_string(), "/var/task".to_string()),
        ]
        .into();
        let with_bytes = MergedTree::new([("/var/task", &function), ("/opt", &layer)]);
        let from_facts = MergedTree::with_facts([
            ("/var/task", &function, None),
            ("/opt", &listing, Some(&facts)),
        ]);
        let bare = MergedTree::new([("/var/task", &function), ("/opt", &listing)]);
        let expected = analyze(&with_bytes, &entry, &packages, &mounts);
        let status = |name: &str, report: &crate::reachability::ReachabilityReport| {
            let p = packages.iter().find(|p| p.name == name).unwrap();
            report.packages[&p.purl].status
        };
        assert_eq!(status("b", &expected), ReachStatus::Imported);
        assert_eq!(status("c", &expected), ReachStatus::NotImported);
        assert_eq!(analyze(&from_facts, &entry, &packages, &mounts), expected);
        assert_ne!(
            analyze(&bare, &entry, &packages, &mounts),
            expected,
            "without the facts the layer's files cannot be read"
        );
    }

    #[test]
    fn metadata_kept_is_what_the_resolvers_read() {
        assert!(is_kept_metadata("nodejs/node_modules/a/package.json"));
        assert!(is_kept_metadata("python/yaml-6.0.dist-info/RECORD"));
        assert!(is_kept_metadata("python/x.egg-info/top_level.txt"));
        assert!(!is_kept_metadata("python/yaml/RECORD"));
        assert!(!is_kept_metadata("nodejs/node_modules/a/index.js"));
    }
}
