//! The version scheme extension point: the [`VersionScheme`] trait one scheme
//! file implements, [`Rules`] (a scheme with the ecosystem it serves), and
//! [`SchemeVisitor`], through which code generic over the scheme runs with the
//! scheme an ecosystem names.

use super::VersionError;
use crate::ecosystem::Ecosystem;
use std::cmp::Ordering;
use std::fmt;

/// One ecosystem's version rules: how a version string parses and how two
/// parsed versions order. Implement it in one file under `version/` and add the
/// scheme to the one list, [`super::visit_scheme`]; the matcher, the inventory
/// merge and the reports then use it with no ecosystem-specific code.
pub trait VersionScheme: Send + Sync + 'static {
    /// A parsed version, parsed once and compared many times: comparing two of
    /// them should not allocate. Its `Display` writes the version back in a form
    /// that parses to an equal version.
    type Parsed: Clone + fmt::Debug + fmt::Display + Send + Sync + 'static;

    /// A short human name for diagnostics ("PEP 440", "SemVer (npm)").
    fn name(&self) -> &'static str;

    /// Parses `text`, whose surrounding whitespace is already trimmed; the error
    /// is the reason it does not parse, in the parser's words.
    fn parse(&self, text: &str) -> Result<Self::Parsed, String>;

    /// The scheme's order. It need not be transitive (Maven's is not for a few
    /// odd strings): callers sort with [`super::sort_by_version`] or
    /// [`super::robust_sort_by`], which tolerate that.
    fn compare(&self, a: &Self::Parsed, b: &Self::Parsed) -> Ordering;

    /// A string under which two spellings of the same version are equal, from the
    /// trimmed text (which may not parse). The default is the text itself, for
    /// ecosystems that publish each version under one exact spelling.
    fn equivalence_key(&self, text: &str) -> String {
        text.to_string()
    }

    /// `version` without its local label (PEP 440's `+local`), or `None` when it
    /// has none or the scheme knows no such label (the default). A listed public
    /// version also covers its local builds.
    fn without_local(&self, _version: &Self::Parsed) -> Option<Self::Parsed> {
        None
    }

    /// Whether the scheme is a SemVer dialect, which then also reads the OSV
    /// `SEMVER` ranges of its ecosystem's packages (other ecosystems' `SEMVER`
    /// ranges are read as npm reads SemVer). The default is no.
    fn is_semver_dialect(&self) -> bool {
        false
    }
}

/// An ecosystem's version rules: its scheme, statically typed, and the
/// ecosystem that parse errors name. [`super::visit_scheme`] hands it out.
pub struct Rules<S: 'static> {
    ecosystem: Ecosystem,
    scheme: &'static S,
}

impl<S> Clone for Rules<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Rules<S> {}

impl<S: VersionScheme> Rules<S> {
    pub(super) fn new(ecosystem: Ecosystem, scheme: &'static S) -> Rules<S> {
        Rules { ecosystem, scheme }
    }

    /// The scheme.
    pub fn scheme(self) -> &'static S {
        self.scheme
    }

    /// Parses `text` after trimming surrounding whitespace.
    pub fn parse(self, text: &str) -> Result<S::Parsed, VersionError> {
        self.scheme
            .parse(text.trim())
            .map_err(|reason| VersionError {
                ecosystem: self.ecosystem,
                version: text.to_string(),
                reason,
            })
    }

    /// The scheme's order of `a` against `b`.
    pub fn compare(self, a: &S::Parsed, b: &S::Parsed) -> Ordering {
        self.scheme.compare(a, b)
    }

    /// `version` without its local label, if it has one.
    pub fn without_local(self, version: &S::Parsed) -> Option<S::Parsed> {
        self.scheme.without_local(version)
    }

    /// Whether `version` carries a local label.
    pub fn is_local(self, version: &S::Parsed) -> bool {
        self.without_local(version).is_some()
    }
}

/// Code generic over the version scheme, run by [`super::visit_scheme`] with the
/// scheme of an ecosystem. Hot paths (range evaluation over many versions) use it
/// to parse and compare each scheme's own type, with no allocation or dynamic
/// dispatch per version; [`super::Version`] is the convenient form for the rest.
pub trait SchemeVisitor {
    /// What the visit gives.
    type Output;

    /// Runs with `rules`.
    fn visit<S: VersionScheme>(self, rules: Rules<S>) -> Self::Output;
}
