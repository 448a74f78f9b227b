//! Compiling a database's files into an index, streaming: the records of a
//! window of zip members (or loose files) are read and parsed in parallel,
//! then written in their order, so that memory holds one source file and one
//! window of records, never the whole database, and the result does not
//! depend on thread timing.

use super::build::{prepare, Builder, Outcome};
use super::format::Codec;
use super::phases::Phases;
use super::reader::{Bytes, Index};
use super::Header;
use crate::advisories::fingerprint::{self, Fingerprint};
use crate::advisories::load::{self, Entry, Loose, SourceFile, SourceKind};
use crate::advisories::DbError;
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// Records parsed in parallel before being written in order: bounds the
/// records in memory at once (a window of OSV records is a few MB).
const WINDOW: usize = 4096;
/// Records one parallel task parses (small, so that the last tasks of a
/// window leave a core idle for little time).
const CHUNK: usize = 64;

/// Compiles `sources` into an index written to `out`; returns the writer and
/// the header (its `sources` carry the checksums of the bytes read).
pub fn compile<W: Write + Send>(sources: Vec<SourceFile>, out: W) -> Result<(W, Header), DbError> {
    compile_timed(sources, out, &mut Phases::default())
}

/// [`compile`], adding the time of each phase to `phases`.
pub(crate) fn compile_timed<W: Write + Send>(
    sources: Vec<SourceFile>,
    out: W,
    phases: &mut Phases,
) -> Result<(W, Header), DbError> {
    let mut builder = Builder::new(out);
    let mut compiled = Vec::with_capacity(sources.len());
    let mut at = 0;
    while at < sources.len() {
        if sources[at].kind == SourceKind::Zip {
            compiled.push(compile_zip(&sources[at], &mut builder, phases)?);
            at += 1;
        } else {
            let end = sources[at..]
                .iter()
                .position(|s| s.kind != SourceKind::Json)
                .map_or(sources.len(), |n| at + n);
            let start = Instant::now();
            compiled.extend(compile_loose(&sources[at..end], &mut builder)?);
            phases.records += start.elapsed();
            at = end;
        }
    }
    let start = Instant::now();
    // The one `DbError::Index` of a compile: the writer failed.
    let done = builder
        .finish_into(compiled)
        .map_err(|e| DbError::Index(format!("cannot write the index: {e}")));
    phases.tables += start.elapsed();
    done
}

/// `source` with `checksum` (of its bytes, read between `before` and now)
/// and whether its fingerprint can stand for them later.
fn stamped(
    source: &SourceFile,
    before: Fingerprint,
    started: SystemTime,
    checksum: impl FnOnce() -> String,
) -> Result<SourceFile, DbError> {
    let after = Fingerprint::at(&source.path)?;
    let steady = before == after;
    Ok(SourceFile {
        len: before.len,
        mtime_ns: before.mtime_ns,
        fingerprint: before,
        // A file that changed while it was read has no checksum: the index
        // is stale at the next open, whatever the file then holds.
        checksum: steady.then(checksum),
        settled: steady && before.settled_at(started),
        ..source.clone()
    })
}

/// One `*.json` member, as the zip's central directory lists it.
struct Member<'a> {
    name: &'a [u8],
    place: rawzip::ZipArchiveEntryWayfinder,
    entry: Entry,
}

/// Reads one `all.zip` whole and writes its records, parsed window by
/// window. The central directory is walked with [`rawzip`], which reads each
/// record in place (the `zip` crate's archive allocates a name and a
/// descriptor per member before the first one can be read: a serial tenth of
/// the compile at 243,000 members); the checksum of the bytes is taken on
/// one core while the records are parsed on the others.
fn compile_zip<W: Write + Send>(
    source: &SourceFile,
    builder: &mut Builder<W>,
    phases: &mut Phases,
) -> Result<SourceFile, DbError> {
    let path = &source.path;
    let started = SystemTime::now();
    let start = Instant::now();
    let before = Fingerprint::at(path)?;
    let bytes = std::fs::read(path).map_err(|e| DbError::io(path, e))?;
    phases.read += start.elapsed();
    let label = path.display().to_string();
    let archive = rawzip::ZipArchive::from_slice(bytes.as_slice())
        .map_err(|e| DbError::Zip(format!("{label}: {e}")))?;
    let (checksum, records) = rayon::join(
        || fingerprint::checksum(&bytes),
        || -> Result<(), DbError> {
            let start = Instant::now();
            let members = members(&archive, bytes.len(), &label)?;
            phases.directory += start.elapsed();
            let start = Instant::now();
            let parse = |window: &[Member<'_>]| -> Result<Vec<Outcome<'_>>, DbError> {
                let chunks: Vec<Vec<Outcome<'_>>> = window
                    .par_chunks(CHUNK)
                    .map(|chunk| {
                        chunk
                            .iter()
                            .map(|member| read_member(&archive, member, &label))
                            .collect::<Result<Vec<_>, DbError>>()
                    })
                    .collect::<Result<_, _>>()?;
                Ok(chunks.into_iter().flatten().collect())
            };
            let writing = pipelined(members.chunks(WINDOW), parse, |o| builder.push(o))?;
            phases.records += start.elapsed();
            phases.writing += writing;
            Ok(())
        },
    );
    records?;
    stamped(source, before, started, || checksum)
}

/// The `*.json` members of `archive` (`len` bytes), in central-directory
/// order.
fn members<'a>(
    archive: &'a rawzip::ZipSliceArchive<&[u8]>,
    len: usize,
    label: &str,
) -> Result<Vec<Member<'a>>, DbError> {
    // The end record's count is a hint: no more records fit than the
    // smallest record's size divides the zip into.
    let hint = usize::try_from(archive.entries_hint()).unwrap_or(usize::MAX);
    let mut members = Vec::with_capacity(hint.min(len / 46));
    let mut entries = archive.entries();
    while let Some(record) = entries
        .next_entry()
        .map_err(|e| DbError::Zip(format!("{label}: {e}")))?
    {
        let name = record.file_path().as_bytes();
        if record.is_dir() || !name.ends_with(b".json") {
            continue;
        }
        members.push(Member {
            name,
            place: record.wayfinder(),
            entry: Entry::of_record(&record),
        });
    }
    Ok(members)
}

/// Parses `windows` in order and hands every item to `write`, in order: a
/// pipeline of two stages, where this thread writes one window while the
/// pool parses the next (this thread joins in once it is done writing), so
/// that the serial writing never leaves a core idle. At most two windows are
/// held at once, and the order does not depend on thread timing. Returns
/// the time spent writing.
fn pipelined<W: Send, T: Send>(
    windows: impl Iterator<Item = W>,
    parse: impl Fn(W) -> Result<Vec<T>, DbError> + Sync,
    mut write: impl FnMut(T) + Send,
) -> Result<Duration, DbError> {
    let mut writing = Duration::ZERO;
    let mut write_all = |parsed: &mut Vec<T>| {
        let start = Instant::now();
        parsed.drain(..).for_each(&mut write);
        writing += start.elapsed();
    };
    let mut parsed = Vec::new();
    for window in windows {
        let ((), next) = rayon::join(|| write_all(&mut parsed), || parse(window));
        parsed = next?;
    }
    write_all(&mut parsed);
    Ok(writing)
}

/// Reads a zip member: a deflated member is inflated to be parsed, and its
/// compressed bytes are what the index stores.
fn read_member<'a>(
    archive: &'a rawzip::ZipSliceArchive<&[u8]>,
    member: &Member<'_>,
    label: &str,
) -> Result<Outcome<'a>, DbError> {
    let origin = format!("{label}!{}", String::from_utf8_lossy(member.name));
    let stored = archive
        .get_entry(member.place)
        .map_err(|_| DbError::Zip(format!("{origin}: member data lies outside the zip")))?
        .data();
    let by_origin = || origin.clone();
    Ok(match member.entry.json(stored, &origin)? {
        Some(Cow::Borrowed(json)) => prepare(json, Codec::Plain, Cow::Borrowed(json), &by_origin),
        Some(Cow::Owned(json)) => prepare(&json, Codec::Deflate, Cow::Borrowed(stored), &by_origin),
        None => {
            let what = match member.entry.encrypted {
                true => "encrypted",
                false => "compressed with a method other than deflate",
            };
            return Err(DbError::Zip(format!(
                "{origin}: the member is {what}, which OSV exports never are"
            )));
        }
    })
}

/// Reads loose `*.json` records, a window at a time, parsed in parallel.
fn compile_loose<W: Write + Send>(
    sources: &[SourceFile],
    builder: &mut Builder<W>,
) -> Result<Vec<SourceFile>, DbError> {
    let mut compiled = Vec::with_capacity(sources.len());
    let parse = |window: &[SourceFile]| {
        window
            .par_iter()
            .map(|source| {
                let started = SystemTime::now();
                let before = Fingerprint::at(&source.path)?;
                match load::read_loose(&source.path)? {
                    Loose::Skipped(reason) => {
                        Ok((skipped(source, before), Outcome::Invalid(reason)))
                    }
                    Loose::Record(raw) => {
                        let checksum = || fingerprint::checksum(&raw.bytes);
                        let stamped = stamped(source, before, started, checksum)?;
                        let origin = || raw.origin.clone();
                        let outcome =
                            prepare(&raw.bytes, Codec::Plain, Cow::Borrowed(&raw.bytes), &origin);
                        Ok((stamped, owned(outcome)))
                    }
                }
            })
            .collect::<Result<Vec<_>, DbError>>()
    };
    pipelined(sources.chunks(WINDOW), parse, |(source, outcome)| {
        compiled.push(source);
        builder.push(outcome);
    })?;
    Ok(compiled)
}

/// A skipped loose file: no checksum, so a later open compares fingerprints.
fn skipped(source: &SourceFile, before: Fingerprint) -> SourceFile {
    SourceFile {
        fingerprint: before,
        checksum: None,
        settled: false,
        skipped: true,
        ..source.clone()
    }
}

/// An outcome that no longer borrows the bytes it was read from.
fn owned(outcome: Outcome<'_>) -> Outcome<'static> {
    match outcome {
        Outcome::Record(r) => Outcome::Record(r.into_owned()),
        Outcome::Invalid(note) => Outcome::Invalid(note),
        Outcome::Skip => Outcome::Skip,
    }
}

/// Why a compile into a file failed.
#[derive(Debug)]
pub(crate) enum CompileError {
    /// A source could not be read: compiling elsewhere would fail the same way.
    Source(DbError),
    /// The index could not be written.
    Write(DbError),
}

/// Compiles `sources` into an index in memory.
pub(crate) fn compile_in_memory(sources: Vec<SourceFile>) -> Result<Index, DbError> {
    let (bytes, _) = compile(sources, Vec::new())?;
    Index::open(Bytes::Owned(bytes)).map_err(|e| DbError::Index(e.to_string()))
}

/// Compiles `sources` into the index file `index`, atomically: the index is
/// written to a temporary file in the same folder (created when needed),
/// mapped, and renamed over `index`, so that a reader sees the old file or
/// the new one, never a part, and the index returned is the one compiled
/// here even when another process renames its own over it. The file is not
/// synced to disk: one cut short by a crash fails its footer check and is
/// compiled again, so the cost of a sync buys nothing.
pub(crate) fn compile_to_file(
    sources: Vec<SourceFile>,
    index: &Path,
) -> Result<Index, CompileError> {
    compile_file_timed(sources, index, &mut Phases::default())
}

/// [`compile_to_file`], adding the time of each phase to `phases`.
pub(crate) fn compile_file_timed(
    sources: Vec<SourceFile>,
    index: &Path,
    phases: &mut Phases,
) -> Result<Index, CompileError> {
    let dir = index.parent().unwrap_or(Path::new("."));
    let write = |e: std::io::Error, path: &Path| CompileError::Write(DbError::io(path, e));
    std::fs::create_dir_all(dir).map_err(|e| write(e, dir))?;
    let tmp = tempfile::Builder::new()
        .prefix(super::TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| write(e, dir))?;
    let out = std::io::BufWriter::with_capacity(1 << 20, tmp);
    let (out, _) = compile_timed(sources, out, phases).map_err(|e| match e {
        DbError::Index(_) => CompileError::Write(e),
        e => CompileError::Source(e),
    })?;
    let tmp = out.into_inner().map_err(|e| {
        let (error, out) = e.into_parts();
        write(error, out.get_ref().path())
    })?;
    let start = Instant::now();
    let opened = Index::open_file(tmp.path())
        .map_err(|e| CompileError::Write(DbError::Index(e.to_string())))?;
    tmp.persist(index).map_err(|e| write(e.error, index))?;
    phases.open += start.elapsed();
    Ok(opened)
}
