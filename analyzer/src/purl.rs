//! Package URLs (purl): building them for packages and reading them from SBOMs.
//!
//! Encoding, decoding and the purl-spec rules per type (npm and PyPI names
//! lowercased, no namespace for PyPI and crates, ...) come from the
//! `packageurl` crate, which follows the purl-spec test suite; this module
//! only maps lambda-audit's ecosystems and name spellings (`@scope/name`,
//! `group:artifact`) onto purl namespaces and names.

use crate::ecosystem::{pep503_normalize, Ecosystem};
use packageurl::PackageUrl;

/// Builds the purl of a package. A package with no name has no purl: the
/// result is then empty.
pub fn build(ecosystem: Ecosystem, name: &str, version: &str) -> String {
    let (namespace, name) = match ecosystem {
        Ecosystem::Npm => match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, bare)) => (Some(format!("@{}", scope.to_lowercase())), bare.into()),
            None => (None, name.into()),
        },
        Ecosystem::PyPI => (None, pep503_normalize(name)),
        Ecosystem::CratesIo | Ecosystem::RubyGems | Ecosystem::NuGet => (None, name.into()),
        Ecosystem::Maven => match name.split_once(':') {
            Some((group, artifact)) => (Some(group.into()), artifact.into()),
            None => (None, name.into()),
        },
        // `pkg:golang/github.com/gin-gonic/gin`: the module path's last element is the name.
        Ecosystem::Go => match name.rsplit_once('/') {
            Some((namespace, last)) => (Some(namespace.into()), last.into()),
            None => (None, name.into()),
        },
    };
    let Ok(mut purl) = PackageUrl::new(ecosystem.purl_type(), name) else {
        return String::new();
    };
    if let Some(namespace) = namespace {
        // Only types whose rules prohibit a namespace refuse one; these allow it.
        let _ = purl.with_namespace(namespace);
    }
    let _ = purl.with_version(version);
    purl.to_string()
}

/// A purl read back into the parts lambda-audit uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPurl {
    pub ecosystem: Ecosystem,
    /// The ecosystem's own spelling of the name (`@scope/name`, `group:artifact`).
    pub name: String,
    pub version: Option<String>,
}

/// Why a purl could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PurlError {
    #[error("not a purl (must start with `pkg:`): {0}")]
    NotPurl(String),
    #[error("unsupported purl type `{0}`")]
    UnsupportedType(String),
    #[error("purl has no name: {0}")]
    NoName(String),
    #[error("invalid purl {purl}: {reason}")]
    Invalid { purl: String, reason: String },
}

/// Parses a purl of a supported type. The type is checked first: a purl of a
/// type lambda-audit does not read is unsupported, whatever else it holds.
pub fn parse(purl: &str) -> Result<ParsedPurl, PurlError> {
    let rest = purl
        .strip_prefix("pkg:")
        .ok_or_else(|| PurlError::NotPurl(purl.to_string()))?;
    let ty = rest.trim_start_matches('/').split('/').next().unwrap_or("");
    let ecosystem = Ecosystem::from_purl_type(&ty.to_lowercase())
        .ok_or_else(|| PurlError::UnsupportedType(ty.to_string()))?;
    let parsed: PackageUrl = purl.parse().map_err(|e| match e {
        packageurl::Error::MissingName => PurlError::NoName(purl.to_string()),
        e => PurlError::Invalid {
            purl: purl.to_string(),
            reason: e.to_string(),
        },
    })?;
    let name = match (ecosystem, parsed.namespace()) {
        (Ecosystem::Maven, Some(group)) => format!("{group}:{}", parsed.name()),
        (Ecosystem::Npm, Some(scope)) => {
            format!(
                "@{}/{}",
                scope.trim_start_matches('@'),
                npm_name(purl, &parsed)
            )
        }
        (Ecosystem::Npm, None) => npm_name(purl, &parsed),
        (_, Some(namespace)) => format!("{namespace}/{}", parsed.name()),
        (_, None) => parsed.name().to_string(),
    };
    Ok(ParsedPurl {
        ecosystem,
        name,
        version: parsed.version().map(str::to_string),
    })
}

/// The npm name as the purl writes it. The purl spec lowercases npm names, but
/// the registry still serves legacy mixed-case packages (`JSONStream`,
/// `jQuery`) that advisories name exactly, so a third-party SBOM's spelling is
/// kept when it differs from the parsed name only by case.
fn npm_name(purl: &str, parsed: &PackageUrl) -> String {
    let path = purl.split(['#', '?']).next().unwrap_or(purl);
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let raw = last.rsplit_once('@').map_or(last, |(name, _)| name);
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    if decoded.to_lowercase() == parsed.name() {
        decoded.into_owned()
    } else {
        parsed.name().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_purls_per_ecosystem() {
        assert_eq!(
            build(Ecosystem::Npm, "@hapi/hoek", "8.5.0"),
            "pkg:npm/%40hapi/hoek@8.5.0"
        );
        assert_eq!(
            build(Ecosystem::PyPI, "zope.interface", "6.1"),
            "pkg:pypi/zope-interface@6.1"
        );
        assert_eq!(
            build(Ecosystem::Maven, "io.netty:netty-common", "4.1.48.Final"),
            "pkg:maven/io.netty/netty-common@4.1.48.Final"
        );
        assert_eq!(
            build(Ecosystem::PyPI, "torch", "2.0.1+cu118"),
            "pkg:pypi/torch@2.0.1%2Bcu118"
        );
    }

    #[test]
    fn parses_what_it_builds() {
        for (eco, name, version) in [
            (Ecosystem::Npm, "@hapi/hoek", "8.5.0"),
            (Ecosystem::Npm, "lodash", "4.17.15"),
            (Ecosystem::Maven, "io.netty:netty-common", "4.1.48.Final"),
            (Ecosystem::CratesIo, "regex", "1.5.4"),
            (Ecosystem::PyPI, "torch", "2.0.1+cu118"),
            (Ecosystem::Go, "github.com/gin-gonic/gin", "v1.8.1"),
            (Ecosystem::Go, "stdlib", "go1.19.8"),
            (Ecosystem::RubyGems, "rack", "2.2.22"),
            (Ecosystem::NuGet, "Newtonsoft.Json", "13.0.1"),
        ] {
            let parsed = parse(&build(eco, name, version)).unwrap();
            assert_eq!(parsed.ecosystem, eco);
            assert_eq!(parsed.name, name);
            assert_eq!(parsed.version.as_deref(), Some(version));
        }
        let p = parse("pkg:maven/org.x/y@1.0?type=jar#sub").unwrap();
        assert_eq!(p.name, "org.x:y");
        assert_eq!(p.version.as_deref(), Some("1.0"));
        assert!(matches!(
            parse("pkg:swift/x@1"),
            Err(PurlError::UnsupportedType(_))
        ));
        assert!(matches!(parse("npm/x"), Err(PurlError::NotPurl(_))));
    }

    #[test]
    fn spec_rules_and_errors() {
        // Names are lowercased where the purl spec says so; types we do not read
        // are unsupported before anything else is checked.
        let p = parse("pkg:pypi/Zope_Interface@6.1").unwrap();
        assert_eq!(p.name, "zope-interface");
        assert!(matches!(
            parse("pkg:swift/"),
            Err(PurlError::UnsupportedType(_))
        ));
        assert!(matches!(parse("pkg:npm/"), Err(PurlError::NoName(_))));
        assert!(matches!(
            parse("pkg:pypi/ns/x@1"),
            Err(PurlError::Invalid { .. })
        ));
        assert_eq!(build(Ecosystem::Maven, "g:", "1"), "");
    }

    #[test]
    fn npm_keeps_legacy_mixed_case_names() {
        let p = parse("pkg:npm/JSONStream@1.3.1").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("JSONStream", Some("1.3.1"))
        );
        let p = parse("pkg:npm/%40Scope/jQuery@1.0.0?x=y#sub").unwrap();
        assert_eq!(p.name, "@Scope/jQuery");
        assert_eq!(parse("pkg:npm/lodash").unwrap().name, "lodash");
    }
}
