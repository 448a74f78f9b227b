//! Reading a requirements file and, inside the same archive, the files it
//! includes with `-r`: relative to the including file, cycles and depth guarded.

use super::entry::Entry;
use super::line::{logical_lines, parse_line};
use crate::archive::{ArchiveTree, NESTED_SEPARATOR};
use crate::extract::{utf8, ExtractError, Extracted};
use std::collections::HashSet;

/// How deep `-r` includes are followed (the file scanned itself is depth 0).
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

/// Reads a requirements file and the files it includes.
struct Reader<'t> {
    tree: &'t ArchiveTree,
    /// Files being read, outermost first (cycle detection).
    stack: Vec<String>,
    /// Files already read (diamond includes are read once).
    seen: HashSet<String>,
    out: Extracted,
}

impl Reader<'_> {
    fn read(&mut self, path: &str, text: &str) {
        if !self.seen.insert(path.to_string()) {
            return;
        }
        self.stack.push(path.to_string());
        for (number, line) in logical_lines(text) {
            for entry in parse_line(&line) {
                self.record(path, number, entry);
            }
        }
        self.stack.pop();
    }

    fn record(&mut self, path: &str, number: usize, entry: Entry) {
        match entry {
            Entry::Pinned(pin) => self.out.packages.push(pin.found(path)),
            Entry::Unpinned { requirement, why } => self.out.skip(
                path,
                format!("unpinned requirement `{requirement}` (line {number}): {why}"),
            ),
            Entry::Editable(target) => self.out.skip(
                path,
                format!("editable requirement `-e {target}` (line {number}): installed from source, no version"),
            ),
            Entry::Constraint(target) => self.out.skip(
                path,
                format!("constraints file `{target}` (line {number}) not read: constraints install nothing"),
            ),
            Entry::Include(target) => self.include(path, number, &target),
        }
    }

    fn include(&mut self, path: &str, number: usize, target: &str) {
        let what = format!("included file `-r {target}` (line {number})");
        let Some(resolved) = resolve_include(path, target) else {
            return self
                .out
                .skip(path, format!("{what} is outside the archive; not read"));
        };
        if self.stack.contains(&resolved) {
            return self.out.skip(
                path,
                format!("{what} includes itself (cycle); not read again"),
            );
        }
        if self.seen.contains(&resolved) {
            return;
        }
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            return self.out.skip(
                path,
                format!("{what} is nested deeper than {MAX_INCLUDE_DEPTH} includes; not read"),
            );
        }
        let Some(file) = self.tree.get(&resolved) else {
            return self.out.skip(
                path,
                format!("{what} not found in the archive at {resolved}"),
            );
        };
        let bytes = match self.tree.read(file) {
            Ok(bytes) => bytes,
            Err(e) => return self.out.skip(path, format!("{what} not read: {e}")),
        };
        match utf8(&bytes) {
            Ok(text) => self.read(&resolved, text),
            Err(e) => self.out.skip(path, format!("{what} not read: {e}")),
        }
    }
}

/// Parses the requirements file at `path` and, through `tree`, what it includes.
pub fn extract(path: &str, bytes: &[u8], tree: &ArchiveTree) -> Result<Extracted, ExtractError> {
    let text = utf8(bytes)?;
    let mut reader = Reader {
        tree,
        stack: Vec::new(),
        seen: HashSet::new(),
        out: Extracted::default(),
    };
    reader.read(path, text);
    Ok(reader.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::python::testutil::tree;
    use crate::EvidenceKind;

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
        let out = extract("requirements.txt", files[0].1, &tree).unwrap();
        let found: Vec<_> = out
            .packages
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.version.as_str(),
                    f.path.as_str(),
                    f.evidence,
                )
            })
            .collect();
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
        let skipped: Vec<_> = out
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            vec![
                ("requirements/common.txt", "included file `-r ../requirements.txt` (line 1) includes itself (cycle); not read again"),
                ("requirements/common.txt", "included file `-r base.txt` (line 2) includes itself (cycle); not read again"),
                ("requirements.txt", "included file `-r missing.txt` (line 2) not found in the archive at missing.txt"),
                ("requirements.txt", "editable requirement `-e .` (line 3): installed from source, no version"),
                ("requirements.txt", "unpinned requirement `flask>=2` (line 4): a version range, not a single version"),
            ]
        );
    }

    #[test]
    fn include_depth_is_limited() {
        let names: Vec<String> = (0..12).map(|i| format!("r{i}.txt")).collect();
        let bodies: Vec<String> = (0..12)
            .map(|i| format!("-r r{}.txt\npkg{i}==1.0\n", i + 1))
            .collect();
        let files: Vec<(&str, &[u8])> = names
            .iter()
            .zip(&bodies)
            .map(|(n, b)| (n.as_str(), b.as_bytes()))
            .collect();
        let tree = tree(&files);
        let out = extract("r0.txt", files[0].1, &tree).unwrap();
        assert_eq!(out.packages.len(), MAX_INCLUDE_DEPTH + 1);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].path, "r8.txt");
        assert_eq!(
            out.skipped[0].reason,
            "included file `-r r9.txt` (line 1) is nested deeper than 8 includes; not read"
        );
    }

    #[test]
    fn non_utf8_is_an_error() {
        let tree = tree(&[]);
        assert!(extract("requirements.txt", b"\xff\xfe==", &tree).is_err());
    }
}
