//! Extractors turn evidence files into packages. One trait, one file per format
//! family, registered in [`all`]. Picking files is cheap and name-based; only
//! picked entries are inflated, and they are parsed in parallel with rayon.
//! Formats whose files can be large (lockfiles) are parsed as they inflate
//! ([`Extractor::streams`]), so no such file is ever held whole in memory.

pub mod cargo;
pub mod dotnet;
pub mod go;
pub(crate) mod graph;
pub mod maven;
pub mod npm;
pub mod python;
pub mod quota;
pub mod ruby;
pub mod yaml;

use crate::archive::{ArchiveTree, FileEntry};
use crate::diagnostics::{Gap, Skipped, Warning};
use crate::package::Found;
use crate::version::Version;
use quota::{FileQuota, PackageQuota};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::BufRead;

/// What an extractor made of one or more files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    pub packages: Vec<Found>,
    /// Files (or lines) looked at that yield no pinned package, with the reason.
    pub skipped: Vec<Skipped>,
    /// Other files of the artifact that the files read include, for the
    /// extractor's [`Extractor::reconcile`] to follow once per artifact (a file
    /// included from many places is then read once).
    pub includes: Vec<Include>,
    /// Evidence the extractor would have read but a limit or read error
    /// stopped (a source map too large, a sibling file unreadable).
    pub incomplete: Vec<Gap>,
}

/// A file's reference to another file of the same artifact whose contents
/// count as its own, such as `-r base.txt` in a requirements file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// The including file.
    pub from: String,
    /// The 1-based line of the reference in `from`.
    pub line: usize,
    /// The target as written, relative to `from`.
    pub target: String,
}

impl Extracted {
    /// Just these packages.
    pub fn packages(packages: Vec<Found>) -> Extracted {
        Extracted {
            packages,
            ..Extracted::default()
        }
    }

    /// Records that `path` (or a line of it) yields no package, and why.
    pub fn skip(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            path: path.into(),
            reason: reason.into(),
        });
    }

    /// Sorts the packages and drops exact repeats (a lockfile may list one
    /// package under several keys).
    pub fn dedup_packages(&mut self) {
        self.packages.sort();
        self.packages.dedup();
    }

    /// Adds everything `other` holds.
    pub fn append(&mut self, other: Extracted) {
        self.packages.extend(other.packages);
        self.skipped.extend(other.skipped);
        self.includes.extend(other.includes);
        self.incomplete.extend(other.incomplete);
    }
}

/// A file that could not be parsed; becomes a [`Warning`] naming artifact and path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ExtractError(pub String);

impl ExtractError {
    pub fn new(message: impl Into<String>) -> ExtractError {
        ExtractError(message.into())
    }
}

macro_rules! from_parse_error {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl From<$ty> for ExtractError {
            fn from(e: $ty) -> Self {
                ExtractError(format!(concat!("invalid ", $what, ": {}"), e))
            }
        }
    )*};
}

from_parse_error!(
    serde_json::Error => "JSON",
    toml::de::Error => "TOML",
    serde_norway::Error => "YAML",
    quick_xml::Error => "XML",
    std::str::Utf8Error => "UTF-8",
);

/// Decodes a manifest as UTF-8 (a BOM is tolerated).
pub fn utf8(bytes: &[u8]) -> Result<&str, ExtractError> {
    let text = std::str::from_utf8(bytes)?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Reads a stream to its end, for parsers that need the whole file.
pub fn read_all(input: &mut dyn BufRead) -> Result<Vec<u8>, ExtractError> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| ExtractError::new(format!("cannot read: {e}")))?;
    Ok(bytes)
}

/// One family of evidence formats (npm, Python, Cargo, Maven, ...).
pub trait Extractor: Send + Sync {
    /// Short stable name, used in coverage output.
    fn name(&self) -> &'static str;

    /// Cheap, name-based: should this file be inflated and parsed?
    fn wants(&self, file: &FileEntry) -> bool;

    /// Parses one wanted file. `tree` gives access to sibling files
    /// (e.g. `-r` includes of a requirements file).
    fn extract(
        &self,
        file: &FileEntry,
        bytes: &[u8],
        tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError>;

    /// True when `file` can be large and is parsed as it is read, by
    /// [`Extractor::extract_stream`], rather than read whole first.
    fn streams(&self, _file: &FileEntry) -> bool {
        false
    }

    /// Parses one wanted file from a stream, never holding it whole, for the
    /// files [`Extractor::streams`] picks, taking each package from `quota`
    /// as it is read and stopping when it is refused (the caller then reports
    /// the limit, whatever this returns). An I/O error from `input` means
    /// the read was stopped (a limit, a corrupt entry): the caller reports
    /// that reason, whatever this returns.
    fn extract_stream(
        &self,
        file: &FileEntry,
        input: &mut dyn BufRead,
        tree: &ArchiveTree,
        _quota: &FileQuota,
    ) -> Result<Extracted, ExtractError> {
        self.extract(file, &read_all(input)?, tree)
    }

    /// Runs once after every wanted file of the artifact was parsed, to reconcile
    /// across files (e.g. lockfile entries against installed copies) and to
    /// follow [`Extracted::includes`]; includes left in its result are dropped.
    fn reconcile(&self, extracted: Extracted, _tree: &ArchiveTree) -> Extracted {
        extracted
    }
}

/// Every extractor lambda-audit knows, in a stable order.
pub fn all() -> Vec<Box<dyn Extractor>> {
    all_with(Options::default())
}

/// What the extractors are told about the deployment they read.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// What `${NAME}` in requirements files expands to (pip's expansion; the
    /// engine reads no environment itself): none by default.
    pub env: python::requirements::EnvVars,
    /// The function's architecture, against which npm's platform-specific
    /// packages are judged and .NET's runtime pack is named (default x86_64).
    pub architecture: crate::platform::Architecture,
}

/// [`all`], told about the deployment (see [`Options`]).
pub fn all_with(options: Options) -> Vec<Box<dyn Extractor>> {
    vec![
        Box::new(npm::NpmExtractor {
            architecture: options.architecture,
        }),
        Box::new(npm::bundle::BundleExtractor),
        Box::new(python::Python { env: options.env }),
        Box::new(cargo::CargoExtractor),
        Box::new(maven::MavenExtractor),
        Box::new(go::GoExtractor),
        Box::new(ruby::RubyExtractor),
        Box::new(dotnet::DotnetExtractor {
            architecture: options.architecture,
        }),
    ]
}

/// Which files one extractor read, for the coverage report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractorCoverage {
    pub extractor: String,
    pub files: Vec<String>,
}

/// Everything extracted from one artifact.
#[derive(Clone, Debug, Default)]
pub struct ArtifactScan {
    pub packages: Vec<Found>,
    pub read: Vec<ExtractorCoverage>,
    pub skipped: Vec<Skipped>,
    /// Evidence a limit or a read error kept from being read.
    pub incomplete: Vec<Gap>,
    pub warnings: Vec<Warning>,
    /// The artifact's source files' imports and metadata, when collected for
    /// after its bytes are freed (a layer version's cached scan).
    pub sources: Option<std::sync::Arc<crate::reachability::SourceFacts>>,
}

/// What became of one wanted file.
enum FileOutcome {
    Parsed(Extracted),
    /// Read but not parsable: a warning.
    Unparsable(Warning),
    /// Not read (a limit or read error): evidence missed, a gap.
    Unread(Gap),
}

/// Reads one wanted file, whole or as a stream, and parses it, its packages
/// taken from the artifact's `quota` (as they are read when it streams).
fn read_file(
    extractor: &dyn Extractor,
    file: &FileEntry,
    tree: &ArchiveTree,
    quota: &PackageQuota,
) -> FileOutcome {
    let name = extractor.name();
    let unread = |reason: &dyn std::fmt::Display| {
        FileOutcome::Unread(Gap {
            path: file.path.clone(),
            reason: format!("{name}: {reason}"),
        })
    };
    let file_quota = FileQuota::new(quota);
    let parsed = if extractor.streams(file) {
        let mut input = match tree.open(file) {
            Ok(input) => input,
            Err(e) => return unread(&e),
        };
        let parsed = extractor.extract_stream(file, &mut input, tree, &file_quota);
        // Stopped by the package limit: the rest is neither read nor checked.
        let checked = if file_quota.stopped() {
            Ok(())
        } else {
            input.finish()
        };
        if let Err(e) = checked {
            let _ = file_quota.close(false);
            return unread(&e);
        }
        parsed
    } else {
        match tree.read(file) {
            Ok(bytes) => extractor.extract(file, &bytes, tree),
            Err(e) => return unread(&e),
        }
    };
    if let Ok(extracted) = &parsed {
        // A whole read's packages are taken at once; a stream's parser took
        // its own as it read them (what it did not is taken here).
        let _ = file_quota.take(extracted.packages.len().saturating_sub(file_quota.taken()));
    }
    if let Err(reached) = file_quota.close(parsed.is_ok()) {
        return unread(&reached);
    }
    match parsed {
        Ok(extracted) => FileOutcome::Parsed(extracted),
        Err(e) => FileOutcome::Unparsable(Warning {
            artifact: tree.name.clone(),
            path: file.path.clone(),
            message: format!("{name}: {e}; file skipped"),
        }),
    }
}

/// Runs `extractors` over an opened artifact: picks files by name, inflates and
/// parses them in parallel, then lets each extractor reconcile its results.
pub fn scan_tree(tree: &ArchiveTree, extractors: &[Box<dyn Extractor>]) -> ArtifactScan {
    let quota = PackageQuota::new(tree.limits());
    let jobs: Vec<(usize, &FileEntry)> = tree
        .files
        .par_iter()
        .flat_map_iter(|f| {
            extractors
                .iter()
                .enumerate()
                .filter(|(_, x)| x.wants(f))
                .map(move |(i, _)| (i, f))
        })
        .collect();
    let results: Vec<(usize, &FileEntry, FileOutcome)> = jobs
        .into_par_iter()
        .map(|(i, file)| {
            let outcome = read_file(extractors[i].as_ref(), file, tree, &quota);
            (i, file, outcome)
        })
        .collect();

    let mut scan = ArtifactScan {
        warnings: tree.warnings.clone(),
        incomplete: tree.gaps.clone(),
        skipped: tree.skipped.clone(),
        ..ArtifactScan::default()
    };
    let mut per_extractor: Vec<Extracted> = vec![Extracted::default(); extractors.len()];
    let mut read: Vec<Vec<String>> = vec![Vec::new(); extractors.len()];
    for (i, file, result) in results {
        read[i].push(file.path.clone());
        match result {
            FileOutcome::Parsed(extracted) => per_extractor[i].append(extracted),
            FileOutcome::Unparsable(w) => scan.warnings.push(w),
            FileOutcome::Unread(gap) => scan.incomplete.push(gap),
        }
    }
    for (i, extracted) in per_extractor.into_iter().enumerate() {
        let done = extractors[i].reconcile(extracted, tree);
        scan.packages.extend(done.packages);
        scan.skipped.extend(done.skipped);
        scan.incomplete.extend(done.incomplete);
        if !read[i].is_empty() {
            scan.read.push(ExtractorCoverage {
                extractor: extractors[i].name().to_string(),
                files: std::mem::take(&mut read[i]),
            });
        }
    }
    scan.packages.sort();
    scan.packages.dedup();
    for found in &scan.packages {
        if let Err(e) = Version::parse(found.ecosystem, &found.version) {
            scan.warnings.push(Warning {
                artifact: tree.name.clone(),
                path: found.path.clone(),
                message: format!(
                    "{e}; {} is kept and its advisories are reported as could-not-compare",
                    found.name
                ),
            });
        }
    }
    scan.skipped.sort();
    scan.skipped.dedup();
    scan.incomplete.sort();
    scan.incomplete.dedup();
    scan.warnings.sort();
    scan.warnings.dedup();
    scan
}

#[cfg(test)]
pub(crate) mod testutil {
    //! In-memory artifacts and compact views of results, for the extractor tests.

    use crate::archive::ArchiveTree;
    use crate::diagnostics::Skipped;
    use crate::limits::Limits;
    use std::io::{Cursor, Write};
    use zip::write::SimpleFileOptions;

    /// A zip holding `entries` (path, contents, entry options).
    fn zip_with(
        entries: impl IntoIterator<Item = (String, Vec<u8>, SimpleFileOptions)>,
    ) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (path, contents, options) in entries {
            writer.start_file(path, options).expect("start entry");
            writer.write_all(&contents).expect("write entry");
        }
        writer.finish().expect("finish zip").into_inner()
    }

    /// A zip holding `entries` (path, contents).
    pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        zip_with(
            entries
                .iter()
                .map(|(p, c)| (p.to_string(), c.to_vec(), SimpleFileOptions::default())),
        )
    }

    /// A zip holding `entries` (path, contents, unix mode).
    pub fn zip_with_modes(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
        zip_with(entries.iter().map(|(p, c, mode)| {
            let options = SimpleFileOptions::default().unix_permissions(*mode);
            (p.to_string(), c.to_vec(), options)
        }))
    }

    /// `bytes` opened as the artifact `name`.
    pub fn open(name: &str, bytes: Vec<u8>) -> ArchiveTree {
        ArchiveTree::open_bytes(name, bytes, &Limits::default()).expect("open zip")
    }

    /// A zip holding `files` (path, contents), opened as a tree named `t.zip`.
    pub fn tree(files: &[(&str, &[u8])]) -> ArchiveTree {
        open("t.zip", zip(files))
    }

    /// One field of a package, as the tests compare it (`&str`, `Option<&str>`,
    /// or the enum itself).
    macro_rules! field {
        ($f:ident, name) => {
            $f.name.as_str()
        };
        ($f:ident, version) => {
            $f.version.as_str()
        };
        ($f:ident, path) => {
            $f.path.as_str()
        };
        ($f:ident, role) => {
            $f.role
        };
        ($f:ident, evidence) => {
            $f.evidence
        };
        ($f:ident, scope) => {
            $f.scope.as_deref()
        };
        ($f:ident, note) => {
            $f.note.as_deref()
        };
    }

    /// The named fields of each package, as tuples:
    /// `rows!(out.packages; name, version, scope)`.
    macro_rules! rows {
        ($packages:expr; $($field:ident),+ $(,)?) => {
            $packages
                .iter()
                .map(|f| ($($crate::extract::testutil::field!(f, $field)),+))
                .collect::<Vec<_>>()
        };
    }

    pub(crate) use {field, rows};

    /// (path, reason) of each skip record.
    pub fn skips(skipped: &[Skipped]) -> Vec<(&str, &str)> {
        skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect()
    }
}
