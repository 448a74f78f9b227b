//! Files a bundle points at or sits next to: relative paths resolved inside
//! the bundle's own archive, and reads whose failure is a coverage gap.

use crate::archive::{ArchiveTree, FileEntry, NESTED_SEPARATOR};
use crate::diagnostics::Gap;

/// `relative` resolved against the folder of `from` (`..` and `.` followed),
/// staying inside the archive that holds `from`; `None` when it climbs out.
pub(super) fn resolve(from: &str, relative: &str) -> Option<String> {
    let (container, inner) = match from.rfind(NESTED_SEPARATOR) {
        Some(i) => from.split_at(i + NESTED_SEPARATOR.len()),
        None => ("", from),
    };
    let mut parts: Vec<&str> = inner.split('/').collect();
    parts.pop();
    if relative.starts_with('/') {
        parts.clear();
    }
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(format!("{container}{}", parts.join("/")))
}

/// The folder part of `path` (`""` at the top).
pub(super) fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The files directly in the folder `dir` of the tree. Subfolders are
/// jumped over (the listing is sorted), so the cost follows the folder's own
/// entries, not everything below it.
pub(super) fn files_in<'t>(tree: &'t ArchiveTree, dir: &str) -> Vec<&'t FileEntry> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let files = &tree.files;
    let mut out = Vec::new();
    let mut i = files.partition_point(|f| f.path < prefix);
    while let Some(file) = files.get(i).filter(|f| f.path.starts_with(&prefix)) {
        let rest = &file.path[prefix.len()..];
        match rest.find('/') {
            None => {
                out.push(file);
                i += 1;
            }
            Some(slash) => {
                // Past `<sub>/...`: '0' is the byte after '/'.
                let past = format!("{prefix}{}0", &rest[..slash]);
                i = files.partition_point(|f| f.path < past);
            }
        }
    }
    out
}

/// Reads `path`; a limit or read error becomes the gap that says so.
pub(super) fn read(tree: &ArchiveTree, path: &str) -> Result<Vec<u8>, Gap> {
    let file = tree.get(path).ok_or_else(|| Gap {
        path: path.to_string(),
        reason: "npm-bundle: file listed but not found".to_string(),
    })?;
    tree.read(file).map_err(|e| Gap {
        path: path.to_string(),
        reason: format!("npm-bundle: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_directly_in_a_folder() {
        let tree = crate::extract::testutil::tree(&[
            ("a.js", b""),
            ("a/b/c.js", b""),
            ("a/x.json", b""),
            ("a-b.js", b""),
            ("a/b.js", b""),
            ("z.zip", b""),
        ]);
        let names = |dir| -> Vec<String> {
            files_in(&tree, dir)
                .iter()
                .map(|f| f.path.clone())
                .collect()
        };
        assert_eq!(names(""), ["a-b.js", "a.js", "z.zip"]);
        assert_eq!(names("a"), ["a/b.js", "a/x.json"]);
        assert!(names("q").is_empty());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            resolve("dist/index.js", "index.js.map").as_deref(),
            Some("dist/index.js.map")
        );
        assert_eq!(
            resolve("dist/index.js", "../maps/i.map").as_deref(),
            Some("maps/i.map")
        );
        assert_eq!(resolve("index.js", "./i.map").as_deref(), Some("i.map"));
        assert_eq!(resolve("index.js", "../i.map"), None);
        assert_eq!(
            resolve("w.zip!/dist/index.js", "../i.map").as_deref(),
            Some("w.zip!/i.map")
        );
        assert_eq!(resolve("w.zip!/index.js", "../i.map"), None);
    }
}
