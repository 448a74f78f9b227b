//! OSV's per-ecosystem listing, `<Ecosystem>/modified_id.csv`: one line per
//! record, `<modified>,<ID>`, where `<modified>` is the record's last
//! modification in RFC 3339 (Go's `time.RFC3339Nano`: trailing zeros of the
//! fraction dropped, so it is compared as a time, never as text), newest
//! first, no header. Each version of the cache keeps the same file for the
//! records it holds, written from the records themselves, which is what an
//! incremental update compares the server's listing with.

use jiff::Timestamp;
use std::fmt::Write;

/// Record id → last modification: one entry per id, sorted by id (a sorted
/// vector rather than a map: npm's listing has over 200,000 lines, and two
/// listings are compared in one merge pass without a lookup per record).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    records: Vec<(String, Timestamp)>,
}

impl Listing {
    /// Parses a `modified_id.csv`; an error names the first bad line.
    pub fn parse(text: &str) -> Result<Listing, String> {
        let mut records = Vec::with_capacity(text.len() / 40);
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
            records.push((id.to_string(), modified));
        }
        Ok(records.into_iter().collect())
    }

    /// The last modification of record `id`.
    pub fn get(&self, id: &str) -> Option<Timestamp> {
        self.records
            .binary_search_by(|(listed, _)| listed.as_str().cmp(id))
            .ok()
            .map(|at| self.records[at].1)
    }

    /// The records and their modifications, by id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Timestamp)> {
        self.records.iter().map(|(id, m)| (id.as_str(), *m))
    }

    /// The listing in OSV's format and order (newest first, then by id).
    pub fn render(&self) -> String {
        let mut lines: Vec<&(String, Timestamp)> = self.records.iter().collect();
        // Sorted by id already: a stable sort by time keeps ids in order.
        lines.sort_by_key(|(_, modified)| std::cmp::Reverse(*modified));
        let mut out = String::with_capacity(lines.len() * 48);
        for (id, modified) in lines {
            let _ = writeln!(out, "{modified},{id}");
        }
        out
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// A listing of these records; an id listed twice keeps its newest time.
impl FromIterator<(String, Timestamp)> for Listing {
    fn from_iter<I: IntoIterator<Item = (String, Timestamp)>>(records: I) -> Listing {
        let mut records: Vec<(String, Timestamp)> = records.into_iter().collect();
        // Newest first among equal ids, so that deduplicating keeps it.
        records.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        records.dedup_by(|later, kept| later.0 == kept.0);
        Listing { records }
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
            listing.get("GHSA-a"),
            listing.get("GHSA-b"),
            "same instant, two spellings"
        );
        assert!(listing.get("GHSA-a").is_some() && listing.get("GHSA-c").is_none());
        // An id listed twice keeps its newest time.
        assert_eq!(
            listing.get("GHSA-b"),
            Some("2024-05-01T10:00:00.12Z".parse().unwrap())
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
