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

/// The files directly in the folder `dir` of the tree.
pub(super) fn files_in<'t>(tree: &'t ArchiveTree, dir: &str) -> Vec<&'t FileEntry> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let start = tree.files.partition_point(|f| f.path < prefix);
    tree.files[start..]
        .iter()
        .take_while(|f| f.path.starts_with(&prefix))
        .filter(|f| !f.path[prefix.len()..].contains('/'))
        .collect()
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
