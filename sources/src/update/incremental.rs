//! An incremental update of one ecosystem. The server's listing
//! (`<Ecosystem>/modified_id.csv`) is compared with the previous version's;
//! only new and changed records are fetched (`<Ecosystem>/<ID>.json`), the
//! unchanged ones are copied from the previous export as they are
//! (compressed bytes, no re-encoding), and records the server no longer lists
//! are dropped. The whole export is downloaded instead when the server has no
//! readable listing, when the previous version has none, or when too much
//! changed for single requests to pay off.

use super::error::{Failure, Fetched, UpdateError};
use super::export::{write_listing, MAX_RECORD_BYTES};
use super::listing::{modified_time, Listing};
use super::progress::Unit;
use super::{Context, EXPORT_FILE, LISTING_FILE, RETRY};
use analyzer::advisories::Osv;
use analyzer::Ecosystem;
use futures_util::stream::{self, StreamExt};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Largest listing accepted (npm's, about 200,000 lines, is about 10 MB).
pub const MAX_LISTING_BYTES: u64 = 64 * 1024 * 1024;
/// The default for [`Request::max_changed`](super::Request::max_changed):
/// most changed records (changed, new and removed counted) fetched one by
/// one; more downloads the whole export. A listing that drops most records
/// (a broken mirror) is caught by the same count.
pub const MAX_CHANGED_RECORDS: usize = 2_000;
/// Records fetched at once.
pub const RECORD_CONCURRENCY: usize = 16;

/// How an incremental update of one ecosystem ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The ecosystem's folder holds the updated export and its listing.
    Done {
        records: usize,
        fetched: usize,
        removed: usize,
    },
    /// The whole export is needed, and why.
    FullNeeded(String),
}

/// What changed between the previous version's listing and the server's.
#[derive(Debug, PartialEq, Eq)]
pub struct Changes {
    /// New or modified records, to fetch, by id.
    pub fetch: Vec<String>,
    /// Unchanged records, to copy from the previous export, with their
    /// modification, by id.
    pub keep: Vec<(String, Timestamp)>,
    /// Records no longer listed.
    pub removed: usize,
}

impl Changes {
    /// Compares `held` (the previous version) with `listed` (the server), in
    /// one pass over both (each sorted by id).
    pub fn between(held: &Listing, listed: &Listing) -> Changes {
        let mut changes = Changes {
            fetch: Vec::new(),
            keep: Vec::with_capacity(listed.len()),
            removed: 0,
        };
        let mut held = held.iter().peekable();
        for (id, modified) in listed.iter() {
            while held.next_if(|(h, _)| *h < id).is_some() {
                changes.removed += 1;
            }
            match held.next_if(|(h, _)| *h == id) {
                Some((_, was)) if was == modified => changes.keep.push((id.to_string(), modified)),
                _ => changes.fetch.push(id.to_string()),
            }
        }
        changes.removed += held.count();
        changes
    }

    /// Why fetching single records does not pay off, when more than `limit`
    /// records changed.
    fn too_many(&self, limit: usize) -> Option<String> {
        let changed = self.fetch.len() + self.removed;
        (changed > limit)
            .then(|| format!("{changed} records changed, more than the {limit} fetched one by one"))
    }
}

/// Updates the ecosystem's export in `dir` from the previous version's
/// folder `previous`, fetching only what changed.
pub async fn update(
    cx: &Context<'_>,
    eco: Ecosystem,
    previous: &Path,
    dir: &Path,
) -> Result<Outcome, UpdateError> {
    let held = match std::fs::read_to_string(previous.join(LISTING_FILE)) {
        Ok(text) => match Listing::parse(&text) {
            Ok(held) => held,
            Err(e) => return Ok(full(format!("the previous listing is unreadable: {e}"))),
        },
        Err(_) => return Ok(full("the previous database has no listing".into())),
    };
    let listing_url = format!("{}/{}/{LISTING_FILE}", cx.base, eco.as_str());
    let listed = match server_listing(cx, &listing_url).await {
        Ok(listed) => listed,
        Err(why) => return Ok(full(format!("{listing_url}: {why}"))),
    };
    let changes = Changes::between(&held, &listed);
    if let Some(why) = changes.too_many(cx.max_changed) {
        return Ok(full(why));
    }
    if changes.fetch.is_empty() && changes.removed == 0 {
        // Nothing changed: the previous export and listing are the new ones.
        super::link_files(previous, dir)?;
        return Ok(Outcome::Done {
            records: held.len(),
            fetched: 0,
            removed: 0,
        });
    }
    let fetched = fetch_records(cx, eco, &changes.fetch, &listing_url).await?;
    let (fetched_count, removed) = (fetched.len(), changes.removed);
    let (from, to) = (previous.join(EXPORT_FILE), dir.join(EXPORT_FILE));
    let keep = changes.keep;
    let rebuilt = tokio::task::spawn_blocking(move || {
        let members = rebuild(&from, &to, &keep, &fetched)?;
        let listing: Listing = keep
            .into_iter()
            .chain(
                fetched
                    .into_iter()
                    .map(|(id, (_, modified))| (id, modified)),
            )
            .collect();
        Ok((members, listing))
    })
    .await
    .map_err(|e| {
        UpdateError::new(
            eco,
            Failure::Stopped {
                url: listing_url.clone(),
                reason: e.to_string(),
            },
        )
    })?;
    let (records, listing) = match rebuilt {
        Ok(rebuilt) => rebuilt,
        Err(Rebuild::Inconsistent(why)) => return Ok(full(why)),
        Err(Rebuild::Io(e)) => return Err(UpdateError::io(dir.join(EXPORT_FILE), "writing", e)),
    };
    write_listing(dir, &listing)?;
    Ok(Outcome::Done {
        records,
        fetched: fetched_count,
        removed,
    })
}

fn full(why: String) -> Outcome {
    Outcome::FullNeeded(why)
}

/// The server's listing, or why it cannot be used.
async fn server_listing(cx: &Context<'_>, url: &str) -> Result<Listing, String> {
    let bytes = cx
        .http
        .download_to_memory(url, MAX_LISTING_BYTES, RETRY)
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    let listing = Listing::parse(&text)?;
    if listing.is_empty() {
        return Err("the listing is empty".into());
    }
    Ok(listing)
}

/// A fetched record's bytes and modification time, by id.
type FetchedRecords = BTreeMap<String, (Vec<u8>, Timestamp)>;

/// Fetches `ids`, [`RECORD_CONCURRENCY`] at a time; each must be the OSV
/// record it is listed as.
async fn fetch_records(
    cx: &Context<'_>,
    eco: Ecosystem,
    ids: &[String],
    listing_url: &str,
) -> Result<FetchedRecords, UpdateError> {
    let mut fetched = BTreeMap::new();
    if ids.is_empty() {
        return Ok(fetched);
    }
    let total = Some(ids.len() as u64);
    cx.progress
        .begin(&format!("{eco} records"), Unit::Records, total);
    let mut downloads = stream::iter(ids)
        .map(|id| fetch_record(cx, eco, id, listing_url))
        .buffer_unordered(RECORD_CONCURRENCY);
    let mut result = Ok(());
    while let Some(record) = downloads.next().await {
        match record {
            Ok((id, bytes, modified)) => {
                fetched.insert(id, (bytes, modified));
                cx.progress.advance(fetched.len() as u64, total);
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    cx.progress.end();
    result.map(|()| fetched)
}

async fn fetch_record(
    cx: &Context<'_>,
    eco: Ecosystem,
    id: &str,
    listing_url: &str,
) -> Result<(String, Vec<u8>, Timestamp), UpdateError> {
    let url = format!("{}/{}/{id}.json", cx.base, eco.as_str());
    let bytes = cx
        .http
        .download_to_memory(&url, MAX_RECORD_BYTES, RETRY)
        .await
        .map_err(|error| {
            let what = Fetched::Record {
                id: id.to_string(),
                listing: listing_url.to_string(),
            };
            let url = url.clone();
            UpdateError::new(eco, Failure::Download { url, what, error })
        })?;
    let refused = |reason: String| {
        UpdateError::new(
            eco,
            Failure::NotARecord {
                url: url.clone(),
                id: id.to_string(),
                reason,
            },
        )
    };
    let record = Osv::from_slice(&bytes).map_err(|e| refused(format!("not an OSV record: {e}")))?;
    if record.id != id {
        return Err(refused(format!("the file holds record `{}`", record.id)));
    }
    Ok((id.to_string(), bytes, modified_time(&record.modified)))
}

/// Why the export could not be rebuilt.
enum Rebuild {
    /// The previous export does not hold what its listing says: download the whole export.
    Inconsistent(String),
    /// The new export could not be written.
    Io(std::io::Error),
}

/// Writes the export `to`: the `keep` members copied from `from` as they
/// are (compressed bytes, no inflating or re-encoding), the `fetched` records
/// added (deflated), in id order (as OSV's exports are); returns the number
/// of members. The previous export is read whole and its members located
/// with [`rawzip`] (no allocation per member, unlike the `zip` crate's
/// archive, whose per-member reads and copies made this cost as much as a
/// full update), so the cost is one pass over the bytes.
fn rebuild(
    from: &Path,
    to: &Path,
    keep: &[(String, Timestamp)],
    fetched: &FetchedRecords,
) -> Result<usize, Rebuild> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Rebuild::Inconsistent(format!("the previous export is unreadable: {e}"))
    };
    let bytes = std::fs::read(from).map_err(|e| unreadable(&e))?;
    let previous = rawzip::ZipArchive::from_slice(bytes.as_slice()).map_err(|e| unreadable(&e))?;
    let kept = kept_members(&previous, keep).map_err(|e| unreadable(&e))?;
    let out = std::fs::File::create(to).map_err(Rebuild::Io)?;
    let mut writer = rawzip::ZipArchiveWriter::new(std::io::BufWriter::with_capacity(1 << 20, out));
    let mut members = 0;
    let kept_ids = keep.iter().map(|(id, _)| id);
    for id in merged(kept_ids, fetched.keys()) {
        let name = format!("{id}.json");
        members += 1;
        if let Some((json, _)) = fetched.get(id) {
            write_deflated(&mut writer, &name, json).map_err(Rebuild::Io)?;
            continue;
        }
        let member = kept
            .get(id.as_str())
            .ok_or_else(|| Rebuild::Inconsistent(format!("the previous export has no {name}")))?;
        let entry = previous
            .get_entry(member.wayfinder)
            .map_err(|e| unreadable(&e))?;
        let (mut out, _) = writer
            .new_file(name.as_str())
            .compression_method(member.method)
            .start()
            .map_err(io_error)?;
        out.write_all(entry.data()).map_err(Rebuild::Io)?;
        out.finish(rawzip::DataDescriptorOutput::new(member.crc, member.size))
            .map_err(io_error)?;
    }
    let out = writer.finish().map_err(io_error)?;
    let out = out.into_inner().map_err(|e| Rebuild::Io(e.into_error()))?;
    out.sync_all().map_err(Rebuild::Io)?;
    Ok(members)
}

/// Where a kept member lies in the previous export, and what its central
/// directory says of its data.
struct KeptMember {
    wayfinder: rawzip::ZipArchiveEntryWayfinder,
    method: rawzip::CompressionMethod,
    crc: u32,
    size: u64,
}

/// The ids of two sequences sorted by id, merged in order, without repeats.
fn merged<'a>(
    a: impl Iterator<Item = &'a String>,
    b: impl Iterator<Item = &'a String>,
) -> impl Iterator<Item = &'a String> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if y < x => b.next(),
        (Some(x), Some(y)) if x == y => {
            b.next();
            a.next()
        }
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
}

/// The previous export's members named in `keep` (`<ID>.json`, sorted by
/// id), by id; the first of equal names.
fn kept_members<'a>(
    previous: &rawzip::ZipSliceArchive<&[u8]>,
    keep: &'a [(String, Timestamp)],
) -> Result<std::collections::HashMap<&'a str, KeptMember>, rawzip::Error> {
    let mut kept = std::collections::HashMap::with_capacity(keep.len());
    let mut entries = previous.entries();
    while let Some(header) = entries.next_entry()? {
        let name = header.file_path();
        let Some(id) = name.as_bytes().strip_suffix(b".json") else {
            continue;
        };
        let Some(id) = std::str::from_utf8(id).ok().and_then(|id| {
            let at = keep.binary_search_by(|(k, _)| k.as_str().cmp(id)).ok()?;
            Some(keep[at].0.as_str())
        }) else {
            continue;
        };
        kept.entry(id).or_insert(KeptMember {
            wayfinder: header.wayfinder(),
            method: header.compression_method(),
            crc: header.crc32(),
            size: header.uncompressed_size_hint(),
        });
    }
    Ok(kept)
}

/// Adds `json` as member `name`, deflated.
fn write_deflated<W: Write>(
    writer: &mut rawzip::ZipArchiveWriter<W>,
    name: &str,
    json: &[u8],
) -> std::io::Result<()> {
    let (mut entry, config) = writer
        .new_file(name)
        .compression_method(rawzip::CompressionMethod::DEFLATE)
        .start()
        .map_err(std::io::Error::other)?;
    let encoder = flate2::write::DeflateEncoder::new(&mut entry, flate2::Compression::default());
    let mut data = config.wrap(encoder);
    data.write_all(json)?;
    let (encoder, descriptor) = data.finish().map_err(std::io::Error::other)?;
    encoder.finish()?;
    entry
        .finish(descriptor)
        .map_err(std::io::Error::other)
        .map(|_| ())
}

fn io_error(e: rawzip::Error) -> Rebuild {
    Rebuild::Io(std::io::Error::other(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(lines: &[(&str, &str)]) -> Listing {
        let text: String = lines.iter().map(|(m, id)| format!("{m},{id}\n")).collect();
        Listing::parse(&text).unwrap()
    }

    #[test]
    fn merged_ids_are_in_order_without_repeats() {
        let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (a, b) = (ids(&["A", "C", "D"]), ids(&["B", "C", "E"]));
        let all: Vec<&String> = merged(a.iter(), b.iter()).collect();
        assert_eq!(all, ["A", "B", "C", "D", "E"]);
        assert_eq!(merged([].iter(), b.iter()).count(), 3);
    }

    #[test]
    fn changed_new_and_removed_records_are_told_apart() {
        let held = listing(&[
            ("2024-01-01T00:00:00Z", "A"),
            ("2024-01-01T00:00:00Z", "B"),
            ("2024-01-01T00:00:00Z", "GONE"),
        ]);
        let listed = listing(&[
            ("2024-01-01T00:00:00.000Z", "A"),
            ("2024-02-01T00:00:00Z", "B"),
            ("2024-02-01T00:00:00Z", "NEW"),
        ]);
        let changes = Changes::between(&held, &listed);
        assert_eq!(changes.fetch, vec!["B".to_string(), "NEW".to_string()]);
        let a_time = "2024-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(changes.keep, vec![("A".to_string(), a_time)]);
        assert_eq!(changes.removed, 1);
        assert!(changes.too_many(3).is_none());
        assert_eq!(
            changes.too_many(2).as_deref(),
            Some("3 records changed, more than the 2 fetched one by one")
        );
    }
}
