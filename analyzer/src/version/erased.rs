//! [`Version`]: a parsed version of whichever scheme its ecosystem uses, behind
//! one pointer, for code that handles versions one at a time (inventories,
//! baselines, suppressions, reports). Hot paths over many versions use the
//! scheme's own type through [`super::SchemeVisitor`] instead.

use super::{visit_scheme, Rules, SchemeVisitor, VersionError, VersionScheme};
use crate::ecosystem::Ecosystem;
use std::any::Any;
use std::cmp::Ordering;
use std::fmt;

/// A version parsed under its ecosystem's [`VersionScheme`]. Versions of
/// different schemes never compare (`partial_cmp` gives `None`); equality is
/// equal precedence (`1.0.0+a == 1.0.0+b`, `1.0 == 1.0.0` under PEP 440 and Maven).
pub struct Version(Box<dyn DynVersion>);

impl Version {
    /// Parses `text` under `ecosystem`'s rules, after trimming surrounding
    /// whitespace. npm lockfile spellings such as `v1.2.3` and `=1.2.3` are
    /// accepted; crates.io is strict SemVer; PyPI is PEP 440 with its documented
    /// normalisations (`1.0-RC1`, `v1.0`); Maven accepts any non-empty string, as
    /// Maven does, unless absurdly nested ([`super::maven::MAX_NESTING`]). Nothing
    /// is guessed beyond that.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Result<Version, VersionError> {
        visit_scheme(ecosystem, Parse { text })
    }

    /// This version without its local label (PEP 440's `+local`), or `None` when
    /// it has none (see [`VersionScheme::without_local`]).
    pub fn without_local(&self) -> Option<Version> {
        self.0.without_local().map(Version)
    }

    /// Whether this version carries a local label (PEP 440's `+local`).
    pub fn is_local(&self) -> bool {
        self.without_local().is_some()
    }

    /// The scheme's own parsed value (its [`VersionScheme::Parsed`], such as a
    /// `pep440_rs::Version`), if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.0.parsed().downcast_ref()
    }
}

/// [`Version::parse`] as a visit of the ecosystem's scheme.
struct Parse<'a> {
    text: &'a str,
}

impl SchemeVisitor for Parse<'_> {
    type Output = Result<Version, VersionError>;

    fn visit<S: VersionScheme>(self, rules: Rules<S>) -> Self::Output {
        let parsed = rules.parse(self.text)?;
        Ok(Version(Box::new(Tagged {
            scheme: rules.scheme(),
            parsed,
        })))
    }
}

impl Clone for Version {
    fn clone(&self) -> Self {
        Version(self.0.clone_box())
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.0.compare(&*other.0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_display(f)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_debug(f)
    }
}

/// A parsed version of some scheme: [`VersionScheme`]'s operations on one value,
/// without the scheme's type.
trait DynVersion: Any + Send + Sync {
    /// The order against `other`; `None` when `other` is of another scheme.
    fn compare(&self, other: &dyn DynVersion) -> Option<Ordering>;
    fn without_local(&self) -> Option<Box<dyn DynVersion>>;
    fn clone_box(&self) -> Box<dyn DynVersion>;
    /// The scheme's own parsed value.
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
