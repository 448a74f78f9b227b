//! Listing one zip's central directory with [`rawzip`], which yields every
//! record (the `zip` crate keeps only the last of equal names): the
//! end-of-central-directory count is checked against the tree-wide entry limit
//! before a record is parsed, names are normalised inside the root, equal names
//! are all kept, and entries whose data overlaps an earlier entry's (overlap
//! bombs) are refused.

use super::budget::Budget;
use super::entry::ZipData;
use super::names::normalise;

/// One file entry of a zip, as its central directory and local header describe it.
#[derive(Debug)]
pub(super) struct Record {
    /// Normalised path inside this zip.
    pub(super) name: String,
    pub(super) size: u64,
    pub(super) compressed_size: u64,
    pub(super) unix_mode: Option<u32>,
    /// True when stored (not compressed) with equal sizes: readable in place.
    pub(super) stored: bool,
    pub(super) data: ZipData,
}

/// Something to say about a path inside the zip being listed.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Note {
    /// Path inside this zip; empty for the zip itself.
    pub(super) path: String,
    pub(super) message: String,
}

/// A zip's files, with what went wrong while listing them.
#[derive(Debug, Default)]
pub(super) struct Listing {
    pub(super) records: Vec<Record>,
    /// Odd but harmless: names normalised, not UTF-8, repeated.
    pub(super) warnings: Vec<Note>,
    /// Entries that were not listed, so not read: the scan is incomplete.
    pub(super) gaps: Vec<Note>,
}

/// Why a zip could not be listed at all.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ListError {
    /// Not a zip, or a broken one; the reason for a person.
    Unreadable(String),
    /// The tree-wide entry limit would be passed.
    TooManyEntries { count: usize, limit: usize },
}

impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListError::Unreadable(reason) => f.write_str(reason),
            ListError::TooManyEntries { count, limit } => {
                write!(f, "{count} entries exceeds the limit of {limit}")
            }
        }
    }
}

/// Why rawzip refused a zip, in words that say what is missing.
fn describe(e: &rawzip::Error) -> String {
    match e.kind() {
        rawzip::ErrorKind::MissingEndOfCentralDirectory => {
            "end of central directory not found: the file may be truncated, or is not a zip"
                .to_string()
        }
        rawzip::ErrorKind::Eof => {
            "the central directory runs past the end of the file: the file may be truncated"
                .to_string()
        }
        _ => e.to_string(),
    }
}

/// A central directory record kept for the overlap check: its span in the zip,
/// from its local header to the end of its data.
struct Span {
    start: u64,
    end: u64,
    record: usize,
}

/// Lists the zip whose bytes are `bytes`, counting its entries tree-wide.
pub(super) fn list(bytes: &[u8], budget: &Budget) -> Result<Listing, ListError> {
    let archive =
        rawzip::ZipArchive::from_slice(bytes).map_err(|e| ListError::Unreadable(describe(&e)))?;
    let declared = usize::try_from(archive.entries_hint()).unwrap_or(usize::MAX);
    budget
        .take_entries(declared)
        .map_err(|e| ListError::TooManyEntries {
            count: e.count,
            limit: e.limit,
        })?;
    let mut listing = Listing::default();
    let mut spans = Vec::new();
    let mut entries = archive.entries();
    for index in 0.. {
        let header = match entries.next_entry() {
            Ok(Some(header)) => header,
            Ok(None) => break,
            Err(e) => {
                listing.gaps.push(Note {
                    path: String::new(),
                    message: format!(
                        "central directory unreadable from record #{index}: {}; the entries after it are not listed",
                        describe(&e)
                    ),
                });
                break;
            }
        };
        if index >= declared {
            // More records than the end of central directory said: count each.
            budget
                .take_entries(1)
                .map_err(|e| ListError::TooManyEntries {
                    count: e.count,
                    limit: e.limit,
                })?;
        }
        if header.is_dir() {
            continue;
        }
        let Some(name) = decode_name(header.file_path().as_bytes(), &mut listing) else {
            continue;
        };
        let entry = match archive.get_entry(header.wayfinder()) {
            Ok(entry) => entry,
            Err(e) => {
                listing.gaps.push(Note {
                    path: name,
                    message: format!("entry unreadable: {}; not listed", describe(&e)),
                });
                continue;
            }
        };
        let (data_start, data_end) = entry.compressed_data_range();
        let method = header.compression_method().as_u16();
        let (size, compressed_size) = (
            header.uncompressed_size_hint(),
            header.compressed_size_hint(),
        );
        spans.push(Span {
            start: header.local_header_offset(),
            end: data_end,
            record: listing.records.len(),
        });
        listing.records.push(Record {
            name,
            size,
            compressed_size,
            unix_mode: Some(header.mode().value() & 0o7777),
            stored: method == 0 && size == compressed_size,
            data: ZipData {
                offset: data_start,
                method,
                crc: header.crc32(),
                encrypted: header.flags().is_encrypted(),
            },
        });
    }
    refuse_overlaps(&mut listing, spans);
    warn_duplicates(&mut listing);
    Ok(listing)
}

/// The entry name as a normalised path, with a warning when it is not UTF-8
/// or leaves the root; `None` when nothing is left of it (`./`, `..`).
fn decode_name(raw: &[u8], listing: &mut Listing) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let normalised = normalise(&text);
    if normalised.path.is_empty() {
        return None;
    }
    if matches!(text, std::borrow::Cow::Owned(_)) {
        listing.warnings.push(Note {
            path: normalised.path.clone(),
            message: "entry name is not valid UTF-8; shown with replacement characters".into(),
        });
    }
    if normalised.escaped {
        listing.warnings.push(Note {
            path: normalised.path.clone(),
            message: format!(
                "entry path `{text}` escapes the archive root (zip-slip); placed inside it, never written"
            ),
        });
    }
    Some(normalised.path)
}

/// Drops every entry whose bytes (local header to end of data) overlap those
/// of an entry that starts before it, or at the same offset earlier in the
/// central directory: legitimate zips never share bytes between entries, and
/// overlap bombs do it to multiply what a few bytes inflate to.
fn refuse_overlaps(listing: &mut Listing, mut spans: Vec<Span>) {
    spans.sort_by_key(|s| (s.start, s.record));
    let mut refused = vec![false; listing.records.len()];
    let mut claimed_until = 0u64;
    let mut claimant = 0usize;
    for span in &spans {
        if span.start < claimed_until {
            refused[span.record] = true;
            let other = &listing.records[claimant].name;
            listing.gaps.push(Note {
                path: listing.records[span.record].name.clone(),
                message: format!(
                    "entry's data overlaps that of `{other}` (possible zip bomb); not read"
                ),
            });
        } else {
            claimed_until = span.end;
            claimant = span.record;
        }
    }
    let mut index = 0;
    listing.records.retain(|_| {
        index += 1;
        !refused[index - 1]
    });
}

/// Warns once per name that several entries share: each copy stays listed and
/// is read (a later copy does not hide an earlier one).
fn warn_duplicates(listing: &mut Listing) {
    let mut names: Vec<&str> = listing.records.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    let mut i = 0;
    while i < names.len() {
        let run = names[i..].iter().take_while(|n| **n == names[i]).count();
        if run > 1 {
            listing.warnings.push(Note {
                path: names[i].to_string(),
                message: format!("{run} entries have this name; each one is read and reported"),
            });
        }
        i += run;
    }
}
