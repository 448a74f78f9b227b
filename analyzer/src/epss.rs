//! EPSS, FIRST's Exploit Prediction Scoring System: the probability that a
//! CVE is exploited in the next 30 days, and its percentile among all CVEs.
//!
//! Read from FIRST's published CSV (`epss_scores-YYYY-MM-DD.csv`): one or
//! more `#` comment lines (`#model_version:...,score_date:...`), a header
//! `cve,epss,percentile`, then one row per CVE. A finding whose CVEs the file
//! does not list has no EPSS: absent, never zero. [`crate::prioritize`]
//! joins the scores onto findings.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest EPSS file read: FIRST's full daily file is about 10 MB
/// (300,000 CVEs); 256 MiB is far above it and stops a hostile file.
pub const MAX_EPSS_BYTES: u64 = 256 << 20;

/// A finding's EPSS scores.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Epss {
    /// Probability of exploitation in the next 30 days, 0 to 1.
    pub score: f64,
    /// Share of CVEs scored at or below it, 0 to 1.
    pub percentile: f64,
}

/// EPSS scores by CVE id (upper case).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpssScores {
    /// Where the scores were read, for messages.
    pub source: String,
    scores: BTreeMap<String, Epss>,
}

/// An EPSS file that cannot be used, with the line at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct EpssError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl EpssScores {
    /// Parses FIRST's CSV layout; `source` names the file in errors. Any
    /// malformed row is an error naming its line: a score file that is half
    /// read would rank findings wrongly without saying so.
    pub fn parse(source: &str, bytes: &[u8]) -> Result<EpssScores, EpssError> {
        let error = |line: Option<usize>, message: String| EpssError {
            file: source.to_string(),
            line,
            message,
        };
        if bytes.len() as u64 > MAX_EPSS_BYTES {
            return Err(error(
                None,
                format!(
                    "{} bytes, over the limit of {MAX_EPSS_BYTES} bytes",
                    bytes.len()
                ),
            ));
        }
        let text =
            std::str::from_utf8(bytes).map_err(|e| error(None, format!("not UTF-8 text ({e})")))?;
        let mut header_seen = false;
        let mut scores = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let number = Some(i + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if !header_seen {
                if cells != ["cve", "epss", "percentile"] {
                    return Err(error(
                        number,
                        format!("expected the header `cve,epss,percentile`, found `{line}`"),
                    ));
                }
                header_seen = true;
                continue;
            }
            let [cve, score, percentile] = cells[..] else {
                return Err(error(number, format!("expected 3 cells, found `{line}`")));
            };
            let probability = |cell: &str, what: &str| {
                cell.parse::<f64>()
                    .ok()
                    .filter(|v| (0.0..=1.0).contains(v))
                    .ok_or_else(|| error(number, format!("{what} `{cell}` is not between 0 and 1")))
            };
            if !cve.to_ascii_uppercase().starts_with("CVE-") {
                return Err(error(number, format!("`{cve}` is not a CVE id")));
            }
            scores.insert(
                cve.to_ascii_uppercase(),
                Epss {
                    score: probability(score, "epss")?,
                    percentile: probability(percentile, "percentile")?,
                },
            );
        }
        if !header_seen {
            return Err(error(
                None,
                "no `cve,epss,percentile` header: not an EPSS file".into(),
            ));
        }
        Ok(EpssScores {
            source: source.to_string(),
            scores,
        })
    }

    /// Number of CVEs scored.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// True when no CVE is scored.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The scores of a CVE id (any case).
    pub fn get(&self, cve: &str) -> Option<Epss> {
        self.scores.get(&cve.trim().to_ascii_uppercase()).copied()
    }

    /// The scores of a vulnerability known by `ids` (its id and aliases):
    /// the highest among them (one vulnerability may carry several CVEs).
    pub fn lookup<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Option<Epss> {
        ids.into_iter()
            .filter_map(|id| self.get(id))
            .max_by(|a, b| a.score.total_cmp(&b.score))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\n\
        cve,epss,percentile\n\
        CVE-2021-44228,0.94358,0.99953\n\
        CVE-2020-28168,0.00231,0.45678\n";

    #[test]
    fn firsts_layout_parses() {
        let s = EpssScores::parse("epss.csv", FILE.as_bytes()).unwrap();
        assert_eq!(s.len(), 2);
        let e = s.get("cve-2021-44228").unwrap();
        assert_eq!((e.score, e.percentile), (0.94358, 0.99953));
        assert_eq!(s.get("CVE-1999-0001"), None, "absent is absent, not zero");
    }

    #[test]
    fn errors_name_the_line() {
        let bad = FILE.replace("0.00231", "2.5");
        let e = EpssScores::parse("epss.csv", bad.as_bytes()).unwrap_err();
        assert_eq!(e.line, Some(4));
        assert!(e.to_string().starts_with("epss.csv:4: epss `2.5`"), "{e}");
        let e = EpssScores::parse("x.csv", b"id,score\nCVE-1,0.1\n").unwrap_err();
        assert!(e.message.contains("cve,epss,percentile"), "{e}");
        let e = EpssScores::parse("x.csv", b"# only a comment\n").unwrap_err();
        assert!(e.message.contains("not an EPSS file"), "{e}");
        let e = EpssScores::parse("x.csv", b"cve,epss,percentile\nCVE-1,0.1\n").unwrap_err();
        assert!(e.message.contains("expected 3 cells"), "{e}");
    }
}
