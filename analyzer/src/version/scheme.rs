//! The version scheme extension point: the [`VersionScheme`] trait one scheme
//! file implements, and the type-erased form through which [`super::Version`]
//! holds any scheme's parsed versions.

use std::any::Any;
use std::cmp::Ordering;
use std::fmt;

/// One ecosystem's version rules: how a version string parses and how two
/// parsed versions order. Implement it in one file under `version/` and register
/// the scheme in the one list, `version::scheme_of`; the matcher, the inventory merge and the
/// reports then use it through [`super::Version`] with no ecosystem-specific code.
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

/// A scheme behind a pointer: [`VersionScheme`] minus its associated type.
pub(super) trait DynScheme: Send + Sync {
    fn parse(&'static self, text: &str) -> Result<Box<dyn DynVersion>, String>;
    fn equivalence_key(&self, text: &str) -> String;
    fn is_semver_dialect(&self) -> bool;
}

impl<S: VersionScheme> DynScheme for S {
    fn parse(&'static self, text: &str) -> Result<Box<dyn DynVersion>, String> {
        let parsed = VersionScheme::parse(self, text)?;
        Ok(Box::new(Tagged {
            scheme: self,
            parsed,
        }))
    }

    fn equivalence_key(&self, text: &str) -> String {
        VersionScheme::equivalence_key(self, text)
    }

    fn is_semver_dialect(&self) -> bool {
        VersionScheme::is_semver_dialect(self)
    }
}

/// A parsed version of some scheme, behind a pointer.
pub(super) trait DynVersion: Any + Send + Sync {
    /// The order against `other`; `None` when `other` is of another scheme.
    fn compare(&self, other: &dyn DynVersion) -> Option<Ordering>;
    fn without_local(&self) -> Option<Box<dyn DynVersion>>;
    fn clone_box(&self) -> Box<dyn DynVersion>;
    /// The scheme's own parsed value (its `VersionScheme::Parsed`).
    fn parsed(&self) -> &dyn Any;
    fn fmt_display(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    fn fmt_debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// A parsed version with the scheme that parsed it.
struct Tagged<S: VersionScheme> {
    scheme: &'static S,
    parsed: S::Parsed,
}

impl<S: VersionScheme> DynVersion for Tagged<S> {
    fn compare(&self, other: &dyn DynVersion) -> Option<Ordering> {
        let other = (other as &dyn Any).downcast_ref::<Tagged<S>>()?;
        Some(self.scheme.compare(&self.parsed, &other.parsed))
    }

    fn without_local(&self) -> Option<Box<dyn DynVersion>> {
        let parsed = self.scheme.without_local(&self.parsed)?;
        Some(Box::new(Tagged {
            scheme: self.scheme,
            parsed,
        }))
    }

    fn clone_box(&self) -> Box<dyn DynVersion> {
        Box::new(Tagged {
            scheme: self.scheme,
            parsed: self.parsed.clone(),
        })
    }

    fn parsed(&self) -> &dyn Any {
        &self.parsed
    }

    fn fmt_display(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.parsed, f)
    }

    fn fmt_debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple(self.scheme.name())
            .field(&self.parsed)
            .finish()
    }
}
