//! Severity as a domain concept: the rating scale, its names and display
//! order, and the CVSS versions a score can come from. Matching decides
//! severities; policy (thresholds, suppressions) and reports read them.

use serde::{Deserialize, Serialize};

/// Severity ratings, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// No score and no label in the record.
    Unknown,
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Rating {
    /// Every rating from the most to the least severe, as summaries list them.
    pub const DESCENDING: [Rating; 6] = [
        Rating::Critical,
        Rating::High,
        Rating::Medium,
        Rating::Low,
        Rating::None,
        Rating::Unknown,
    ];

    /// The lowercase name, as in JSON and in `summary.by_severity`.
    pub fn name(self) -> &'static str {
        match self {
            Rating::Unknown => "unknown",
            Rating::None => "none",
            Rating::Low => "low",
            Rating::Medium => "medium",
            Rating::High => "high",
            Rating::Critical => "critical",
        }
    }

    /// True for the four ratings of the CVSS qualitative scale (low to
    /// critical), which summaries always list, even at zero.
    pub fn is_graded(self) -> bool {
        matches!(
            self,
            Rating::Low | Rating::Medium | Rating::High | Rating::Critical
        )
    }
}

impl std::fmt::Display for Rating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How bad a finding is, and where that judgement came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    pub rating: Rating,
    /// CVSS base score, when a vector was parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The CVSS vector the score was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    /// `cvss_v3`, `cvss_v4`, `database_label` (the record's own label) or `none`.
    pub source: String,
}

/// A version of the CVSS specification, oldest first (newer versions are
/// preferred when a record has several vectors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CvssVersion {
    V2,
    V3_0,
    V3_1,
    V4_0,
}

impl CvssVersion {
    /// The version a vector is written in: `CVSS:3.1/…`, `CVSS:3.0/…`,
    /// `CVSS:4.0/…`, or a v2 vector (no prefix, starts with `AV:`).
    pub fn of_vector(vector: &str) -> Option<CvssVersion> {
        [
            ("CVSS:3.1/", CvssVersion::V3_1),
            ("CVSS:3.0/", CvssVersion::V3_0),
            ("CVSS:4.0/", CvssVersion::V4_0),
            ("AV:", CvssVersion::V2),
        ]
        .into_iter()
        .find_map(|(prefix, version)| vector.starts_with(prefix).then_some(version))
    }

    /// The version number: `2.0`, `3.0`, `3.1`, `4.0`.
    pub fn number(self) -> &'static str {
        match self {
            CvssVersion::V2 => "2.0",
            CvssVersion::V3_0 => "3.0",
            CvssVersion::V3_1 => "3.1",
            CvssVersion::V4_0 => "4.0",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_order() {
        assert_eq!(Rating::Critical.name(), "critical");
        assert_eq!(Rating::Unknown.to_string(), "unknown");
        let mut ascending = Rating::DESCENDING;
        ascending.reverse();
        let mut sorted = ascending;
        sorted.sort();
        assert_eq!(ascending, sorted);
        for r in Rating::DESCENDING {
            assert_eq!(serde_json::to_value(r).unwrap(), r.name());
        }
    }

    #[test]
    fn cvss_versions_of_vectors() {
        assert_eq!(
            CvssVersion::of_vector("CVSS:3.1/AV:N"),
            Some(CvssVersion::V3_1)
        );
        assert_eq!(
            CvssVersion::of_vector("CVSS:3.0/AV:N"),
            Some(CvssVersion::V3_0)
        );
        assert_eq!(
            CvssVersion::of_vector("CVSS:4.0/AV:N"),
            Some(CvssVersion::V4_0)
        );
        assert_eq!(
            CvssVersion::of_vector("AV:N/AC:L/Au:N"),
            Some(CvssVersion::V2)
        );
        assert_eq!(CvssVersion::of_vector("high"), None);
        assert!(CvssVersion::V4_0 > CvssVersion::V3_1 && CvssVersion::V3_1 > CvssVersion::V3_0);
        assert_eq!(CvssVersion::V3_1.number(), "3.1");
    }
}
