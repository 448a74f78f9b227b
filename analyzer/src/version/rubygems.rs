//! RubyGems versions, as `Gem::Version` reads and orders them.
//!
//! A version is digits, then dot-separated alphanumeric segments, then an
//! optional `-` part (`1.0.0-rc1`), which RubyGems rewrites to `.pre.` (every
//! `-` becomes `.pre.`). The segments are the runs of digits and of letters
//! (`1.0.0.rc1` -> `1, 0, 0, "rc", 1`). Comparison uses the canonical segments:
//! the numeric prefix and the rest, each without trailing zeros; a missing
//! segment counts as 0, a letter segment is lower than any number (so
//! `1.0.a` < `1.0` and letters make a prerelease), letters compare bytewise and
//! numbers by value (any size; `01` is 1). An empty string is version 0.
//! `tools/differential/gem_version_compare.rb` is the reference in the
//! differential test.

use super::VersionScheme;
use std::cmp::Ordering;
use std::fmt;

/// The RubyGems scheme.
pub struct RubyGems;

/// One segment of a gem version: a number (digits without leading zeros) or letters.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Number(String),
    Letters(String),
}

/// A parsed gem version: its text and canonical segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GemVersion {
    text: String,
    canonical: Vec<Segment>,
}

impl VersionScheme for RubyGems {
    type Parsed = GemVersion;

    fn name(&self) -> &'static str {
        "RubyGems (Gem::Version)"
    }

    fn parse(&self, text: &str) -> Result<GemVersion, String> {
        check_syntax(text)?;
        let text = if text.is_empty() { "0" } else { text };
        Ok(GemVersion {
            text: text.to_string(),
            canonical: canonical(&segments(&text.replace('-', ".pre."))),
        })
    }

    fn compare(&self, a: &GemVersion, b: &GemVersion) -> Ordering {
        let len = a.canonical.len().max(b.canonical.len());
        let zero = Segment::Number("0".into());
        for i in 0..len {
            let x = a.canonical.get(i).unwrap_or(&zero);
            let y = b.canonical.get(i).unwrap_or(&zero);
            let order = match (x, y) {
                (Segment::Number(x), Segment::Number(y)) => {
                    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
                }
                (Segment::Letters(_), Segment::Number(_)) => Ordering::Less,
                (Segment::Number(_), Segment::Letters(_)) => Ordering::Greater,
                (Segment::Letters(x), Segment::Letters(y)) => x.as_bytes().cmp(y.as_bytes()),
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }

    /// The canonical segments, dot-joined: `1.0`, `1` and `1.00.0` share `1`.
    fn equivalence_key(&self, text: &str) -> String {
        match VersionScheme::parse(self, text) {
            Ok(v) => v
                .canonical
                .iter()
                .map(|s| match s {
                    Segment::Number(n) | Segment::Letters(n) => n.as_str(),
                })
                .collect::<Vec<_>>()
                .join("."),
            Err(_) => text.to_string(),
        }
    }
}

impl fmt::Display for GemVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `Gem::Version::ANCHORED_VERSION_PATTERN` (surrounding whitespace already
/// trimmed): `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`, or
/// nothing at all.
fn check_syntax(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Ok(());
    }
    let (release, pre) = match text.split_once('-') {
        Some((release, pre)) => (release, Some(pre)),
        None => (text, None),
    };
    let mut parts = release.split('.');
    let first = parts.next().unwrap_or_default();
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a gem version starts with a number".into());
    }
    if parts.any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return Err("segments are letters and digits separated by single dots".into());
    }
    if let Some(pre) = pre {
        if pre
            .split('.')
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err("the part after `-` is letters, digits and `-` separated by dots".into());
        }
    }
    Ok(())
}

/// The runs of digits and of letters, in order.
fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let digit = bytes[i].is_ascii_digit();
        if !digit && !bytes[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len()
            && (if digit {
                bytes[i].is_ascii_digit()
            } else {
                bytes[i].is_ascii_alphabetic()
            })
        {
            i += 1;
        }
        let run = &text[start..i];
        out.push(if digit {
            let trimmed = run.trim_start_matches('0');
            Segment::Number(if trimmed.is_empty() { "0" } else { trimmed }.to_string())
        } else {
            Segment::Letters(run.to_string())
        });
    }
    out
}

/// The numeric prefix and the rest, each with trailing zeros removed.
fn canonical(segments: &[Segment]) -> Vec<Segment> {
    let split = segments
        .iter()
        .position(|s| matches!(s, Segment::Letters(_)))
        .unwrap_or(segments.len());
    let trim = |part: &[Segment]| {
        let zero = Segment::Number("0".into());
        let end = part.iter().rposition(|s| *s != zero).map_or(0, |i| i + 1);
        part[..end].to_vec()
    };
    let mut out = trim(&segments[..split]);
    out.extend(trim(&segments[split..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        RubyGems.compare(&RubyGems.parse(a).unwrap(), &RubyGems.parse(b).unwrap())
    }

    #[test]
    fn orders_as_gem_version() {
        assert_eq!(cmp("1.0", "1.0.0"), Equal);
        assert_eq!(cmp("1.0.0.rc1", "1.0.0"), Less);
        assert_eq!(cmp("1.0.0-rc1", "1.0.0.pre.rc1"), Equal);
        assert_eq!(cmp("1.0.0.a", "1.0.0.b"), Less);
        assert_eq!(cmp("1.0.a", "1"), Less);
        assert_eq!(cmp("2.2.22", "2.2.3"), Greater);
        assert_eq!(cmp("1.01", "1.1"), Equal);
        assert_eq!(cmp("1.0.0.rc10", "1.0.0.rc9"), Greater);
        assert_eq!(cmp("1.a.0", "1.a"), Equal);
        assert_eq!(cmp("1.0.B", "1.0.a"), Less);
        assert_eq!(cmp("", "0"), Equal);
        assert_eq!(cmp("99999999999999999999999", "1"), Greater);
        assert_eq!(cmp("5.3.0.rc1", "5.3"), Less);
        assert_eq!(cmp("5.2.8.1", "5.3.0.rc1"), Less);
    }

    #[test]
    fn rejects_what_gem_version_rejects() {
        for bad in [
            "a",
            "1a",
            "1..0",
            "1.0.",
            ".1",
            "1.0-",
            "1.0-rc..1",
            "1_0",
            "v1.0",
            "1 0",
        ] {
            assert!(RubyGems.parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(RubyGems.parse("1.0-rc-1").is_ok());
        assert!(RubyGems.parse("2.0.0-alpha").is_ok());
    }

    #[test]
    fn equal_versions_share_a_key() {
        assert_eq!(
            RubyGems.equivalence_key("1.0.0"),
            RubyGems.equivalence_key("1")
        );
        assert_eq!(RubyGems.equivalence_key("1.0-rc1"), "1.pre.rc.1");
        assert_ne!(
            RubyGems.equivalence_key("1.0.1"),
            RubyGems.equivalence_key("1.0.10")
        );
    }
}
