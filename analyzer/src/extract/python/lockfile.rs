//! What the Python lockfiles (poetry, uv, PDM, pylock, Pipfile.lock) share:
//! reading each package table on its own, so that one odd entry is skipped
//! with a reason instead of failing the whole file, describing where a package
//! comes from, and turning a locked entry into a package.

use super::{join_notes, marker_note};
use crate::extract::{utf8, ExtractError, Extracted};
use crate::{Ecosystem, EvidenceKind, Found};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The top level of a TOML lockfile, as far as it holds the package tables.
pub(crate) trait Tables: DeserializeOwned {
    fn into_tables(self) -> Vec<toml::Value>;
}

/// A lockfile whose package tables are `[[package]]` (poetry, uv, PDM).
#[derive(Deserialize)]
pub(crate) struct PackageArray {
    #[serde(default)]
    package: Vec<toml::Value>,
}

impl Tables for PackageArray {
    fn into_tables(self) -> Vec<toml::Value> {
        self.package
    }
}

/// The package tables of the TOML lockfile `bytes`, each still to be read
/// on its own (see [`entry`]).
pub(crate) fn tables<L: Tables>(bytes: &[u8]) -> Result<Vec<toml::Value>, ExtractError> {
    let lock: L = toml::from_str(utf8(bytes)?)?;
    Ok(lock.into_tables())
}

/// Parses the TOML lockfile `bytes` at `path` and records what `locked`
/// makes of each of its packages (see [`record_each`]).
pub(crate) fn read<L: Tables, P: DeserializeOwned>(
    path: &str,
    bytes: &[u8],
    locked: impl for<'p> Fn(&'p P) -> Locked<'p>,
) -> Result<Extracted, ExtractError> {
    let mut out = Extracted::default();
    record_each(path, tables::<L>(bytes)?, &mut out, locked);
    Ok(out)
}

/// Reads one package table; an entry of the wrong shape is recorded as skipped.
pub(crate) fn entry<T: DeserializeOwned>(
    path: &str,
    value: toml::Value,
    out: &mut Extracted,
) -> Option<T> {
    let name = value
        .get("name")
        .and_then(toml::Value::as_str)
        .unwrap_or("(unnamed)")
        .to_string();
    match value.try_into() {
        Ok(entry) => Some(entry),
        Err(e) => {
            let message = e.to_string();
            out.skip(
                path,
                format!("entry `{name}` not understood: {}", message.trim()),
            );
            None
        }
    }
}

/// Reads every package table of the lockfile at `path` (see [`entry`]) and
/// records what `locked` makes of each (see [`Locked::record`]).
fn record_each<P: DeserializeOwned>(
    path: &str,
    tables: Vec<toml::Value>,
    out: &mut Extracted,
    locked: impl for<'p> Fn(&'p P) -> Locked<'p>,
) {
    for table in tables {
        if let Some(package) = entry::<P>(path, table, out) {
            locked(&package).record(path, out);
        }
    }
}

/// Where a locked package comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A package index (PyPI or a mirror).
    Registry,
    /// A VCS checkout, local path or direct URL, described for the note.
    Other(String),
}

impl Source {
    /// A note for packages that do not come from an index: an advisory for the
    /// index package of the same name may not apply to them.
    pub(crate) fn note(&self) -> Option<String> {
        match self {
            Source::Registry => None,
            Source::Other(what) => Some(format!("not from a package index ({})", what.trim())),
        }
    }
}

/// One locked distribution, as every lockfile format describes it.
pub(crate) struct Locked<'p> {
    pub name: &'p str,
    pub version: Option<&'p str>,
    /// The project itself (or a workspace member): reported as a root.
    pub is_root: bool,
    pub scope: Option<String>,
    pub source: Source,
    /// The environment marker the package is installed under, if any.
    pub marker: Option<&'p str>,
}

impl<'p> Locked<'p> {
    /// A dependency from a package index, with no scope or marker yet.
    pub(crate) fn dependency(name: &'p str, version: Option<&'p str>) -> Locked<'p> {
        Locked {
            name,
            version,
            is_root: false,
            scope: None,
            source: Source::Registry,
            marker: None,
        }
    }

    /// Records the entry as locked at `path`: a root when it has a version (a
    /// root without one is a source tree, with nothing to match), a dependency
    /// noted with its source and marker, or a skip for a dependency without a
    /// version.
    pub(crate) fn record(self, path: &str, out: &mut Extracted) {
        let version = self.version.map(str::trim).filter(|v| !v.is_empty());
        let Some(version) = version else {
            if !self.is_root {
                out.skip(path, format!("entry `{}` has no version", self.name));
            }
            return;
        };
        let found = Found::new(
            Ecosystem::PyPI,
            self.name,
            version,
            path,
            EvidenceKind::Lockfile,
        );
        if self.is_root {
            return out.packages.push(found.root());
        }
        let notes: Vec<String> = self
            .source
            .note()
            .into_iter()
            .chain(self.marker.map(marker_note))
            .collect();
        out.packages.push(Found {
            scope: self.scope,
            note: join_notes(&notes),
            ..found
        });
    }
}
