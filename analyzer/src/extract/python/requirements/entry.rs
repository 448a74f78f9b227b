//! What one logical line of a requirements file says: a pin, an unpinned
//! requirement, or an option (`-r`, `-c`, `-e`).

use crate::extract::python::{join_notes, marker_note};
use crate::{Ecosystem, EvidenceKind, Found};

/// How a pin names its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinKind {
    /// `==X`
    Exact,
    /// `===X`
    Arbitrary,
    /// `~=X`: X is a lower bound within a compatible series.
    Compatible,
}

/// A requirement that names one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// The name as the file spells it, extras removed.
    pub name: String,
    pub version: String,
    pub kind: PinKind,
    /// The environment marker after `;`, if any.
    pub marker: Option<String>,
}

impl Pin {
    /// The declared package this pin stands for, seen in the file at `path`.
    pub fn found(&self, path: &str) -> Found {
        let mut notes = Vec::new();
        match self.kind {
            PinKind::Exact => {}
            PinKind::Arbitrary => notes.push("arbitrary equality (===) pin".to_string()),
            PinKind::Compatible => notes.push(format!(
                "{COMPATIBLE_NOTE}{}: {} is a lower bound, a newer compatible version may be installed",
                self.version, self.version
            )),
        }
        notes.extend(self.marker.as_deref().map(marker_note));
        let mut found = Found::new(
            Ecosystem::PyPI,
            &self.name,
            &self.version,
            path,
            EvidenceKind::Declared,
        );
        found.note = join_notes(&notes);
        found
    }
}

/// How the note of a `~=` pin starts; see [`compatible_pin`].
const COMPATIBLE_NOTE: &str = "compatible-release pin ~=";

/// The `X` of a `~=X` pin made by this module, read back from its note, so
/// that reconciliation can check it against the installed version.
pub fn compatible_pin(found: &Found) -> Option<&str> {
    let note = found.note.as_deref()?.strip_prefix(COMPATIBLE_NOTE)?;
    note.split_once(':').map(|(version, _)| version)
}

/// What one logical line of a requirements file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Pinned(Pin),
    /// A requirement with no single version; `why` says what it has instead.
    Unpinned {
        requirement: String,
        why: String,
    },
    /// `-r FILE` / `--requirement FILE`.
    Include(String),
    /// `-c FILE` / `--constraint FILE`.
    Constraint(String),
    /// `-e TARGET` / `--editable TARGET`.
    Editable(String),
}
