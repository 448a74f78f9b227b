//! Go module versions: semantic versions as `golang.org/x/mod/semver` reads and
//! orders them, plus the two other spellings a scan meets.
//!
//! - Module versions: `v1.2.3`, shorthand `v1` / `v1.2` (= `v1.0.0` / `v1.2.0`),
//!   prereleases (pseudo-versions such as `v0.0.0-20240101000000-abcdef123456`
//!   are prereleases and order by their time stamp), build metadata ignored by
//!   the order (`+incompatible` included). OSV's Go records write the same
//!   versions without the `v` (`1.2.3`, `3.2.0+incompatible`): both are read.
//! - Go toolchain versions, the `stdlib` pseudo-module's versions in build
//!   info: `go1.19.8`, `go1.20` (= 1.20.0), `go1.21rc2` (= 1.21.0-rc.2), as
//!   the Go vulnerability database converts them; a build tag suffix
//!   (`go1.20.1 X:boringcrypto`) is ignored.
//! - `(devel)`, the main module's version in build info, and `devel ...`
//!   toolchains: x/mod/semver treats an invalid version as lower than every
//!   valid one and equal to any other invalid one; here that is one value,
//!   [`GoVersion::Devel`].
//!
//! Numbers have no size limit (compared by length, then digit by digit), as in
//! x/mod/semver. `tools/differential/go_compare.go` is the reference in the
//! differential test.

use super::VersionScheme;
use std::cmp::Ordering;
use std::fmt;

/// The Go scheme.
pub struct Go;

/// A parsed Go version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoVersion {
    /// `(devel)` or a development toolchain: below every release.
    Devel,
    /// A semantic version.
    Semver(GoSemver),
}

/// A semantic version in x/mod/semver's terms (numbers kept as digit strings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoSemver {
    major: String,
    minor: String,
    patch: String,
    /// Dot-separated identifiers after `-`, empty for a release.
    prerelease: Vec<String>,
    /// Build metadata after `+`, without the `+`; ignored by the order.
    build: Option<String>,
}

/// The main module's version in build info when built from a checkout.
pub const DEVEL: &str = "(devel)";

impl VersionScheme for Go {
    type Parsed = GoVersion;

    fn name(&self) -> &'static str {
        "Go module semver"
    }

    fn parse(&self, text: &str) -> Result<GoVersion, String> {
        if text == DEVEL || text.starts_with("devel ") {
            return Ok(GoVersion::Devel);
        }
        if let Some(tag) = text.strip_prefix("go") {
            return toolchain(tag).map(GoVersion::Semver);
        }
        parse_semver(text.strip_prefix('v').unwrap_or(text)).map(GoVersion::Semver)
    }

    fn compare(&self, a: &GoVersion, b: &GoVersion) -> Ordering {
        match (a, b) {
            (GoVersion::Devel, GoVersion::Devel) => Ordering::Equal,
            (GoVersion::Devel, _) => Ordering::Less,
            (_, GoVersion::Devel) => Ordering::Greater,
            (GoVersion::Semver(a), GoVersion::Semver(b)) => a.cmp_precedence(b),
        }
    }

    /// x/mod's canonical form (`v` + three numbers + prerelease, build
    /// metadata dropped except `+incompatible`), so `v1.2`, `1.2.0` and
    /// `v1.2.0` share a key.
    fn equivalence_key(&self, text: &str) -> String {
        match VersionScheme::parse(self, text) {
            Ok(GoVersion::Semver(v)) => v.canonical(),
            Ok(GoVersion::Devel) | Err(_) => text.to_string(),
        }
    }

    fn is_semver_dialect(&self) -> bool {
        true
    }
}

impl GoSemver {
    /// `vMAJOR.MINOR.PATCH[-PRE][+incompatible]`.
    pub fn canonical(&self) -> String {
        let mut out = format!("v{}.{}.{}", self.major, self.minor, self.patch);
        if !self.prerelease.is_empty() {
            out.push('-');
            out.push_str(&self.prerelease.join("."));
        }
        if self.build.as_deref() == Some("incompatible") {
            out.push_str("+incompatible");
        }
        out
    }

    /// SemVer precedence: numbers, then prerelease (a release is higher than
    /// its prereleases); build metadata ignored.
    fn cmp_precedence(&self, other: &GoSemver) -> Ordering {
        cmp_number(&self.major, &other.major)
            .then_with(|| cmp_number(&self.minor, &other.minor))
            .then_with(|| cmp_number(&self.patch, &other.patch))
            .then_with(|| cmp_prerelease(&self.prerelease, &other.prerelease))
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoVersion::Devel => f.write_str(DEVEL),
            GoVersion::Semver(v) => {
                f.write_str(&v.canonical())?;
                match v.build.as_deref() {
                    Some(build) if build != "incompatible" => write!(f, "+{build}"),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// Parses `MAJOR[.MINOR[.PATCH[-PRE][+BUILD]]]` (the `v` already removed).
fn parse_semver(text: &str) -> Result<GoSemver, String> {
    let (major, rest) = number(text, "major")?;
    let mut version = GoSemver {
        major,
        minor: "0".into(),
        patch: "0".into(),
        prerelease: Vec::new(),
        build: None,
    };
    if rest.is_empty() {
        return Ok(version);
    }
    let rest = rest
        .strip_prefix('.')
        .ok_or_else(|| format!("unexpected `{rest}` after the major version"))?;
    let (minor, rest) = number(rest, "minor")?;
    version.minor = minor;
    if rest.is_empty() {
        return Ok(version);
    }
    let rest = rest
        .strip_prefix('.')
        .ok_or_else(|| format!("unexpected `{rest}` after the minor version"))?;
    let (patch, rest) = number(rest, "patch")?;
    version.patch = patch;
    let (rest, build) = match rest.split_once('+') {
        Some((before, build)) => (before, Some(build)),
        None => (rest, None),
    };
    if let Some(pre) = rest.strip_prefix('-') {
        version.prerelease = identifiers(pre, "prerelease", true)?;
    } else if !rest.is_empty() {
        return Err(format!("unexpected `{rest}` after the patch version"));
    }
    if let Some(build) = build {
        identifiers(build, "build metadata", false)?;
        version.build = Some(build.to_string());
    }
    Ok(version)
}

/// A Go toolchain version without its `go` prefix: `1.19.8`, `1.20`, `1.21rc2`,
/// `1.9beta1`; a ` X:...` experiment suffix is dropped.
fn toolchain(tag: &str) -> Result<GoSemver, String> {
    let tag = tag.split(' ').next().unwrap_or(tag);
    let split = tag
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(tag.len());
    let (release, pre) = tag.split_at(split);
    let mut version = parse_semver(release)?;
    if !release.contains('.') {
        return Err(format!("`go{tag}` has no minor version"));
    }
    if !pre.is_empty() {
        let digits = pre
            .find(|c: char| c.is_ascii_digit())
            .ok_or_else(|| format!("prerelease `{pre}` has no number"))?;
        let (label, n) = pre.split_at(digits);
        let (n, _) = number(n, "prerelease")?;
        if !matches!(label, "alpha" | "beta" | "rc") {
            return Err(format!("unknown toolchain prerelease `{label}`"));
        }
        version.prerelease = vec![label.to_string(), n];
    }
    Ok(version)
}

/// A leading decimal number without superfluous leading zeros, and the rest.
fn number<'a>(text: &'a str, what: &str) -> Result<(String, &'a str), String> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, rest) = text.split_at(end);
    if digits.is_empty() {
        return Err(format!("missing {what} version number"));
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(format!("{what} version `{digits}` has a leading zero"));
    }
    Ok((digits.to_string(), rest))
}

/// Dot-separated non-empty `[0-9A-Za-z-]` identifiers; in a prerelease, a
/// numeric identifier has no leading zero.
fn identifiers(text: &str, what: &str, prerelease: bool) -> Result<Vec<String>, String> {
    text.split('.')
        .map(|id| {
            if id.is_empty() {
                return Err(format!("empty {what} identifier"));
            }
            if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(format!(
                    "{what} identifier `{id}` has a character outside [0-9A-Za-z-]"
                ));
            }
            if prerelease && is_numeric(id) && id.len() > 1 && id.starts_with('0') {
                return Err(format!("{what} identifier `{id}` has a leading zero"));
            }
            Ok(id.to_string())
        })
        .collect()
}

fn is_numeric(id: &str) -> bool {
    id.bytes().all(|b| b.is_ascii_digit())
}

/// Decimal digit strings without leading zeros: longer is larger.
fn cmp_number(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// SemVer prerelease precedence; no prerelease is highest.
fn cmp_prerelease(a: &[String], b: &[String]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    for (x, y) in a.iter().zip(b) {
        let order = match (is_numeric(x), is_numeric(y)) {
            (true, true) => cmp_number(x, y),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.as_bytes().cmp(y.as_bytes()),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        let (a, b) = (Go.parse(a).unwrap(), Go.parse(b).unwrap());
        Go.compare(&a, &b)
    }

    #[test]
    fn module_versions_order_as_x_mod_semver() {
        assert_eq!(cmp("v1.8.1", "1.8.1"), Equal);
        assert_eq!(cmp("v1", "v1.0.0"), Equal);
        assert_eq!(cmp("v1.2", "1.2.0"), Equal);
        assert_eq!(cmp("v1.10.0", "v1.9.9"), Greater);
        assert_eq!(cmp("v1.0.0-rc.1", "v1.0.0"), Less);
        assert_eq!(cmp("v1.0.0-alpha.2", "v1.0.0-alpha.10"), Less);
        assert_eq!(cmp("v1.0.0-alpha", "v1.0.0-alpha.1"), Less);
        assert_eq!(cmp("v1.0.0-1", "v1.0.0-a"), Less);
        assert_eq!(cmp("v3.2.0+incompatible", "3.2.0"), Equal);
        assert_eq!(cmp("v99999999999999999999.0.0", "v1.0.0"), Greater);
    }

    #[test]
    fn pseudo_versions_order_by_time() {
        let older = "v0.0.0-20220906165146-f3363e06e74c";
        let newer = "v0.0.0-20230101000000-abcdef123456";
        assert_eq!(cmp(older, newer), Less);
        assert_eq!(cmp(newer, "v0.1.0"), Less);
        // A pseudo-version after v1.2.3 sorts between it and v1.2.4.
        let after = "v1.2.4-0.20240101000000-abcdef123456";
        assert_eq!(cmp("v1.2.3", after), Less);
        assert_eq!(cmp(after, "v1.2.4"), Less);
    }

    #[test]
    fn toolchain_versions() {
        assert_eq!(cmp("go1.19.8", "1.19.8"), Equal);
        assert_eq!(cmp("go1.20", "1.20.0"), Equal);
        assert_eq!(cmp("go1.21rc2", "1.21.0-rc.2"), Equal);
        assert_eq!(cmp("go1.21rc2", "go1.21.0"), Less);
        assert_eq!(cmp("go1.20.1 X:boringcrypto", "1.20.1"), Equal);
        assert_eq!(cmp("go1.9beta1", "1.9.0-0"), Greater);
        assert!(Go.parse("go1").is_err());
        assert!(Go.parse("go1.21pre1").is_err());
    }

    #[test]
    fn devel_is_below_every_release() {
        assert_eq!(cmp("(devel)", "v0.0.0-0"), Less);
        assert_eq!(cmp("(devel)", "devel go1.22-abc"), Equal);
        assert_eq!(Go.parse("(devel)").unwrap().to_string(), "(devel)");
    }

    #[test]
    fn invalid_versions() {
        for bad in [
            "",
            "v",
            "v01.0.0",
            "v1.0.0-01",
            "v1.0.0-",
            "v1.0.0+",
            "v1.0.0-a..b",
            "v1.0.0.0",
            "v1.0-pre",
            "latest",
            "v1.0.0-a_b",
        ] {
            assert!(Go.parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Go.parse("v1.0.0+001").is_ok());
    }

    #[test]
    fn canonical_keys() {
        assert_eq!(Go.equivalence_key("1.2"), "v1.2.0");
        assert_eq!(
            Go.equivalence_key("v3.2.0+incompatible"),
            "v3.2.0+incompatible"
        );
        assert_eq!(Go.equivalence_key("v1.2.3+meta"), "v1.2.3");
        assert_eq!(Go.equivalence_key("(devel)"), "(devel)");
    }
}
