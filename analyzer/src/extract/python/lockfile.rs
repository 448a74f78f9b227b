//! What the TOML lockfiles (poetry, uv, PDM, pylock) share: reading each package
//! table on its own, so that one odd entry is skipped with a reason instead of
//! failing the whole file, and describing where a package comes from.

use crate::extract::Extracted;
use serde::de::DeserializeOwned;

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

/// The entry's version, or a skip record when it has none.
pub(crate) fn version<'v>(
    path: &str,
    name: &str,
    version: Option<&'v str>,
    out: &mut Extracted,
) -> Option<&'v str> {
    match version.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(v),
        None => {
            out.skip(path, format!("entry `{name}` has no version"));
            None
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
