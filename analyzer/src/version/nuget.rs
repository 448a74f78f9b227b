//! NuGet versions, as `NuGet.Versioning`'s `NuGetVersion.TryParse` and its
//! default `VersionComparer` read and order them.
//!
//! `MAJOR[.MINOR[.PATCH[.REVISION]]][-LABEL(.LABEL)*][+METADATA]`: one to four
//! numbers (each fits a 32-bit signed integer; leading zeros allowed, a missing
//! one is 0, so `1.0`, `1.0.0` and `1.0.0.0` are equal), release labels of
//! `[0-9A-Za-z-]` (a numeric label has no leading zero). A version with labels
//! is lower than the same version without; labels compare one by one: both
//! numeric (fitting an `int`) by value, a numeric label before an alphanumeric
//! one, otherwise case-insensitively; fewer labels are lower when all shared
//! ones are equal. Metadata does not affect the order.
//!
//! No NuGet reference implementation runs on this machine (Debian ships no .NET
//! SDK), so these rules are checked by the unit tests below, written from
//! NuGet.Versioning's documented behaviour, not differentially.

use super::VersionScheme;
use std::cmp::Ordering;
use std::fmt;

/// The NuGet scheme.
pub struct NuGet;

/// A parsed NuGet version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NuGetVersion {
    numbers: [u32; 4],
    labels: Vec<String>,
    text: String,
}

impl VersionScheme for NuGet {
    type Parsed = NuGetVersion;

    fn name(&self) -> &'static str {
        "NuGet (NuGet.Versioning)"
    }

    fn parse(&self, text: &str) -> Result<NuGetVersion, String> {
        let (rest, metadata) = match text.split_once('+') {
            Some((rest, metadata)) => (rest, Some(metadata)),
            None => (text, None),
        };
        let (release, labels) = match rest.split_once('-') {
            Some((release, labels)) => (release, Some(labels)),
            None => (rest, None),
        };
        let parts: Vec<&str> = release.split('.').collect();
        if parts.len() > 4 {
            return Err("more than four version numbers".into());
        }
        let mut numbers = [0u32; 4];
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("`{part}` is not a version number"));
            }
            *slot = part
                .parse::<i32>()
                .map_err(|_| format!("`{part}` does not fit a 32-bit integer"))?
                as u32;
        }
        let labels = match labels {
            Some(labels) => parts_of(labels, "release label", false)?,
            None => Vec::new(),
        };
        if let Some(metadata) = metadata {
            parts_of(metadata, "metadata", true)?;
        }
        Ok(NuGetVersion {
            numbers,
            labels,
            text: text.to_string(),
        })
    }

    fn compare(&self, a: &NuGetVersion, b: &NuGetVersion) -> Ordering {
        a.numbers
            .cmp(&b.numbers)
            .then_with(|| match (a.labels.is_empty(), b.labels.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => cmp_labels(&a.labels, &b.labels),
            })
    }

    /// `MAJOR.MINOR.PATCH[.REVISION]` (the revision only when not 0) and the
    /// labels lowercased, as NuGet normalises: equal versions share it.
    fn equivalence_key(&self, text: &str) -> String {
        let Ok(v) = VersionScheme::parse(self, text) else {
            return text.to_string();
        };
        let [major, minor, patch, revision] = v.numbers;
        let mut key = format!("{major}.{minor}.{patch}");
        if revision != 0 {
            key.push_str(&format!(".{revision}"));
        }
        for (i, label) in v.labels.iter().enumerate() {
            key.push(if i == 0 { '-' } else { '.' });
            match label.parse::<i32>() {
                Ok(n) => key.push_str(&n.to_string()),
                Err(_) => key.push_str(&label.to_ascii_lowercase()),
            }
        }
        key
    }
}

impl fmt::Display for NuGetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Dot-separated non-empty `[0-9A-Za-z-]` parts.
fn parts_of(text: &str, what: &str, leading_zeros: bool) -> Result<Vec<String>, String> {
    text.split('.')
        .map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(format!("{what} `{part}` is empty or not [0-9A-Za-z-]"));
            }
            let numeric = part.bytes().all(|b| b.is_ascii_digit());
            if !leading_zeros && numeric && part.len() > 1 && part.starts_with('0') {
                return Err(format!("{what} `{part}` has a leading zero"));
            }
            Ok(part.to_string())
        })
        .collect()
}

/// NuGet's `CompareReleaseLabels`.
fn cmp_labels(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (x.parse::<i32>(), y.parse::<i32>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.to_ascii_uppercase().cmp(&y.to_ascii_uppercase()),
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
        NuGet.compare(&NuGet.parse(a).unwrap(), &NuGet.parse(b).unwrap())
    }

    #[test]
    fn orders_as_nuget_versioning() {
        assert_eq!(cmp("1.0", "1.0.0.0"), Equal);
        assert_eq!(cmp("1", "1.0.0"), Equal);
        assert_eq!(cmp("1.0.0.1", "1.0.0"), Greater);
        assert_eq!(cmp("13.0.1", "13.0.3"), Less);
        assert_eq!(cmp("1.0.0-beta", "1.0.0"), Less);
        assert_eq!(cmp("1.0.0-BETA", "1.0.0-beta"), Equal);
        assert_eq!(cmp("1.0.0-beta.2", "1.0.0-beta.10"), Less);
        assert_eq!(cmp("1.0.0-1", "1.0.0-alpha"), Less);
        assert_eq!(cmp("1.0.0-alpha", "1.0.0-alpha.1"), Less);
        assert_eq!(cmp("1.0.0+abc", "1.0.0+def"), Equal);
        assert_eq!(cmp("01.2", "1.2"), Equal);
        // A label beyond an int is not numeric for NuGet: it sorts as text, after numbers.
        assert_eq!(cmp("1.0.0-99999999999", "1.0.0-5"), Greater);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "a",
            "1.2.3.4.5",
            "1..2",
            "1.0-",
            "1.0-beta..1",
            "1.0+",
            "1.0-01",
            "3000000000.0",
        ] {
            assert!(NuGet.parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(NuGet.equivalence_key("1.0"), "1.0.0");
        assert_eq!(NuGet.equivalence_key("1.0.0.0-RC.1+sha"), "1.0.0-rc.1");
        assert_eq!(NuGet.equivalence_key("1.0.0.2"), "1.0.0.2");
    }
}
