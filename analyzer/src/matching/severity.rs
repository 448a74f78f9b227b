//! Severity of a record: the base score of its CVSS vector (v4 preferred over
//! v3.1 over v3.0), else the record's own label (`database_specific.severity`,
//! `ecosystem_specific.severity`), else unknown.

use crate::advisories::osv::{Affected, Osv, SeverityEntry};
use crate::severity::{CvssVersion, Rating, Severity};
use std::str::FromStr;

/// The severity of `record`, looking also at the `affected[]` entries that matched.
pub fn of_record(record: &Osv, matched: &[&Affected]) -> Severity {
    let entries = record
        .severity
        .iter()
        .chain(matched.iter().flat_map(|a| &a.severity));
    if let Some(best) = best_vector(entries) {
        return best;
    }
    let labels = std::iter::once(&record.database_specific)
        .chain(matched.iter().map(|a| &a.ecosystem_specific))
        .chain(matched.iter().map(|a| &a.database_specific))
        .filter_map(|v| v.as_ref()?.get("severity")?.as_str());
    for label in labels {
        if let Some(rating) = rating_from_label(label) {
            return Severity {
                rating,
                score: None,
                vector: None,
                source: "database_label".into(),
            };
        }
    }
    Severity {
        rating: Rating::Unknown,
        score: None,
        vector: None,
        source: "none".into(),
    }
}

/// The severity from the newest CVSS version among `entries` that parses
/// (the first entry of that version).
fn best_vector<'a>(entries: impl Iterator<Item = &'a SeverityEntry>) -> Option<Severity> {
    let mut best: Option<(CvssVersion, Severity)> = None;
    for entry in entries {
        let Some((version, severity)) = from_vector(entry) else {
            continue;
        };
        if best.as_ref().is_none_or(|(v, _)| version > *v) {
            best = Some((version, severity));
        }
    }
    best.map(|(_, s)| s)
}

/// Scores one `severity[]` entry, with the CVSS version it is written in.
fn from_vector(entry: &SeverityEntry) -> Option<(CvssVersion, Severity)> {
    if !matches!(entry.kind.as_str(), "CVSS_V3" | "CVSS_V4") {
        return None;
    }
    let vector = entry.score.trim();
    let cvss = cvss::Cvss::from_str(vector).ok()?;
    let version = match cvss {
        cvss::Cvss::CvssV30(_) => CvssVersion::V3_0,
        cvss::Cvss::CvssV31(_) => CvssVersion::V3_1,
        cvss::Cvss::CvssV40(_) => CvssVersion::V4_0,
        _ => return None,
    };
    let source = match version {
        CvssVersion::V4_0 => "cvss_v4",
        _ => "cvss_v3",
    };
    let score = (cvss.score() * 10.0).round() / 10.0;
    Some((
        version,
        Severity {
            rating: rating_from_score(score),
            score: Some(score),
            vector: Some(vector.to_string()),
            source: source.into(),
        },
    ))
}

/// The CVSS qualitative rating of a base score.
pub fn rating_from_score(score: f64) -> Rating {
    match score {
        s if s >= 9.0 => Rating::Critical,
        s if s >= 7.0 => Rating::High,
        s if s >= 4.0 => Rating::Medium,
        s if s > 0.0 => Rating::Low,
        _ => Rating::None,
    }
}

/// Reads a record's own severity label (`HIGH`, `MODERATE`, ...), any case.
pub fn rating_from_label(label: &str) -> Option<Rating> {
    match label.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Rating::Critical),
        "high" => Some(Rating::High),
        "moderate" | "medium" => Some(Rating::Medium),
        "low" => Some(Rating::Low),
        "none" => Some(Rating::None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> Osv {
        Osv::from_slice(json.as_bytes()).unwrap()
    }

    #[test]
    fn cvss_v3_base_score() {
        let r = record(
            r#"{"id":"X","severity":[{"type":"CVSS_V3",
            "score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}"#,
        );
        let s = of_record(&r, &[]);
        assert_eq!(s.score, Some(9.8));
        assert_eq!(s.rating, Rating::Critical);
        assert_eq!(s.source, "cvss_v3");
    }

    #[test]
    fn v4_preferred_then_label_fallback() {
        let r = record(
            r#"{"id":"X","severity":[
              {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N"},
              {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]}"#,
        );
        let s = of_record(&r, &[]);
        assert_eq!((s.score, s.source.as_str()), (Some(9.3), "cvss_v4"));
        let r = record(
            r#"{"id":"X","severity":[{"type":"CVSS_V3","score":"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:U/A:U"}],
                "database_specific":{"severity":"MODERATE"}}"#,
        );
        let s = of_record(&r, &[]);
        assert_eq!(
            (s.rating, s.score, s.source.as_str()),
            (Rating::Medium, None, "database_label")
        );
        let s = of_record(&record(r#"{"id":"X"}"#), &[]);
        assert_eq!((s.rating, s.source.as_str()), (Rating::Unknown, "none"));
    }
}
