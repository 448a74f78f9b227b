//! pip requirements files (`requirements*.txt`, `requirements/*.txt`).
//!
//! Lines are read the way pip reads them: backslash continuations are joined,
//! comments (`#` at the start or after whitespace) are dropped, and per-requirement
//! options (`--hash=...`) are cut off. What counts as a pin:
//!
//! - `name==X` (and `name[extra]==X`, with or without an environment marker):
//!   declared version X. A wildcard (`==1.2.*`) is not a pin.
//! - `name===X` (arbitrary equality): declared version X, literally.
//! - `name~=X` (compatible release): lambda-audit records declared version X
//!   with a note that a newer compatible version may be installed, since X is
//!   only the lower bound. When installed metadata of the same name in the same
//!   archive satisfies `~=X`, reconciliation gives the pin that installed version
//!   (so it merges); otherwise the pin is noted as differing.
//!
//! Everything else (ranges, bare names, URLs, paths, `-e`) is reported as
//! skipped with the reason, never silently dropped. `-r`/`--requirement`
//! includes are followed inside the same archive, relative to the including
//! file, each file read once per artifact, with cycles and depth guarded; `-c`
//! constraints files are not read. `${NAME}` references are expanded from the
//! variables the caller gives ([`EnvVars`]); a line naming one it did not give
//! is reported as unresolved.
//!
//! One concept per module: `entry` (what a line says), `line` (logical
//! lines and options), `requirement` (PEP 508 requirements and pins),
//! `env` (`${NAME}` expansion), `file` (one file read on its own), `includes` (the include graph across
//! an artifact's files).

mod entry;
mod env;
mod file;
mod includes;
mod line;
mod requirement;

pub use entry::{compatible_pin, Entry, Pin, PinKind};
pub use env::EnvVars;
pub use file::parse;
pub use includes::{extract, follow_includes, resolve_include, MAX_INCLUDE_DEPTH};
pub use line::{logical_lines, parse_line};
pub use requirement::parse_requirement;

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    /// The entry of a pin, as the parsers give it.
    pub(crate) fn pin(name: &str, version: &str, kind: PinKind, marker: Option<&str>) -> Entry {
        Entry::Pinned(Pin {
            name: name.into(),
            version: version.into(),
            kind,
            marker: marker.map(Into::into),
        })
    }
}
