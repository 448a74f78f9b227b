//! Python evidence (ecosystem PyPI): installed distribution metadata
//! (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`), requirements files and the
//! lockfiles of Pipenv, Poetry, uv, PDM and PEP 751 (`pylock.toml`).
//!
//! Installed metadata is the strongest evidence. Declared pins and lockfile
//! entries with an equivalent version merge into the installed package later
//! (see [`crate::inventory::merge`]); [`Extractor::reconcile`] adds a note to
//! those whose version differs from what is installed beside them (same
//! artifact, same nested archive).
//!
//! Requirements files and lockfiles inside `site-packages`, `dist-packages`,
//! `node_modules`, a `.dist-info`/`.egg-info` folder, or a directory holding an
//! `__init__.py` came with some installed package and are not read as the
//! deployment's own declarations (the last case is reported as skipped).

mod lockfile;
pub mod metadata;
pub mod pdm;
pub mod pipfile;
pub mod poetry;
pub mod pylock;
mod reconcile;
pub mod requirements;
pub mod uv;

use crate::archive::{ArchiveTree, FileEntry, NESTED_SEPARATOR};
use crate::extract::{ExtractError, Extracted, Extractor};

/// The Python evidence formats, told apart by file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, `*.egg/EGG-INFO/PKG-INFO`,
    /// or a single-file `*.egg-info` written by distutils.
    InstalledMetadata,
    /// `requirements*.txt`, or any `.txt` in a `requirements/` directory.
    Requirements,
    PipfileLock,
    PoetryLock,
    UvLock,
    PdmLock,
    /// `pylock.toml` or `pylock.<name>.toml` (PEP 751).
    Pylock,
}

/// The metadata of a zipped egg (`foo-1.0-py3.8.egg`, opened as a nested
/// archive), at the root of the zip.
const ZIPPED_EGG_METADATA: &str = "EGG-INFO/PKG-INFO";

/// Directories whose contents belong to installed packages (or to another
/// ecosystem): requirements files and lockfiles found there describe some
/// package's own development, not what the function deploys.
const FOREIGN_DIRS: [&str; 3] = ["site-packages", "dist-packages", "node_modules"];

fn in_foreign_dir(inner_path: &str) -> bool {
    inner_path.split('/').any(|dir| {
        FOREIGN_DIRS.contains(&dir) || has_suffix(dir, ".dist-info") || has_suffix(dir, ".egg-info")
    })
}

impl Format {
    /// Which format a file is, judged from its path inside its archive.
    pub fn of(file: &FileEntry) -> Option<Format> {
        if file.inner_path() == ZIPPED_EGG_METADATA && has_suffix(file.container_path(), ".egg") {
            return Some(Format::InstalledMetadata);
        }
        Format::of_path(file.inner_path())
    }

    /// Which format the file at `inner_path` (inside its innermost archive) is.
    pub fn of_path(inner_path: &str) -> Option<Format> {
        let mut parts = inner_path.rsplit('/');
        let name = parts.next()?;
        let parent = parts.next().unwrap_or("");
        let grandparent = parts.next().unwrap_or("");
        if is_installed_metadata(name, parent, grandparent) {
            return Some(Format::InstalledMetadata);
        }
        let format = match name {
            "Pipfile.lock" => Format::PipfileLock,
            "poetry.lock" => Format::PoetryLock,
            "uv.lock" => Format::UvLock,
            "pdm.lock" => Format::PdmLock,
            _ if is_pylock_name(name) => Format::Pylock,
            _ if is_requirements_name(name, parent) => Format::Requirements,
            _ => return None,
        };
        (!in_foreign_dir(inner_path)).then_some(format)
    }
}

/// `requirements*.txt`, or any `.txt` in a `requirements/` directory.
fn is_requirements_name(name: &str, parent: &str) -> bool {
    has_suffix(name, ".txt")
        && (parent == "requirements"
            || name
                .get(..12)
                .is_some_and(|p| p.eq_ignore_ascii_case("requirements")))
}

fn has_suffix(name: &str, suffix: &str) -> bool {
    name.len() > suffix.len()
        && name.is_char_boundary(name.len() - suffix.len())
        && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn is_installed_metadata(name: &str, parent: &str, grandparent: &str) -> bool {
    match name {
        "METADATA" => has_suffix(parent, ".dist-info"),
        "PKG-INFO" => {
            has_suffix(parent, ".egg-info")
                || (parent == "EGG-INFO" && has_suffix(grandparent, ".egg"))
        }
        _ => has_suffix(name, ".egg-info"),
    }
}

/// `pylock.toml`, or `pylock.<name>.toml` with a name free of dots (PEP 751).
fn is_pylock_name(name: &str) -> bool {
    match name
        .strip_prefix("pylock.")
        .and_then(|rest| rest.strip_suffix("toml"))
    {
        Some("") => true,
        Some(middle) => middle
            .strip_suffix('.')
            .is_some_and(|n| !n.is_empty() && !n.contains('.')),
        None => false,
    }
}

/// The nested archive part of a path (`""` at the top level), as
/// [`FileEntry::container_path`] gives it.
pub(crate) fn container_of(path: &str) -> &str {
    path.rsplit_once(NESTED_SEPARATOR).map_or("", |(c, _)| c)
}

/// The last component of a path.
pub(crate) fn file_name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Joins notes with `"; "`.
pub(crate) fn join_notes(notes: &[String]) -> Option<String> {
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// The note of a requirement or locked package installed only where the
/// environment marker `marker` holds.
pub(crate) fn marker_note(marker: &str) -> String {
    format!("only installed when {marker}")
}

/// The directory of `path` when it is an importable Python package (holds an
/// `__init__.py`): a requirements file or lockfile there came with an installed
/// package, as in the function layout where site-packages is the archive root.
fn enclosing_python_package<'p>(path: &'p str, tree: &ArchiveTree) -> Option<&'p str> {
    let (dir, _) = path.rsplit_once('/')?;
    if dir.ends_with(NESTED_SEPARATOR.trim_end_matches('/')) {
        return None;
    }
    tree.get(&format!("{dir}/__init__.py")).map(|_| dir)
}

/// True when the file at `path` is a requirements file that [`Python`] reads
/// on its own (its includes then need no second read).
fn is_read_on_its_own(path: &str, tree: &ArchiveTree) -> bool {
    tree.get(path).and_then(Format::of) == Some(Format::Requirements)
        && enclosing_python_package(path, tree).is_none()
}

/// The Python extractor: every format above, reconciled per artifact.
#[derive(Clone, Debug, Default)]
pub struct Python {
    /// What `${NAME}` in a requirements file expands to (the caller's
    /// environment, when it wants pip's expansion; none by default).
    pub env: requirements::EnvVars,
}

impl Extractor for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn wants(&self, file: &FileEntry) -> bool {
        Format::of(file).is_some()
    }

    fn extract(
        &self,
        file: &FileEntry,
        bytes: &[u8],
        tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError> {
        let path = file.path.as_str();
        let format = Format::of(file);
        if format.is_some_and(|f| f != Format::InstalledMetadata) {
            if let Some(package) = enclosing_python_package(path, tree) {
                let mut out = Extracted::default();
                out.skip(
                    path,
                    format!("inside the Python package {package} (it has an __init__.py): describes that package, not this deployment"),
                );
                return Ok(out);
            }
        }
        match format {
            Some(Format::InstalledMetadata) => Ok(metadata::extract(path, bytes)),
            Some(Format::Requirements) => requirements::parse(path, bytes, &self.env),
            Some(Format::PipfileLock) => pipfile::extract(path, bytes),
            Some(Format::PoetryLock) => poetry::extract(path, bytes),
            Some(Format::UvLock) => uv::extract(path, bytes),
            Some(Format::PdmLock) => pdm::extract(path, bytes),
            Some(Format::Pylock) => pylock::extract(path, bytes),
            None => Ok(Extracted::default()),
        }
    }

    fn reconcile(&self, extracted: Extracted, tree: &ArchiveTree) -> Extracted {
        let extracted = requirements::follow_includes(extracted, tree, &self.env, |path| {
            is_read_on_its_own(path, tree)
        });
        reconcile::note_mismatches(extracted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::{self, rows, skips};
    use crate::EvidenceKind;

    #[test]
    fn formats_are_told_apart_by_name() {
        let cases = [
            (
                "Jinja2-2.10.dist-info/METADATA",
                Some(Format::InstalledMetadata),
            ),
            (
                "python/lib/python3.12/site-packages/six-1.15.0.dist-info/METADATA",
                Some(Format::InstalledMetadata),
            ),
            ("foo.egg-info/PKG-INFO", Some(Format::InstalledMetadata)),
            (
                "foo-1.0-py3.8.egg/EGG-INFO/PKG-INFO",
                Some(Format::InstalledMetadata),
            ),
            ("foo-1.0-py3.8.egg-info", Some(Format::InstalledMetadata)),
            ("foo.egg-info/requires.txt", None),
            ("foo.egg-info/requirements.txt", None),
            ("Requirements-Prod.TXT", Some(Format::Requirements)),
            ("requirements", None),
            ("six-1.15.0.dist-info/RECORD", None),
            ("six-1.15.0.dist-info/top_level.txt", None),
            ("setuptools-68.0.0.dist-info/entry_points.txt", None),
            ("METADATA", None),
            ("PKG-INFO", None),
            ("requirements.txt", Some(Format::Requirements)),
            ("scripts/requirements-dev.txt", Some(Format::Requirements)),
            ("requirements/base.txt", Some(Format::Requirements)),
            ("requirements.in", None),
            ("site-packages/foo/requirements.txt", None),
            ("node_modules/x/requirements.txt", None),
            ("pkg_resources/_vendor/packaging/requirements.py", None),
            ("Pipfile.lock", Some(Format::PipfileLock)),
            ("Pipfile", None),
            ("app/poetry.lock", Some(Format::PoetryLock)),
            ("uv.lock", Some(Format::UvLock)),
            ("pdm.lock", Some(Format::PdmLock)),
            ("pylock.toml", Some(Format::Pylock)),
            ("pylock.lambda.toml", Some(Format::Pylock)),
            ("pylock.a.b.toml", None),
            ("pylock..toml", None),
            ("pyproject.toml", None),
        ];
        for (path, expected) in cases {
            assert_eq!(Format::of_path(path), expected, "{path}");
        }
    }

    #[test]
    fn files_inside_installed_packages_are_not_read_as_declarations() {
        let files: [(&str, &[u8]); 5] = [
            ("requirements.txt", b"six==1.16.0\n"),
            ("somepkg/__init__.py", b""),
            ("somepkg/requirements.txt", b"pytest==7.0.0\n"),
            (
                "somepkg/poetry.lock",
                b"[[package]]\nname = \"black\"\nversion = \"23.1.0\"\n",
            ),
            ("a.zip!/requirements.txt", b""),
        ];
        let tree = testutil::tree(&files);
        let scan = crate::extract::scan_tree(&tree, &[Box::new(Python::default())]);
        let found = rows!(scan.packages; name, path);
        assert_eq!(found, vec![("six", "requirements.txt")]);
        let skipped: Vec<_> = scan.skipped.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            skipped,
            vec!["somepkg/poetry.lock", "somepkg/requirements.txt"]
        );
        assert_eq!(
            scan.skipped[0].reason,
            "inside the Python package somepkg (it has an __init__.py): describes that package, not this deployment"
        );
        assert_eq!(
            enclosing_python_package("a.zip!/requirements.txt", &tree),
            None
        );
        assert_eq!(enclosing_python_package("requirements.txt", &tree), None);
    }

    #[test]
    fn zipped_eggs_in_site_packages_are_read() {
        let egg = testutil::zip(&[
            (
                "EGG-INFO/PKG-INFO",
                b"Metadata-Version: 1.1\nName: PyYAML\nVersion: 5.3\n",
            ),
            ("yaml/__init__.py", b""),
        ]);
        let egg_path = "python/lib/python3.12/site-packages/PyYAML-5.3-py3.12.egg";
        let tree = testutil::tree(&[(egg_path, &egg)]);
        let scan = crate::extract::scan_tree(&tree, &[Box::new(Python::default())]);
        let found = rows!(scan.packages; name, version, evidence);
        assert_eq!(found, vec![("PyYAML", "5.3", EvidenceKind::Installed)]);
        assert_eq!(scan.packages[0].install_path.as_deref(), Some(egg_path));
    }

    #[test]
    fn bad_files_become_warnings_and_skips_through_scan_tree() {
        let files: [(&str, &[u8]); 5] = [
            ("Pipfile.lock", b"{\"default\": {\"requests\": "),
            ("uv.lock", b"version = 1\n[[package]\n"),
            (
                "broken-1.0.dist-info/METADATA",
                b"Metadata-Version: 2.1\nName: broken\n",
            ),
            (
                "urllib3-1.23.dist-info/METADATA",
                b"Metadata-Version: 2.1\nName: urllib3\nVersion: 1.23\n",
            ),
            ("requirements.txt", b"urllib3==1.26.0\nbroken==1.0\n"),
        ];
        let tree = testutil::tree(&files);
        let scan = crate::extract::scan_tree(&tree, &[Box::new(Python::default())]);
        let warnings: Vec<_> = scan
            .warnings
            .iter()
            .map(|w| (w.path.as_str(), w.message.as_str()))
            .collect();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(warnings[0].0, "Pipfile.lock");
        assert!(
            warnings[0].1.starts_with("python: invalid JSON: "),
            "{}",
            warnings[0].1
        );
        assert!(
            warnings[0].1.ends_with("; file skipped"),
            "{}",
            warnings[0].1
        );
        assert_eq!(warnings[1].0, "uv.lock");
        assert!(
            warnings[1].1.starts_with("python: invalid TOML: "),
            "{}",
            warnings[1].1
        );
        let skipped = skips(&scan.skipped);
        assert_eq!(
            skipped,
            vec![(
                "broken-1.0.dist-info/METADATA",
                "installed metadata without a Version header; distribution not identified"
            )]
        );
        let found = rows!(scan.packages; name, version, evidence, note);
        assert_eq!(
            found,
            vec![
                (
                    "broken",
                    "1.0",
                    EvidenceKind::Declared,
                    Some("requirements.txt pins broken 1.0 but it is not installed here")
                ),
                ("urllib3", "1.23", EvidenceKind::Installed, None),
                (
                    "urllib3",
                    "1.26.0",
                    EvidenceKind::Declared,
                    Some("requirements.txt pins urllib3 1.26.0 but 1.23 is installed")
                ),
            ]
        );
        assert_eq!(scan.read.len(), 1);
        assert_eq!(scan.read[0].extractor, "python");
        assert_eq!(scan.read[0].files.len(), 5);
    }

    #[test]
    fn path_helpers() {
        assert_eq!(
            container_of("outer.zip!/rsa-4.0.dist-info/METADATA"),
            "outer.zip"
        );
        assert_eq!(container_of("requirements.txt"), "");
        assert_eq!(
            file_name_of("outer.zip!/requirements.txt"),
            "requirements.txt"
        );
        assert_eq!(file_name_of("a/b/poetry.lock"), "poetry.lock");
    }
}
