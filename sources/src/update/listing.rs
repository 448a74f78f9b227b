//! OSV's per-ecosystem listing, `<Ecosystem>/modified_id.csv`: one line per
//! record, `<modified>,<ID>`, where `<modified>` is the record's last
//! modification in RFC 3339 (Go's `time.RFC3339Nano`: trailing zeros of the
//! fraction dropped, so it is compared as a time, never as text), newest
//! first, no header. Each version of the cache keeps the same file for the
//! records it holds, written from the records themselves, which is what an
//! incremental update compares the server's listing with.

use jiff::Timestamp;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Record id → last modification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing(pub BTreeMap<String, Timestamp>);

impl Listing {
    /// Parses a `modified_id.csv`; an error names the first bad line.
    pub fn parse(text: &str) -> Result<Listing, String> {
        let mut records = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || (number == 0 && line == "modified,id") {
                continue;
            }
            let bad = |why: &str| format!("line {}: {why}: `{line}`", number + 1);
            let (modified, id) = line
                .split_once(',')
                .ok_or_else(|| bad("not `<modified>,<ID>`"))?;
            let modified: Timestamp = modified.parse().map_err(|_| bad("not an RFC 3339 time"))?;
            if !is_record_id(id) {
                return Err(bad("not a record id"));
            }
            let newest = records.entry(id.to_string()).or_insert(modified);
            *newest = (*newest).max(modified);
        }
        Ok(Listing(records))
    }

    /// The listing in OSV's format and order (newest first, then by id).
    pub fn render(&self) -> String {
        let mut lines: Vec<(&Timestamp, &String)> = self.0.iter().map(|(id, m)| (m, id)).collect();
        lines.sort_by(|a, b| b.0.cmp(a.0).then_with(|| a.1.cmp(b.1)));
        let mut out = String::with_capacity(lines.len() * 48);
        for (modified, id) in lines {
            let _ = writeln!(out, "{modified},{id}");
        }
        out
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A record's `modified` as a time; unreadable ones read as the epoch, so the
/// record is fetched again whenever the server lists it.
pub fn modified_time(modified: &str) -> Timestamp {
    modified.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

/// True for an id that is safe as a URL path segment and a zip member name:
/// ASCII letters, digits and `-._:`, not starting with a dot (OSV ids are
/// `GHSA-…`, `PYSEC-2021-1`, `RUSTSEC-…`, `MAL-…`, `ALSA-2023:1234`).
pub fn is_record_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_osv_lines_and_compares_times_not_text() {
        let listing = Listing::parse(
            "2024-05-01T10:00:00.12Z,GHSA-b\n2024-05-01T10:00:00.120Z,GHSA-a\r\n\n2023-01-01T00:00:00Z,GHSA-b\n",
        )
        .unwrap();
        assert_eq!(listing.len(), 2);
        assert_eq!(
            listing.0["GHSA-a"], listing.0["GHSA-b"],
            "same instant, two spellings"
        );
        let again = Listing::parse(&listing.render()).unwrap();
        assert_eq!(again, listing);
        assert!(listing
            .render()
            .starts_with("2024-05-01T10:00:00.12Z,GHSA-a\n"));
    }

    #[test]
    fn bad_lines_are_named() {
        for (text, why) in [
            (
                "2024-01-01T00:00:00Z GHSA-a",
                "line 1: not `<modified>,<ID>`",
            ),
            (
                "2024-01-01T00:00:00Z,GHSA-a\nyesterday,GHSA-b",
                "line 2: not an RFC 3339 time",
            ),
            (
                "2024-01-01T00:00:00Z,../../etc/passwd",
                "line 1: not a record id",
            ),
        ] {
            let err = Listing::parse(text).unwrap_err();
            assert!(err.starts_with(why), "{err}");
        }
        assert!(Listing::parse("modified,id\n2024-01-01T00:00:00Z,X-1").is_ok());
    }
}
