//! Package URLs (purl): building them for packages and reading them from SBOMs.

use crate::ecosystem::{pep503_normalize, Ecosystem};

/// Builds the purl of a package.
pub fn build(ecosystem: Ecosystem, name: &str, version: &str) -> String {
    let path = match ecosystem {
        Ecosystem::Npm => match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, bare)) => format!(
                "%40{}/{}",
                encode(&scope.to_lowercase()),
                encode(&bare.to_lowercase())
            ),
            None => encode(&name.to_lowercase()),
        },
        Ecosystem::PyPI => encode(&pep503_normalize(name)),
        Ecosystem::CratesIo => encode(name),
        Ecosystem::Maven => match name.split_once(':') {
            Some((group, artifact)) => format!("{}/{}", encode(group), encode(artifact)),
            None => encode(name),
        },
    };
    format!("pkg:{}/{}@{}", ecosystem.purl_type(), path, encode(version))
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
}

/// Parses a purl of a supported type.
pub fn parse(purl: &str) -> Result<ParsedPurl, PurlError> {
    let rest = purl
        .strip_prefix("pkg:")
        .ok_or_else(|| PurlError::NotPurl(purl.to_string()))?;
    let rest = rest.split(['#', '?']).next().unwrap_or(rest);
    let (ty, path) = rest
        .split_once('/')
        .ok_or_else(|| PurlError::NoName(purl.to_string()))?;
    let ecosystem = Ecosystem::from_purl_type(&ty.to_lowercase())
        .ok_or_else(|| PurlError::UnsupportedType(ty.to_string()))?;
    let (path, version) = match path.rsplit_once('@') {
        Some((p, v)) if !p.is_empty() => (p, Some(decode(v))),
        _ => (path, None),
    };
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let name = match (ecosystem, segments.as_slice()) {
        (_, []) => return Err(PurlError::NoName(purl.to_string())),
        (Ecosystem::Maven, [group, artifact]) => format!("{group}:{artifact}"),
        (Ecosystem::Npm, [scope, bare]) => {
            let scope = scope.trim_start_matches('@');
            format!("@{scope}/{bare}")
        }
        (_, segs) => segs.join("/"),
    };
    Ok(ParsedPurl {
        ecosystem,
        name,
        version,
    })
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
            parse("pkg:golang/x@1"),
            Err(PurlError::UnsupportedType(_))
        ));
        assert!(matches!(parse("npm/x"), Err(PurlError::NotPurl(_))));
    }
}
